// tests/e2e/results_commands_test.cpp — `gaplab status`, `gaplab export --csv` and
// `gaplab score` on results files built by hand (no training).
//
// Why: these commands are how a sweep's user reads its results; the tests pin
// what they print (status while the sweep still writes the file, scores against
// a hand computation of AlgoPerf's rules), that exported CSV reads back to the
// very same values (with a C++ RFC 4180 parser and with python's csv module),
// and that every bad input gives exit code 6 and names the file.
#include <gtest/gtest.h>

#include "tests/e2e/gaplab_process.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/hdf5_handle.h"
#include "sweeps/result_store.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

using e2e::kGaplab;
const std::string kPython = "/usr/bin/python3";
constexpr double kInf = std::numeric_limits<double>::infinity();

using e2e::Outcome;
using e2e::runGaplab;

// The output with every run of spaces collapsed to one, so that table rows can
// be matched without counting column widths.
std::string squeezed(const std::string& text) {
  std::string out;
  for (const char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

void expectContains(const Outcome& o, const std::string& text) {
  EXPECT_NE(squeezed(o.output).find(text), std::string::npos) << "expected '" << text << "' in:\n" << o.output;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A strict RFC 4180 reader: quoted fields may hold ',', '"' (doubled), CR and LF.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  size_t i = 0;
  bool fieldStarted = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty() && !fieldStarted) {
      fieldStarted = true;
      for (++i;; ++i) {
        if (i >= text.size()) throw std::runtime_error("unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
          } else {
            ++i;
            break;
          }
        } else {
          field += text[i];
        }
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        throw std::runtime_error("text after a closing quote");
      continue;
    }
    if (c == ',') {
      row.push_back(field);
      field.clear();
      fieldStarted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      fieldStarted = false;
    } else {
      if (c == '"') throw std::runtime_error("a quote inside an unquoted field");
      field += c;
      fieldStarted = true;
    }
    ++i;
  }
  if (fieldStarted || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// python's csv module on the same file: rows joined by \x1e, fields by \x1f.
std::vector<std::vector<std::string>> parseCsvWithPython(const fs::path& csv, const fs::path& scratch) {
  const fs::path script = scratch / "read_csv.py";
  std::ofstream(script) << "import csv, sys\n"
                           "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
                           "    rows = list(csv.reader(f, strict=True))\n"
                           "sys.stdout.buffer.write('\\x1e'.join('\\x1f'.join(r) for r in rows).encode('utf-8'))\n";
  const fs::path out = scratch / "python_rows.bin";
  const std::string cmd = kPython + " " + script.string() + " " + csv.string() + " > " + out.string();
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("python csv failed on " + csv.string());
  const std::string text = readFile(out);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  for (const char c : text) {
    if (c == '\x1f') {
      row.push_back(field);
      field.clear();
    } else if (c == '\x1e') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
    } else {
      field += c;
    }
  }
  if (!text.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// Exactly equal doubles (bit for bit, with NaN equal to NaN): %.17g round-trips.
void expectSameDouble(const std::string& field, double expected, const std::string& what) {
  char* end = nullptr;
  const double got = std::strtod(field.c_str(), &end);
  EXPECT_EQ(*end, '\0') << what << ": '" << field << "' is not a number";
  if (std::isnan(expected))
    EXPECT_TRUE(std::isnan(got)) << what << ": '" << field << "'";
  else
    EXPECT_EQ(got, expected) << what << ": '" << field << "'";
}

// ---- the hand-made sweep ----------------------------------------------------
//
// 2 workloads x 2 submissions x 2 studies, times in seconds (x: not reached):
//
//   wl_a  adamw  study 0: 10, 12           -> 10   median(10, 14) = 12     ratio 1
//               study 1: 14, x max_steps  -> 14
//         sgd    study 0: 18               -> 18   median(18, 20.4) = 19.2 ratio 1.6
//               study 1: 20.4, x failed   -> 20.4
//   wl_b  adamw  study 0: 40               -> 40   median(40, inf) = inf   missed (1/2)
//               study 1: x max_runtime, x diverged
//         sgd    study 0: 20               -> 20   median(20, 25) = 22.5   ratio 1
//               study 1: 25, x stopped_early
//
// sgd's trials carry no submission: it comes from config_yaml optimizer.name.
// Scores (tau_max 4, W = 2 workloads):
//   exact:     adamw (4-1)/(3*2) = 0.5;   sgd ((4-1.6) + (4-1))/6 = 0.9
//   trapezoid: grid 1 + i/33; ratio 1.6 is first met at i = 20, so its area is
//              (4 - (1 + 20/33)) + (1/33)/2 = 79/33 + 1/66; sgd (3 + 79/33 + 1/66)/6
//              = 357/396 = 0.901515; adamw 3/6 = 0.5.
//   rho(tau) for sgd: 1 -> 0.5, 1.5 -> 0.5, 2, 3, 4 -> 1; adamw 0.5 everywhere.

EvalRecord evalAt(int64_t step, double accuracy, double scale) {
  EvalRecord e;
  e.step = step;
  e.epoch = static_cast<double>(step) / 3.0;
  e.timedSeconds = 0.1 * static_cast<double>(step) * scale;
  e.wallSeconds = 0.13 * static_cast<double>(step) * scale;
  e.trainLoss = 1.0 / 3.0 + scale;
  e.evalTrainLoss = 0.3 + 0.01 * scale;
  e.evalTrainMetric = accuracy + 0.04;
  e.validationLoss = 0.35 + 0.01 * scale;
  e.validationMetric = accuracy;
  e.learningRate = 1e-3 / 7.0;
  return e;
}

TrialResult makeTrial(const std::string& id, const std::string& workload, const std::string& optimizer, int study,
                      TrialStatus status, double timeToResult, double finalAccuracy) {
  TrialResult t;
  t.trialId = id;
  t.workload = workload;
  t.configYaml = "workload: " + workload + "\noptimizer:\n  name: " + optimizer + "\n  lr: 0.001\n";
  t.submission = optimizer == "sgd" ? "" : optimizer;  // sgd: named by its config
  t.study = study;
  t.parameters = "lr=0.001; label=\"" + id + "\"";
  t.attempts = 1;
  t.seed = 1000 + static_cast<uint64_t>(study);
  t.status = status;
  t.statusMessage = toString(status);
  t.metricName = "accuracy";
  t.targetDirection = TargetDirection::kAtLeast;
  t.targetValue = 0.85;
  t.timeToResultSeconds = status == TrialStatus::kReachedTarget ? timeToResult : kInf;
  t.stepsToResult = status == TrialStatus::kReachedTarget ? 100 : -1;
  t.steps = 100;
  t.epochs = 100.0 / 3.0;
  t.timedSeconds = 50.5;
  t.evalSeconds = 2.25;
  t.setupSeconds = 0.125;
  t.wallSeconds = 60.0;
  t.host = "node-01";
  t.ranks = 2;
  t.parameterCount = 12345;
  t.startedAtUnix = 1714560000;
  if (status != TrialStatus::kFailed) t.curve = {evalAt(50, finalAccuracy - 0.05, 1.0), evalAt(100, finalAccuracy, 2.0)};
  return t;
}

std::vector<TrialResult> sweepTrials() {
  using S = TrialStatus;
  std::vector<TrialResult> v = {
      makeTrial("a-adamw-0-1", "wl_a", "adamw", 0, S::kReachedTarget, 10.0, 0.86),
      makeTrial("a-adamw-0-2", "wl_a", "adamw", 0, S::kReachedTarget, 12.0, 0.87),
      makeTrial("a-adamw-1-1", "wl_a", "adamw", 1, S::kReachedTarget, 14.0, 0.855),
      makeTrial("a-adamw-1-2", "wl_a", "adamw", 1, S::kMaxSteps, kInf, 0.80),
      makeTrial("a-sgd-0-1", "wl_a", "sgd", 0, S::kReachedTarget, 18.0, 0.851),
      makeTrial("a-sgd-1-1", "wl_a", "sgd", 1, S::kReachedTarget, 20.4, 0.852),
      makeTrial("a-sgd-1-2", "wl_a", "sgd", 1, S::kFailed, kInf, 0.0),
      makeTrial("b-adamw-0-1", "wl_b", "adamw", 0, S::kReachedTarget, 40.0, 0.90),
      makeTrial("b-adamw-1-1", "wl_b", "adamw", 1, S::kMaxRuntime, kInf, 0.70),
      makeTrial("b-adamw-1-2", "wl_b", "adamw", 1, S::kDiverged, kInf, NAN),
      makeTrial("b-sgd-0-1", "wl_b", "sgd", 0, S::kReachedTarget, 20.0, 0.88),
      makeTrial("b-sgd-1-1", "wl_b", "sgd", 1, S::kReachedTarget, 25.0, 0.89),
      makeTrial("b-sgd-1-2", "wl_b", "sgd", 1, S::kStoppedEarly, kInf, 0.6),
  };
  // The failed trial's message and parameters need every kind of CSV quoting.
  v[6].statusMessage = "loss \"exploded\", at step 5\r\nthen: stopped";
  v[6].parameters = "lr=10; note=a,b";
  v[6].samplePoint = "0x1.8p-1,0x1p-2";
  v[6].attempts = 3;
  // Extras on the first trial's evaluations, one with an awkward name.
  v[0].curve[0].extras = {{"validation/bits_per_byte", 1.0 / 3.0}, {"eval_train/odd,\"name\"", kInf}};
  v[0].curve[1].extras = {{"validation/bits_per_byte", 0.25}};
  return v;
}

void writeResults(const fs::path& path, const std::vector<TrialResult>& trials, bool sweepAttributes) {
  ResultStore store = ResultStore::create(path.string(), OverwriteMode::kFail);
  if (sweepAttributes) {
    store.setAttribute("gaplab_sweep_id", "sw-7f3a");
    store.setAttribute("gaplab_sweep_name", "lr-search");
    store.setAttribute("gaplab_sweep_yaml", "name: lr-search\n");
  }
  for (const TrialResult& t : trials) store.append(t);
  store.commit();
}

class ResultsCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_results_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string sweepFile() {
    const fs::path p = dir_ / "sweep.h5";
    writeResults(p, sweepTrials(), true);
    return p.string();
  }
  fs::path dir_;
};

// ---- status -------------------------------------------------------------------

TEST_F(ResultsCommandsTest, StatusWhileTheSweepWritesTheFile) {
  const std::vector<TrialResult> all = sweepTrials();
  const fs::path path = dir_ / "sweep.h5";
  writeResults(path, std::vector<TrialResult>(all.begin(), all.begin() + 5), true);
  // The rest is appended by a SWMR writer that keeps the file open, as a sweep does.
  ResultStore writer = ResultStore::openForAppend(path.string(), AppendMode::kSwmr);
  for (size_t i = 5; i < all.size(); ++i) writer.append(all[i]);

  const Outcome o = runGaplab("status " + path.string());
  EXPECT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "results " + path.string());
  expectContains(o, "sweep lr-search (id sw-7f3a)");
  expectContains(o, "trials 13 recorded");
  expectContains(o, "reached target 8\n");
  expectContains(o, "missed target 2 (max_steps 1, max_runtime 1)");
  expectContains(o, "stopped early 1\n");
  expectContains(o, "diverged 1\n");
  expectContains(o, "failed 1\n");
  expectContains(o, "interrupted 0\n");
  // workload, submission (sgd from config_yaml), study, trials, reached, best time-to-result
  expectContains(o, "wl_a adamw all 4 3 10.000 s\n");
  expectContains(o, "wl_a adamw 0 2 2 10.000 s\n");
  expectContains(o, "wl_a adamw 1 2 1 14.000 s\n");
  expectContains(o, "wl_a sgd all 3 2 18.000 s\n");
  expectContains(o, "wl_b adamw all 3 1 40.000 s\n");
  expectContains(o, "wl_b adamw 1 2 0 inf\n");
  expectContains(o, "wl_b sgd all 3 2 20.000 s\n");
  // The best trial of each workload, with its parameters, final metric and gaps.
  expectContains(o, "best trial on wl_a: a-adamw-0-1\n");
  expectContains(o, "submission adamw (study 0, seed 1000)");
  expectContains(o, "parameters lr=0.001; label=\"a-adamw-0-1\"");
  expectContains(o, "time-to-result 10.000 s (step 100; target validation accuracy >= 0.8500)");
  expectContains(o, "final validation accuracy 0.8600, loss 0.3700 (step 100)");
  expectContains(o, "gaps accuracy +0.0400 (eval-train - validation), loss +0.0500 (validation - eval-train)");
  expectContains(o, "best trial on wl_b: b-sgd-0-1\n");
  expectContains(o, "submission sgd (study 0, seed 1000)");
}

// A sweep killed while it held the file leaves HDF5's "open for write" mark; status still reads it.
TEST_F(ResultsCommandsTest, StatusAfterTheSweepWasKilled) {
  const std::vector<TrialResult> all = sweepTrials();
  const fs::path path = dir_ / "sweep.h5";
  writeResults(path, std::vector<TrialResult>(all.begin(), all.begin() + 2), true);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ResultStore writer = ResultStore::openForAppend(path.string(), AppendMode::kSwmr);
    writer.append(all[2]);
    raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  const Outcome o = runGaplab("status " + path.string());
  EXPECT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "sweep lr-search (id sw-7f3a)");
  expectContains(o, "trials 3 recorded");
  expectContains(o, "wl_a adamw all 3 3 10.000 s\n");
}

