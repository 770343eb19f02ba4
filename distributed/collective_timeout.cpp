// distributed/collective_timeout.cpp — see collective_timeout.h.
#include "distributed/collective_timeout.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gaplab {

double parseNcclTimeoutSeconds(const char* text) {
  if (text == nullptr) return kDefaultNcclTimeoutSeconds;
  const char* begin = text;
  while (std::isspace(static_cast<unsigned char>(*begin))) ++begin;
  if (*begin == '\0') return kDefaultNcclTimeoutSeconds;
  errno = 0;
  char* end = nullptr;
  const double seconds = std::strtod(begin, &end);
  while (end != nullptr && std::isspace(static_cast<unsigned char>(*end))) ++end;
  if (end == begin || end == nullptr || *end != '\0' || errno == ERANGE || !std::isfinite(seconds) || seconds <= 0.0)
    throw std::invalid_argument(std::string(kNcclTimeoutVariable) + "='" + text +
                                "': expected a positive number of seconds (default " +
                                std::to_string(static_cast<int>(kDefaultNcclTimeoutSeconds)) + ")");
  return seconds;
}

double ncclTimeoutSecondsFromEnvironment() { return parseNcclTimeoutSeconds(std::getenv(kNcclTimeoutVariable)); }

}  // namespace gaplab
