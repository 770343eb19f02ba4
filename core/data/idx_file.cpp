// core/data/idx_file.cpp — IDX reading through zlib (plain files pass through
// gzread transparently), with every malformed case reported against the path.
#include "core/data/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace gaplab {
namespace {

constexpr unsigned kGzBufferBytes = 1u << 20;          // zlib's input buffer; 8 KiB default is slow
constexpr std::size_t kReadChunkBytes = 64u << 20;     // bounded reads: gzread takes an unsigned
constexpr int64_t kMaxPayloadBytes = int64_t{1} << 40; // a header claiming more is corrupt

struct GzCloser {
  void operator()(gzFile_s* f) const {
    if (f) gzclose(f);
  }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

std::string hexByte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

std::string dimsToString(const std::vector<int64_t>& dims) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  os << ']';
  return os.str();
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("IDX file " + path + ": " + what);
}

// zlib's message without the "<path>: " it puts in front (the path is already said).
std::string zlibMessage(gzFile file, const std::string& path, int* code) {
  const char* msg = gzerror(file, code);
  std::string text = msg && *msg ? msg : "unknown zlib error";
  const std::string prefix = path + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
  return text;
}

// Reads up to `count` bytes; returns how many arrived. Stops early only at end
// of stream or on error (the caller checks gzerror afterwards).
std::size_t readUpTo(gzFile file, uint8_t* out, std::size_t count, const std::string& path) {
  std::size_t got = 0;
  while (got < count) {
    const auto want = static_cast<unsigned>(std::min(count - got, kReadChunkBytes));
    const int n = gzread(file, out + got, want);
    if (n < 0) {
      int code = Z_OK;
      const std::string msg = zlibMessage(file, path, &code);
      if (code == Z_ERRNO) fail(path, std::string("read error: ") + std::strerror(errno));
      fail(path, "corrupt gzip stream (" + msg + "); expected a valid gzip or plain IDX file");
    }
    got += static_cast<std::size_t>(n);
    if (static_cast<unsigned>(n) < want) break;
  }
  return got;
}

// Throws if zlib recorded an error (bad deflate data, CRC mismatch, cut-off stream).
void checkStream(gzFile file, const std::string& path) {
  int code = Z_OK;
  const std::string detail = zlibMessage(file, path, &code);
  if (code == Z_OK || code == Z_STREAM_END) return;
  if (code == Z_BUF_ERROR)
    fail(path, "truncated gzip stream (" + detail + "); expected a complete gzip file ending in its CRC trailer");
  if (code == Z_ERRNO) fail(path, std::string("read error: ") + std::strerror(errno));
  fail(path, "corrupt gzip stream (" + detail + "); expected a valid gzip or plain IDX file");
}

uint32_t bigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

const char* payloadName(std::size_t rank) { return rank == 1 ? "label data" : rank == 3 ? "pixel data" : "data"; }

int64_t checkedPayloadBytes(const std::vector<int64_t>& dims, const char* context) {
  if (dims.empty() || dims.size() > static_cast<std::size_t>(kIdxMaxRank))
    throw std::invalid_argument(std::string(context) + ": rank " + std::to_string(dims.size()) +
                                " is not supported; expected 1.." + std::to_string(kIdxMaxRank));
  int64_t bytes = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 1 || dims[i] > int64_t{std::numeric_limits<uint32_t>::max()})
      throw std::invalid_argument(std::string(context) + ": dimension " + std::to_string(i) + " is " +
                                  std::to_string(dims[i]) + "; expected 1..4294967295");
    if (bytes > kMaxPayloadBytes / dims[i])
      throw std::invalid_argument(std::string(context) + ": dimensions " + dimsToString(dims) +
                                  " describe more than 2^40 bytes; expected a plausible array size");
    bytes *= dims[i];
  }
  return bytes;
}

}  // namespace

