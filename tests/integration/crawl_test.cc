// The crawlers end to end: `adwatch crawl meta` against a loopback stand-in of the Ad Library
// API (tests/integration/ad_library_server.py: paging, throttling, transient errors, an expired
// token, ads that vanish from the listing but answer by id, ads that answer not found), and
// `adwatch crawl google` on hand-written downloads, into the embedded Kafka cluster, consumed by
// the real pipeline; the registry figures after every crawl equal an oracle recomputed from what
// the server served (or the files held).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "app/monitor.h"
#include "source/embedded_kafka.h"
#include "test_support.h"

namespace adwatch {
namespace {

using testing::HttpGet;
using testing::ParseMetrics;
using testing::Pence;
using testing::SampleKey;
using testing::Samples;

constexpr const char* kTopic = "adwatch.observations";
constexpr const char* kToken = "EAAtestTOKENxyz123secretvalue";

// python3 ad_library_server.py SCENARIO, its port read from its first stdout line.
class ApiServer {
 public:
  explicit ApiServer(const std::string& scenario) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      const std::string script =
          std::string(ADWATCH_SOURCE_DIR) + "/tests/integration/ad_library_server.py";
      ::execl("/usr/bin/python3", "python3", script.c_str(), scenario.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    port_ = line.empty() ? 0 : std::stoi(line);
  }
  ~ApiServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  void SelectCrawl(int n) {
    ASSERT_EQ(HttpGet(port_, "/control?crawl=" + std::to_string(n)).status, 200);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Ad {
  std::string id, page_id, page_name;
  int slot = 0;
};

// One served version of an ad (its spend grows crawl by crawl).
std::string AdJson(const Ad& ad, long long lower, long long upper) {
  std::string v = "{\"id\":\"" + ad.id + "\",\"page_id\":\"" + ad.page_id + "\",\"page_name\":\"" +
                  ad.page_name +
                  "\",\"ad_creative_bodies\":[\"Polling day is 12 December\"],"
                  "\"ad_delivery_start_time\":\"2019-11-20\",\"currency\":\"GBP\","
                  "\"spend\":{\"lower_bound\":\"" +
                  std::to_string(lower) + "\"";
  if (upper >= 0) v += ",\"upper_bound\":\"" + std::to_string(upper) + "\"";
  return v +
         "},\"impressions\":{\"lower_bound\":\"1000\",\"upper_bound\":\"4999\"},"
         "\"delivery_by_region\":[{\"region\":\"England\",\"percentage\":\"0.9\"},"
         "{\"region\":\"Wales\",\"percentage\":\"0.1\"}],"
         "\"demographic_distribution\":[{\"age\":\"25-34\",\"gender\":\"female\","
         "\"percentage\":\"0.4\"}],\"publisher_platforms\":[\"facebook\",\"instagram\"]}";
}

// What the server serves in one crawl, and so what the registry figures must show after it.
struct ServedCrawl {
  std::set<int> listed;
  std::set<int> by_id;  // answer present when looked up; any other id answers not found
  std::vector<std::string> faults, by_id_faults;
  bool expired = false;
  int fail_after_pages = -1;
};

class CrawlEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    kafka_ = EmbeddedKafka::Start({1, 4, {kTopic}}, &error);
    ASSERT_TRUE(kafka_) << error;
    config_ = DefaultConfig();
    config_.kafka.brokers = kafka_->bootstrap();
    config_.kafka.group = "crawl-" + std::to_string(::getpid());
    config_.listen = "127.0.0.1:0";
    dir_ = std::filesystem::temp_directory_path() /
           ("adwatch-crawl-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "token") << kToken << "\n";
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    monitor_.reset();
    kafka_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartMonitor() {
    monitor_ = std::make_unique<Monitor>(config_, clock_);
    std::string error;
    ASSERT_TRUE(monitor_->Start(&error)) << error;
    thread_ = std::thread([this] { monitor_->Run(stop_); });
  }
  double Handled() {
    double n = 0;
    for (std::int64_t c : monitor_->pipeline().Published()->outcomes) n += static_cast<double>(c);
    return n;
  }
  void WaitHandled(double expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (Handled() < expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(Handled(), expected);
  }
  Samples Scrape() {
    const auto r = HttpGet(monitor_->port(), "/metrics");
    EXPECT_EQ(r.status, 200);
    return ParseMetrics(r.body);
  }
  std::string Party(int slot) const {
    return slot == static_cast<int>(config_.entities.size())
               ? std::string("unattributed")
               : config_.entities[static_cast<size_t>(slot)].name;
  }
  std::vector<std::string> MetaArgs(int port) const {
    return {"crawl",         "meta",
            "--brokers",     kafka_->bootstrap(),
            "--topic",       kTopic,
            "--state",       (dir_ / "state").string(),
            "--api-base",    "http://127.0.0.1:" + std::to_string(port),
            "--token",       "${file:" + (dir_ / "token").string() + "}",
            "--page-limit",  "7",
            "--retry-base",  "0.01",
            "--max-retries", "2"};
  }

  SystemClock clock_;
  Config config_;
  std::unique_ptr<EmbeddedKafka> kafka_;
  std::unique_ptr<Monitor> monitor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::filesystem::path dir_;
};

// The field of `name=` in a logfmt summary line.
long long Field(const std::string& line, const std::string& name) {
  const size_t p = line.find(" " + name + "=");
  if (p == std::string::npos) return -1;
  return std::stoll(line.substr(p + name.size() + 2));
}

TEST_F(CrawlEndToEnd, MetaCrawlsThroughThrottlingAnOutageAndAResumeEqualTheOracle) {
  // Ads over the configured entities with page ids, and unattributed pages.
  std::vector<int> slots;
  for (size_t e = 0; e < config_.entities.size(); ++e) {
    if (!config_.entities[e].page_ids.empty()) slots.push_back(static_cast<int>(e));
  }
  const int unattributed = static_cast<int>(config_.entities.size());
  slots.push_back(unattributed);
  constexpr int kAds = 40;
  std::vector<Ad> ads;
  for (int i = 0; i < kAds; ++i) {
    Ad ad;
    ad.id = std::to_string(88000000 + i);
    ad.slot = slots[static_cast<size_t>(i) % slots.size()];
    ad.page_id = ad.slot == unattributed
                     ? "77" + std::to_string(i)
                     : config_.entities[static_cast<size_t>(ad.slot)].page_ids.front();
    ad.page_name = "Page " + std::to_string(i % 6);
    ads.push_back(ad);
  }
  auto lower = [](int i, int c) { return 100LL * (i % 5 + 1) + 500LL * c; };
  auto upper = [&](int i, int c) { return i % 9 == 8 ? -1 : lower(i, c) + 99; };

  // Crawl 0: three quarters of the ads, through throttling (613), a 503, a transient code 2 and
  // usage near the limit. Crawl 1: all, through the business-use-case limit (80004), 4, 17, 32,
  // code 1. Crawl 2, the outage: 40% vanish from the listing; a third of those answer by id, the
  // rest not found; the by-id lookups meet a 503 and a 613. Crawl 3: most return (one in seven
  // still unlisted, answering by id); its first run dies after two pages, the second resumes.
  std::vector<ServedCrawl> crawls(5);
  for (int i = 0; i < kAds; ++i) {
    if (i % 4 != 3) crawls[0].listed.insert(i);
    crawls[1].listed.insert(i);
    if (i % 5 < 2) {
      if (i % 3 == 0) crawls[2].by_id.insert(i);
    } else {
      crawls[2].listed.insert(i);
    }
    if (i % 7 == 0) {
      crawls[3].by_id.insert(i);
    } else {
      crawls[3].listed.insert(i);
    }
  }
  crawls[0].faults = {"throttle:613", "5xx", "code:2", "usage_high"};
  crawls[1].faults = {"throttle:80004", "throttle:4", "throttle:17", "throttle:32", "code:1"};
  crawls[2].by_id_faults = {"5xx", "throttle:613"};
  crawls[3].fail_after_pages = 2;
  crawls[4] = crawls[3];
  crawls[4].fail_after_pages = -1;

  // The scenario file: crawl n serves ads with crawl n's spend (crawl 4 is crawl 3 again).
  std::string scenario = std::string("{\"token\":\"") + kToken + "\",\"crawls\":[";
  for (int c = 0; c < 5; ++c) {
    const int spend_crawl = c == 4 ? 3 : c;
    const ServedCrawl& s = crawls[static_cast<size_t>(c)];
    scenario += c ? ",{" : "{";
    scenario += "\"listing\":[";
    bool first = true;
    for (int i : s.listed) {
      scenario += (first ? "" : ",") +
                  AdJson(ads[static_cast<size_t>(i)], lower(i, spend_crawl), upper(i, spend_crawl));
      first = false;
    }
    scenario += "],\"by_id\":{";
    first = true;
    for (int i : s.by_id) {
      scenario += (first ? "\"" : ",\"") + ads[static_cast<size_t>(i)].id + "\":" +
                  AdJson(ads[static_cast<size_t>(i)], lower(i, spend_crawl), upper(i, spend_crawl));
      first = false;
    }
    scenario += "},\"faults\":[";
    for (size_t f = 0; f < s.faults.size(); ++f)
      scenario += (f ? ",\"" : "\"") + s.faults[f] + "\"";
    scenario += "],\"by_id_faults\":[";
    for (size_t f = 0; f < s.by_id_faults.size(); ++f) {
      scenario += (f ? ",\"" : "\"") + s.by_id_faults[f] + "\"";
    }
    scenario += "]";
    if (s.fail_after_pages >= 0) {
      scenario += ",\"fail_listing_after_pages\":" + std::to_string(s.fail_after_pages);
    }
    scenario += "}";
  }
  scenario += "]}";
  std::ofstream(dir_ / "scenario.json") << scenario;
  ApiServer server((dir_ / "scenario.json").string());
  ASSERT_GT(server.port(), 0);
  // The crawler stamps sightings with today's time: with no regulated period, campaign-to-date
  // is all the spend, each ad's latest bounds (they telescope).
  config_.regulated_period.reset();
  StartMonitor();

  // The oracle's memory: ever listed, ever present, latest served bounds (pounds).
  std::set<int> ever_listed, ever_present;
  std::map<int, std::pair<long long, long long>> bounds;
  double produced = 0;
  std::string all_output;
  for (int c = 0; c < 4; ++c) {
    SCOPED_TRACE("crawl " + std::to_string(c));
    const ServedCrawl& s = crawls[static_cast<size_t>(c)];
    server.SelectCrawl(c);
    std::string summary;
    if (c == 0) {
      // The first crawl runs as a daemon with its metrics listener: scrape it, then stop it.
      std::vector<std::string> args = MetaArgs(server.port());
      for (const char* a : {"--interval", "3600", "--listen", "127.0.0.1:0"}) args.push_back(a);
      testing::Subprocess crawler(args);
      summary = crawler.WaitForLine("crawled registry=meta", 120);
      ASSERT_NE(summary, "") << crawler.Stderr();
      const std::string listening = crawler.WaitForLine("event=crawl_listening", 5, true);
      const int port = static_cast<int>(Field(listening, "port"));
      const auto r = HttpGet(port, "/metrics");
      ASSERT_EQ(r.status, 200);
      const Samples m = ParseMetrics(r.body);
      EXPECT_EQ(m.at(SampleKey("adwatch_crawl_pages_total", {{"registry", "meta"}})),
                Field(summary, "pages"));
      EXPECT_EQ(
          m.at(SampleKey("adwatch_crawl_ads_total", {{"registry", "meta"}, {"lookup", "listing"}})),
          static_cast<double>(s.listed.size()));
      EXPECT_EQ(m.at(SampleKey("adwatch_crawl_rate_limit_waits_total", {{"registry", "meta"}})),
                2);  // the 613 and the usage at 96%
      EXPECT_EQ(m.at(SampleKey("adwatch_crawl_errors_total",
                               {{"registry", "meta"}, {"kind", "transient"}})),
                2);  // the 503 and code 2
      EXPECT_GT(
          m.at(SampleKey("adwatch_crawl_last_success_timestamp_seconds", {{"registry", "meta"}})),
          0);
      std::string promtool;
      EXPECT_EQ(testing::PromtoolCheckMetrics(r.body, &promtool), 0) << promtool;
      crawler.Signal(SIGTERM);
      EXPECT_EQ(crawler.Wait(20), 0) << crawler.Stderr();
      all_output += crawler.Stdout() + crawler.Stderr();
    } else if (c == 3) {
      testing::Subprocess first(MetaArgs(server.port()));
      EXPECT_EQ(first.Wait(120), 1) << first.Stderr();
      all_output += first.Stdout() + first.Stderr();
      EXPECT_NE(first.Stdout().find("outcome=failed"), std::string::npos) << first.Stdout();
      EXPECT_TRUE(std::filesystem::exists(dir_ / "state" / "meta-GB.progress"));
      server.SelectCrawl(4);  // the API recovers: the same listing without the failure
      testing::Subprocess second(MetaArgs(server.port()));
      EXPECT_EQ(second.Wait(120), 0) << second.Stderr();
      summary = second.WaitForLine("crawled registry=meta", 1);
      EXPECT_NE(summary.find("resumed=true"), std::string::npos) << summary;
      all_output += second.Stdout() + second.Stderr();
      EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "meta-GB.progress"));
    } else {
      testing::Subprocess crawler(MetaArgs(server.port()));
      EXPECT_EQ(crawler.Wait(120), 0) << crawler.Stderr();
      summary = crawler.WaitForLine("crawled registry=meta", 1);
      all_output += crawler.Stdout() + crawler.Stderr();
    }
    ASSERT_NE(summary.find("outcome=completed"), std::string::npos) << summary;

    // The oracle: the crawler looks up every ad listed before and not now.
    std::set<int> unlisted, removed;
    for (int i : ever_listed) {
      if (s.listed.count(i)) continue;
      (s.by_id.count(i) ? unlisted : removed).insert(i);
    }
    EXPECT_EQ(Field(summary, "listed"), static_cast<long long>(s.listed.size())) << summary;
    EXPECT_EQ(Field(summary, "by_id_present"), static_cast<long long>(unlisted.size()));
    EXPECT_EQ(Field(summary, "not_found"), static_cast<long long>(removed.size()));
    if (c == 1) {
      EXPECT_EQ(Field(summary, "rate_limit_waits"), 4) << summary;
    }
    if (c == 2) {
      EXPECT_EQ(Field(summary, "rate_limit_waits"), 1) << summary;
    }
    for (int i : s.listed) {
      ever_present.insert(i);
      bounds[i] = {lower(i, c), upper(i, c)};
    }
    for (int i : unlisted) {
      ever_present.insert(i);
      bounds[i] = {lower(i, c), upper(i, c)};
    }
    // Exactly one message per listed ad and lookup, however many retries and the resume.
    produced += static_cast<double>(s.listed.size() + unlisted.size() + removed.size()) + 4;
    WaitHandled(produced);

    const Samples m = Scrape();
    const size_t slots_n = config_.entities.size() + 1;
    std::vector<long long> known(slots_n), missing(slots_n), unl(slots_n), rem(slots_n);
    std::vector<std::array<long long, 3>> spend(slots_n, {0, 0, 0});
    for (int i : ever_present) ++known[static_cast<size_t>(ads[static_cast<size_t>(i)].slot)];
    for (const std::set<int>* set : {&unlisted, &removed}) {
      for (int i : *set) {
        const auto e = static_cast<size_t>(ads[static_cast<size_t>(i)].slot);
        ++missing[e];
        (set == &unlisted ? unl : rem)[e] += 1;
        const long long lo = bounds[i].first * 100;
        const long long up = (bounds[i].second < 0 ? bounds[i].first : bounds[i].second) * 100;
        spend[e][0] += lo;
        spend[e][1] += up;
        spend[e][2] += (lo + up) / 2;
      }
    }
    for (size_t e = 0; e < slots_n; ++e) {
      const std::string party = Party(static_cast<int>(e));
      auto get = [&](const std::string& name) {
        const auto it = m.find(SampleKey(name, {{"registry", "meta"}, {"party", party}}));
        return it == m.end() ? 0.0 : it->second;
      };
      EXPECT_EQ(get("adwatch_registry_ads_known"), known[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_missing"), missing[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_unlisted"), unl[e]) << party;
      EXPECT_EQ(get("adwatch_registry_ads_removed"), rem[e]) << party;
      const char* names[] = {"lower", "upper", "mid"};
      for (size_t b = 0; b < 3; ++b) {
        const auto it =
            m.find(SampleKey("adwatch_registry_missing_spend_gbp",
                             {{"registry", "meta"}, {"party", party}, {"bound", names[b]}}));
        EXPECT_EQ(it == m.end() ? 0 : Pence(it->second), spend[e][b]) << party << names[b];
      }
    }
    std::vector<std::array<long long, 3>> to_date(slots_n, {0, 0, 0});
    for (const auto& [i, b] : bounds) {
      const auto e = static_cast<size_t>(ads[static_cast<size_t>(i)].slot);
      const long long lo = b.first * 100, up = (b.second < 0 ? b.first : b.second) * 100;
      to_date[e][0] += lo;
      to_date[e][1] += up;
      to_date[e][2] += (lo + up) / 2;
    }
    for (size_t e = 0; e < slots_n; ++e) {
      const char* names[] = {"lower", "upper", "mid"};
      for (size_t b = 0; b < 3; ++b) {
        const auto it = m.find(SampleKey(
            "adwatch_spend_gbp", {{"party", Party(static_cast<int>(e))}, {"bound", names[b]}}));
        EXPECT_EQ(it == m.end() ? 0 : Pence(it->second), to_date[e][b])
            << Party(static_cast<int>(e)) << " campaign-to-date " << names[b];
      }
    }
    EXPECT_EQ(
        m.at(SampleKey("adwatch_registry_ads_listed", {{"registry", "meta"}, {"scope", "GB"}})),
        static_cast<double>(s.listed.size()));
    EXPECT_EQ(m.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), 0);
    if (c == 2) {  // the outage shows: 40% of the ads missing, some unlisted, some removed
      long long all_missing = 0, all_unlisted = 0;
      for (size_t e = 0; e < slots_n; ++e) all_missing += missing[e], all_unlisted += unl[e];
      EXPECT_EQ(all_missing, kAds * 2 / 5);
      EXPECT_GT(all_unlisted, 0);
    }
    ever_listed.insert(s.listed.begin(), s.listed.end());
  }

