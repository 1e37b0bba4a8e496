#include "enrich/attributor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "enrich/normalize.h"

namespace adwatch {
namespace {

using ::testing::ElementsAre;

// --- helpers -------------------------------------------------------------------------------

struct ReportRow {
  std::string page_name;
  std::string disclaimer;
};

// Reads a Meta Ad Library report (RFC 4180 CSV with a BOM and a header line).
std::vector<ReportRow> ReadReport(const std::string& file) {
  std::ifstream in(std::string(ADWATCH_SOURCE_DIR) + "/tests/fixtures/enrich/" + file,
                   std::ios::binary);
  EXPECT_TRUE(in) << file;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
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
    } else if (c == '"' && field.empty()) {  // a quote inside an unquoted field is literal
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  std::vector<ReportRow> rows;
  for (std::size_t r = 1; r < records.size(); ++r) {  // skip the header
    EXPECT_EQ(records[r].size(), 4u) << file << " record " << r;
    if (records[r].size() >= 2) rows.push_back(ReportRow{records[r][0], records[r][1]});
  }
  return rows;
}

const std::vector<ReportRow>& AllRows() {
  static const auto* rows = [] {
    auto* all = new std::vector<ReportRow>(ReadReport("FBReportGB2019-05-11_SpendingToDate.csv"));
    auto week = ReadReport("FBReportGB2019-05-11_ThisWeekSpending.csv");
    all->insert(all->end(), week.begin(), week.end());
    return all;
  }();
  return *rows;
}

class DefaultAttributorTest : public ::testing::Test {
 protected:
  // The attributed entity's name, or "unattributed".
  std::string Who(const std::string& page_name, const std::string& bylines,
                  const std::string& page_id = "", const std::string& registry = "meta") const {
    AdContent ad;
    ad.page_id = page_id;
    ad.page_name = page_name;
    ad.bylines = bylines;
    const EntityId id = attributor_.Attribute(registry, ad);
    if (id == kUnattributed) return "unattributed";
    return DefaultConfig().entities.at(Index(id)).name;
  }
  Attributor attributor_{DefaultConfig().entities};
};

// --- normalisation -------------------------------------------------------------------------

TEST(NormalizeNameTest, FoldsCasePunctuationApostrophesAndThe) {
  EXPECT_EQ(NormalizeName("The Conservative & Unionist Party"), "conservative and unionist party");
  EXPECT_EQ(NormalizeName("Conservative and Unionist Party"), "conservative and unionist party");
  EXPECT_EQ(NormalizeName("People\xE2\x80\x99s Vote"), "peoples vote");
  EXPECT_EQ(NormalizeName("People's Vote"), "peoples vote");
  EXPECT_EQ(NormalizeName("  the   Liberal\tDemocrats. "), "liberal democrats");
  EXPECT_EQ(NormalizeName("Renew  Party"), "renew party");
  EXPECT_EQ(NormalizeName("Paid for by The Labour Party."), "labour party");
  EXPECT_EQ(NormalizeName("Change UK - The Independent Group"), "change uk the independent group");
  EXPECT_EQ(NormalizeName("Sinn F\xC3\xA9in"), "sinn f\xC3\xA9in");
  EXPECT_EQ(NormalizeName("the"), "the");  // nothing follows: kept
  EXPECT_EQ(NormalizeName("Theresa May"), "theresa may");
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("..."), "");
}

TEST(BylineCandidatesTest, PromotedByOnBehalfOf) {
  EXPECT_THAT(BylineCandidates("the Liberal Democrats"), ElementsAre("liberal democrats"));
  EXPECT_THAT(
      BylineCandidates("The Labour Party. Promoted by John Cook on behalf of Ipswich Labour Party"),
      ElementsAre("labour party promoted by john cook on behalf of ipswich labour party",
                  "labour party", "ipswich labour party"));
  EXPECT_THAT(BylineCandidates("Nick Harvey on behalf of the Liberal Democrats,, London, SW1P"),
              ElementsAre("nick harvey on behalf of the liberal democrats london sw1p",
                          "liberal democrats"));
  EXPECT_THAT(BylineCandidates("Labour North, Promoted by Fiona Stanton on behalf of Labour North"),
              ElementsAre("labour north promoted by fiona stanton on behalf of labour north",
                          "labour north"));
  EXPECT_THAT(BylineCandidates(""), ElementsAre());
}

// --- the default config on Meta's real GB report ---------------------------------------------

TEST_F(DefaultAttributorTest, EveryConfiguredDisclaimerMapsToItsEntity) {
  // Disclaimers from the reports, with the entity each belongs to, written by hand.
  const std::map<std::string, std::string> expected = {
      {"The Conservative Party", "Conservative"},
      {"the Conservative Party", "Conservative"},
      {"Conservative Party", "Conservative"},
      {"Conservatives", "Conservative"},
      {"the Scottish Conservative and Unionist Party", "Conservative"},
      {"the Welsh Conservatives", "Conservative"},
      {"The Labour Party", "Labour"},
      {"The Labour Party.", "Labour"},
      {"the Labour Party", "Labour"},
      {"the Labour party", "Labour"},
      {"The Labour party", "Labour"},
      {"The London Labour Party", "Labour"},
      {"The London Labour Party.", "Labour"},
      {"Scottish Labour Party", "Labour"},
      {"Scottish Labour", "Labour"},
      {"Welsh Labour", "Labour"},
      {"the Liberal Democrats", "Liberal Democrats"},
      {"The Liberal Democrats", "Liberal Democrats"},
      {"Liberal Democrats", "Liberal Democrats"},
      {"Welsh Liberal Democrats", "Liberal Democrats"},
      {"The Brexit Party", "Brexit Party"},
      {"The Green Party of England and Wales", "Green"},
      {"Green Party of England and Wales", "Green"},
      {"Green Party of England & Wales", "Green"},
      {"Plaid Cymru", "Plaid Cymru"},
      {"UK Independence Party (UKIP)", "UKIP"},
      {"Change UK - The Independent Group", "Change UK"},
      {"The Independent Group (TIG) Ltd, company number 11770529, a registered company in "
       "England and Wales.",
       "Change UK"},
      {"Democratic Unionist Party", "DUP"},
      {"The Alliance Party", "Alliance"},
      {"People's Vote", "People's Vote"},
      {"Best for Britain", "Best for Britain"},
      {"Britain's Future", "Britain's Future"},
      {"38 Degrees", "38 Degrees"},
      {"Unite the union", "Unite the Union"},
      {"Momentum", "Momentum"},
      {"HOPE not hate", "HOPE not hate"},
      {"Leave Means Leave", "Leave Means Leave"},
      {"UK government", "UK government"},
      {"The Electoral Commission", "Electoral Commission"},
  };
  std::map<std::string, int> rows_per_entity;
  std::size_t checked = 0;
  for (const ReportRow& row : AllRows()) {
    const auto it = expected.find(row.disclaimer);
    if (it == expected.end()) continue;
    ++checked;
    // The page name must not matter: bylines take precedence, and alone they suffice.
    EXPECT_EQ(Who(row.page_name, row.disclaimer), it->second)
        << row.page_name << " / " << row.disclaimer;
    EXPECT_EQ(Who("", row.disclaimer), it->second) << row.disclaimer;
    ++rows_per_entity[it->second];
  }
  // Counted by hand from the reports: Conservative 136 rows (105 "The Conservative Party", 26
  // "Conservatives", ...), Labour 127, Liberal Democrats 14.
  EXPECT_GE(checked, 300u);
  EXPECT_GE(rows_per_entity["Conservative"], 130);
  EXPECT_GE(rows_per_entity["Labour"], 100);
  EXPECT_GE(rows_per_entity["Liberal Democrats"], 12);
}

TEST_F(DefaultAttributorTest, NoDisclaimerNeverAttributesByItself) {
  std::size_t rows = 0;
  for (const ReportRow& row : AllRows()) {
    if (row.disclaimer != "These ads ran without a disclaimer") continue;
    ++rows;
    EXPECT_EQ(Who("", row.disclaimer), "unattributed") << row.page_name;
  }
  EXPECT_GT(rows, 100u);
  // With the page name, only a configured page-name pattern attributes.
  const std::string none = "These ads ran without a disclaimer";
  EXPECT_EQ(Who("International Rescue Committee - Europe", none), "unattributed");
  EXPECT_EQ(Who("Property & Business Info", none), "unattributed");
  EXPECT_EQ(Who("Pet Drugs Online", none), "unattributed");
  EXPECT_EQ(Who("Zoe Mayou for Nuneaton Labour MP", none), "unattributed");
  EXPECT_EQ(Who("Liberal Democrats", none), "Liberal Democrats");
  EXPECT_EQ(Who("Conservatives", none), "Conservative");
  EXPECT_EQ(Who("The Labour Party", none), "Labour");
  EXPECT_EQ(Who("UK government", none), "UK government");
  EXPECT_EQ(Who("UK Government Scotland", none), "UK government");
  EXPECT_EQ(Who("Electoral Commission UK", none), "Electoral Commission");
  EXPECT_EQ(Who("Granemore Ballymacnab Sinn F\xC3\xA9in", none), "Sinn F\xC3\xA9in");
}

TEST_F(DefaultAttributorTest, SpecificReportRows) {
  EXPECT_EQ(Who("Liberal Democrats", "the Liberal Democrats"), "Liberal Democrats");
  EXPECT_EQ(Who("Jane Dodds", "the Liberal Democrats"), "Liberal Democrats");
  EXPECT_EQ(Who("Conservatives", "The Conservative Party"), "Conservative");
  EXPECT_EQ(Who("Andy Street", "The Conservative Party"), "Conservative");
  EXPECT_EQ(Who("Robert Largan for High Peak", "Conservatives"), "Conservative");
  EXPECT_EQ(Who("Scottish Conservatives", "the Scottish Conservative and Unionist Party"),
            "Conservative");
  EXPECT_EQ(Who("People's Vote UK", "People's Vote"), "People's Vote");
  EXPECT_EQ(Who("Best For Britain", "Best for Britain"), "Best for Britain");
  EXPECT_EQ(Who("The Brexit Party", "The Brexit Party"), "Brexit Party");
  // "X. Promoted by P on behalf of Y": X is the party.
  EXPECT_EQ(Who("Ipswich Labour",
                "The Labour Party. Promoted by John Cook on behalf of Ipswich Labour Party"),
            "Labour");
  EXPECT_EQ(Who("Jill Borcherds",
                "Paid for by The Labour Party. Promoted by David Wood on behalf of Jill "
                "Borcherds."),
            "Labour");
  // "... on behalf of Y": Y is the party.
  EXPECT_EQ(Who("Westmorland and Lonsdale Liberal Democrats",
                "P Trollope [Election Agent] on behalf of the Liberal Democrats"),
            "Liberal Democrats");
  EXPECT_EQ(Who("Kevin", "Daniel Norton on behalf of the Liberal Democrats"), "Liberal Democrats");
  // Local parties by their page names.
  EXPECT_EQ(Who("Yeovil Conservatives",
                "The Yeovil Constituency Conservative Association of 17 The Park, Yeovil, "
                "Somerset, BA20 1DN."),
            "Conservative");
  EXPECT_EQ(Who("York Green Party", "York Green Party"), "Green");
  EXPECT_EQ(Who("Chelmsford Lib Dems", "Chelmsford & Maldon Liberal Democrats"),
            "Liberal Democrats");
  EXPECT_EQ(Who("Alliance Party of Northern Ireland", "The Alliance Party"), "Alliance");
  // Groups that share words with configured names are not those entities.
  EXPECT_EQ(Who("Labour for a People's Vote", "Labour for a People's Vote"), "unattributed");
  EXPECT_EQ(Who("Women for a People's Vote", "Women for a People's Vote"), "unattributed");
  EXPECT_EQ(Who("Labour Leave", "Labour Leave"), "unattributed");
  EXPECT_EQ(Who("Friends of the Earth", "Friends of the Earth"), "unattributed");
  EXPECT_EQ(Who("The Countryside Alliance", "Countryside Alliance"), "unattributed");
  EXPECT_EQ(Who("Liberal Democrat Newswire", "Liberal Democrat Newswire"), "unattributed");
  // Curly apostrophes as Meta sometimes serves them.
  EXPECT_EQ(Who("", "People\xE2\x80\x99s Vote"), "People's Vote");
}

TEST_F(DefaultAttributorTest, PageIdsAndGoogleNames) {
  EXPECT_EQ(Who("", "", "8807334278"), "Conservative");
  EXPECT_EQ(Who("", "", "25749647410"), "Labour");
  EXPECT_EQ(Who("", "", "164027949687"), "Labour");
  EXPECT_EQ(Who("", "", "1"), "unattributed");
  // Page id first, whatever the byline says.
  EXPECT_EQ(Who("Conservatives", "the Liberal Democrats", "8807334278"), "Conservative");
  // Google names advertisers its own way (DOMAIN.md).
  EXPECT_EQ(Who("The Conservative & Unionist Party", "", "AR1", "google"), "Conservative");
  EXPECT_EQ(Who("Labour Party", "", "AR2", "google"), "Labour");
  EXPECT_EQ(Who("The Brexit Party", "", "AR3", "google"), "Brexit Party");
  EXPECT_EQ(Who("Liberal Democrats", "", "AR4", "google"), "Liberal Democrats");
  // Google rows use only Google rules: Meta page ids and page-name patterns do not apply.
  EXPECT_EQ(Who("Yeovil Conservatives", "", "8807334278", "google"), "unattributed");
}

// --- precedence and explanations on a small config --------------------------------------------

std::vector<EntityConfig> SmallConfig() {
  EntityConfig a;
  a.name = "A";
  a.page_ids = {"100"};
  a.bylines = {"Alpha Party"};
  a.page_names = {"labour"};
  a.google_advertiser_ids = {"AR100"};
  a.google_advertiser_names = {"Alpha Ltd"};
  EntityConfig b;
  b.name = "B";
  b.page_ids = {"200"};
  b.bylines = {"Beta Party", "Alpha Party"};  // Alpha Party is claimed by A first
  b.page_names = {"labour party", "dup"};
  b.google_advertiser_names = {"Beta Ltd"};
  EntityConfig c;
  c.name = "C";
  c.page_names = {"labour"};  // same length as A's: A, configured first, wins
  return {a, b, c};
}

TEST(AttributorTest, PrecedenceAndTies) {
  const Attributor at(SmallConfig());
  auto who = [&](const std::string& id, const std::string& name, const std::string& bylines,
                 const std::string& registry = "meta") {
    AdContent ad;
    ad.page_id = id;
    ad.page_name = name;
    ad.bylines = bylines;
    return Index(at.Attribute(registry, ad));
  };
  const std::uint16_t kNone = Index(kUnattributed);
  EXPECT_EQ(who("200", "Alpha Party", "Alpha Party"), 1);          // page id beats bylines
  EXPECT_EQ(who("999", "Ipswich Labour Party", "Beta Party"), 1);  // bylines beat page names
  EXPECT_EQ(who("", "Beta Labour", "ALPHA PARTY!"), 0);            // first claim of a byline wins
  EXPECT_EQ(who("", "Ipswich Labour Party", ""), 1);               // longest pattern wins
  EXPECT_EQ(who("", "Ipswich Labour", ""), 0);                     // tie: first configured
  EXPECT_EQ(who("", "Labourers United", ""), kNone);               // whole words only
  EXPECT_EQ(who("", "Duplicate Pages Ltd", ""), kNone);
  EXPECT_EQ(who("", "East Belfast DUP", ""), 1);
  EXPECT_EQ(who("", "", ""), kNone);
  EXPECT_EQ(who("AR100", "", "", "google"), 0);
  EXPECT_EQ(who("AR999", "beta  ltd.", "", "google"), 1);
  EXPECT_EQ(who("100", "Beta Ltd", "", "google"), 1);  // Meta page ids are not Google ids
}

TEST(AttributorTest, ExplainsTheRule) {
  const Attributor at(SmallConfig());
  AdContent ad;
  std::string why;
  ad.page_id = "100";
  at.Attribute("meta", ad, &why);
  EXPECT_EQ(why, "A by page_id \"100\"");
  why.clear();
  ad.page_id = "";
  ad.bylines = "The Beta Party";
  at.Attribute("meta", ad, &why);
  EXPECT_EQ(why, "B by bylines \"beta party\"");
  why.clear();
  ad.bylines = "";
  ad.page_name = "Ipswich Labour Party";
  at.Attribute("meta", ad, &why);
  EXPECT_EQ(why, "B by page_name \"labour party\"");
  why.clear();
  ad.page_name = "Nobody";
  EXPECT_EQ(at.Attribute("meta", ad, &why), kUnattributed);
  EXPECT_EQ(why, "unattributed: no rule matched");
  why.clear();
  ad.page_id = "AR100";
  at.Attribute("google", ad, &why);
  EXPECT_EQ(why, "A by google_advertiser_id \"AR100\"");
}

TEST(AttributorTest, NoEntitiesMeansUnattributed) {
  const Attributor at({});
  AdContent ad;
  ad.page_id = "8807334278";
  ad.bylines = "Conservatives";
  ad.page_name = "Conservatives";
  EXPECT_EQ(at.Attribute("meta", ad), kUnattributed);
  EXPECT_EQ(at.Attribute("google", ad), kUnattributed);
}

}  // namespace
}  // namespace adwatch
