#include "crawl/google_crawler.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/csv.h"
#include "core/log.h"
#include "core/rapidjson.h"
#include "core/utf8.h"
#include "source/report_files.h"

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

// A file mapped read-only (the downloads are ~100s of MB: read in place, paged by the kernel).
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  /// False when the file cannot be opened or mapped.
  bool Open(const std::string& path, struct stat* st) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::fstat(fd, st) == 0;
    size_ = ok ? static_cast<std::size_t>(st->st_size) : 0;
    if (ok && size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      ok = p != MAP_FAILED;
      if (ok) data_ = p;
    }
    ::close(fd);
    return ok;
  }
  std::string_view text() const {
    return data_ == nullptr ? std::string_view()
                            : std::string_view(static_cast<char*>(data_), size_);
  }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

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
  // Counts a bad row; true when it is among the first 20, which are logged.
  bool CountBadRow() {
    ++report_.bad_rows;
    io_.metrics->Error(kRegistry, "bad_row");
    return report_.bad_rows <= 20;
  }
  void BadRow(const std::string& file, std::size_t line, const std::string& why) {
    if (CountBadRow()) {
      Log(LogLevel::kWarn, "crawl_bad_row",
          {{"registry", kRegistry},
           {"file", file},
           {"line", std::to_string(line)},
           {"reason", why}});
    }
  }
  // `error` as report_files gives it ("FILE:LINE: why").
  void BadRow(const std::string& error) {
    if (CountBadRow()) {
      Log(LogLevel::kWarn, "crawl_bad_row", {{"registry", kRegistry}, {"error", error}});
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
  MappedFile in;
  struct stat st {};
  if (!in.Open(file, &st)) return Fail("cannot open " + file);
  const EpochSeconds observed_at =
      o_.observed_at ? *o_.observed_at : (static_cast<EpochSeconds>(st.st_mtime) / 86400) * 86400;
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

  CsvReader csv(in.text(), /*strict=*/true);
  std::vector<std::string> header, row;
  std::size_t line = 0;
  std::string bad;
  if (!csv.Next(&header, &line, &bad) || !bad.empty()) return Fail(file + ": no header row");
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
    if (!csv.Next(&row, &line, &bad)) break;
    if (row.size() == 1 && row[0].empty()) continue;  // a blank line
    if (!bad.empty()) {
      BadRow(file, line, "malformed_csv");
      continue;
    }
    if (row.size() != header.size()) {
      BadRow(file, line, "column_count");
      continue;
    }
    if (!RegionsName(row[static_cast<std::size_t>(regions)], o_.country)) continue;
    const std::string& id = row[static_cast<std::size_t>(ad_id)];
    if (!UsableAdId(id)) {
      BadRow(file, line, "bad_ad_id");
      continue;
    }
    if (listed.count(id) != 0) {
      BadRow(file, line, "duplicate_ad_id");
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
      BadRow(file, line, "bad_encoding");
      continue;
    }
    if (!Send(std::string(buffer.GetString(), buffer.GetSize()))) {
      return Fail("cannot produce to Kafka");
    }
    io_.metrics->Ads(kRegistry, "listing");
    listed.insert(id);
    if (advertiser >= 0) advertisers.insert(row[static_cast<std::size_t>(advertiser)]);
  }
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
  MappedFile in;
  struct stat st {};
  if (!in.Open(file, &st)) {
    *error = "--reports: cannot open " + file;
    return false;
  }
  // As `adwatch replay --format google-weekly-spend --release google-DAY --observed-at T` would
  // read it: the release is named after the download's day and taken when the download was.
  ReportFileOptions options;
  options.release = std::string(kRegistry) + "-" + FormatTimestamp(observed_at).substr(0, 10);
  options.observed_at = observed_at;
  ParsedReportFile parsed;
  if (!ParseReportFile(ReportFileFormat::kGoogleWeeklySpend, in.text(), file, options, &parsed,
                       error)) {
    return false;
  }
  for (const std::string& e : parsed.errors) BadRow(e);
  for (const Report& r : parsed.reports) {
    // One file covers every country: a row is the country's when its advertiser has an ad
    // there (never decided by which currency column is filled).
    if (advertisers.count(r.advertiser_id) == 0) continue;
    const std::string json = ReportToJson(r);
    if (!UsableAdId(r.advertiser_id) || !ValidUtf8(json)) {
      BadRow(file + ": advertiser " + r.advertiser_id + ": " +
             (ValidUtf8(json) ? "bad_advertiser_id" : "bad_encoding"));
      continue;
    }
    if (!Send(json)) {
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
