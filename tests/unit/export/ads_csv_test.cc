// `GET /api/v1/ads?format=csv`: header, RFC 4180 quoting, formula-injection-safe cells, any
// state including every known ad.
#include "export/ads_csv.h"

#include <gtest/gtest.h>

#include "core/csv.h"
#include "entity_fixture.h"
#include "export/ads_api.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

std::vector<std::vector<std::string>> Rows(const std::string& text) {
  CsvReader reader(text);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  std::size_t line = 0;
  std::string error;
  while (reader.Next(&fields, &line, &error)) {
    EXPECT_TRUE(error.empty()) << error;
    if (fields.size() == 1 && fields[0].empty()) continue;
    rows.push_back(fields);
  }
  return rows;
}

TEST(AdsCsvTest, QuotesAndDefusesFormulas) {
  EXPECT_EQ(SafeCsvCell("Labour"), "Labour");
  EXPECT_EQ(SafeCsvCell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(SafeCsvCell("+44 20"), "'+44 20");
  EXPECT_EQ(SafeCsvCell("-1"), "'-1");
  EXPECT_EQ(SafeCsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(SafeCsvCell("\tx"), "'\tx");
  EXPECT_EQ(SafeCsvCell("a, b"), "\"a, b\"");
  EXPECT_EQ(SafeCsvCell("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(SafeCsvCell("mid=dle"), "mid=dle");

  std::vector<AdListing> ads = {
      {"meta", "1", 0, Presence::kUnlisted, "=cmd|' /C calc'!A0",
       "Promoted by A, on behalf of \"B\"", kT0, kT0 + 60, SpendRange{100000, 499900, false}, 0b11},
      {"google", "CR2", 2, Presence::kListed, "Page\r\nTwo", "", kT0, kNever,
       SpendRange{5000000, 5000000, true}, 0},
      {"meta", "3", 1, Presence::kUnknown, "-minus", "@at", kNever, kNever, std::nullopt, 0b10},
  };
  const std::string text = AdsCsv(ads, {"Labour", "Green", "unattributed"}, {"brexit", "nhs"});
  EXPECT_EQ(text.substr(0, text.find("\r\n")),
            "registry,ad_id,party,state,page_name,bylines,first_seen,last_seen,"
            "spend_lower_pence,spend_upper_pence,themes");
  const auto rows = Rows(text);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& r : rows) EXPECT_EQ(r.size(), 11u);
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"meta", "1", "Labour", "unlisted", "'=cmd|' /C calc'!A0",
                                      "Promoted by A, on behalf of \"B\"", "2019-12-09T00:00:00Z",
                                      "2019-12-09T00:01:00Z", "100000", "499900", "brexit;nhs"}));
  EXPECT_EQ(rows[2],
            (std::vector<std::string>{"google", "CR2", "unattributed", "listed", "Page\r\nTwo", "",
                                      "2019-12-09T00:00:00Z", "", "5000000", "", ""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"meta", "3", "Green", "unknown", "'-minus", "'@at",
                                               "", "", "", "", "nhs"}));
  // No cell of any row starts with a formula character.
  for (const auto& r : rows) {
    for (const auto& cell : r) {
      EXPECT_TRUE(cell.empty() ||
                  (cell[0] != '=' && cell[0] != '+' && cell[0] != '-' && cell[0] != '@'))
          << cell;
    }
  }
}

TEST(AdsCsvTest, TheApiServesEveryStateAsCsv) {
  Config config;
  config.entities = {Entity("Labour")};
  std::vector<AdListing> ads = {
      {"meta", "a", 0, Presence::kListed, "P", "B", kT0, kT0, SpendRange{100, 200, false}, 0},
      {"meta", "b", 1, Presence::kMissing, "P", "B", kT0, kT0, SpendRange{300, 400, false}, 0},
      {"meta", "c", 1, Presence::kUnknown, "P", "B", kT0, kT0, std::nullopt, 0},
  };
  AdFilter last;
  std::size_t last_limit = 0;
  AdsApi api(config, [&](const AdFilter& f, std::size_t, std::size_t limit) {
    last = f;
    last_limit = limit;
    AdPage page;
    for (const AdListing& a : ads) {
      if (f.presence[static_cast<std::size_t>(a.presence)]) page.ads.push_back(a);
    }
    page.total = page.ads.size();
    return page;
  });
  HttpResponse r = api.Handle({"GET", "/api/v1/ads", "format=csv&state=all"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(Rows(r.body).size(), 4u);
  EXPECT_EQ(last_limit, ListingParams::kMaxCsvLimit);
  r = api.Handle({"GET", "/api/v1/ads", "format=csv&state=listed,unknown&limit=5000"});
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Rows(r.body).size(), 3u);
  EXPECT_EQ(Rows(r.body)[1][1], "a");
  EXPECT_EQ(Rows(r.body)[2][2], "unattributed");
  EXPECT_EQ(last_limit, 5000u);
  // JSON keeps its limits; the default states stay the lost ones.
  EXPECT_EQ(api.Handle({"GET", "/api/v1/ads", "limit=5000"}).status, 400);
  EXPECT_EQ(api.Handle({"GET", "/api/v1/ads", "format=xml"}).status, 400);
  EXPECT_EQ(api.Handle({"GET", "/api/v1/ads", "state=sideways"}).status, 400);
  r = api.Handle({"GET", "/api/v1/ads", "format=csv"});
  EXPECT_EQ(Rows(r.body).size(), 2u);  // header + the missing ad
  EXPECT_FALSE(last.presence[static_cast<std::size_t>(Presence::kListed)]);
}

}  // namespace
}  // namespace adwatch
