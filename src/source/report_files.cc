#include "source/report_files.h"

#include <algorithm>
#include <map>

#include "core/csv.h"
#include "core/rapidjson.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kDay = 86400;
constexpr std::size_t kMaxDigits = 12;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ASCII lower case, runs of white space folded to one space, trimmed.
std::string Fold(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : Lower(s)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1 to 12 ASCII digits.
bool WholeNumber(std::string_view s, std::int64_t* out) {
  if (s.empty() || s.size() > kMaxDigits) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<EpochSeconds> Day(std::string_view s) {
  s = Trim(s);
  if (s.size() != 10) return std::nullopt;
  return ParseDateOrTimestamp(s);
}

std::string BaseName(std::string_view name) {
  const auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (name.size() > 4 && Lower(name.substr(name.size() - 4)) == ".csv") {
    name.remove_suffix(4);
  }
  return std::string(name);
}

std::string Where(std::string_view name, std::size_t line) {
  return std::string(name) + ":" + std::to_string(line) + ": ";
}

// Column index by header name (as matched by `match`), or -1.
template <typename Match>
int Column(const std::vector<std::string>& header, Match match) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (match(Lower(Trim(header[i])))) return static_cast<int>(i);
  }
  return -1;
}

// The header row into `fields`; false with `error` when the text has none.
bool Header(CsvReader& reader, std::string_view name, std::vector<std::string>* fields,
            std::string* error) {
  std::size_t line = 0;
  std::string bad;
  if (!reader.Next(fields, &line, &bad) || !bad.empty()) {
    *error = std::string(name) + ": no header row";
    return false;
  }
  return true;
}

// Whether a record the reader gave is a data row with the `needed` cells: a blank line is not
// a row; a row that is broken or short is counted and goes into the errors.
bool DataRow(const std::vector<std::string>& fields, std::size_t line, const std::string& bad,
             std::size_t needed, std::string_view name, ParsedReportFile* out) {
  if (fields.size() == 1 && Trim(fields[0]).empty()) return false;  // blank line
  ++out->rows;
  if (!bad.empty()) {
    out->errors.push_back(Where(name, line) + bad);
    return false;
  }
  if (fields.size() < needed) {
    out->errors.push_back(Where(name, line) + "row has " + std::to_string(fields.size()) +
                          " cells, the header needs " + std::to_string(needed));
    return false;
  }
  return true;
}

// Sets the defaults every report of a file shares (release, observed_at) and sums the rows of
// one advertiser and period into one report (Meta lists pages of the same name and disclaimer
// on separate rows).
void Finish(std::string_view name, const ReportFileOptions& options, ParsedReportFile* out) {
  std::map<std::pair<std::string, EpochSeconds>, std::size_t> first;
  std::vector<Report> merged;
  merged.reserve(out->reports.size());
  for (Report& r : out->reports) {
    const auto [it, inserted] =
        first.try_emplace({r.advertiser_id, r.period_start.value_or(r.period_end)}, merged.size());
    if (inserted) {
      merged.push_back(std::move(r));
      continue;
    }
    Report& into = merged[it->second];
    into.amount.lower += r.amount.lower;
    into.amount.upper += r.amount.upper;
    if (r.ads_in_library) into.ads_in_library = into.ads_in_library.value_or(0) + *r.ads_in_library;
  }
  out->reports = std::move(merged);
  const std::string release = options.release.empty() ? BaseName(name) : options.release;
  EpochSeconds latest = 0;
  for (const Report& r : out->reports) latest = std::max(latest, r.period_end + kDay);
  for (Report& r : out->reports) {
    r.release = release;
    r.observed_at = options.observed_at.value_or(latest);
  }
}

