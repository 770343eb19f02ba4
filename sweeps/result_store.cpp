// sweeps/result_store.cpp — the HDF5 layout of results files (docs/results-schema.md).
//
// Why: keeps every HDF5 detail of the results file (compound row types, chunked
// extendible datasets, attributes, the temporary-file-and-rename protocol and
// SWMR access) in one place, behind the plain TrialResult the trainer produces.
// Three tables: /summary (a trial), /curves (an evaluation) and /eval_metrics (one
// extra metric of an evaluation: a long table, since the names differ between
// workloads and a fixed column per metric would change the schema every time).
#include "sweeps/result_store.h"

#include <hdf5.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#ifndef GAPLAB_VERSION
#define GAPLAB_VERSION "0.1.0"
#endif

namespace gaplab {
namespace {

constexpr hsize_t kSummaryChunkRows = 64;
constexpr hsize_t kCurveChunkRows = 512;
constexpr hsize_t kEvalMetricChunkRows = 1024;
constexpr const char* kGaplabVersionAttribute = "gaplab_version";
constexpr const char* kCreatedAtAttribute = "created_at";
constexpr const char* kSummaryObject = "/summary";
constexpr const char* kCurvesObject = "/curves";
constexpr const char* kEvalMetricsObject = "/eval_metrics";

// ---- Row layouts ------------------------------------------------------------
// One C struct per table; HDF5 converts between it and the packed, little-endian
// compound type in the file, matching members by name. Strings are variable-
// length UTF-8: `const char*` when writing, malloc'd by HDF5 when reading
// (released with H5Dvlen_reclaim).

struct SummaryRow {
  const char* trialId;
  const char* workload;
  const char* status;
  const char* statusMessage;
  const char* metricName;
  const char* targetDirection;
  double targetValue;
  double timeToResultS;
  int64_t stepsToResult;
  int64_t steps;
  double epochs;
  double timedS;
  double evalS;
  double setupS;
  double loggingS;
  double checkpointS;
  double communicationS;
  double wallS;
  double finalTrainLoss;
  double finalEvalTrainLoss;
  double finalEvalTrainMetric;
  double finalValidationLoss;
  double finalValidationMetric;
  double finalMetricGap;
  double finalLossGap;
  uint64_t seed;
  int32_t ranks;
  int64_t parameterCount;
  const char* host;
  int64_t startedAtUnix;
  const char* configYaml;
  const char* submission;
  int32_t study;
  const char* parameters;
  int32_t attempts;
  const char* samplePoint;
  int64_t curveFirstRow;
  int64_t curveRowCount;
  int64_t evalMetricsFirstRow;
  int64_t evalMetricsRowCount;
};

struct CurveRow {
  const char* trialId;
  int64_t step;
  double epoch;
  double timedS;
  double wallS;
  double trainLoss;
  double evalTrainLoss;
  double evalTrainMetric;
  double validationLoss;
  double validationMetric;
  double metricGap;
  double lossGap;
  double learningRate;
};

// One extra metric (NamedMetric) of one evaluation, found by (trial_id, step).
struct EvalMetricRow {
  const char* trialId;
  int64_t step;
  const char* name;
  double value;
};

struct TrialIdRow {
  const char* trialId;
};

enum class ColumnType { kString, kFloat64, kInt64, kUInt64, kInt32 };

struct Column {
  const char* name;
  size_t offset;
  ColumnType type;
};

#define GAPLAB_COLUMN(row, name, member, type) \
  Column { name, offsetof(row, member), ColumnType::type }

const std::vector<Column>& summaryColumns() {
  static const std::vector<Column> columns = {
      GAPLAB_COLUMN(SummaryRow, "trial_id", trialId, kString),
      GAPLAB_COLUMN(SummaryRow, "workload", workload, kString),
      GAPLAB_COLUMN(SummaryRow, "status", status, kString),
      GAPLAB_COLUMN(SummaryRow, "status_message", statusMessage, kString),
      GAPLAB_COLUMN(SummaryRow, "metric_name", metricName, kString),
      GAPLAB_COLUMN(SummaryRow, "target_direction", targetDirection, kString),
      GAPLAB_COLUMN(SummaryRow, "target_value", targetValue, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "time_to_result_s", timeToResultS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "steps_to_result", stepsToResult, kInt64),
      GAPLAB_COLUMN(SummaryRow, "steps", steps, kInt64),
      GAPLAB_COLUMN(SummaryRow, "epochs", epochs, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "timed_s", timedS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "eval_s", evalS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "setup_s", setupS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "logging_s", loggingS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "checkpoint_s", checkpointS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "communication_s", communicationS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "wall_s", wallS, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_train_loss", finalTrainLoss, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_eval_train_loss", finalEvalTrainLoss, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_eval_train_metric", finalEvalTrainMetric, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_validation_loss", finalValidationLoss, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_validation_metric", finalValidationMetric, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_metric_gap", finalMetricGap, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "final_loss_gap", finalLossGap, kFloat64),
      GAPLAB_COLUMN(SummaryRow, "seed", seed, kUInt64),
      GAPLAB_COLUMN(SummaryRow, "ranks", ranks, kInt32),
      GAPLAB_COLUMN(SummaryRow, "parameter_count", parameterCount, kInt64),
      GAPLAB_COLUMN(SummaryRow, "host", host, kString),
      GAPLAB_COLUMN(SummaryRow, "started_at_unix", startedAtUnix, kInt64),
      GAPLAB_COLUMN(SummaryRow, "config_yaml", configYaml, kString),
      GAPLAB_COLUMN(SummaryRow, "submission", submission, kString),
      GAPLAB_COLUMN(SummaryRow, "study", study, kInt32),
      GAPLAB_COLUMN(SummaryRow, "parameters", parameters, kString),
      GAPLAB_COLUMN(SummaryRow, "attempts", attempts, kInt32),
      GAPLAB_COLUMN(SummaryRow, "sample_point", samplePoint, kString),
      GAPLAB_COLUMN(SummaryRow, "curve_first_row", curveFirstRow, kInt64),
      GAPLAB_COLUMN(SummaryRow, "curve_row_count", curveRowCount, kInt64),
      GAPLAB_COLUMN(SummaryRow, "eval_metrics_first_row", evalMetricsFirstRow, kInt64),
      GAPLAB_COLUMN(SummaryRow, "eval_metrics_row_count", evalMetricsRowCount, kInt64),
  };
  return columns;
}

const std::vector<Column>& curveColumns() {
  static const std::vector<Column> columns = {
      GAPLAB_COLUMN(CurveRow, "trial_id", trialId, kString),
      GAPLAB_COLUMN(CurveRow, "step", step, kInt64),
      GAPLAB_COLUMN(CurveRow, "epoch", epoch, kFloat64),
      GAPLAB_COLUMN(CurveRow, "timed_s", timedS, kFloat64),
      GAPLAB_COLUMN(CurveRow, "wall_s", wallS, kFloat64),
      GAPLAB_COLUMN(CurveRow, "train_loss", trainLoss, kFloat64),
      GAPLAB_COLUMN(CurveRow, "eval_train_loss", evalTrainLoss, kFloat64),
      GAPLAB_COLUMN(CurveRow, "eval_train_metric", evalTrainMetric, kFloat64),
      GAPLAB_COLUMN(CurveRow, "validation_loss", validationLoss, kFloat64),
      GAPLAB_COLUMN(CurveRow, "validation_metric", validationMetric, kFloat64),
      GAPLAB_COLUMN(CurveRow, "metric_gap", metricGap, kFloat64),
      GAPLAB_COLUMN(CurveRow, "loss_gap", lossGap, kFloat64),
      GAPLAB_COLUMN(CurveRow, "learning_rate", learningRate, kFloat64),
  };
  return columns;
}

const std::vector<Column>& evalMetricColumns() {
  static const std::vector<Column> columns = {
      GAPLAB_COLUMN(EvalMetricRow, "trial_id", trialId, kString),
      GAPLAB_COLUMN(EvalMetricRow, "step", step, kInt64),
      GAPLAB_COLUMN(EvalMetricRow, "name", name, kString),
      GAPLAB_COLUMN(EvalMetricRow, "value", value, kFloat64),
  };
  return columns;
}

const std::vector<Column>& trialIdColumns() {
  static const std::vector<Column> columns = {GAPLAB_COLUMN(TrialIdRow, "trial_id", trialId, kString)};
  return columns;
}

#undef GAPLAB_COLUMN

// ---- Datatypes ----------------------------------------------------------------

HdfDatatype stringType(std::string_view path) {
  HdfDatatype type(H5Tcopy(H5T_C_S1), {"H5Tcopy (string type)", path, ""});
  hdfCheck(H5Tset_size(type.id(), H5T_VARIABLE), {"H5Tset_size (variable-length string)", path, ""});
  hdfCheck(H5Tset_cset(type.id(), H5T_CSET_UTF8), {"H5Tset_cset (UTF-8)", path, ""});
  return type;
}

// Where a compound type is used: in memory (the C struct, native types at the
// struct's offsets) or in the file (packed, explicit little-endian types).
enum class TypeTarget { kMemory, kFile };

hid_t memberType(ColumnType type, TypeTarget target, hid_t string) {
  bool memory = target == TypeTarget::kMemory;
  switch (type) {
    case ColumnType::kString: return string;
    case ColumnType::kFloat64: return memory ? H5T_NATIVE_DOUBLE : H5T_IEEE_F64LE;
    case ColumnType::kInt64: return memory ? H5T_NATIVE_INT64 : H5T_STD_I64LE;
    case ColumnType::kUInt64: return memory ? H5T_NATIVE_UINT64 : H5T_STD_U64LE;
    case ColumnType::kInt32: return memory ? H5T_NATIVE_INT32 : H5T_STD_I32LE;
  }
  return -1;
}

HdfDatatype compoundType(const std::vector<Column>& columns, size_t rowSize, TypeTarget target, std::string_view path,
                         std::string_view object) {
  HdfDatatype string = stringType(path);
  size_t size = rowSize;
  if (target == TypeTarget::kFile) {
    size = 0;
    for (const Column& column : columns) size += H5Tget_size(memberType(column.type, target, string.id()));
  }
  HdfDatatype compound(H5Tcreate(H5T_COMPOUND, size), {"H5Tcreate (compound row type)", path, object});
  size_t packedOffset = 0;
  for (const Column& column : columns) {
    hid_t member = memberType(column.type, target, string.id());
    size_t offset = target == TypeTarget::kMemory ? column.offset : packedOffset;
    hdfCheck(H5Tinsert(compound.id(), column.name, offset, member),
             {"H5Tinsert (compound member)", path, std::string(object) + "." + column.name});
    packedOffset += H5Tget_size(member);
  }
  return compound;
}

// Frees the strings HDF5 allocated while reading `rows` rows of `memoryType`.
template <typename Row>
class VlenGuard {
 public:
  VlenGuard(hid_t memoryType, std::vector<Row>& rows) : memoryType_(memoryType), rows_(rows) {}
  ~VlenGuard() {
    if (rows_.empty()) return;
    hsize_t count = rows_.size();
    hid_t space = H5Screate_simple(1, &count, nullptr);
    if (space < 0) return;
    H5Dvlen_reclaim(memoryType_, space, H5P_DEFAULT, rows_.data());
    H5Sclose(space);
  }
  VlenGuard(const VlenGuard&) = delete;
  VlenGuard& operator=(const VlenGuard&) = delete;

