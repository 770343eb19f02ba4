// workloads/trial_checkpoint.cpp — see trial_checkpoint.h.
//
// File layout (format version 1):
//   attributes  gaplab_checkpoint_version, trial_id, config_yaml, results_path,
//               source_name, source_yaml, overrides (one per line), ranks, step, checksum (FNV-1a 64 of every stored float, hex),
//               trainer_state (text, below)
//   /values     float32 [parameters]               rank 0's parameters
//   /states/<n> float32 [parameters]               optimizer state n
//   /buffers    float32 [ranks, buffer elements]   each rank's buffers
//   /initial_values float32 [parameters]           w_0, only when the trainer tracks the
//                                                  weight distance (optional: no version bump;
//                                                  in the checksum after /buffers when present)
// trainer_state holds TrainerState's scalars and then the curve, encoded with
// workloads/trial_result_codec.h (doubles as %a, exact), the same encoding the
// sweep uses to send finished trials to its coordinator.
#include "workloads/trial_checkpoint.h"

#include <hdf5.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <sstream>

#include "core/hdf5_handle.h"
#include "workloads/trial_result_codec.h"

namespace gaplab {
namespace {

class Fnv1a {
 public:
  void add(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) {
      hash_ ^= p[i];
      hash_ *= 1099511628211ull;
    }
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, hash_);
    return buf;
  }

 private:
  uint64_t hash_ = 1469598103934665603ull;
};

// The trainer state as TextEncoder fields (workloads/trial_result_codec.h):
// scalars in the order of TrainerState, then the curve.
std::string serializeState(const TrainerState& s) {
  TextEncoder out;
  out.put(s.step).put(s.optimizerSteps).put(s.timedSeconds).put(s.evalSeconds).put(s.loggingSeconds);
  out.put(s.checkpointSeconds).put(s.communicationSeconds).put(s.wallSeconds).put(s.setupSeconds);
  out.put(s.lossSinceEval).put(s.stepsSinceEval).put(s.runningLoss).put(s.lastEvalTimed).put(s.startedAtUnix);
  out.put(s.resumes);
  encodeCurve(out, s.curve);
  return out.text();
}

TrainerState parseState(const std::string& text, const std::string& path) {
  try {
    TextDecoder in(text, "checkpoint " + path + ": attribute trainer_state");
    TrainerState s;
    s.step = in.getInt();
    s.optimizerSteps = in.getInt();
    s.timedSeconds = in.getDouble();
    s.evalSeconds = in.getDouble();
    s.loggingSeconds = in.getDouble();
    s.checkpointSeconds = in.getDouble();
    s.communicationSeconds = in.getDouble();
    s.wallSeconds = in.getDouble();
    s.setupSeconds = in.getDouble();
    s.lossSinceEval = in.getDouble();
    s.stepsSinceEval = in.getInt();
    s.runningLoss = in.getDouble();
    s.lastEvalTimed = in.getDouble();
    s.startedAtUnix = in.getInt();
    s.resumes = in.getInt();
    s.curve = decodeCurve(in);
    if (!in.atEnd()) throw std::runtime_error("checkpoint " + path + ": attribute trainer_state has trailing data");
    return s;
  } catch (const std::runtime_error& e) {
    throw CheckpointError(std::string(e.what()) + " (attribute trainer_state of a damaged checkpoint?)");
  }
}

// Writes `data` as a float32 dataset of shape `dims` (1-D or 2-D). A dataset with
// no elements (e.g. /buffers of a model without BatchNorm, shape [ranks, 0]) is
// created but not written: H5Dwrite rejects the null buffer of an empty vector.
void writeFloats(HdfId parent, const std::string& name, const float* data, std::initializer_list<hsize_t> dims,
                 const std::string& path) {
  hsize_t elements = 1;
  for (hsize_t d : dims) elements *= d;
  HdfDataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.begin(), nullptr),
                     {"H5Screate_simple", path, name});
  HdfDataset ds(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F32LE, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                {"H5Dcreate2", path, name});
  if (elements > 0)
    hdfCheck(H5Dwrite(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), {"H5Dwrite", path, name});
  ds.close({"H5Dclose", path, name});
}

