// `GET /api/v1/advertisers` against an oracle: a random stream of Meta and Google sightings over
// three partitions goes through the real decoder and pipeline; the API's advertisers, totals,
// nations, windows (the 5-minute grid rule) and ordering are recomputed from the generated input
// alone, exactly in pence, for every filter, sort and page.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "app/pipeline.h"
#include "core/csv.h"
#include "core/rapidjson.h"
#include "core/spread.h"
#include "export/advertisers_api.h"
#include "test_support.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

struct Sighting {
  EpochSeconds at;
  int ad;
  Pence lower, upper;
  bool open_ended;
};
struct AdSpec {
  std::string registry, id, page, page_name, bylines;
  std::size_t entity;  // slot: 0 Alpha, 1 Beta, 2 unattributed
};
struct Expected {
  std::string registry, page_id, page_name, bylines;
  std::size_t entity = 0;
  EpochSeconds names_at = 0;
  std::int64_t ads = 0, open_ended = 0;
  Amounts ctd;
  std::vector<Amounts> windows;
};

Config OracleConfig() {
  Config c = DefaultConfig();
  c.entities.clear();
  c.entities.resize(2);
  c.entities[0].name = "Alpha";
  c.entities[0].page_ids = {"pa"};
  c.entities[0].google_advertiser_ids = {"AR1"};
  c.entities[1].name = "Beta";
  c.entities[1].page_ids = {"pb"};
  return c;
}

class AdvertisersOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(2019);
    const std::vector<std::string> meta_pages = {"pa", "pb", "m1", "m2", "m3", "m4", "m5"};
    const std::vector<std::string> google_pages = {"AR1", "AR7", "AR8", "AR9"};
    for (int i = 0; i < 160; ++i) {
      AdSpec ad;
      ad.registry = i % 3 == 0 ? "google" : "meta";
      const auto& pages = ad.registry == "google" ? google_pages : meta_pages;
      ad.page = pages[rng() % pages.size()];
      ad.id = (ad.registry == "google" ? "CR" : "") + std::to_string(1000 + i);
      ad.page_name = "Page " + ad.page + " v" + std::to_string(rng() % 3);
      if (ad.registry == "meta") ad.bylines = rng() % 2 ? "Paid by " + ad.page : "";
      ad.entity = ad.page == "pa" || ad.page == "AR1" ? 0 : ad.page == "pb" ? 1 : 2;
      ads_.push_back(ad);
    }
    // Each ad: 1 to 5 sightings with rising bounds (open-ended ads stay open-ended).
    for (int i = 0; i < static_cast<int>(ads_.size()); ++i) {
      const bool open = rng() % 6 == 0;
      const int n = 1 + static_cast<int>(rng() % 5);
      Pence lower = 0;
      EpochSeconds at = kT0 + 1800 * static_cast<EpochSeconds>(rng() % 22);  // crawl times
      for (int k = 0; k < n; ++k) {
        lower += 100 * static_cast<Pence>(rng() % 400);
        sightings_.push_back({at, i, lower, open ? lower : lower + 9900, open});
        at += 1800 * (1 + static_cast<EpochSeconds>(rng() % 16));
      }
    }
    std::sort(sightings_.begin(), sightings_.end(), [](const Sighting& a, const Sighting& b) {
      return std::tie(a.at, a.ad) < std::tie(b.at, b.ad);
    });
    std::int64_t offsets[3] = {0, 0, 0};
    for (const Sighting& s : sightings_) {
      const AdSpec& ad = ads_[static_cast<std::size_t>(s.ad)];
      const int partition = s.ad % 3;
      const std::string upper = s.open_ended ? std::string() : std::to_string(s.upper / 100);
      std::string json;
      if (ad.registry == "meta") {
        json = R"({"registry":"meta","observed_at":")" + FormatTimestamp(s.at) +
               R"(","ad":{"id":")" + ad.id + R"(","page_id":")" + ad.page + R"(","page_name":")" +
               ad.page_name + R"(","bylines":")" + ad.bylines + R"(","spend":{"lower_bound":")" +
               std::to_string(s.lower / 100) + "\"" +
               (s.open_ended ? "" : R"(,"upper_bound":")" + upper + "\"") + "}}}";
      } else {
        json = R"({"registry":"google","observed_at":")" + FormatTimestamp(s.at) +
               R"(","ad":{"Ad_ID":")" + ad.id + R"(","Advertiser_ID":")" + ad.page +
               R"(","Advertiser_Name":")" + ad.page_name + R"(","Spend_Range_Min_GBP":")" +
               std::to_string(s.lower / 100) + "\"" +
               (s.open_ended ? "" : R"(,"Spend_Range_Max_GBP":")" + upper + "\"") + "}}";
      }
      const Outcome o = pipeline_.Process(InputRecord{
          config_.kafka.topic, partition, offsets[partition]++, ad.registry + ":" + ad.id, json});
      ASSERT_TRUE(o == Outcome::kApplied || o == Outcome::kLate) << json;
    }
    BuildOracle();
  }

  // The figures recomputed from the generated sightings alone.
  void BuildOracle() {
    const EpochSeconds watermark = sightings_.back().at;
    const EpochSeconds edge = watermark;
    std::map<int, const Sighting*> previous;
    // (registry, page, entity slot, partition, t0, t)
    std::map<std::tuple<std::string, std::string, std::size_t, int, EpochSeconds, EpochSeconds>,
             Amounts>
        intervals;
    for (const Sighting& s : sightings_) {
      const AdSpec& ad = ads_[static_cast<std::size_t>(s.ad)];
      Expected& e = expected_[std::make_tuple(ad.registry, ad.page, ad.entity)];
      const Sighting* before = previous[s.ad];
      if (before == nullptr) {
        e.registry = ad.registry;
        e.page_id = ad.page;
        e.entity = ad.entity;
        e.windows.resize(config_.windows.size());
        ++e.ads;
        if (e.ads == 1 || std::tie(s.at, ad.page_name, ad.bylines) >
                              std::tie(e.names_at, e.page_name, e.bylines)) {
          e.page_name = ad.page_name;
          e.bylines = ad.bylines;
          e.names_at = s.at;
        }
      }
      const Pence d[3] = {
          s.lower - (before ? before->lower : 0), s.upper - (before ? before->upper : 0),
          (s.lower + s.upper) / 2 - (before ? (before->lower + before->upper) / 2 : 0)};
      // Spread over (previous sighting, this one]; a first sighting sits at its time. An
      // advertiser's increments in one partition over the same interval are spread as one
      // amount (below).
      const EpochSeconds t0 = before ? before->at : s.at;
      for (int b = 0; b < 3; ++b) {
        intervals[std::make_tuple(ad.registry, ad.page, ad.entity, s.ad % 3, t0, s.at)].v[b] +=
            d[b];
        e.ctd.v[b] += d[b];
      }
      e.open_ended += (s.open_ended ? 1 : 0) - (before && before->open_ended ? 1 : 0);
      previous[s.ad] = &s;
    }
    EXPECT_LT(intervals.size() + 20, sightings_.size());  // ads of a page seen together
    for (const auto& [interval, amount] : intervals) {
      const auto& [registry, page, entity, partition, t0, t] = interval;
      Expected& e = expected_[std::make_tuple(registry, page, entity)];
      for (std::size_t w = 0; w < config_.windows.size(); ++w) {
        const EpochSeconds from = edge - config_.windows[w].seconds;
        for (int b = 0; b < 3; ++b) {
          const Pence d = amount.v[b];
          if (t <= t0) {
            e.windows[w].v[b] += t > from && t <= edge ? d : 0;
          } else {  // uniform over (t0, t], floored cumulatively
            const auto upto = [&](EpochSeconds x) {
              const EpochSeconds c = std::clamp(x, t0, t);
              return d * (c - t0) / (t - t0);  // small: no overflow
            };
            e.windows[w].v[b] += upto(edge) - upto(from);
          }
        }
      }
    }
  }

  rapidjson::Document Get(const std::string& query) {
    const HttpResponse r = api_.Handle({"GET", "/api/v1/advertisers", query});
    EXPECT_EQ(r.status, 200) << query << " → " << r.body;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
  }

  // The oracle's answer to a query: matching advertisers, largest key first.
  std::vector<const Expected*> Want(std::optional<std::size_t> entity, const std::string& registry,
                                    std::optional<std::size_t> window, int bound) {
    std::vector<const Expected*> out;
    for (const auto& [key, e] : expected_) {
      if ((entity && e.entity != *entity) || (!registry.empty() && e.registry != registry)) {
        continue;
      }
      out.push_back(&e);
    }
    const auto sort_key = [&](const Expected* e) {
      return window ? e->windows[*window].v[bound] : e->ctd.v[bound];
    };
    std::sort(out.begin(), out.end(), [&](const Expected* a, const Expected* b) {
      if (sort_key(a) != sort_key(b)) return sort_key(a) > sort_key(b);
      return std::tie(a->registry, a->page_id, a->entity) <
             std::tie(b->registry, b->page_id, b->entity);
    });
    return out;
  }

  void ExpectPage(const rapidjson::Value& got, const std::vector<const Expected*>& want,
                  std::size_t offset) {
    const std::vector<std::string> parties = {"Alpha", "Beta", "unattributed"};
    const char* bounds[] = {"lower_pence", "upper_pence", "mid_pence"};
    ASSERT_LE(got.Size(), want.size() - std::min(offset, want.size()));
    for (rapidjson::SizeType i = 0; i < got.Size(); ++i) {
      const rapidjson::Value& a = got[i];
      const Expected& e = *want[offset + i];
      SCOPED_TRACE(e.registry + ":" + e.page_id + " slot " + std::to_string(e.entity));
      EXPECT_EQ(std::string(a["registry"].GetString()), e.registry);
      EXPECT_EQ(std::string(a["page_id"].GetString()), e.page_id);
      EXPECT_EQ(std::string(a["party"].GetString()), parties[e.entity]);
      EXPECT_EQ(std::string(a["page_name"].GetString()), e.page_name);
      EXPECT_EQ(std::string(a["bylines"].GetString()), e.bylines);
      EXPECT_EQ(a["ads"].GetInt64(), e.ads);
      EXPECT_EQ(a["open_ended_ads"].GetInt64(), e.open_ended);
      for (int b = 0; b < 3; ++b) {
        EXPECT_EQ(a["campaign_to_date"][bounds[b]].GetInt64(), e.ctd.v[b]);
        // No region data: every penny is `unknown`, the four nations get nothing.
        EXPECT_EQ(a["nations"]["unknown"][bounds[b]].GetInt64(), e.ctd.v[b]);
        EXPECT_EQ(a["nations"]["england"][bounds[b]].GetInt64(), 0);
        for (std::size_t w = 0; w < config_.windows.size(); ++w) {
          EXPECT_EQ(a["windows"][config_.windows[w].name.c_str()][bounds[b]].GetInt64(),
                    e.windows[w].v[b])
              << config_.windows[w].name;
        }
      }
    }
  }

  Config config_ = OracleConfig();
  SystemClock clock_;
  Pipeline pipeline_{config_, clock_};
  AdvertisersApi api_{config_, [this](const AdvertiserQuery& q, std::size_t o, std::size_t l) {
                        return pipeline_.ListAdvertisers(q, o, l);
                      }};
  std::vector<AdSpec> ads_;
  std::vector<Sighting> sightings_;
  std::map<std::tuple<std::string, std::string, std::size_t>, Expected> expected_;
};

