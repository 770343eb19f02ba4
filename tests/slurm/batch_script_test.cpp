// tests/slurm/batch_script_test.cpp — the rendered sbatch script: directives,
// validation of every option, and that no value can inject shell code (the
// script is executed with stub srun/module commands that record their argv).
#include "slurm/batch_script.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gaplab {
namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream t;
  t << in.rdbuf();
  return t.str();
}

std::vector<std::string> readLines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class BatchScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gaplab-batch-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bin");
    job_.sweepPath = "/sweeps/quick.yaml";
    job_.sweepName = "quick";
    job_.sweepId = "0123456789abcdef";
    job_.resultsPath = "/results/quick.h5";
    options_.workdir = dir_.string();
    options_.gaplab = "/opt/gaplab/bin/gaplab";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A stub command in dir_/bin that writes its arguments, one per line, to
  // dir_/<name>.args (a stub srun also answers `srun --mpi=list` with pmix).
  void stub(const std::string& name) {
    const fs::path path = dir_ / "bin" / name;
    std::ofstream(path) << "#!/bin/sh\n[ \"$1\" = --mpi=list ] && { echo 'MPI plugin types are: none pmix'; exit 0; }\n"
                        << "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" << (dir_ / (name + ".args")).string()
                        << "'\nexit 0\n";
    fs::permissions(path, fs::perms::owner_all);
  }

  // Runs `script` with bash, the stubs first on PATH; returns the exit code.
  int run(const std::string& script, const std::string& env = "") {
    const fs::path path = dir_ / "job.sh";
    std::ofstream(path) << script;
    const std::string command = "cd '" + dir_.string() + "' && env PATH='" + (dir_ / "bin").string() + ":/usr/bin:/bin' " +
                                env + " bash '" + path.string() + "' > '" + (dir_ / "job.log").string() + "' 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path dir_;
  SweepJob job_;
  SlurmOptions options_;
};

TEST_F(BatchScriptTest, DirectivesCarryTheOptions) {
  options_.partition = "gpu";
  options_.account = "proj-42";
  options_.qos = "high";
  options_.time = "1-02:00:00";
  options_.nodes = 2;
  options_.ntasksPerNode = 4;
  options_.cpusPerTask = 8;
  options_.gpusPerNode = 4;
  options_.mem = "64G";
  options_.constraint = "a100&ib";
  options_.exclusive = true;
  options_.extraSbatch = {"--mail-type=END"};
  options_.signalSeconds = 120;
  const std::string s = renderBatchScript(job_, options_);
  for (const char* line : {"#SBATCH --job-name=gaplab-quick\n", "#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=4\n",
                           "#SBATCH --cpus-per-task=8\n", "#SBATCH --partition=gpu\n", "#SBATCH --account=proj-42\n",
                           "#SBATCH --qos=high\n", "#SBATCH --time=1-02:00:00\n", "#SBATCH --mem=64G\n",
                           "#SBATCH --constraint=a100&ib\n", "#SBATCH --gpus-per-node=4\n", "#SBATCH --exclusive\n",
                           "#SBATCH --mail-type=END\n", "#SBATCH --requeue\n", "#SBATCH --signal=B:USR2@120\n",
                           "export OMP_NUM_THREADS=8\n"})
    EXPECT_NE(s.find(line), std::string::npos) << line << "\n" << s;
  EXPECT_EQ(s.find("--array"), std::string::npos);
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
}

