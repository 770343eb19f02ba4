// cli/results_file.cpp — see results_file.h.
#include "cli/results_file.h"

#include <cmath>
#include <cstdio>
#include <exception>

#include <yaml-cpp/yaml.h>

#include "sweeps/result_store.h"

namespace gaplab::cli {

std::vector<TrialResult> readResultsFile(const std::string& path) {
  try {
    return ResultStore::readAll(path);
  } catch (const std::exception& e) {
    // ResultStore's messages name the path already ("cannot open results file 'x': ...").
    throw OutputError(e.what());
  }
}

std::string submissionName(const TrialResult& trial) {
  if (!trial.submission.empty()) return trial.submission;
  try {
    const YAML::Node config = YAML::Load(trial.configYaml);
    if (config.IsMap()) {
      const YAML::Node optimizer = config["optimizer"];
      if (optimizer && optimizer.IsMap()) {
        const YAML::Node name = optimizer["name"];
        if (name && name.IsScalar() && !name.Scalar().empty()) return name.Scalar();
      }
    }
  } catch (const YAML::Exception&) {
    // A config that does not parse names no optimizer: fall through to "default".
  }
  return "default";
}

std::string directionName(TargetDirection direction) {
  return direction == TargetDirection::kAtLeast ? "at_least" : "at_most";
}

std::string formatSeconds(double seconds) {
  if (std::isnan(seconds)) return "nan";
  if (std::isinf(seconds)) return seconds > 0 ? "inf" : "-inf";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", seconds);
  return buf;
}

}  // namespace gaplab::cli
