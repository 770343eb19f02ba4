// sweeps/algoperf_score.cpp — see algoperf_score.h for the rules and where they come from.
#include "sweeps/algoperf_score.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace gaplab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string describe(const AlgoPerfTrial& t) {
  std::ostringstream os;
  os << "workload '" << t.workload << "', submission '" << t.submission << "', study " << t.study;
  return os.str();
}

void validate(const std::vector<AlgoPerfTrial>& trials, const AlgoPerfOptions& options) {
  if (trials.empty()) throw std::invalid_argument("AlgoPerf scoring: no trials given; expected at least one");
  if (!std::isfinite(options.tauMax) || options.tauMax <= 1.0) {
    std::ostringstream os;
    os << "AlgoPerf scoring: tau_max = " << options.tauMax << "; expected a finite value > 1 (AlgoPerf uses 4)";
    throw std::invalid_argument(os.str());
  }
  if (options.profilePoints < 2)
    throw std::invalid_argument("AlgoPerf scoring: profile points = " + std::to_string(options.profilePoints) +
                                "; expected at least 2 (AlgoPerf uses 100)");
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const AlgoPerfTrial& t = trials[i];
    if (t.workload.empty() || t.submission.empty())
      throw std::invalid_argument("AlgoPerf scoring: trial #" + std::to_string(i) + " (" + describe(t) +
                                  ") has an empty workload or submission name");
    if (std::isnan(t.timeToTargetSeconds) || t.timeToTargetSeconds < 0.0) {
      std::ostringstream os;
      os << "AlgoPerf scoring: trial #" << i << " (" << describe(t) << ") has time to target "
         << t.timeToTargetSeconds << "; expected a time >= 0 seconds, or +inf when the target was missed";
      throw std::invalid_argument(os.str());
    }
  }
}

// np.linspace(1, tauMax, n): start + i * step, the last point exactly tauMax.
std::vector<double> linspaceGrid(double tauMax, int n) {
  std::vector<double> grid(static_cast<std::size_t>(n));
  const double step = (tauMax - 1.0) / static_cast<double>(n - 1);
  for (int i = 0; i < n; ++i) grid[static_cast<std::size_t>(i)] = 1.0 + static_cast<double>(i) * step;
  grid.back() = tauMax;
  return grid;
}

}  // namespace

double medianOfStudyTimes(std::vector<double> studyTimes) {
  if (studyTimes.empty()) throw std::invalid_argument("median of study times: no studies; expected at least one");
  for (double v : studyTimes)
    if (std::isnan(v)) throw std::invalid_argument("median of study times: got NaN; expected a time or +inf");
  std::sort(studyTimes.begin(), studyTimes.end());
  const std::size_t n = studyTimes.size();
  if (n % 2 == 1) return studyTimes[n / 2];
  // np.median: the mean of the two middle values; any +inf among them gives +inf.
  return (studyTimes[n / 2 - 1] + studyTimes[n / 2]) / 2.0;
}

AlgoPerfScores computeAlgoPerfScores(const std::vector<AlgoPerfTrial>& trials, const AlgoPerfOptions& options) {
  validate(trials, options);

  // Rule 1: (workload, submission) -> study -> minimum over that study's trials.
  std::map<std::pair<std::string, std::string>, std::map<int, double>> studyTimes;
  std::set<std::string> workloadSet;
  std::set<std::string> submissionSet;
  for (const AlgoPerfTrial& t : trials) {
    workloadSet.insert(t.workload);
    submissionSet.insert(t.submission);
    auto& studies = studyTimes[{t.workload, t.submission}];
    auto [it, inserted] = studies.emplace(t.study, t.timeToTargetSeconds);
    if (!inserted) it->second = std::min(it->second, t.timeToTargetSeconds);
  }

  AlgoPerfScores out;
  out.workloads.assign(workloadSet.begin(), workloadSet.end());
  const std::vector<std::string> submissions(submissionSet.begin(), submissionSet.end());
  out.tauGrid = linspaceGrid(options.tauMax, options.profilePoints);

  // Rule 2 for every pair (a pair without trials is missed), then rules 3 and 4 per workload.
  const double w = static_cast<double>(out.workloads.size());
  std::map<std::string, std::vector<double>> ratiosBySubmission;
  for (const std::string& workload : out.workloads) {
    const std::size_t first = out.times.size();
    double best = kInf;
    for (const std::string& submission : submissions) {
      AlgoPerfWorkloadTime row;
      row.workload = workload;
      row.submission = submission;
      row.timeToTargetSeconds = kInf;
      auto found = studyTimes.find({workload, submission});
      if (found != studyTimes.end()) {
        std::vector<double> perStudy;
        for (const auto& [study, time] : found->second) {
          perStudy.push_back(time);
          if (std::isfinite(time)) ++row.studiesReached;
        }
        row.studies = static_cast<int>(perStudy.size());
        row.timeToTargetSeconds = medianOfStudyTimes(std::move(perStudy));
      }
      best = std::min(best, row.timeToTargetSeconds);
      out.times.push_back(std::move(row));
    }
    for (std::size_t i = first; i < out.times.size(); ++i) {
      AlgoPerfWorkloadTime& row = out.times[i];
      const double t = row.timeToTargetSeconds;
      if (!std::isfinite(best) || !std::isfinite(t) || t > options.tauMax * best) {
        row.ratio = kInf;  // missed, cut off (rule 3), or nobody reached the workload
      } else {
        row.ratio = (t == best) ? 1.0 : t / best;
      }
      ratiosBySubmission[row.submission].push_back(row.ratio);
    }
  }

  // Rules 5 and 6.
  const double span = options.tauMax - 1.0;
  for (const std::string& submission : submissions) {
    const std::vector<double>& ratios = ratiosBySubmission[submission];
    AlgoPerfSubmissionScore s;
    s.submission = submission;
    s.profile.reserve(out.tauGrid.size());
    for (double tau : out.tauGrid) {
      std::size_t count = 0;
      for (double r : ratios) count += (r <= tau) ? 1 : 0;
      s.profile.push_back(static_cast<double>(count) / w);
    }
    double area = 0.0;
    for (double r : ratios)
      if (r <= options.tauMax) area += options.tauMax - r;
    s.exactScore = area / (span * w);
    double trapz = 0.0;
    for (std::size_t i = 0; i + 1 < out.tauGrid.size(); ++i)
      trapz += (out.tauGrid[i + 1] - out.tauGrid[i]) * (s.profile[i] + s.profile[i + 1]) / 2.0;
    s.trapezoidScore = trapz / span;
    s.score = options.integration == ProfileIntegration::kExact ? s.exactScore : s.trapezoidScore;
    out.submissions.push_back(std::move(s));
  }
  std::sort(out.submissions.begin(), out.submissions.end(),
            [](const AlgoPerfSubmissionScore& a, const AlgoPerfSubmissionScore& b) {
              if (a.score != b.score) return a.score > b.score;
              return a.submission < b.submission;
            });
  return out;
}

}  // namespace gaplab
