#include "app/cmd_classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace adwatch {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome Classify(const std::string& input, bool explain = false,
                 const Config& config = DefaultConfig()) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  Outcome r;
  r.code = ClassifyCommand(config, explain, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// SPEC §2.1's example on one line.
const char kSpecObservation[] =
    R"({"kind":"observation","registry":"meta","observed_at":"2019-12-09T06:12:00Z",)"
    R"("crawl_id":"meta-GB-2019-12-09T06","lookup":"listing","status":"present",)"
    R"("ad":{"id":"461290581348812","page_id":"8807334278","page_name":"Conservatives",)"
    R"("bylines":"Conservative and Unionist Party",)"
    R"("ad_creative_bodies":["Get Brexit done. Vote Conservative on 12 December."],)"
    R"("ad_creative_link_titles":["Get Brexit Done"],"ad_delivery_start_time":"2019-12-01",)"
    R"("currency":"GBP","spend":{"lower_bound":"1000","upper_bound":"4999"}}})";

TEST(ClassifyCommandTest, SpecObservation) {
  const Outcome r = Classify(std::string(kSpecObservation) + "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"registry":"meta","id":"461290581348812","party":"Conservative","type":"party",)"
            R"("themes":["brexit"]})"
            "\n");
  EXPECT_EQ(r.err, "");
}

TEST(ClassifyCommandTest, BareMetaAdAndGoogleRow) {
  const std::string meta =
      R"({"id":"77","page_name":"Liberal Democrats","bylines":"the Liberal Democrats",)"
      R"("ad_creative_bodies":["Stop Brexit. Only the Lib Dems can beat the Tories here."]})";
  const std::string google =
      R"({"Ad_ID":"CR104","Advertiser_ID":"AR488","Advertiser_Name":"The Brexit Party",)"
      R"("Date_Range_Start":"2019-11-20","Date_Range_End":"2019-12-11",)"
      R"("Spend_Range_Min_GBP":"50","Spend_Range_Max_GBP":"750"})";
  const Outcome r = Classify(meta + "\n\n   \n" + google + "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"registry":"meta","id":"77","party":"Liberal Democrats","type":"party",)"
                   R"("themes":["brexit","tactical_voting"]})"
                   "\n"
                   R"({"registry":"google","id":"CR104","party":"Brexit Party","type":"party",)"
                   R"("themes":[]})"
                   "\n");
}

TEST(ClassifyCommandTest, UnattributedAndCrawlEnd) {
  const Outcome r = Classify(
      R"({"id":"5","page_name":"Pet Drugs Online","bylines":"These ads ran without a disclaimer"})"
      "\n"
      R"({"kind":"crawl_end","registry":"meta","crawl_id":"c1","scope":"GB",)"
      R"("started_at":"2019-12-09T06:00:00Z","completed_at":"2019-12-09T06:55:00Z"})"
      "\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"registry":"meta","id":"5","party":"unattributed","type":null,"themes":[]})"
                   "\n");
}

TEST(ClassifyCommandTest, BadLinesAreReportedWithTheirNumberAndSkipped) {
  const Outcome r = Classify("not json\n" + std::string(kSpecObservation) +
                             "\n"
                             R"({"kind":"observation","registry":"meta","ad":{"id":"1"}})"
                             "\n"
                             "[1,2]\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr(R"("id":"461290581348812")"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  std::istringstream lines(r.err);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, ::testing::StartsWith("stdin:1: malformed_json: "));
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, ::testing::StartsWith("stdin:3: missing_field: "));
  EXPECT_THAT(line, HasSubstr("observed_at"));
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, ::testing::StartsWith("stdin:4: "));
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(ClassifyCommandTest, ExplainListsTheRules) {
  const Outcome r = Classify(std::string(kSpecObservation) + "\n", /*explain=*/true);
  EXPECT_EQ(r.code, 0) << r.err;
  // "brexit" in "Get Brexit done. Vote ..." (text 0) and in "Get Brexit Done" (text 1); one
  // rule, so the score is 1.
  EXPECT_EQ(r.out,
            R"({"registry":"meta","id":"461290581348812","party":"Conservative","type":"party",)"
            R"("themes":["brexit"],"attribution":{"rule":"page_ids","field":"page_id",)"
            R"("pattern":"8807334278","no_disclaimer":false},)"
            R"("theme_matches":[{"theme":"brexit","score":1,"threshold":1,"matches":[)"
            R"({"rule":"brexit","kind":"phrase","weight":1,"text":0,"begin":4,"end":10,)"
            R"("match":"Brexit"},)"
            R"({"rule":"brexit","kind":"phrase","weight":1,"text":1,"begin":4,"end":10,)"
            R"("match":"Brexit"}]}]})"
            "\n");
}

TEST(ClassifyCommandTest, ExplainShowsWeightsExclusionsAndCancelledMatches) {
  Config config;
  ThemeConfig nhs;
  nhs.name = "nhs";
  nhs.threshold = 1.5;
  nhs.rules = {ThemeRule{"nhs", false, 1, 0, ""}, ThemeRule{"hospital", false, 0.5, 0, ""}};
  nhs.exclusions = {ThemeRule{"nhs discount", false, 1, 0, ""}};
  config.themes.push_back(nhs);
  const Outcome r =
      Classify(R"({"id":"9","ad_creative_bodies":["NHS discount at the hospital \u2014 \u00a310"]})"
               "\n",
               true, config);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"registry":"meta","id":"9","party":"unattributed","type":null,"themes":[],)"
            R"("attribution":{"rule":null,"field":null,"pattern":null,"no_disclaimer":true},)"
            R"("theme_matches":[{"theme":"nhs","score":0.5,"threshold":1.5,"matches":[)"
            R"({"rule":"nhs","kind":"phrase","weight":1,"cancelled":true,"text":0,"begin":0,)"
            R"("end":3,"match":"NHS"},)"
            R"({"rule":"nhs discount","kind":"exclusion","text":0,"begin":0,"end":12,)"
            R"("match":"NHS discount"},)"
            R"({"rule":"hospital","kind":"phrase","weight":0.5,"text":0,"begin":20,"end":28,)"
            R"("match":"hospital"}]}]})"
            "\n");
}

