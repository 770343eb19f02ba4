// tests/core/hdf5_handle_test.cpp — HDF5 ids are closed exactly once and failures carry context.
//
// Why: every HDF5 file gaplab writes (results, checkpoints) goes through these
// handles; a leaked id keeps a file open (and locked), a double close corrupts
// HDF5's id table, and a bare "-1" from HDF5 tells a user nothing.
#include "core/hdf5_handle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace gaplab {
namespace {

static_assert(!std::is_copy_constructible_v<HdfFile>);
static_assert(!std::is_copy_assignable_v<HdfDataset>);
static_assert(std::is_nothrow_move_constructible_v<HdfGroup>);
static_assert(std::is_nothrow_move_assignable_v<HdfAttribute>);

class Hdf5HandleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("gaplab_hdf5_handle_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string pathOf(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

std::string messageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected std::runtime_error";
  return "";
}

TEST_F(Hdf5HandleTest, CheckPassesNonNegativeValuesThrough) {
  EXPECT_EQ(hdfCheck(0, {"H5Xsomething", "a.h5", ""}), 0);
  EXPECT_EQ(hdfCheck(42, {"H5Xsomething", "a.h5", ""}), 42);
}

TEST_F(Hdf5HandleTest, CheckThrowsWithOperationPathAndObject) {
  std::string message = messageOf([] { hdfCheck(-1, {"H5Dwrite", "results.h5", "/summary"}); });
  EXPECT_NE(message.find("H5Dwrite"), std::string::npos) << message;
  EXPECT_NE(message.find("results.h5"), std::string::npos) << message;
  EXPECT_NE(message.find("/summary"), std::string::npos) << message;
}

TEST_F(Hdf5HandleTest, MissingFileThrowsWithHdf5ReasonAndPrintsNothing) {
  std::string path = pathOf("missing.h5");
  ::testing::internal::CaptureStderr();
  std::string message = messageOf([&] { hdfOpenFile(path, HdfFileAccess::kReadOnly); });
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("H5Fopen"), std::string::npos) << message;
  // The HDF5 error stack's explanation is in the exception, not on stderr.
  EXPECT_NE(message.find("unable to open file"), std::string::npos) << message;
  EXPECT_EQ(printed, "");
}

TEST_F(Hdf5HandleTest, TextFileIsNotHdf5AndOpeningItThrowsNamingIt) {
  std::string path = pathOf("notes.txt");
  std::ofstream(path) << "this is not an HDF5 file\n";
  EXPECT_FALSE(hdfIsHdf5File(path));
  EXPECT_FALSE(hdfIsHdf5File(pathOf("absent.h5")));
  std::string message = messageOf([&] { hdfOpenFile(path, HdfFileAccess::kReadOnly); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("signature"), std::string::npos) << message;
}

TEST_F(Hdf5HandleTest, HandleClosesOnScopeExitAndMovesOwnership) {
  std::string path = pathOf("handles.h5");
  HdfFile file = hdfCreateFile(path);
  EXPECT_TRUE(hdfIsHdf5File(path));
  EXPECT_EQ(hdfFileName(file.id()), path);
  const int64_t baseline = hdfOpenObjectCount(file);
  HdfId groupId = -1;
  {
    HdfGroup group = hdfCreateGroup(file, "first");
    groupId = group.id();
    EXPECT_TRUE(group.owns());
    EXPECT_TRUE(hdfIsValid(groupId));
    EXPECT_EQ(hdfOpenObjectCount(file), baseline + 1);

    HdfGroup moved = std::move(group);
    EXPECT_FALSE(group.owns());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_EQ(group.id(), -1);
    EXPECT_EQ(moved.id(), groupId);
    EXPECT_TRUE(hdfIsValid(groupId));
  }
  EXPECT_FALSE(hdfIsValid(groupId));
  EXPECT_EQ(hdfOpenObjectCount(file), baseline);
}

TEST_F(Hdf5HandleTest, MoveAssignmentClosesThePreviousObject) {
  HdfFile file = hdfCreateFile(pathOf("assign.h5"));
  HdfGroup first = hdfCreateGroup(file, "first");
  HdfGroup second = hdfCreateGroup(file, "second");
  HdfId firstId = first.id();
  HdfId secondId = second.id();
  first = std::move(second);
  EXPECT_FALSE(hdfIsValid(firstId));
  EXPECT_TRUE(hdfIsValid(secondId));
  EXPECT_EQ(first.id(), secondId);
}

TEST_F(Hdf5HandleTest, ReleaseGivesUpOwnershipAndCloseClosesNow) {
  HdfFile file = hdfCreateFile(pathOf("release.h5"));
  HdfGroup group = hdfCreateGroup(file, "g");
  HdfId id = group.release();
  EXPECT_FALSE(group.owns());
  EXPECT_TRUE(hdfIsValid(id));
  HdfGroup adopted(id, {"adopt", "release.h5", "g"});
  adopted.close({"H5Gclose", "release.h5", "g"});
  EXPECT_FALSE(adopted.owns());
  EXPECT_FALSE(hdfIsValid(id));
  adopted.close({"H5Gclose", "release.h5", "g"});  // closing an empty handle does nothing
}

TEST_F(Hdf5HandleTest, ClosedFileCanBeReopenedWithTheGroupInIt) {
  std::string path = pathOf("reopen.h5");
  {
    HdfFile file = hdfCreateFile(path);
    HdfGroup group = hdfCreateGroup(file, "kept");
    group.close({"H5Gclose", path, "kept"});
    file.close({"H5Fclose", path, ""});
    EXPECT_FALSE(file.owns());
  }
  HdfFile file = hdfOpenFile(path, HdfFileAccess::kReadWrite);
  std::string message = messageOf([&] { hdfCreateGroup(file, "kept"); });  // already exists
  EXPECT_NE(message.find("kept"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST_F(Hdf5HandleTest, AdoptingANegativeIdThrows) {
  EXPECT_THROW(HdfDataset(-1, {"H5Dopen2", "x.h5", "/missing"}), std::runtime_error);
}

TEST_F(Hdf5HandleTest, KindsHaveNames) {
  EXPECT_EQ(toString(HdfKind::kPropertyList), "property list");
  EXPECT_EQ(HdfAttribute::kKind, HdfKind::kAttribute);
  EXPECT_EQ(toString(HdfDataspace::kKind), "dataspace");
}

}  // namespace
}  // namespace gaplab
