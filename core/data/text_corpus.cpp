// core/data/text_corpus.cpp — directory scan, text check and '%'-record parsing
// of fortune files (see the header for what is read and what is skipped).
#include "core/data/text_corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace gaplab {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The package that provides `directory`, inferred from its path.
std::string installHint(const std::string& directory) {
  std::string path = fs::path(directory).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string german = fs::path(kFortunesGermanDir).lexically_normal().string();
  const std::string english = fs::path(kFortunesEnglishDir).lexically_normal().string();
  if (path == german || endsWith(path, "/de") || path.find("fortunes-de") != std::string::npos)
    return "install Debian's fortunes-de package (apt-get install fortunes-de)";
  if (path == english)
    return "install Debian's fortunes package (apt-get install fortunes)";
  return "install Debian's fortunes (English) / fortunes-de (German) package (apt-get install fortunes fortunes-de)";
}

bool onlyWhitespace(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; });
}

bool isSeparatorLine(const std::string& content, std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin;
  return (n == 1 && content[begin] == '%') || (n == 2 && content[begin] == '%' && content[begin + 1] == '\r');
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("fortune file " + path.string() + ": cannot open for reading");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("fortune file " + path.string() + ": read error");
  return content;
}

}  // namespace

int64_t TextCorpus::bytes() const {
  int64_t total = 0;
  for (const std::string& r : records) total += static_cast<int64_t>(r.size());
  return total;
}

std::vector<std::string> parseFortuneRecords(const std::string& content) {
  std::vector<std::string> records;
  std::string current;
  bool hasLine = false;  // whether `current` holds at least one line
  auto flush = [&] {
    if (hasLine && !onlyWhitespace(current)) records.push_back(std::move(current));
    current.clear();
    hasLine = false;
  };
  std::size_t begin = 0;
  while (begin < content.size()) {
    std::size_t end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    if (isSeparatorLine(content, begin, end)) {
      flush();
    } else {
      if (hasLine) current.push_back('\n');
      current.append(content, begin, end - begin);
      hasLine = true;
    }
    begin = end + 1;
  }
  flush();
  return records;
}

TextCorpus loadFortuneCorpus(const std::string& directory, const std::string& name) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw std::runtime_error("fortune directory " + directory +
                             (fs::exists(directory, ec) ? " is not a directory; " : " does not exist; ") +
                             installHint(directory));

  std::vector<fs::path> files;
  fs::directory_iterator it(directory, ec);
  if (ec) throw std::runtime_error("fortune directory " + directory + ": cannot list: " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string fileName = entry.path().filename().string();
    if (endsWith(fileName, ".dat")) continue;                                // strfile index
    if (endsWith(fileName, ".u8") && entry.is_symlink(ec)) continue;         // alias of a plain file
    if (!entry.is_regular_file(ec)) continue;                                // subdirectory, device, dangling link
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });

  TextCorpus corpus;
  corpus.name = name;
  for (const fs::path& path : files) {
    const std::string content = readFile(path);
    if (content.find('\0') != std::string::npos) continue;  // binary, not a fortune file
    std::vector<std::string> records = parseFortuneRecords(content);
    corpus.records.insert(corpus.records.end(), std::make_move_iterator(records.begin()),
                          std::make_move_iterator(records.end()));
  }
  if (corpus.records.empty())
    throw std::runtime_error("no fortune records found in " + directory +
                             "; expected files of records separated by lines holding '%'");
  return corpus;
}

}  // namespace gaplab
