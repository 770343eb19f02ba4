// core/hdf5_handle.cpp — closing HDF5 ids by kind and turning HDF5 failures into exceptions.
//
// Why: the only place in core that includes <hdf5.h> for handle management, so
// the header can promise callers that HdfId is hid_t without exposing HDF5.
#include "core/hdf5_handle.h"

#include <hdf5.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace gaplab {

static_assert(std::is_same_v<hid_t, HdfId>, "gaplab needs HDF5 >= 1.10, where hid_t is int64_t");

namespace {

// One frame of an HDF5 error stack, copied out of the walk callback.
struct ErrorFrame {
  hid_t major = -1;
  hid_t minor = -1;
  std::string function;
  std::string description;
};

herr_t collectFrame(unsigned /*n*/, const H5E_error2_t* error, void* clientData) {
  auto* frames = static_cast<std::vector<ErrorFrame>*>(clientData);
  frames->push_back(
      {error->maj_num, error->min_num, error->func_name ? error->func_name : "", error->desc ? error->desc : ""});
  return 0;
}

std::string messageText(hid_t messageId) {
  char buffer[256] = {0};
  H5E_type_t type;
  if (H5Eget_msg(messageId, &type, buffer, sizeof buffer) <= 0) return "";
  return buffer;
}

std::string frameText(const ErrorFrame& frame) {
  std::string text = messageText(frame.major);
  std::string minor = messageText(frame.minor);
  if (!minor.empty()) text += (text.empty() ? "" : ": ") + minor;
  if (frame.description.empty()) return text;
  return text.empty() ? frame.description : text + " (" + frame.description + ")";
}

}  // namespace

std::string toString(HdfKind kind) {
  switch (kind) {
    case HdfKind::kFile: return "file";
    case HdfKind::kGroup: return "group";
    case HdfKind::kDataset: return "dataset";
    case HdfKind::kDataspace: return "dataspace";
    case HdfKind::kDatatype: return "datatype";
    case HdfKind::kPropertyList: return "property list";
    case HdfKind::kAttribute: return "attribute";
  }
  return "object";
}

void hdfSilenceErrorPrinting() {
  // The automatic-printing setting is per thread in thread-safe HDF5 builds.
  thread_local bool silenced = false;
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

std::string hdfTakeErrorStack() {
  // Copying the stack also clears it, and lets H5Eget_msg (which clears the
  // default stack on entry) run without disturbing the frames being read.
  hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "";
  std::vector<ErrorFrame> frames;
  H5Ewalk2(stack, H5E_WALK_UPWARD, collectFrame, &frames);  // innermost (the cause) first
  std::string text;
  if (!frames.empty()) {
    text = frameText(frames.front());
    // The outermost frame names the API call and often says what was being done.
    const ErrorFrame& outer = frames.back();
    if (frames.size() > 1 && !outer.description.empty() && outer.description != frames.front().description)
      text += "; " + outer.description;
    if (!outer.function.empty()) text += " [in " + outer.function + "]";
  }
  H5Eclose_stack(stack);
  return text;
}

int64_t hdfCheck(int64_t status, const HdfContext& context) {
  if (status >= 0) return status;
  std::string message = "HDF5 " + std::string(context.operation) + " failed";
  if (!context.object.empty()) message += " for " + std::string(context.object);
  if (!context.path.empty()) message += " in '" + std::string(context.path) + "'";
  std::string stack = hdfTakeErrorStack();
  if (!stack.empty()) message += ": " + stack;
  throw std::runtime_error(message);
}

bool hdfIsValid(HdfId id) {
  hdfSilenceErrorPrinting();
  return id >= 0 && H5Iis_valid(id) > 0;
}

namespace detail {

int hdfClose(HdfKind kind, HdfId id) noexcept {
  hdfSilenceErrorPrinting();
  switch (kind) {
    case HdfKind::kFile: return H5Fclose(id);
    case HdfKind::kGroup: return H5Gclose(id);
    case HdfKind::kDataset: return H5Dclose(id);
    case HdfKind::kDataspace: return H5Sclose(id);
    case HdfKind::kDatatype: return H5Tclose(id);
    case HdfKind::kPropertyList: return H5Pclose(id);
    case HdfKind::kAttribute: return H5Aclose(id);
  }
  return -1;
}

void hdfCloseChecked(HdfKind kind, HdfId id, const HdfContext& context) { hdfCheck(hdfClose(kind, id), context); }

}  // namespace detail

HdfFile hdfOpenFile(const std::string& path, HdfFileAccess access) {
  hdfSilenceErrorPrinting();
  unsigned flags = access == HdfFileAccess::kReadWrite ? H5F_ACC_RDWR : H5F_ACC_RDONLY;
  return HdfFile(H5Fopen(path.c_str(), flags, H5P_DEFAULT), {"H5Fopen (open file)", path, ""});
}

HdfFile hdfCreateFile(const std::string& path) {
  hdfSilenceErrorPrinting();
  HdfPropertyList access(H5Pcreate(H5P_FILE_ACCESS), {"H5Pcreate (file access)", path, ""});
  hdfCheck(H5Pset_libver_bounds(access.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), {"H5Pset_libver_bounds", path, ""});
  return HdfFile(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.id()),
                 {"H5Fcreate (create file)", path, ""});
}

bool hdfIsHdf5File(const std::string& path) {
  hdfSilenceErrorPrinting();
  htri_t result = H5Fis_hdf5(path.c_str());
  if (result < 0) hdfTakeErrorStack();  // a missing file is "no", not an error
  return result > 0;
}

