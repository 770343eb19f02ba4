// cli/format_duration.h — "12.3s", "4m05s", "2h10m": durations as progress lines show them.
#pragma once

#include <cstdio>
#include <string>

namespace gaplab::cli {

// "--" for a negative, NaN or absurdly large value (unknown).
inline std::string formatDuration(double s) {
  char buf[32];
  if (!(s >= 0) || s > 1e7) return "--";
  const int total = static_cast<int>(s + 0.5);
  if (total >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", total / 3600, total / 60 % 60);
  else if (total >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", total / 60, total % 60);
  else std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

}  // namespace gaplab::cli
