// tests/workloads/trial_checkpoint_test.cpp — a checkpoint restores exactly what
// was saved, and every unusable checkpoint is refused with a CheckpointError that
// names the file and the problem while leaving the arena untouched.
//
// Why: exact resume is only as good as the round trip: one float or one double
// of the trainer state off and the resumed curve differs. And a checkpoint that
// is truncated, corrupt or from another run must never be half-applied.
#include "workloads/trial_checkpoint.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "core/hdf5_handle.h"
#include "core/rng.h"
#include "workloads/run_config.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

// A small model layout: two parameters and two buffers (like BatchNorm's running mean/var).
std::unique_ptr<ParameterArena> makeArena(int64_t width = 5, uint64_t seed = 7) {
  auto arena = std::make_unique<ParameterArena>();
  arena->addParameter("w", Shape{width, 3}, Init::uniform(1.0f));
  arena->addParameter("b", Shape{width}, Init::normal(0.5f), WeightDecay::kSkip);
  arena->addBuffer("running_mean", Shape{width}, 0.0f);
  arena->addBuffer("running_var", Shape{width}, 1.0f);
  RngStream rng(seed, RngPurpose::kInit);
  arena->allocate(rng);
  return arena;
}

// Every float the arena holds (values, named states, buffers), for bitwise comparison.
std::vector<uint32_t> bitsOf(const ParameterArena& arena) {
  std::vector<uint32_t> bits;
  auto add = [&](const float* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) bits.push_back(std::bit_cast<uint32_t>(p[i]));
  };
  add(arena.values(), static_cast<std::size_t>(arena.size()));
  for (const auto& [name, s] : arena.states()) {
    for (char c : name) bits.push_back(static_cast<unsigned char>(c));
    add(s.data(), s.size());
  }
  add(arena.bufferStorage().data(), arena.bufferStorage().size());
  return bits;
}

uint64_t bitsOf(double v) { return std::bit_cast<uint64_t>(v); }

TrainerState sampleState() {
  TrainerState s;
  s.step = 123;
  s.optimizerSteps = 121;
  s.timedSeconds = 0.1 + 0.2;  // not representable in few digits
  s.evalSeconds = std::numeric_limits<double>::denorm_min();
  s.loggingSeconds = 4.9406564584124654e-320;  // another subnormal
  s.checkpointSeconds = -0.0;
  s.communicationSeconds = std::numeric_limits<double>::max();
  s.wallSeconds = 1.0 / 3.0;
  s.setupSeconds = 2.5;
  s.lossSinceEval = std::numeric_limits<double>::infinity();
  s.stepsSinceEval = 3;
  s.runningLoss = std::numeric_limits<double>::quiet_NaN();
  s.lastEvalTimed = std::nextafter(1.0, 2.0);
  s.startedAtUnix = 1700000000;
  s.resumes = 2;
  EvalRecord a;
  a.step = 20;
  a.epoch = 0.64;
  a.timedSeconds = 1e-300;
  a.wallSeconds = 7.25;
  a.trainLoss = -std::numeric_limits<double>::infinity();
  a.evalTrainLoss = std::numeric_limits<double>::quiet_NaN();
  a.evalTrainMetric = 0.875;
  a.validationLoss = 2.2250738585072009e-308;  // largest subnormal
  a.validationMetric = 0.1 * 3;
  a.learningRate = 0.05;
  a.extras = {{"eval_train/bits_per_byte", 1.0 / 7.0}, {"validation/perplexity", std::nan("")}};
  EvalRecord b = a;
  b.step = 40;
  b.extras.clear();
  b.trainLoss = 0.693147180559945;
  s.curve = {a, b};
  return s;
}

void expectSameDouble(double a, double b, const char* what) {
  if (std::isnan(a)) {
    EXPECT_TRUE(std::isnan(b)) << what;
    EXPECT_EQ(std::signbit(a), std::signbit(b)) << what;
  } else {
    EXPECT_EQ(bitsOf(a), bitsOf(b)) << what << ": " << a << " vs " << b;
  }
}