 private:
  hid_t memoryType_;
  std::vector<Row>& rows_;
};

// ---- Small helpers ----------------------------------------------------------------

std::string errnoText(int error) { return std::strerror(error); }

std::string toString(TargetDirection direction) {
  return direction == TargetDirection::kAtLeast ? "at_least" : "at_most";
}

TargetDirection targetDirectionFromString(const std::string& text, const std::string& path) {
  if (text == "at_least") return TargetDirection::kAtLeast;
  if (text == "at_most") return TargetDirection::kAtMost;
  throw std::runtime_error("results file '" + path + "': unknown target_direction '" + text +
                           "' (expected at_least or at_most)");
}

std::string text(const char* value) { return value ? std::string(value) : std::string(); }

std::string utcNowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

HdfPropertyList latestFormatAccess(std::string_view path) {
  HdfPropertyList access(H5Pcreate(H5P_FILE_ACCESS), {"H5Pcreate (file access)", path, ""});
  hdfCheck(H5Pset_libver_bounds(access.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), {"H5Pset_libver_bounds", path, ""});
  return access;
}

// ---- Attributes -------------------------------------------------------------------

// Throws unless `file` carries gaplab_schema_version == kSchemaVersion.
void checkSchemaVersion(hid_t file, const std::string& path) {
  const char* name = ResultStore::kSchemaVersionAttribute;
  std::optional<int64_t> version = hdfReadIntAttribute(file, name);
  if (!version)
    throw std::runtime_error("'" + path + "' is an HDF5 file but not a gaplab results file (it has no " + name +
                             " attribute)");
  if (*version != ResultStore::kSchemaVersion)
    throw std::runtime_error("results file '" + path + "' has schema version " + std::to_string(*version) +
                             ", but this gaplab reads schema version " + std::to_string(ResultStore::kSchemaVersion) +
                             (*version > ResultStore::kSchemaVersion ? " (it was written by a newer gaplab)"
                                                                     : " (it was written by an older gaplab)"));
}

// Throws naming `path` unless it exists and is an HDF5 file (checked before
// H5Fopen so that the common mistakes get plain messages).
void checkIsHdf5File(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw std::runtime_error("cannot open results file '" + path + "': " + errnoText(errno));
  if (S_ISDIR(info.st_mode)) throw std::runtime_error("results file '" + path + "' is a directory");
  if (!hdfIsHdf5File(path))
    throw std::runtime_error("'" + path + "' is not an HDF5 file (no HDF5 signature); expected a gaplab results file");
}

// ---- Rows -------------------------------------------------------------------

int64_t datasetRows(hid_t dataset, std::string_view path, std::string_view object) {
  HdfDataspace space(H5Dget_space(dataset), {"H5Dget_space", path, object});
  hsize_t dims[1] = {0};
  int rank = static_cast<int>(
      hdfCheck(H5Sget_simple_extent_dims(space.id(), dims, nullptr), {"H5Sget_simple_extent_dims", path, object}));
  if (rank != 1)
    throw std::runtime_error("results file '" + std::string(path) + "': " + std::string(object) + " has rank " +
                             std::to_string(rank) + ", expected a 1-D table");
  return static_cast<int64_t>(dims[0]);
}

// Grows `dataset` to `firstRow + count` rows and writes `rows` at `firstRow`.
void writeRows(hid_t dataset, hid_t memoryType, int64_t firstRow, const void* rows, size_t count, std::string_view path,
               std::string_view object) {
  if (count == 0) return;
  hsize_t start[1] = {static_cast<hsize_t>(firstRow)};
  hsize_t extent[1] = {static_cast<hsize_t>(firstRow) + count};
  hsize_t length[1] = {count};
  hdfCheck(H5Dset_extent(dataset, extent), {"H5Dset_extent (add rows)", path, object});
  HdfDataspace fileSpace(H5Dget_space(dataset), {"H5Dget_space", path, object});
  hdfCheck(H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, length, nullptr),
           {"H5Sselect_hyperslab", path, object});
  HdfDataspace memorySpace(H5Screate_simple(1, length, nullptr), {"H5Screate_simple", path, object});
  hdfCheck(H5Dwrite(dataset, memoryType, memorySpace.id(), fileSpace.id(), H5P_DEFAULT, rows),
           {"H5Dwrite", path, object});
}

// Reads every row of `dataset` (rows.size() must equal its length).
template <typename Row>
void readRows(hid_t dataset, hid_t memoryType, std::vector<Row>& rows, std::string_view path, std::string_view object) {
  if (rows.empty()) return;
  hsize_t length[1] = {rows.size()};
  HdfDataspace memorySpace(H5Screate_simple(1, length, nullptr), {"H5Screate_simple", path, object});
  HdfDataspace fileSpace(H5Dget_space(dataset), {"H5Dget_space", path, object});
  hsize_t start[1] = {0};
  hdfCheck(H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, length, nullptr),
           {"H5Sselect_hyperslab", path, object});
  hdfCheck(H5Dread(dataset, memoryType, memorySpace.id(), fileSpace.id(), H5P_DEFAULT, rows.data()),
           {"H5Dread", path, object});
}

