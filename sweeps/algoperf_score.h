// sweeps/algoperf_score.h — AlgoPerf benchmark scores from trial times-to-target.
//
// Why: gaplab's first job is AlgoPerf-style time-to-result benchmarks, and a
// benchmark is only comparable to the published one if it is scored by the same
// rules. This file is that scoring, as pure logic (no HDF5, no MPI): a list of
// trials in, per-workload times and ratios, performance profiles and scores out.
//
// The rules follow Dahl et al. 2023, "Benchmarking Neural Network Training
// Algorithms", and the scoring code of mlcommons/algorithmic-efficiency
// (scoring/performance_profile.py: get_workloads_time_to_target,
// compute_performance_profiles; scoring/score_submissions.py:
// compute_leaderboard_score and the arguments main() passes):
//
//  1. Study time. Within one (workload, submission, study) the study's time is
//     the minimum time-to-target over its trials (AlgoPerf: the earliest eval
//     of any trial that meets the target); +inf when no trial reached it.
//  2. Workload time t_{s,w} = median over the studies of (1), with np.median
//     semantics: sort; odd count -> the middle value; even count -> the mean of
//     the two middle values. +inf sorts last and (x + inf) / 2 = inf, so the
//     median is finite iff STRICTLY MORE than half of the studies reached the
//     target (3 of 5, 2 of 3, 2 of 2, 3 of 4). That is AlgoPerf's rule; its
//     older code said the same thing explicitly ("fewer than 3 of 5 -> missed").
//     A submission with no trials at all for a workload that others ran counts
//     as missed (AlgoPerf's pivot leaves NaN there, which no tau counts).
//  3. Cutoff: t_{s,w} > tau_max * min_s t_{s,w} counts as infinite (strictly
//     greater: a time exactly tau_max times the best is kept, ratio tau_max).
//     AlgoPerf hard-codes 4 for this cutoff and passes max_tau = 4 for the grid;
//     here one tau_max (default 4) serves both.
//  4. Ratio r_{s,w} = t_{s,w} / min_s t_{s,w} (1 when t equals the best, also for
//     a best of 0); +inf when missed or cut off. A workload that no submission
//     reached gives every submission r = +inf (AlgoPerf: inf/inf = NaN, which
//     no tau counts either): it contributes 0 to every profile but still counts
//     in the number of workloads W.
//  5. Profile rho_s(tau) = |{w : r_{s,w} <= tau}| / W on the grid
//     np.linspace(1, tau_max, 100) (AlgoPerf's num_points = 100, linear scale).
//  6. Score = (1 / (tau_max - 1)) * integral_1^{tau_max} rho_s(tau) dtau.
//     kExact (default) integrates the step function exactly: each workload with
//     r <= tau_max adds (tau_max - r) / ((tau_max - 1) W). kTrapezoid reproduces
//     AlgoPerf's code, np.trapz of the 100-point grid divided by (tau_max - 1)
//     (normalize=True). The two differ by less than one grid step per workload:
//     the trapezoid rule smears each step over one grid interval, e.g. a ratio of
//     exactly tau_max scores 0 exactly but (step / 2) / ((tau_max - 1) W) with
//     the trapezoid. Both are always computed; options pick which is `score`.
//
// Not modelled: AlgoPerf's held-out workload variants (a base workload counts as
// missed when its variant's target was missed) and reference_submission_tag;
// callers that need the variant rule can set those times to +inf beforehand.
#pragma once

#include <string>
#include <vector>

namespace gaplab {

// AlgoPerf's defaults (score_submissions.py passes max_tau = 4.0, num_points = 100).
inline constexpr double kAlgoPerfTauMax = 4.0;
inline constexpr int kAlgoPerfProfilePoints = 100;

// One trial of a submission on a workload in one study.
struct AlgoPerfTrial {
  std::string workload;
  std::string submission;
  int study = 0;
  double timeToTargetSeconds = 0.0;  // +inf when the target was missed, the trial failed or diverged
};

enum class ProfileIntegration {
  kExact,      // area under the step function (default)
  kTrapezoid,  // np.trapz on the profile grid, as AlgoPerf's compute_leaderboard_score
};

struct AlgoPerfOptions {
  double tauMax = kAlgoPerfTauMax;          // > 1: cutoff ratio and upper end of the profile
  int profilePoints = kAlgoPerfProfilePoints;  // >= 2 grid points in [1, tauMax], both ends included
  ProfileIntegration integration = ProfileIntegration::kExact;
};

// Time and ratio of one submission on one workload.
struct AlgoPerfWorkloadTime {
  std::string workload;
  std::string submission;
  double timeToTargetSeconds = 0.0;  // median over studies (rule 2), before the cutoff; +inf when missed
  double ratio = 0.0;                // rule 4: t / best, +inf when missed, cut off or nobody reached
  int studies = 0;                   // studies seen for this pair (0: no trials at all)
  int studiesReached = 0;            // studies where some trial reached the target
};

struct AlgoPerfSubmissionScore {
  std::string submission;
  std::vector<double> profile;  // rho_s(tau) at AlgoPerfScores::tauGrid
  double score = 0.0;           // exactScore or trapezoidScore, per AlgoPerfOptions::integration
  double exactScore = 0.0;
  double trapezoidScore = 0.0;
};

struct AlgoPerfScores {
  std::vector<std::string> workloads;      // sorted; W = workloads.size()
  std::vector<double> tauGrid;             // np.linspace(1, tauMax, profilePoints)
  std::vector<AlgoPerfWorkloadTime> times; // every (workload, submission), sorted by workload then submission
  std::vector<AlgoPerfSubmissionScore> submissions;  // score descending, then name ascending
};

// Scores all submissions in `trials` against each other. Throws std::invalid_argument
// for empty input, an empty workload or submission name, a NaN or negative time,
// tauMax <= 1 (or not finite), or profilePoints < 2.
AlgoPerfScores computeAlgoPerfScores(const std::vector<AlgoPerfTrial>& trials,
                                     const AlgoPerfOptions& options = {});

// Rule 2 on its own: np.median of per-study times (+inf allowed). Throws
// std::invalid_argument for an empty list or a NaN.
double medianOfStudyTimes(std::vector<double> studyTimes);

}  // namespace gaplab