bool ParseGoogle(std::string_view text, std::string_view name, const ReportFileOptions& options,
                 ParsedReportFile* out, std::string* error) {
  CsvReader reader(text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  std::string bad;
  if (!Header(reader, name, &fields, error)) return false;
  const std::string spend_column = Lower("Spend_" + options.currency);
  const int id = Column(fields, [](const std::string& h) { return h == "advertiser_id"; });
  const int who = Column(fields, [](const std::string& h) { return h == "advertiser_name"; });
  const int week = Column(fields, [](const std::string& h) { return h == "week_start_date"; });
  const int spend = Column(fields, [&](const std::string& h) { return h == spend_column; });
  for (const auto& [index, column] :
       {std::pair{id, "Advertiser_ID"}, std::pair{who, "Advertiser_Name"},
        std::pair{week, "Week_Start_Date"}, std::pair{spend, "Spend_<currency>"}}) {
    if (index < 0) {
      *error = std::string(name) + ":1: missing column " +
               (std::string_view(column) == "Spend_<currency>" ? "Spend_" + options.currency
                                                               : std::string(column));
      return false;
    }
  }
  const auto needed = static_cast<std::size_t>(std::max({id, who, week, spend})) + 1;
  while (reader.Next(&fields, &line, &bad)) {
    if (!DataRow(fields, line, bad, needed, name, out)) continue;
    Report r;
    r.registry = "google";
    r.kind = ReportKind::kWeekly;
    r.advertiser_id = std::string(Trim(fields[static_cast<std::size_t>(id)]));
    r.advertiser_name = std::string(Trim(fields[static_cast<std::size_t>(who)]));
    const auto start = Day(fields[static_cast<std::size_t>(week)]);
    std::int64_t units = 0;
    const std::string_view amount = Trim(fields[static_cast<std::size_t>(spend)]);
    if (r.advertiser_id.empty()) {
      out->errors.push_back(Where(name, line) + "empty Advertiser_ID");
    } else if (!start) {
      out->errors.push_back(Where(name, line) + "Week_Start_Date is not a YYYY-MM-DD date");
    } else if (!WholeNumber(amount, &units)) {
      out->errors.push_back(Where(name, line) + "Spend_" + options.currency +
                            (amount.empty() ? " is empty" : " is not a whole number"));
    } else {
      r.period_start = *start;
      r.period_end = *start + 6 * kDay;
      r.amount = SpendRange{units * 100, units * 100, false};
      out->reports.push_back(std::move(r));
    }
  }
  Finish(name, options, out);
  return true;
}

// The report and period a Meta report file's name implies.
bool MetaPeriodFromName(std::string_view name, ReportKind* kind, EpochSeconds* end) {
  const std::string base = BaseName(name);
  const auto underscore = base.rfind('_');
  if (underscore == std::string::npos || underscore < 10) return false;
  const auto day = Day(std::string_view(base).substr(underscore - 10, 10));
  if (!day) return false;
  const std::string what = Lower(std::string_view(base).substr(underscore + 1));
  if (what.find("todate") != std::string::npos || what.find("lifelong") != std::string::npos) {
    *kind = ReportKind::kToDate;
  } else if (what.find("week") != std::string::npos) {
    *kind = ReportKind::kWeekly;
  } else {
    return false;
  }
  *end = *day;
  return true;
}

bool ParseMeta(std::string_view text, std::string_view name, const ReportFileOptions& options,
               ParsedReportFile* out, std::string* error) {
  ReportKind kind = ReportKind::kToDate;
  EpochSeconds end = 0;
  const bool named = MetaPeriodFromName(name, &kind, &end);
  if (options.kind) kind = *options.kind;
  if (options.period_end) end = *options.period_end;
  if (!options.period_end && !named) {
    *error = std::string(name) +
             ": no period: name the file like FBReportGB2019-05-11_SpendingToDate.csv or give "
             "--report and --period-end";
    return false;
  }
  if (!options.kind && !named) {
    *error = std::string(name) + ": which report (weekly or to_date)? give --report";
    return false;
  }
  CsvReader reader(text);
  std::vector<std::string> fields;
  std::size_t line = 0;
  std::string bad;
  if (!Header(reader, name, &fields, error)) return false;
  const int page_id = Column(fields, [](const std::string& h) { return h == "page id"; });
  const int page = Column(fields, [](const std::string& h) { return h == "page name"; });
  const int disclaimer = Column(fields, [](const std::string& h) { return h == "disclaimer"; });
  std::string currency_seen;
  const int amount = Column(fields, [&](const std::string& h) {
    if (!h.starts_with("amount spent")) return false;
    const auto open = h.find('(');
    const auto close = h.find(')');
    if (open != std::string::npos && close != std::string::npos && close > open) {
      currency_seen = h.substr(open + 1, close - open - 1);
    }
    return true;
  });
  const int ads =
      Column(fields, [](const std::string& h) { return h.starts_with("number of ads"); });
  for (const auto& [index, column] :
       {std::pair{page, "Page Name"}, std::pair{disclaimer, "Disclaimer"},
        std::pair{amount, "Amount Spent"}}) {
    if (index < 0) {
      *error = std::string(name) + ":1: missing column " + column;
      return false;
    }
  }
  if (!currency_seen.empty() && currency_seen != Lower(options.currency)) {
    *error =
        std::string(name) + ":1: amounts are in " + currency_seen + ", not " + options.currency;
    return false;
  }
  const auto needed =
      static_cast<std::size_t>(std::max({page_id, page, disclaimer, amount, ads})) + 1;
  while (reader.Next(&fields, &line, &bad)) {
    if (!DataRow(fields, line, bad, needed, name, out)) continue;
    const auto cell = [&](int i) { return Trim(fields[static_cast<std::size_t>(i)]); };
    Report r;
    r.registry = "meta";
    r.kind = kind;
    r.period_end = end;
    if (kind == ReportKind::kWeekly) r.period_start = end - 6 * kDay;
    r.advertiser_name = std::string(cell(page));
    r.disclaimer = std::string(cell(disclaimer));
    r.advertiser_id = page_id >= 0 && !cell(page_id).empty()
                          ? std::string(cell(page_id))
                          : MetaAdvertiserId(r.advertiser_name, r.disclaimer);
    std::string_view spent = cell(amount);
    std::int64_t pounds = 0;
    if (spent.starts_with("\xE2\x89\xA4")) {  // "≤100": at most that many pounds
      if (!WholeNumber(Trim(spent.substr(3)), &pounds)) {
        out->errors.push_back(Where(name, line) + "amount is not a whole number or ≤N");
        continue;
      }
      r.amount = SpendRange{0, pounds * 100, false};
    } else if (WholeNumber(spent, &pounds)) {
      r.amount = SpendRange{pounds * 100, pounds * 100, false};
    } else {
      out->errors.push_back(Where(name, line) +
                            (spent.empty() ? "amount is empty" : "amount is not a whole number"));
      continue;
    }
    if (ads >= 0) {
      std::int64_t n = 0;
      if (!WholeNumber(cell(ads), &n)) {
        out->errors.push_back(Where(name, line) + "number of ads is not a whole number");
        continue;
      }
      r.ads_in_library = n;
    }
    out->reports.push_back(std::move(r));
  }
  Finish(name, options, out);
  return true;
}

}  // namespace

