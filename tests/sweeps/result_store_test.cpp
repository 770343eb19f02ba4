// tests/sweeps/result_store_test.cpp — the results file round-trips, refuses to clobber, never half-exists.
//
// Why: the results file is the product of every run and sweep. These tests pin
// the promises users rely on: what goes in comes back (infinite time-to-result,
// failure messages and each evaluation's extra metrics included), an existing
// file is never damaged by a failed
// or refused run, errors name the file, a SWMR writer can be read while it
// writes and after it is killed, and h5dump and h5py read the file.
#include "sweeps/result_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/hdf5_handle.h"

namespace gaplab {
namespace {

namespace fs = std::filesystem;

EvalRecord evalAt(int64_t step, double base) {
  EvalRecord eval;
  eval.step = step;
  eval.epoch = static_cast<double>(step) / 100.0;
  eval.timedSeconds = 0.5 * static_cast<double>(step);
  eval.wallSeconds = 0.75 * static_cast<double>(step);
  eval.trainLoss = 2.0 - base;
  eval.evalTrainLoss = 1.9 - base;
  eval.evalTrainMetric = 0.5 + base;
  eval.validationLoss = 2.1 - base;
  eval.validationMetric = 0.45 + base;
  eval.learningRate = 0.1 / static_cast<double>(step + 1);
  return eval;
}

TrialResult reachedTrial() {
  TrialResult result;
  result.trialId = "mlp-fmnist-3f2a9c";
  result.workload = "fashion_mnist_mlp";
  result.configYaml = "workload: fashion_mnist_mlp\noptimizer:\n  name: sgd\n  lr: 0.1\n";
  result.seed = 18446744073709551557ull;  // needs all 64 bits
  result.status = TrialStatus::kReachedTarget;
  result.statusMessage = "validation accuracy 0.85 >= 0.85 at step 300";
  result.metricName = "accuracy";
  result.targetDirection = TargetDirection::kAtLeast;
  result.targetValue = 0.85;
  result.timeToResultSeconds = 150.25;
  result.stepsToResult = 300;
  result.steps = 300;
  result.epochs = 3.0;
  result.timedSeconds = 150.25;
  result.evalSeconds = 12.5;
  result.setupSeconds = 1.25;
  result.loggingSeconds = 0.125;
  result.checkpointSeconds = 0.0625;
  result.communicationSeconds = 0.03125;
  result.wallSeconds = 170.0;
  result.host = "node-01";
  result.ranks = 4;
  result.parameterCount = 1863690;
  result.startedAtUnix = 1714560000;
  result.curve = {evalAt(100, 0.1), evalAt(200, 0.25), evalAt(300, 0.4)};
  // Extras on the first and last evaluation, none on the middle one.
  result.curve[0].extras = {{"validation/bits_per_byte", 1.5}, {"eval_train/bits_per_byte", 1.25}};
  result.curve[2].extras = {{"validation/bits_per_byte", 1.125},
                            {"eval_train/bits_per_byte", 1.0},
                            {"validation/moe_load_cv", 0.0625}};
  return result;
}

TrialResult failedTrial() {
  TrialResult result;
  result.trialId = "gpt-fortunes-77b01e";
  result.workload = "fortunes_gpt";
  result.configYaml = "workload: fortunes_gpt\n";
  result.seed = 7;
  result.status = TrialStatus::kDiverged;
  result.statusMessage = "loss became NaN at step 42 (lr 3.0 too high?) — überprüfen";  // UTF-8 survives
  result.metricName = "loss";
  result.targetDirection = TargetDirection::kAtMost;
  result.targetValue = 3.5;
  result.timeToResultSeconds = std::numeric_limits<double>::infinity();
  result.stepsToResult = -1;
  result.steps = 42;
  result.epochs = 0.01;
  result.timedSeconds = 3.5;
  result.wallSeconds = 4.0;
  result.host = "node-02";
  result.ranks = 1;
  result.parameterCount = 800000;
  result.startedAtUnix = 1714560100;
  result.curve = {evalAt(20, 0.0)};
  return result;
}

TrialResult trialWithoutCurve(const std::string& id) {
  TrialResult result;
  result.trialId = id;
  result.workload = "synthetic";
  result.status = TrialStatus::kFailed;
  result.statusMessage = "std::bad_alloc during setup";
  result.metricName = "accuracy";
  return result;
}

void expectSameEval(const EvalRecord& actual, const EvalRecord& expected) {
  EXPECT_EQ(actual.step, expected.step);
  EXPECT_EQ(actual.epoch, expected.epoch);
  EXPECT_EQ(actual.timedSeconds, expected.timedSeconds);
  EXPECT_EQ(actual.wallSeconds, expected.wallSeconds);
  EXPECT_EQ(actual.trainLoss, expected.trainLoss);
  EXPECT_EQ(actual.evalTrainLoss, expected.evalTrainLoss);
  EXPECT_EQ(actual.evalTrainMetric, expected.evalTrainMetric);
  EXPECT_EQ(actual.validationLoss, expected.validationLoss);
  EXPECT_EQ(actual.validationMetric, expected.validationMetric);
  EXPECT_EQ(actual.learningRate, expected.learningRate);
  SCOPED_TRACE("extras of the evaluation at step " + std::to_string(expected.step));
  ASSERT_EQ(actual.extras.size(), expected.extras.size());
  for (size_t i = 0; i < expected.extras.size(); ++i) {
    EXPECT_EQ(actual.extras[i].name, expected.extras[i].name);
    if (std::isnan(expected.extras[i].value))
      EXPECT_TRUE(std::isnan(actual.extras[i].value)) << expected.extras[i].name;
    else
      EXPECT_EQ(actual.extras[i].value, expected.extras[i].value) << expected.extras[i].name;
  }
}

void expectSameTrial(const TrialResult& actual, const TrialResult& expected) {
  SCOPED_TRACE("trial " + expected.trialId);
  EXPECT_EQ(actual.trialId, expected.trialId);
  EXPECT_EQ(actual.workload, expected.workload);
  EXPECT_EQ(actual.configYaml, expected.configYaml);
  EXPECT_EQ(actual.seed, expected.seed);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.statusMessage, expected.statusMessage);
  EXPECT_EQ(actual.metricName, expected.metricName);
  EXPECT_EQ(actual.targetDirection, expected.targetDirection);
  EXPECT_EQ(actual.targetValue, expected.targetValue);
  EXPECT_EQ(actual.timeToResultSeconds, expected.timeToResultSeconds);  // inf == inf
  EXPECT_EQ(actual.stepsToResult, expected.stepsToResult);
  EXPECT_EQ(actual.steps, expected.steps);
  EXPECT_EQ(actual.epochs, expected.epochs);
  EXPECT_EQ(actual.timedSeconds, expected.timedSeconds);
  EXPECT_EQ(actual.evalSeconds, expected.evalSeconds);
  EXPECT_EQ(actual.setupSeconds, expected.setupSeconds);
  EXPECT_EQ(actual.loggingSeconds, expected.loggingSeconds);
  EXPECT_EQ(actual.checkpointSeconds, expected.checkpointSeconds);
  EXPECT_EQ(actual.communicationSeconds, expected.communicationSeconds);
  EXPECT_EQ(actual.wallSeconds, expected.wallSeconds);
  EXPECT_EQ(actual.host, expected.host);
  EXPECT_EQ(actual.ranks, expected.ranks);
  EXPECT_EQ(actual.parameterCount, expected.parameterCount);
  EXPECT_EQ(actual.startedAtUnix, expected.startedAtUnix);
  ASSERT_EQ(actual.curve.size(), expected.curve.size());
  for (size_t i = 0; i < expected.curve.size(); ++i) expectSameEval(actual.curve[i], expected.curve[i]);
}

std::string messageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool commandAvailable(const std::string& probe) { return std::system((probe + " >/dev/null 2>&1").c_str()) == 0; }

int exitCodeOf(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ResultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("gaplab_result_store_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0755);
    fs::remove_all(dir_);
  }
  std::string pathOf(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> filesInDir() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    return names;
  }
  // A committed results file holding `trials`.
  std::string writeResults(const std::string& name, const std::vector<TrialResult>& trials) {
    std::string path = pathOf(name);
    ResultStore store = ResultStore::create(path, OverwriteMode::kFail);
    for (const TrialResult& trial : trials) store.append(trial);
    store.commit();
    return path;
  }

  fs::path dir_;
};

TEST_F(ResultStoreTest, RoundTripsTwoTrialsWithCurves) {
  std::string path = pathOf("results.h5");
  TrialResult reached = reachedTrial();
  TrialResult diverged = failedTrial();
  {
    ResultStore store = ResultStore::create(path, OverwriteMode::kFail);
    EXPECT_FALSE(store.contains(reached.trialId));
    store.append(reached);
    store.append(diverged);
    EXPECT_TRUE(store.contains(reached.trialId));
    EXPECT_TRUE(store.contains(diverged.trialId));
    EXPECT_FALSE(store.contains("not-there"));
    EXPECT_EQ(store.trialCount(), 2);
    store.commit();
  }
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 2u);
  expectSameTrial(read[0], reached);
  expectSameTrial(read[1], diverged);
  EXPECT_TRUE(std::isinf(read[1].timeToResultSeconds));
  EXPECT_FALSE(read[1].reachedTarget());
  EXPECT_EQ(read[1].statusMessage, diverged.statusMessage);
}