HdfDataset createTable(hid_t file, const char* name, hid_t fileType, hsize_t chunkRows, std::string_view path,
                       std::string_view object) {
  hsize_t initial[1] = {0};
  hsize_t maximum[1] = {H5S_UNLIMITED};
  HdfDataspace space(H5Screate_simple(1, initial, maximum), {"H5Screate_simple (extendible)", path, object});
  HdfPropertyList creation(H5Pcreate(H5P_DATASET_CREATE), {"H5Pcreate (dataset creation)", path, object});
  hsize_t chunk[1] = {chunkRows};
  hdfCheck(H5Pset_chunk(creation.id(), 1, chunk), {"H5Pset_chunk", path, object});
  return HdfDataset(H5Dcreate2(file, name, fileType, space.id(), H5P_DEFAULT, creation.id(), H5P_DEFAULT),
                    {"H5Dcreate2", path, object});
}

SummaryRow summaryRow(const TrialResult& result, const std::string& status, const std::string& direction,
                      int64_t curveFirstRow, int64_t evalMetricsFirstRow, int64_t evalMetricsRowCount) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const EvalRecord* last = result.finalEval();
  SummaryRow row{};
  row.trialId = result.trialId.c_str();
  row.workload = result.workload.c_str();
  row.status = status.c_str();
  row.statusMessage = result.statusMessage.c_str();
  row.metricName = result.metricName.c_str();
  row.targetDirection = direction.c_str();
  row.targetValue = result.targetValue;
  row.timeToResultS = result.timeToResultSeconds;
  row.stepsToResult = result.stepsToResult;
  row.steps = result.steps;
  row.epochs = result.epochs;
  row.timedS = result.timedSeconds;
  row.evalS = result.evalSeconds;
  row.setupS = result.setupSeconds;
  row.loggingS = result.loggingSeconds;
  row.checkpointS = result.checkpointSeconds;
  row.communicationS = result.communicationSeconds;
  row.wallS = result.wallSeconds;
  row.finalTrainLoss = last ? last->trainLoss : nan;
  row.finalEvalTrainLoss = last ? last->evalTrainLoss : nan;
  row.finalEvalTrainMetric = last ? last->evalTrainMetric : nan;
  row.finalValidationLoss = last ? last->validationLoss : nan;
  row.finalValidationMetric = last ? last->validationMetric : nan;
  row.finalMetricGap = last ? last->metricGap() : nan;
  row.finalLossGap = last ? last->lossGap() : nan;
  row.seed = result.seed;
  row.ranks = result.ranks;
  row.parameterCount = result.parameterCount;
  row.host = result.host.c_str();
  row.startedAtUnix = result.startedAtUnix;
  row.configYaml = result.configYaml.c_str();
  row.submission = result.submission.c_str();
  row.study = result.study;
  row.parameters = result.parameters.c_str();
  row.attempts = result.attempts;
  row.samplePoint = result.samplePoint.c_str();
  row.curveFirstRow = curveFirstRow;
  row.curveRowCount = static_cast<int64_t>(result.curve.size());
  row.evalMetricsFirstRow = evalMetricsFirstRow;
  row.evalMetricsRowCount = evalMetricsRowCount;
  return row;
}

