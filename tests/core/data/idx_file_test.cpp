// tests/core/data/idx_file_test.cpp — round trips and every malformed-file error of the IDX reader.
#include "core/data/idx_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

namespace fs = std::filesystem;

class IdxFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_idx_" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// The message of the std::runtime_error `f` throws (a test failure if none).
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

std::vector<uint8_t> header(uint8_t type, std::vector<uint32_t> dims) {
  std::vector<uint8_t> b{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    b.insert(b.end(), {static_cast<uint8_t>(d >> 24), static_cast<uint8_t>(d >> 16), static_cast<uint8_t>(d >> 8),
                       static_cast<uint8_t>(d)});
  return b;
}

std::vector<uint8_t> readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Bytes that deflate cannot shrink much, so the .gz has a long body to damage.
std::vector<uint8_t> noisyBytes(std::size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t s = 12345;
  for (auto& b : v) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(s >> 24);
  }
  return v;
}

const IdxCompression kBoth[] = {IdxCompression::kGzip, IdxCompression::kNone};

TEST_F(IdxFileTest, RoundTripsImagesAndLabelsCompressedAndPlain) {
  IdxArray images{{3, 2, 4}, {}};
  for (int i = 0; i < 24; ++i) images.data.push_back(static_cast<uint8_t>(i * 10));
  const IdxArray labels{{3}, {7, 0, 9}};
  for (IdxCompression c : kBoth) {
    const std::string suffix = c == IdxCompression::kGzip ? ".gz" : "";
    writeIdxFile(path("images" + suffix), images, c);
    writeIdxFile(path("labels" + suffix), labels, c);
    const IdxArray gotImages = readIdxFile(path("images" + suffix));
    const IdxArray gotLabels = readIdxFile(path("labels" + suffix));
    EXPECT_EQ(gotImages.dims, images.dims);
    EXPECT_EQ(gotImages.data, images.data);
    EXPECT_EQ(gotLabels.dims, labels.dims);
    EXPECT_EQ(gotLabels.data, labels.data);
  }
  // The .gz really is gzip; the plain one starts with the magic number 0x00000803.
  const auto gz = readAll(path("images.gz"));
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(gz[0], 0x1F);
  EXPECT_EQ(gz[1], 0x8B);
  const auto plain = readAll(path("images"));
  EXPECT_EQ(std::vector<uint8_t>(plain.begin(), plain.begin() + 4), (std::vector<uint8_t>{0, 0, 8, 3}));
  EXPECT_EQ(plain.size(), 4u + 12u + 24u);
}

TEST_F(IdxFileTest, ReadsRankFourAndLargePayloads) {
  IdxArray a{{2, 3, 50, 100}, noisyBytes(30000)};
  writeIdxFile(path("a.gz"), a, IdxCompression::kGzip);
  const IdxArray got = readIdxFile(path("a.gz"));
  EXPECT_EQ(got.dims, a.dims);
  EXPECT_EQ(got.data, a.data);
}