TEST_F(ResultStoreTest, TrialWithoutEvaluationsRoundTrips) {
  TrialResult empty = trialWithoutCurve("no-evals");
  std::string path = writeResults("results.h5", {empty});
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 1u);
  expectSameTrial(read[0], empty);
}

// A trial whose evaluations carry many extras, unevenly: per-expert metrics,
// non-finite values, a UTF-8 name, and evaluations without any.
TrialResult moeTrial(const std::string& id) {
  TrialResult result;
  result.trialId = id;
  result.workload = "tiny_moe_lm";
  result.status = TrialStatus::kMaxSteps;
  result.metricName = "loss";
  result.targetDirection = TargetDirection::kAtMost;
  result.steps = 400;
  result.curve = {evalAt(0, 0.0), evalAt(100, 0.1), evalAt(200, 0.2), evalAt(300, 0.3), evalAt(400, 0.35)};
  for (size_t e : {size_t{1}, size_t{2}, size_t{4}}) {
    EvalRecord& eval = result.curve[e];
    eval.extras.push_back({"validation/bits_per_byte", 2.0 - 0.25 * static_cast<double>(e)});
    eval.extras.push_back({"validation/moe_load_cv", 0.5 / static_cast<double>(e)});
    for (int expert = 0; expert < 8; ++expert)
      eval.extras.push_back({"validation/moe_expert_fraction/" + std::to_string(expert),
                             (1.0 + expert) / 36.0 + 0.001 * static_cast<double>(e)});
  }
  result.curve[2].extras.push_back({"eval_train/moe_load_cv", std::numeric_limits<double>::quiet_NaN()});
  result.curve[4].extras.push_back({"validation/perplexity", std::numeric_limits<double>::infinity()});
  result.curve[4].extras.push_back({"validation/größe", -0.5});
  return result;
}

size_t extraCount(const TrialResult& trial) {
  size_t count = 0;
  for (const EvalRecord& eval : trial.curve) count += eval.extras.size();
  return count;
}