CurveRow curveRow(const std::string& trialId, const EvalRecord& eval) {
  CurveRow row{};
  row.trialId = trialId.c_str();
  row.step = eval.step;
  row.epoch = eval.epoch;
  row.timedS = eval.timedSeconds;
  row.wallS = eval.wallSeconds;
  row.trainLoss = eval.trainLoss;
  row.evalTrainLoss = eval.evalTrainLoss;
  row.evalTrainMetric = eval.evalTrainMetric;
  row.validationLoss = eval.validationLoss;
  row.validationMetric = eval.validationMetric;
  row.metricGap = eval.metricGap();
  row.lossGap = eval.lossGap();
  row.learningRate = eval.learningRate;
  return row;
}

// The rows of every extra metric of every evaluation, in evaluation order; they
// point into `trialId` and the trial's names, which must outlive them.
std::vector<EvalMetricRow> evalMetricRows(const std::string& trialId, const std::vector<EvalRecord>& curve) {
  std::vector<EvalMetricRow> rows;
  for (const EvalRecord& eval : curve)
    for (const NamedMetric& metric : eval.extras)
      rows.push_back({trialId.c_str(), eval.step, metric.name.c_str(), metric.value});
  return rows;
}

// Throws when two evaluations of `result` share a step and one of them has
// extras: /eval_metrics finds an evaluation by (trial_id, step) alone.
void checkExtrasHaveDistinctSteps(const TrialResult& result, const std::string& path) {
  std::unordered_map<int64_t, int> evaluationsAtStep;
  bool anyExtras = false;
  for (const EvalRecord& eval : result.curve) {
    ++evaluationsAtStep[eval.step];
    anyExtras = anyExtras || !eval.extras.empty();
  }
  if (!anyExtras) return;
  for (const EvalRecord& eval : result.curve)
    if (!eval.extras.empty() && evaluationsAtStep[eval.step] > 1)
      throw std::invalid_argument("ResultStore::append: trial '" + result.trialId + "' has " +
                                  std::to_string(evaluationsAtStep[eval.step]) + " evaluations at step " +
                                  std::to_string(eval.step) + " and extra metrics among them; results file '" + path +
                                  "' finds an evaluation's extras by its step, so they could not be told apart");
}

EvalRecord evalRecord(const CurveRow& row) {
  EvalRecord eval;
  eval.step = row.step;
  eval.epoch = row.epoch;
  eval.timedSeconds = row.timedS;
  eval.wallSeconds = row.wallS;
  eval.trainLoss = row.trainLoss;
  eval.evalTrainLoss = row.evalTrainLoss;
  eval.evalTrainMetric = row.evalTrainMetric;
  eval.validationLoss = row.validationLoss;
  eval.validationMetric = row.validationMetric;
  eval.learningRate = row.learningRate;
  return eval;
}

// How readAll got the file open: plainly (the file was closed cleanly), or as a
// SWMR reader of a file that a SWMR writer holds or held when it was killed.
// Then the newest rows may be incomplete (they are skipped, not reported as
// corruption) and a failed read is worth retrying. kLocked: the open failed on
// another process's lock (a writer opening the file holds it for a moment),
// also worth retrying.
enum class ReadAccess { kPlain, kSwmr, kLocked };