void expectSameState(const TrainerState& a, const TrainerState& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.optimizerSteps, b.optimizerSteps);
  expectSameDouble(a.timedSeconds, b.timedSeconds, "timedSeconds");
  expectSameDouble(a.evalSeconds, b.evalSeconds, "evalSeconds");
  expectSameDouble(a.loggingSeconds, b.loggingSeconds, "loggingSeconds");
  expectSameDouble(a.checkpointSeconds, b.checkpointSeconds, "checkpointSeconds");
  expectSameDouble(a.communicationSeconds, b.communicationSeconds, "communicationSeconds");
  expectSameDouble(a.wallSeconds, b.wallSeconds, "wallSeconds");
  expectSameDouble(a.setupSeconds, b.setupSeconds, "setupSeconds");
  expectSameDouble(a.lossSinceEval, b.lossSinceEval, "lossSinceEval");
  EXPECT_EQ(a.stepsSinceEval, b.stepsSinceEval);
  expectSameDouble(a.runningLoss, b.runningLoss, "runningLoss");
  expectSameDouble(a.lastEvalTimed, b.lastEvalTimed, "lastEvalTimed");
  EXPECT_EQ(a.startedAtUnix, b.startedAtUnix);
  EXPECT_EQ(a.resumes, b.resumes);
  ASSERT_EQ(a.initialValues.size(), b.initialValues.size());
  for (std::size_t i = 0; i < a.initialValues.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(a.initialValues[i]), std::bit_cast<uint32_t>(b.initialValues[i])) << "w_0[" << i << "]";
  ASSERT_EQ(a.curve.size(), b.curve.size());
  for (std::size_t i = 0; i < a.curve.size(); ++i) {
    const EvalRecord& x = a.curve[i];
    const EvalRecord& y = b.curve[i];
    EXPECT_EQ(x.step, y.step);
    expectSameDouble(x.epoch, y.epoch, "epoch");
    expectSameDouble(x.timedSeconds, y.timedSeconds, "curve timedSeconds");
    expectSameDouble(x.wallSeconds, y.wallSeconds, "curve wallSeconds");
    expectSameDouble(x.trainLoss, y.trainLoss, "trainLoss");
    expectSameDouble(x.evalTrainLoss, y.evalTrainLoss, "evalTrainLoss");
    expectSameDouble(x.evalTrainMetric, y.evalTrainMetric, "evalTrainMetric");
    expectSameDouble(x.validationLoss, y.validationLoss, "validationLoss");
    expectSameDouble(x.validationMetric, y.validationMetric, "validationMetric");
    expectSameDouble(x.learningRate, y.learningRate, "learningRate");
    ASSERT_EQ(x.extras.size(), y.extras.size());
    for (std::size_t k = 0; k < x.extras.size(); ++k) {
      EXPECT_EQ(x.extras[k].name, y.extras[k].name);
      expectSameDouble(x.extras[k].value, y.extras[k].value, "extra");
    }
  }
}

class TrialCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("gaplab_ckpt_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "run.h5.ckpt").string();
    identity_ = {trialIdOf("workload: a\nseed: 1\n"), "workload: a\nseed: 1\n", 1};
    origin_ = {"out/run.h5", "configs/a.yaml", "workload: a\n", {"seed=1", "threads=1"}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Fills values, three optimizer states and the buffers with distinct values,
  // including the awkward floats, and saves them.
  std::unique_ptr<ParameterArena> saveSample(const TrainerState& state) {
    auto arena = makeArena();
    float* v = arena->values();
    v[0] = std::numeric_limits<float>::denorm_min();
    v[1] = -0.0f;
    v[2] = std::numeric_limits<float>::infinity();
    v[3] = std::numeric_limits<float>::max();
    const char* names[] = {"exp_avg", "exp_avg_sq", "momentum"};
    for (int k = 0; k < 3; ++k) {
      float* s = arena->state(names[k]);
      for (int64_t i = 0; i < arena->size(); ++i) s[i] = static_cast<float>(k + 1) * 0.1f + static_cast<float>(i) * 1e-3f;
    }
    arena->state("exp_avg_sq")[2] = 1e-42f;  // subnormal
    float* buf = arena->bufferStorage().data();
    for (std::size_t i = 0; i < arena->bufferStorage().size(); ++i) buf[i] = 0.3f * static_cast<float>(i) + 0.01f;
    LocalCommunicator comm;
    TrialCheckpoint::save(path_, identity_, origin_, state, *arena, comm);
    return arena;
  }

  // Expects load() into a fresh arena to throw a CheckpointError mentioning the file
  // and `problem`, and the arena to be exactly as before.
  void expectRefused(const CheckpointIdentity& expected, const std::string& problem,
                     std::unique_ptr<ParameterArena> arena = nullptr) {
    if (!arena) arena = makeArena(5, 99);
    arena->state("exp_avg")[0] = 42.0f;
    const std::vector<uint32_t> before = bitsOf(*arena);
    try {
      TrialCheckpoint::load(path_, expected, 0, *arena);
      ADD_FAILURE() << "load() accepted a checkpoint that should be refused for: " << problem;
    } catch (const CheckpointError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(path_), std::string::npos) << "message does not name the file: " << m;
      EXPECT_NE(m.find(problem), std::string::npos) << "message does not say '" << problem << "': " << m;
    }
    EXPECT_EQ(bitsOf(*arena), before) << "a refused checkpoint changed the arena";
  }

  fs::path dir_;
  std::string path_;
  CheckpointIdentity identity_;
  CheckpointOrigin origin_;
};

TEST_F(TrialCheckpointTest, RoundTripIsBitExact) {
  const TrainerState saved = sampleState();
  auto original = saveSample(saved);
  auto restored = makeArena(5, 1234);  // same layout, other values, no states yet
  ASSERT_NE(bitsOf(*restored), bitsOf(*original));
  const TrainerState loaded = TrialCheckpoint::load(path_, identity_, 0, *restored);
  EXPECT_EQ(bitsOf(*restored), bitsOf(*original));
  ASSERT_EQ(restored->states().size(), 3u);
  EXPECT_EQ(std::bit_cast<uint32_t>(restored->values()[1]), std::bit_cast<uint32_t>(-0.0f));
  EXPECT_EQ(restored->state("exp_avg_sq")[2], 1e-42f);
  expectSameState(saved, loaded);
  // A quiet NaN keeps its bit pattern (the default NaN's payload is what %a can carry).
  EXPECT_EQ(bitsOf(loaded.runningLoss), bitsOf(std::numeric_limits<double>::quiet_NaN()));
}

TEST_F(TrialCheckpointTest, RoundTripOfAModelWithoutBuffersOrOptimizerState) {
  // LayerNorm MLPs and GPT models have no buffers; plain SGD has no state.
  auto make = [](uint64_t seed) {
    auto arena = std::make_unique<ParameterArena>();
    arena->addParameter("w", Shape{4, 3}, Init::uniform(1.0f));
    RngStream rng(seed, RngPurpose::kInit);
    arena->allocate(rng);
    return arena;
  };
  auto original = make(1);
  LocalCommunicator comm;
  TrialCheckpoint::save(path_, identity_, origin_, sampleState(), *original, comm);
  auto restored = make(2);
  TrialCheckpoint::load(path_, identity_, 0, *restored);
  EXPECT_EQ(bitsOf(*restored), bitsOf(*original));
  EXPECT_TRUE(restored->states().empty());
}

TEST_F(TrialCheckpointTest, SavingTwiceReplacesTheCheckpoint) {
  TrainerState s = sampleState();
  saveSample(s);
  s.step = 456;
  s.curve.pop_back();
  auto arena = saveSample(s);
  auto restored = makeArena();
  const TrainerState loaded = TrialCheckpoint::load(path_, identity_, 0, *restored);
  EXPECT_EQ(loaded.step, 456);
  EXPECT_EQ(loaded.curve.size(), 1u);
}

