// The registries' own report files: Google's weekly spend in every documented column layout,
// Meta's Ad Library Report (the two real May 2019 files and the later layout), bad rows counted
// with their line and the good rows around them kept.
#include "source/report_files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "core/rapidjson.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kDay = 86400;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Fixture(const std::string& name) {
  return std::string(ADWATCH_SOURCE_DIR) + "/tests/data/reports/" + name;
}

ParsedReportFile Parse(ReportFileFormat format, const std::string& path,
                       const ReportFileOptions& options = {}) {
  ParsedReportFile out;
  std::string error;
  EXPECT_TRUE(ParseReportFile(format, Read(path), path, options, &out, &error)) << error;
  return out;
}

EpochSeconds D(const char* day) { return *ParseDateOrTimestamp(day); }

TEST(GoogleWeeklySpendTest, The2020LayoutWithBadRowsBetweenGoodOnes) {
  const auto path = Fixture("google-weekly-spend-2020.csv");
  const ParsedReportFile p = Parse(ReportFileFormat::kGoogleWeeklySpend, path);
  EXPECT_EQ(p.rows, 10);
  ASSERT_EQ(p.reports.size(), 6u);
  ASSERT_EQ(p.errors.size(), 4u);
  EXPECT_EQ(p.errors[0], path + ":8: Spend_GBP is empty");
  EXPECT_EQ(p.errors[1], path + ":9: Week_Start_Date is not a YYYY-MM-DD date");
  EXPECT_EQ(p.errors[2], path + ":10: Spend_GBP is not a whole number");
  EXPECT_EQ(p.errors[3], path + ":11: row has 4 cells, the header needs 16");
  const Report& first = p.reports[0];
  EXPECT_EQ(first.registry, "google");
  EXPECT_EQ(first.kind, ReportKind::kWeekly);
  EXPECT_EQ(first.advertiser_id, "AR488306308034854912");
  EXPECT_EQ(first.advertiser_name, "The Conservative & Unionist Party");
  EXPECT_EQ(first.period_start, D("2019-11-24"));
  EXPECT_EQ(first.period_end, D("2019-11-30"));  // 7 days, inclusive
  EXPECT_EQ(first.amount, (SpendRange{2000000, 2000000, false}));
  EXPECT_EQ(first.release, "google-weekly-spend-2020");
  // observed_at: the midnight after the latest week in the file (2019-12-08 + 7 days).
  EXPECT_EQ(first.observed_at, D("2019-12-15"));
  EXPECT_EQ(p.reports[3].amount, (SpendRange{0, 0, false}));  // a zero week
  EXPECT_EQ(p.reports[4].advertiser_name, "Liberal Democrats, Federal Party");
  EXPECT_EQ(p.reports[5].advertiser_name, "Smith for Congress, Inc.");  // US: kept, GBP as given
  EXPECT_EQ(p.reports[5].amount.lower, 100000);
  Pence total = 0;
  for (const Report& r : p.reports) total += r.amount.lower;
  EXPECT_EQ(total, (20000 + 50050 + 30000 + 0 + 10000 + 1000) * 100);
}

TEST(GoogleWeeklySpendTest, LaterAndReorderedLayoutsAreReadByHeader) {
  const ParsedReportFile later =
      Parse(ReportFileFormat::kGoogleWeeklySpend, Fixture("google-weekly-spend-2023.csv"));
  ASSERT_EQ(later.reports.size(), 2u);
  EXPECT_TRUE(later.errors.empty());
  EXPECT_EQ(later.reports[0].amount.lower, 105000);
  EXPECT_EQ(later.reports[1].advertiser_name, "Partido \"Nuevo\", A.C.");
  EXPECT_EQ(later.reports[1].amount.lower, 400000);
  const ParsedReportFile reordered =
      Parse(ReportFileFormat::kGoogleWeeklySpend, Fixture("google-weekly-spend-reordered.csv"));
  ASSERT_EQ(reordered.reports.size(), 2u);
  EXPECT_EQ(reordered.reports[0].advertiser_id, "AR777");
  EXPECT_EQ(reordered.reports[0].advertiser_name, "Plaid Cymru - The Party of Wales");
  EXPECT_EQ(reordered.reports[0].amount.lower, 20000);
  EXPECT_EQ(reordered.reports[1].amount.lower, 5000);
  // Another currency when asked for; a file without the column is refused as a whole.
  ReportFileOptions eur;
  eur.currency = "EUR";
  eur.release = "r";
  eur.observed_at = D("2020-01-01");
  const ParsedReportFile in_eur = Parse(ReportFileFormat::kGoogleWeeklySpend,
                                        Fixture("google-weekly-spend-reordered.csv"), eur);
  EXPECT_EQ(in_eur.reports[0].amount.lower, 23500);
  EXPECT_EQ(in_eur.reports[0].release, "r");
  EXPECT_EQ(in_eur.reports[0].observed_at, D("2020-01-01"));
  ParsedReportFile out;
  std::string error;
  const auto path = Fixture("google-weekly-spend-no-gbp.csv");
  EXPECT_FALSE(
      ParseReportFile(ReportFileFormat::kGoogleWeeklySpend, Read(path), path, {}, &out, &error));
  EXPECT_EQ(error, path + ":1: missing column Spend_GBP");
}

