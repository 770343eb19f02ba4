// slurm/slurm_options.cpp — see slurm_options.h.
#include "slurm/slurm_options.h"

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "core/config/config_node.h"

namespace gaplab {
namespace {

// Characters allowed in a value on an #SBATCH line: enough for partitions,
// accounts, memory sizes, constraint expressions and paths; no whitespace,
// quotes, `$`, backticks, `;`, `#` or backslashes.
bool isDirectiveToken(const std::string& text) {
  static const std::regex kToken(R"([A-Za-z0-9_.,:+=@%/&|!*\[\]()\-]+)");
  return std::regex_match(text, kToken);
}

void requireToken(const std::string& option, const std::string& value) {
  if (!value.empty() && !isDirectiveToken(value))
    throw std::invalid_argument("slurm option " + option + ": '" + value +
                                "' contains characters an #SBATCH line cannot carry safely (whitespace, quotes, $, "
                                "`, ;, #, \\); expected letters, digits and _.,:+=@%/&|!*[]()-");
}

void requireRange(const std::string& option, int value, int low, int high) {
  if (value < low || value > high)
    throw std::invalid_argument("slurm option " + option + ": " + std::to_string(value) + " is outside [" +
                                std::to_string(low) + ", " + std::to_string(high) + "]");
}

}  // namespace

bool isSlurmTime(const std::string& text) {
  static const std::regex kTime(
      R"((\d+)|(\d+):([0-5]?\d)|(\d+):([0-5]?\d):([0-5]?\d)|(\d+)-(\d+)|(\d+)-(\d+):([0-5]?\d)|(\d+)-(\d+):([0-5]?\d):([0-5]?\d)|UNLIMITED|unlimited|infinite|INFINITE)");
  return std::regex_match(text, kTime);
}

std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

void SlurmOptions::validate() const {
  requireToken("--partition", partition);
  requireToken("--account", account);
  requireToken("--qos", qos);
  requireToken("--mem", mem);
  requireToken("--constraint", constraint);
  requireToken("--output", output);
  if (!time.empty() && !isSlurmTime(time))
    throw std::invalid_argument("slurm option --time: '" + time +
                                "' is not a Slurm time; expected MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS");
  requireRange("--nodes", nodes, 1, 100000);
  requireRange("--ntasks-per-node", ntasksPerNode, 1, 4096);
  requireRange("--cpus-per-task", cpusPerTask, 1, 4096);
  requireRange("--gpus-per-node", gpusPerNode, 0, 64);
  requireRange("--signal-s", signalSeconds, 0, 7 * 24 * 3600);
  requireRange("--max-requeues", maxRequeues, 0, 1000);
  requireRange("--array-tasks", arrayTasks, 1, 100000);
  requireRange("--array-throttle", arrayThrottle, 1, 100000);
  for (const std::string& d : extraSbatch) {
    if (d.rfind("--", 0) != 0 || !isDirectiveToken(d.substr(2)))
      throw std::invalid_argument("slurm option --sbatch: '" + d +
                                  "' is not a single --key=value directive of letters, digits and _.,:+=@%/&|!*[]()-");
  }
  static const std::regex kName(R"([A-Za-z_][A-Za-z0-9_]*)");
  for (const std::string& e : environment) {
    const std::size_t eq = e.find('=');
    if (eq == std::string::npos || !std::regex_match(e.substr(0, eq), kName))
      throw std::invalid_argument("slurm option --env: '" + e + "' is not NAME=value with NAME of letters, digits, _");
  }
}

std::string SlurmOptions::defaultConfigPath() {
  if (const char* explicitPath = std::getenv("GAPLAB_SLURM_CONFIG")) return explicitPath;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.config/gaplab/slurm.yaml";
}

SlurmOptions SlurmOptions::loadDefaults(const std::string& path) {
  SlurmOptions o;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return o;
  ConfigDocument doc = ConfigDocument::loadFile(path);
  ConfigSection root = doc.root();
  o.partition = root.getString("partition", o.partition);
  o.account = root.getString("account", o.account);
  o.qos = root.getString("qos", o.qos);
  o.time = root.getString("time", o.time);
  o.nodes = static_cast<int>(root.getInt("nodes", o.nodes, Range::between(1, 100000)));
  o.ntasksPerNode = static_cast<int>(root.getInt("ntasks_per_node", o.ntasksPerNode, Range::between(1, 4096)));
  o.cpusPerTask = static_cast<int>(root.getInt("cpus_per_task", o.cpusPerTask, Range::between(1, 4096)));
  o.gpusPerNode = static_cast<int>(root.getInt("gpus_per_node", o.gpusPerNode, Range::between(0, 64)));
  o.mem = root.getString("mem", o.mem);
  o.constraint = root.getString("constraint", o.constraint);
  o.exclusive = root.getChoice("exclusive", "false", {"true", "false"}) == "true";
  o.extraSbatch = root.getStringList("extra_sbatch", o.extraSbatch);
  o.environment = root.getStringList("environment", o.environment);
  o.modules = root.getStringList("modules", o.modules);
  o.workdir = root.getString("workdir", o.workdir);
  o.output = root.getString("output", o.output);
  o.signalSeconds = static_cast<int>(root.getInt("signal_s", o.signalSeconds, Range::between(0, 7 * 24 * 3600)));
  o.maxRequeues = static_cast<int>(root.getInt("max_requeues", o.maxRequeues, Range::between(0, 1000)));
  o.mode = root.getChoice("mode", "allocation", {"allocation", "array"}) == "array" ? SlurmMode::kArray
                                                                                  : SlurmMode::kAllocation;
  o.arrayTasks = static_cast<int>(root.getInt("array_tasks", o.arrayTasks, Range::between(1, 100000)));
  o.arrayThrottle = static_cast<int>(root.getInt("array_throttle", o.arrayThrottle, Range::between(1, 100000)));
  o.launcher = root.getChoice("launcher", "srun", {"srun", "mpirun"}) == "mpirun" ? SlurmLauncher::kMpirun
                                                                                 : SlurmLauncher::kSrun;
  o.gaplab = root.getString("gaplab", o.gaplab);
  doc.checkUnknownKeys();
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw ConfigError(path + ": " + e.what());
  }
  return o;
}

}  // namespace gaplab