TEST_F(TrialCheckpointTest, PeekReportsIdentityOriginAndStep) {
  saveSample(sampleState());
  const CheckpointInfo info = TrialCheckpoint::peek(path_);
  EXPECT_EQ(info.identity.trialId, identity_.trialId);
  EXPECT_EQ(info.identity.configYaml, identity_.configYaml);
  EXPECT_EQ(info.identity.ranks, 1);
  EXPECT_EQ(info.step, 123);
  EXPECT_EQ(info.origin.resultsPath, origin_.resultsPath);
  EXPECT_EQ(info.origin.sourceName, origin_.sourceName);
  EXPECT_EQ(info.origin.sourceYaml, origin_.sourceYaml);
  EXPECT_EQ(info.origin.overrides, origin_.overrides);
  EXPECT_EQ(TrialCheckpoint::defaultPathFor("r/x.h5"), "r/x.h5.ckpt");
}

TEST_F(TrialCheckpointTest, AtomicWriteLeavesNoTemporaryFile) {
  saveSample(sampleState());
  saveSample(sampleState());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
  ASSERT_EQ(names.size(), 1u) << "left behind: " << ::testing::PrintToString(names);
  EXPECT_EQ(names[0], "run.h5.ckpt");
}

TEST_F(TrialCheckpointTest, FailedWriteLeavesNoTemporaryFileAndKeepsThePreviousCheckpoint) {
  saveSample(sampleState());
  // A directory where the checkpoint should go: the rename onto it fails.
  const std::string blocked = (dir_ / "blocked").string();
  fs::create_directories(fs::path(blocked) / "inside");
  auto arena = makeArena();
  LocalCommunicator comm;
  try {
    TrialCheckpoint::save(blocked, identity_, origin_, sampleState(), *arena, comm);
    ADD_FAILURE() << "saving onto a directory succeeded";
  } catch (const std::exception& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot move checkpoint"), std::string::npos) << m;
    EXPECT_EQ(m.find("Success"), std::string::npos) << "the reason was lost: " << m;
  }
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_EQ(TrialCheckpoint::peek(path_).step, 123);
}

TEST_F(TrialCheckpointTest, MissingFile) {
  expectRefused(identity_, "does not exist");
  EXPECT_THROW(TrialCheckpoint::peek(path_), CheckpointError);
}

TEST_F(TrialCheckpointTest, NotAnHdf5File) {
  std::ofstream(path_) << "just some text, not a checkpoint\n";
  expectRefused(identity_, "not a readable HDF5 file");
}

TEST_F(TrialCheckpointTest, AnHdf5FileThatIsNotACheckpoint) {
  hdfCreateFile(path_).close({"close", path_, ""});
  expectRefused(identity_, "not a gaplab checkpoint");
}

TEST_F(TrialCheckpointTest, TruncatedCheckpoint) {
  saveSample(sampleState());
  const auto size = fs::file_size(path_);
  ASSERT_GT(size, 1000u);
  fs::resize_file(path_, size / 2);
  expectRefused(identity_, "truncated");
  EXPECT_THROW(TrialCheckpoint::peek(path_), CheckpointError);
}

TEST_F(TrialCheckpointTest, CheckpointCutJustBeforeItsEnd) {
  saveSample(sampleState());
  fs::resize_file(path_, fs::file_size(path_) - 16);
  expectRefused(identity_, "checkpoint");
}

TEST_F(TrialCheckpointTest, AnotherFormatVersion) {
  saveSample(sampleState());
  {
    HdfFile file = hdfOpenFile(path_, HdfFileAccess::kReadWrite);
    hdfWriteIntAttribute(file.id(), TrialCheckpoint::kVersionAttribute, TrialCheckpoint::kFormatVersion + 1);
    file.close({"close", path_, ""});
  }
  expectRefused(identity_, "format version " + std::to_string(TrialCheckpoint::kFormatVersion + 1));
  EXPECT_THROW(TrialCheckpoint::peek(path_), CheckpointError);
}

TEST_F(TrialCheckpointTest, AnotherConfig) {
  saveSample(sampleState());
  CheckpointIdentity other = identity_;
  other.configYaml = "workload: a\nseed: 2\n";
  other.trialId = trialIdOf(other.configYaml);
  ASSERT_NE(other.trialId, identity_.trialId);
  expectRefused(other, "another config");
}

TEST_F(TrialCheckpointTest, AnotherRankCount) {
  saveSample(sampleState());
  CheckpointIdentity other = identity_;
  other.ranks = 2;
  expectRefused(other, "1 rank(s); this run has 2");
}

