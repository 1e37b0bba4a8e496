// The registries' own reports as a second witness, end to end: `adwatch kafka`, `adwatch run` and
// `adwatch replay --format …` as separate processes on the real Kafka protocol. Every report
// figure per registry and party is compared, to the penny, with an oracle recomputed here from
// the input files (its own CSV reading, spreading and sums; attribution through the Attributor
// with the default config, which tests/unit/enrich checks on its own).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "config/config.h"
#include "core/time.h"
#include "enrich/attributor.h"
#include "test_support.h"

namespace adwatch::testing {
namespace {

__extension__ using Int128 = __int128;
constexpr std::int64_t kDay = 86400;

int PortFrom(const std::string& line) {
  const std::string prefix = "http://127.0.0.1:";
  const size_t pos = line.find(prefix);
  return pos == std::string::npos ? 0 : std::atoi(line.c_str() + pos + prefix.size());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A deliberately plain CSV reading (not src/core/csv): records of fields, quotes doubled.
std::vector<std::vector<std::string>> Csv(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {  // elsewhere a literal quote, as Python's csv reads it
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      records.back().push_back(std::move(field));
      field.clear();
      records.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !records.back().empty()) {
    records.back().push_back(std::move(field));
  } else {
    records.pop_back();
  }
  return records;
}

std::string Fold(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

// The share of `amount`, spread uniformly over (t0, t], that falls in (a, b] (README's rule).
std::int64_t Share(std::int64_t amount, std::int64_t t0, std::int64_t t, std::int64_t a,
                   std::int64_t b) {
  const auto upto = [&](std::int64_t x) -> std::int64_t {
    if (t <= t0) return x >= t ? amount : 0;
    const std::int64_t c = std::min(std::max(x, t0), t) - t0;
    const Int128 p = static_cast<Int128>(amount) * c;
    const Int128 q = t - t0;
    Int128 f = p / q;
    if ((p % q != 0) && ((p < 0) != (q < 0))) --f;
    return static_cast<std::int64_t>(f);
  };
  return upto(b) - upto(a);
}

// The oracle's state: per registry and party, reported campaign-to-date (lower bound) and ads.
struct Expected {
  std::map<std::pair<std::string, std::string>, std::int64_t> spend, ads, shown_upper, shown, open;
};

class ReportOracle {
 public:
  ReportOracle() : attributor_(DefaultConfig().entities) {
    const auto& p = *DefaultConfig().regulated_period;
    period_start_ = p.start;
    period_end_ = p.end;
  }

  std::string Party(const std::string& registry, const std::string& id, const std::string& name,
                    const std::string& bylines) const {
    AdContent ad;
    ad.page_id = id;
    ad.page_name = name;
    ad.bylines = bylines;
    const EntityId e = attributor_.Attribute(registry, ad);
    return e == kUnattributed ? "unattributed" : DefaultConfig().entities.at(Index(e)).name;
  }

  // A Meta to-date release (May 2019 layout): the latest release per advertiser counts, its whole
  // cumulative amount at the end of period_end (no start: nothing to spread over).
  void MetaToDate(const std::string& path, std::int64_t period_end) {
    const auto rows = Csv(ReadFile(path));
    std::map<std::string, Advertiser> release;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string key = Fold(r[0]) + "|" + Fold(r[1]);
      Advertiser& a = release[key];
      if (a.party.empty()) a.party = Party("meta", "name:" + key, r[0], r[1]);
      const bool small = r[2].rfind("\xE2\x89\xA4", 0) == 0;
      a.amount += small ? 0 : std::stoll(r[2]) * 100;
      a.ads += std::stoll(r[3]);
    }
    const std::int64_t end = period_end + kDay;
    for (auto& [key, a] : release) {
      Advertiser& known = meta_[key];
      if (known.party.empty()) known.party = a.party;
      const std::int64_t t0 = known.end == 0 ? end : known.end;
      known.in_period += Share(a.amount - known.amount, t0, end, period_start_, period_end_);
      known.amount = a.amount;
      known.ads = a.ads;
      known.end = end;
    }
  }

  // Google's weekly spend: each week's amount spread over its 7 days; bad rows skipped.
  void GoogleWeekly(const std::string& path) {
    const auto rows = Csv(ReadFile(path));
    const auto& h = rows[0];
    const auto col = [&](const char* name) {
      return static_cast<std::size_t>(std::find(h.begin(), h.end(), name) - h.begin());
    };
    const std::size_t id = col("Advertiser_ID"), name = col("Advertiser_Name"),
                      week = col("Week_Start_Date"), gbp = col("Spend_GBP");
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      if (r.size() <= gbp || r[gbp].empty() ||
          r[gbp].find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const auto start = ParseDateOrTimestamp(r[week]);
      if (!start || r[week].size() != 10) continue;
      const std::int64_t amount = std::stoll(r[gbp]) * 100;
      google_[{Party("google", r[id], r[name], ""), r[id] + "@" + r[week]}] =
          Share(amount, *start, *start + 7 * kDay, period_start_, period_end_);
    }
  }

  // An ad adwatch sees: its latest upper bound counts while the registry shows it; one in the
  // open-ended top bucket has none, so nothing reported can exceed that party's shown ads.
  void Ad(const std::string& registry, const std::string& party, std::int64_t upper_pence,
          bool shown, bool open_ended = false) {
    if (!shown) return;
    shown_upper_[{registry, party}] += upper_pence;
    ++shown_[{registry, party}];
    if (open_ended) open_[{registry, party}] = 1;
  }

  Expected Figures() const {
    Expected e;
    for (const auto& [key, a] : meta_) {
      e.spend[{"meta", a.party}] += a.in_period;
      e.ads[{"meta", a.party}] += a.ads;
    }
    for (const auto& [key, share] : google_) e.spend[{"google", key.first}] += share;
    e.shown_upper = shown_upper_;
    e.shown = shown_;
    e.open = open_;
    return e;
  }

 private:
  struct Advertiser {
    std::string party;
    std::int64_t amount = 0, ads = 0, end = 0, in_period = 0;
  };
  Attributor attributor_;
  std::int64_t period_start_ = 0, period_end_ = 0;
  std::map<std::string, Advertiser> meta_;
  std::map<std::pair<std::string, std::string>, std::int64_t> google_;
  std::map<std::pair<std::string, std::string>, std::int64_t> shown_upper_, shown_, open_;
};

double Sample(const Samples& s, const std::string& name, const std::string& registry,
              const std::string& party) {
  const auto it = s.find(SampleKey(name, {{"party", party}, {"registry", registry}}));
  return it == s.end() ? -1 : it->second;
}

double Events(const Samples& s) {
  double n = 0;
  for (const char* o : {"applied", "duplicate", "stale", "late", "held", "rejected"}) {
    const auto it = s.find(SampleKey("adwatch_events_total", {{"outcome", o}}));
    if (it != s.end()) n += it->second;
  }
  return n;
}

class ReportIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka_ = std::make_unique<Subprocess>(std::vector<std::string>{"kafka", "--partitions", "4"});
    bootstrap_ = kafka_->WaitForLine(":", 30);
    ASSERT_FALSE(bootstrap_.empty()) << kafka_->Stderr();
    run_ = std::make_unique<Subprocess>(std::vector<std::string>{
        "run", "--brokers", bootstrap_, "--listen", "127.0.0.1:0", "--group", "report-test"});
    port_ = PortFrom(run_->WaitForLine("metrics=", 30, true));
    ASSERT_GT(port_, 0) << run_->Stderr();
  }
  void TearDown() override {
    if (run_) {
      run_->Signal(SIGTERM);
      EXPECT_EQ(run_->Wait(30), 0) << run_->Stderr();
    }
    if (kafka_) {
      kafka_->Signal(SIGTERM);
      kafka_->Wait(30);
    }
  }