TEST_F(ResultStoreTest, RoundTripsExtraMetricsOfEveryEvaluation) {
  TrialResult first = moeTrial("moe-a");
  TrialResult plain = failedTrial();  // evaluations without extras
  TrialResult none = trialWithoutCurve("no-evals");
  TrialResult second = moeTrial("moe-b");
  second.curve[1].extras.clear();
  second.curve[0].extras = {{"validation/bits_per_byte", 3.0}};
  ASSERT_GT(extraCount(first), 20u);
  std::string path = writeResults("results.h5", {first, plain, none, second});

  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 4u);
  expectSameTrial(read[0], first);
  expectSameTrial(read[1], plain);
  expectSameTrial(read[2], none);
  expectSameTrial(read[3], second);
  EXPECT_EQ(extraCount(read[1]), 0u);
  EXPECT_TRUE(std::isinf(read[0].curve[4].extras[10].value));
  EXPECT_EQ(read[0].curve[4].extras[11].name, "validation/größe");

  // Appending to the file continues the table where it left off.
  TrialResult third = reachedTrial();
  {
    ResultStore store = ResultStore::openForAppend(path);
    store.append(third);
    store.commit();
  }
  read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 5u);
  expectSameTrial(read[0], first);
  expectSameTrial(read[3], second);
  expectSameTrial(read[4], third);
}

TEST_F(ResultStoreTest, ExtrasOfEvaluationsSharingAStepAreRefusedBeforeAnythingIsWritten) {
  std::string path = pathOf("results.h5");
  ResultStore store = ResultStore::create(path, OverwriteMode::kFail);
  store.append(reachedTrial());
  TrialResult ambiguous = moeTrial("twice-at-200");
  ambiguous.curve[3].step = 200;  // the evaluation before it (step 200) has extras
  std::string message = messageOf([&] { store.append(ambiguous); });
  EXPECT_NE(message.find("'twice-at-200' has 2 evaluations at step 200"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_FALSE(store.contains("twice-at-200"));

  // Shared steps without extras stay allowed, and the store is intact.
  TrialResult repeated = failedTrial();
  repeated.trialId = "repeated-steps";
  repeated.curve = {evalAt(5, 0.0), evalAt(5, 0.1)};
  store.append(repeated);
  TrialResult after = moeTrial("after");
  store.append(after);
  store.commit();
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 3u);
  expectSameTrial(read[0], reachedTrial());
  expectSameTrial(read[1], repeated);
  expectSameTrial(read[2], after);
}

TEST_F(ResultStoreTest, EmptyStoreCommitsToAReadableFile) {
  std::string path = writeResults("empty.h5", {});
  EXPECT_TRUE(ResultStore::readAll(path).empty());
}

TEST_F(ResultStoreTest, FileAttributesNameSchemaVersionGaplabVersionAndCreationTime) {
  std::string path = writeResults("results.h5", {reachedTrial()});
  HdfFile file = hdfOpenFile(path, HdfFileAccess::kReadOnly);
  EXPECT_EQ(hdfReadIntAttribute(file.id(), "gaplab_schema_version"), ResultStore::kSchemaVersion);
  std::optional<std::string> version = hdfReadStringAttribute(file.id(), "gaplab_version");
  ASSERT_TRUE(version.has_value());
  EXPECT_FALSE(version->empty());
  std::optional<std::string> createdAt = hdfReadStringAttribute(file.id(), "created_at");
  ASSERT_TRUE(createdAt.has_value());
  EXPECT_EQ(createdAt->size(), std::string("2024-05-01T12:00:00Z").size()) << *createdAt;
  EXPECT_EQ(createdAt->back(), 'Z');
}

TEST_F(ResultStoreTest, RowsGoToATemporaryFileUntilCommit) {
  std::string path = pathOf("results.h5");
  ResultStore store = ResultStore::create(path, OverwriteMode::kFail);
  store.append(reachedTrial());
  EXPECT_NE(store.writePath(), path);
  EXPECT_EQ(store.writePath().rfind(path + ".tmp-", 0), 0u) << store.writePath();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(store.writePath()));
  std::string temporary = store.writePath();
  store.commit();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_EQ(store.writePath(), path);
  EXPECT_THROW(store.append(failedTrial()), std::logic_error);
  EXPECT_THROW(store.commit(), std::logic_error);
}

TEST_F(ResultStoreTest, ErrorMidWriteLeavesNoResultFile) {
  std::string path = pathOf("results.h5");
  try {
    ResultStore store = ResultStore::create(path, OverwriteMode::kFail);
    store.append(reachedTrial());
    throw std::runtime_error("training failed");  // before commit()
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(filesInDir().empty()) << "left behind: " << filesInDir().front();
}

TEST_F(ResultStoreTest, MovedStoreKeepsItsFileAndCommitsOnce) {
  std::string path = pathOf("results.h5");
  ResultStore first = ResultStore::create(path, OverwriteMode::kFail);
  first.append(reachedTrial());
  ResultStore second = std::move(first);
  second.append(failedTrial());
  second.commit();
  EXPECT_EQ(ResultStore::readAll(path).size(), 2u);
}

TEST_F(ResultStoreTest, ExistingFileWithoutOverwriteThrowsAndStaysIntact) {
  std::string path = pathOf("results.h5");
  std::ofstream(path) << "precious earlier results";
  std::string message = messageOf([&] { ResultStore::create(path, OverwriteMode::kFail); });
  EXPECT_EQ(message, "output file " + path + " exists; pass --overwrite to replace it");
  EXPECT_THROW(ResultStore::checkWritable(path, OverwriteMode::kFail), std::runtime_error);
  EXPECT_EQ(readText(path), "precious earlier results");
  EXPECT_EQ(filesInDir(), std::vector<std::string>{"results.h5"});
}

TEST_F(ResultStoreTest, OverwriteReplacesTheOldFileOnlyAtCommit) {
  std::string path = writeResults("results.h5", {reachedTrial()});
  ResultStore::checkWritable(path, OverwriteMode::kOverwrite);
  {
    ResultStore abandoned = ResultStore::create(path, OverwriteMode::kOverwrite);
    abandoned.append(failedTrial());
  }  // destroyed without commit: the old file is untouched
  ASSERT_EQ(ResultStore::readAll(path).size(), 1u);
  EXPECT_EQ(ResultStore::readAll(path)[0].trialId, reachedTrial().trialId);

  ResultStore store = ResultStore::create(path, OverwriteMode::kOverwrite);
  store.append(failedTrial());
  EXPECT_EQ(ResultStore::readAll(path)[0].trialId, reachedTrial().trialId);  // still the old file
  store.commit();
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].trialId, failedTrial().trialId);
  EXPECT_EQ(filesInDir(), std::vector<std::string>{"results.h5"});
}

