// sweeps/results_merge.cpp — see results_merge.h.
#include "sweeps/results_merge.h"

#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

#include "sweeps/result_store.h"
#include "sweeps/sweep_scheduler.h"

namespace gaplab {
namespace {

constexpr const char* kIdAttribute = "gaplab_sweep_id";
constexpr const char* kNameAttribute = "gaplab_sweep_name";
constexpr const char* kYamlAttribute = "gaplab_sweep_yaml";

std::string requireSweepId(const std::string& path) {
  const std::optional<std::string> id = ResultStore::readAttribute(path, kIdAttribute);
  if (!id)
    throw std::runtime_error("results file " + path + " is not from a sweep (no attribute " + kIdAttribute +
                             "); only sweep results can be merged");
  return *id;
}

}  // namespace

MergeReport mergeSweepResults(const std::string& outPath, const std::vector<std::string>& inputPaths) {
  if (inputPaths.empty()) throw std::invalid_argument("merge: no input files");
  MergeReport report;
  std::vector<TrialResult> incoming;
  std::set<std::string> seen;
  for (const std::string& path : inputPaths) {
    if (!std::filesystem::exists(path)) throw std::runtime_error("results file " + path + " does not exist");
    const std::string id = requireSweepId(path);
    if (report.sweepId.empty()) {
      report.sweepId = id;
      report.sweepName = ResultStore::readAttribute(path, kNameAttribute).value_or("");
    } else if (id != report.sweepId) {
      throw std::runtime_error("results file " + path + " holds sweep " + id + ", but " + inputPaths.front() +
                               " holds sweep " + report.sweepId + "; only shards of one sweep can be merged");
    }
    for (TrialResult& r : ResultStore::readAll(path)) {
      if (!seen.insert(r.trialId).second) {
        ++report.duplicates;
        continue;
      }
      incoming.push_back(std::move(r));
    }
  }

  std::set<std::string> existing;
  if (std::filesystem::exists(outPath)) {
    const std::string id = requireSweepId(outPath);
    if (id != report.sweepId)
      throw std::runtime_error("output " + outPath + " holds sweep " + id + ", the inputs sweep " + report.sweepId +
                               "; merge into a new file");
    for (const TrialResult& r : ResultStore::readAll(outPath)) existing.insert(r.trialId);
  } else {
    ResultStore created = ResultStore::create(outPath, OverwriteMode::kFail);
    created.setAttribute(kIdAttribute, report.sweepId);
    created.setAttribute(kNameAttribute, report.sweepName);
    created.setAttribute(kYamlAttribute, ResultStore::readAttribute(inputPaths.front(), kYamlAttribute).value_or(""));
    created.commit();
  }
  std::vector<TrialResult> added;
  for (TrialResult& r : incoming) {
    if (existing.count(r.trialId)) {
      ++report.alreadyThere;
      continue;
    }
    added.push_back(std::move(r));
  }
  ResultStore::appendAtomically(outPath, added);
  report.added = static_cast<int64_t>(added.size());
  report.total = static_cast<int64_t>(existing.size()) + report.added;
  return report;
}

}  // namespace gaplab