bool mentions(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

HdfFile openForReading(const std::string& path, ReadAccess& access) {
  access = ReadAccess::kPlain;
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id >= 0) return HdfFile(id, {"H5Fopen (read)", path, ""});
  std::string plainError = hdfTakeErrorStack();
  if (mentions(plainError, "unable to lock file")) {
    access = ReadAccess::kLocked;
    throw std::runtime_error("results file '" + path +
                             "' is locked by another process (a writer has it open): " + plainError);
  }
  // A file marked as being written refuses plain readers; one that a SWMR writer
  // is growing right now can also look truncated to them. Both open for SWMR
  // reading if (and only if) a SWMR writer made the mark.
  bool marked = mentions(plainError, "already open for write");
  if (!marked && !mentions(plainError, "truncated"))
    throw std::runtime_error("HDF5 H5Fopen (read) failed in '" + path + "': " + plainError);
  HdfPropertyList fileAccess = latestFormatAccess(path);
  id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fileAccess.id());
  if (id >= 0) {
    access = ReadAccess::kSwmr;
    return HdfFile(id, {"H5Fopen (SWMR read)", path, ""});
  }
  std::string swmrError = hdfTakeErrorStack();
  if (marked && mentions(swmrError, "not already open for SWMR writing"))
    throw std::runtime_error("results file '" + path +
                             "' is marked as open by a writer that did not use SWMR (a gaplab process is "
                             "still writing it, or was killed while writing); if no writer is running, "
                             "clear the mark with `h5clear -s " +
                             path + "`: " + swmrError);
  access = ReadAccess::kSwmr;  // possibly a SWMR writer caught mid-flush: worth another try
  throw std::runtime_error("HDF5 H5Fopen (read) failed in '" + path + "': " + plainError +
                           "; opening for SWMR reading failed too: " + swmrError);
}