TEST_F(IdxFileTest, RejectsBadMagicNumber) {
  for (IdxCompression c : kBoth) {
    std::vector<uint8_t> floatType = header(0x0D, {2});
    floatType.insert(floatType.end(), 8, 0);
    writeBytesFile(path("float"), floatType, c);
    std::string msg = runtimeErrorOf([&] { readIdxFile(path("float")); });
    EXPECT_NE(msg.find(path("float")), std::string::npos) << msg;
    EXPECT_NE(msg.find("type byte is 0x0D"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected 0x08"), std::string::npos) << msg;

    writeBytesFile(path("junk"), {'P', 'K', 3, 4, 0, 0, 0, 0}, c);
    msg = runtimeErrorOf([&] { readIdxFile(path("junk")); });
    EXPECT_NE(msg.find("bad magic number 0x504B0304"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0x00000803"), std::string::npos) << msg;

    for (uint8_t rank : {uint8_t{0}, uint8_t{5}}) {
      writeBytesFile(path("rank"), {0, 0, 8, rank, 0, 0, 0, 1, 0, 0, 0, 1}, c);
      msg = runtimeErrorOf([&] { readIdxFile(path("rank")); });
      EXPECT_NE(msg.find("rank byte is " + std::to_string(rank)), std::string::npos) << msg;
      EXPECT_NE(msg.find("expected 1..4"), std::string::npos) << msg;
    }
  }
}

TEST_F(IdxFileTest, RejectsZeroDimensionAndShortHeader) {
  writeBytesFile(path("zero"), header(8, {0, 28}), IdxCompression::kNone);
  std::string msg = runtimeErrorOf([&] { readIdxFile(path("zero")); });
  EXPECT_NE(msg.find("dimension 0 is 0"), std::string::npos) << msg;

  writeBytesFile(path("short"), {0, 0, 8, 3, 0, 0, 0, 5, 0, 0}, IdxCompression::kGzip);
  msg = runtimeErrorOf([&] { readIdxFile(path("short")); });
  EXPECT_NE(msg.find("truncated header: expected 12 bytes of dimensions"), std::string::npos) << msg;
  EXPECT_NE(msg.find("found 6"), std::string::npos) << msg;

  writeBytesFile(path("empty"), {}, IdxCompression::kNone);
  msg = runtimeErrorOf([&] { readIdxFile(path("empty")); });
  EXPECT_NE(msg.find("expected a 4-byte magic number, found 0"), std::string::npos) << msg;
}

TEST_F(IdxFileTest, RejectsTruncatedPayload) {
  for (IdxCompression c : kBoth) {
    std::vector<uint8_t> bytes = header(8, {2, 3, 3});  // 18 bytes of pixels expected
    bytes.insert(bytes.end(), 10, 0x7F);
    writeBytesFile(path("images"), bytes, c);
    const std::string msg = runtimeErrorOf([&] { readIdxFile(path("images")); });
    EXPECT_NE(msg.find(path("images")), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated: expected 18 bytes of pixel data for dims [2, 3, 3] after the 16-byte header, "
                       "found 10"),
              std::string::npos)
        << msg;
  }
  std::vector<uint8_t> labels = header(8, {5});
  labels.insert(labels.end(), {1, 2});
  writeBytesFile(path("labels"), labels, IdxCompression::kNone);
  const std::string msg = runtimeErrorOf([&] { readIdxFile(path("labels")); });
  EXPECT_NE(msg.find("expected 5 bytes of label data"), std::string::npos) << msg;
}

TEST_F(IdxFileTest, RejectsTrailingBytes) {
  for (IdxCompression c : kBoth) {
    std::vector<uint8_t> bytes = header(8, {4});
    bytes.insert(bytes.end(), {1, 2, 3, 4, 5, 6, 7});
    writeBytesFile(path("labels"), bytes, c);
    const std::string msg = runtimeErrorOf([&] { readIdxFile(path("labels")); });
    EXPECT_NE(msg.find(path("labels")), std::string::npos) << msg;
    EXPECT_NE(msg.find("found 3 trailing bytes after the 4 bytes of label data"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected the file to end there"), std::string::npos) << msg;
  }
}

TEST_F(IdxFileTest, RejectsCorruptGzipStream) {
  const IdxArray a{{40, 50, 50}, noisyBytes(100000)};
  writeIdxFile(path("good.gz"), a, IdxCompression::kGzip);
  const std::vector<uint8_t> good = readAll(path("good.gz"));
  ASSERT_GT(good.size(), 1000u);
  // Flip bytes in the middle of the compressed body: either inflate fails or the CRC does.
  for (std::size_t at : {good.size() / 2, good.size() / 3, good.size() - 100}) {
    std::vector<uint8_t> bad = good;
    for (std::size_t i = at; i < at + 8; ++i) bad[i] ^= 0xA5;
    writeAll(path("bad.gz"), bad);
    const std::string msg = runtimeErrorOf([&] { readIdxFile(path("bad.gz")); });
    EXPECT_NE(msg.find(path("bad.gz")), std::string::npos) << msg;
    EXPECT_NE(msg.find("corrupt gzip stream"), std::string::npos) << msg;
  }
  // A .gz cut short.
  writeAll(path("cut.gz"), std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(good.size() / 2)));
  const std::string msg = runtimeErrorOf([&] { readIdxFile(path("cut.gz")); });
  EXPECT_NE(msg.find(path("cut.gz")), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  // Only the CRC trailer damaged: all payload bytes arrive, the check still fails.
  std::vector<uint8_t> badCrc = good;
  badCrc[badCrc.size() - 6] ^= 0x01;
  writeAll(path("crc.gz"), badCrc);
  const std::string crcMsg = runtimeErrorOf([&] { readIdxFile(path("crc.gz")); });
  EXPECT_NE(crcMsg.find("corrupt gzip stream"), std::string::npos) << crcMsg;
}

TEST_F(IdxFileTest, MissingFileNamesThePath) {
  const std::string missing = path("no-such-file-idx3-ubyte.gz");
  const std::string msg = runtimeErrorOf([&] { readIdxFile(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
  const std::string dirMsg = runtimeErrorOf([&] { readIdxFile(dir_.string()); });
  EXPECT_NE(dirMsg.find("is a directory"), std::string::npos) << dirMsg;
}

TEST_F(IdxFileTest, WriterValidatesItsInput) {
  EXPECT_THROW(writeIdxFile(path("x"), IdxArray{{2, 2}, {1, 2, 3}}, IdxCompression::kNone), std::invalid_argument);
  EXPECT_THROW(writeIdxFile(path("x"), IdxArray{{}, {}}, IdxCompression::kNone), std::invalid_argument);
  EXPECT_THROW(writeIdxFile(path("x"), IdxArray{{1, 1, 1, 1, 1}, {0}}, IdxCompression::kNone), std::invalid_argument);
  EXPECT_THROW(writeIdxFile(path("x"), IdxArray{{0}, {}}, IdxCompression::kNone), std::invalid_argument);
  const std::string msg = runtimeErrorOf(
      [&] { writeIdxFile(path("no-such-dir/x.gz"), IdxArray{{1}, {0}}, IdxCompression::kGzip); });
  EXPECT_NE(msg.find(path("no-such-dir/x.gz")), std::string::npos) << msg;
}

}  // namespace
}  // namespace gaplab