  // The access token never left the crawler: not in its output, logs or any message; and the
  // snapshot URL the API sent was dropped.
  EXPECT_EQ(all_output.find(kToken), std::string::npos);
  const auto messages =
      testing::ConsumeTopic(kafka_->bootstrap(), kTopic, static_cast<size_t>(produced), 60);
  EXPECT_EQ(messages.size(), static_cast<size_t>(produced));
  for (const auto& message : messages) {
    ASSERT_EQ(message.value.find(kToken), std::string::npos) << message.value;
    ASSERT_EQ(message.value.find("ad_snapshot_url"), std::string::npos) << message.value;
  }
}

TEST_F(CrawlEndToEnd, AnExpiredTokenIsAClearErrorWithExitOneAndNoCrawlEnd) {
  std::ofstream(dir_ / "scenario.json")
      << "{\"token\":\"" << kToken << "\",\"crawls\":[{\"listing\":[],\"expired\":true}]}";
  ApiServer server((dir_ / "scenario.json").string());
  ASSERT_GT(server.port(), 0);
  server.SelectCrawl(0);
  testing::Subprocess crawler(MetaArgs(server.port()));
  EXPECT_EQ(crawler.Wait(60), 1);
  EXPECT_NE(crawler.Stderr().find("access token is invalid or expired"), std::string::npos)
      << crawler.Stderr();
  EXPECT_NE(crawler.Stderr().find("code 190"), std::string::npos) << crawler.Stderr();
  EXPECT_EQ((crawler.Stdout() + crawler.Stderr()).find(kToken), std::string::npos);
  EXPECT_TRUE(testing::ConsumeTopic(kafka_->bootstrap(), kTopic, 1, 3).empty());
  // No token at all is a usage error.
  testing::Subprocess no_token({"crawl", "meta", "--brokers", kafka_->bootstrap(), "--token",
                                "${ADWATCH_TEST_UNSET_TOKEN_VARIABLE}"});
  EXPECT_EQ(no_token.Wait(30), 2);
  EXPECT_NE(no_token.Stderr().find("ADWATCH_TEST_UNSET_TOKEN_VARIABLE is not set"),
            std::string::npos)
      << no_token.Stderr();
}

// Google: two downloads of the creative-stats CSV a day apart, hand-written in the documented
// column layout (every currency's Spend_Range columns, quoted names with commas, `≤ 10k`
// impressions, a US-only ad, a multi-region row, a broken row). Between them two ads are gone
// and spend grew. Campaign-to-date per party and the missing counts and spend equal what the
// table below says, computed here with the test's own arithmetic.
struct GoogleRow {
  std::string ad_id, regions, advertiser_id, advertiser_name, start;
  long long min_gbp, max_gbp;
};

std::string GoogleCsv(const std::vector<GoogleRow>& rows) {
  static const char* kCurrencies[] = {"USD", "EUR", "INR", "BGN", "HRK", "CZK", "DKK", "HUF",
                                      "PLN", "RON", "SEK", "GBP", "NZD", "ILS", "AUD", "TWD"};
  std::string csv =
      "Ad_ID,Ad_URL,Ad_Type,Regions,Advertiser_ID,Advertiser_Name,Ad_Campaigns_List,"
      "Date_Range_Start,Date_Range_End,Num_of_Days,Impressions,Spend_USD,"
      "First_Served_Timestamp,Last_Served_Timestamp,Age_Targeting,Gender_Targeting,"
      "Geo_Targeting_Included,Geo_Targeting_Excluded";
  for (const char* c : kCurrencies) {
    csv += std::string(",Spend_Range_Min_") + c + ",Spend_Range_Max_" + c;
  }
  csv += "\r\n";
  for (const GoogleRow& r : rows) {
    csv += r.ad_id + ",https://transparencyreport.google.com/political-ads/library/advertiser/" +
           r.advertiser_id + "/creative/" + r.ad_id + ",Text,\"" + r.regions + "\"," +
           r.advertiser_id + ",\"" + r.advertiser_name + "\",," + r.start +
           ",2019-12-10,20,\xE2\x89\xA4 10k,100-1k,2019-11-20 08:00:00 UTC,"
           "2019-12-10 21:00:00 UTC,\"18-24, 25-34\",Not targeted,United Kingdom,";
    for (const char* c : kCurrencies) {
      if (std::string(c) == "GBP") {
        csv += "," + std::to_string(r.min_gbp) + "," + std::to_string(r.max_gbp);
      } else if (std::string(c) == "USD" || std::string(c) == "EUR") {
        csv +=
            "," + std::to_string(r.min_gbp * 13 / 10) + "," + std::to_string(r.max_gbp * 13 / 10);
      } else {
        csv += ",,";
      }
    }
    csv += "\r\n";
  }
  return csv;
}

TEST_F(CrawlEndToEnd, GoogleDownloadsADayApartGiveTheFiguresAndMissingAdsOfTheFiles) {
  const std::vector<std::vector<GoogleRow>> days = {
      {{"CR001", "GB", "AR111", "The Conservative & Unionist Party", "2019-11-20", 1000, 2000},
       {"CR002", "GB", "AR111", "The Conservative & Unionist Party", "2019-11-25", 100, 200},
       {"CR003", "GB", "AR222", "Labour Party", "2019-11-21", 5000, 6000},
       {"CR004", "GB", "AR222", "Labour Party", "2019-11-30", 0, 50},
       {"CR005", "EU,GB", "AR333", "Liberal Democrats", "2019-11-22", 200, 300},
       {"CR006", "GB", "AR444", "Campaign for Fairer Roads, UK", "2019-11-23", 750, 800},
       {"CR007", "US", "AR999", "Friends of Main Street, Inc.", "2019-11-20", 9000, 10000}},
      {{"CR001", "GB", "AR111", "The Conservative & Unionist Party", "2019-11-20", 2000, 3000},
       {"CR003", "GB", "AR222", "Labour Party", "2019-11-21", 6000, 7000},
       {"CR005", "EU,GB", "AR333", "Liberal Democrats", "2019-11-22", 200, 300},
       {"CR006", "GB", "AR444", "Campaign for Fairer Roads, UK", "2019-11-23", 1000, 1500},
       {"CR007", "US", "AR999", "Friends of Main Street, Inc.", "2019-11-20", 9000, 12000},
       {"CR008", "GB", "AR555", "The Brexit Party", "2019-12-05", 100, 200}}};
  auto party_of = [](const std::string& advertiser) -> std::string {
    if (advertiser == "AR111") return "Conservative";
    if (advertiser == "AR222") return "Labour";
    if (advertiser == "AR333") return "Liberal Democrats";
    if (advertiser == "AR555") return "Brexit Party";
    return "unattributed";
  };
  // Downloads a day apart, a handful of ads per partition: fewer than event_time.quorum
  // witnesses, so the next day's crawl moves event time only within max_lead (README: a
  // registry crawled less often than max_lead needs max_lead of at least its interval).
  config_.event_time.max_lead_seconds = 36 * 3600;
  StartMonitor();
  std::map<std::string, GoogleRow> latest;  // GB ads seen so far
  std::set<std::string> previous;
  double produced = 0;
  for (size_t d = 0; d < days.size(); ++d) {
    SCOPED_TRACE("download " + std::to_string(d));
    // The second download is unzipped as the bundle lays itself out (a subdirectory).
    const std::filesystem::path bundle = dir_ / ("bundle" + std::to_string(d));
    const std::filesystem::path csv_dir =
        d == 0 ? bundle : bundle / "google-political-ads-transparency-bundle";
    std::filesystem::create_directories(csv_dir);
    std::string csv = GoogleCsv(days[d]);
    csv += "CR999,broken row with too few columns\r\n";  // counted and skipped
    std::ofstream(csv_dir / "google-political-ads-creative-stats.csv") << csv;
    const std::string observed = d == 0 ? "2019-12-10T06:00:00Z" : "2019-12-11T06:00:00Z";
    testing::Subprocess crawler({"crawl", "google", bundle.string(), "--brokers",
                                 kafka_->bootstrap(), "--topic", kTopic, "--state",
                                 (dir_ / "state").string(), "--observed-at", observed});
    ASSERT_EQ(crawler.Wait(60), 0) << crawler.Stderr();
    const std::string summary = crawler.WaitForLine("crawled registry=google", 1);
    std::set<std::string> now;
    for (const GoogleRow& r : days[d]) {
      if (r.regions.find("GB") == std::string::npos) continue;
      now.insert(r.ad_id);
      latest[r.ad_id] = r;
    }
    std::set<std::string> missing;
    for (const auto& id : previous) {
      if (!now.count(id)) missing.insert(id);
    }
    EXPECT_EQ(Field(summary, "listed"), static_cast<long long>(now.size())) << summary;
    EXPECT_EQ(Field(summary, "missing"), static_cast<long long>(missing.size())) << summary;
    EXPECT_EQ(Field(summary, "bad_rows"), 1) << summary;
    produced += static_cast<double>(now.size()) + 4;
    WaitHandled(produced);

    const Samples m = Scrape();
    EXPECT_EQ(m.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), 0);
    EXPECT_EQ(
        m.at(SampleKey("adwatch_registry_ads_listed", {{"registry", "google"}, {"scope", "GB"}})),
        static_cast<double>(now.size()));
    std::map<std::string, std::array<long long, 2>> spend, missing_spend;
    std::map<std::string, long long> known, missing_n;
    for (const auto& [id, r] : latest) {
      const std::string party = party_of(r.advertiser_id);
      spend[party][0] += r.min_gbp * 100;
      spend[party][1] += r.max_gbp * 100;
      ++known[party];
      if (missing.count(id)) {
        ++missing_n[party];
        missing_spend[party][0] += r.min_gbp * 100;
        missing_spend[party][1] += r.max_gbp * 100;
      }
    }
    for (const std::string party :
         {"Conservative", "Labour", "Liberal Democrats", "Brexit Party", "unattributed"}) {
      auto get = [&](const std::string& name, std::vector<std::pair<std::string, std::string>> l) {
        const auto it = m.find(SampleKey(name, std::move(l)));
        return it == m.end() ? 0.0 : it->second;
      };
      const char* bounds[] = {"lower", "upper"};
      for (size_t b = 0; b < 2; ++b) {
        // Every ad ran inside the regulated period: campaign-to-date is its latest bounds.
        EXPECT_EQ(Pence(get("adwatch_spend_gbp", {{"party", party}, {"bound", bounds[b]}})),
                  spend[party][b])
            << party << " " << bounds[b];
        EXPECT_EQ(Pence(get("adwatch_registry_missing_spend_gbp",
                            {{"registry", "google"}, {"party", party}, {"bound", bounds[b]}})),
                  missing_spend[party][b])
            << party << " " << bounds[b];
      }
      EXPECT_EQ(get("adwatch_registry_ads_known", {{"registry", "google"}, {"party", party}}),
                known[party])
          << party;
      EXPECT_EQ(get("adwatch_registry_ads_missing", {{"registry", "google"}, {"party", party}}),
                missing_n[party])
          << party;
      // A full dump has no by-id answer: nothing is unlisted or removed.
      EXPECT_EQ(get("adwatch_registry_ads_unlisted", {{"registry", "google"}, {"party", party}}),
                0);
      EXPECT_EQ(get("adwatch_registry_ads_removed", {{"registry", "google"}, {"party", party}}), 0);
    }
    previous = now;
  }
  EXPECT_GT(previous.size(), 0u);

