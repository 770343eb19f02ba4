// cli/csv_writer.h — RFC 4180 CSV files for `gaplab export`.
//
// Why: exported tables go to pandas, R, spreadsheets and python's csv module,
// and config YAML and failure messages contain commas, quotes and newlines; the
// quoting has to be exact and the numbers must round-trip bit for bit.
//
// Format: fields separated by ',', records ended by '\n' (LF; every CSV reader
// named above accepts it); a field that contains ',', '"', CR or LF is enclosed
// in double quotes with each '"' doubled; other fields are written as they are.
// Doubles are printed with %.17g (round-trips exactly), "inf", "-inf", "nan".
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace gaplab::cli {

// One field, quoted when RFC 4180 requires it.
std::string csvField(std::string_view text);
// A double as %.17g, with inf, -inf and nan spelled so.
std::string csvNumber(double value);

// A CSV file written to `<path>.tmp-<pid>` and renamed onto `path` by commit(),
// so that `path` never holds half a table. Without commit() the temporary file
// is removed. Throws std::runtime_error naming the path when it cannot be written.
class CsvFile {
 public:
  explicit CsvFile(std::string path);
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  ~CsvFile();

  // One record; every field is passed through csvField.
  void row(const std::vector<std::string>& fields);
  // Closes the temporary file and renames it onto the final path.
  void commit();

  const std::string& path() const { return path_; }
  int64_t rows() const { return rows_; }  // records written, header included

 private:
  std::string path_;
  std::string tmpPath_;
  std::ofstream out_;
  int64_t rows_ = 0;
  bool committed_ = false;
};

}  // namespace gaplab::cli
