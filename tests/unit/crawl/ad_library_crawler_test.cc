// The Ad Library pager against scripted HTTP answers (no network): requests carry the documented
// parameters, throttling waits what the usage header says, the token never leaves, the
// snapshot URL is dropped.
#include "crawl/ad_library_crawler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>

namespace adwatch::crawl {
namespace {

constexpr const char* kToken = "SECRETtoken42";

struct Scripted {
  std::deque<HttpResult> answers;
  std::vector<std::string> urls;
  std::vector<std::string> sent;
  std::vector<double> sleeps;
  ManualClock clock{1575871200};  // 2019-12-09T06:00:00Z
  CrawlMetrics metrics;
  CrawlIo io;
  Scripted() {
    io.send = [this](const std::string& line) {
      sent.push_back(line);
      return true;
    };
    io.flush = [] { return true; };
    io.get = [this](const std::string& url) {
      urls.push_back(url);
      clock.Set(clock.Now() + 1);
      if (answers.empty()) return HttpResult{500, "", "{}", {}};
      HttpResult r = answers.front();
      answers.pop_front();
      return r;
    };
    io.sleep = [this](double s) {
      sleeps.push_back(s);
      return true;
    };
    io.clock = &clock;
    io.metrics = &metrics;
  }
  void Answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
    answers.push_back(HttpResult{status, "", std::move(body), std::move(headers)});
  }
};

std::string Ad(const std::string& id) {
  return "{\"id\":\"" + id +
         "\",\"page_id\":\"8807334278\",\"spend\":{\"lower_bound\":\"100\"},"
         "\"ad_snapshot_url\":\"https://www.facebook.com/ads/archive/render_ad/?id=" +
         id + "&access_token=" + kToken + "\"}";
}

TEST(AdLibraryCrawler, PagesThrottlesLooksUpAndEnds) {
  Scripted s;
  std::string error;
  auto state = CrawlState::Open("", "meta", "GB", &error);
  ASSERT_TRUE(state->Begin("old", 1, &error));
  ASSERT_TRUE(state->Complete({"1", "7", "8"}, 2, &error));

  // Page 1, then a business-use-case throttle asking for 2 minutes, then page 2 (last).
  s.Answer(200, "{\"data\":[" + Ad("1") + "," + Ad("2") +
                    "],\"paging\":{\"cursors\":{\"before\":\"b\",\"after\":\"AFTER1\"},"
                    "\"next\":\"https://graph.facebook.com/v21.0/ads_archive?access_token=" +
                    kToken + "&after=AFTER1\"}}");
  s.Answer(400,
           "{\"error\":{\"message\":\"There have been too many calls\",\"type\":"
           "\"OAuthException\",\"code\":80000,\"fbtrace_id\":\"x\"}}",
           {{"x-business-use-case-usage",
             "{\"123\":[{\"type\":\"ads_archive\",\"call_count\":100,\"total_cputime\":10,"
             "\"total_time\":10,\"estimated_time_to_regain_access\":2}]}"}});
  s.Answer(200, "{\"data\":[" + Ad("3") + "],\"paging\":{\"cursors\":{\"after\":\"AFTER2\"}}}");
  // Lookups of 7 (present by id) and 8 (not found: code 100, subcode 33).
  s.Answer(200, Ad("7"));
  s.Answer(400,
           "{\"error\":{\"message\":\"Unsupported get request. Object with ID '8' does not "
           "exist\",\"type\":\"GraphMethodException\",\"code\":100,\"error_subcode\":33}}");

  MetaCrawlOptions o;
  o.access_token = kToken;
  o.api_base = "http://127.0.0.1:1";
  o.delivery_date_min = "2019-11-06";
  o.retry_base_seconds = 1;
  const CrawlReport r = CrawlMeta(o, *state, s.io);
  ASSERT_EQ(r.outcome, CrawlOutcome::kCompleted) << r.error;
  EXPECT_EQ(r.pages, 2);
  EXPECT_EQ(r.listed, 3);
  EXPECT_EQ(r.by_id_present, 1);
  EXPECT_EQ(r.not_found, 1);
  EXPECT_EQ(r.rate_limit_waits, 1);
  ASSERT_EQ(s.sleeps.size(), 1u);
  EXPECT_EQ(s.sleeps[0], 120);  // estimated_time_to_regain_access is in minutes

  // The documented parameters, and the cursor of page 1 on the next request.
  const std::string& first = s.urls[0];
  EXPECT_EQ(first.rfind("http://127.0.0.1:1/v21.0/ads_archive?", 0), 0u);
  for (const char* p : {"ad_type=POLITICAL_AND_ISSUE_ADS", "ad_active_status=ALL",
                        "ad_reached_countries=%5B%22GB%22%5D", "ad_delivery_date_min=2019-11-06",
                        "search_terms=%27%27", "limit=250", "fields=id%2Cad_creation_time"}) {
    EXPECT_NE(first.find(p), std::string::npos) << p << " in " << first;
  }
  EXPECT_EQ(first.find("ad_snapshot_url"), std::string::npos);
  EXPECT_NE(s.urls[2].find("&after=AFTER1"), std::string::npos);
  EXPECT_EQ(s.urls[3].rfind("http://127.0.0.1:1/v21.0/7?fields=", 0), 0u);

  ASSERT_EQ(s.sent.size(), 6u);  // 3 listed, 2 lookups, crawl_end
  for (const auto& line : s.sent) {
    EXPECT_EQ(line.find(kToken), std::string::npos) << line;
    EXPECT_EQ(line.find("ad_snapshot_url"), std::string::npos) << line;
  }
  EXPECT_EQ(s.sent[0],
            "{\"kind\":\"observation\",\"registry\":\"meta\",\"observed_at\":"
            "\"2019-12-09T06:00:01Z\",\"crawl_id\":\"meta-GB-2019-12-09T06:00:00Z\",\"scope\":"
            "\"GB\",\"lookup\":\"listing\",\"status\":\"present\",\"ad\":{\"id\":\"1\","
            "\"page_id\":\"8807334278\",\"spend\":{\"lower_bound\":\"100\"}}}");
  EXPECT_NE(s.sent[3].find("\"lookup\":\"by_id\",\"status\":\"present\""), std::string::npos);
  EXPECT_NE(s.sent[4].find("\"lookup\":\"by_id\",\"status\":\"not_found\",\"ad\":{\"id\":\"8\"}"),
            std::string::npos);
  EXPECT_NE(s.sent[5].find("\"kind\":\"crawl_end\""), std::string::npos);
  EXPECT_NE(s.sent[5].find("\"ads_listed\":3"), std::string::npos);
  EXPECT_EQ(state->known(), (std::set<std::string>{"1", "2", "3", "7", "8"}));
}

TEST(AdLibraryCrawler, AnExpiredTokenEndsTheCrawlWithoutACrawlEndAndWithoutTheToken) {
  Scripted s;
  std::string error;
  auto state = CrawlState::Open("", "meta", "GB", &error);
  s.Answer(400, std::string("{\"error\":{\"message\":\"Error validating access token: Session has "
                            "expired; token ") +
                    kToken + "\",\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":463}}");
  MetaCrawlOptions o;
  o.access_token = kToken;
  const CrawlReport r = CrawlMeta(o, *state, s.io);
  EXPECT_EQ(r.outcome, CrawlOutcome::kAuthFailed);
  EXPECT_NE(r.error.find("code 190"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find(kToken), std::string::npos) << r.error;
  EXPECT_TRUE(s.sent.empty());
}

TEST(AdLibraryCrawler, TransientFailuresAreRetriedThenGivenUp) {
  Scripted s;
  std::string error;
  auto state = CrawlState::Open("", "meta", "GB", &error);
  for (int i = 0; i < 4; ++i) s.Answer(503, "<html>busy</html>");
  MetaCrawlOptions o;
  o.access_token = kToken;
  o.max_retries = 3;
  o.retry_base_seconds = 2;
  const CrawlReport r = CrawlMeta(o, *state, s.io);
  EXPECT_EQ(r.outcome, CrawlOutcome::kFailed);
  EXPECT_EQ(r.retries, 3);
  EXPECT_EQ(s.sleeps, (std::vector<double>{2, 4, 8}));  // exponential backoff
  EXPECT_NE(r.error.find("HTTP 503"), std::string::npos) << r.error;
  EXPECT_TRUE(state->interrupted());  // resumable: the crawl is not ended
}

TEST(AdLibraryCrawler, AStopBetweenPagesLeavesTheCrawlResumableFromItsCursor) {
  Scripted s;
  std::atomic<bool> stop{false};
  s.io.stop = &stop;
  s.io.flush = [&stop] {
    stop = true;  // the signal arrives while page 1 is delivered
    return true;
  };
  std::string error;
  auto state = CrawlState::Open("", "meta", "GB", &error);
  s.Answer(200, "{\"data\":[" + Ad("1") +
                    "],\"paging\":{\"cursors\":{\"after\":\"C1\"},\"next\":\"https://x\"}}");
  MetaCrawlOptions o;
  o.access_token = kToken;
  const CrawlReport r = CrawlMeta(o, *state, s.io);
  EXPECT_EQ(r.outcome, CrawlOutcome::kInterrupted);
  EXPECT_EQ(s.urls.size(), 1u);
  ASSERT_TRUE(state->interrupted());
  EXPECT_EQ(state->interrupted()->cursor, "C1");
  EXPECT_EQ(s.sent.size(), 1u);  // no crawl_end
  // The next run continues from the cursor.
  stop = false;
  s.io.flush = [] { return true; };
  s.Answer(200, "{\"data\":[" + Ad("2") + "]}");
  const CrawlReport again = CrawlMeta(o, *state, s.io);
  ASSERT_EQ(again.outcome, CrawlOutcome::kCompleted) << again.error;
  EXPECT_TRUE(again.resumed);
  EXPECT_EQ(again.listed, 2);
  EXPECT_NE(s.urls[1].find("&after=C1"), std::string::npos);
  EXPECT_NE(s.sent.back().find("\"ads_listed\":2"), std::string::npos);
}

}  // namespace
}  // namespace adwatch::crawl