TEST_F(AdvertisersOracleTest, TotalsAndOrderingMatchTheOracleForEveryQuery) {
  ASSERT_GE(expected_.size(), 10U);
  struct Case {
    std::string query;
    std::optional<std::size_t> entity;
    std::string registry;
    std::optional<std::size_t> window;
    int bound;
  };
  const std::vector<Case> cases = {
      {"limit=1000", std::nullopt, "", std::nullopt, 0},
      {"limit=1000&bound=upper", std::nullopt, "", std::nullopt, 1},
      {"limit=1000&sort=24h&bound=mid", std::nullopt, "", 1, 2},
      {"limit=1000&sort=1h", std::nullopt, "", 0, 0},
      {"limit=1000&sort=7d&bound=upper", std::nullopt, "", 2, 1},
      {"limit=1000&party=unattributed", 2, "", std::nullopt, 0},
      {"limit=1000&party=Alpha", 0, "", std::nullopt, 0},
      {"limit=1000&registry=google&sort=campaign_to_date", std::nullopt, "google", std::nullopt, 0},
      {"limit=1000&nation=unknown&party=Beta", 1, "", std::nullopt, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    const auto want = Want(c.entity, c.registry, c.window, c.bound);
    const rapidjson::Document d = Get(c.query);
    EXPECT_EQ(d["total"].GetUint64(), want.size());
    EXPECT_EQ(d["advertisers"].Size(), want.size());
    ExpectPage(d["advertisers"], want, 0);
  }
  // Paging: pages of 3 concatenate to the whole ordering.
  const auto want = Want(std::nullopt, "", 1, 0);
  for (std::size_t offset = 0; offset < want.size() + 3; offset += 3) {
    const rapidjson::Document d = Get("sort=24h&limit=3&offset=" + std::to_string(offset));
    EXPECT_EQ(d["advertisers"].Size(),
              std::min<std::size_t>(3, want.size() - std::min(offset, want.size())));
    ExpectPage(d["advertisers"], want, offset);
  }
  // Some window is not empty and not the whole campaign (the oracle's windows are exercised).
  Pence in_1h = 0, in_7d = 0, total = 0;
  for (const auto& [key, e] : expected_) {
    in_1h += e.windows[0].v[1];
    in_7d += e.windows[2].v[1];
    total += e.ctd.v[1];
  }
  EXPECT_GT(in_1h, 0);
  EXPECT_LT(in_1h, in_7d);
  EXPECT_LE(in_7d, total);  // less: spend after the grid edge is in no window yet
  // No region data: no advertiser has spend in England.
  EXPECT_EQ(Get("nation=england")["total"].GetUint64(), 0U);
}

TEST_F(AdvertisersOracleTest, CsvHasOneRowPerAdvertiserWithTheSameFigures) {
  const HttpResponse r = api_.Handle({"GET", "/api/v1/advertisers", "format=csv&sort=24h"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  const auto want = Want(std::nullopt, "", 1, 0);
  CsvReader reader(r.body, /*strict=*/true);
  std::vector<std::string> fields;
  std::size_t line = 0;
  std::string error;
  ASSERT_TRUE(reader.Next(&fields, &line, &error));
  ASSERT_EQ(fields.size(), 7U + 3U * (1 + kNationCount + config_.windows.size()));
  EXPECT_EQ(fields[0], "registry");
  EXPECT_EQ(fields[7], "campaign_to_date_lower_pence");
  std::size_t rows = 0;
  while (reader.Next(&fields, &line, &error)) {
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_LT(rows, want.size());
    const Expected& e = *want[rows++];
    EXPECT_EQ(fields[0], e.registry);
    EXPECT_EQ(fields[1], e.page_id);
    EXPECT_EQ(fields[2], e.page_name);
    EXPECT_EQ(fields[5], std::to_string(e.ads));
    EXPECT_EQ(fields[7], std::to_string(e.ctd.v[0]));
    const std::size_t w24 = 7 + 3 * (1 + kNationCount) + 3;  // 24h, lower
    EXPECT_EQ(fields[w24], std::to_string(e.windows[1].v[0]));
  }
  EXPECT_EQ(rows, want.size());
}

TEST_F(AdvertisersOracleTest, BadParametersAnswer400NamingThem) {
  for (const auto& [query, named] :
       std::vector<std::pair<std::string, std::string>>{{"party=Gamma", "party"},
                                                        {"registry=tiktok", "registry"},
                                                        {"nation=cornwall", "nation"},
                                                        {"sort=2h", "sort"},
                                                        {"bound=middle", "bound"},
                                                        {"limit=0", "limit"},
                                                        {"limit=1001", "limit"},
                                                        {"offset=-1", "offset"},
                                                        {"format=xml", "format"},
                                                        {"colour=red", "colour"}}) {
    const HttpResponse r = api_.Handle({"GET", "/api/v1/advertisers", query});
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_NE(r.body.find(named), std::string::npos) << query << " → " << r.body;
  }
}

}  // namespace
}  // namespace adwatch
