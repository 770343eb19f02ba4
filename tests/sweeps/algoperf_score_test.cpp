// tests/sweeps/algoperf_score_test.cpp — AlgoPerf scoring against tables computed by hand.
//
// Why: a benchmark score is only worth publishing if it follows AlgoPerf's rules
// exactly (median over studies, 4x cutoff, profile over workloads, normalised
// area). Every expected number below is worked out in the comments, so a change
// of rule shows up as a named broken case rather than a shifted float.
#include "sweeps/algoperf_score.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The hand-computed table: submissions A, B, C; workloads w1..w4; 2-3 studies.
//
// w1, three studies (time of a study = min over its trials):
//   A: s0 {100, 120} -> 100, s1 {90, inf} -> 90, s2 {110} -> 110; median(90, 100, 110) = 100
//   B: s0 {100} -> 100, s1 {130, 105} -> 105, s2 {80} -> 80;     median(80, 100, 105) = 100
//   C: s0 {400}, s1 {350}, s2 {inf};                             median(350, 400, inf) = 400
//   best = 100 -> A 1, B 1 (tie: both ratio 1), C 400/100 = 4 (400 > 4*100 is false: kept at the cutoff)
// w2, two studies (even count: mean of the two middle values):
//   A: {200, 300} -> 250;  B: {400, 700} -> 550;  C: {1000, 1002} -> 1001
//   best = 250 -> A 1, B 2.2, C 1001 > 4*250 = 1000: just above the cutoff -> inf
// w3, nobody reaches the target:
//   A: {inf, inf} -> inf;  B: {150, inf} -> (150 + inf)/2 = inf (1 of 2 studies is not a majority);
//   C: {inf} -> inf.  best = inf -> every ratio inf; w3 still counts in W = 4.
// w4, A misses (1 of 3 studies):
//   A: {50, inf, inf} -> inf;  B: s0 {75}, s1 {70, 95} -> 70, s2 {90}: median(70, 75, 90) = 75;
//   C: {60, 65, 55} -> 60.  best = 60 -> A inf, B 75/60 = 1.25, C 1
//
// Ratios:      w1   w2    w3   w4
//        A     1    1     inf  inf
//        B     1    2.2   inf  1.25
//        C     4    inf   inf  1
//
// Exact score = sum over finite r of (4 - r) / ((4 - 1) * 4):
//   A: (3 + 3) / 12 = 0.5
//   B: (3 + 1.8 + 2.75) / 12 = 7.55 / 12 = 0.6291666...
//   C: (0 + 3) / 12 = 0.25
std::vector<AlgoPerfTrial> handTable() {
  return {
      {"w1", "A", 0, 100}, {"w1", "A", 0, 120}, {"w1", "A", 1, 90}, {"w1", "A", 1, kInf}, {"w1", "A", 2, 110},
      {"w1", "B", 0, 100}, {"w1", "B", 1, 130}, {"w1", "B", 1, 105}, {"w1", "B", 2, 80},
      {"w1", "C", 0, 400}, {"w1", "C", 1, 350}, {"w1", "C", 2, kInf},
      {"w2", "A", 0, 200}, {"w2", "A", 1, 300},
      {"w2", "B", 0, 400}, {"w2", "B", 1, 700},
      {"w2", "C", 0, 1000}, {"w2", "C", 1, 1002},
      {"w3", "A", 0, kInf}, {"w3", "A", 1, kInf},
      {"w3", "B", 0, 150}, {"w3", "B", 1, kInf},
      {"w3", "C", 0, kInf},
      {"w4", "A", 0, 50}, {"w4", "A", 1, kInf}, {"w4", "A", 2, kInf},
      {"w4", "B", 0, 75}, {"w4", "B", 1, 70}, {"w4", "B", 1, 95}, {"w4", "B", 2, 90},
      {"w4", "C", 0, 60}, {"w4", "C", 1, 65}, {"w4", "C", 2, 55},
  };
}

const AlgoPerfWorkloadTime& timeOf(const AlgoPerfScores& s, const std::string& w, const std::string& sub) {
  for (const auto& t : s.times)
    if (t.workload == w && t.submission == sub) return t;
  throw std::runtime_error("no row for " + w + "/" + sub);
}

const AlgoPerfSubmissionScore& scoreOf(const AlgoPerfScores& s, const std::string& sub) {
  for (const auto& x : s.submissions)
    if (x.submission == sub) return x;
  throw std::runtime_error("no score for " + sub);
}

