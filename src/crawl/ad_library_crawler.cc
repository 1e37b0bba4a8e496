#include "crawl/ad_library_crawler.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/log.h"
#include "core/rapidjson.h"

namespace adwatch::crawl {
namespace {

constexpr const char* kRegistry = "meta";

// How one API call ended.
enum class CallResult { kOk, kNotFound, kAuth, kFatal, kStopped };

// Everything after the first '?' of a URL is dropped from what we show (the token lives there).
std::string Redact(std::string text, const std::string& token) {
  if (token.empty()) return text;
  for (std::size_t p = text.find(token); p != std::string::npos; p = text.find(token, p)) {
    text.replace(p, token.size(), "[redacted]");
  }
  return text;
}

// Highest percentage in a usage header: x-app-usage `{"call_count":28,"total_time":25,…}` or
// x-business-use-case-usage `{"<id>":[{"type":"ads_archive","call_count":100,…,
// "estimated_time_to_regain_access":19}]}` (minutes). `regain_minutes` gets the largest
// estimated_time_to_regain_access seen.
void ReadUsage(const rapidjson::Value& v, double* max_pct, double* regain_minutes) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (m.value.IsNumber()) {
        const double x = m.value.GetDouble();
        if (name == "estimated_time_to_regain_access") {
          *regain_minutes = std::max(*regain_minutes, x);
        } else if (name == "call_count" || name == "total_time" || name == "total_cputime" ||
                   name == "acc_id_util_pct") {
          *max_pct = std::max(*max_pct, x);
        }
      } else {
        ReadUsage(m.value, max_pct, regain_minutes);
      }
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) ReadUsage(e, max_pct, regain_minutes);
  }
}

void Usage(const HttpResult& r, double* max_pct, double* regain_minutes) {
  *max_pct = 0;
  *regain_minutes = 0;
  for (const char* header : {"x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"}) {
    const auto it = r.headers.find(header);
    if (it == r.headers.end()) continue;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(it->second.c_str(), it->second.size());
    if (!d.HasParseError()) ReadUsage(d, max_pct, regain_minutes);
  }
}

bool IsThrottle(std::int64_t code) {
  return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80014);
}

class MetaCrawl {
 public:
  MetaCrawl(const MetaCrawlOptions& options, CrawlState& state, CrawlIo& io)
      : o_(options), state_(state), io_(io) {}

  CrawlReport Run();

 private:
  std::string Url(const std::string& path, const std::string& query) const {
    return o_.api_base + "/" + o_.api_version + "/" + path + "?" + query +
           "&access_token=" + UrlEncode(o_.access_token);
  }
  std::string ListingQuery(const std::string& after) const;
  CallResult Call(const std::string& url, const std::string& what, bool by_id,
                  rapidjson::Document* doc);
  bool Wait(double seconds, const std::string& why);
  std::string Observation(const rapidjson::Value& ad, const std::string& lookup,
                          EpochSeconds observed_at) const;
  std::string NotFound(const std::string& id, EpochSeconds observed_at) const;
  CrawlReport Fail(CrawlOutcome outcome, const std::string& error) {
    report_.outcome = outcome;
    report_.error = Redact(error, o_.access_token);
    return report_;
  }
  bool Deliver(std::string* error) {
    if (io_.flush()) return true;
    io_.metrics->Error(kRegistry, "kafka");
    *error = "messages could not be delivered to Kafka";
    return false;
  }

  const MetaCrawlOptions& o_;
  CrawlState& state_;
  CrawlIo& io_;
  CrawlReport report_;
  double pause_before_next_ = 0;  // seconds to wait before the next call (usage near the limit)
};

