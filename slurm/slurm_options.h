// slurm/slurm_options.h — what a cluster needs to know about a sweep's job.
//
// Why: every cluster differs (partition, account, QoS, modules, ...). Users
// keep their defaults in ~/.config/gaplab/slurm.yaml (or $GAPLAB_SLURM_CONFIG)
// and override them per submission on the command line. Every value is
// validated here, before anything is rendered or submitted: values that go on
// `#SBATCH` lines (which sbatch parses itself, not a shell) must be plain
// tokens — a partition named `debug; rm -rf ~` is refused with its key, not
// quoted into a script.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gaplab {

// How the job runs the sweep.
enum class SlurmMode {
  kAllocation,  // one job: srun --mpi=pmix gaplab sweep over all its tasks
  kArray,       // a job array: task k runs shard k of N with its own results file
};

// How ranks are started inside the allocation.
enum class SlurmLauncher { kSrun, kMpirun };

struct SlurmOptions {
  std::string partition;
  std::string account;
  std::string qos;
  std::string time;                 // Slurm time: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS
  int nodes = 1;
  int ntasksPerNode = 2;            // MPI ranks per node (world rank 0 coordinates)
  int cpusPerTask = 1;
  int gpusPerNode = 0;
  std::string mem;                  // e.g. 4G, 4000M
  std::string constraint;
  bool exclusive = false;
  std::vector<std::string> extraSbatch;  // further "--key=value" directives
  std::vector<std::string> environment;  // "NAME=value", exported before the run
  std::vector<std::string> modules;      // `module load` before the run
  std::string workdir;              // default: the current directory
  std::string output;               // default: <workdir>/slurm/<sweep>-%j.out (array: %A_%a)
  int signalSeconds = 300;          // --signal=B:USR2@<s>: warning before the time limit
  int maxRequeues = 3;              // requeues after time-limit warnings, at most
  SlurmMode mode = SlurmMode::kAllocation;
  int arrayTasks = 4;               // array mode: shards
  int arrayThrottle = 2;            // array mode: tasks running at once (%K)
  SlurmLauncher launcher = SlurmLauncher::kSrun;
  std::string gaplab;               // the gaplab binary the job runs (default: this one)

  // Defaults from `path` (YAML with the keys of docs/slurm.md); throws
  // ConfigError with file:line and key for an unknown key or a bad value.
  static SlurmOptions loadDefaults(const std::string& path);
  // $GAPLAB_SLURM_CONFIG, else ~/.config/gaplab/slurm.yaml (absent: built-in defaults).
  static std::string defaultConfigPath();

  // Throws std::invalid_argument naming the option for a value sbatch would
  // reject or that could inject shell code or further directives.
  void validate() const;
};

// True for a Slurm time limit sbatch accepts (see SlurmOptions::time).
bool isSlurmTime(const std::string& text);

// Single-quotes `text` for a POSIX shell: 'it'\''s' — nothing inside is expanded.
std::string shellQuote(const std::string& text);

}  // namespace gaplab