TEST_F(ResultStoreTest, MissingDirectoryThrowsBeforeWriting) {
  std::string directory = pathOf("no/such/dir");
  std::string path = directory + "/results.h5";
  std::string message = messageOf([&] { ResultStore::checkWritable(path, OverwriteMode::kFail); });
  EXPECT_EQ(message, "cannot write to directory " + directory + ": No such file or directory");
  EXPECT_THROW(ResultStore::create(path, OverwriteMode::kOverwrite), std::runtime_error);
}

TEST_F(ResultStoreTest, ParentThatIsARegularFileThrows) {
  std::string notADirectory = pathOf("plain.txt");
  std::ofstream(notADirectory) << "x";
  std::string message = messageOf([&] { ResultStore::create(notADirectory + "/results.h5", OverwriteMode::kFail); });
  EXPECT_EQ(message, "cannot write to directory " + notADirectory + ": Not a directory");
}

TEST_F(ResultStoreTest, PathThatIsADirectoryThrows) {
  fs::create_directories(dir_ / "results.h5");
  std::string message = messageOf([&] { ResultStore::create(pathOf("results.h5"), OverwriteMode::kOverwrite); });
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

TEST_F(ResultStoreTest, ReadOnlyDirectoryThrowsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write to any directory";
  ::chmod(dir_.c_str(), 0555);
  std::string message = messageOf([&] { ResultStore::checkWritable(pathOf("results.h5"), OverwriteMode::kFail); });
  EXPECT_EQ(message, "cannot write to directory " + dir_.string() + ": Permission denied");
}

TEST_F(ResultStoreTest, RelativePathUsesTheCurrentDirectory) {
  fs::path previous = fs::current_path();
  fs::current_path(dir_);
  EXPECT_NO_THROW(ResultStore::checkWritable("results.h5", OverwriteMode::kFail));
  {
    ResultStore store = ResultStore::create("results.h5", OverwriteMode::kFail);
    store.append(reachedTrial());
    store.commit();
  }
  std::string message = messageOf([] { ResultStore::checkWritable("results.h5", OverwriteMode::kFail); });
  fs::current_path(previous);
  EXPECT_EQ(message, "output file results.h5 exists; pass --overwrite to replace it");
  EXPECT_EQ(ResultStore::readAll(pathOf("results.h5")).size(), 1u);
}

TEST_F(ResultStoreTest, OpenForAppendAddsTrialsAndRejectsDuplicates) {
  std::string path = writeResults("results.h5", {reachedTrial()});
  {
    ResultStore store = ResultStore::openForAppend(path);
    EXPECT_EQ(store.trialCount(), 1);
    EXPECT_TRUE(store.contains(reachedTrial().trialId));
    EXPECT_FALSE(store.contains(failedTrial().trialId));
    std::string message = messageOf([&] { store.append(reachedTrial()); });
    EXPECT_NE(message.find("already in results file"), std::string::npos) << message;
    store.append(failedTrial());
    store.append(trialWithoutCurve("third"));
    store.commit();
  }
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 3u);
  expectSameTrial(read[0], reachedTrial());
  expectSameTrial(read[1], failedTrial());
  expectSameTrial(read[2], trialWithoutCurve("third"));
}

TEST_F(ResultStoreTest, AppendedRowsSurviveWithoutCommit) {
  std::string path = writeResults("results.h5", {});
  {
    ResultStore store = ResultStore::openForAppend(path);
    store.append(reachedTrial());
  }  // in-place appends are durable once append() returns
  ASSERT_EQ(ResultStore::readAll(path).size(), 1u);
}