// An independent reading of a real Meta report: Python's csv module's view, summed by hand.
struct MetaTotals {
  std::size_t rows;
  Pence lower, upper;
  std::int64_t ads;
};

TEST(MetaReportTest, TheRealMay2019ReportsAddUpToTheFile) {
  const std::map<std::string, MetaTotals> expected = {
      // rows, sum of amounts (≤100 as 0 / 100), ads: computed with Python's csv module.
      {"FBReportGB2019-05-11_SpendingToDate.csv", {4636, 331525300, 366085300, 49820}},
      {"FBReportGB2019-05-11_ThisWeekSpending.csv", {510, 16693300, 20713300, 4147}},
  };
  for (const auto& [file, totals] : expected) {
    const auto path = std::string(ADWATCH_SOURCE_DIR) + "/tests/fixtures/enrich/" + file;
    const ParsedReportFile p = Parse(ReportFileFormat::kMetaReport, path);
    EXPECT_EQ(p.rows, static_cast<std::int64_t>(totals.rows)) << file;
    EXPECT_TRUE(p.errors.empty()) << file << ": " << p.errors.front();
    Pence lower = 0, upper = 0;
    std::int64_t ads = 0;
    std::set<std::string> ids;
    for (const Report& r : p.reports) {
      lower += r.amount.lower;
      upper += r.amount.upper;
      ads += r.ads_in_library.value_or(-1000000);
      EXPECT_TRUE(ids.insert(r.advertiser_id).second) << r.advertiser_id;
      EXPECT_EQ(r.registry, "meta");
      EXPECT_EQ(r.period_end, D("2019-05-11"));
      EXPECT_EQ(r.observed_at, D("2019-05-12"));
    }
    EXPECT_EQ(lower, totals.lower) << file;
    EXPECT_EQ(upper, totals.upper) << file;
    EXPECT_EQ(ads, totals.ads) << file;
    EXPECT_LT(p.reports.size(), totals.rows);  // same-named pages summed into one advertiser
  }
  const ParsedReportFile to_date =
      Parse(ReportFileFormat::kMetaReport,
            std::string(ADWATCH_SOURCE_DIR) +
                "/tests/fixtures/enrich/FBReportGB2019-05-11_SpendingToDate.csv");
  EXPECT_EQ(to_date.reports[0].kind, ReportKind::kToDate);
  EXPECT_EQ(to_date.reports[0].advertiser_name, "People's Vote UK");
  EXPECT_EQ(to_date.reports[0].disclaimer, "People's Vote");
  EXPECT_EQ(to_date.reports[0].advertiser_id, "name:people's vote uk|people's vote");
  EXPECT_EQ(to_date.reports[0].amount, (SpendRange{43518500, 43518500, false}));
  EXPECT_EQ(to_date.reports[0].ads_in_library, 3581);
  EXPECT_EQ(to_date.reports[0].release, "FBReportGB2019-05-11_SpendingToDate");
  const ParsedReportFile week =
      Parse(ReportFileFormat::kMetaReport,
            std::string(ADWATCH_SOURCE_DIR) +
                "/tests/fixtures/enrich/FBReportGB2019-05-11_ThisWeekSpending.csv");
  EXPECT_EQ(week.reports[0].kind, ReportKind::kWeekly);
  EXPECT_EQ(week.reports[0].period_start, D("2019-05-05"));
}