std::string MetaAdvertiserId(std::string_view page_name, std::string_view disclaimer) {
  return "name:" + Fold(page_name) + "|" + Fold(disclaimer);
}

bool ParseReportFile(ReportFileFormat format, std::string_view text, std::string_view name,
                     const ReportFileOptions& options, ParsedReportFile* out, std::string* error) {
  return format == ReportFileFormat::kGoogleWeeklySpend
             ? ParseGoogle(text, name, options, out, error)
             : ParseMeta(text, name, options, out, error);
}

std::string ReportToJson(const Report& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&](const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  const auto day = [](EpochSeconds t) { return FormatTimestamp(t).substr(0, 10); };
  w.StartObject();
  str("kind", "report");
  str("registry", r.registry);
  str("observed_at", FormatTimestamp(r.observed_at));
  str("release", r.release);
  str("report", r.kind == ReportKind::kWeekly ? "weekly" : "to_date");
  str("advertiser_id", r.advertiser_id);
  str("advertiser_name", r.advertiser_name);
  w.Key("disclaimer");
  if (r.disclaimer.empty()) {
    w.Null();
  } else {
    w.String(r.disclaimer.data(), static_cast<rapidjson::SizeType>(r.disclaimer.size()));
  }
  w.Key("period_start");
  if (r.period_start) {
    const std::string d = day(*r.period_start);
    w.String(d.data(), static_cast<rapidjson::SizeType>(d.size()));
  } else {
    w.Null();
  }
  str("period_end", day(r.period_end));
  w.Key("amount_lower_pence");
  w.Int64(r.amount.lower);
  w.Key("amount_upper_pence");
  if (r.amount.open_ended) {
    w.Null();
  } else {
    w.Int64(r.amount.upper);
  }
  w.Key("ads_in_library");
  if (r.ads_in_library) {
    w.Int64(*r.ads_in_library);
  } else {
    w.Null();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace adwatch