std::string invalidArgumentOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(AlgoPerfScore, MedianOfStudiesFollowsNumpy) {
  EXPECT_DOUBLE_EQ(medianOfStudyTimes({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(medianOfStudyTimes({1, 3}), 2.0);             // even: mean of the middle two
  EXPECT_DOUBLE_EQ(medianOfStudyTimes({1, 2, 3, kInf}), 2.5);    // 3 of 4 reached: finite
  EXPECT_EQ(medianOfStudyTimes({1, kInf}), kInf);                // 1 of 2: (1 + inf)/2 = inf
  EXPECT_EQ(medianOfStudyTimes({1, 2, kInf, kInf}), kInf);       // 2 of 4: (2 + inf)/2 = inf
  EXPECT_DOUBLE_EQ(medianOfStudyTimes({1, 2, kInf}), 2.0);       // 2 of 3: finite
  EXPECT_EQ(medianOfStudyTimes({1, kInf, kInf}), kInf);          // 1 of 3: inf
  EXPECT_DOUBLE_EQ(medianOfStudyTimes({5, 4, kInf, 3, kInf}), 5.0);  // 3 of 5 (AlgoPerf's rule)
  EXPECT_THROW(medianOfStudyTimes({}), std::invalid_argument);
  EXPECT_THROW(medianOfStudyTimes({1, std::nan("")}), std::invalid_argument);
}

TEST(AlgoPerfScore, HandTableTimesAndRatios) {
  const AlgoPerfScores s = computeAlgoPerfScores(handTable());
  EXPECT_EQ(s.workloads, (std::vector<std::string>{"w1", "w2", "w3", "w4"}));
  ASSERT_EQ(s.times.size(), 12u);
  EXPECT_EQ(s.times.front().workload, "w1");
  EXPECT_EQ(s.times.front().submission, "A");
  EXPECT_EQ(s.times.back().workload, "w4");
  EXPECT_EQ(s.times.back().submission, "C");

  struct Row {
    const char* w;
    const char* sub;
    double time;
    double ratio;
    int studies;
    int reached;
  };
  const Row rows[] = {
      {"w1", "A", 100, 1.0, 3, 3},  {"w1", "B", 100, 1.0, 3, 3},  {"w1", "C", 400, 4.0, 3, 2},
      {"w2", "A", 250, 1.0, 2, 2},  {"w2", "B", 550, 2.2, 2, 2},  {"w2", "C", 1001, kInf, 2, 2},
      {"w3", "A", kInf, kInf, 2, 0}, {"w3", "B", kInf, kInf, 2, 1}, {"w3", "C", kInf, kInf, 1, 0},
      {"w4", "A", kInf, kInf, 3, 1}, {"w4", "B", 75, 1.25, 3, 3},  {"w4", "C", 60, 1.0, 3, 3},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.w) + "/" + r.sub);
    const AlgoPerfWorkloadTime& t = timeOf(s, r.w, r.sub);
    if (std::isinf(r.time)) EXPECT_EQ(t.timeToTargetSeconds, kInf);
    else EXPECT_DOUBLE_EQ(t.timeToTargetSeconds, r.time);
    if (std::isinf(r.ratio)) EXPECT_EQ(t.ratio, kInf);
    else EXPECT_DOUBLE_EQ(t.ratio, r.ratio);
    EXPECT_EQ(t.studies, r.studies);
    EXPECT_EQ(t.studiesReached, r.reached);
  }
}

TEST(AlgoPerfScore, HandTableProfileAndExactScore) {
  const AlgoPerfScores s = computeAlgoPerfScores(handTable());
  // Grid = np.linspace(1, 4, 100): x_i = 1 + i/33.
  ASSERT_EQ(s.tauGrid.size(), 100u);
  EXPECT_DOUBLE_EQ(s.tauGrid.front(), 1.0);
  EXPECT_DOUBLE_EQ(s.tauGrid[33], 2.0);
  EXPECT_EQ(s.tauGrid.back(), 4.0);

  const AlgoPerfSubmissionScore& a = scoreOf(s, "A");
  const AlgoPerfSubmissionScore& b = scoreOf(s, "B");
  const AlgoPerfSubmissionScore& c = scoreOf(s, "C");
  // rho(1): ratios <= 1 out of W = 4: A {w1, w2} = 0.5, B {w1} = 0.25, C {w4} = 0.25.
  EXPECT_DOUBLE_EQ(a.profile[0], 0.5);
  EXPECT_DOUBLE_EQ(b.profile[0], 0.25);
  EXPECT_DOUBLE_EQ(c.profile[0], 0.25);
  // B's 1.25 lies between x_8 = 1.2424 and x_9 = 1.2727; its 2.2 between x_39 = 2.1818 and x_40 = 2.2121.
  EXPECT_DOUBLE_EQ(b.profile[8], 0.25);
  EXPECT_DOUBLE_EQ(b.profile[9], 0.5);
  EXPECT_DOUBLE_EQ(b.profile[39], 0.5);
  EXPECT_DOUBLE_EQ(b.profile[40], 0.75);
  // C's ratio of exactly 4 only counts at the last grid point (x_98 = 3.9697).
  EXPECT_DOUBLE_EQ(c.profile[98], 0.25);
  EXPECT_DOUBLE_EQ(c.profile[99], 0.5);
  // rho(4): A 0.5, B {w1, w2, w4} = 0.75, C {w1, w4} = 0.5; nobody counts w3.
  EXPECT_DOUBLE_EQ(a.profile[99], 0.5);
  EXPECT_DOUBLE_EQ(b.profile[99], 0.75);

  EXPECT_DOUBLE_EQ(a.exactScore, 0.5);
  EXPECT_DOUBLE_EQ(b.exactScore, 7.55 / 12.0);
  EXPECT_DOUBLE_EQ(c.exactScore, 0.25);
  EXPECT_DOUBLE_EQ(a.score, a.exactScore);  // kExact is the default

  // Sorted by score descending: B 0.629, A 0.5, C 0.25.
  ASSERT_EQ(s.submissions.size(), 3u);
  EXPECT_EQ(s.submissions[0].submission, "B");
  EXPECT_EQ(s.submissions[1].submission, "A");
  EXPECT_EQ(s.submissions[2].submission, "C");
}

// AlgoPerf's own integral: np.trapz over the 100-point grid, divided by (4 - 1).
// With step h = 1/33 and the indicator of r <= tau, one workload contributes:
//   r = 1 (every grid point is 1):               3
//   r = 2.2 (0 at x_39, 1 from x_40 = 73/33):    (4 - 73/33) + h/2 = 59/33 + 1/66 = 119/66
//   r = 1.25 (0 at x_8, 1 from x_9 = 42/33):     (4 - 42/33) + h/2 = 90/33 + 1/66 = 181/66
//   r = 4 (1 only at x_99):                      h/2 = 1/66
//   A: (3 + 3) / 12 = 0.5
//   B: (3 + 119/66 + 181/66) / 12 = (498/66) / 12 = 83/132 = 0.62878...
//   C: (1/66 + 3) / 12 = (199/66) / 12 = 199/792 = 0.25126...
TEST(AlgoPerfScore, TrapezoidMatchesAlgoPerfGridIntegral) {
  AlgoPerfOptions options;
  options.integration = ProfileIntegration::kTrapezoid;
  const AlgoPerfScores s = computeAlgoPerfScores(handTable(), options);
  const AlgoPerfSubmissionScore& a = scoreOf(s, "A");
  const AlgoPerfSubmissionScore& b = scoreOf(s, "B");
  const AlgoPerfSubmissionScore& c = scoreOf(s, "C");
  EXPECT_NEAR(a.trapezoidScore, 0.5, 1e-12);
  EXPECT_NEAR(b.trapezoidScore, 83.0 / 132.0, 1e-12);
  EXPECT_NEAR(c.trapezoidScore, 199.0 / 792.0, 1e-12);
  EXPECT_DOUBLE_EQ(b.score, b.trapezoidScore);
  EXPECT_DOUBLE_EQ(b.exactScore, 7.55 / 12.0);  // both are always there
  EXPECT_EQ(s.submissions[0].submission, "B");
  EXPECT_EQ(s.submissions[2].submission, "C");
}

// tau_max = 2 on one workload, 3 grid points {1, 1.5, 2}:
//   P 100 -> r 1; Q 200 -> r 2 (exactly at the cutoff, kept); R 201 > 2*100 -> inf.
//   exact: P (2-1)/1 = 1, Q (2-2)/1 = 0, R 0.
//   trapezoid: P profile {1,1,1} -> 1; Q {0,0,1} -> 0.5*(0+1)/2 = 0.25; R 0.
//   Q and R tie at 0 under kExact: the name decides (Q before R).
TEST(AlgoPerfScore, ConfigurableTauMaxAndTieBreakByName) {
  const std::vector<AlgoPerfTrial> trials = {{"w", "R", 0, 201}, {"w", "Q", 0, 200}, {"w", "P", 0, 100}};
  AlgoPerfOptions options;
  options.tauMax = 2.0;
  options.profilePoints = 3;
  const AlgoPerfScores s = computeAlgoPerfScores(trials, options);
  EXPECT_EQ(s.tauGrid, (std::vector<double>{1.0, 1.5, 2.0}));
  EXPECT_DOUBLE_EQ(timeOf(s, "w", "Q").ratio, 2.0);
  EXPECT_EQ(timeOf(s, "w", "R").ratio, kInf);
  EXPECT_DOUBLE_EQ(timeOf(s, "w", "R").timeToTargetSeconds, 201.0);  // time kept, ratio cut off
  ASSERT_EQ(s.submissions.size(), 3u);
  EXPECT_EQ(s.submissions[0].submission, "P");
  EXPECT_EQ(s.submissions[1].submission, "Q");
  EXPECT_EQ(s.submissions[2].submission, "R");
  EXPECT_DOUBLE_EQ(s.submissions[0].score, 1.0);
  EXPECT_DOUBLE_EQ(s.submissions[1].score, 0.0);
  EXPECT_DOUBLE_EQ(s.submissions[1].trapezoidScore, 0.25);
  EXPECT_EQ(s.submissions[1].profile, (std::vector<double>{0.0, 0.0, 1.0}));

  options.integration = ProfileIntegration::kTrapezoid;
  const AlgoPerfScores t = computeAlgoPerfScores(trials, options);
  EXPECT_DOUBLE_EQ(t.submissions[1].score, 0.25);
}

// Two submissions with identical times tie on every workload: both ratio 1, equal
// scores (1.0), listed by name.
TEST(AlgoPerfScore, EqualTimesGiveEqualScoresSortedByName) {
  const AlgoPerfScores s = computeAlgoPerfScores({{"w", "Y", 0, 10}, {"w", "X", 0, 10}});
  ASSERT_EQ(s.submissions.size(), 2u);
  EXPECT_EQ(s.submissions[0].submission, "X");
  EXPECT_EQ(s.submissions[1].submission, "Y");
  EXPECT_DOUBLE_EQ(s.submissions[0].score, 1.0);
  EXPECT_DOUBLE_EQ(s.submissions[1].score, 1.0);
}

// M ran only w1; N ran w1 and w2. M's w2 has no trials: missed, studies 0.
//   w1: M 10, N 20 -> ratios 1, 2;  w2: N 5 -> ratio 1, M inf.  W = 2.
//   exact: M (3 + 0) / 6 = 0.5;  N (2 + 3) / 6 = 5/6.
TEST(AlgoPerfScore, SubmissionWithoutTrialsOnAWorkloadMissesIt) {
  const AlgoPerfScores s = computeAlgoPerfScores({{"w1", "M", 0, 10}, {"w1", "N", 0, 20}, {"w2", "N", 0, 5}});
  const AlgoPerfWorkloadTime& missing = timeOf(s, "w2", "M");
  EXPECT_EQ(missing.studies, 0);
  EXPECT_EQ(missing.timeToTargetSeconds, kInf);
  EXPECT_EQ(missing.ratio, kInf);
  EXPECT_DOUBLE_EQ(scoreOf(s, "M").exactScore, 0.5);
  EXPECT_DOUBLE_EQ(scoreOf(s, "N").exactScore, 5.0 / 6.0);
}

// A time of 0 is accepted: equal to the best gives ratio 1, anything slower is inf.
TEST(AlgoPerfScore, ZeroBestTime) {
  const AlgoPerfScores s = computeAlgoPerfScores({{"w", "F", 0, 0.0}, {"w", "G", 0, 1.0}});
  EXPECT_DOUBLE_EQ(timeOf(s, "w", "F").ratio, 1.0);
  EXPECT_EQ(timeOf(s, "w", "G").ratio, kInf);
}

TEST(AlgoPerfScore, RejectsBadInputWithClearMessages) {
  std::string msg = invalidArgumentOf([] { computeAlgoPerfScores({}); });
  EXPECT_NE(msg.find("no trials"), std::string::npos) << msg;

  msg = invalidArgumentOf([] { computeAlgoPerfScores({{"w", "A", 0, 1.0}, {"w", "B", 2, -3.0}}); });
  EXPECT_NE(msg.find("trial #1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("submission 'B'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("study 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("-3"), std::string::npos) << msg;

  msg = invalidArgumentOf([] { computeAlgoPerfScores({{"w", "A", 0, std::nan("")}}); });
  EXPECT_NE(msg.find("nan"), std::string::npos) << msg;
  EXPECT_NE(msg.find("+inf when the target was missed"), std::string::npos) << msg;

  msg = invalidArgumentOf([] { computeAlgoPerfScores({{"", "A", 0, 1.0}}); });
  EXPECT_NE(msg.find("empty workload or submission name"), std::string::npos) << msg;

  for (double tau : {1.0, 0.5, std::nan(""), kInf}) {
    AlgoPerfOptions options;
    options.tauMax = tau;
    msg = invalidArgumentOf([&] { computeAlgoPerfScores({{"w", "A", 0, 1.0}}, options); });
    EXPECT_NE(msg.find("tau_max"), std::string::npos) << tau << ": " << msg;
    EXPECT_NE(msg.find("expected a finite value > 1"), std::string::npos) << msg;
  }

  AlgoPerfOptions options;
  options.profilePoints = 1;
  msg = invalidArgumentOf([&] { computeAlgoPerfScores({{"w", "A", 0, 1.0}}, options); });
  EXPECT_NE(msg.find("profile points = 1"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gaplab
