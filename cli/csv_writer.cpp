// cli/csv_writer.cpp — see csv_writer.h.
#include "cli/csv_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace gaplab::cli {

std::string csvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string csvNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

CsvFile::CsvFile(std::string path)
    : path_(std::move(path)), tmpPath_(path_ + ".tmp-" + std::to_string(::getpid())) {
  out_.open(tmpPath_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot write CSV file " + tmpPath_ + ": " + std::strerror(errno));
}

CsvFile::~CsvFile() {
  if (committed_) return;
  out_.close();
  std::remove(tmpPath_.c_str());
}

void CsvFile::row(const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out_ << ',';
    out_ << csvField(fields[i]);
  }
  out_ << '\n';
  ++rows_;
}

void CsvFile::commit() {
  out_.close();
  if (!out_) throw std::runtime_error("cannot write CSV file " + tmpPath_ + " (disk full?)");
  if (std::rename(tmpPath_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmpPath_ + " to " + path_ + ": " + std::strerror(errno));
  committed_ = true;
}

}  // namespace gaplab::cli