TEST_F(BatchScriptTest, ArrayModeShardsAndThrottles) {
  options_.mode = SlurmMode::kArray;
  options_.arrayTasks = 6;
  options_.arrayThrottle = 2;
  const std::string s = renderBatchScript(job_, options_);
  EXPECT_NE(s.find("#SBATCH --array=0-5%2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("%A_%a.out"), std::string::npos) << s;
  stub("srun");
  ASSERT_EQ(run(s, "SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_JOB_ID=77 SLURM_JOB_ID=81"), 0) << readText(dir_ / "job.log");
  const std::vector<std::string> args = readLines(dir_ / "srun.args");
  const std::vector<std::string> expected = {"--mpi=pmix", "--kill-on-bad-exit=1", "/opt/gaplab/bin/gaplab", "sweep",
                                             "/sweeps/quick.yaml", "--progress", "log", "--shard", "4/6", "--out",
                                             "/results/quick.task4.h5"};
  EXPECT_EQ(args, expected);
  EXPECT_EQ(arrayTaskResultsPath("/results/quick.h5", 4), "/results/quick.task4.h5");
}

// The acceptance test of the quoting: values full of shell syntax reach the
// commands literally and nothing they contain is executed.
TEST_F(BatchScriptTest, NoValueCanInjectShellCode) {
  const fs::path marker = dir_ / "pwned";
  const std::string evil = "a b'\"; touch " + marker.string() + "; $(touch " + marker.string() + ") `touch " +
                           marker.string() + "` \\ ${HOME}";
  job_.sweepName = "name with spaces; $(touch " + marker.string() + ")";
  job_.sweepPath = "/sweeps/" + evil + ".yaml";
  job_.resultsPath = "/results/" + evil + ".h5";
  options_.gaplab = "/opt/" + evil;
  options_.environment = {"EVIL=" + evil};
  options_.modules = {evil};
  fs::create_directories(dir_ / evil);
  options_.workdir = (dir_ / evil).string();
  stub("srun");
  stub("module");
  const std::string s = renderBatchScript(job_, options_);
  const std::size_t name = s.find("#SBATCH --job-name=");
  const std::string nameLine = s.substr(name, s.find('\n', name) - name);
  EXPECT_EQ(nameLine.rfind("#SBATCH --job-name=gaplab-name_with_spaces____touch_", 0), 0u) << nameLine;
  EXPECT_EQ(nameLine.find_first_of(" ;$()`'\"", 8), std::string::npos) << nameLine;
  ASSERT_EQ(run(s), 0) << readText(dir_ / "job.log") << s;
  EXPECT_FALSE(fs::exists(marker)) << "a value was executed as shell code:\n" << s;
  const std::vector<std::string> args = readLines(dir_ / "srun.args");
  ASSERT_EQ(args.size(), 9u);
  EXPECT_EQ(args[2], "/opt/" + evil);
  EXPECT_EQ(args[4], "/sweeps/" + evil + ".yaml");
  EXPECT_EQ(args[8], "/results/" + evil + ".h5");
  const std::vector<std::string> module = readLines(dir_ / "module.args");
  EXPECT_EQ(module, (std::vector<std::string>{"load", evil}));
}

TEST_F(BatchScriptTest, FallsBackToMpirunWithoutPmix) {
  // An srun without the PMIx plugin: the job starts its ranks with mpirun.
  const fs::path srun = dir_ / "bin" / "srun";
  std::ofstream(srun) << "#!/bin/sh\necho 'MPI plugin types are: none'\nexit 0\n";
  fs::permissions(srun, fs::perms::owner_all);
  stub("mpirun");
  ASSERT_EQ(run(renderBatchScript(job_, options_)), 0) << readText(dir_ / "job.log");
  const std::vector<std::string> args = readLines(dir_ / "mpirun.args");
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args.front(), "/opt/gaplab/bin/gaplab");
  EXPECT_NE(readText(dir_ / "job.log").find("no PMIx plugin"), std::string::npos);
}

TEST_F(BatchScriptTest, RefusesValuesThatCannotBeDirectives) {
  auto refused = [&](auto mutate, const std::string& option) {
    SlurmOptions o = options_;
    mutate(o);
    try {
      renderBatchScript(job_, o);
      ADD_FAILURE() << option << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(option), std::string::npos) << e.what();
    }
  };
  refused([](SlurmOptions& o) { o.partition = "debug; rm -rf ~"; }, "--partition");
  refused([](SlurmOptions& o) { o.partition = "debug\n#SBATCH --uid=0"; }, "--partition");
  refused([](SlurmOptions& o) { o.account = "$(id)"; }, "--account");
  refused([](SlurmOptions& o) { o.qos = "`id`"; }, "--qos");
  refused([](SlurmOptions& o) { o.output = "/tmp/log file.out"; }, "--output");
  refused([](SlurmOptions& o) { o.time = "10min"; }, "--time");
  refused([](SlurmOptions& o) { o.time = "1:99"; }, "--time");
  refused([](SlurmOptions& o) { o.nodes = 0; }, "--nodes");
  refused([](SlurmOptions& o) { o.extraSbatch = {"--mail-user=a@b.c --uid=0"}; }, "--sbatch");
  refused([](SlurmOptions& o) { o.extraSbatch = {"mail-type=END"}; }, "--sbatch");
  refused([](SlurmOptions& o) { o.environment = {"1BAD=x"}; }, "--env");
  refused([](SlurmOptions& o) { o.environment = {"NOEQUALS"}; }, "--env");
}

TEST(SlurmTime, AcceptsSlurmFormatsOnly) {
  for (const char* ok : {"30", "30:00", "1:30:00", "2-0", "2-12", "2-12:30", "2-12:30:15", "UNLIMITED"})
    EXPECT_TRUE(isSlurmTime(ok)) << ok;
  for (const char* bad : {"", "1h", "10min", "1:60", "1:2:3:4", "-1", "1-", "2-12:30:15:1", "1.5"})
    EXPECT_FALSE(isSlurmTime(bad)) << bad;
}

TEST(ShellQuote, SingleQuotesEverything) {
  EXPECT_EQ(shellQuote("plain"), "'plain'");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(shellQuote("$(x) `y`"), "'$(x) `y`'");
}

TEST(SlurmOptionsFile, ReadsDefaultsAndRejectsUnknownKeys) {
  const fs::path dir = fs::temp_directory_path() / ("gaplab-slurm-options-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "slurm.yaml") << "partition: long\naccount: abc\ntime: \"2:00:00\"\nntasks_per_node: 5\n"
                                       "modules: [gcc/12, openmpi]\nenvironment: [\"A=1\"]\nmode: array\n"
                                       "array_tasks: 3\nlauncher: mpirun\n";
  const SlurmOptions o = SlurmOptions::loadDefaults((dir / "slurm.yaml").string());
  EXPECT_EQ(o.partition, "long");
  EXPECT_EQ(o.account, "abc");
  EXPECT_EQ(o.time, "2:00:00");
  EXPECT_EQ(o.ntasksPerNode, 5);
  EXPECT_EQ(o.modules, (std::vector<std::string>{"gcc/12", "openmpi"}));
  EXPECT_EQ(o.mode, SlurmMode::kArray);
  EXPECT_EQ(o.arrayTasks, 3);
  EXPECT_EQ(o.launcher, SlurmLauncher::kMpirun);
  std::ofstream(dir / "bad.yaml") << "partiton: long\n";
  try {
    SlurmOptions::loadDefaults((dir / "bad.yaml").string());
    ADD_FAILURE() << "unknown key accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("partiton"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "badtime.yaml") << "time: soon\n";
  EXPECT_THROW(SlurmOptions::loadDefaults((dir / "badtime.yaml").string()), std::exception);
  EXPECT_EQ(SlurmOptions::loadDefaults((dir / "absent.yaml").string()).partition, "");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gaplab