TEST(ClassifyCommandTest, ExplainNamesTheAttributionRule) {
  auto attribution = [](const std::string& ad) {
    const Outcome r = Classify(ad + "\n", /*explain=*/true);
    EXPECT_EQ(r.code, 0) << r.err;
    const std::size_t from = r.out.find("\"attribution\":");
    const std::size_t to = r.out.find('}', from);
    return from == std::string::npos ? r.out : r.out.substr(from, to + 1 - from);
  };
  EXPECT_EQ(attribution(R"({"id":"1","page_name":"Ipswich Labour",)"
                        R"("bylines":"The Labour Party. Promoted by J Cook on behalf of )"
                        R"(Ipswich Labour Party"})"),
            R"("attribution":{"rule":"bylines","field":"bylines","pattern":"labour party",)"
            R"("no_disclaimer":false})");
  EXPECT_EQ(attribution(R"({"id":"2","page_name":"Greg Stanton",)"
                        R"("bylines":"Manchester Withington Liberal Democrats"})"),
            R"("attribution":{"rule":"page_names","field":"bylines",)"
            R"("pattern":"liberal democrats","no_disclaimer":false})");
  EXPECT_EQ(attribution(R"({"id":"3","page_name":"Walsall Labour"})"),
            R"("attribution":{"rule":"page_names","field":"page_name","pattern":"labour$",)"
            R"("no_disclaimer":true})");
  EXPECT_EQ(attribution(R"({"id":"4","page_name":"Ben Houchen - Tees Valley Mayor",)"
                        R"("bylines":"Ben Houchen"})"),
            R"("attribution":{"rule":"candidates","field":"bylines","pattern":"ben houchen",)"
            R"("no_disclaimer":false})");
  EXPECT_EQ(attribution(R"({"id":"5","page_name":"Pet Drugs Online",)"
                        R"("bylines":"These ads ran without a disclaimer"})"),
            R"("attribution":{"rule":null,"field":null,"pattern":null,"no_disclaimer":true})");
  EXPECT_EQ(attribution(R"({"Ad_ID":"CR1","Advertiser_ID":"AR1",)"
                        R"("Advertiser_Name":"The Conservative & Unionist Party",)"
                        R"("Date_Range_Start":"2019-11-20","Date_Range_End":"2019-12-11",)"
                        R"("Spend_Range_Min_GBP":"50","Spend_Range_Max_GBP":"750"})"),
            R"("attribution":{"rule":"google_advertiser_names","field":"page_name",)"
            R"("pattern":"conservative and unionist party","no_disclaimer":false})");
}

TEST(ClassifyCommandTest, NamesAreEscapedInJson) {
  Config config;
  EntityConfig e;
  e.name = "The \"Quoted\" \\ Party";
  e.type = EntityType::kCandidate;
  e.page_ids = {"1"};
  config.entities.push_back(e);
  ThemeConfig nhs;
  nhs.name = "nhs";
  nhs.rules = {ThemeRule{"nhs", false, 1, 0, ""}};
  config.themes.push_back(nhs);
  const Outcome r = Classify(R"({"id":"a\"b","page_id":"1","ad_creative_bodies":["the NHS"]})"
                             "\n",
                             false, config);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"registry":"meta","id":"a\"b","party":"The \"Quoted\" \\ Party",)"
                   R"("type":"candidate","themes":["nhs"]})"
                   "\n");
}

TEST(ClassifyCommandTest, RulesThatDoNotCompileExitWithTwoNamingTheRule) {
  Config config;
  ThemeConfig broken;
  broken.name = "nhs";
  broken.rules = {ThemeRule{"waiting (lists", true, 1, 7, "themes[0].patterns[0]"}};
  config.themes.push_back(broken);
  const Outcome r = Classify("{\"id\":\"1\"}\n", false, config);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("themes: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find("cannot compile \"waiting (lists\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace adwatch