// Reads dataset `name` into `out` after checking it holds exactly `expected` floats.
void readFloats(HdfId parent, const std::string& name, std::vector<float>& out, int64_t expected,
                const std::string& path) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0)
    throw CheckpointError("checkpoint " + path + ": dataset " + name + " is missing (damaged file?)");
  HdfDataset ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), {"H5Dopen2", path, name});
  HdfDataspace space(H5Dget_space(ds.id()), {"H5Dget_space", path, name});
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n != expected)
    throw CheckpointError("checkpoint " + path + ": dataset " + name + " holds " + std::to_string(n) +
                          " values; this model needs " + std::to_string(expected) +
                          " (written for another model layout)");
  out.assign(static_cast<std::size_t>(expected), 0.0f);
  if (expected > 0)
    hdfCheck(H5Dread(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), {"H5Dread", path, name});
}

std::string requireString(HdfId file, const char* name, const std::string& path) {
  std::optional<std::string> v = hdfReadStringAttribute(file, name);
  if (!v) throw CheckpointError("checkpoint " + path + ": attribute " + name + " is missing (damaged file?)");
  return *v;
}

int64_t requireInt(HdfId file, const char* name, const std::string& path) {
  std::optional<int64_t> v = hdfReadIntAttribute(file, name);
  if (!v) throw CheckpointError("checkpoint " + path + ": attribute " + name + " is missing (damaged file?)");
  return *v;
}

// Opens `path` for reading and checks that it is a gaplab checkpoint of this format version.
HdfFile openChecked(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw CheckpointError("checkpoint " + path + " does not exist");
  if (!hdfIsHdf5File(path))
    throw CheckpointError("checkpoint " + path +
                          " is not a readable HDF5 file (truncated or corrupt); delete it to start the run afresh");
  HdfFile file;
  try {
    file = hdfOpenFile(path, HdfFileAccess::kReadOnly);
  } catch (const std::exception& e) {
    throw CheckpointError("checkpoint " + path + " cannot be opened (truncated or corrupt?): " + e.what());
  }
  const std::optional<int64_t> version = hdfReadIntAttribute(file.id(), TrialCheckpoint::kVersionAttribute);
  if (!version)
    throw CheckpointError("checkpoint " + path + " is an HDF5 file but not a gaplab checkpoint (no attribute " +
                          TrialCheckpoint::kVersionAttribute + ")");
  if (*version != TrialCheckpoint::kFormatVersion)
    throw CheckpointError("checkpoint " + path + " has format version " + std::to_string(*version) +
                          "; this gaplab reads version " + std::to_string(TrialCheckpoint::kFormatVersion) +
                          " (resume it with the gaplab that wrote it, or delete it to start afresh)");
  return file;
}

}  // namespace

