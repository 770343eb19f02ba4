// sweeps/continual_metrics.h — continual-evaluation metrics around one task
// switch: how far the old domain drops when training moves to a new one (the
// stability gap), how fast it comes back, and how fast the new one is learned.
//
// Why: the continual pre-training study (English fortunes, then German) is
// judged by these numbers. Evaluating only at the end of each phase hides the
// transient drop right after the switch; De Lange, van de Ven, Tuytelaars,
// "Continual evaluation for lifelong learning: identifying the stability gap"
// (ICLR 2023, arXiv:2205.13452, section 3) define metrics on a per-iteration
// evaluation curve, and their code (github.com/mattdl/ContinualEvaluation,
// src/eval/continual_eval_metrics.py) fixes the details used here. This file is
// pure logic (no HDF5): curves in, numbers out.
//
// Input: evaluations at increasing steps t_0 < t_1 < ...; A_old(t) the old
// domain's metric, A_new(t) the new domain's; the switch at step S. The
// reference evaluation s is the last one with t_s <= S ("the value at the
// switch", A_old(t_s), before any new-domain update counts). Only evaluations
// n >= s enter the metrics; earlier ones are ignored.
//
// Direction: every formula is written for a metric where higher is better
// (accuracy). For a metric where lower is better (loss) it is applied to
// g = -A and the result is turned back into the metric's units, so that "min"
// reads "worst": min-ACC of a loss is its MAXIMUM after the switch, a drop is a
// rise of the loss, and every magnitude (WF, WP, depth) stays >= 0.
//
//  * min-ACC (paper, eq. for min-ACC_{T_k} with k = 2 tasks: one old task):
//      min-ACC = min_{n > s} A_old(t_n)
//    the worst old-domain value strictly after the switch (the paper's range
//    |T_i| < n <= t). With several old tasks the paper averages this over them;
//    one old domain here.
//  * WC-ACC (paper: WC-ACC_t = (1/k) A(E_k, f_t) + (1 - 1/k) min-ACC_{T_k}),
//    at the last evaluation t = t_last, with k = tasksSeen (2: old + new):
//      WC-ACC = (1/k) A_new(t_last) + (1 - 1/k) min-ACC
//    (the code's WCACCPluginMetric: the mean of the current task's accuracy and
//    the previous tasks' min-ACC).
//  * Windowed forgetting (paper: F^w(E, f_t) = max_{m<n, m,n in [t-w+1, t]}
//    A(E, f_m) - A(E, f_n), WF^w = max over t): the largest drop within any w
//    consecutive evaluations,
//      WF^w = max(0, max_{s <= m < n, n - m < w} A_old(t_m) - A_old(t_n)),
//    computed on the old domain. A window longer than the curve is the whole
//    curve; w = 1 gives 0. (The code keeps a deque of the last w accuracies and
//    a running max that starts at 0.)
//  * Windowed plasticity WP^w: the same with the sign turned, the largest gain
//    within w consecutive evaluations, on the new domain:
//      WP^w = max(0, max_{s <= m < n, n - m < w} A_new(t_n) - A_new(t_m)).
//  * Stability-gap depth (this project's; the paper shows it in figures):
//      depth = max(0, A_old(t_s) - min-ACC)
//    the largest drop below the value at the switch.
//  * Recovery step: with n* the first evaluation after s where min-ACC is
//    attained, the step of the first evaluation n >= n* with
//      A_old(t_n) >= A_old(t_s) - tolerance
//    (back within `tolerance`, in the metric's units, of the value at the
//    switch). When depth <= tolerance that is n* itself; none when the curve
//    never comes back.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace gaplab {

enum class MetricDirection {
  kHigherIsBetter,  // accuracy
  kLowerIsBetter,   // loss
};

// One evaluation curve of both domains. `newDomain` may be empty (then WC-ACC
// and WP^w are NaN); otherwise all three have the same length.
struct ContinualCurve {
  std::vector<int64_t> steps;       // strictly increasing
  std::vector<double> oldDomain;    // the metric on the domain trained before the switch
  std::vector<double> newDomain;    // the metric on the domain trained after it
};

struct ContinualOptions {
  int64_t switchStep = 0;                  // S: the first new-domain update comes after step S
  MetricDirection direction = MetricDirection::kHigherIsBetter;
  std::vector<int> windows = {10, 100};    // w (evaluations) for WF^w and WP^w, each >= 1
  double recoveryTolerance = 0.0;          // >= 0, in the metric's units
  int tasksSeen = 2;                       // k of WC-ACC, >= 2
};

struct WindowedMetrics {
  int window = 0;               // w
  double forgetting = 0.0;      // WF^w on the old domain
  double plasticity = 0.0;      // WP^w on the new domain (NaN without one)
};

struct ContinualMetrics {
  int64_t referenceStep = 0;         // t_s: the evaluation taken as the value at the switch
  double valueAtSwitch = 0.0;        // A_old(t_s)
  double minAcc = 0.0;               // worst old-domain value after the switch (max for a loss)
  int64_t minStep = 0;               // first step where minAcc is attained
  double finalOld = 0.0;             // A_old(t_last)
  double finalNew = 0.0;             // A_new(t_last) (NaN without a new domain)
  double wcAcc = 0.0;                // WC-ACC at the last evaluation (NaN without a new domain)
  std::vector<WindowedMetrics> windowed;  // one per options.windows, in that order
  double gapDepth = 0.0;             // max(0, value at switch - minAcc), as a magnitude
  std::optional<int64_t> recoveryStep;  // none: never back within the tolerance
};

// Throws std::invalid_argument when the lengths differ, steps do not increase,
// a value is not finite, no evaluation lies at or before the switch, none lies
// after it, a window is < 1, the tolerance is negative or tasksSeen < 2.
ContinualMetrics computeContinualMetrics(const ContinualCurve& curve, const ContinualOptions& options);

// The largest drop (higher is better) within any `window` consecutive values of
// `values`, or 0 when none: max(0, max_{m<n, n-m<window} values[m] - values[n]).
// WF^w is this on the old domain; WP^w is this on the new domain negated.
// Throws std::invalid_argument for window < 1.
double windowedMaxDrop(const std::vector<double>& values, int window);

}  // namespace gaplab
