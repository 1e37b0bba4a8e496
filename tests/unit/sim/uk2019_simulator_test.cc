#include "sim/uk2019_simulator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <rapidjson/document.h>
#pragma GCC diagnostic pop

namespace adwatch::sim {
namespace {

std::vector<std::string> Generate(std::uint64_t seed, int ads) {
  SimOptions options;
  options.seed = seed;
  options.ads = ads;
  Uk2019Simulator simulator(options);
  std::vector<std::string> lines;
  std::string line;
  while (simulator.Next(&line)) lines.push_back(line);
  return lines;
}

std::uint64_t Fnv1a(const std::vector<std::string>& lines) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& line : lines) {
    for (char c : line) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= '\n';
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Str(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

bool Has(const rapidjson::Value& v, const char* key) { return v.IsObject() && v.HasMember(key); }

// One parsed line, reduced to what the tests look at.
struct Line {
  std::string kind, crawl_id, lookup, status, ad_id, page_id, page_name, bylines, start, stop;
  EpochSeconds time = 0;
  bool has_upper = false;
  std::int64_t lower = -1, upper = -1, ads_listed = -1;
  bool has_stop = false;
  bool has_regions = false;
  std::map<std::string, int> regions;  // region -> hundredths
};

class Uk2019Stream : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    raw_ = new std::vector<std::string>(Generate(2019, 1000));
    parsed_ = new std::vector<Line>();
    for (const auto& text : *raw_) {
      rapidjson::Document doc;
      doc.Parse(text.c_str());
      ASSERT_FALSE(doc.HasParseError()) << text;
      ASSERT_TRUE(doc.IsObject());
      Line l;
      l.kind = Str(doc, "kind");
      l.crawl_id = Str(doc, "crawl_id");
      if (l.kind == "crawl_end") {
        auto t = ParseTimestamp(Str(doc, "completed_at"));
        ASSERT_TRUE(t.has_value()) << text;
        l.time = *t;
        ASSERT_TRUE(doc["ads_listed"].IsInt64());
        l.ads_listed = doc["ads_listed"].GetInt64();
        ASSERT_EQ(Str(doc, "scope"), "GB");
        ASSERT_TRUE(ParseTimestamp(Str(doc, "started_at")).has_value());
      } else if (l.kind == "report") {  // Meta's own report of the day before
        auto t = ParseTimestamp(Str(doc, "observed_at"));
        ASSERT_TRUE(t.has_value()) << text;
        l.time = *t;
        l.page_id = Str(doc, "advertiser_id");
        l.stop = Str(doc, "period_end");
        ASSERT_TRUE(doc["amount_lower_pence"].IsInt64()) << text;
        l.lower = doc["amount_lower_pence"].GetInt64();
        ASSERT_TRUE(doc["ads_in_library"].IsInt64()) << text;
        l.ads_listed = doc["ads_in_library"].GetInt64();
        ASSERT_EQ(Str(doc, "report"), "to_date");
      } else {
        ASSERT_EQ(l.kind, "observation");
        ASSERT_EQ(Str(doc, "registry"), "meta");
        ASSERT_EQ(Str(doc, "scope"), "GB");
        auto t = ParseTimestamp(Str(doc, "observed_at"));
        ASSERT_TRUE(t.has_value()) << text;
        l.time = *t;
        l.lookup = Str(doc, "lookup");
        l.status = Str(doc, "status");
        ASSERT_TRUE(Has(doc, "ad"));
        const auto& ad = doc["ad"];
        l.ad_id = Str(ad, "id");
        ASSERT_EQ(l.ad_id.size(), 15u) << text;
        if (l.status == "present") {
          l.page_id = Str(ad, "page_id");
          l.page_name = Str(ad, "page_name");
          l.bylines = Str(ad, "bylines");
          l.start = Str(ad, "ad_delivery_start_time");
          l.has_stop = Has(ad, "ad_delivery_stop_time");
          l.stop = Str(ad, "ad_delivery_stop_time");
          EXPECT_EQ(Str(ad, "currency"), "GBP");
          EXPECT_FALSE(l.page_id.empty());
          EXPECT_FALSE(l.page_name.empty());
          EXPECT_TRUE(ad["ad_creative_bodies"].IsArray());
          EXPECT_GE(ad["ad_creative_bodies"].Size(), 1u);
          EXPECT_TRUE(ad["ad_creative_link_titles"].IsArray());
          // delivery_by_region, when present: Meta's shape, fractions of 1 as strings.
          l.has_regions = Has(ad, "delivery_by_region");
          if (l.has_regions) {
            EXPECT_TRUE(ad["delivery_by_region"].IsArray());
            for (const auto& share : ad["delivery_by_region"].GetArray()) {
              EXPECT_TRUE(share["percentage"].IsString()) << text;
              const std::string pct = Str(share, "percentage");
              const int hundredths = pct == "1" ? 100
                                                : (pct.size() == 4 && pct.rfind("0.", 0) == 0
                                                       ? std::stoi(pct.substr(2))
                                                       : -1);
              EXPECT_GT(hundredths, 0) << text;
              l.regions[Str(share, "region")] += hundredths;
            }
          }
          EXPECT_TRUE(ad["publisher_platforms"].IsArray());
          EXPECT_TRUE(ad["impressions"].IsObject());
          // Numbers are strings, as the Ad Library sends them.
          const auto& spend = ad["spend"];
          EXPECT_TRUE(spend["lower_bound"].IsString());
          l.lower = std::stoll(Str(spend, "lower_bound"));
          l.has_upper = Has(spend, "upper_bound");
          if (l.has_upper) {
            EXPECT_TRUE(spend["upper_bound"].IsString());
            l.upper = std::stoll(Str(spend, "upper_bound"));
          }
        } else {
          EXPECT_EQ(l.status, "not_found");
          EXPECT_EQ(l.lookup, "by_id");
          EXPECT_EQ(ad.MemberCount(), 1u);
        }
      }
      parsed_->push_back(l);
    }
  }
  static void TearDownTestSuite() {
    delete raw_;
    delete parsed_;
  }
  static std::vector<std::string>* raw_;
  static std::vector<Line>* parsed_;
};
std::vector<std::string>* Uk2019Stream::raw_ = nullptr;
std::vector<Line>* Uk2019Stream::parsed_ = nullptr;

TEST(Uk2019Simulator, SameSeedSameBytesDifferentSeedDifferentBytes) {
  const auto a = Generate(7, 300);
  const auto b = Generate(7, 300);
  const auto c = Generate(8, 300);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(Fnv1a(a), Fnv1a(b));
  EXPECT_NE(Fnv1a(a), Fnv1a(c));
}

TEST(Uk2019Simulator, StartsWithTheFirstCrawlAndEndsWithTheLast) {
  const auto lines = Generate(1, 50);
  ASSERT_GE(lines.size(), 149u);
  EXPECT_EQ(lines.front(),
            "{\"kind\":\"crawl_end\",\"registry\":\"meta\",\"crawl_id\":\"meta-GB-2019-11-06T00\","
            "\"scope\":\"GB\",\"started_at\":\"2019-11-06T00:00:00Z\",\"completed_at\":"
            "\"2019-11-06T00:56:00Z\",\"ads_listed\":0}");
  EXPECT_NE(lines.back().find("\"crawl_id\":\"meta-GB-2019-12-13T00\""), std::string::npos);
  EXPECT_NE(lines.back().find("\"kind\":\"crawl_end\""), std::string::npos);
}

TEST(Uk2019Simulator, NextAfterEndKeepsReturningFalse) {
  SimOptions options;
  options.ads = 1;
  Uk2019Simulator simulator(options);
  std::string line;
  int n = 0;
  while (simulator.Next(&line)) ++n;
  EXPECT_GE(n, 149);
  line = "unchanged";
  EXPECT_FALSE(simulator.Next(&line));
  EXPECT_EQ(line, "unchanged");
}

TEST_F(Uk2019Stream, EventTimeNeverGoesBackwards) {
  for (std::size_t i = 1; i < parsed_->size(); ++i) {
    ASSERT_GE((*parsed_)[i].time, (*parsed_)[i - 1].time) << (*raw_)[i];
  }
  EXPECT_EQ(parsed_->front().time, 1572998400 + 3360);  // 2019-11-06T00:56:00Z
}

TEST_F(Uk2019Stream, SpendBucketsAreThe2019OnesAndNeverDecreasePerAd) {
  const std::map<std::int64_t, std::int64_t> buckets = {
      {0, 99}, {100, 499}, {500, 999}, {1000, 4999}, {5000, 9999}, {10000, 49999}, {50000, 99999}};
  std::map<std::string, std::int64_t> last;
  int open_ended = 0;
  for (const auto& l : *parsed_) {
    if (l.status != "present") continue;
    if (l.lower == 100000) {
      EXPECT_FALSE(l.has_upper);
      ++open_ended;
    } else {
      auto it = buckets.find(l.lower);
      ASSERT_NE(it, buckets.end()) << l.lower;
      ASSERT_TRUE(l.has_upper);
      EXPECT_EQ(l.upper, it->second);
    }
    auto [pos, inserted] = last.emplace(l.ad_id, l.lower);
    if (!inserted) {
      EXPECT_GE(l.lower, pos->second) << l.ad_id;
      pos->second = l.lower;
    }
  }
  EXPECT_GT(open_ended, 0);
  EXPECT_GT(last.size(), 900u);  // nearly all of the 1000 ads were seen
  EXPECT_LE(last.size(), 1000u);
}

TEST_F(Uk2019Stream, DeliveryDatesInTheCampaignAndStopTimeOnlyOnceStopped) {
  const EpochSeconds first = *ParseTimestamp("2019-11-06T00:00:00Z");
  const EpochSeconds polls = *ParseTimestamp("2019-12-12T00:00:00Z");
  for (const auto& l : *parsed_) {
    if (l.status != "present") continue;
    auto start = ParseDateOrTimestamp(l.start);
    ASSERT_TRUE(start.has_value());
    EXPECT_GE(*start, first);
    EXPECT_LE(*start, polls);
    EXPECT_LE(*start, l.time);
    if (l.has_stop) {
      auto stop = ParseDateOrTimestamp(l.stop);
      ASSERT_TRUE(stop.has_value());
      EXPECT_LE(*stop, l.time);
      EXPECT_LE(*stop, polls);
      EXPECT_GE(*stop, *start);
    }
  }
  // Once stopped, an ad keeps its stop time.
  std::set<std::string> stopped;
  for (const auto& l : *parsed_) {
    if (l.status != "present") continue;
    if (l.has_stop) {
      stopped.insert(l.ad_id);
    } else {
      EXPECT_EQ(stopped.count(l.ad_id), 0u) << l.ad_id;
    }
  }
  EXPECT_GT(stopped.size(), 500u);
}

TEST_F(Uk2019Stream, EveryCrawlIsClosedOnceAfterItsObservations) {
  std::set<std::string> closed;
  std::map<std::string, std::set<std::string>> listed;
  int crawl_ends = 0;
  for (const auto& l : *parsed_) {
    if (l.kind == "report") continue;  // the registry's own report belongs to no crawl
    ASSERT_FALSE(l.crawl_id.empty());
    ASSERT_EQ(closed.count(l.crawl_id), 0u) << "line after crawl_end of " << l.crawl_id;
    if (l.kind == "crawl_end") {
      ++crawl_ends;
      closed.insert(l.crawl_id);
      EXPECT_EQ(l.ads_listed, static_cast<std::int64_t>(listed[l.crawl_id].size())) << l.crawl_id;
    } else if (l.lookup == "listing") {
      listed[l.crawl_id].insert(l.ad_id);
    }
  }
  EXPECT_EQ(crawl_ends, 149);
  EXPECT_EQ(closed.count("meta-GB-2019-12-09T06"), 1u);
  EXPECT_EQ(closed.count("meta-GB-2019-11-06T00"), 1u);
  EXPECT_EQ(closed.count("meta-GB-2019-12-13T00"), 1u);
}

// Party of a line, from its page id or "Paid for by" line as the Ad Library shows them.
std::string PartyOf(const Line& l) {
  if (l.page_id == "8807334278" || l.bylines == "Conservative and Unionist Party") {
    return "Conservative";
  }
  if (l.page_id == "25749647410" || l.bylines == "The Labour Party") return "Labour";
  if (l.bylines.find("Liberal Democrats") != std::string::npos ||
      l.page_name.find("Liberal Democrats") != std::string::npos || l.page_name == "Jo Swinson") {
    return "Liberal Democrats";
  }
  return "other";
}

TEST_F(Uk2019Stream, OutageHidesAdsFromListingOnDecember9And10Only) {
  std::map<std::string, int> by_id_present;                         // crawl -> count
  std::map<std::string, std::map<std::string, int>> hidden, total;  // crawl -> party -> n
  for (const auto& l : *parsed_) {
    if (l.kind != "observation" || l.status != "present") continue;
    if (l.lookup == "by_id") ++by_id_present[l.crawl_id];
    if (l.crawl_id == "meta-GB-2019-12-09T12" || l.crawl_id == "meta-GB-2019-12-10T18") {
      const std::string party = PartyOf(l);
      ++total[l.crawl_id][party];
      ++total[l.crawl_id]["all"];
      if (l.lookup == "by_id") {
        ++hidden[l.crawl_id][party];
        ++hidden[l.crawl_id]["all"];
      }
    }
  }
  for (const std::string crawl : {"meta-GB-2019-12-09T12", "meta-GB-2019-12-10T18"}) {
    auto share = [&](const std::string& party) {
      return static_cast<double>(hidden[crawl][party]) / total[crawl][party];
    };
    ASSERT_GT(total[crawl]["Conservative"], 80);
    ASSERT_GT(total[crawl]["Liberal Democrats"], 80);
    EXPECT_GT(share("all"), 0.32) << crawl;
    EXPECT_LT(share("all"), 0.48) << crawl;
    EXPECT_GT(share("Conservative"), 0.10);
    EXPECT_LT(share("Conservative"), 0.32);
    EXPECT_GT(share("Labour"), 0.28);
    EXPECT_LT(share("Labour"), 0.58);
    EXPECT_GT(share("Liberal Democrats"), 0.45);
    EXPECT_LT(share("Liberal Democrats"), 0.75);
  }
  // Outside the outage nothing present is fetched by id.
  for (const auto& [crawl, n] : by_id_present) {
    EXPECT_TRUE(crawl >= "meta-GB-2019-12-09T00" && crawl <= "meta-GB-2019-12-10T18")
        << crawl << " " << n;
  }
  EXPECT_EQ(by_id_present.size(), 8u);
}

TEST_F(Uk2019Stream, DailyReportsCountTheAdsTheOutageHides) {
  // Labour's page: the ads the 06:00 crawl listed, and the ads the report of the day before
  // counts in the library.
  std::map<std::string, std::int64_t> listed, reported;  // by crawl day
  std::map<std::string, std::int64_t> amount;
  std::set<std::string> days;
  for (const auto& l : *parsed_) {
    if (l.kind == "observation" && l.lookup == "listing" && l.page_id == "25749647410" &&
        l.crawl_id.ends_with("T06")) {
      ++listed[l.crawl_id.substr(8, 10)];
    }
    if (l.kind == "report") {
      days.insert(l.stop);
      if (l.page_id == "25749647410") {
        const std::string day =
            FormatTimestamp(*ParseDateOrTimestamp(l.stop) + 86400).substr(0, 10);
        reported[day] = l.ads_listed;
        amount[day] = l.lower;
      }
    }
  }
  EXPECT_GE(days.size(), 30u);  // one report a day once ads run, the last of 11 December
  EXPECT_EQ(*days.rbegin(), "2019-12-11");
  EXPECT_GT(amount["2019-12-12"], amount["2019-11-20"]);
  for (const char* day : {"2019-12-09", "2019-12-10"}) {
    EXPECT_GT(reported[day], listed[day] * 5 / 4) << day;  // Labour lost 43% of its listing
  }
  EXPECT_LE(reported["2019-12-12"], listed["2019-12-12"]);
}

TEST_F(Uk2019Stream, SomeAdsAreRemovedAndSomeSightingsDuplicated) {
  std::set<std::string> removed;
  for (const auto& l : *parsed_) {
    if (l.status == "not_found") removed.insert(l.ad_id);
  }
  EXPECT_GE(removed.size(), 2u);
  EXPECT_LE(removed.size(), 40u);
  // A removed ad is never present again after its first not_found.
  std::set<std::string> gone;
  for (const auto& l : *parsed_) {
    if (l.status == "not_found") {
      gone.insert(l.ad_id);
    } else if (l.kind == "observation") {
      EXPECT_EQ(gone.count(l.ad_id), 0u);
    }
  }
  int duplicates = 0;
  for (std::size_t i = 1; i < raw_->size(); ++i) {
    if ((*raw_)[i] == (*raw_)[i - 1]) ++duplicates;
  }
  EXPECT_GT(duplicates, 10);
  EXPECT_LT(duplicates, static_cast<int>(raw_->size() / 100));
}

TEST_F(Uk2019Stream, CastIncludesPartiesCampaignersAndUnattributedAds) {
  std::set<std::string> names;
  int no_disclaimer = 0;
  for (const auto& l : *parsed_) {
    if (l.status != "present") continue;
    names.insert(l.page_name);
    if (l.bylines.empty()) ++no_disclaimer;
  }
  for (const char* name :
       {"Conservatives", "Labour Party", "Liberal Democrats", "SNP",
        "Green Party of England and Wales", "The Brexit Party", "Plaid Cymru", "People's Vote UK",
        "Best For Britain", "Britain's Future", "38 Degrees", "Unite the union"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_GT(no_disclaimer, 0);
}

TEST_F(Uk2019Stream, RegionSharesVaryByNationAndSomeAdsHaveNone) {
  int present = 0, without = 0;
  std::set<int> england_shares_conservative;
  std::map<std::string, std::set<std::map<std::string, int>>> shares_by_ad;
  for (const auto& l : *parsed_) {
    if (l.status != "present") continue;
    ++present;
    if (!l.has_regions) {
      ++without;
      continue;
    }
    int sum = 0;
    for (const auto& [region, hundredths] : l.regions) {
      EXPECT_TRUE(region == "England" || region == "Scotland" || region == "Wales" ||
                  region == "Northern Ireland")
          << region;
      sum += hundredths;
    }
    EXPECT_EQ(sum, 100) << l.ad_id;
    shares_by_ad[l.ad_id].insert(l.regions);
    const auto share = [&](const char* region) {
      const auto it = l.regions.find(region);
      return it == l.regions.end() ? 0 : it->second;
    };
    if (l.page_name == "SNP") {
      EXPECT_GE(share("Scotland"), 93) << l.ad_id;
    }
    if (l.page_name == "Plaid Cymru") {
      EXPECT_GE(share("Wales"), 89) << l.ad_id;
    }
    if (l.page_name == "Guildford Liberal Democrats") {
      EXPECT_EQ(share("England"), 100);
    }
    if (l.page_name == "Conservatives") {
      EXPECT_GE(share("England"), 69);
      EXPECT_LE(share("England"), 93);
      EXPECT_GT(share("Scotland") + share("Wales") + share("Northern Ireland"), 0);
      england_shares_conservative.insert(share("England"));
    }
  }
  EXPECT_GT(without * 100, present * 4);  // about 8% of sightings carry no region data
  EXPECT_LT(without * 100, present * 12);
  EXPECT_GE(england_shares_conservative.size(), 15u);  // UK-wide campaigns: varied shares
  std::size_t changing = 0;
  for (const auto& [ad, shares] : shares_by_ad) changing += shares.size() > 1;
  EXPECT_GT(changing, 10u);  // some ads' shares move between sightings
}

TEST_F(Uk2019Stream, ThemesFollowThePartiesMessaging) {
  // Conservatives talk mostly about Brexit, Labour mostly about the NHS.
  std::map<std::string, int> brexit, nhs, all;
  std::set<std::string> counted;
  for (std::size_t i = 0; i < raw_->size(); ++i) {
    const Line& l = (*parsed_)[i];
    if (l.status != "present" || !counted.insert(l.ad_id).second) continue;
    const std::string party = PartyOf(l);
    ++all[party];
    if ((*raw_)[i].find("Brexit") != std::string::npos) ++brexit[party];
    if ((*raw_)[i].find("NHS") != std::string::npos) ++nhs[party];
  }
  EXPECT_GT(brexit["Conservative"] * 2, all["Conservative"]);
  EXPECT_GT(nhs["Labour"] * 2, all["Labour"]);
  EXPECT_GT(brexit["Conservative"], nhs["Conservative"]);
  EXPECT_GT(nhs["Labour"], brexit["Labour"]);
}

TEST(WriteSimulation, WritesOneLinePerNextAndValidatesOptions) {
  SimOptions options;
  options.seed = 3;
  options.ads = 40;
  std::ostringstream out, err;
  std::int64_t count = 0;
  ASSERT_TRUE(WriteSimulation(options, out, &count, err)) << err.str();
  std::istringstream in(out.str());
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  EXPECT_EQ(lines, Generate(3, 40));
  EXPECT_EQ(count, static_cast<std::int64_t>(lines.size()));

  options.scenario = "us2020";
  EXPECT_FALSE(WriteSimulation(options, out, &count, err));
  EXPECT_NE(err.str().find("us2020"), std::string::npos);
  options.scenario = "uk2019";
  options.ads = 0;
  EXPECT_FALSE(WriteSimulation(options, out, &count, err));
}

}  // namespace
}  // namespace adwatch::sim
