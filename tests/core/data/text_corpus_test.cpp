// tests/core/data/text_corpus_test.cpp — '%'-record parsing, what the directory
// scan skips, the error messages, and the real Debian fortune corpora.
#include "core/data/text_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

class TextCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_corpus_" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }

  fs::path dir_;
};

template <class F>
std::string runtimeErrorOf(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a std::runtime_error";
  return "";
}

TEST(ParseFortuneRecords, SplitsOnPercentLinesAndDropsEmptyRecords) {
  const std::string content = "first line\nsecond line\n%\n%\n  \n%\nthird\n%\r\nlast has 100% inside\n";
  const std::vector<std::string> r = parseFortuneRecords(content);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "first line\nsecond line");
  EXPECT_EQ(r[1], "third");
  EXPECT_EQ(r[2], "last has 100% inside");
}

TEST(ParseFortuneRecords, KeepsBlankLinesInsideARecordAndHandlesNoFinalNewline) {
  const std::vector<std::string> r = parseFortuneRecords("a\n\nb\n%\nc");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], "a\n\nb");
  EXPECT_EQ(r[1], "c");
  EXPECT_TRUE(parseFortuneRecords("").empty());
  EXPECT_TRUE(parseFortuneRecords("%\n%\n").empty());
}

TEST_F(TextCorpusTest, ReadsFilesInSortedOrderAndSkipsIndexAliasesDirectoriesAndBinaries) {
  write("zeta", "z1\n%\nz2\n%\n");
  write("alpha", "a1\n%\n\n%\na2 line 1\na2 line 2\n%\n");  // the middle record is empty
  write("alpha.dat", "\0\0\0\2\0\0\0\3binary index"s);
  fs::create_symlink("alpha", dir_ / "alpha.u8");
  write("middle", "looks like text\n%\nbut has a NUL \0 byte\n"s);
  fs::create_directories(dir_ / "sub");
  std::ofstream(dir_ / "sub" / "inner") << "inner record\n%\n";

  const TextCorpus c = loadFortuneCorpus(dir_.string(), "tiny");
  EXPECT_EQ(c.name, "tiny");
  ASSERT_EQ(c.records.size(), 4u);
  EXPECT_EQ(c.records[0], "a1");
  EXPECT_EQ(c.records[1], "a2 line 1\na2 line 2");
  EXPECT_EQ(c.records[2], "z1");
  EXPECT_EQ(c.records[3], "z2");
  EXPECT_EQ(c.bytes(), 2 + 19 + 2 + 2);
}

TEST_F(TextCorpusTest, MissingDirectoryNamesPathAndPackage) {
  const std::string missing = (dir_ / "nope").string();
  const std::string msg = runtimeErrorOf([&] { loadFortuneCorpus(missing, "x"); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("fortunes (English) / fortunes-de (German)"), std::string::npos) << msg;

  const std::string german = runtimeErrorOf([&] { loadFortuneCorpus((dir_ / "games" / "de").string(), "x"); });
  EXPECT_NE(german.find("fortunes-de"), std::string::npos) << german;
}

TEST(TextCorpus, MissingDebianDirectoriesNameTheirPackages) {
  // Only the hint matters here; the paths under a non-existent root never exist.
  try {
    loadFortuneCorpus("/nonexistent-gaplab-root/usr/share/games/fortunes/de", "x");
    ADD_FAILURE() << "expected a std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install fortunes-de"), std::string::npos) << e.what();
  }
}

TEST_F(TextCorpusTest, DirectoryWithoutRecordsIsAnError) {
  write("empty", "%\n  \n%\n");
  write("index.dat", "\0\1"s);
  const std::string msg = runtimeErrorOf([&] { loadFortuneCorpus(dir_.string(), "x"); });
  EXPECT_NE(msg.find("no fortune records found in " + dir_.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("separated by lines holding '%'"), std::string::npos) << msg;
}

void checkRealCorpus(const char* directory, const std::string& name) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) GTEST_SKIP() << directory << " is not installed";
  const TextCorpus c = loadFortuneCorpus(directory, name);
  std::cout << "[ corpus   ] " << name << " (" << directory << "): " << c.records.size() << " records, " << c.bytes()
            << " bytes\n";
  EXPECT_GT(c.records.size(), 1000u);
  EXPECT_GT(c.bytes(), 100000);
  for (const std::string& r : c.records) {
    ASSERT_FALSE(r.empty());
    ASSERT_EQ(r.find('\0'), std::string::npos);
    ASSERT_NE(r, "%");
  }
  // Loading is deterministic.
  EXPECT_EQ(loadFortuneCorpus(directory, name).records, c.records);
}

TEST(TextCorpus, RealEnglishFortunes) { checkRealCorpus(kFortunesEnglishDir, "fortunes-en"); }
TEST(TextCorpus, RealGermanFortunes) { checkRealCorpus(kFortunesGermanDir, "fortunes-de"); }

}  // namespace
}  // namespace gaplab