TEST_F(ResultsCommandsTest, StatusOfAPlainRunFile) {
  TrialResult t = makeTrial("run-1", "fmnist_mlp", "nadamw", 0, TrialStatus::kMaxSteps, kInf, 0.8);
  t.submission.clear();
  t.parameters.clear();
  writeResults(dir_ / "run.h5", {t}, false);
  const Outcome o = runGaplab("status " + (dir_ / "run.h5").string());
  EXPECT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "not a sweep file");
  expectContains(o, "trials 1 recorded");
  expectContains(o, "missed target 1 (max_steps 1, max_runtime 0)");
  expectContains(o, "fmnist_mlp nadamw all 1 0 inf\n");
  expectContains(o, "best trial on fmnist_mlp: run-1 (no trial reached the target");
  expectContains(o, "parameters -\n");
  expectContains(o, "time-to-result inf (max_steps: max_steps)");
}

// Each bad file gives exit 6 and a message that names it.
void expectBadResultsFile(const std::string& command, const std::string& path, const std::string& why) {
  const Outcome o = runGaplab(command + " " + path);
  EXPECT_EQ(o.exitCode, 6) << command << " " << path << ":\n" << o.output;
  expectContains(o, path);
  expectContains(o, why);
}

TEST_F(ResultsCommandsTest, BadResultsFilesExitSixNamingTheFile) {
  const std::string missing = (dir_ / "missing.h5").string();
  const fs::path text = dir_ / "text.h5";
  std::ofstream(text) << "not hdf5 at all\n";
  // An HDF5 file that is not a gaplab results file.
  const fs::path foreign = dir_ / "foreign.h5";
  hdfCreateFile(foreign.string());
  // One that claims an older schema version.
  const fs::path older = dir_ / "older.h5";
  {
    const HdfFile file = hdfCreateFile(older.string());
    hdfWriteIntAttribute(file.id(), ResultStore::kSchemaVersionAttribute, 2);
  }
  // A real results file cut in half.
  const std::string whole = sweepFile();
  const fs::path truncated = dir_ / "truncated.h5";
  const std::string bytes = readFile(whole);
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);

  for (const std::string& command : std::vector<std::string>{"status", "score", "export --csv " + (dir_ / "csv").string()}) {
    expectBadResultsFile(command, missing, "No such file or directory");
    expectBadResultsFile(command, text.string(), "not an HDF5 file");
    expectBadResultsFile(command, foreign.string(), "not a gaplab results file");
    expectBadResultsFile(command, older.string(), "has schema version 2, but this gaplab reads schema version 3");
    expectBadResultsFile(command, truncated.string(), "");
  }
  EXPECT_FALSE(fs::exists(dir_ / "csv" / "summary.csv"));
}

