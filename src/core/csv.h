// CSV as RFC 4180 has it: records of fields separated by commas, fields optionally quoted with
// `"` (a quote inside doubled), quoted fields may hold commas and line breaks; records end with
// CRLF or LF. Pure functions and a small reader; thread-compatible, never throw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace adwatch {

/// Reads records one at a time from a text held by the caller (which must outlive the reader;
/// a large file can be a memory mapping). A leading UTF-8 byte-order mark is skipped. A blank
/// line is a record of one empty field.
class CsvReader {
 public:
  /// `strict`: see Next.
  explicit CsvReader(std::string_view text, bool strict = false);
  /// The next record into `fields`; false at the end of the text. `line` is the 1-based line on
  /// which the record starts. Lenient by default, where real files are (Meta's reports): a quote
  /// inside an unquoted field, or text after a closing quote, is kept as a literal character.
  /// Strict (Google's downloads): either sets `error` and skips the rest of that line, so the
  /// next record starts on the next line. An unterminated quote takes the rest of the text and
  /// returns the record with `error` set.
  bool Next(std::vector<std::string>* fields, std::size_t* line, std::string* error);

 private:
  // Strict mode's end of a broken record: `why` in `error`, the rest of the line skipped.
  bool Broken(const char* why, std::string* error);

  std::string_view text_;
  bool strict_ = false;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

/// One field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote, CR
/// or LF, or starts or ends with a space; as is otherwise.
std::string CsvField(std::string_view value);

}  // namespace adwatch