  // Replays and waits until adwatch has counted `messages` more input messages.
  Samples Replay(std::vector<std::string> args, double messages, int expected_exit = 0,
                 std::string* err_out = nullptr) {
    args.insert(args.begin(), {"replay", "--brokers", bootstrap_});
    std::string out, err;
    EXPECT_EQ(RunAdwatch(args, "", &out, &err), expected_exit) << err;
    if (err_out != nullptr) *err_out = err;
    sent_ += messages;
    Samples s;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      s = ParseMetrics(HttpGet(port_, "/metrics").body);
      if (Events(s) >= sent_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(Events(s), sent_);
    return s;
  }

  // Every report figure of every registry and party equals the oracle's, in pence.
  void ExpectFigures(const Samples& s, const ReportOracle& oracle) {
    const Expected e = oracle.Figures();
    std::vector<std::string> parties{"unattributed"};
    for (const auto& entity : DefaultConfig().entities) parties.push_back(entity.name);
    int nonzero = 0;
    for (const std::string registry : {"meta", "google"}) {
      for (const std::string& party : parties) {
        const auto at = [&](const auto& m) {
          const auto it = m.find({registry, party});
          return it == m.end() ? 0 : it->second;
        };
        const std::int64_t spend = at(e.spend), ads = at(e.ads);
        const std::int64_t gap =
            at(e.open) != 0 ? 0 : std::max<std::int64_t>(spend - at(e.shown_upper), 0);
        const std::int64_t ads_gap = std::max<std::int64_t>(ads - at(e.shown), 0);
        nonzero += spend != 0;
        const std::string where = registry + "/" + party;
        EXPECT_EQ(Pence(Sample(s, "adwatch_report_spend_gbp", registry, party)), spend) << where;
        EXPECT_EQ(Sample(s, "adwatch_report_ads", registry, party), static_cast<double>(ads))
            << where;
        EXPECT_EQ(Pence(Sample(s, "adwatch_report_gap_gbp", registry, party)), gap) << where;
        EXPECT_EQ(Sample(s, "adwatch_report_ads_gap", registry, party),
                  static_cast<double>(ads_gap))
            << where;
        if (registry == "meta") {  // the registry adwatch saw ads of
          const double shown = Sample(s, "adwatch_report_shown_upper_gbp", registry, party);
          if (at(e.open) != 0) {
            EXPECT_TRUE(std::isinf(shown)) << where;
          } else {
            EXPECT_EQ(Pence(shown), at(e.shown_upper)) << where;
          }
        }
      }
    }
    EXPECT_GE(nonzero, 8);  // the comparison is not vacuous
  }

  std::unique_ptr<Subprocess> kafka_, run_;
  std::string bootstrap_;
  int port_ = 0;
  double sent_ = 0;
};

std::string Observation(const std::string& id, const std::string& page_id,
                        const std::string& page_name, const std::string& crawl,
                        const std::string& at, const std::string& lookup, const char* lower,
                        const char* upper) {
  std::string spend = std::string(R"("spend":{"lower_bound":")") + lower + "\"";
  if (upper != nullptr) spend += std::string(R"(,"upper_bound":")") + upper + "\"";
  spend += "}";
  return R"({"registry":"meta","observed_at":")" + at + R"(","crawl_id":")" + crawl +
         R"(","scope":"GB","lookup":")" + lookup + R"(","ad":{"id":")" + id + R"(","page_id":")" +
         page_id + R"(","page_name":")" + page_name +
         R"(","ad_delivery_start_time":"2019-11-20","currency":"GBP",)" + spend + "}}";
}