int64_t hdfOpenObjectCount(const HdfFile& file) {
  hdfSilenceErrorPrinting();
  return hdfCheck(H5Fget_obj_count(file.id(), H5F_OBJ_ALL | H5F_OBJ_LOCAL),
                  {"H5Fget_obj_count", hdfFileName(file.id()), ""});
}

std::string hdfFileName(HdfId file) {
  hdfSilenceErrorPrinting();
  ssize_t length = H5Fget_name(file, nullptr, 0);
  if (length <= 0) {
    hdfTakeErrorStack();
    return "<unknown file>";
  }
  std::string name(static_cast<size_t>(length) + 1, '\0');
  H5Fget_name(file, name.data(), name.size());
  name.resize(static_cast<size_t>(length));
  return name;
}

HdfGroup hdfCreateGroup(const HdfFile& file, const std::string& name) {
  hdfSilenceErrorPrinting();
  return HdfGroup(H5Gcreate2(file.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  {"H5Gcreate2 (create group)", hdfFileName(file.id()), name});
}

namespace {

HdfDatatype utf8StringType(std::string_view path) {
  HdfDatatype type(H5Tcopy(H5T_C_S1), {"H5Tcopy (string type)", path, ""});
  hdfCheck(H5Tset_size(type.id(), H5T_VARIABLE), {"H5Tset_size (variable-length string)", path, ""});
  hdfCheck(H5Tset_cset(type.id(), H5T_CSET_UTF8), {"H5Tset_cset (UTF-8)", path, ""});
  return type;
}

// Deletes attribute `name` of `object` if present, then creates it with `type`.
HdfAttribute replaceAttribute(HdfId object, const std::string& name, hid_t type, const std::string& path,
                              const std::string& what) {
  htri_t exists = H5Aexists(object, name.c_str());
  hdfCheck(exists, {"H5Aexists", path, what});
  if (exists > 0) hdfCheck(H5Adelete(object, name.c_str()), {"H5Adelete", path, what});
  HdfDataspace scalar(H5Screate(H5S_SCALAR), {"H5Screate (scalar)", path, what});
  return HdfAttribute(H5Acreate2(object, name.c_str(), type, scalar.id(), H5P_DEFAULT, H5P_DEFAULT),
                      {"H5Acreate2", path, what});
}

// Opens attribute `name` of `object`; an empty handle when it is absent.
HdfAttribute openAttribute(HdfId object, const std::string& name, const std::string& path, const std::string& what) {
  htri_t exists = H5Aexists(object, name.c_str());
  hdfCheck(exists, {"H5Aexists", path, what});
  if (exists == 0) return HdfAttribute();
  return HdfAttribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), {"H5Aopen", path, what});
}

}  // namespace

void hdfWriteIntAttribute(HdfId object, const std::string& name, int64_t value) {
  hdfSilenceErrorPrinting();
  std::string path = hdfFileName(object);
  std::string what = "attribute " + name;
  HdfAttribute attribute = replaceAttribute(object, name, H5T_STD_I64LE, path, what);
  hdfCheck(H5Awrite(attribute.id(), H5T_NATIVE_INT64, &value), {"H5Awrite", path, what});
}

void hdfWriteStringAttribute(HdfId object, const std::string& name, const std::string& value) {
  hdfSilenceErrorPrinting();
  std::string path = hdfFileName(object);
  std::string what = "attribute " + name;
  HdfDatatype type = utf8StringType(path);
  HdfAttribute attribute = replaceAttribute(object, name, type.id(), path, what);
  const char* data = value.c_str();
  hdfCheck(H5Awrite(attribute.id(), type.id(), &data), {"H5Awrite", path, what});
}

std::optional<int64_t> hdfReadIntAttribute(HdfId object, const std::string& name) {
  hdfSilenceErrorPrinting();
  std::string path = hdfFileName(object);
  std::string what = "attribute " + name;
  HdfAttribute attribute = openAttribute(object, name, path, what);
  if (!attribute.owns()) return std::nullopt;
  int64_t value = 0;
  hdfCheck(H5Aread(attribute.id(), H5T_NATIVE_INT64, &value), {"H5Aread (as integer)", path, what});
  return value;
}

std::optional<std::string> hdfReadStringAttribute(HdfId object, const std::string& name) {
  hdfSilenceErrorPrinting();
  std::string path = hdfFileName(object);
  std::string what = "attribute " + name;
  HdfAttribute attribute = openAttribute(object, name, path, what);
  if (!attribute.owns()) return std::nullopt;
  HdfDatatype stored(H5Aget_type(attribute.id()), {"H5Aget_type", path, what});
  if (H5Tget_class(stored.id()) != H5T_STRING)
    throw std::runtime_error("HDF5 " + what + " in '" + path + "' is not a string");
  htri_t variable = H5Tis_variable_str(stored.id());
  hdfCheck(variable, {"H5Tis_variable_str", path, what});
  if (variable > 0) {
    HdfDatatype type = utf8StringType(path);
    char* data = nullptr;
    hdfCheck(H5Aread(attribute.id(), type.id(), &data), {"H5Aread (as string)", path, what});
    std::string value = data ? data : "";
    H5free_memory(data);
    return value;
  }
  // A fixed-length string, as other tools write them.
  size_t size = H5Tget_size(stored.id());
  std::string value(size, '\0');
  hdfCheck(H5Aread(attribute.id(), stored.id(), value.data()), {"H5Aread (as string)", path, what});
  value.resize(std::strlen(value.c_str()));
  return value;
}

}  // namespace gaplab