void TrialCheckpoint::save(const std::string& path, const CheckpointIdentity& identity, const CheckpointOrigin& origin,
                           const TrainerState& state, ParameterArena& arena, Communicator& comm) {
  arena.syncToHost();  // a GPU arena writes its host mirror

  // Gather every rank's buffers into rank slots with one sum: each rank fills
  // its own slot and zeros elsewhere, and x + 0 is exact (a -0.0 would come back
  // as +0.0; running statistics never hold -0.0 in practice).
  const int64_t nb = static_cast<int64_t>(arena.buffers().empty() ? 0 : arena.bufferStorage().size());
  const int ranks = comm.size();
  std::vector<float> allBuffers(static_cast<std::size_t>(nb * ranks), 0.0f);
  if (nb > 0) {
    std::memcpy(allBuffers.data() + static_cast<std::size_t>(nb) * comm.rank(), arena.bufferStorage().data(),
                sizeof(float) * static_cast<std::size_t>(nb));
    if (ranks > 1) comm.allReduceSum(allBuffers.data(), nb * ranks);
  }
  // Rank 0 writes; whether it succeeded is agreed on, so that a failed write
  // (disk full, unwritable directory) throws on every rank together instead of
  // leaving the other ranks waiting in the next collective for a rank that gave up.
  auto writeOnRankZero = [&]() {
    hdfSilenceErrorPrinting();
    const std::string tmp = path + ".tmp-" + std::to_string(getpid());
    try {
      HdfFile file = hdfCreateFile(tmp);
      Fnv1a checksum;
      const hsize_t n = static_cast<hsize_t>(arena.size());
      writeFloats(file.id(), "values", arena.valueBuffer().data(), {n}, tmp);
      checksum.add(arena.valueBuffer().data(), sizeof(float) * n);
      HdfGroup states = hdfCreateGroup(file, "states");
      for (const auto& [name, buffer] : arena.states()) {
        writeFloats(states.id(), name, buffer.data(), {n}, tmp);
        checksum.add(name.data(), name.size());
        checksum.add(buffer.data(), sizeof(float) * n);
      }
      states.close({"H5Gclose", tmp, "states"});
      writeFloats(file.id(), "buffers", allBuffers.data(), {static_cast<hsize_t>(ranks), static_cast<hsize_t>(nb)}, tmp);
      checksum.add(allBuffers.data(), sizeof(float) * allBuffers.size());
      if (!state.initialValues.empty()) {
        if (state.initialValues.size() != n)
          throw std::invalid_argument("checkpoint " + path + ": " + std::to_string(state.initialValues.size()) +
                                      " initial values for a model of " + std::to_string(n) + " parameters");
        writeFloats(file.id(), "initial_values", state.initialValues.data(), {n}, tmp);
        checksum.add(state.initialValues.data(), sizeof(float) * n);
      }

      hdfWriteIntAttribute(file.id(), kVersionAttribute, kFormatVersion);
      hdfWriteStringAttribute(file.id(), "trial_id", identity.trialId);
      hdfWriteStringAttribute(file.id(), "config_yaml", identity.configYaml);
      hdfWriteStringAttribute(file.id(), "results_path", origin.resultsPath);
      hdfWriteStringAttribute(file.id(), "source_name", origin.sourceName);
      hdfWriteStringAttribute(file.id(), "source_yaml", origin.sourceYaml);
      std::string overrides;
      for (const std::string& o : origin.overrides) overrides += o + "\n";
      hdfWriteStringAttribute(file.id(), "overrides", overrides);
      hdfWriteIntAttribute(file.id(), "ranks", ranks);
      hdfWriteIntAttribute(file.id(), "step", state.step);
      hdfWriteStringAttribute(file.id(), "trainer_state", serializeState(state));
      hdfWriteStringAttribute(file.id(), "checksum", checksum.hex());
      file.close({"H5Fclose", tmp, ""});
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
      const std::string why = ec.message();  // before remove() reuses ec
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error("cannot move checkpoint " + tmp + " onto " + path + ": " + why);
    }
  };
  std::exception_ptr failure;
  if (comm.rank() == 0) {
    try {
      writeOnRankZero();
    } catch (...) {
      failure = std::current_exception();
    }
  }
  const bool failed = ranks > 1 ? comm.allReduceMax(failure ? 1.0 : 0.0) > 0.0 : static_cast<bool>(failure);
  if (failure) std::rethrow_exception(failure);
  if (failed) throw std::runtime_error("checkpoint " + path + " could not be written on rank 0 (see its message)");
}

