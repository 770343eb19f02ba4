// tests/e2e/gaplab_process.h — runs the built gaplab binary (or any shell
// command) for the end-to-end tests and captures its output and exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace gaplab::e2e {

inline const std::string kGaplab = std::string(GAPLAB_BINARY_DIR) + "/cli/gaplab";

struct Outcome {
  int exitCode = -1;
  std::string output;  // what the command wrote to stdout (stderr too when redirected there)
};

// Runs `command` with /bin/sh and waits for it.
inline Outcome runShell(const std::string& command) {
  Outcome o;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return o;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) o.output.append(buf.data(), n);
  const int status = pclose(pipe);
  o.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

// `gaplab <args>` with stdout and stderr together.
inline Outcome runGaplab(const std::string& args) { return runShell(kGaplab + " " + args + " 2>&1"); }

}  // namespace gaplab::e2e