// ---- export -------------------------------------------------------------------

TEST_F(ResultsCommandsTest, ExportWritesCsvThatReadsBackToTheSameValues) {
  const std::string results = sweepFile();
  const fs::path csvDir = dir_ / "out" / "csv";  // created, parents included
  const Outcome o = runGaplab("export " + results + " --csv " + csvDir.string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "wrote " + (csvDir / "summary.csv").string() + " (13 rows)");
  expectContains(o, "wrote " + (csvDir / "curves.csv").string() + " (24 rows)");
  expectContains(o, "wrote " + (csvDir / "eval_metrics.csv").string() + " (3 rows)");

  const std::vector<TrialResult> trials = sweepTrials();
  const auto summary = parseCsv(readFile(csvDir / "summary.csv"));
  ASSERT_EQ(summary.size(), trials.size() + 1);
  const std::vector<std::string>& header = summary[0];
  const auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  for (const char* name : {"trial_id", "workload", "submission", "study", "parameters", "attempts", "seed", "status",
                           "status_message", "metric_name", "target_direction", "target_value", "time_to_result_s",
                           "steps_to_result", "steps", "epochs", "timed_s", "eval_s", "setup_s", "logging_s",
                           "checkpoint_s", "communication_s", "wall_s", "final_train_loss", "final_eval_train_loss",
                           "final_eval_train_metric", "final_validation_loss", "final_validation_metric",
                           "final_metric_gap", "final_loss_gap", "ranks", "parameter_count", "host",
                           "started_at_unix", "sample_point", "config_yaml"})
    column(name);
  for (size_t r = 0; r < trials.size(); ++r) {
    const TrialResult& t = trials[r];
    const std::vector<std::string>& row = summary[r + 1];
    ASSERT_EQ(row.size(), header.size()) << "row " << r + 1;
    EXPECT_EQ(row[column("trial_id")], t.trialId);
    EXPECT_EQ(row[column("submission")], t.submission);
    EXPECT_EQ(row[column("study")], std::to_string(t.study));
    EXPECT_EQ(row[column("parameters")], t.parameters);
    EXPECT_EQ(row[column("attempts")], std::to_string(t.attempts));
    EXPECT_EQ(row[column("status")], toString(t.status));
    EXPECT_EQ(row[column("status_message")], t.statusMessage);
    EXPECT_EQ(row[column("target_direction")], "at_least");
    EXPECT_EQ(row[column("config_yaml")], t.configYaml);
    EXPECT_EQ(row[column("host")], "node-01");
    EXPECT_EQ(row[column("ranks")], "2");
    EXPECT_EQ(row[column("sample_point")], t.samplePoint);
    expectSameDouble(row[column("time_to_result_s")], t.timeToResultSeconds, t.trialId + " time_to_result_s");
    expectSameDouble(row[column("epochs")], t.epochs, t.trialId + " epochs");
    const EvalRecord* e = t.finalEval();
    expectSameDouble(row[column("final_validation_metric")], e ? e->validationMetric : NAN, t.trialId);
    expectSameDouble(row[column("final_metric_gap")], e ? e->metricGap() : NAN, t.trialId);
    expectSameDouble(row[column("final_loss_gap")], e ? e->lossGap() : NAN, t.trialId);
  }
  EXPECT_EQ(summary[1 + 9][column("final_validation_metric")], "nan");  // the diverged trial
  EXPECT_EQ(summary[1 + 3][column("time_to_result_s")], "inf");

  const auto curves = parseCsv(readFile(csvDir / "curves.csv"));
  ASSERT_EQ(curves.size(), 1u + 24u);
  EXPECT_EQ(curves[0], (std::vector<std::string>{"trial_id", "step", "epoch", "timed_s", "wall_s", "train_loss",
                                                 "eval_train_loss", "eval_train_metric", "validation_loss",
                                                 "validation_metric", "metric_gap", "loss_gap", "learning_rate"}));
  const EvalRecord& first = trials[0].curve[0];
  EXPECT_EQ(curves[1][0], "a-adamw-0-1");
  EXPECT_EQ(curves[1][1], "50");
  expectSameDouble(curves[1][2], first.epoch, "epoch");
  expectSameDouble(curves[1][5], first.trainLoss, "train_loss");
  expectSameDouble(curves[1][10], first.metricGap(), "metric_gap");
  expectSameDouble(curves[1][12], first.learningRate, "learning_rate");

  const auto metrics = parseCsv(readFile(csvDir / "eval_metrics.csv"));
  ASSERT_EQ(metrics.size(), 4u);
  EXPECT_EQ(metrics[0], (std::vector<std::string>{"trial_id", "step", "name", "value"}));
  EXPECT_EQ(metrics[1][2], "validation/bits_per_byte");
  expectSameDouble(metrics[1][3], 1.0 / 3.0, "bits_per_byte");
  EXPECT_EQ(metrics[2][2], "eval_train/odd,\"name\"");
  EXPECT_EQ(metrics[2][3], "inf");
  EXPECT_EQ(metrics[3][1], "100");

  // The quoting on disk, literally.
  const std::string raw = readFile(csvDir / "summary.csv");
  EXPECT_NE(raw.find("\"loss \"\"exploded\"\", at step 5\r\nthen: stopped\""), std::string::npos);
  EXPECT_NE(raw.find(",\"lr=10; note=a,b\","), std::string::npos);

  // python's csv module reads the very same fields.
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " not installed";
  for (const char* name : {"summary.csv", "curves.csv", "eval_metrics.csv"})
    EXPECT_EQ(parseCsvWithPython(csvDir / name, dir_), parseCsv(readFile(csvDir / name))) << name;
}

