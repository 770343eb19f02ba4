// core/data/idx_file.h — read and write IDX files (the MNIST / Fashion-MNIST format).
//
// Why: Fashion-MNIST ships as gzip-compressed IDX files (Debian's
// dataset-fashion-mnist). A file that is cut short, has bytes left over or a
// damaged gzip stream must fail loudly with the path and what was expected,
// never train silently on garbage.
//
// Format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
// 0x00 0x00 <type> <rank>, then `rank` big-endian uint32 dimensions, then the
// payload in row-major order. Only type 0x08 (unsigned byte) and rank 1..4 are
// accepted: 0x00000801 is a label vector [N], 0x00000803 an image stack [N, H, W].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gaplab {

// One IDX array: `dims` (each >= 1) and product(dims) bytes of row-major data.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

enum class IdxCompression { kGzip, kNone };

inline constexpr int kIdxMaxRank = 4;
inline constexpr uint8_t kIdxTypeUnsignedByte = 0x08;

// Reads a plain or gzip-compressed IDX file (zlib detects which from the
// content, not the name). Throws std::runtime_error naming the path, what was
// wrong and what was expected for: a missing or unreadable file, a bad magic
// number (zero bytes, type other than 0x08, rank outside 1..4), a zero or
// overflowing dimension, a truncated payload, trailing bytes after the
// payload, and a corrupt or truncated gzip stream.
IdxArray readIdxFile(const std::string& path);

// Writes `array` as an IDX file. Throws std::invalid_argument for a rank
// outside 1..4, a dimension < 1 or >= 2^32, or data.size() != product(dims);
// std::runtime_error naming the path when the file cannot be written.
void writeIdxFile(const std::string& path, const IdxArray& array, IdxCompression compression);

// Writes `bytes` verbatim (gzip-compressed or not). Tools and tests use it to
// produce files that are deliberately not valid IDX (short, with extra bytes).
void writeBytesFile(const std::string& path, const std::vector<uint8_t>& bytes, IdxCompression compression);

}  // namespace gaplab