IdxArray readIdxFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw std::runtime_error("IDX file " + path + ": no such file; expected an IDX file (.gz or plain) at this path");
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("IDX file " + path + ": is a directory; expected an IDX file");

  errno = 0;
  GzHandle file(gzopen(path.c_str(), "rb"));
  if (!file)
    fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "zlib could not allocate its state"));
  gzbuffer(file.get(), kGzBufferBytes);

  uint8_t magic[4];
  const std::size_t magicGot = readUpTo(file.get(), magic, 4, path);
  checkStream(file.get(), path);
  if (magicGot < 4)
    fail(path, "truncated: expected a 4-byte magic number, found " + std::to_string(magicGot) + " bytes");
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, "bad magic number " + hexByte(magic[0]) + hexByte(magic[1]).substr(2) + hexByte(magic[2]).substr(2) +
                   hexByte(magic[3]).substr(2) + ": the first two bytes must be 0x00 0x00; expected 0x00000801 "
                   "(labels) or 0x00000803 (images)");
  if (magic[2] != kIdxTypeUnsignedByte)
    fail(path, "bad magic number: type byte is " + hexByte(magic[2]) + "; expected " +
                   hexByte(kIdxTypeUnsignedByte) + " (unsigned byte), the only type supported");
  const int rank = magic[3];
  if (rank < 1 || rank > kIdxMaxRank)
    fail(path, "bad magic number: rank byte is " + std::to_string(rank) + "; expected 1.." +
                   std::to_string(kIdxMaxRank));

  uint8_t dimBytes[4 * kIdxMaxRank];
  const std::size_t dimGot = readUpTo(file.get(), dimBytes, 4u * static_cast<unsigned>(rank), path);
  checkStream(file.get(), path);
  if (dimGot < 4u * static_cast<unsigned>(rank))
    fail(path, "truncated header: expected " + std::to_string(4 * rank) + " bytes of dimensions for rank " +
                   std::to_string(rank) + ", found " + std::to_string(dimGot));

  IdxArray out;
  for (int i = 0; i < rank; ++i) out.dims.push_back(bigEndian32(dimBytes + 4 * i));
  int64_t expected = 0;
  try {
    expected = checkedPayloadBytes(out.dims, "header");
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("bad ") + e.what());
  }

  // Decompress once straight into the result buffer.
  out.data.resize(static_cast<std::size_t>(expected));
  const std::size_t got = readUpTo(file.get(), out.data.data(), out.data.size(), path);
  // Drain what follows: it reaches the gzip CRC check and counts trailing bytes.
  std::size_t trailing = 0;
  if (got == out.data.size()) {
    uint8_t scratch[4096];
    std::size_t n;
    while ((n = readUpTo(file.get(), scratch, sizeof scratch, path)) > 0) trailing += n;
  }
  checkStream(file.get(), path);
  const int headerBytes = 4 + 4 * rank;
  if (got < out.data.size())
    fail(path, "truncated: expected " + std::to_string(expected) + " bytes of " + payloadName(out.dims.size()) +
                   " for dims " + dimsToString(out.dims) + " after the " + std::to_string(headerBytes) +
                   "-byte header, found " + std::to_string(got));
  if (trailing > 0)
    fail(path, "found " + std::to_string(trailing) + " trailing bytes after the " + std::to_string(expected) +
                   " bytes of " + payloadName(out.dims.size()) + " for dims " + dimsToString(out.dims) +
                   "; expected the file to end there");
  return out;
}

void writeBytesFile(const std::string& path, const std::vector<uint8_t>& bytes, IdxCompression compression) {
  errno = 0;
  GzHandle file(gzopen(path.c_str(), compression == IdxCompression::kGzip ? "wb6" : "wbT"));
  if (!file)
    throw std::runtime_error("cannot open " + path + " for writing: " +
                             (errno ? std::strerror(errno) : "zlib could not allocate its state"));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto want = static_cast<unsigned>(std::min(bytes.size() - done, kReadChunkBytes));
    const int n = gzwrite(file.get(), bytes.data() + done, want);
    if (n <= 0) {
      int code = Z_OK;
      throw std::runtime_error("write to " + path + " failed: " + zlibMessage(file.get(), path, &code));
    }
    done += static_cast<std::size_t>(n);
  }
  const int rc = gzclose(file.release());
  if (rc != Z_OK)
    throw std::runtime_error("closing " + path + " failed (zlib code " + std::to_string(rc) +
                             "); the file may be incomplete");
}

void writeIdxFile(const std::string& path, const IdxArray& array, IdxCompression compression) {
  const int64_t expected = checkedPayloadBytes(array.dims, ("writeIdxFile " + path).c_str());
  if (static_cast<int64_t>(array.data.size()) != expected)
    throw std::invalid_argument("writeIdxFile " + path + ": " + std::to_string(array.data.size()) +
                                " bytes of data for dims " + dimsToString(array.dims) + "; expected " +
                                std::to_string(expected));
  std::vector<uint8_t> bytes;
  bytes.reserve(4 + 4 * array.dims.size() + array.data.size());
  bytes.insert(bytes.end(), {0, 0, kIdxTypeUnsignedByte, static_cast<uint8_t>(array.dims.size())});
  for (int64_t d : array.dims) {
    const auto v = static_cast<uint32_t>(d);
    bytes.insert(bytes.end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                               static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
  }
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  writeBytesFile(path, bytes, compression);
}

}  // namespace gaplab
