// sweeps/step_law_fit.h — the Step Law hyperparameter scaling law: its published
// prediction of the optimal peak learning rate and batch size, and gaplab's own
// fit of the same law to a sweep over model size N, data size D, lr and batch.
//
// Why: the scaling-law study asks whether Step Law's exponents hold for the
// models gaplab trains on two cores, and how good a setting the law picks for
// a size it has not seen. This file is pure logic (no HDF5): runs in, law with
// intervals and a hold-out check out. lm_trial_config.h reads N, D, lr and
// batch from recorded trials; cli/steplaw_command.cpp prints both laws.
//
// Source: Li et al. 2025, "Predictable Scale: Part I — Optimal Hyperparameter
// Scaling Law in Large Language Model Pretraining" (Step Law), arXiv:2503.04715:
//
//   lr*(N, D) = 1.79 N^-0.713 D^0.307      (N: non-embedding parameters, D: tokens)
//   B*(D)     = 0.58 D^0.571               (batch size in tokens)
//
// The fit, as the issue (and the paper's procedure) describes it:
//  1. Cells. Runs are grouped by (N, D) (exact equality). A run whose loss is
//     not finite (diverged) is dropped and counted. In each cell, keep the runs
//     whose final loss L satisfies L <= (1 + tolerance) * L_best, tolerance =
//     0.0025 (within 0.25% of that cell's best): the near-optimal settings.
//  2. Ordinary least squares over all kept runs (Eigen, column-pivoting QR):
//       ln lr = a + alpha ln N + beta ln D       -> lr = e^a N^alpha D^beta
//       ln B  = c + gamma ln D                   -> B  = e^c D^gamma
//     It needs ln N and ln D not collinear (at least two N and two D, and not
//     D proportional to N across all cells) and at least two D for the batch.
//  3. Bootstrap, 95% percentile intervals: 1000 resamples (seeded, Philox via
//     RngStream) each draw C cells with replacement out of the C cells and refit
//     both regressions on the kept runs of the drawn cells. CELLS, not runs,
//     are resampled because the runs of one cell are not independent evidence:
//     they share (N, D) and one loss basin, and how many of them fall within
//     0.25% says how flat the basin is, not how much is known about the
//     optimum. Resampling runs would shrink the intervals with the number of
//     near-optimal runs per cell although the number of independent optima,
//     C, stays the same. A resample whose design is degenerate (e.g. every
//     drawn cell has the same N) is drawn again and counted. The interval of
//     each coefficient is the 2.5th and 97.5th percentile of its bootstrap
//     estimates (numpy's default linear interpolation); for the scales e^a and
//     e^c it is taken on a and c and exponentiated.
//  4. Hold-out: the cell with the largest N * D (ties: larger N) is left out,
//     the law refitted on the other cells, and its prediction for that cell set
//     against the measured optimum (the cell's best run). "The loss at the
//     predicted setting" is the loss of the cell's run closest to the
//     prediction in (ln lr, ln B) (Euclidean; ties: the lower loss), reported
//     relative to the best: L_closest / L_best - 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaplab {

// lr = lrScale * N^lrParamsExponent * D^lrTokensExponent;  B = batchScale * D^batchTokensExponent.
struct StepLaw {
  double lrScale = 0.0;
  double lrParamsExponent = 0.0;
  double lrTokensExponent = 0.0;
  double batchScale = 0.0;
  double batchTokensExponent = 0.0;
};

// Step Law's published coefficients (arXiv:2503.04715).
inline constexpr StepLaw kPublishedStepLaw{1.79, -0.713, 0.307, 0.58, 0.571};

struct StepLawPrediction {
  double learningRate = 0.0;
  double batchTokens = 0.0;
};

// The law at (N, D). Throws std::invalid_argument unless both are finite and > 0.
StepLawPrediction predictStepLaw(const StepLaw& law, double params, double tokens);

// One training run of the sweep.
struct StepLawRun {
  double params = 0.0;        // N: non-embedding parameters
  double tokens = 0.0;        // D: training tokens
  double learningRate = 0.0;  // peak learning rate
  double batchTokens = 0.0;   // batch size in tokens
  double finalLoss = 0.0;     // final smoothed loss; NaN/inf for a diverged run (dropped)
  std::string label;          // e.g. the trial id, for reports
};

enum class StepLawHoldOut { kLargestCell, kNone };

struct StepLawFitOptions {
  double lossTolerance = 0.0025;   // keep L <= (1 + tolerance) L_best per cell; >= 0
  int bootstrapResamples = 1000;   // >= 1
  uint64_t seed = 0;
  double confidence = 0.95;        // central percentile interval, in (0, 1)
  StepLawHoldOut holdOut = StepLawHoldOut::kLargestCell;
};

struct StepLawCell {
  double params = 0.0;
  double tokens = 0.0;
  int runs = 0;        // finite-loss runs
  int kept = 0;        // within the tolerance of the best
  StepLawRun best;
};

struct StepLawHoldOutResult {
  double params = 0.0;
  double tokens = 0.0;
  StepLaw law;                     // fitted without this cell
  StepLawPrediction predicted;     // law at (N, D)
  StepLawPrediction published;     // kPublishedStepLaw at (N, D)
  StepLawRun best;                 // the measured optimum: the cell's best run
  StepLawRun closest;              // the cell's run closest to `predicted`
  double closestLossExcess = 0.0;  // closest.finalLoss / best.finalLoss - 1
};

struct StepLawFit {
  StepLaw law;          // OLS on all kept runs
  StepLaw low, high;    // per-coefficient percentile interval
  std::vector<StepLawCell> cells;  // sorted by N, then D
  int runsGiven = 0;
  int runsDropped = 0;  // non-finite loss
  int runsKept = 0;
  int resamples = 0;
  int degenerateRedraws = 0;
  std::optional<StepLawHoldOutResult> holdOut;
  std::string holdOutNote;  // why there is none, when there is none
};

// Step 1 alone: the finite-loss runs within `tolerance` of their cell's best,
// in input order. Throws std::invalid_argument for a bad run (N, D, lr, batch
// not finite and > 0; a finite loss <= 0) or a negative tolerance.
std::vector<StepLawRun> keepNearBest(const std::vector<StepLawRun>& runs, double tolerance);

// Steps 1-4. Throws std::invalid_argument for bad runs or options, or when the
// kept runs cannot determine the law (collinear ln N and ln D, one D only).
StepLawFit fitStepLaw(const std::vector<StepLawRun>& runs, const StepLawFitOptions& options = {});

}  // namespace gaplab
