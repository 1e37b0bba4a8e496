// The commands as a user runs them: separate processes talking the real Kafka protocol.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "test_support.h"

namespace adwatch::testing {
namespace {

int PortFrom(const std::string& line) {
  const std::string prefix = "http://127.0.0.1:";
  const size_t pos = line.find(prefix);
  if (pos == std::string::npos) return 0;
  return std::atoi(line.c_str() + pos + prefix.size());
}

double EventsTotal(const Samples& s) {
  double n = 0;
  for (const char* o : {"applied", "duplicate", "stale", "late", "rejected", "held"}) {
    n += s.count(SampleKey("adwatch_events_total", {{"outcome", o}}))
             ? s.at(SampleKey("adwatch_events_total", {{"outcome", o}}))
             : 0;
  }
  return n;
}

TEST(Cli, SimulateIsDeterministic) {
  std::string a, b, c, err;
  ASSERT_EQ(RunAdwatch({"simulate", "--out", "-", "--ads", "30", "--seed", "5"}, "", &a, &err), 0)
      << err;
  ASSERT_EQ(RunAdwatch({"simulate", "--out", "-", "--ads", "30", "--seed", "5"}, "", &b, &err), 0);
  ASSERT_EQ(RunAdwatch({"simulate", "--out", "-", "--ads", "30", "--seed", "6"}, "", &c, &err), 0);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Cli, CheckConfigAcceptsTheDefaultAndNamesLineAndKeyOfProblems) {
  std::string out, err;
  EXPECT_EQ(RunAdwatch({"check-config", std::string(ADWATCH_SOURCE_DIR) + "/deploy/adwatch.yaml"},
                       "", &out, &err),
            0)
      << err;
  const std::string bad = "/tmp/adwatch-it-bad-config.yaml";
  std::ofstream(bad) << "listen: 127.0.0.1:9464\nwindows: [1h, 24h]\nbogus_key: 1\n";
  EXPECT_EQ(RunAdwatch({"check-config", bad}, "", &out, &err), 2);
  EXPECT_NE(err.find(bad + ":3"), std::string::npos) << err;
  EXPECT_NE(err.find("bogus_key"), std::string::npos) << err;
  // `run` refuses the same file with the same message and exit code 2.
  EXPECT_EQ(RunAdwatch({"run", "--config", bad}, "", &out, &err), 2);
  EXPECT_NE(err.find("bogus_key"), std::string::npos) << err;
  ::unlink(bad.c_str());
}

TEST(Cli, ClassifyAttributesAndFindsThemes) {
  std::string out, err;
  const std::string ad =
      R"({"id":"1","page_id":"8807334278","page_name":"Conservatives","ad_creative_bodies":["Get Brexit done and fund our NHS"]})"
      "\n";
  ASSERT_EQ(RunAdwatch({"classify", "--explain"}, ad, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"party\":\"Conservative\""), std::string::npos) << out;
  EXPECT_NE(out.find("brexit"), std::string::npos) << out;
  EXPECT_NE(out.find("nhs"), std::string::npos) << out;
}

// kafka → simulate → replay → run, each its own process; graceful stop on SIGTERM.
TEST(Cli, RunConsumesAReplayedSimulationAndStopsGracefully) {
  Subprocess kafka({"kafka", "--partitions", "4"});
  const std::string bootstrap = kafka.WaitForLine(":", 30);
  ASSERT_FALSE(bootstrap.empty()) << kafka.Stderr();

  const std::string file = "/tmp/adwatch-it-sim.jsonl";
  std::string out, err;
  ASSERT_EQ(RunAdwatch({"simulate", "--out", file, "--ads", "60", "--seed", "11"}, "", &out, &err),
            0)
      << err;
  long long observations = 0, crawl_ends = 0;
  {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      (line.find("\"crawl_end\"") != std::string::npos ? crawl_ends : observations)++;
    }
  }
  Subprocess run({"run", "--brokers", bootstrap, "--listen", "127.0.0.1:0", "--group", "cli-test"});
  const int port = PortFrom(run.WaitForLine("metrics=", 30, true));
  ASSERT_GT(port, 0) << run.Stderr();
  ASSERT_EQ(RunAdwatch({"replay", "--brokers", bootstrap, file}, "", &out, &err), 0) << err;

