#include "crawl/google_crawler.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/log.h"
#include "core/rapidjson.h"
#include "crawl/csv_reader.h"

namespace adwatch::crawl {
namespace {

constexpr const char* kRegistry = "google";
constexpr const char* kCreativeStats = "google-political-ads-creative-stats.csv";
constexpr const char* kWeeklySpend = "google-political-ads-advertiser-weekly-spend.csv";

std::string Trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

bool RegionsName(const std::string& regions, const std::string& country) {
  std::size_t pos = 0;
  while (pos <= regions.size()) {
    const std::size_t comma = regions.find(',', pos);
    const std::size_t end = comma == std::string::npos ? regions.size() : comma;
    if (Trim(regions.substr(pos, end - pos)) == country) return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

int Column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// Whole pounds ("1230", "0") as pence; nullopt for anything else.
std::optional<long long> WholePoundsToPence(const std::string& s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  long long v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v * 100;
}

class GoogleCrawl {
 public:
  GoogleCrawl(const GoogleCrawlOptions& options, CrawlState& state, CrawlIo& io)
      : o_(options), state_(state), io_(io) {}

  CrawlReport Run(const std::string& path);

 private:
  CrawlReport Fail(const std::string& error) {
    report_.outcome = CrawlOutcome::kFailed;
    report_.error = error;
    return report_;
  }
  void BadRow(const std::string& file, std::int64_t line, const std::string& why) {
    ++report_.bad_rows;
    io_.metrics->Error(kRegistry, "bad_row");
    if (report_.bad_rows <= 20) {
      Log(LogLevel::kWarn, "crawl_bad_row",
          {{"registry", kRegistry},
           {"file", file},
           {"line", std::to_string(line)},
           {"reason", why}});
    }
  }
  bool Send(const std::string& line) {
    if (!io_.send(line)) {
      io_.metrics->Error(kRegistry, "kafka");
      return false;
    }
    ++report_.messages;
    return true;
  }
  bool Reports(const std::string& dir, const std::set<std::string>& advertisers,
               EpochSeconds observed_at, std::string* error);

  const GoogleCrawlOptions& o_;
  CrawlState& state_;
  CrawlIo& io_;
  CrawlReport report_;
};

CrawlReport GoogleCrawl::Run(const std::string& path) {
  const std::string file = GoogleCreativeStatsFile(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail("cannot open " + file);
  EpochSeconds observed_at = 0;
  if (o_.observed_at) {
    observed_at = *o_.observed_at;
  } else {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return Fail("cannot stat " + file);
    observed_at = (static_cast<EpochSeconds>(st.st_mtime) / 86400) * 86400;
  }
  if (observed_at <= state_.last_completed()) {
    return Fail("this download (" + FormatTimestamp(observed_at) +
                ") is not newer than the last crawl (" + FormatTimestamp(state_.last_completed()) +
                "): adwatch would ignore it");
  }
  report_.crawl_id = std::string(kRegistry) + "-" + o_.country + "-" + FormatTimestamp(observed_at);
  std::string error;
  if (!state_.Begin(report_.crawl_id, observed_at, &error)) {
    io_.metrics->Error(kRegistry, "state");
    return Fail(error);
  }
  Log(LogLevel::kInfo, "crawl_start",
      {{"registry", kRegistry},
       {"crawl_id", report_.crawl_id},
       {"file", file},
       {"known", std::to_string(state_.known().size())}});

  CsvReader csv(in);
  std::vector<std::string> header, row;
  if (csv.Next(&header) != CsvReader::Row::kOk) return Fail(file + ": no header row");
  const int ad_id = Column(header, "Ad_ID");
  const int regions = Column(header, "Regions");
  const int advertiser = Column(header, "Advertiser_ID");
  if (ad_id < 0 || regions < 0) return Fail(file + ":1: the header lacks Ad_ID or Regions");

  std::set<std::string> listed, advertisers;
  for (;;) {
    if (io_.stopped()) {  // nothing is ended: the next run sends this download again
      report_.outcome = CrawlOutcome::kInterrupted;
      report_.error = "interrupted";
      return report_;
    }
    const CsvReader::Row r = csv.Next(&row);
    if (r == CsvReader::Row::kEnd) break;
    if (r == CsvReader::Row::kMalformed) {
      BadRow(file, csv.line(), "malformed_csv");
      continue;
    }
    if (row.size() != header.size()) {
      BadRow(file, csv.line(), "column_count");
      continue;
    }
    if (!RegionsName(row[static_cast<std::size_t>(regions)], o_.country)) continue;
    const std::string& id = row[static_cast<std::size_t>(ad_id)];
    if (!UsableAdId(id)) {
      BadRow(file, csv.line(), "bad_ad_id");
      continue;
    }
    if (listed.count(id) != 0) {
      BadRow(file, csv.line(), "duplicate_ad_id");
      continue;
    }
    rapidjson::StringBuffer buffer;
    // Validating writer: a string that is not UTF-8 fails the row instead of going out.
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
        w(buffer);
    bool ok = w.StartObject();
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"kind", "observation"},
                               {"registry", kRegistry},
                               {"observed_at", FormatTimestamp(observed_at)},
                               {"crawl_id", report_.crawl_id},
                               {"scope", o_.country},
                               {"lookup", "listing"},
                               {"status", "present"}}) {
      ok = ok && w.Key(k) && w.String(v);
    }
    ok = ok && w.Key("ad") && w.StartObject();
    for (std::size_t c = 0; c < header.size(); ++c) {
      ok = ok && w.Key(header[c].c_str(), static_cast<rapidjson::SizeType>(header[c].size())) &&
           w.String(row[c]);
    }
    ok = ok && w.EndObject() && w.EndObject();
    if (!ok) {
      BadRow(file, csv.line(), "bad_encoding");
      continue;
    }
    if (!Send(std::string(buffer.GetString(), buffer.GetSize()))) {
      return Fail("cannot produce to Kafka");
    }
    io_.metrics->Ads(kRegistry, "listing");
    listed.insert(id);
    if (advertiser >= 0) advertisers.insert(row[static_cast<std::size_t>(advertiser)]);
  }
  if (csv.bad()) return Fail("read error on " + file);
  ++report_.pages;
  io_.metrics->Page(kRegistry);
  report_.listed = static_cast<std::int64_t>(listed.size());
  for (const auto& id : state_.known()) report_.missing += listed.count(id) == 0;

  if (o_.reports) {
    const std::string dir = std::filesystem::path(file).parent_path().string();  // beside it
    if (!Reports(dir.empty() ? "." : dir, advertisers, observed_at, &error)) return Fail(error);
  }

  const std::string end_line = "{\"kind\":\"crawl_end\",\"registry\":\"google\",\"crawl_id\":\"" +
                               report_.crawl_id + "\",\"scope\":\"" + o_.country +
                               "\",\"started_at\":\"" + FormatTimestamp(observed_at) +
                               "\",\"completed_at\":\"" + FormatTimestamp(observed_at) +
                               "\",\"ads_listed\":" + std::to_string(report_.listed) + "}";
  if (!Send(end_line)) return Fail("cannot produce to Kafka");
  if (!io_.flush()) {
    io_.metrics->Error(kRegistry, "kafka");
    return Fail("messages could not be delivered to Kafka");
  }
  std::set<std::string> known = state_.known();
  known.insert(listed.begin(), listed.end());
  if (!state_.Complete(known, observed_at, &error)) {
    io_.metrics->Error(kRegistry, "state");
    return Fail(error);
  }
  io_.metrics->Success(kRegistry, static_cast<double>(io_.clock->Now()));
  report_.outcome = CrawlOutcome::kCompleted;
  return report_;
}

bool GoogleCrawl::Reports(const std::string& dir, const std::set<std::string>& advertisers,
                          EpochSeconds observed_at, std::string* error) {
  const std::string file = dir + "/" + kWeeklySpend;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *error = "--reports: cannot open " + file;
    return false;
  }
  CsvReader csv(in);
  std::vector<std::string> header, row;
  if (csv.Next(&header) != CsvReader::Row::kOk) {
    *error = file + ": no header row";
    return false;
  }
  const int id = Column(header, "Advertiser_ID"), name = Column(header, "Advertiser_Name"),
            week = Column(header, "Week_Start_Date"), spend = Column(header, "Spend_GBP");
  if (id < 0 || name < 0 || week < 0 || spend < 0) {
    *error = file +
             ":1: the header lacks Advertiser_ID, Advertiser_Name, Week_Start_Date or "
             "Spend_GBP";
    return false;
  }
  const std::string release =
      std::string(kRegistry) + "-" + FormatTimestamp(observed_at).substr(0, 10);
  for (;;) {
    const CsvReader::Row r = csv.Next(&row);
    if (r == CsvReader::Row::kEnd) break;
    if (r == CsvReader::Row::kMalformed || row.size() != header.size()) {
      BadRow(file, csv.line(), r == CsvReader::Row::kMalformed ? "malformed_csv" : "column_count");
      continue;
    }
    // One file covers every country: a row is the country's when its advertiser has an ad
    // there (never decided by which currency column is filled).
    const std::string& advertiser = row[static_cast<std::size_t>(id)];
    if (advertisers.count(advertiser) == 0) continue;
    const auto start = ParseDateOrTimestamp(row[static_cast<std::size_t>(week)]);
    const auto pence = WholePoundsToPence(row[static_cast<std::size_t>(spend)]);
    if (!UsableAdId(advertiser) || !start || row[static_cast<std::size_t>(week)].size() != 10 ||
        !pence) {
      BadRow(file, csv.line(), "bad_value");
      continue;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
        w(buffer);
    bool ok = w.StartObject();
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"kind", "report"},
                               {"registry", kRegistry},
                               {"observed_at", FormatTimestamp(observed_at)},
                               {"release", release},
                               {"report", "weekly"},
                               {"advertiser_id", advertiser},
                               {"advertiser_name", row[static_cast<std::size_t>(name)]},
                               {"period_start", FormatTimestamp(*start).substr(0, 10)},
                               {"period_end", FormatTimestamp(*start + 6 * 86400).substr(0, 10)}}) {
      ok = ok && w.Key(k) && w.String(v);
    }
    ok = ok && w.Key("disclaimer") && w.Null() && w.Key("amount_lower_pence") && w.Int64(*pence) &&
         w.Key("amount_upper_pence") && w.Int64(*pence) && w.Key("ads_in_library") && w.Null() &&
         w.EndObject();
    if (!ok) {
      BadRow(file, csv.line(), "bad_encoding");
      continue;
    }
    if (!Send(std::string(buffer.GetString(), buffer.GetSize()))) {
      *error = "cannot produce to Kafka";
      return false;
    }
    io_.metrics->Ads(kRegistry, "report");
  }
  return true;
}

}  // namespace

std::string GoogleCreativeStatsFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // The bundle zip unpacks into google-political-ads-transparency-bundle/.
    const std::string nested = path + "/google-political-ads-transparency-bundle/" + kCreativeStats;
    if (std::filesystem::exists(nested, ec)) return nested;
    return path + "/" + kCreativeStats;
  }
  return path;
}

CrawlReport CrawlGoogle(const GoogleCrawlOptions& options, const std::string& path,
                        CrawlState& state, CrawlIo& io) {
  GoogleCrawl crawl(options, state, io);
  return crawl.Run(path);
}

}  // namespace adwatch::crawl
