// core/config/config_error.h — the one exception type for bad configuration.
//
// Why: the CLI maps it to its own exit code, and every message follows one
// shape: "<file>:<line>: <key>: <what was wrong>; expected <what>".
#pragma once

#include <stdexcept>
#include <string>

namespace gaplab {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gaplab
