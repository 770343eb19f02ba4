// cli/analysis_format.h — cell formatting shared by the `gaplab analyze` tables.
//
// Why: every study's table prints a value over seeds as "mean ± std" in padded
// columns; one definition keeps the tables alike (and "±", two bytes but one
// column, padded right) instead of a copy per command.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "sweeps/spread.h"

namespace gaplab::cli {

// "0.8812 ± 0.0012"; "-" for no value.
inline std::string meanStd(const Spread& s, const char* format = "%.4f") {
  if (s.count == 0 || !std::isfinite(s.mean)) return "-";
  char a[32], b[32];
  std::snprintf(a, sizeof a, format, s.mean);
  std::snprintf(b, sizeof b, format, s.std);
  return std::string(a) + " ± " + b;
}

// `text` padded with spaces to `width` columns; printf's width counts bytes,
// and "±" is two bytes but one column.
inline std::string pad(const std::string& text, std::size_t width) {
  std::size_t columns = 0;
  for (const unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++columns;
  return columns >= width ? text : text + std::string(width - columns, ' ');
}

}  // namespace gaplab::cli