std::string MetaCrawl::ListingQuery(const std::string& after) const {
  std::string q = "ad_type=POLITICAL_AND_ISSUE_ADS&ad_active_status=ALL";
  q += "&ad_reached_countries=" + UrlEncode("[\"" + o_.country + "\"]");
  if (!o_.delivery_date_min.empty()) q += "&ad_delivery_date_min=" + o_.delivery_date_min;
  if (!o_.delivery_date_max.empty()) q += "&ad_delivery_date_max=" + o_.delivery_date_max;
  if (!o_.search_page_ids.empty()) {
    std::string ids = "[";
    for (std::size_t i = 0; i < o_.search_page_ids.size(); ++i) {
      ids += (i ? ",\"" : "\"") + o_.search_page_ids[i] + "\"";
    }
    q += "&search_page_ids=" + UrlEncode(ids + "]");
  } else {
    q += "&search_terms=" + UrlEncode(o_.search_terms);
  }
  q += "&fields=" + UrlEncode(MetaAdFields());
  q += "&limit=" + std::to_string(o_.page_limit);
  if (!after.empty()) q += "&after=" + UrlEncode(after);
  return q;
}

bool MetaCrawl::Wait(double seconds, const std::string& why) {
  ++report_.rate_limit_waits;
  io_.metrics->RateLimitWait(kRegistry);
  Log(LogLevel::kInfo, "crawl_rate_limit_wait",
      {{"registry", kRegistry},
       {"seconds", std::to_string(static_cast<long long>(seconds))},
       {"reason", why}});
  return io_.sleep(seconds);
}

CallResult MetaCrawl::Call(const std::string& url, const std::string& what, bool by_id,
                           rapidjson::Document* doc) {
  int transient_in_a_row = 0;
  int throttled_in_a_row = 0;
  std::string last;
  for (;;) {
    if (pause_before_next_ > 0) {
      const double pause = pause_before_next_;
      pause_before_next_ = 0;
      if (!Wait(pause, "usage_high")) return CallResult::kStopped;
    }
    HttpResult r = io_.get(url);
    double pct = 0, regain = 0;
    Usage(r, &pct, &regain);
    bool transient = false, throttled = false;
    if (r.status == 0) {
      transient = true;
      last = what + ": " + r.error;
    } else {
      doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
          r.body.c_str(), r.body.size());
      const bool json = !doc->HasParseError() && doc->IsObject();
      const rapidjson::Value* err = nullptr;
      if (json && doc->HasMember("error") && (*doc)["error"].IsObject()) err = &(*doc)["error"];
      std::int64_t code = 0, subcode = 0;
      std::string message;
      bool is_transient = false;
      if (err != nullptr) {
        if (err->HasMember("code") && (*err)["code"].IsInt64()) code = (*err)["code"].GetInt64();
        if (err->HasMember("error_subcode") && (*err)["error_subcode"].IsInt64()) {
          subcode = (*err)["error_subcode"].GetInt64();
        }
        if (err->HasMember("message") && (*err)["message"].IsString()) {
          message = (*err)["message"].GetString();
        }
        is_transient = err->HasMember("is_transient") && (*err)["is_transient"].IsBool() &&
                       (*err)["is_transient"].GetBool();
      }
      if (r.status == 200 && json && err == nullptr) {
        if (pct >= 95) pause_before_next_ = std::max(o_.retry_base_seconds, regain * 60);
        return CallResult::kOk;
      }
      last = what + ": HTTP " + std::to_string(r.status) +
             (err ? " code " + std::to_string(code) +
                        (subcode ? " subcode " + std::to_string(subcode) : "") + ": " +
                        message.substr(0, 200)
                  : "");
      if (code == 190) {
        io_.metrics->Error(kRegistry, "auth");
        report_.error = last;
        return CallResult::kAuth;
      }
      if (IsThrottle(code) || r.status == 429) {
        throttled = true;
      } else if (by_id && (code == 100 || r.status == 404)) {
        // Graph API: "Unsupported get request. Object with ID '…' does not exist" (code 100,
        // subcode 33) — the registry says the ad is gone.
        return CallResult::kNotFound;
      } else if (r.status >= 500 || code == 1 || code == 2 || is_transient) {
        transient = true;
      }
    }
    if (throttled) {
      io_.metrics->Error(kRegistry, "rate_limit");
      const double backoff =
          std::min(o_.max_wait_seconds, o_.retry_base_seconds * std::pow(2.0, throttled_in_a_row));
      ++throttled_in_a_row;
      const double wait = std::min(o_.max_wait_seconds, std::max(backoff, regain * 60));
      if (!Wait(wait, "throttled")) return CallResult::kStopped;
      continue;
    }
    if (transient) {
      io_.metrics->Error(kRegistry, "transient");
      if (transient_in_a_row >= o_.max_retries) {
        report_.error = last + " (gave up after " + std::to_string(o_.max_retries) + " retries)";
        return CallResult::kFatal;
      }
      const double wait =
          std::min(o_.max_wait_seconds, o_.retry_base_seconds * std::pow(2.0, transient_in_a_row));
      ++transient_in_a_row;
      ++report_.retries;
      Log(LogLevel::kWarn, "crawl_retry",
          {{"registry", kRegistry},
           {"error", Redact(last, o_.access_token)},
           {"attempt", std::to_string(transient_in_a_row)}});
      if (!io_.sleep(wait)) return CallResult::kStopped;
      continue;
    }
    io_.metrics->Error(kRegistry, "api");
    report_.error = last;
    return CallResult::kFatal;
  }
}

