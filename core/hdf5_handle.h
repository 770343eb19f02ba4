// core/hdf5_handle.h — RAII ownership of HDF5 identifiers and error checks with context.
//
// Why: every HDF5 object (file, group, dataset, dataspace, datatype, property
// list, attribute) is an integer id that must be closed with its own H5*close,
// and every HDF5 call reports failure as a negative number while printing its
// error stack to stderr. The results file and checkpoints need both done the
// same way: ids owned by move-only handles that close on scope exit, failures
// turned into exceptions that name the operation, the file and the object, with
// the HDF5 error stack's own explanation in the text instead of on stderr.
// A few helpers every HDF5 writer needs (open/create a file, scalar attributes)
// sit beside the handles.
//
// <hdf5.h> stays out of this header (core links HDF5 privately): an id is an
// `HdfId` (int64_t, which is what hid_t is in HDF5 1.10+; checked in the .cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaplab {

using HdfId = int64_t;

// The kind of object an id names; it picks the close function.
enum class HdfKind { kFile, kGroup, kDataset, kDataspace, kDatatype, kPropertyList, kAttribute };

std::string toString(HdfKind kind);

// Where an HDF5 call happened, for error messages. `object` may be empty.
struct HdfContext {
  std::string_view operation;  // e.g. "H5Dwrite" or "append summary row"
  std::string_view path;       // the file
  std::string_view object;     // e.g. "/summary" or "attribute gaplab_schema_version"
};

// Turns off HDF5's automatic printing of its error stack for the calling thread
// (H5Eset_auto2). Idempotent and cheap; every gaplab entry point that calls HDF5
// calls it first, so the library never writes to stderr on its own.
void hdfSilenceErrorPrinting();

// Returns `status` when it is >= 0. Otherwise throws std::runtime_error:
//   "HDF5 <operation> failed for <object> in '<path>': <major>: <minor> (<detail>)"
// where major/minor/detail come from the current HDF5 error stack (then cleared).
int64_t hdfCheck(int64_t status, const HdfContext& context);

// The current thread's HDF5 error stack as one line ("" when it is empty); clears it.
std::string hdfTakeErrorStack();

// True when `id` names an open HDF5 object (H5Iis_valid).
bool hdfIsValid(HdfId id);

namespace detail {
// Closes `id` with the H5*close of `kind`; returns the HDF5 status (negative on failure).
int hdfClose(HdfKind kind, HdfId id) noexcept;
// Like hdfClose, throwing with `context` on failure.
void hdfCloseChecked(HdfKind kind, HdfId id, const HdfContext& context);
}  // namespace detail

// Owns one HDF5 id of kind K: move-only, closed by the destructor (errors there
// are swallowed; call close() to see them). A default-constructed handle owns nothing.
template <HdfKind K>
class HdfHandle {
 public:
  static constexpr HdfKind kKind = K;

  HdfHandle() = default;
  // Takes ownership of `id`, which must be a valid id (a negative one throws with `context`).
  HdfHandle(HdfId id, const HdfContext& context) : id_(hdfCheck(id, context)) {}
  ~HdfHandle() { reset(); }

  HdfHandle(const HdfHandle&) = delete;
  HdfHandle& operator=(const HdfHandle&) = delete;
  HdfHandle(HdfHandle&& other) noexcept : id_(other.release()) {}
  HdfHandle& operator=(HdfHandle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.release();
    }
    return *this;
  }

  HdfId id() const { return id_; }
  bool owns() const { return id_ >= 0; }

  // Gives up ownership without closing; the caller must close the returned id.
  HdfId release() noexcept {
    HdfId id = id_;
    id_ = -1;
    return id;
  }
  // Closes now, throwing with `context` when HDF5 reports a failure (for a file,
  // the final flush happens here). The handle owns nothing afterwards.
  void close(const HdfContext& context) {
    if (owns()) detail::hdfCloseChecked(K, release(), context);
  }
  // Closes now, ignoring failures.
  void reset() noexcept {
    if (owns()) detail::hdfClose(K, release());
  }

 private:
  HdfId id_ = -1;
};

using HdfFile = HdfHandle<HdfKind::kFile>;
using HdfGroup = HdfHandle<HdfKind::kGroup>;
using HdfDataset = HdfHandle<HdfKind::kDataset>;
using HdfDataspace = HdfHandle<HdfKind::kDataspace>;
using HdfDatatype = HdfHandle<HdfKind::kDatatype>;
using HdfPropertyList = HdfHandle<HdfKind::kPropertyList>;
using HdfAttribute = HdfHandle<HdfKind::kAttribute>;

// Opening and creating files, so that callers without <hdf5.h> (tests, tools) can too.
enum class HdfFileAccess { kReadOnly, kReadWrite };

// Opens an existing HDF5 file; throws naming `path` when it is missing, unreadable
// or not an HDF5 file.
HdfFile hdfOpenFile(const std::string& path, HdfFileAccess access);
// Creates (truncating) an HDF5 file in the latest file format, which single-writer/
// multiple-reader (SWMR) access requires.
HdfFile hdfCreateFile(const std::string& path);
// True when `path` exists and starts with an HDF5 signature (H5Fis_hdf5).
bool hdfIsHdf5File(const std::string& path);
// The number of objects (files, groups, datasets, datatypes, attributes) open in `file`,
// including the file itself: tests use it to check that handles were closed.
int64_t hdfOpenObjectCount(const HdfFile& file);
// The name `file` was opened with (H5Fget_name), for messages.
std::string hdfFileName(HdfId file);
// Creates a group `name` under `file`.
HdfGroup hdfCreateGroup(const HdfFile& file, const std::string& name);

// Scalar attributes on any object (file, group, dataset). Writing replaces an
// attribute of the same name; integers are stored as 64-bit little-endian,
// strings as variable-length UTF-8 (what h5py reads as str). Reading returns
// nullopt when the attribute is absent and throws when it has another type.
void hdfWriteIntAttribute(HdfId object, const std::string& name, int64_t value);
void hdfWriteStringAttribute(HdfId object, const std::string& name, const std::string& value);
std::optional<int64_t> hdfReadIntAttribute(HdfId object, const std::string& name);
std::optional<std::string> hdfReadStringAttribute(HdfId object, const std::string& name);

}  // namespace gaplab