TrainerState TrialCheckpoint::load(const std::string& path, const CheckpointIdentity& expected, int rank,
                                   ParameterArena& arena) {
  const CheckpointInfo info = peek(path);
  if (info.identity.trialId != expected.trialId)
    throw CheckpointError("checkpoint " + path + " was written for another config (trial " + info.identity.trialId +
                          "); this run's config is trial " + expected.trialId +
                          ". Resume with the config it was written for (gaplab run --resume " + path +
                          " reads it from the checkpoint), or pass --overwrite to start afresh");
  if (info.identity.ranks != expected.ranks)
    throw CheckpointError("checkpoint " + path + " was written by a run on " + std::to_string(info.identity.ranks) +
                          " rank(s); this run has " + std::to_string(expected.ranks) +
                          ". Exact resume needs the same rank layout (mpirun -np " +
                          std::to_string(info.identity.ranks) + ")");
  HdfFile file = openChecked(path);
  try {
    Fnv1a checksum;
    const int64_t n = arena.size();
    std::vector<float> values;
    readFloats(file.id(), "values", values, n, path);
    checksum.add(values.data(), sizeof(float) * values.size());

    // Optimizer state: the stored names must be exactly the ones this optimizer uses (or none yet).
    std::map<std::string, std::vector<float>> states;
    HdfGroup group(H5Gopen2(file.id(), "states", H5P_DEFAULT), {"H5Gopen2", path, "states"});
    H5G_info_t groupInfo;
    hdfCheck(H5Gget_info(group.id(), &groupInfo), {"H5Gget_info", path, "states"});
    std::vector<std::string> names;
    for (hsize_t i = 0; i < groupInfo.nlinks; ++i) {
      char name[256] = {};
      hdfCheck(H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name - 1, H5P_DEFAULT),
               {"H5Lget_name_by_idx", path, "states"});
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());  // std::map order, as written
    for (const std::string& name : names) {
      readFloats(group.id(), name, states[name], n, path);
      checksum.add(name.data(), name.size());
      checksum.add(states[name].data(), sizeof(float) * static_cast<std::size_t>(n));
    }
    const int64_t nb = static_cast<int64_t>(arena.buffers().empty() ? 0 : arena.bufferStorage().size());
    std::vector<float> allBuffers;
    readFloats(file.id(), "buffers", allBuffers, nb * info.identity.ranks, path);
    checksum.add(allBuffers.data(), sizeof(float) * allBuffers.size());
    std::vector<float> initialValues;
    if (H5Lexists(file.id(), "initial_values", H5P_DEFAULT) > 0) {
      readFloats(file.id(), "initial_values", initialValues, n, path);
      checksum.add(initialValues.data(), sizeof(float) * initialValues.size());
    }
    if (checksum.hex() != requireString(file.id(), "checksum", path))
      throw CheckpointError("checkpoint " + path + ": checksum mismatch (the file was modified or damaged)");
    TrainerState state = parseState(requireString(file.id(), "trainer_state", path), path);
    if (state.step != info.step)
      throw CheckpointError("checkpoint " + path + ": attribute step " + std::to_string(info.step) +
                            " disagrees with trainer_state step " + std::to_string(state.step));
    state.initialValues = std::move(initialValues);

    // Everything checked: only now touch the arena.
    // Into the host buffers (the mirror of a GPU arena), then up to the device.
    std::memcpy(arena.valueBuffer().data(), values.data(), sizeof(float) * values.size());
    for (auto& [name, data] : states) arena.states()[name].assign(data.begin(), data.end());
    if (nb > 0)
      std::memcpy(arena.bufferStorage().data(), allBuffers.data() + static_cast<std::size_t>(nb) * rank,
                  sizeof(float) * static_cast<std::size_t>(nb));
    arena.syncFromHost();
    return state;
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError("checkpoint " + path + " cannot be read (truncated or corrupt?): " + e.what());
  }
}

void TrialCheckpoint::loadWeights(const std::string& path, ParameterArena& arena) {
  // The full, checked load under the checkpoint's own identity; then the
  // optimizer state is dropped so the new run's optimizer starts from zero.
  load(path, peek(path).identity, 0, arena);
  arena.states().clear();
  arena.syncFromHost();  // a GPU arena drops its device copies of the states too
}

void TrialCheckpoint::removeStaleTemporaries(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path directory = p.parent_path().empty() ? "." : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0) continue;  // its writer is alive
    std::filesystem::remove(entry.path(), ec);
  }
}

CheckpointInfo TrialCheckpoint::peek(const std::string& path) {
  HdfFile file = openChecked(path);
  CheckpointInfo info;
  info.identity.trialId = requireString(file.id(), "trial_id", path);
  info.identity.configYaml = requireString(file.id(), "config_yaml", path);
  info.identity.ranks = static_cast<int>(requireInt(file.id(), "ranks", path));
  info.step = requireInt(file.id(), "step", path);
  info.origin.resultsPath = requireString(file.id(), "results_path", path);
  info.origin.sourceName = requireString(file.id(), "source_name", path);
  info.origin.sourceYaml = requireString(file.id(), "source_yaml", path);
  std::istringstream overrides(requireString(file.id(), "overrides", path));
  for (std::string line; std::getline(overrides, line);)
    if (!line.empty()) info.origin.overrides.push_back(line);
  return info;
}

}  // namespace gaplab
