// slurm/slurm_client.cpp — see slurm_client.h.
#include "slurm/slurm_client.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace gaplab {
namespace {

// A temporary file removed on scope exit.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/gaplab-slurm-XXXXXX";
    const int fd = ::mkstemp(path_.data());
    if (fd < 0) throw SlurmError("cannot create a temporary file in " + path_ + ": " + std::strerror(errno));
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input) {
  TempFile in, out, err;
  std::ofstream(in.path()) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.path().c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.path().c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err.path().c_str(), O_WRONLY | O_TRUNC, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    throw SlurmError(argv[0] + " could not be started: " + std::strerror(spawned) +
                     (spawned == ENOENT ? " (not on PATH: install Debian's slurm-wlm, or load the cluster's Slurm module)"
                                        : ""));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ProcessResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = out.read();
  r.err = err.read();
  return r;
}

std::string submitBatchScript(const std::string& scriptPath) {
  const ProcessResult r = runProcess({"sbatch", "--parsable", scriptPath});
  if (r.exitCode != 0)
    throw SlurmError("sbatch refused the job (nothing was submitted): " +
                     trim(r.err.empty() ? r.out : r.err) + " (exit " + std::to_string(r.exitCode) + ")");
  std::string id = trim(r.out);
  if (const std::size_t semicolon = id.find(';'); semicolon != std::string::npos) id = id.substr(0, semicolon);  // "id;cluster"
  if (id.empty()) throw SlurmError("sbatch printed no job id: " + trim(r.err));
  return id;
}

std::vector<std::string> queueLines(const std::string& jobId) {
  const ProcessResult r = runProcess({"squeue", "-h", "-j", jobId, "-o", "%i %T %M %l %R"});
  std::vector<std::string> lines;
  if (r.exitCode != 0) return lines;  // "Invalid job id specified": it left the queue
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) lines.push_back(trim(line));
  return lines;
}

}  // namespace gaplab