TEST_F(ResultsCommandsTest, ExportRefusesToOverwriteWithoutTheFlag) {
  const std::string results = sweepFile();
  const fs::path csvDir = dir_ / "csv";
  fs::create_directories(csvDir);
  std::ofstream(csvDir / "curves.csv") << "precious\n";
  Outcome o = runGaplab("export " + results + " --csv " + csvDir.string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  expectContains(o, "output file " + (csvDir / "curves.csv").string() + " exists; pass --overwrite to replace it");
  EXPECT_EQ(readFile(csvDir / "curves.csv"), "precious\n");
  EXPECT_FALSE(fs::exists(csvDir / "summary.csv"));  // nothing written at all

  o = runGaplab("export " + results + " --csv " + csvDir.string() + " --overwrite");
  EXPECT_EQ(o.exitCode, 0) << o.output;
  EXPECT_EQ(parseCsv(readFile(csvDir / "curves.csv")).size(), 25u);
  for (const auto& entry : fs::directory_iterator(csvDir))  // no temporary files left behind
    EXPECT_EQ(entry.path().extension(), ".csv") << entry.path();

  // --csv naming a file, not a directory.
  std::ofstream(dir_ / "plain") << "x";
  o = runGaplab("export " + results + " --csv " + (dir_ / "plain").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  expectContains(o, (dir_ / "plain").string() + " exists and is not a directory");
}

// ---- score --------------------------------------------------------------------

TEST_F(ResultsCommandsTest, ScoreMatchesAHandComputation) {
  const Outcome o = runGaplab("score " + sweepFile());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "13 trials from 1 file(s), 2 workload(s), 2 submission(s); tau_max 4, exact integration");
  expectContains(o, "workload wl_a (target: validation accuracy >= 0.85)");
  // submission, time-to-target (median over studies), studies reached/total, ratio
  expectContains(o, "adamw 12.000 s 2/2 1.000\n");
  expectContains(o, "sgd 19.200 s 2/2 1.600\n");
  expectContains(o, "adamw inf 1/2 inf\n");
  expectContains(o, "sgd 22.500 s 2/2 1.000\n");
  // submission, rho(1) rho(1.5) rho(2) rho(3) rho(4), score, exact, trapezoid; best first
  expectContains(o, "submission rho(1) rho(1.5) rho(2) rho(3) rho(4) score exact trapezoid\n");
  expectContains(o, "sgd 0.5000 0.5000 1.0000 1.0000 1.0000 0.900000 0.900000 0.901515\n");
  expectContains(o, "adamw 0.5000 0.5000 0.5000 0.5000 0.5000 0.500000 0.500000 0.500000\n");
  EXPECT_LT(o.output.find("  sgd      "), o.output.find("  adamw    ", o.output.find("performance profiles")));
  expectContains(o, "note: adamw missed wl_b (target reached in 1/2 studies; more than half are needed)");

  const Outcome t = runGaplab("score " + (dir_ / "sweep.h5").string() + " --integration trapezoid");
  ASSERT_EQ(t.exitCode, 0) << t.output;
  expectContains(t, "sgd 0.5000 0.5000 1.0000 1.0000 1.0000 0.901515 0.900000 0.901515\n");
}

TEST_F(ResultsCommandsTest, ScoreAcrossFilesAndACutoff) {
  const std::vector<TrialResult> all = sweepTrials();
  std::vector<TrialResult> a, b;
  for (const TrialResult& t : all) (t.workload == "wl_a" ? a : b).push_back(t);
  writeResults(dir_ / "a.h5", a, true);
  writeResults(dir_ / "b.h5", b, false);
  Outcome o = runGaplab("score " + (dir_ / "a.h5").string() + " " + (dir_ / "b.h5").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "13 trials from 2 file(s), 2 workload(s)");
  expectContains(o, "sgd 0.5000 0.5000 1.0000 1.0000 1.0000 0.900000 0.900000 0.901515\n");

  // The same file twice: each trial id counts once.
  o = runGaplab("score " + (dir_ / "a.h5").string() + " " + (dir_ / "b.h5").string() + " " + (dir_ / "a.h5").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "skipped 7 trial(s) whose id appeared in an earlier file");
  expectContains(o, "sgd 0.5000 0.5000 1.0000 1.0000 1.0000 0.900000 0.900000 0.901515\n");

  // tau_max 1.5: sgd's 1.6 on wl_a is cut off; each submission keeps one workload at ratio 1:
  // score (1.5 - 1) / (0.5 * 2) = 0.5 both, ties by name.
  o = runGaplab("score " + (dir_ / "a.h5").string() + " " + (dir_ / "b.h5").string() + " --tau-max 1.5");
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "submission rho(1) rho(1.5) score exact trapezoid\n");
  expectContains(o, "sgd 0.5000 0.5000 0.500000 0.500000");
  expectContains(o, "adamw 0.5000 0.5000 0.500000 0.500000");
  expectContains(o, "note: sgd on wl_a is cut off: more than tau_max times the best time");
}

