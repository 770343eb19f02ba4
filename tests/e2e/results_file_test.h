// tests/e2e/results_file_test.h — a test fixture with a fresh folder per test
// and store(): a results file holding the given trials.
//
// Also squeezed()/EXPECT_HAS for their printed tables.
//
// Why: the analysis commands' tests (analyze large-batch, continual, scaling,
// moe) each build small results files by hand and run gaplab on them; one
// fixture keeps the folder handling and the ResultStore writes in one place.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sweeps/result_store.h"
#include "workloads/trial_result.h"

namespace gaplab {

// `text` with runs of spaces folded into one, so checks do not depend on column widths.
inline std::string squeezed(const std::string& text) {
  std::string out;
  for (const char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

// The command's output (spaces folded) contains `text`.
#define EXPECT_HAS(o, text) \
  EXPECT_NE(squeezed((o).output).find(text), std::string::npos) << "expected '" << (text) << "' in:\n" << (o).output

class ResultsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("gaplab_results_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `trials` into the results file dir_/name and returns its path.
  std::string store(const std::string& name, const std::vector<TrialResult>& trials) {
    const std::string path = (dir_ / name).string();
    ResultStore s = ResultStore::create(path, OverwriteMode::kFail);
    for (const TrialResult& t : trials) s.append(t);
    s.commit();
    return path;
  }

  std::filesystem::path dir_;
};

}  // namespace gaplab
