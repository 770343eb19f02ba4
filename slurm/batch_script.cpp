// slurm/batch_script.cpp — see batch_script.h.
#include "slurm/batch_script.h"

#include <filesystem>
#include <sstream>

namespace gaplab {

std::string slurmJobName(const std::string& sweepName) {
  std::string name = "gaplab-";
  for (char c : sweepName) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '.';
    name += safe ? c : '_';
  }
  return name.substr(0, 100);
}

std::string arrayTaskResultsPath(const std::string& resultsPath, int task) {
  const std::filesystem::path p(resultsPath);
  return (p.parent_path() / (p.stem().string() + ".task" + std::to_string(task) + p.extension().string())).string();
}

std::string renderBatchScript(const SweepJob& job, const SlurmOptions& o) {
  o.validate();
  const bool array = o.mode == SlurmMode::kArray;
  const std::string workdir = o.workdir.empty() ? std::filesystem::current_path().string() : o.workdir;
  std::string output = o.output;
  if (output.empty()) {
    output = workdir + "/slurm/" + slurmJobName(job.sweepName) + (array ? "-%A_%a.out" : "-%j.out");
    // The default lives under the working directory, whose name may hold anything: keep it only if it is a plain token.
    SlurmOptions probe;
    probe.output = output;
    try {
      probe.validate();
    } catch (const std::invalid_argument&) {
      output = "slurm-" + slurmJobName(job.sweepName) + (array ? "-%A_%a.out" : "-%j.out");
    }
  }

  std::ostringstream s;
  s << "#!/bin/bash\n";
  s << "# Rendered by `gaplab slurm render` for sweep " << slurmJobName(job.sweepName).substr(7) << " (id "
    << job.sweepId << ").\n";
  s << "# Submitting it again continues the sweep: finished trials are skipped, interrupted ones resume.\n";
  s << "#SBATCH --job-name=" << slurmJobName(job.sweepName) << "\n";
  s << "#SBATCH --nodes=" << o.nodes << "\n";
  s << "#SBATCH --ntasks-per-node=" << o.ntasksPerNode << "\n";
  s << "#SBATCH --cpus-per-task=" << o.cpusPerTask << "\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.account.empty()) s << "#SBATCH --account=" << o.account << "\n";
  if (!o.qos.empty()) s << "#SBATCH --qos=" << o.qos << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
  if (!o.constraint.empty()) s << "#SBATCH --constraint=" << o.constraint << "\n";
  if (o.gpusPerNode > 0) s << "#SBATCH --gpus-per-node=" << o.gpusPerNode << "\n";
  if (o.exclusive) s << "#SBATCH --exclusive\n";
  if (array) s << "#SBATCH --array=0-" << o.arrayTasks - 1 << "%" << o.arrayThrottle << "\n";
  s << "#SBATCH --output=" << output << "\n";
  s << "#SBATCH --open-mode=append\n";
  s << "#SBATCH --requeue\n";
  if (o.signalSeconds > 0) s << "#SBATCH --signal=B:USR2@" << o.signalSeconds << "\n";
  for (const std::string& d : o.extraSbatch) s << "#SBATCH " << d << "\n";
  s << "set -uo pipefail\n\n";
  for (const std::string& m : o.modules) s << "module load " << shellQuote(m) << "\n";
  for (const std::string& e : o.environment) {
    const std::size_t eq = e.find('=');
    s << "export " << e.substr(0, eq) << "=" << shellQuote(e.substr(eq + 1)) << "\n";
  }
  s << "cd " << shellQuote(workdir) << " || exit 1\n";
  s << "export OMP_NUM_THREADS=" << o.cpusPerTask << "\n";
  s << "max_requeues=" << o.maxRequeues << "\n";
  s << "restarts=${SLURM_RESTART_COUNT:-0}\n";
  s << "echo \"gaplab: job ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NODELIST:-?}, start $((restarts + 1)) of $((max_requeues + 1)) at "
       "$(date -u +%FT%TZ)\"\n\n";

  if (o.launcher == SlurmLauncher::kSrun) {
    // srun --mpi=pmix where this Slurm has the PMIx plugin, else Open MPI's mpirun inside the allocation.
    s << "if srun --mpi=list 2>&1 | grep -qw pmix; then\n"
         "  launch=(srun --mpi=pmix --kill-on-bad-exit=1)\n"
         "else\n"
         "  echo \"gaplab: this Slurm has no PMIx plugin; starting the ranks with mpirun\"\n"
         "  launch=(mpirun)\n"
         "fi\n";
  } else {
    s << "launch=(mpirun)\n";
  }
  s << "cmd=(\"${launch[@]}\" " << shellQuote(o.gaplab.empty() ? "gaplab" : o.gaplab) << " sweep "
    << shellQuote(job.sweepPath) << " --progress log";
  if (array) {
    const std::filesystem::path results(job.resultsPath);
    const std::string prefix = (results.parent_path() / (results.stem().string() + ".task")).string();
    s << " --shard \"${SLURM_ARRAY_TASK_ID}/" << o.arrayTasks << "\" --out " << shellQuote(prefix)
      << "\"${SLURM_ARRAY_TASK_ID}\"" << shellQuote(results.extension().string());
  } else {
    s << " --out " << shellQuote(job.resultsPath);
  }
  s << ")\n\n";
  s << R"SH(# The warning before the time limit (B: the batch shell gets it) goes on to the
# ranks, which checkpoint their trials and flush the results; then this job requeues itself.
warned=0
trap 'warned=1; kill -USR2 "$child" 2> /dev/null' USR2
trap 'kill -TERM "$child" 2> /dev/null' TERM
"${cmd[@]}" &
child=$!
while :; do
  wait "$child"
  rc=$?
  kill -0 "$child" 2> /dev/null || break
done

if [ "$warned" = 1 ]; then
  self=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}
  self=${self:-${SLURM_JOB_ID:-}}
  if [ "$restarts" -lt "$max_requeues" ]; then
    echo "gaplab: time limit near (exit $rc): trials checkpointed; requeueing $self (restart $((restarts + 1)) of $max_requeues)"
    scontrol requeue "$self" && exit 0
    echo "gaplab: scontrol requeue $self failed; submit the same sweep again to continue"
    exit 1
  fi
  echo "gaplab: time limit reached after $max_requeues requeue(s); not requeued. Submit the same sweep again to continue."
  exit 3
fi
if [ "$rc" = 130 ] || [ "$rc" = 143 ]; then
  echo "gaplab: stopped by SIGTERM without a time-limit warning (preemption or scancel); trials checkpointed"
fi
exit "$rc"
)SH";
  return s.str();
}

}  // namespace gaplab