std::string MetaCrawl::Observation(const rapidjson::Value& ad, const std::string& lookup,
                                   EpochSeconds observed_at) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("kind");
  w.String("observation");
  w.Key("registry");
  w.String(kRegistry);
  w.Key("observed_at");
  w.String(FormatTimestamp(observed_at));
  w.Key("crawl_id");
  w.String(report_.crawl_id);
  w.Key("scope");
  w.String(o_.country);
  w.Key("lookup");
  w.String(lookup);
  w.Key("status");
  w.String("present");
  w.Key("ad");
  w.StartObject();
  for (const auto& m : ad.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "ad_snapshot_url") continue;  // embeds the access token
    w.Key(m.name.GetString(), m.name.GetStringLength());
    m.value.Accept(w);
  }
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string MetaCrawl::NotFound(const std::string& id, EpochSeconds observed_at) const {
  return "{\"kind\":\"observation\",\"registry\":\"meta\",\"observed_at\":\"" +
         FormatTimestamp(observed_at) + "\",\"crawl_id\":\"" + report_.crawl_id +
         "\",\"scope\":\"" + o_.country +
         "\",\"lookup\":\"by_id\",\"status\":\"not_found\",\"ad\":{\"id\":\"" + id + "\"}}";
}

CrawlReport MetaCrawl::Run() {
  std::string error;
  EpochSeconds started_at = io_.clock->Now();
  if (state_.interrupted() && !o_.fresh) {
    report_.resumed = true;
    report_.crawl_id = state_.interrupted()->crawl_id;
    started_at = state_.interrupted()->started_at;
    Log(LogLevel::kInfo, "crawl_resume",
        {{"registry", kRegistry},
         {"crawl_id", report_.crawl_id},
         {"listed_so_far", std::to_string(state_.interrupted()->listed.size())}});
  } else {
    // adwatch ignores a crawl_end not newer than the previous one: start after it.
    while (io_.clock->Now() <= state_.last_completed()) {
      if (!io_.sleep(0.2)) return Fail(CrawlOutcome::kInterrupted, "interrupted");
    }
    started_at = io_.clock->Now();
    report_.crawl_id =
        std::string(kRegistry) + "-" + o_.country + "-" + FormatTimestamp(started_at);
    if (!state_.Begin(report_.crawl_id, started_at, &error)) {
      io_.metrics->Error(kRegistry, "state");
      return Fail(CrawlOutcome::kFailed, error);
    }
  }
  Log(LogLevel::kInfo, "crawl_start",
      {{"registry", kRegistry},
       {"crawl_id", report_.crawl_id},
       {"scope", o_.country},
       {"known", std::to_string(state_.known().size())}});

  // 1. The listing, page by page; each page recorded once its observations were delivered.
  while (!state_.interrupted()->listing_done) {
    if (io_.stopped()) return Fail(CrawlOutcome::kInterrupted, "interrupted");
    const std::string cursor = state_.interrupted()->cursor;
    rapidjson::Document doc;
    switch (Call(Url("ads_archive", ListingQuery(cursor)), "ads_archive page", false, &doc)) {
      case CallResult::kOk:
        break;
      case CallResult::kStopped:
        return Fail(CrawlOutcome::kInterrupted, "interrupted");
      case CallResult::kAuth:
        return Fail(CrawlOutcome::kAuthFailed,
                    "the access token is invalid or expired (" + report_.error + ")");
      default:
        return Fail(CrawlOutcome::kFailed, report_.error);
    }
    const EpochSeconds observed_at = io_.clock->Now();
    std::vector<std::string> ids;
    std::size_t n = 0;
    if (doc.HasMember("data") && doc["data"].IsArray()) {
      for (const auto& ad : doc["data"].GetArray()) {
        ++n;
        const bool has_id = ad.IsObject() && ad.HasMember("id") && ad["id"].IsString();
        const std::string id = has_id ? ad["id"].GetString() : "";
        if (!UsableAdId(id)) {
          ++report_.bad_rows;
          io_.metrics->Error(kRegistry, "bad_row");
          continue;
        }
        if (!io_.send(Observation(ad, "listing", observed_at))) {
          io_.metrics->Error(kRegistry, "kafka");
          return Fail(CrawlOutcome::kFailed, "cannot produce to Kafka");
        }
        ++report_.messages;
        io_.metrics->Ads(kRegistry, "listing");
        ids.push_back(id);
      }
    }
    std::string next_cursor;
    bool has_next = false;
    if (doc.HasMember("paging") && doc["paging"].IsObject()) {
      const auto& paging = doc["paging"];
      has_next = paging.HasMember("next") && paging["next"].IsString();
      if (paging.HasMember("cursors") && paging["cursors"].IsObject() &&
          paging["cursors"].HasMember("after") && paging["cursors"]["after"].IsString()) {
        next_cursor = paging["cursors"]["after"].GetString();
      }
    }
    if (!Deliver(&error)) return Fail(CrawlOutcome::kFailed, error);
    ++report_.pages;
    io_.metrics->Page(kRegistry);
    const bool last = n == 0 || !has_next || next_cursor.empty() || next_cursor == cursor;
    if (!state_.RecordPage(ids, next_cursor, &error) ||
        (last && !state_.RecordListingDone(&error))) {
      io_.metrics->Error(kRegistry, "state");
      return Fail(CrawlOutcome::kFailed, error);
    }
    Log(LogLevel::kInfo, "crawl_page",
        {{"registry", kRegistry},
         {"page", std::to_string(report_.pages)},
         {"ads", std::to_string(ids.size())},
         {"listed", std::to_string(state_.interrupted()->listed.size())}});
  }
  const std::set<std::string> listed = state_.interrupted()->listed;
  report_.listed = static_cast<std::int64_t>(listed.size());

  // 2. Every known ad the listing lacked, by id.
  std::vector<std::string> lookups;
  for (const auto& id : state_.known()) {
    if (listed.count(id) == 0) {
      ++report_.missing;
      if (state_.interrupted()->looked_up.count(id) == 0) lookups.push_back(id);
    }
  }
  const std::string by_id_query = "fields=" + UrlEncode(MetaAdFields());
  constexpr std::size_t kBatch = 50;  // lookups delivered and recorded together
  for (std::size_t b = 0; b < lookups.size(); b += kBatch) {
    if (io_.stopped()) return Fail(CrawlOutcome::kInterrupted, "interrupted");
    const std::size_t end = std::min(lookups.size(), b + kBatch);
    for (std::size_t i = b; i < end; ++i) {
      rapidjson::Document doc;
      const CallResult result = Call(Url(lookups[i], by_id_query), "lookup by id", true, &doc);
      const EpochSeconds observed_at = io_.clock->Now();
      std::string line;
      if (result == CallResult::kOk) {
        if (!doc.HasMember("id") || !doc["id"].IsString() || doc["id"].GetString() != lookups[i]) {
          ++report_.bad_rows;
          io_.metrics->Error(kRegistry, "bad_row");
          continue;
        }
        line = Observation(doc, "by_id", observed_at);
        ++report_.by_id_present;
      } else if (result == CallResult::kNotFound) {
        line = NotFound(lookups[i], observed_at);
        ++report_.not_found;
      } else if (result == CallResult::kStopped) {
        return Fail(CrawlOutcome::kInterrupted, "interrupted");
      } else if (result == CallResult::kAuth) {
        return Fail(CrawlOutcome::kAuthFailed,
                    "the access token is invalid or expired (" + report_.error + ")");
      } else {
        return Fail(CrawlOutcome::kFailed, report_.error);
      }
      if (!io_.send(line)) {
        io_.metrics->Error(kRegistry, "kafka");
        return Fail(CrawlOutcome::kFailed, "cannot produce to Kafka");
      }
      ++report_.messages;
      io_.metrics->Ads(kRegistry, "by_id");
    }
    if (!Deliver(&error)) return Fail(CrawlOutcome::kFailed, error);
    for (std::size_t i = b; i < end; ++i) {
      if (!state_.RecordLookedUp(lookups[i], &error)) {
        io_.metrics->Error(kRegistry, "state");
        return Fail(CrawlOutcome::kFailed, error);
      }
    }
    Log(LogLevel::kInfo, "crawl_lookups",
        {{"registry", kRegistry},
         {"done", std::to_string(end)},
         {"of", std::to_string(lookups.size())}});
  }

  // 3. The crawl_end, to every partition; then the listed ads join the known ones.
  const EpochSeconds completed_at = std::max(io_.clock->Now(), started_at);
  const std::string end_line = "{\"kind\":\"crawl_end\",\"registry\":\"meta\",\"crawl_id\":\"" +
                               report_.crawl_id + "\",\"scope\":\"" + o_.country +
                               "\",\"started_at\":\"" + FormatTimestamp(started_at) +
                               "\",\"completed_at\":\"" + FormatTimestamp(completed_at) +
                               "\",\"ads_listed\":" + std::to_string(report_.listed) + "}";
  if (!io_.send(end_line)) {
    io_.metrics->Error(kRegistry, "kafka");
    return Fail(CrawlOutcome::kFailed, "cannot produce to Kafka");
  }
  ++report_.messages;
  if (!Deliver(&error)) return Fail(CrawlOutcome::kFailed, error);
  std::set<std::string> known = state_.known();
  known.insert(listed.begin(), listed.end());
  if (!state_.Complete(known, completed_at, &error)) {
    io_.metrics->Error(kRegistry, "state");
    return Fail(CrawlOutcome::kFailed, error);
  }
  io_.metrics->Success(kRegistry, static_cast<double>(io_.clock->Now()));
  report_.outcome = CrawlOutcome::kCompleted;
  return report_;
}

}  // namespace

const char* MetaAdFields() {
  return "id,ad_creation_time,ad_creative_bodies,ad_creative_link_captions,"
         "ad_creative_link_descriptions,ad_creative_link_titles,ad_delivery_start_time,"
         "ad_delivery_stop_time,bylines,currency,delivery_by_region,demographic_distribution,"
         "estimated_audience_size,impressions,languages,page_id,page_name,publisher_platforms,"
         "spend";
}

CrawlReport CrawlMeta(const MetaCrawlOptions& options, CrawlState& state, CrawlIo& io) {
  MetaCrawl crawl(options, state, io);
  return crawl.Run();
}

}  // namespace adwatch::crawl
