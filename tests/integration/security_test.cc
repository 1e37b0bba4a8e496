// Hostile input and hostile clients (docs/SECURITY.md): advertiser names built to break the
// exposition format can neither inject label values nor multiply series, a flood of new ad ids
// keeps memory bounded, and idle connections plus wrong passwords do not starve scrapes while
// the pipeline ingests from Kafka at full speed.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "app/monitor.h"
#include "app/pipeline.h"
#include "core/csv.h"
#include "core/rapidjson.h"
#include "core/utf8.h"
#include "export/ads_api.h"
#include "export/advertisers_api.h"
#include "export/http_server.h"
#include "figures_check.h"
#include "source/embedded_kafka.h"
#include "source/replay.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch {
namespace {

using Clock_ = std::chrono::steady_clock;

// Every (label, value) pair of a scrape's samples, from the parsed sample keys
// (`name{a="x",b="y\"z"}`; values keep their escapes).
std::map<std::string, std::set<std::string>> LabelValues(const testing::Samples& samples) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [key, value] : samples) {
    std::size_t pos = key.find('{');
    while (pos != std::string::npos && pos + 1 < key.size() && key[pos + 1] != '}') {
      const std::size_t eq = key.find("=\"", pos + 1);
      if (eq == std::string::npos) break;
      std::string v;
      std::size_t i = eq + 2;
      for (; i < key.size() && key[i] != '"'; ++i) {
        if (key[i] == '\\' && i + 1 < key.size()) v += key[i++];
        v += key[i];
      }
      out[key.substr(pos + 1, eq - pos - 1)].insert(v);
      pos = i + 1 < key.size() && key[i + 1] == ',' ? i + 1 : std::string::npos;
    }
  }
  return out;
}

// A fixed enum value (reason, outcome, version, topic, histogram le...): 1 to 32 of
// [A-Za-z0-9_.:+-].
bool IsEnumValue(const std::string& v) {
  if (v.empty() || v.size() > 32) return false;
  for (const char c : v) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == ':' || c == '-' || c == '+')) {
      return false;
    }
  }
  return true;
}

// A Meta or Google observation whose advertiser name and page name are `name` (JSON text, may
// hold escapes), for a new ad id each time.
std::string HostileObservation(int i, const std::string& name) {
  const std::string id = std::to_string(i);
  if (i % 2 == 0) {
    return R"({"registry":"meta","observed_at":"2019-12-09T06:00:00Z","ad":{"id":"m)" + id +
           R"(","page_id":"p)" + id + R"(","page_name":")" + name + R"(","bylines":")" + name +
           R"(","ad_creative_bodies":[")" + name +
           R"("],"spend":{"lower_bound":"100","upper_bound":"199"}}})";
  }
  return R"({"registry":"google","observed_at":"2019-12-09T06:00:00Z","ad":{"Ad_ID":"g)" + id +
         R"(","Advertiser_ID":"AR)" + id + R"(","Advertiser_Name":")" + name +
         R"(","Spend_Range_Min_GBP":"100","Spend_Range_Max_GBP":"1000"}})";
}