// One attempt at reading every trial; `access` says how the file was opened.
std::vector<TrialResult> readFile(const std::string& path, ReadAccess& access) {
  HdfFile file = openForReading(path, access);
  checkSchemaVersion(file.id(), path);
  HdfDataset summary(H5Dopen2(file.id(), ResultStore::kSummaryDataset, H5P_DEFAULT),
                     {"H5Dopen2", path, kSummaryObject});
  HdfDataset curves(H5Dopen2(file.id(), ResultStore::kCurvesDataset, H5P_DEFAULT), {"H5Dopen2", path, kCurvesObject});
  HdfDataset evalMetrics(H5Dopen2(file.id(), ResultStore::kEvalMetricsDataset, H5P_DEFAULT),
                         {"H5Dopen2", path, kEvalMetricsObject});

  // The summary is read first: under SWMR, every summary row seen here was
  // written after its curve and eval-metrics rows, so the extents read next
  // cover them.
  HdfDatatype summaryType =
      compoundType(summaryColumns(), sizeof(SummaryRow), TypeTarget::kMemory, path, kSummaryObject);
  std::vector<SummaryRow> summaryRows(static_cast<size_t>(datasetRows(summary.id(), path, kSummaryObject)));
  VlenGuard<SummaryRow> summaryGuard(summaryType.id(), summaryRows);
  readRows(summary.id(), summaryType.id(), summaryRows, path, kSummaryObject);

  HdfDatatype curveType = compoundType(curveColumns(), sizeof(CurveRow), TypeTarget::kMemory, path, kCurvesObject);
  std::vector<CurveRow> curveRows(static_cast<size_t>(datasetRows(curves.id(), path, kCurvesObject)));
  VlenGuard<CurveRow> curveGuard(curveType.id(), curveRows);
  readRows(curves.id(), curveType.id(), curveRows, path, kCurvesObject);

  HdfDatatype metricType =
      compoundType(evalMetricColumns(), sizeof(EvalMetricRow), TypeTarget::kMemory, path, kEvalMetricsObject);
  std::vector<EvalMetricRow> metricRows(static_cast<size_t>(datasetRows(evalMetrics.id(), path, kEvalMetricsObject)));
  VlenGuard<EvalMetricRow> metricGuard(metricType.id(), metricRows);
  readRows(evalMetrics.id(), metricType.id(), metricRows, path, kEvalMetricsObject);

  std::vector<TrialResult> results;
  results.reserve(summaryRows.size());
  std::unordered_map<std::string, size_t> rowOfTrial;
  for (size_t index = 0; index < summaryRows.size(); ++index) {
    const SummaryRow& row = summaryRows[index];
    std::string where = "results file '" + path + "', /summary row " + std::to_string(index);
    std::string trialId = text(row.trialId);
    auto inRange = [](int64_t first, int64_t count, size_t rows) {
      return first >= 0 && count >= 0 && first + count <= static_cast<int64_t>(rows);
    };
    bool curveInRange = inRange(row.curveFirstRow, row.curveRowCount, curveRows.size());
    bool metricsInRange = inRange(row.evalMetricsFirstRow, row.evalMetricsRowCount, metricRows.size());
    if (trialId.empty() || !curveInRange || !metricsInRange) {
      if (access == ReadAccess::kSwmr) continue;  // being written right now: not reported yet
      if (trialId.empty()) throw std::runtime_error(where + ": empty trial_id");
      if (!curveInRange)
        throw std::runtime_error(where + ": curve rows [" + std::to_string(row.curveFirstRow) + ", +" +
                                 std::to_string(row.curveRowCount) + ") lie outside /curves (" +
                                 std::to_string(curveRows.size()) + " rows)");
      throw std::runtime_error(where + ": eval-metrics rows [" + std::to_string(row.evalMetricsFirstRow) + ", +" +
                               std::to_string(row.evalMetricsRowCount) + ") lie outside /eval_metrics (" +
                               std::to_string(metricRows.size()) + " rows)");
    }
    // append() never writes a trial id twice, but a SWMR read racing the
    // writer's flush has been seen to return a row twice; readAll retries it.
    auto [earlier, first] = rowOfTrial.emplace(trialId, index);
    if (!first)
      throw std::runtime_error(where + ": trial_id '" + trialId + "' repeats /summary row " +
                               std::to_string(earlier->second));

    TrialResult result;
    result.trialId = trialId;
    result.workload = text(row.workload);
    result.configYaml = text(row.configYaml);
    result.seed = row.seed;
    try {
      result.status = trialStatusFromString(text(row.status));
    } catch (const std::exception& error) {
      throw std::runtime_error(where + ": " + error.what());
    }
    result.statusMessage = text(row.statusMessage);
    result.metricName = text(row.metricName);
    result.targetDirection = targetDirectionFromString(text(row.targetDirection), path);
    result.targetValue = row.targetValue;
    result.timeToResultSeconds = row.timeToResultS;
    result.stepsToResult = row.stepsToResult;
    result.steps = row.steps;
    result.epochs = row.epochs;
    result.timedSeconds = row.timedS;
    result.evalSeconds = row.evalS;
    result.setupSeconds = row.setupS;
    result.loggingSeconds = row.loggingS;
    result.checkpointSeconds = row.checkpointS;
    result.communicationSeconds = row.communicationS;
    result.wallSeconds = row.wallS;
    result.host = text(row.host);
    result.ranks = row.ranks;
    result.parameterCount = row.parameterCount;
    result.startedAtUnix = row.startedAtUnix;
    result.submission = text(row.submission);
    result.study = row.study;
    result.parameters = text(row.parameters);
    result.attempts = row.attempts;
    result.samplePoint = text(row.samplePoint);
    result.curve.reserve(static_cast<size_t>(row.curveRowCount));
    for (int64_t r = row.curveFirstRow; r < row.curveFirstRow + row.curveRowCount; ++r) {
      const CurveRow& curve = curveRows[static_cast<size_t>(r)];
      if (text(curve.trialId) != trialId)
        throw std::runtime_error(where + ": /curves row " + std::to_string(r) + " belongs to trial '" +
                                 text(curve.trialId) + "', expected '" + trialId + "'");
      result.curve.push_back(evalRecord(curve));
    }
    // The rows come in evaluation order, so each one's evaluation is the next
    // one (from the previous row's on) with its step.
    size_t evaluation = 0;
    for (int64_t r = row.evalMetricsFirstRow; r < row.evalMetricsFirstRow + row.evalMetricsRowCount; ++r) {
      const EvalMetricRow& metric = metricRows[static_cast<size_t>(r)];
      if (text(metric.trialId) != trialId)
        throw std::runtime_error(where + ": /eval_metrics row " + std::to_string(r) + " belongs to trial '" +
                                 text(metric.trialId) + "', expected '" + trialId + "'");
      while (evaluation < result.curve.size() && result.curve[evaluation].step != metric.step) ++evaluation;
      if (evaluation == result.curve.size())
        throw std::runtime_error(where + ": /eval_metrics row " + std::to_string(r) + " ('" + text(metric.name) +
                                 "' at step " + std::to_string(metric.step) +
                                 ") matches no evaluation of the trial in /curves (in written order)");
      result.curve[evaluation].extras.push_back({text(metric.name), metric.value});
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace

// ---- ResultStore ------------------------------------------------------------

ResultStore::ResultStore(std::string path, std::string writePath, Origin origin)
    : path_(std::move(path)), writePath_(std::move(writePath)), origin_(origin) {}

ResultStore::ResultStore(ResultStore&& other) noexcept
    : path_(std::move(other.path_)),
      writePath_(std::move(other.writePath_)),
      origin_(other.origin_),
      overwrite_(other.overwrite_),
      state_(std::exchange(other.state_, State::kClosed)),
      file_(std::move(other.file_)),
      summary_(std::move(other.summary_)),
      curves_(std::move(other.curves_)),
      evalMetrics_(std::move(other.evalMetrics_)),
      summaryRows_(std::exchange(other.summaryRows_, 0)),
      curveRows_(std::exchange(other.curveRows_, 0)),
      evalMetricRows_(std::exchange(other.evalMetricRows_, 0)),
      trialIds_(std::move(other.trialIds_)) {}

ResultStore& ResultStore::operator=(ResultStore&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    writePath_ = std::move(other.writePath_);
    origin_ = other.origin_;
    overwrite_ = other.overwrite_;
    state_ = std::exchange(other.state_, State::kClosed);
    file_ = std::move(other.file_);
    summary_ = std::move(other.summary_);
    curves_ = std::move(other.curves_);
    evalMetrics_ = std::move(other.evalMetrics_);
    summaryRows_ = std::exchange(other.summaryRows_, 0);
    curveRows_ = std::exchange(other.curveRows_, 0);
    evalMetricRows_ = std::exchange(other.evalMetricRows_, 0);
    trialIds_ = std::move(other.trialIds_);
  }
  return *this;
}

ResultStore::~ResultStore() { discard(); }

void ResultStore::discard() noexcept {
  if (state_ != State::kOpen) return;
  summary_.reset();
  curves_.reset();
  evalMetrics_.reset();
  file_.reset();
  if (origin_ == Origin::kCreated) ::unlink(writePath_.c_str());
  state_ = State::kClosed;
}

void ResultStore::checkWritable(const std::string& path, OverwriteMode mode) {
  if (path.empty()) throw std::runtime_error("output file path is empty");
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0)
    throw std::runtime_error("cannot write to directory " + directory.string() + ": " + errnoText(errno));
  if (!S_ISDIR(info.st_mode))
    throw std::runtime_error("cannot write to directory " + directory.string() + ": " + errnoText(ENOTDIR));

  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw std::runtime_error("output path " + path + " is a directory");
    if (mode == OverwriteMode::kFail)
      throw std::runtime_error("output file " + path + " exists; pass --overwrite to replace it");
  }

  // Permission bits do not tell the whole story (root, read-only mounts, ACLs):
  // create and delete the temporary file that create() would write.
  std::string probe = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    int error = errno;
    if (error != EEXIST)
      throw std::runtime_error("cannot write to directory " + directory.string() + ": " + errnoText(error));
    return;  // a temporary file of this process already exists: the directory is writable
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

ResultStore ResultStore::create(const std::string& path, OverwriteMode mode) {
  hdfSilenceErrorPrinting();
  checkWritable(path, mode);
  ResultStore store(path, path + ".tmp-" + std::to_string(::getpid()), Origin::kCreated);
  store.overwrite_ = mode;
  store.state_ = State::kOpen;  // from here on, the destructor removes the temporary file
  store.file_ = hdfCreateFile(store.writePath_);

  hdfWriteIntAttribute(store.file_.id(), kSchemaVersionAttribute, kSchemaVersion);
  hdfWriteStringAttribute(store.file_.id(), kGaplabVersionAttribute, GAPLAB_VERSION);
  hdfWriteStringAttribute(store.file_.id(), kCreatedAtAttribute, utcNowIso8601());
  store.createDatasets();
  hdfCheck(H5Fflush(store.file_.id(), H5F_SCOPE_LOCAL), {"H5Fflush", store.writePath_, ""});
  return store;
}

void ResultStore::createDatasets() {
  HdfDatatype summaryType =
      compoundType(summaryColumns(), sizeof(SummaryRow), TypeTarget::kFile, writePath_, kSummaryObject);
  summary_ = createTable(file_.id(), kSummaryDataset, summaryType.id(), kSummaryChunkRows, writePath_, kSummaryObject);
  HdfDatatype curveType = compoundType(curveColumns(), sizeof(CurveRow), TypeTarget::kFile, writePath_, kCurvesObject);
  curves_ = createTable(file_.id(), kCurvesDataset, curveType.id(), kCurveChunkRows, writePath_, kCurvesObject);
  HdfDatatype metricType =
      compoundType(evalMetricColumns(), sizeof(EvalMetricRow), TypeTarget::kFile, writePath_, kEvalMetricsObject);
  evalMetrics_ = createTable(file_.id(), kEvalMetricsDataset, metricType.id(), kEvalMetricChunkRows, writePath_,
                             kEvalMetricsObject);
}

ResultStore ResultStore::openForAppend(const std::string& path, AppendMode mode) {
  hdfSilenceErrorPrinting();
  checkIsHdf5File(path);
  ResultStore store(path, path, Origin::kAppending);
  HdfPropertyList access = latestFormatAccess(path);
  unsigned flags = H5F_ACC_RDWR | (mode == AppendMode::kSwmr ? H5F_ACC_SWMR_WRITE : 0u);
  // A reader that opened the file without SWMR holds a shared lock while it
  // reads; wait for it (up to about 3 s) rather than fail the sweep.
  constexpr int kLockAttempts = 25;
  hid_t id = -1;
  for (int attempt = 1;; ++attempt) {
    id = H5Fopen(path.c_str(), flags, access.id());
    if (id >= 0) break;
    std::string error = hdfTakeErrorStack();
    bool locked = mentions(error, "unable to lock file");
    if (locked && attempt < kLockAttempts) {
      ::usleep(static_cast<useconds_t>(10000 * attempt));
      continue;
    }
    std::string hint;
    if (mentions(error, "already open for write"))
      hint =
          " (a gaplab process is still writing it, or was killed while writing; if none is running, "
          "clear the mark with `h5clear -s " +
          path + "`)";
    else if (locked)
      hint = " (another process has it open)";
    throw std::runtime_error("cannot open results file '" + path + "' for appending" + hint + ": " + error);
  }
  store.file_ = HdfFile(id, {"H5Fopen (append)", path, ""});
  store.state_ = State::kOpen;
  checkSchemaVersion(store.file_.id(), path);
  store.openDatasets();
  store.loadTrialIds();
  return store;
}

void ResultStore::openDatasets() {
  summary_ = HdfDataset(H5Dopen2(file_.id(), kSummaryDataset, H5P_DEFAULT), {"H5Dopen2", writePath_, kSummaryObject});
  curves_ = HdfDataset(H5Dopen2(file_.id(), kCurvesDataset, H5P_DEFAULT), {"H5Dopen2", writePath_, kCurvesObject});
  evalMetrics_ = HdfDataset(H5Dopen2(file_.id(), kEvalMetricsDataset, H5P_DEFAULT),
                            {"H5Dopen2", writePath_, kEvalMetricsObject});
  summaryRows_ = datasetRows(summary_.id(), writePath_, kSummaryObject);
  curveRows_ = datasetRows(curves_.id(), writePath_, kCurvesObject);
  evalMetricRows_ = datasetRows(evalMetrics_.id(), writePath_, kEvalMetricsObject);
}

void ResultStore::loadTrialIds() {
  HdfDatatype type =
      compoundType(trialIdColumns(), sizeof(TrialIdRow), TypeTarget::kMemory, writePath_, kSummaryObject);
  std::vector<TrialIdRow> rows(static_cast<size_t>(summaryRows_));
  VlenGuard<TrialIdRow> guard(type.id(), rows);
  readRows(summary_.id(), type.id(), rows, writePath_, kSummaryObject);
  trialIds_.clear();
  for (const TrialIdRow& row : rows) trialIds_.insert(text(row.trialId));
}

bool ResultStore::contains(const std::string& trialId) const { return trialIds_.count(trialId) > 0; }

void ResultStore::append(const TrialResult& result, FlushMode flush) {
  hdfSilenceErrorPrinting();
  if (state_ != State::kOpen)
    throw std::logic_error("ResultStore::append: results file '" + path_ + "' is already committed");
  if (result.trialId.empty())
    throw std::invalid_argument("ResultStore::append: trial has an empty trial id (results file '" + path_ + "')");
  if (contains(result.trialId))
    throw std::invalid_argument("ResultStore::append: trial '" + result.trialId + "' is already in results file '" +
                                path_ + "'");
  checkExtrasHaveDistinctSteps(result, path_);

  // Curves and eval metrics first, then the summary row that points at them: a
  // reader (or a crash) in between sees rows without a summary row, which
  // readAll ignores, never a summary row without its curve or extras.
  std::vector<CurveRow> curveRows;
  curveRows.reserve(result.curve.size());
  for (const EvalRecord& eval : result.curve) curveRows.push_back(curveRow(result.trialId, eval));
  HdfDatatype curveType =
      compoundType(curveColumns(), sizeof(CurveRow), TypeTarget::kMemory, writePath_, kCurvesObject);
  writeRows(curves_.id(), curveType.id(), curveRows_, curveRows.data(), curveRows.size(), writePath_, kCurvesObject);

  std::vector<EvalMetricRow> metricRows = evalMetricRows(result.trialId, result.curve);
  HdfDatatype metricType =
      compoundType(evalMetricColumns(), sizeof(EvalMetricRow), TypeTarget::kMemory, writePath_, kEvalMetricsObject);
  writeRows(evalMetrics_.id(), metricType.id(), evalMetricRows_, metricRows.data(), metricRows.size(), writePath_,
            kEvalMetricsObject);

  const std::string status = toString(result.status);
  const std::string direction = toString(result.targetDirection);
  SummaryRow row = summaryRow(result, status, direction, curveRows_, evalMetricRows_,
                              static_cast<int64_t>(metricRows.size()));
  HdfDatatype summaryType =
      compoundType(summaryColumns(), sizeof(SummaryRow), TypeTarget::kMemory, writePath_, kSummaryObject);
  writeRows(summary_.id(), summaryType.id(), summaryRows_, &row, 1, writePath_, kSummaryObject);

  if (flush == FlushMode::kNow) hdfCheck(H5Fflush(file_.id(), H5F_SCOPE_LOCAL), {"H5Fflush", writePath_, ""});
  curveRows_ += static_cast<int64_t>(curveRows.size());
  evalMetricRows_ += static_cast<int64_t>(metricRows.size());
  summaryRows_ += 1;
  trialIds_.insert(result.trialId);
}

void ResultStore::flush() {
  hdfSilenceErrorPrinting();
  if (state_ != State::kOpen) return;
  hdfCheck(H5Fflush(file_.id(), H5F_SCOPE_LOCAL), {"H5Fflush", writePath_, ""});
}

void ResultStore::setAttribute(const std::string& name, const std::string& value) {
  hdfSilenceErrorPrinting();
  if (state_ != State::kOpen)
    throw std::logic_error("ResultStore::setAttribute: results file '" + path_ + "' is already committed");
  hdfWriteStringAttribute(file_.id(), name, value);
}

std::optional<std::string> ResultStore::readAttribute(const std::string& path, const std::string& name) {
  hdfSilenceErrorPrinting();
  checkIsHdf5File(path);
  ReadAccess access = ReadAccess::kPlain;
  HdfFile file = openForReading(path, access);
  checkSchemaVersion(file.id(), path);
  return hdfReadStringAttribute(file.id(), name);
}

void ResultStore::appendAtomically(const std::string& path, const std::vector<TrialResult>& results) {
  hdfSilenceErrorPrinting();
  if (results.empty()) return;
  checkIsHdf5File(path);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    std::filesystem::copy_file(path, tmp, std::filesystem::copy_options::overwrite_existing);
    {
      ResultStore store = openForAppend(tmp, AppendMode::kExclusive);
      for (const TrialResult& r : results) store.append(r, FlushMode::kDeferred);
      store.commit();  // closes (final flush)
    }
    int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "': " + errnoText(errno));
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  int dirFd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
}

