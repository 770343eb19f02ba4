// cli/slurm_command.cpp — `gaplab slurm render|submit|status SWEEP.yaml`.
//
// Options come from ~/.config/gaplab/slurm.yaml (or --config, or
// $GAPLAB_SLURM_CONFIG) and the command line on top. `submit` writes the
// rendered script next to the job's log (so what ran can be read later), runs
// sbatch and records the job id in `<results>.slurm`, which `status` reads.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "slurm/batch_script.h"
#include "slurm/slurm_client.h"
#include "sweeps/result_store.h"
#include "sweeps/sweep_spec.h"

namespace gaplab::cli {
namespace {

std::string thisExecutable() {
  char buf[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "gaplab";
}

SlurmOptions resolveOptions(const SlurmCliOptions& cli) {
  SlurmOptions o = SlurmOptions::loadDefaults(cli.configPath.empty() ? SlurmOptions::defaultConfigPath() : cli.configPath);
  auto set = [](std::string& field, const std::string& value) {
    if (!value.empty()) field = value;
  };
  auto setInt = [](int& field, int value) {
    if (value >= 0) field = value;
  };
  set(o.partition, cli.partition);
  set(o.account, cli.account);
  set(o.qos, cli.qos);
  set(o.time, cli.time);
  set(o.mem, cli.mem);
  set(o.constraint, cli.constraint);
  set(o.workdir, cli.workdir);
  set(o.output, cli.output);
  set(o.gaplab, cli.gaplab);
  setInt(o.nodes, cli.nodes);
  setInt(o.ntasksPerNode, cli.ntasksPerNode);
  setInt(o.cpusPerTask, cli.cpusPerTask);
  setInt(o.gpusPerNode, cli.gpusPerNode);
  setInt(o.signalSeconds, cli.signalSeconds);
  setInt(o.maxRequeues, cli.maxRequeues);
  if (cli.exclusive) o.exclusive = true;
  if (!cli.launcher.empty()) o.launcher = cli.launcher == "mpirun" ? SlurmLauncher::kMpirun : SlurmLauncher::kSrun;
  if (cli.arrayTasks > 0) {
    o.mode = SlurmMode::kArray;
    o.arrayTasks = cli.arrayTasks;
  }
  setInt(o.arrayThrottle, cli.arrayThrottle);
  for (const auto& d : cli.sbatch) o.extraSbatch.push_back(d);
  for (const auto& e : cli.environment) o.environment.push_back(e);
  for (const auto& m : cli.modules) o.modules.push_back(m);
  if (o.gaplab.empty()) o.gaplab = thisExecutable();
  if (o.workdir.empty()) o.workdir = std::filesystem::current_path().string();
  o.validate();  // std::invalid_argument -> exit 2
  return o;
}

SweepJob jobFor(const SlurmCliOptions& cli, const SweepSpec& spec, const SlurmOptions& o) {
  SweepJob job;
  job.sweepPath = std::filesystem::absolute(cli.sweepPath).lexically_normal().string();
  job.sweepName = spec.name;
  job.sweepId = spec.sweepId;
  const std::string out = cli.outPath.empty() ? "results/" + spec.name + ".h5" : cli.outPath;
  job.resultsPath = std::filesystem::path(out).is_absolute() ? out : (std::filesystem::path(o.workdir) / out).lexically_normal().string();
  return job;
}

std::string recordPath(const SweepJob& job) { return job.resultsPath + ".slurm"; }

int status(const SweepJob& job) {
  std::ifstream record(recordPath(job));
  if (!record) {
    std::printf("no Slurm job recorded for %s (%s absent); submit with `gaplab slurm submit`\n",
                job.resultsPath.c_str(), recordPath(job).c_str());
    return kExitOk;
  }
  std::string line, last;
  while (std::getline(record, line))
    if (!line.empty()) last = line;
  std::istringstream fields(last);
  std::string jobId, mode, tasks, when;
  fields >> jobId >> mode >> tasks >> when;
  std::printf("sweep %s: Slurm job %s (%s%s), submitted %s\n", job.sweepName.c_str(), jobId.c_str(), mode.c_str(),
              mode == "array" ? (", " + tasks + " tasks").c_str() : "", when.c_str());
  const std::vector<std::string> queue = queueLines(jobId);
  if (queue.empty()) std::printf("  not in the queue any more (finished, failed or cancelled)\n");
  for (const std::string& q : queue) std::printf("  %s\n", q.c_str());
  std::vector<std::string> files;
  if (mode == "array") {
    for (int k = 0; k < std::atoi(tasks.c_str()); ++k) files.push_back(arrayTaskResultsPath(job.resultsPath, k));
  } else {
    files.push_back(job.resultsPath);
  }
  std::string mergeArgs;
  for (const std::string& f : files) {
    if (!std::filesystem::exists(f)) {
      std::printf("  %s: not written yet\n", f.c_str());
      continue;
    }
    try {
      const std::vector<TrialResult> trials = ResultStore::readAll(f);
      int reached = 0;
      for (const TrialResult& r : trials) reached += r.reachedTarget() ? 1 : 0;
      std::printf("  %s: %zu trial(s) recorded, %d reached the target\n", f.c_str(), trials.size(), reached);
      mergeArgs += " " + f;
    } catch (const std::exception& e) {
      std::printf("  %s: unreadable: %s\n", f.c_str(), e.what());
    }
  }
  if (mode == "array") std::printf("merge: gaplab merge %s%s\n", job.resultsPath.c_str(), mergeArgs.c_str());
  return kExitOk;
}

}  // namespace

int slurmCommand(const SlurmCliOptions& cli) {
  const SweepSpec spec = SweepSpec::load(cli.sweepPath);  // ConfigError -> exit 2
  const SlurmOptions options = resolveOptions(cli);
  const SweepJob job = jobFor(cli, spec, options);
  if (cli.action == "status") return status(job);
  const std::string script = renderBatchScript(job, options);
  if (cli.action == "render") {
    std::fputs(script.c_str(), stdout);
    return kExitOk;
  }
  // submit
  const std::filesystem::path dir = std::filesystem::path(options.workdir) / "slurm";
  std::filesystem::create_directories(dir);
  std::filesystem::create_directories(std::filesystem::path(job.resultsPath).parent_path());
  const std::string scriptPath = (dir / (slurmJobName(spec.name) + ".sbatch")).string();
  std::ofstream(scriptPath) << script;
  std::string jobId;
  try {
    jobId = submitBatchScript(scriptPath);
  } catch (const SlurmError& e) {
    std::fprintf(stderr, "gaplab slurm submit: %s\n", e.what());
    return kExitUsage;
  }
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::ofstream(recordPath(job), std::ios::app)
      << jobId << " " << (options.mode == SlurmMode::kArray ? "array" : "allocation") << " " << options.arrayTasks
      << " " << when << "\n";
  std::printf("%s\n", jobId.c_str());
  std::fprintf(stderr, "gaplab slurm submit: job %s, script %s, results %s%s\n", jobId.c_str(), scriptPath.c_str(),
               options.mode == SlurmMode::kArray ? arrayTaskResultsPath(job.resultsPath, 0).c_str() : job.resultsPath.c_str(),
               options.mode == SlurmMode::kArray ? " ... (then gaplab merge)" : "");
  return kExitOk;
}

}  // namespace gaplab::cli