TEST_F(ResultsCommandsTest, ScorePlotsTheProfilesWithGnuplot) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  const fs::path png = dir_ / "profiles.png";
  Outcome o = runGaplab("score " + sweepFile() + " --plot " + png.string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "wrote " + png.string());
  EXPECT_EQ(readFile(png).substr(1, 3), "PNG");
  o = runGaplab("score " + (dir_ / "sweep.h5").string() + " --plot " + (dir_ / "no-dir" / "p.png").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  expectContains(o, (dir_ / "no-dir" / "p.png").string());
}

TEST_F(ResultsCommandsTest, ScoreNamesASubmissionWithoutAnyName) {
  TrialResult t = makeTrial("r1", "wl_a", "sgd", 0, TrialStatus::kReachedTarget, 5.0, 0.9);
  t.configYaml = "workload: wl_a\n";  // no optimizer.name, no submission
  writeResults(dir_ / "run.h5", {t}, false);
  const Outcome o = runGaplab("score " + (dir_ / "run.h5").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  expectContains(o, "default 5.000 s 1/1 1.000\n");
  expectContains(o, "default 1.0000 1.0000 1.0000 1.0000 1.0000 1.000000 1.000000 1.000000\n");
}

TEST_F(ResultsCommandsTest, ScoreErrors) {
  writeResults(dir_ / "empty.h5", {}, true);
  Outcome o = runGaplab("score " + (dir_ / "empty.h5").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  expectContains(o, "no trials to score in " + (dir_ / "empty.h5").string());

  o = runGaplab("score " + sweepFile() + " --tau-max 0.5");
  EXPECT_EQ(o.exitCode, 2) << o.output;
  o = runGaplab("score " + (dir_ / "sweep.h5").string() + " --tau-max 1");
  EXPECT_EQ(o.exitCode, 2) << o.output;
  expectContains(o, "--tau-max: got 1");
  o = runGaplab("score " + (dir_ / "sweep.h5").string() + " --integration simpson");
  EXPECT_EQ(o.exitCode, 2) << o.output;
  o = runGaplab("score");
  EXPECT_EQ(o.exitCode, 2) << o.output;
}

}  // namespace
}  // namespace gaplab