// 100,000 ads, each with a distinct advertiser name full of exposition-format metacharacters
// (quotes, newlines, `}`, `=`, `#`, NUL and control escapes, lone surrogates, raw invalid UTF-8).
// Every label value exported is a configured name or a fixed enum; series stop growing; promtool
// accepts the scrape; the per-partition ad cap holds memory. Runtime ~10 s under ASan.
TEST(Security, HostileAdvertiserNamesCannotInjectLabelsOrGrowSeries) {
  Config config = DefaultConfig();
  config.limits.max_ads_per_partition = 5000;
  const SystemClock clock;
  Pipeline pipeline(config, clock);
  HttpServer server({pipeline.metrics().registry(), pipeline.collector()},
                    [] { return std::nullopt; });
  const std::vector<std::string> suffixes = {
      R"(\"} 1e9\nadwatch_spend_gbp{party=\"Labour\",bound=\"lower\"} 666)",
      R"(\n# TYPE adwatch_spend_gbp counter)",
      R"(}{\u0000\u0001\r\t=,\\)",
      R"(\ud800 lone surrogate)",
      R"(\udc00 lone low surrogate)",
      "\xff\xfe raw invalid UTF-8",
      R"(Labour Party\u2028)",
  };
  constexpr int kMessages = 100'000;
  constexpr int kPartitions = 4;
  std::size_t series_after_first_thousand = 0;
  for (int i = 0; i < kMessages; ++i) {
    const std::string value = HostileObservation(
        i, "zzflood" + std::to_string(i) + suffixes[static_cast<std::size_t>(i) % suffixes.size()]);
    const std::string key = (i % 2 == 0 ? "meta:m" : "google:g") + std::to_string(i);
    pipeline.Process(InputRecord{config.kafka.topic, i % kPartitions, i / kPartitions, key, value});
    if (i == 999) {
      pipeline.Publish();  // what scrapes serve (a monitor's consumer publishes by itself)
      series_after_first_thousand = testing::ParseMetrics(server.RenderMetrics()).size();
    }
  }
  pipeline.Publish();
  const std::string text = server.RenderMetrics();
  std::string promtool;
  EXPECT_EQ(testing::PromtoolCheckMetrics(text, &promtool), 0) << promtool;
  EXPECT_EQ(text.find("zzflood"), std::string::npos);

  // The oracle: label values come only from the config and fixed enums.
  const testing::Samples samples = testing::ParseMetrics(text);
  const auto labels = LabelValues(samples);
  std::set<std::string> parties = {"unattributed"};
  for (const auto& e : config.entities) parties.insert(e.name);
  std::set<std::string> themes = {"none"};
  for (const auto& t : config.themes) themes.insert(t.name);
  std::set<std::string> windows;
  for (const auto& w : config.windows) windows.insert(w.name);
  const std::map<std::string, std::set<std::string>> allowed = {
      {"party", parties},
      {"theme", themes},
      {"window", windows},
      {"bound", {"lower", "upper", "mid"}},
      {"registry", {"meta", "google"}},
      {"nation", {"england", "scotland", "wales", "northern_ireland", "unknown"}},
      {"type", {"party", "non_party_campaigner", "candidate", "government", "other"}},
  };
  for (const auto& [label, values] : labels) {
    const auto it = allowed.find(label);
    if (it == allowed.end()) {  // fixed enums (reason, outcome, ...): short identifiers
      for (const auto& v : values) {
        EXPECT_TRUE(IsEnumValue(v)) << label << "=" << v;
      }
      continue;
    }
    for (const auto& v : values) EXPECT_EQ(it->second.count(v), 1u) << label << "=" << v;
  }
  // Series are bounded by the config, not the input: none appeared after the first 1,000 ads.
  EXPECT_EQ(samples.size(), series_after_first_thousand);
  const std::size_t cap = parties.size() * themes.size() * windows.size() * 3 * 4;
  EXPECT_LT(samples.size(), cap);

  // Advertisers: one per tracked ad here (each its own page id), counted, never named; the
  // API lists them all with the hostile names as valid JSON and safe CSV.
  double advertisers = 0;
  for (const std::string& party : parties) {
    advertisers += samples.at(testing::SampleKey("adwatch_advertisers", {{"party", party}}));
  }
  EXPECT_EQ(advertisers, 5000.0 * kPartitions);
  for (const char* nation : {"england", "scotland", "wales", "northern_ireland"}) {
    EXPECT_EQ(
        samples.at(testing::SampleKey("adwatch_unregistered_over_threshold", {{"nation", nation}})),
        0.0);
  }
  const AdvertisersApi advertisers_api(
      config, [&](const AdvertiserQuery& q, std::size_t offset, std::size_t limit) {
        return pipeline.ListAdvertisers(q, offset, limit);
      });
  const HttpResponse listed = advertisers_api.Handle({"GET", "/api/v1/advertisers", "limit=1000"});
  ASSERT_EQ(listed.status, 200);
  EXPECT_TRUE(ValidUtf8(listed.body));
  rapidjson::Document doc;
  doc.Parse(listed.body.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["total"].GetUint64(), std::uint64_t{5000} * kPartitions);
  const HttpResponse csv = advertisers_api.Handle({"GET", "/api/v1/advertisers", "format=csv"});
  ASSERT_EQ(csv.status, 200);
  CsvReader reader(csv.body, /*strict=*/true);
  std::vector<std::string> fields;
  std::size_t line = 0, rows = 0, width = 0;
  std::string csv_error;
  while (reader.Next(&fields, &line, &csv_error)) {
    ASSERT_TRUE(csv_error.empty()) << csv_error << " at line " << line;
    if (width == 0) width = fields.size();
    ASSERT_EQ(fields.size(), width) << "line " << line;  // quotes, commas, newlines all quoted
    ++rows;
  }
  EXPECT_EQ(rows, 1 + std::size_t{5000} * kPartitions);

  // Memory: at most max_ads_per_partition ads per partition; the rest are counted.
  EXPECT_EQ(pipeline.ad_count(), std::size_t{5000} * kPartitions);
  EXPECT_EQ(samples.at(testing::SampleKey("adwatch_ads_tracked", {})), 5000.0 * kPartitions);
  const Figures f = pipeline.Snapshot();
  EXPECT_GT(f.rejects[static_cast<int>(RejectReason::kTooManyAds)], 0);
  std::int64_t handled = 0;
  for (const std::int64_t n : f.outcomes) handled += n;
  EXPECT_EQ(handled, kMessages);
  std::printf("series %zu (cap %zu); ads tracked %zu; too_many_ads %lld; bad_encoding %lld\n",
              samples.size(), cap, pipeline.ad_count(),
              static_cast<long long>(f.rejects[static_cast<int>(RejectReason::kTooManyAds)]),
              static_cast<long long>(f.rejects[static_cast<int>(RejectReason::kBadEncoding)]));
}

