#include "core/csv.h"

namespace adwatch {

CsvReader::CsvReader(std::string_view text, bool strict) : text_(text), strict_(strict) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::Next(std::vector<std::string>* fields, std::size_t* line, std::string* error) {
  fields->clear();
  error->clear();
  if (pos_ >= text_.size()) return false;
  *line = line_;
  std::string field;
  bool quoted = false;  // inside a quoted field
  bool was_quoted = false;
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (quoted) {
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field += '"';
          ++pos_;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field += c;
      }
      continue;
    }
    if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      fields->push_back(std::move(field));
      return true;
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (strict_ && was_quoted) {
      fields->push_back(std::move(field));
      return Broken("text after a closing quote", error);
    } else if (strict_ && c == '"') {
      fields->push_back(std::move(field));
      return Broken("quote inside an unquoted field", error);
    } else {
      field += c;  // a quote inside an unquoted field is a literal one (real reports have them)
    }
  }
  if (quoted) *error = "unterminated quoted field";
  fields->push_back(std::move(field));
  return true;
}

bool CsvReader::Broken(const char* why, std::string* error) {
  *error = why;
  while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
  if (pos_ < text_.size()) {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  return true;
}

std::string CsvField(std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace adwatch