std::string CrawlEnd(const std::string& crawl, const std::string& at) {
  return R"({"kind":"crawl_end","registry":"meta","crawl_id":")" + crawl +
         R"(","scope":"GB","completed_at":")" + at + R"("})";
}

TEST_F(ReportIntegration, ReportFiguresAndTheGapEqualTheOracle) {
  const std::string data = std::string(ADWATCH_SOURCE_DIR) + "/tests/";
  const std::string to_date = data + "fixtures/enrich/FBReportGB2019-05-11_SpendingToDate.csv";
  const std::string google = data + "data/reports/google-weekly-spend-2020.csv";
  ReportOracle oracle;

  // Ads adwatch sees: two crawls; the Labour ad and one Conservative ad vanish from the listing
  // of the second (the Conservative one still there by id), and a Green ad in the open-ended
  // top bucket (from £100: no upper bound) leaves no gap for Green whatever its report says.
  ASSERT_EQ(oracle.Party("meta", "8807334278", "Conservatives", ""), "Conservative");
  ASSERT_EQ(oracle.Party("meta", "25749647410", "Labour Party", ""), "Labour");
  ASSERT_EQ(oracle.Party("meta", "", "Green Party", ""), "Green");
  const std::string obs = "/tmp/adwatch-it-report-ads.jsonl";
  {
    std::ofstream out(obs);
    const char* c1 = "meta-GB-2019-12-08";
    const char* c2 = "meta-GB-2019-12-08T17";  // within event_time.max_lead of c1
    out << Observation("m1", "8807334278", "Conservatives", c1, "2019-12-08T06:00:00Z", "listing",
                       "1000", "4999")
        << "\n"
        << Observation("m2", "8807334278", "Conservatives", c1, "2019-12-08T06:01:00Z", "listing",
                       "5000", "9999")
        << "\n"
        << Observation("m3", "25749647410", "Labour Party", c1, "2019-12-08T06:02:00Z", "listing",
                       "100", "499")
        << "\n"
        << Observation("m4", "", "Green Party", c1, "2019-12-08T06:03:00Z", "listing", "100",
                       nullptr)
        << "\n"
        << CrawlEnd(c1, "2019-12-08T07:00:00Z") << "\n"
        << Observation("m1", "8807334278", "Conservatives", c2, "2019-12-08T17:00:00Z", "listing",
                       "5000", "9999")
        << "\n"
        << Observation("m2", "8807334278", "Conservatives", c2, "2019-12-08T17:01:00Z", "by_id",
                       "5000", "9999")
        << "\n"
        << Observation("m4", "", "Green Party", c2, "2019-12-08T17:03:00Z", "listing", "100",
                       nullptr)
        << "\n"
        << CrawlEnd(c2, "2019-12-08T18:00:00Z") << "\n";
  }
  oracle.Ad("meta", "Conservative", 999900, true);   // m1, listed
  oracle.Ad("meta", "Conservative", 999900, false);  // m2, unlisted
  oracle.Ad("meta", "Labour", 49900, false);         // m3, missing
  oracle.Ad("meta", "Green", 10000, true, true);     // m4, open-ended from £100
  Samples s = Replay({obs}, 7 + 2 * 4);
  ::unlink(obs.c_str());

  // The real Meta to-date report and the Google weekly fixture (4 bad rows: exit 1, each named).
  oracle.MetaToDate(to_date, *ParseDateOrTimestamp("2019-05-11"));
  const double meta_reports = 4624;  // 4,636 rows, same-named pages summed
  s = Replay({"--format", "meta-report", to_date}, meta_reports);
  oracle.GoogleWeekly(google);
  std::string err;
  s = Replay({"--format", "google-weekly-spend", google}, 6, 1, &err);
  EXPECT_NE(err.find(google + ":8: Spend_GBP is empty"), std::string::npos) << err;
  EXPECT_NE(err.find(google + ":11: "), std::string::npos) << err;
  ExpectFigures(s, oracle);
  EXPECT_GT(Pence(Sample(s, "adwatch_report_gap_gbp", "meta", "Labour")), 0);
  EXPECT_GT(Pence(Sample(s, "adwatch_report_spend_gbp", "meta", "Green")), 10000);
  EXPECT_EQ(Sample(s, "adwatch_report_gap_gbp", "meta", "Green"), 0);

  // Re-sending a file changes nothing (every row a duplicate).
  const double duplicates = s.at(SampleKey("adwatch_events_total", {{"outcome", "duplicate"}}));
  Samples again = Replay({"--format", "meta-report", to_date}, meta_reports);
  EXPECT_EQ(again.at(SampleKey("adwatch_events_total", {{"outcome", "duplicate"}})),
            duplicates + meta_reports);
  ExpectFigures(again, oracle);

  // A newer to-date release is an increment: a week later, the top 40 advertisers spent more,
  // one reported less (a correction), and one is new.
  const std::string newer = "/tmp/FBReportGB2019-05-18_SpendingToDate.csv";
  {
    const auto rows = Csv(ReadFile(to_date));
    std::ofstream out(newer, std::ios::binary);
    out << "Page Name,Disclaimer,Amount Spent,Number of Ads in Library\n";
    const auto quote = [](const std::string& v) {
      std::string q = "\"";
      for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    for (std::size_t i = 1; i <= 40; ++i) {
      const auto& r = rows[i];
      const long long amount =
          std::stoll(r[2]) + (i == 7 ? -500 : 1000 + static_cast<long long>(i));
      out << quote(r[0]) << "," << quote(r[1]) << "," << amount << "," << std::stoll(r[3]) + 2
          << "\n";
    }
    out << "Brand New Campaign,Brand New Campaign Ltd,2500,3\n";
  }
  oracle.MetaToDate(newer, *ParseDateOrTimestamp("2019-05-18"));
  s = Replay({"--format", "meta-report", newer}, 41);
  ExpectFigures(s, oracle);
  ::unlink(newer.c_str());

  // An older release after a newer one is stale and changes nothing.
  const double stale = s.at(SampleKey("adwatch_events_total", {{"outcome", "stale"}}));
  s = Replay({"--format", "meta-report", to_date}, meta_reports);
  EXPECT_EQ(s.at(SampleKey("adwatch_events_total", {{"outcome", "stale"}})), stale + 40);
  ExpectFigures(s, oracle);

  std::string output;
  EXPECT_EQ(PromtoolCheckMetrics(HttpGet(port_, "/metrics").body, &output), 0) << output;
}

}  // namespace
}  // namespace adwatch::testing
