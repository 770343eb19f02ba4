// core/data/text_corpus.h — byte-level text corpora from Debian's fortune files.
//
// Why: the language-model workloads train on real text that ships with the
// system (no download at run time): English fortunes from Debian's `fortunes`
// package and German ones from `fortunes-de`. A corpus is a list of records
// (one fortune each), so that train/validation can be split by record and the
// bytes of a record never straddle the split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gaplab {

inline constexpr const char* kFortunesEnglishDir = "/usr/share/games/fortunes";     // package fortunes
inline constexpr const char* kFortunesGermanDir = "/usr/share/games/fortunes/de";   // package fortunes-de

// Records in load order: files in sorted name order, records in file order.
struct TextCorpus {
  std::string name;
  std::vector<std::string> records;

  // Total bytes of all records (separators between records not counted).
  int64_t bytes() const;
};

// Reads every fortune file directly in `directory` (not recursive). A fortune
// file holds records separated by lines holding only '%' (a trailing '\r' is
// tolerated). A record is the text of its lines joined by '\n', without the
// newline that ends its last line; records that are empty or only whitespace
// are dropped. Skipped: names ending in ".dat" (strfile's binary index),
// symbolic links named "*.u8" (Debian's UTF-8 aliases of the plain files),
// subdirectories and anything else that is not a regular file, and files whose
// content is not text (holds a NUL byte). Files are read in sorted name order,
// so the same directory always gives the same corpus.
// Throws std::runtime_error naming the path: a missing directory (with the
// Debian package to install: fortunes for English, fortunes-de for German),
// an unreadable file, or a directory without any record ("no fortune records
// found in <dir>; expected files of records separated by lines holding '%'").
TextCorpus loadFortuneCorpus(const std::string& directory, const std::string& name);

// The records of one fortune file's content (same rules as above); exposed for tests.
std::vector<std::string> parseFortuneRecords(const std::string& content);

}  // namespace gaplab