// Escapes that decode to invalid UTF-8 (lone surrogates) are rejected as bad_encoding, so no
// stored name can make `/api/v1/ads` emit bytes a strict JSON client cannot parse; a surrogate
// pair (an astral character) and a noncharacter are kept. The ads are listed in crawl c1 and
// missing from crawl c2, so that the API lists them.
TEST(Security, LoneSurrogateEscapesNeverReachTheAdsApi) {
  const Config config = DefaultConfig();
  const SystemClock clock;
  Pipeline pipeline(config, clock);
  const std::vector<std::pair<std::string, bool>> names = {
      {R"(Lab\udc00our)", false},   {R"(\uDFFF)", false}, {R"(x\udc00\u00e9)", false},
      {R"(ok \ud83c\udff4)", true}, {R"(plain)", true},   {R"(\u00e9\uffff)", true},
  };
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string id = "s" + std::to_string(i);
    const std::string present =
        R"({"registry":"meta","observed_at":"2019-12-09T06:00:00Z","crawl_id":"c1",)"
        R"("scope":"GB","ad":{"id":")" +
        id + R"(","page_name":")" + names[i].first + R"(","bylines":")" + names[i].first +
        R"(","spend":{"lower_bound":"100","upper_bound":"199"}}})";
    EXPECT_EQ(pipeline.Process(InputRecord{config.kafka.topic, 0, offset++, "meta:" + id,
                                           present}) == Outcome::kRejected,
              !names[i].second)
        << names[i].first;
  }
  for (const char* end :
       {R"({"kind":"crawl_end","registry":"meta","crawl_id":"c1","scope":"GB",)"
        R"("started_at":"2019-12-09T05:59:00Z","completed_at":"2019-12-09T06:05:00Z"})",
        R"({"kind":"crawl_end","registry":"meta","crawl_id":"c2","scope":"GB",)"
        R"("started_at":"2019-12-09T06:59:00Z","completed_at":"2019-12-09T07:05:00Z"})"}) {
    EXPECT_NE(pipeline.Process(InputRecord{config.kafka.topic, 0, offset++, "", end}),
              Outcome::kRejected);
  }
  const Figures f = pipeline.Snapshot();
  EXPECT_EQ(f.rejects[static_cast<int>(RejectReason::kBadEncoding)], 3);

  AdsApi api(config, [&](const AdFilter& filter, std::size_t off, std::size_t limit) {
    return pipeline.ListAds(filter, off, limit);
  });
  const HttpResponse r = api.Handle({"GET", "/api/v1/ads", ""});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(ValidUtf8(r.body)) << r.body;
  EXPECT_EQ(r.body.find("\xed\xb0\x80"), std::string::npos);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(r.body.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.body;
  std::set<std::string> pages;
  for (const auto& a : d["ads"].GetArray()) pages.insert(a["page_name"].GetString());
  EXPECT_EQ(pages, (std::set<std::string>{"ok \xf0\x9f\x8f\xb4", "plain", "\xc3\xa9\xef\xbf\xbf"}));
}