TEST_F(TrialCheckpointTest, AnotherModelLayout) {
  saveSample(sampleState());
  expectRefused(identity_, "another model layout", makeArena(6, 99));
}

TEST_F(TrialCheckpointTest, ChecksumMismatch) {
  saveSample(sampleState());
  {
    hdfSilenceErrorPrinting();
    HdfFile file = hdfOpenFile(path_, HdfFileAccess::kReadWrite);
    HdfDataset ds(H5Dopen2(file.id(), "values", H5P_DEFAULT), {"H5Dopen2", path_, "values"});
    const hsize_t start[1] = {4}, count[1] = {3};
    HdfDataspace fileSpace(H5Dget_space(ds.id()), {"H5Dget_space", path_, "values"});
    hdfCheck(H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr),
             {"H5Sselect_hyperslab", path_, "values"});
    HdfDataspace memSpace(H5Screate_simple(1, count, nullptr), {"H5Screate_simple", path_, "values"});
    const float junk[3] = {1.5f, -2.5f, 3.5f};
    hdfCheck(H5Dwrite(ds.id(), H5T_NATIVE_FLOAT, memSpace.id(), fileSpace.id(), H5P_DEFAULT, junk),
             {"H5Dwrite", path_, "values"});
    ds.close({"H5Dclose", path_, "values"});
    file.close({"H5Fclose", path_, ""});
  }
  expectRefused(identity_, "checksum mismatch");
}

// training.track_weight_distance: w_0 travels in /initial_values, bit for bit,
// it is covered by the checksum, and a checkpoint without it loads with none.
TEST_F(TrialCheckpointTest, InitialValuesRoundTripExactlyAndAreChecksummed) {
  TrainerState saved = sampleState();
  saved.initialValues.assign(20, 0.0f);  // makeArena(): 5x3 + 5 parameters
  for (std::size_t i = 0; i < saved.initialValues.size(); ++i) saved.initialValues[i] = 0.1f * static_cast<float>(i) - 0.7f;
  saved.initialValues[3] = -0.0f;
  saved.initialValues[4] = std::numeric_limits<float>::denorm_min();
  saveSample(saved);
  auto restored = makeArena(5, 1234);
  const TrainerState loaded = TrialCheckpoint::load(path_, identity_, 0, *restored);
  ASSERT_EQ(loaded.initialValues.size(), 20u);
  expectSameState(saved, loaded);

  {  // one changed initial value must be caught
    hdfSilenceErrorPrinting();
    HdfFile file = hdfOpenFile(path_, HdfFileAccess::kReadWrite);
    HdfDataset ds(H5Dopen2(file.id(), "initial_values", H5P_DEFAULT), {"H5Dopen2", path_, "initial_values"});
    std::vector<float> w0(20);
    hdfCheck(H5Dread(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w0.data()), {"H5Dread", path_, ""});
    w0[7] += 1.0f;
    hdfCheck(H5Dwrite(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w0.data()), {"H5Dwrite", path_, ""});
    ds.close({"H5Dclose", path_, "initial_values"});
    file.close({"H5Fclose", path_, ""});
  }
  expectRefused(identity_, "checksum mismatch");

  saveSample(sampleState());  // untracked: no /initial_values, none loaded
  auto plain = makeArena(5, 1234);
  EXPECT_TRUE(TrialCheckpoint::load(path_, identity_, 0, *plain).initialValues.empty());
}

TEST_F(TrialCheckpointTest, InitialValuesOfAnotherSizeAreNotWritten) {
  TrainerState s = sampleState();
  s.initialValues.assign(7, 1.0f);
  EXPECT_THROW(saveSample(s), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(TrialCheckpointTest, DamagedTrainerState) {
  saveSample(sampleState());
  {
    HdfFile file = hdfOpenFile(path_, HdfFileAccess::kReadWrite);
    hdfWriteStringAttribute(file.id(), "trainer_state", "step 123\noptimizer_steps twelve\n");
    file.close({"close", path_, ""});
  }
  expectRefused(identity_, "trainer_state");
}

}  // namespace
}  // namespace gaplab
