// A strict RFC 4180 CSV reader for the registries' downloads (Google's transparency CSVs):
// comma-separated, fields optionally in double quotes with "" for a quote, quoted fields may
// span lines, LF or CRLF line ends, a UTF-8 byte-order mark at the start is skipped. Streams
// the input row by row (files are hundreds of MB).
// A malformed row (a quote inside an unquoted field, text after a closing quote, an unterminated
// quote at the end of input) is reported as such and reading goes on at the next line.
// Thread-safety: one instance per thread.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace adwatch::crawl {

class CsvReader {
 public:
  enum class Row { kOk, kMalformed, kEnd };

  explicit CsvReader(std::istream& in) : in_(in) {}

  /// The next row's fields in `fields`; kEnd at the end of input (or a read error: see bad()).
  Row Next(std::vector<std::string>* fields);
  /// 1-based line where the last row returned started.
  std::int64_t line() const { return row_line_; }
  bool bad() const { return in_.bad(); }

 private:
  std::istream& in_;
  std::int64_t next_line_ = 1;
  std::int64_t row_line_ = 0;
  bool started_ = false;
};

}  // namespace adwatch::crawl
