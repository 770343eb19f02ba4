// sweeps/result_store.h — the HDF5 results file: one summary row per trial, one curve row per eval,
// one eval-metrics row per extra metric of an eval.
//
// Why: every gaplab run and sweep ends in one file that analysis tools (gaplab
// summary, h5py, pandas, h5dump) read. It has to be self-describing (schema
// version in a file attribute, docs/results-schema.md), refuse to clobber an
// existing file, and never leave a half-written file behind.
//
// Two ways to write, chosen by how the store is opened:
//
//  * create(path): a new file for one run. Rows go to a temporary file
//    `<path>.tmp-<pid>` in the same directory; commit() closes it and renames it
//    onto `path` in one atomic step (POSIX rename). A store destroyed without
//    commit() (an exception, a failed run) deletes the temporary file, so `path`
//    is either absent, the untouched previous file, or complete. A `kill -9`
//    can leave a stray `<path>.tmp-<pid>`, never a broken `path`.
//
//  * openForAppend(path): an existing file, written in place; every append()
//    ends in H5Fflush, so a trial is durable once append() returns. With
//    AppendMode::kSwmr the file is opened for single-writer/multiple-reader
//    access: other processes can read it while it is written (readAll, or h5py
//    with swmr=True), and after the writer is killed the file still opens for
//    reading with every trial that append() returned for. A sweep creates the
//    file with create(path) + commit(), then reopens it with kSwmr. A killed
//    writer leaves HDF5's "open for write" mark on the file: readAll reads past
//    it, openForAppend refuses until `h5clear -s <path>` clears it.
//
// create() checks that the directory is writable and the file absent (unless
// OverwriteMode::kOverwrite) before anything else; the CLI calls
// checkWritable() first of all, so that these mistakes surface before training.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/hdf5_handle.h"
#include "workloads/trial_result.h"

namespace gaplab {

enum class OverwriteMode { kFail, kOverwrite };

// How openForAppend shares the file: kExclusive locks out every other process
// until the store closes; kSwmr lets readers open it concurrently (HDF5 SWMR).
enum class AppendMode { kExclusive, kSwmr };

// Whether append() flushes at once (the trial is durable when it returns) or
// leaves it to the next flush() (a sweep coordinator flushes once per batch of
// results that arrived together, which keeps thousands of trials per second cheap).
enum class FlushMode { kNow, kDeferred };

class ResultStore {
 public:
  // Stored in the file attribute `gaplab_schema_version`. Bump it whenever a
  // column is added, removed, renamed or changes meaning (docs/results-schema.md).
  // Version 2 added /eval_metrics (EvalRecord::extras) and the summary columns
  // eval_metrics_first_row and eval_metrics_row_count. Version 3 added the
  // sweep columns submission, study, parameters and attempts, the status
  // stopped_early, and the file attributes gaplab_sweep_id / gaplab_sweep_yaml.
  static constexpr int kSchemaVersion = 3;
  static constexpr const char* kSchemaVersionAttribute = "gaplab_schema_version";
  static constexpr const char* kSummaryDataset = "summary";
  static constexpr const char* kCurvesDataset = "curves";
  static constexpr const char* kEvalMetricsDataset = "eval_metrics";

  // Throws std::runtime_error when create(path, mode) would fail for a reason
  // that can be known in advance: the parent directory is missing, not a
  // directory or not writable ("cannot write to directory D: Permission denied"),
  // or `path` exists and mode is kFail ("output file P exists; pass --overwrite
  // to replace it"), or `path` is a directory.
  static void checkWritable(const std::string& path, OverwriteMode mode);

  // A new, empty results file, written to `<path>.tmp-<pid>` until commit().
  static ResultStore create(const std::string& path, OverwriteMode mode);

  // An existing results file, written in place. Throws naming the path when the
  // file is missing, not HDF5, corrupt, still marked open by a writer, or has a
  // schema version other than kSchemaVersion (naming found and expected).
  static ResultStore openForAppend(const std::string& path, AppendMode mode = AppendMode::kExclusive);