// prometheus:hunter2 at bcrypt cost 10 (what `htpasswd -nBC 10` makes).
constexpr const char* kHash = "$2b$10$vnAUZyTi1ftFrMDcZdZlnu1cu6UgUUQAC8YNCaBzp8iuFt0E7TQA6";
constexpr const char* kRightPassword = "Authorization: Basic cHJvbWV0aGV1czpodW50ZXIy\r\n";
constexpr const char* kWrongPassword = "Authorization: Basic cHJvbWV0aGV1czp3cm9uZw==\r\n";

struct IngestRun {
  double seconds = 0;  // from the first message handled to the last; 0: not all handled
  std::vector<double> latencies_ms;  // of the scrapes meanwhile, sorted
  int ok = 0;                        // scrapes answered 200
  int wrong_attempts = 0;
  testing::HttpResponse last;  // a scrape after the last message
};

// A monitor with a fresh consumer group consumes the whole topic (`produced` messages) while a
// scraper with the right password (from 127.0.0.1) scrapes every 100 ms. With `attack`: from
// the moment the listener is up, 200 idle connections are held open from 4 addresses
// (127.0.0.2, .7-.9; reopened as the listener drops them) and 4 clients (127.0.0.3-6) send wrong
// passwords in a loop; Prometheus' first, uncached, password check happens during the flood.
IngestRun Ingest(Config config, const std::string& group, double produced, bool attack) {
  config.kafka.group = group;
  IngestRun out;
  SystemClock clock;
  Monitor monitor(config, clock);
  std::string error;
  if (!monitor.Start(&error)) {
    ADD_FAILURE() << error;
    return out;
  }
  const int port = monitor.port();
  std::atomic<bool> stop{false};
  std::atomic<int> wrong_attempts{0};
  std::vector<std::thread> attackers;
  if (attack) {
    attackers.emplace_back([&] {
      std::vector<int> idle;
      while (!stop) {
        while (idle.size() < 200) {
          // 50 from each of 4 addresses: within the per-client limit, so held, not refused.
          static constexpr const char* kFrom[] = {"127.0.0.2", "127.0.0.7", "127.0.0.8",
                                                  "127.0.0.9"};
          const int fd = testing::ConnectLoopback(port, kFrom[idle.size() % 4]);
          if (fd < 0) break;
          idle.push_back(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        for (int& fd : idle) {
          char c;
          if (::recv(fd, &c, 1, MSG_DONTWAIT) == 0) {
            ::close(fd);
            fd = -1;
          }
        }
        std::erase(idle, -1);
      }
      for (const int fd : idle) ::close(fd);
    });
    for (const char* from : {"127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}) {
      attackers.emplace_back([&, from] {
        while (!stop) {
          testing::HttpGet(port, "/metrics", kWrongPassword, from);
          ++wrong_attempts;
        }
      });
    }
    while (wrong_attempts < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Prometheus' first scrape: its password is not remembered yet and needs bcrypt.
  EXPECT_EQ(testing::HttpGet(port, "/metrics", kRightPassword, "127.0.0.1").status, 200);
  const auto handled = [&] {
    double n = 0;
    for (const std::int64_t c : monitor.pipeline().Published()->outcomes) {  // as scrapes see
      n += static_cast<double>(c);
    }
    return n;
  };
  std::thread run([&] { monitor.Run(stop); });
  const auto deadline = Clock_::now() + std::chrono::seconds(90);
  std::optional<Clock_::time_point> first;
  auto next_scrape = Clock_::now();
  while (Clock_::now() < deadline) {
    const double n = handled();
    if (!first && n > 0) first = Clock_::now();
    if (n >= produced) {
      out.seconds = std::chrono::duration<double>(Clock_::now() - *first).count();
      break;
    }
    if (Clock_::now() >= next_scrape) {
      const auto t0 = Clock_::now();
      out.ok +=
          testing::HttpGet(port, "/metrics", kRightPassword, "127.0.0.1").status == 200 ? 1 : 0;
      out.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock_::now() - t0).count());
      next_scrape = t0 + std::chrono::milliseconds(100);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  out.last = testing::HttpGet(port, "/metrics", kRightPassword);
  stop = true;
  run.join();
  for (auto& t : attackers) t.join();
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  out.wrong_attempts = wrong_attempts.load();
  EXPECT_GT(out.seconds, 0) << "consumed " << handled() << " of " << produced;
  return out;
}

// Consumption of a pre-filled topic with and without the attack: every scrape succeeds quickly,
// throughput is reported, and the figures at the end still equal the oracle. ~15 s under ASan.
TEST(Security, IdleConnectionsAndWrongPasswordsDoNotStarveScrapesDuringIngestion) {
  constexpr const char* kTopic = "adwatch.observations";
  std::string error;
  // 16 partitions: the mock keeps only ~5 MiB per partition and the stream is ~45 MB.
  auto kafka = EmbeddedKafka::Start({1, 16, {kTopic}}, &error);
  ASSERT_TRUE(kafka) << error;
  Config config = DefaultConfig();
  config.kafka.brokers = kafka->bootstrap();
  config.listen = "127.0.0.1:0";
  config.web.basic_auth_users = {{"prometheus", kHash}};

  testing::StreamOptions so;
  so.ads = 3000;
  const auto messages = testing::GenerateStream(config, so);
  const auto expected = testing::ComputeExpected(config, messages);
  ReplayOptions ro;
  ro.brokers = kafka->bootstrap();
  ro.topic = kTopic;
  auto replayer = Replayer::Create(ro, &error);
  ASSERT_TRUE(replayer) << error;
  double produced = 0;
  for (const auto& m : messages) {
    ASSERT_TRUE(replayer->Send(m.value));
    produced += m.crawl_end ? replayer->partitions() : 1;
  }
  ASSERT_TRUE(replayer->Flush(60000));

  const std::string group = "security-" + std::to_string(::getpid());
  const IngestRun calm = Ingest(config, group + "-calm", produced, false);
  const IngestRun attacked = Ingest(config, group + "-attacked", produced, true);
  for (const IngestRun* r : {&calm, &attacked}) {
    ASSERT_GT(r->seconds, 0);
    ASSERT_FALSE(r->latencies_ms.empty());
    std::printf(
        "%s: %.0f messages in %.2f s = %.0f msgs/s; %zu scrapes, %d ok, latency p50 %.1f ms "
        "max %.1f ms; wrong-password requests %d\n",
        r == &calm ? "calm" : "attacked", produced, r->seconds, produced / r->seconds,
        r->latencies_ms.size(), r->ok, r->latencies_ms[r->latencies_ms.size() / 2],
        r->latencies_ms.back(), r->wrong_attempts);
    EXPECT_EQ(r->ok, static_cast<int>(r->latencies_ms.size()));
    EXPECT_LT(r->latencies_ms.back(), 2000.0);  // well inside Prometheus' 10 s scrape timeout
    ASSERT_EQ(r->last.status, 200);
    testing::ExpectFiguresEqualOracle(config, testing::ParseMetrics(r->last.body), expected);
  }
  EXPECT_GT(attacked.wrong_attempts, 10);
  EXPECT_GT(testing::ParseMetrics(attacked.last.body)
                .at(testing::SampleKey("adwatch_http_rejected_requests_total",
                                       {{"reason", "unauthorized"}})),
            0);
}

// `adwatch run` with SASL credentials from a file and librdkafka's debug logs on (its config
// dump, every connection attempt): the password appears nowhere in the process's output, and
// the `started` line names the property with its value redacted. ~5 s.
TEST(Security, SecretsNeverReachTheLogsOfARun) {
  const std::string dir = ::testing::TempDir();
  const std::string secret = dir + "/adwatch-security-password";
  const std::string config = dir + "/adwatch-security.yaml";
  std::ofstream(secret) << "Sup3r-S3cret-Kafka-Pa55\n";
  std::ofstream(config) << "kafka:\n"
                           "  brokers: 127.0.0.1:1\n"
                           "  properties:\n"
                           "    debug: all\n"
                           "    security.protocol: SASL_PLAINTEXT\n"
                           "    sasl.mechanisms: SCRAM-SHA-512\n"
                           "    sasl.username: adwatch\n"
                           "    sasl.password: ${file:"
                        << secret << "}\nlisten: 127.0.0.1:0\n";
  testing::Subprocess run({"run", "--config", config});
  EXPECT_NE(run.WaitForLine("event=started", 30, true), "") << run.Stderr();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // connection attempts, retries
  run.Signal(SIGKILL);
  run.Wait(10);
  const std::string logs = run.Stdout() + run.Stderr();
  EXPECT_NE(logs.find("sasl.password=[redacted]"), std::string::npos);
  EXPECT_NE(logs.find("facility=CONF"), std::string::npos);  // librdkafka's config dump ran
  EXPECT_EQ(logs.find("Sup3r-S3cret"), std::string::npos);
  std::remove(secret.c_str());
  std::remove(config.c_str());
}

}  // namespace
}  // namespace adwatch