void ResultStore::removeStaleTemporaries(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path directory = p.parent_path().empty() ? "." : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) std::filesystem::remove(entry.path(), ec);
  }
}

void ResultStore::clearWriterMark(const std::string& path) {
  hdfSilenceErrorPrinting();
  checkIsHdf5File(path);
  HdfPropertyList access = latestFormatAccess(path);
  // The file-access property h5clear sets; public through H5Pset since HDF5 1.10.
  hbool_t clear = true;
  if (H5Pset(access.id(), "clear_status_flags", &clear) < 0) {
    hdfTakeErrorStack();
    return;  // an HDF5 without the property: openForAppend will explain what to do
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, access.id());
  if (id < 0) {
    hdfTakeErrorStack();
    return;
  }
  H5Fclose(id);
}

void ResultStore::commit() {
  hdfSilenceErrorPrinting();
  if (state_ != State::kOpen)
    throw std::logic_error("ResultStore::commit: results file '" + path_ + "' is already committed");
  try {
    summary_.close({"H5Dclose", writePath_, kSummaryObject});
    curves_.close({"H5Dclose", writePath_, kCurvesObject});
    evalMetrics_.close({"H5Dclose", writePath_, kEvalMetricsObject});
    file_.close({"H5Fclose (final flush)", writePath_, ""});
    if (origin_ == Origin::kCreated) {
      // Make the bytes durable before the name points at them.
      int fd = ::open(writePath_.c_str(), O_RDONLY);
      if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
      struct stat info {};
      if (overwrite_ == OverwriteMode::kFail && ::stat(path_.c_str(), &info) == 0)
        throw std::runtime_error("output file " + path_ + " exists; pass --overwrite to replace it");
      if (::rename(writePath_.c_str(), path_.c_str()) != 0)
        throw std::runtime_error("cannot rename '" + writePath_ + "' to '" + path_ + "': " + errnoText(errno));
      std::filesystem::path directory = std::filesystem::path(path_).parent_path();
      int dirFd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
      if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
      }
    }
  } catch (...) {
    discard();
    throw;
  }
  state_ = State::kClosed;
  writePath_ = path_;
}

std::vector<TrialResult> ResultStore::readAll(const std::string& path) {
  hdfSilenceErrorPrinting();
  checkIsHdf5File(path);
  // A SWMR reader sees the end of the file as it was when it opened it; rows
  // appended (and flushed) after that can point at variable-length strings
  // beyond it, and the read fails. Opening again sees them, so retry a few times
  // (about 0.25 s in all), as when a writer's lock was in the way.
  constexpr int kReadAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    ReadAccess access = ReadAccess::kPlain;
    try {
      return readFile(path, access);
    } catch (const std::runtime_error&) {
      if (access == ReadAccess::kPlain || attempt == kReadAttempts) throw;
    }
    ::usleep(static_cast<useconds_t>(5000 * attempt));
  }
}

}  // namespace gaplab