TEST_F(ResultStoreTest, OpenForAppendOnATextFileThrowsNamingIt) {
  std::string path = pathOf("notes.txt");
  std::ofstream(path) << "not results\n";
  std::string message = messageOf([&] { ResultStore::openForAppend(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;
  EXPECT_NE(messageOf([&] { ResultStore::readAll(path); }).find(path), std::string::npos);
  EXPECT_EQ(readText(path), "not results\n");
}

TEST_F(ResultStoreTest, OpenForAppendOnAMissingFileThrowsNamingIt) {
  std::string path = pathOf("absent.h5");
  std::string message = messageOf([&] { ResultStore::openForAppend(path); });
  EXPECT_EQ(message, "cannot open results file '" + path + "': No such file or directory");
}

TEST_F(ResultStoreTest, TruncatedFileThrowsNamingIt) {
  std::string good = writeResults("good.h5", {reachedTrial(), failedTrial()});
  std::string bytes = readText(good);
  std::string path = pathOf("truncated.h5");
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  std::string message = messageOf([&] { ResultStore::readAll(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  message = messageOf([&] { ResultStore::openForAppend(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST_F(ResultStoreTest, HdfFileWithoutSchemaAttributeIsNotAResultsFile) {
  std::string path = pathOf("other.h5");
  hdfCreateFile(path).close({"H5Fclose", path, ""});
  std::string message = messageOf([&] { ResultStore::openForAppend(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not a gaplab results file"), std::string::npos) << message;
}

TEST_F(ResultStoreTest, WrongSchemaVersionThrowsWithFoundAndExpected) {
  std::string path = writeResults("results.h5", {reachedTrial()});
  {
    HdfFile file = hdfOpenFile(path, HdfFileAccess::kReadWrite);
    hdfWriteIntAttribute(file.id(), ResultStore::kSchemaVersionAttribute, 99);
  }
  std::string expected = "results file '" + path + "' has schema version 99, but this gaplab reads schema version " +
                         std::to_string(ResultStore::kSchemaVersion) + " (it was written by a newer gaplab)";
  EXPECT_EQ(messageOf([&] { ResultStore::openForAppend(path); }), expected);
  EXPECT_EQ(messageOf([&] { ResultStore::readAll(path); }), expected);
}

constexpr const char* kPython = "/usr/bin/python3";

// Version 1 had no /eval_metrics and no eval_metrics_* summary columns; such a
// file is refused for its version, before the missing table is noticed.
TEST_F(ResultStoreTest, SchemaVersionOneFileIsRefusedAsOlder) {
  ASSERT_EQ(ResultStore::kSchemaVersion, 3);
  std::string path = writeResults("results.h5", {reachedTrial()});
  {
    HdfFile file = hdfOpenFile(path, HdfFileAccess::kReadWrite);
    hdfWriteIntAttribute(file.id(), ResultStore::kSchemaVersionAttribute, 1);
  }
  std::string expected = "results file '" + path +
                         "' has schema version 1, but this gaplab reads schema version 3 (it was written by an "
                         "older gaplab)";
  EXPECT_EQ(messageOf([&] { ResultStore::openForAppend(path); }), expected);
  EXPECT_EQ(messageOf([&] { ResultStore::readAll(path); }), expected);

  // The same with the version 1 layout: /eval_metrics removed (needs h5py).
  if (!commandAvailable(std::string(kPython) + " -c 'import h5py'")) return;
  ASSERT_EQ(exitCodeOf(std::string(kPython) +
                       " -c 'import sys, h5py; f = h5py.File(sys.argv[1], \"r+\"); del f[\"eval_metrics\"]' '" +
                       path + "'"),
            0);
  EXPECT_EQ(messageOf([&] { ResultStore::openForAppend(path); }), expected);
  EXPECT_EQ(messageOf([&] { ResultStore::readAll(path); }), expected);
}

TEST_F(ResultStoreTest, H5dumpReadsTheFile) {
  if (!commandAvailable("command -v h5dump")) GTEST_SKIP() << "h5dump not installed (Debian: hdf5-tools)";
  std::string path = writeResults("results.h5", {reachedTrial(), failedTrial()});
  EXPECT_EQ(exitCodeOf("h5dump -H '" + path + "' > /dev/null"), 0);
  std::string dump = pathOf("dump.txt");
  ASSERT_EQ(exitCodeOf("h5dump -d /summary '" + path + "' > '" + dump + "'"), 0);
  std::string text = readText(dump);
  EXPECT_NE(text.find("mlp-fmnist-3f2a9c"), std::string::npos);
  EXPECT_NE(text.find("time_to_result_s"), std::string::npos);
  EXPECT_NE(text.find("inf"), std::string::npos);
  ASSERT_EQ(exitCodeOf("h5dump -d /eval_metrics '" + path + "' > '" + dump + "'"), 0);
  text = readText(dump);
  EXPECT_NE(text.find("validation/moe_load_cv"), std::string::npos);
}

TEST_F(ResultStoreTest, SweepColumnsRoundTrip) {
  TrialResult r = reachedTrial();
  r.submission = "nadamw";
  r.study = 3;
  r.parameters = "optimizer.lr=0.001; optimizer.weight_decay=1e-05";
  r.attempts = 2;
  r.samplePoint = "0x1.8p-1,0x1p-2";
  TrialResult early = failedTrial();
  early.status = TrialStatus::kStoppedEarly;
  std::string path = writeResults("results.h5", {r, early});
  std::vector<TrialResult> back = ResultStore::readAll(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].submission, "nadamw");
  EXPECT_EQ(back[0].study, 3);
  EXPECT_EQ(back[0].parameters, r.parameters);
  EXPECT_EQ(back[0].attempts, 2);
  EXPECT_EQ(back[0].samplePoint, r.samplePoint);
  EXPECT_EQ(back[1].status, TrialStatus::kStoppedEarly);
  EXPECT_EQ(back[1].attempts, 1);
}

TEST_F(ResultStoreTest, H5pyReadsTheFile) {
  if (!commandAvailable(std::string(kPython) + " -c 'import h5py, numpy'"))
    GTEST_SKIP() << "h5py not importable by " << kPython << " (Debian: python3-h5py)";
  std::string path = writeResults("results.h5", {reachedTrial(), failedTrial()});
  std::string script = pathOf("check.py");
  std::ofstream(script) << R"(import sys, math, h5py
f = h5py.File(sys.argv[1], "r")
assert int(f.attrs["gaplab_schema_version"]) == 3, f.attrs["gaplab_schema_version"]
assert isinstance(f.attrs["gaplab_version"], str)
s = f["summary"][()]
for column in ("submission", "study", "parameters", "attempts", "sample_point"):
    assert column in s.dtype.names, (column, s.dtype.names)
assert s.shape == (2,), s.shape
ids = [x.decode() for x in s["trial_id"]]
assert ids == ["mlp-fmnist-3f2a9c", "gpt-fortunes-77b01e"], ids
assert s["status"][1].decode() == "diverged"
assert "überprüfen" in s["status_message"][1].decode("utf-8")
assert math.isinf(s["time_to_result_s"][1]) and s["steps_to_result"][1] == -1
assert s["time_to_result_s"][0] == 150.25
assert int(s["seed"][0]) == 18446744073709551557
assert abs(s["final_metric_gap"][0] - 0.05) < 1e-12, s["final_metric_gap"][0]
c = f["curves"][()]
assert c.shape == (4,), c.shape
assert list(c["step"]) == [100, 200, 300, 20], list(c["step"])
assert [x.decode() for x in c["trial_id"]].count("mlp-fmnist-3f2a9c") == 3
first, count = int(s["curve_first_row"][1]), int(s["curve_row_count"][1])
assert (first, count) == (3, 1), (first, count)
m = f["eval_metrics"][()]
assert m.dtype.names == ("trial_id", "step", "name", "value"), m.dtype.names
assert m.shape == (5,), m.shape
assert list(m["step"]) == [100, 100, 300, 300, 300], list(m["step"])
assert [x.decode() for x in m["name"]][-1] == "validation/moe_load_cv"
assert list(m["value"]) == [1.5, 1.25, 1.125, 1.0, 0.0625], list(m["value"])
assert [(int(a), int(b)) for a, b in zip(s["eval_metrics_first_row"], s["eval_metrics_row_count"])] == [(0, 5), (5, 0)]
)";
  EXPECT_EQ(exitCodeOf(std::string(kPython) + " '" + script + "' '" + path + "'"), 0);
}

// Rows that do not fit together are reported with the row, not read as
// something else: the tables are edited with h5py to make them disagree.
TEST_F(ResultStoreTest, InconsistentRowsAreReportedWithTheirRow) {
  if (!commandAvailable(std::string(kPython) + " -c 'import h5py, numpy'"))
    GTEST_SKIP() << "h5py not importable by " << kPython << " (Debian: python3-h5py)";
  struct Case {
    const char* edit;      // python, with `f` the open file
    const char* expected;  // part of the message after the file name
  };
  const Case cases[] = {
      {"r = f['eval_metrics'][3:4]; r['step'] = 150; f['eval_metrics'][3:4] = r",
       "/summary row 0: /eval_metrics row 3 ('eval_train/bits_per_byte' at step 150) matches no evaluation"},
      {"r = f['summary'][0:1]; r['eval_metrics_row_count'] = 9; f['summary'][0:1] = r",
       "/summary row 0: eval-metrics rows [0, +9) lie outside /eval_metrics (5 rows)"},
      {"r = f['eval_metrics'][0:1]; r['trial_id'] = b'someone-else'; f['eval_metrics'][0:1] = r",
       "/summary row 0: /eval_metrics row 0 belongs to trial 'someone-else'"},
      {"f['summary'][1:2] = f['summary'][0:1]", "/summary row 1: trial_id 'mlp-fmnist-3f2a9c' repeats /summary row 0"},
  };
  int index = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.edit);
    std::string path = writeResults("results" + std::to_string(index++) + ".h5", {reachedTrial(), failedTrial()});
    std::string script = pathOf("edit.py");
    std::ofstream(script) << "import sys, h5py\nwith h5py.File(sys.argv[1], 'r+') as f:\n    " << c.edit << "\n";
    ASSERT_EQ(exitCodeOf(std::string(kPython) + " '" + script + "' '" + path + "'"), 0);
    std::string message = messageOf([&] { ResultStore::readAll(path); });
    EXPECT_NE(message.find("results file '" + path + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

// What docs/results-schema.md shows: /eval_metrics grouped by trial and step into
// wide columns (with pandas when it is installed, with numpy alone otherwise),
// and a trial's rows found through its summary row.
TEST_F(ResultStoreTest, H5pyReadsEvalMetricsIntoWideColumns) {
  if (!commandAvailable(std::string(kPython) + " -c 'import h5py, numpy'"))
    GTEST_SKIP() << "h5py not importable by " << kPython << " (Debian: python3-h5py)";
  TrialResult second = moeTrial("moe-b");
  second.curve[4].extras.clear();
  std::string path = writeResults("results.h5", {moeTrial("moe-a"), failedTrial(), second});
  std::string script = pathOf("check.py");
  std::ofstream(script) << R"(import sys, math, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    s = f["summary"][()]
    m = f["eval_metrics"][()]
ids = [x.decode() for x in s["trial_id"]]
assert ids == ["moe-a", "gpt-fortunes-77b01e", "moe-b"], ids
counts = [int(x) for x in s["eval_metrics_row_count"]]
assert counts == [33, 0, 21], counts
firsts = [int(x) for x in s["eval_metrics_first_row"]]
assert firsts == [0, 33, 33], firsts
b = m[firsts[2]:firsts[2] + counts[2]]
assert {x.decode() for x in b["trial_id"]} == {"moe-b"}
assert sorted(set(int(x) for x in b["step"])) == [100, 200]
names = [x.decode("utf-8") for x in m["name"]]
assert "validation/größe" in names and "validation/moe_expert_fraction/7" in names
wide = {}
for trial, step, name, value in zip(m["trial_id"], m["step"], names, m["value"]):
    wide.setdefault((trial.decode(), int(step)), {})[name] = value
assert sorted(wide) == [("moe-a", 100), ("moe-a", 200), ("moe-a", 400), ("moe-b", 100), ("moe-b", 200)], sorted(wide)
assert wide[("moe-a", 400)]["validation/bits_per_byte"] == 1.0
assert math.isinf(wide[("moe-a", 400)]["validation/perplexity"])
assert math.isnan(wide[("moe-a", 200)]["eval_train/moe_load_cv"])
assert abs(wide[("moe-b", 200)]["validation/moe_expert_fraction/3"] - (4 / 36 + 0.002)) < 1e-15
try:
    import pandas as pd
except ImportError:
    sys.exit(0)
df = pd.DataFrame(m)
for column in ("trial_id", "name"):
    df[column] = df[column].str.decode("utf-8")
table = df.pivot_table(index=["trial_id", "step"], columns="name", values="value")
assert table.shape[0] == 5, table.shape
assert table.loc[("moe-a", 400), "validation/bits_per_byte"] == 1.0
)";
  EXPECT_EQ(exitCodeOf(std::string(kPython) + " '" + script + "' '" + path + "'"), 0);
}

// ---- Concurrent readers and crashes (HDF5 SWMR) -------------------------------------------

// Runs `body` in a child process and returns its exit status (or the signal
// that ended it, negated). The child never returns into the test framework.
int inChildProcess(const std::function<int()>& body) {
  pid_t child = ::fork();
  if (child == 0) {
    int code = 1;
    try {
      code = body();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "child: %s\n", error.what());
    }
    std::_Exit(code);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// A reader in its own process, forked before the writer opens the file (so it
// shares none of the writer's HDF5 state); it runs readAll on request.
class ReaderProcess {
 public:
  explicit ReaderProcess(const std::string& path) {
    int requests[2];
    int replies[2];
    if (::pipe(requests) != 0 || ::pipe(replies) != 0) throw std::runtime_error("pipe failed");
    child_ = ::fork();
    if (child_ == 0) {
      ::close(requests[1]);
      ::close(replies[0]);
      char request = 0;
      while (::read(requests[0], &request, 1) == 1) {
        int64_t counts[2] = {-1, -1};  // trials, curve rows
        try {
          std::vector<TrialResult> read = ResultStore::readAll(path);
          counts[0] = static_cast<int64_t>(read.size());
          counts[1] = 0;
          for (const TrialResult& trial : read) counts[1] += static_cast<int64_t>(trial.curve.size());
        } catch (const std::exception& error) {
          std::fprintf(stderr, "reader: %s\n", error.what());
        }
        if (::write(replies[1], counts, sizeof counts) != static_cast<ssize_t>(sizeof counts)) break;
      }
      std::_Exit(0);
    }
    ::close(requests[0]);
    ::close(replies[1]);
    requests_ = requests[1];
    replies_ = replies[0];
  }
  ~ReaderProcess() {
    ::close(requests_);  // EOF ends the child's loop
    ::close(replies_);
    int status = 0;
    ::waitpid(child_, &status, 0);
  }
  ReaderProcess(const ReaderProcess&) = delete;
  ReaderProcess& operator=(const ReaderProcess&) = delete;

  // {trials, curve rows} as the reader sees them now; {-1, -1} when readAll threw.
  std::pair<int64_t, int64_t> read() {
    char request = 'r';
    int64_t counts[2] = {-1, -1};
    if (::write(requests_, &request, 1) != 1) return {-1, -1};
    if (::read(replies_, counts, sizeof counts) != static_cast<ssize_t>(sizeof counts)) return {-1, -1};
    return {counts[0], counts[1]};
  }

 private:
  pid_t child_ = -1;
  int requests_ = -1;
  int replies_ = -1;
};

TEST_F(ResultStoreTest, SwmrWriterIsReadableByAnotherProcessWhileWriting) {
  std::string path = writeResults("results.h5", {});
  ReaderProcess reader(path);
  ResultStore store = ResultStore::openForAppend(path, AppendMode::kSwmr);
  EXPECT_EQ(reader.read(), std::make_pair(int64_t{0}, int64_t{0}));
  store.append(reachedTrial());
  EXPECT_EQ(reader.read(), std::make_pair(int64_t{1}, int64_t{3}));
  if (commandAvailable(std::string(kPython) + " -c 'import h5py'")) {
    std::string command = std::string(kPython) +
                          " -c 'import sys, h5py; f = h5py.File(sys.argv[1], \"r\", swmr=True); "
                          "sys.exit(0 if f[\"summary\"].shape == (1,) and f[\"curves\"].shape == (3,) else 3)' '" +
                          path + "'";
    EXPECT_EQ(exitCodeOf(command), 0);
  }
  store.append(failedTrial());
  EXPECT_EQ(reader.read(), std::make_pair(int64_t{2}, int64_t{4}));
  store.commit();
  EXPECT_EQ(reader.read(), std::make_pair(int64_t{2}, int64_t{4}));
  EXPECT_EQ(ResultStore::readAll(path).size(), 2u);
}

TEST_F(ResultStoreTest, ReadsRacingAFastSwmrWriterNeverFailOrGoBackwards) {
  constexpr int kTrials = 80;
  std::string path = writeResults("results.h5", {});
  int opened[2];
  ASSERT_EQ(::pipe(opened), 0);
  pid_t writer = ::fork();
  if (writer == 0) {
    int code = 1;
    try {
      ResultStore store = ResultStore::openForAppend(path, AppendMode::kSwmr);
      char ready = 'o';
      if (::write(opened[1], &ready, 1) != 1) std::_Exit(3);
      for (int i = 0; i < kTrials; ++i) {
        TrialResult trial = failedTrial();
        trial.trialId = "trial-" + std::to_string(i);
        trial.configYaml = std::string(2000 + i, 'c');  // long strings: new global heap collections
        trial.curve.clear();
        for (int k = 0; k < i % 5; ++k) {
          EvalRecord eval = evalAt(10 * i + k, 0.0);
          for (int n = 0; n < (i + k) % 4; ++n)
            eval.extras.push_back({"validation/metric_" + std::to_string(n), static_cast<double>(i * n)});
          trial.curve.push_back(eval);
        }
        store.append(trial);
        ::usleep(2000);  // let the reader interleave with the appends
      }
      store.commit();
      code = 0;
    } catch (const std::exception& error) {
      std::fprintf(stderr, "writer: %s\n", error.what());
    }
    std::_Exit(code);
  }
  ::close(opened[1]);
  char ready = 0;
  ASSERT_EQ(::read(opened[0], &ready, 1), 1) << "the writer could not open the file";
  ::close(opened[0]);
  size_t previous = 0;
  int reads = 0;
  int status = 0;
  while (::waitpid(writer, &status, WNOHANG) == 0) {
    std::vector<TrialResult> read;
    ASSERT_NO_THROW(read = ResultStore::readAll(path)) << "after " << reads << " reads";
    ASSERT_GE(read.size(), previous);
    for (size_t i = 0; i < read.size(); ++i) {
      ASSERT_EQ(read[i].trialId, "trial-" + std::to_string(i));
      ASSERT_EQ(read[i].configYaml.size(), 2000 + i);
      ASSERT_EQ(read[i].curve.size(), i % 5);
      for (size_t k = 0; k < read[i].curve.size(); ++k) {
        const EvalRecord& eval = read[i].curve[k];
        ASSERT_EQ(eval.step, static_cast<int64_t>(10 * i + k));
        ASSERT_EQ(eval.extras.size(), (i + k) % 4);
        for (size_t n = 0; n < eval.extras.size(); ++n) {
          ASSERT_EQ(eval.extras[n].name, "validation/metric_" + std::to_string(n));
          ASSERT_EQ(eval.extras[n].value, static_cast<double>(i * n));
        }
      }
    }
    previous = read.size();
    ++reads;
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ResultStore::readAll(path).size(), static_cast<size_t>(kTrials));
  RecordProperty("reads_while_writing", reads);
}

TEST_F(ResultStoreTest, AppendWaitsForAPlainReaderToLetGo) {
  std::string path = writeResults("results.h5", {reachedTrial()});
  int opened[2];
  ASSERT_EQ(::pipe(opened), 0);
  pid_t reader = ::fork();
  if (reader == 0) {  // holds the file open (and its shared lock) for a moment
    HdfFile file = hdfOpenFile(path, HdfFileAccess::kReadOnly);
    char ready = 'o';
    if (::write(opened[1], &ready, 1) != 1) std::_Exit(3);
    ::usleep(200000);
    file.close({"H5Fclose", path, ""});
    std::_Exit(0);
  }
  ::close(opened[1]);
  char ready = 0;
  ASSERT_EQ(::read(opened[0], &ready, 1), 1);
  ::close(opened[0]);
  {
    ResultStore store = ResultStore::openForAppend(path, AppendMode::kSwmr);
    store.append(failedTrial());
    store.commit();
  }
  int status = 0;
  ::waitpid(reader, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ResultStore::readAll(path).size(), 2u);
}

TEST_F(ResultStoreTest, KilledSwmrWriterLeavesEveryAppendedTrialReadable) {
  std::string path = writeResults("results.h5", {});
  int code = inChildProcess([&] {
    ResultStore store = ResultStore::openForAppend(path, AppendMode::kSwmr);
    store.append(reachedTrial());
    store.append(failedTrial());
    ::raise(SIGKILL);  // kill -9 right after the appends returned
    return 0;
  });
  EXPECT_EQ(code, -SIGKILL);
  std::vector<TrialResult> read = ResultStore::readAll(path);
  ASSERT_EQ(read.size(), 2u);
  expectSameTrial(read[0], reachedTrial());
  expectSameTrial(read[1], failedTrial());

  // Appending again needs the writer's mark cleared (h5clear -s), and says so.
  std::string message = messageOf([&] { ResultStore::openForAppend(path, AppendMode::kSwmr); });
  EXPECT_NE(message.find("h5clear -s"), std::string::npos) << message;
  if (commandAvailable("command -v h5clear")) {
    ASSERT_EQ(exitCodeOf("h5clear -s '" + path + "'"), 0);
    ResultStore store = ResultStore::openForAppend(path, AppendMode::kSwmr);
    EXPECT_TRUE(store.contains(failedTrial().trialId));
    store.append(trialWithoutCurve("after-restart"));
    store.commit();
    EXPECT_EQ(ResultStore::readAll(path).size(), 3u);
  }
}

TEST_F(ResultStoreTest, KilledExclusiveWriterIsReportedWithTheWayOut) {
  std::string path = writeResults("results.h5", {});
  int code = inChildProcess([&] {
    ResultStore store = ResultStore::openForAppend(path, AppendMode::kExclusive);
    store.append(reachedTrial());
    ::raise(SIGKILL);
    return 0;
  });
  EXPECT_EQ(code, -SIGKILL);
  std::string message = messageOf([&] { ResultStore::readAll(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("h5clear -s"), std::string::npos) << message;
  if (commandAvailable("command -v h5clear")) {
    ASSERT_EQ(exitCodeOf("h5clear -s '" + path + "'"), 0);
    std::vector<TrialResult> read = ResultStore::readAll(path);
    ASSERT_EQ(read.size(), 1u);
    expectSameTrial(read[0], reachedTrial());
  }
}

}  // namespace
}  // namespace gaplab