  // The same download again is refused: adwatch would ignore a crawl_end that is not newer.
  testing::Subprocess again({"crawl", "google", (dir_ / "bundle1").string(), "--brokers",
                             kafka_->bootstrap(), "--topic", kTopic, "--state",
                             (dir_ / "state").string(), "--observed-at", "2019-12-11T06:00:00Z"});
  EXPECT_EQ(again.Wait(60), 1);
  EXPECT_NE(again.Stderr().find("not newer than the last crawl"), std::string::npos)
      << again.Stderr();

  // --reports: the weekly spend rows of advertisers with GB ads, as report messages, whole
  // pounds in pence; the US committee's row (with a Spend_GBP) is not the country's.
  std::ofstream(dir_ / "bundle1" / "google-political-ads-transparency-bundle" /
                "google-political-ads-advertiser-weekly-spend.csv")
      << "Advertiser_ID,Advertiser_Name,Election_Cycle,Week_Start_Date,Spend_USD,Spend_EUR,"
         "Spend_INR,Spend_BGN,Spend_HRK,Spend_CZK,Spend_DKK,Spend_HUF,Spend_PLN,Spend_RON,"
         "Spend_SEK,Spend_GBP\n"
         "AR111,\"The Conservative & Unionist Party\",,2019-12-01,16000,14400,0,0,0,0,0,0,0,0,0,"
         "12300\n"
         "AR999,\"Friends of Main Street, Inc.\",US-Federal-2018,2019-12-01,100,90,0,0,0,0,0,0,0,"
         "0,0,77\n"
         "AR222,Labour Party,,2019-11-24,5850,5300,0,0,0,0,0,0,0,0,0,4500\n"
         // Another election cycle's row of the same advertiser and week: summed into one report.
         "AR222,Labour Party,EU-Parliament-2019,2019-11-24,650,590,0,0,0,0,0,0,0,0,0,500\n"
         "AR111,\"The Conservative & Unionist Party\",,2019-12-08,1,1,0,0,0,0,0,0,0,0,0,12.5\n";
  testing::Subprocess reports({"crawl", "google", (dir_ / "bundle1").string(), "--brokers",
                               kafka_->bootstrap(), "--topic", "adwatch.reports", "--reports",
                               "--observed-at", "2019-12-11T06:00:00Z"});
  ASSERT_EQ(reports.Wait(60), 0) << reports.Stderr();
  // The creative-stats file's broken row and the weekly spend's pence-bearing amount.
  EXPECT_EQ(Field(reports.WaitForLine("crawled registry=google", 1), "bad_rows"), 2);
  const auto got = testing::ConsumeTopic(kafka_->bootstrap(), "adwatch.reports", 100, 5);
  std::vector<std::string> report_rows;
  for (const auto& message : got) {
    if (message.value.find("\"kind\":\"report\"") != std::string::npos) {
      report_rows.push_back(message.value);
    }
  }
  ASSERT_EQ(report_rows.size(), 2u);
  std::sort(report_rows.begin(), report_rows.end());  // partitions interleave: by advertiser
  EXPECT_EQ(report_rows[0],
            "{\"kind\":\"report\",\"registry\":\"google\",\"observed_at\":\"2019-12-11T06:00:00Z\","
            "\"release\":\"google-2019-12-11\",\"report\":\"weekly\",\"advertiser_id\":\"AR111\","
            "\"advertiser_name\":\"The Conservative & Unionist Party\",\"disclaimer\":null,"
            "\"period_start\":\"2019-12-01\",\"period_end\":\"2019-12-07\","
            "\"amount_lower_pence\":1230000,\"amount_upper_pence\":1230000,"
            "\"ads_in_library\":null}");
  EXPECT_NE(report_rows[1].find("\"advertiser_id\":\"AR222\""), std::string::npos);
  EXPECT_NE(report_rows[1].find("\"amount_lower_pence\":500000"), std::string::npos);
}

}  // namespace
}  // namespace adwatch