  // Every trial in the file, in the order appended, each with its curve (and
  // each evaluation with its extras, in the order written). Opens
  // read-only, as a SWMR reader when a SWMR writer holds the file (or was killed
  // while holding it); then it reopens and retries a few times when a read
  // races the writer's flush, and skips a last row still being written. Same
  // errors as openForAppend.
  static std::vector<TrialResult> readAll(const std::string& path);

  ResultStore(ResultStore&& other) noexcept;
  ResultStore& operator=(ResultStore&& other) noexcept;
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;
  // Without commit(): a created store deletes its temporary file; an appended
  // store closes the file (its rows are already flushed).
  ~ResultStore();

  // Writes the trial's curve rows, then its eval-metrics rows (one per extra
  // metric of each evaluation), then its summary row, and flushes the file.
  // Throws when the store is committed, the trial id is already in the file, or
  // two evaluations share a step while one of them has extras (an eval-metrics
  // row finds its evaluation by step, so those could not be told apart).
  void append(const TrialResult& result, FlushMode flush = FlushMode::kNow);
  // Makes every appended row durable (H5Fflush).
  void flush();

  // File attributes (strings), e.g. the sweep's identity. Written in place.
  void setAttribute(const std::string& name, const std::string& value);
  // A string attribute of the file at `path` (nullopt when absent). Opens it
  // read-only, as a SWMR reader when a writer holds it. Throws naming the path
  // when it is not a readable HDF5 file.
  static std::optional<std::string> readAttribute(const std::string& path, const std::string& name);
  // Appends `results` by writing a new version of the file beside it
  // (`<path>.tmp-<pid>`: a copy plus the new rows, fsync'd) and renaming it onto
  // `path`. POSIX rename is atomic, so every reader — h5py, h5dump, gaplab
  // status, with or without SWMR — sees a complete file from before or after
  // the batch, and a kill -9 at any moment leaves one of the two, never a file
  // marked "open for write". This is how a sweep's coordinator writes.
  // Same errors as openForAppend and append; `path` is unchanged on error.
  static void appendAtomically(const std::string& path, const std::vector<TrialResult>& results);
  // Removes `<path>.tmp-*` files a killed writer left behind. Call only while
  // no writer can be running (a sweep's coordinator holds `<path>.lock`).
  static void removeStaleTemporaries(const std::string& path);

  // Clears the "open for write" mark a killed writer leaves (what `h5clear -s`
  // does), so that a rerun of the sweep can append again. Only call it when no
  // writer can be running (the sweep's coordinator, at start).
  static void clearWriterMark(const std::string& path);

  // True when a summary row with this trial id was written (or was in the file).
  bool contains(const std::string& trialId) const;

  // Closes the file; a created store then renames its temporary file onto the
  // final path (replacing an existing file only under kOverwrite). Afterwards
  // the store accepts no more rows.
  void commit();

  const std::string& path() const { return path_; }
  // The file HDF5 is writing now: `<path>.tmp-<pid>` before a create()d store
  // is committed, `path` otherwise.
  const std::string& writePath() const { return writePath_; }
  int64_t trialCount() const { return summaryRows_; }

 private:
  enum class Origin { kCreated, kAppending };
  enum class State { kOpen, kClosed };

  ResultStore(std::string path, std::string writePath, Origin origin);
  void createDatasets();
  void openDatasets();
  void loadTrialIds();
  void discard() noexcept;

  std::string path_;
  std::string writePath_;
  Origin origin_ = Origin::kCreated;
  OverwriteMode overwrite_ = OverwriteMode::kFail;
  State state_ = State::kClosed;
  HdfFile file_;
  HdfDataset summary_;
  HdfDataset curves_;
  HdfDataset evalMetrics_;
  int64_t summaryRows_ = 0;
  int64_t curveRows_ = 0;
  int64_t evalMetricRows_ = 0;
  std::unordered_set<std::string> trialIds_;
};

}  // namespace gaplab
