#include "crawl/csv_reader.h"

namespace adwatch::crawl {

CsvReader::Row CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  std::string line;
  for (;;) {
    if (!std::getline(in_, line)) return Row::kEnd;
    row_line_ = next_line_++;
    if (!started_) {
      started_ = true;
      if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) break;  // blank lines between rows are skipped
  }
  std::string field;
  std::size_t i = 0;
  for (;;) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {  // the quoted field continues on the next line
          std::string more;
          if (!std::getline(in_, more)) return Row::kMalformed;
          ++next_line_;
          if (!more.empty() && more.back() == '\r') more.pop_back();
          field += '\n';
          line = std::move(more);
          i = 0;
          continue;
        }
        const char c = line[i++];
        if (c != '"') {
          field += c;
        } else if (i < line.size() && line[i] == '"') {
          field += '"';
          ++i;
        } else {
          break;  // closing quote
        }
      }
      if (i < line.size() && line[i] != ',') return Row::kMalformed;
    } else {
      const std::size_t end = line.find(',', i);
      const std::size_t stop = end == std::string::npos ? line.size() : end;
      field.assign(line, i, stop - i);
      if (field.find('"') != std::string::npos) return Row::kMalformed;
      i = stop;
    }
    fields->push_back(field);
    if (i >= line.size()) return Row::kOk;
    ++i;                     // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty field
      fields->emplace_back();
      return Row::kOk;
    }
  }
}

}  // namespace adwatch::crawl