  const double expected = static_cast<double>(observations + crawl_ends * 4);
  Samples s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    s = ParseMetrics(HttpGet(port, "/metrics").body);
    if (EventsTotal(s) >= expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(EventsTotal(s), expected);
  EXPECT_EQ(s.at(SampleKey("adwatch_events_total", {{"outcome", "rejected"}})), 0);
  EXPECT_EQ(WaitReady(port, 10), 200);
  EXPECT_GT(s.at(SampleKey("adwatch_spend_gbp", {{"party", "Conservative"}, {"bound", "lower"}})),
            0);

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(30), 0) << run.Stderr();
  EXPECT_NE(run.Stderr().find("event=stopping"), std::string::npos);
  kafka.Signal(SIGTERM);
  EXPECT_EQ(kafka.Wait(30), 0);
  ::unlink(file.c_str());
}

// The README's first command ends in this: a demo whose /metrics shows spend for every main
// party and each of the three themes, and whose summary shows the registry outage.
TEST(Cli, DemoShowsSpendForEveryMainPartyAndTheme) {
  Subprocess demo(
      {"demo", "--duration", "90", "--speed", "100000", "--ads", "300", "--listen", "127.0.0.1:0"});
  const int port = PortFrom(demo.WaitForLine("metrics at", 30));
  ASSERT_GT(port, 0) << demo.Stdout() << demo.Stderr();
  const std::vector<std::string> parties = {
      "Conservative", "Labour", "Liberal Democrats", "SNP", "Green", "Brexit Party", "Plaid Cymru"};
  const std::vector<std::string> themes = {"brexit", "nhs", "tactical_voting"};
  auto all_present = [&](const Samples& s) {
    for (const auto& p : parties) {
      const auto key = SampleKey("adwatch_spend_gbp", {{"party", p}, {"bound", "lower"}});
      if (!s.count(key) || s.at(key) <= 0) return false;
    }
    for (const auto& t : themes) {
      double sum = 0;
      for (const auto& [k, v] : s) {
        if (k.rfind("adwatch_theme_spend_window_gbp{", 0) == 0 &&
            k.find("theme=\"" + t + "\"") != std::string::npos &&
            k.find("window=\"7d\"") != std::string::npos) {
          sum += v;
        }
      }
      if (sum <= 0) return false;
    }
    return true;
  };
  Samples s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(85);
  bool ok = false;
  while (!ok && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    s = ParseMetrics(HttpGet(port, "/metrics").body);
    // Wait for the end of the campaign too: past the December 2019 outage.
    const auto wm = SampleKey("adwatch_watermark_timestamp_seconds", {});
    ok = all_present(s) && s.count(wm) && s.at(wm) >= 1576022400;  // 2019-12-11T00:00:00Z
  }
  EXPECT_TRUE(ok) << HttpGet(port, "/metrics").body.substr(0, 4000);
  // Ads the simulated registry removed stay missing after the December 2019 outage.
  double missing = 0;
  for (const auto& [k, v] : s) {
    if (k.rfind("adwatch_registry_ads_missing{", 0) == 0) missing += v;
  }
  EXPECT_GT(missing, 0);
  // The terminal summary shows the December 2019 outage (about 40% of the listing), also after
  // the ads came back.
  // (The first outage crawl the summary samples may be 00:56 or a later one on 9 December.)
  const std::string outage = demo.WaitForLine(" to 2019-12-1", 20);
  EXPECT_EQ(outage.rfind("registry meta outage 2019-12-09T", 0), 0U) << demo.Stdout();
  EXPECT_NE(outage.find("known ads missing"), std::string::npos) << demo.Stdout();
  // Beside it, the second witness: Meta's own report held spend the hidden ads carry.
  EXPECT_NE(outage.find("; its own report held up to \xC2\xA3"), std::string::npos) << outage;
  demo.Signal(SIGINT);
  EXPECT_EQ(demo.Wait(30), 0) << demo.Stderr();
}

}  // namespace
}  // namespace adwatch::testing