TEST(MetaReportTest, LaterLayoutWithPageIdsAndSmallAmounts) {
  const ParsedReportFile p = Parse(ReportFileFormat::kMetaReport,
                                   Fixture("FBReport-pageid-2019-12-10_LifelongSpending.csv"));
  ASSERT_EQ(p.reports.size(), 3u);
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.reports[0].advertiser_id, "8807334278");
  EXPECT_EQ(p.reports[0].kind, ReportKind::kToDate);
  EXPECT_EQ(p.reports[0].period_end, D("2019-12-10"));
  EXPECT_EQ(p.reports[0].amount.lower, 123000000);
  EXPECT_EQ(p.reports[1].disclaimer, "Promoted by J Smith, on behalf of The Labour Party");
  EXPECT_EQ(p.reports[2].advertiser_id, "name:renew party|these ads ran without a disclaimer");
  EXPECT_EQ(p.reports[2].amount, (SpendRange{0, 10000, false}));
  EXPECT_EQ(p.reports[2].ads_in_library, 3);
}

TEST(MetaReportTest, BadRowsAreCountedWithTheirLineAndGoodRowsKept) {
  const auto path = Fixture("FBReportBad2019-05-11_ThisWeekSpending.csv");
  const ParsedReportFile p = Parse(ReportFileFormat::kMetaReport, path);
  EXPECT_EQ(p.rows, 5);
  ASSERT_EQ(p.reports.size(), 2u);
  EXPECT_EQ(p.reports[0].advertiser_name, "Labour North");
  EXPECT_EQ(p.reports[1].advertiser_name, "Good After Bad");
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0], path + ":3: amount is not a whole number");
  EXPECT_EQ(p.errors[1], path + ":4: row has 2 cells, the header needs 4");
  EXPECT_EQ(p.errors[2], path + ":6: number of ads is not a whole number");
  // A file whose name gives no period needs --report and --period-end.
  ParsedReportFile out;
  std::string error;
  EXPECT_FALSE(
      ParseReportFile(ReportFileFormat::kMetaReport, Read(path), "report.csv", {}, &out, &error));
  EXPECT_NE(error.find("no period"), std::string::npos);
  ReportFileOptions given;
  given.kind = ReportKind::kToDate;
  given.period_end = D("2019-06-01");
  ASSERT_TRUE(ParseReportFile(ReportFileFormat::kMetaReport, Read(path), "report.csv", given, &out,
                              &error));
  EXPECT_EQ(out.reports[0].period_end, D("2019-06-01"));
  EXPECT_EQ(out.reports[0].observed_at, D("2019-06-01") + kDay);
}

TEST(ReportJsonTest, TheLineIsTheMessageSchema) {
  Report r;
  r.registry = "google";
  r.observed_at = *ParseTimestamp("2019-12-10T06:00:00Z");
  r.release = "google-2019-12-10";
  r.advertiser_id = "AR488306308034854912";
  r.advertiser_name = "Conservative and Unionist Party";
  r.period_start = D("2019-12-01");
  r.period_end = D("2019-12-07");
  r.amount = SpendRange{1230000, 1230000, false};
  EXPECT_EQ(ReportToJson(r),
            R"({"kind":"report","registry":"google","observed_at":"2019-12-10T06:00:00Z",)"
            R"("release":"google-2019-12-10","report":"weekly",)"
            R"("advertiser_id":"AR488306308034854912",)"
            R"("advertiser_name":"Conservative and Unionist Party",)"
            R"("disclaimer":null,"period_start":"2019-12-01","period_end":"2019-12-07",)"
            R"("amount_lower_pence":1230000,"amount_upper_pence":1230000,"ads_in_library":null})");
  r.kind = ReportKind::kToDate;
  r.amount.open_ended = true;
  r.ads_in_library = 7;
  r.disclaimer = "a \"quoted\" one";
  const std::string json = ReportToJson(r);
  EXPECT_NE(json.find(R"("amount_upper_pence":null)"), std::string::npos);
  EXPECT_NE(json.find(R"("ads_in_library":7)"), std::string::npos);
  EXPECT_NE(json.find(R"("disclaimer":"a \"quoted\" one")"), std::string::npos);
}

}  // namespace
}  // namespace adwatch
