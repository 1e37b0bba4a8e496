#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace adwatch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

ConfigResult Parse(const std::string& text) { return ParseConfig(text, "test.yaml"); }

// Formats all problems for failure messages.
std::string Dump(const ConfigResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.ToString() + "\n";
  return out;
}

// Exactly one problem, at `line`, under `key`, with `text` in the message.
void ExpectOneProblem(const std::string& yaml, int line, const std::string& key,
                      const std::string& text) {
  const ConfigResult r = Parse(yaml);
  ASSERT_EQ(r.problems.size(), 1u) << Dump(r);
  EXPECT_EQ(r.problems[0].file, "test.yaml");
  EXPECT_EQ(r.problems[0].line, line) << Dump(r);
  EXPECT_EQ(r.problems[0].key, key) << Dump(r);
  EXPECT_THAT(r.problems[0].message, HasSubstr(text)) << Dump(r);
}

TEST(DefaultConfigTest, ParsesAndHoldsTheUk2019Campaign) {
  const Config& c = DefaultConfig();
  // 2018-12-13T00:00:00Z and 365 days later (2019-12-13T00:00:00Z; spend counts in (start, end]).
  ASSERT_TRUE(c.regulated_period.has_value());
  EXPECT_EQ(c.regulated_period->start, 1544659200);
  EXPECT_EQ(c.regulated_period->end, 1544659200 + 365 * 86400);
  ASSERT_THAT(c.windows, SizeIs(3));
  EXPECT_EQ(c.windows[0].name, "1h");
  EXPECT_EQ(c.windows[0].seconds, 3600);
  EXPECT_EQ(c.windows[1].name, "24h");
  EXPECT_EQ(c.windows[1].seconds, 86400);
  EXPECT_EQ(c.windows[2].name, "7d");
  EXPECT_EQ(c.windows[2].seconds, 604800);
  EXPECT_EQ(c.grace_seconds, 3600);
  EXPECT_EQ(c.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.kafka.topic, "adwatch.observations");
  EXPECT_EQ(c.kafka.format, InputFormat::kJson);
  EXPECT_EQ(c.currency.reporting, "GBP");
  ASSERT_EQ(c.currency.conversion.count("EUR"), 1u);
  EXPECT_EQ(c.currency.conversion.at("EUR").numerator, 86);
  EXPECT_EQ(c.currency.conversion.at("EUR").denominator, 100);

  const EntityConfig* conservative = nullptr;
  const EntityConfig* labour = nullptr;
  const EntityConfig* peoples_vote = nullptr;
  const EntityConfig* government = nullptr;
  for (const auto& e : c.entities) {
    if (e.name == "Conservative") conservative = &e;
    if (e.name == "Labour") labour = &e;
    if (e.name == "People's Vote") peoples_vote = &e;
    if (e.name == "UK government") government = &e;
  }
  ASSERT_NE(conservative, nullptr);
  ASSERT_NE(labour, nullptr);
  ASSERT_NE(peoples_vote, nullptr);
  ASSERT_NE(government, nullptr);
  EXPECT_EQ(conservative->type, EntityType::kParty);
  EXPECT_THAT(conservative->page_ids, ElementsAre("8807334278"));
  EXPECT_EQ(conservative->spending_limit, Pence{30000} * 635 * 100);
  EXPECT_THAT(labour->page_ids, ElementsAre("25749647410", "164027949687"));
  EXPECT_EQ(peoples_vote->type, EntityType::kNonPartyCampaigner);
  EXPECT_EQ(peoples_vote->spending_limit, Pence{58481700});
  EXPECT_EQ(government->type, EntityType::kGovernment);
  EXPECT_FALSE(government->spending_limit.has_value());

  std::vector<std::string> themes;
  for (const auto& t : c.themes) themes.push_back(t.name);
  EXPECT_THAT(themes, ::testing::IsSupersetOf({"brexit", "nhs", "tactical_voting"}));
  EXPECT_EQ(c.limits.max_message_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_depth, 32);
  EXPECT_EQ(c.limits.future_tolerance_seconds, 86400);
}

TEST(DefaultConfigTest, TextIsTheDeployFile) {
  std::ifstream in(std::string(ADWATCH_SOURCE_DIR) + "/deploy/adwatch.yaml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(DefaultConfigText(), text.str());
  const ConfigResult r = LoadConfigFile(std::string(ADWATCH_SOURCE_DIR) + "/deploy/adwatch.yaml");
  EXPECT_TRUE(r.ok()) << Dump(r);
}

TEST(ParseConfigTest, EmptyFileGivesDefaults) {
  const ConfigResult r = Parse("");
  ASSERT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.kafka.brokers, "localhost:9092");
  EXPECT_EQ(r.config.kafka.group, "adwatch");
  EXPECT_EQ(r.config.listen, "127.0.0.1:9464");
  ASSERT_THAT(r.config.windows, SizeIs(3));
  EXPECT_EQ(r.config.windows[2].seconds, 7 * 86400);
  EXPECT_EQ(r.config.grace_seconds, 3600);
  EXPECT_FALSE(r.config.regulated_period.has_value());
  EXPECT_TRUE(r.config.entities.empty());
  EXPECT_TRUE(r.config.themes.empty());
}

TEST(ParseConfigTest, FullExampleParsesEveryField) {
  const ConfigResult r = Parse(R"(kafka:
  brokers: [a:9092, b:9093]
  group: g1
  topic: t1
  format: protobuf
  dead_letter_topic: dlq
  properties:
    security.protocol: SASL_SSL
    fetch.max.bytes: 1000
listen: 0.0.0.0:1234
state: /var/lib/adwatch
windows: [90m, 3600s, 2d]
grace: 0s
regulated_period: {start: "2019-11-06T00:00:00Z", end: 2019-12-13}
entities:
  - name: Labour
    type: party
    spending_limit: 18930000
    match:
      page_ids: ["25749647410"]
      bylines: [The Labour Party]
      page_names: labour party
      candidates: [Jo Bloggs, Ann Other]
      google_advertiser_ids: [AR123]
      google_advertiser_names: [Labour Party]
      not_names: [new zealand, ^australian]
      not_google_advertiser_ids: [AR999]
  - name: Someone
    type: candidate
themes:
  - name: nhs
    description: The health service.
    threshold: 1.5
    phrases: [nhs, {phrase: nurses, weight: 0.5}]
    patterns: ['waiting (times|lists)', {pattern: 'a ?(&|and) ?e', weight: 2}]
    exclusions: [nhs discount, {pattern: "code nhs"}]
currency:
  reporting: GBP
  conversion: {EUR: "0.86", USD: 1.25, SEK: "2"}
limits: {max_message_bytes: 4096, max_depth: 8, future_tolerance: 90m}
)");
  ASSERT_TRUE(r.ok()) << Dump(r);
  const Config& c = r.config;
  EXPECT_EQ(c.kafka.brokers, "a:9092,b:9093");
  EXPECT_EQ(c.kafka.group, "g1");
  EXPECT_EQ(c.kafka.topic, "t1");
  EXPECT_EQ(c.kafka.format, InputFormat::kProtobuf);
  EXPECT_EQ(c.kafka.dead_letter_topic, "dlq");
  using Prop = std::pair<std::string, std::string>;
  EXPECT_THAT(c.kafka.properties,
              ElementsAre(Prop{"security.protocol", "SASL_SSL"}, Prop{"fetch.max.bytes", "1000"}));
  EXPECT_EQ(c.listen, "0.0.0.0:1234");
  EXPECT_EQ(c.state_dir, "/var/lib/adwatch");
  ASSERT_THAT(c.windows, SizeIs(3));
  EXPECT_EQ(c.windows[0].name, "90m");
  EXPECT_EQ(c.windows[0].seconds, 5400);
  EXPECT_EQ(c.windows[1].name, "3600s");
  EXPECT_EQ(c.windows[1].seconds, 3600);
  EXPECT_EQ(c.windows[2].seconds, 172800);
  EXPECT_EQ(c.grace_seconds, 0);
  ASSERT_TRUE(c.regulated_period);
  EXPECT_EQ(c.regulated_period->start, 1572998400);  // 2019-11-06T00:00:00Z
  EXPECT_EQ(c.regulated_period->end, 1576195200);
  ASSERT_THAT(c.entities, SizeIs(2));
  EXPECT_EQ(c.entities[0].name, "Labour");
  EXPECT_EQ(c.entities[0].spending_limit, Pence{1893000000});
  EXPECT_THAT(c.entities[0].page_ids, ElementsAre("25749647410"));
  EXPECT_THAT(c.entities[0].bylines, ElementsAre("The Labour Party"));
  EXPECT_THAT(c.entities[0].page_names, ElementsAre("labour party"));
  EXPECT_THAT(c.entities[0].candidates, ElementsAre("Jo Bloggs", "Ann Other"));
  EXPECT_THAT(c.entities[0].google_advertiser_ids, ElementsAre("AR123"));
  EXPECT_THAT(c.entities[0].google_advertiser_names, ElementsAre("Labour Party"));
  EXPECT_THAT(c.entities[0].not_names, ElementsAre("new zealand", "^australian"));
  EXPECT_THAT(c.entities[0].not_google_advertiser_ids, ElementsAre("AR999"));
  EXPECT_EQ(c.entities[1].type, EntityType::kCandidate);
  EXPECT_FALSE(c.entities[1].spending_limit);
  ASSERT_THAT(c.themes, SizeIs(1));
  const ThemeConfig& nhs = c.themes[0];
  EXPECT_EQ(nhs.description, "The health service.");
  EXPECT_EQ(nhs.threshold, 1.5);
  ASSERT_THAT(nhs.rules, SizeIs(4));  // phrases, then patterns
  auto rule = [](const ThemeRule& x) {
    return x.text + (x.pattern ? " (pattern) " : " ") + std::to_string(x.weight) + " " + x.key +
           " @" + std::to_string(x.line);
  };
  EXPECT_EQ(rule(nhs.rules[0]), "nhs 1.000000 themes[0].phrases[0] @34");
  EXPECT_EQ(rule(nhs.rules[1]), "nurses 0.500000 themes[0].phrases[1] @34");
  EXPECT_EQ(rule(nhs.rules[2]),
            "waiting (times|lists) (pattern) 1.000000 themes[0].patterns[0] @35");
  EXPECT_EQ(rule(nhs.rules[3]), "a ?(&|and) ?e (pattern) 2.000000 themes[0].patterns[1] @35");
  ASSERT_THAT(nhs.exclusions, SizeIs(2));
  EXPECT_EQ(rule(nhs.exclusions[0]), "nhs discount 1.000000 themes[0].exclusions[0] @36");
  EXPECT_EQ(rule(nhs.exclusions[1]), "code nhs (pattern) 1.000000 themes[0].exclusions[1] @36");
  EXPECT_EQ(c.currency.conversion.at("EUR").numerator, 86);
  EXPECT_EQ(c.currency.conversion.at("EUR").denominator, 100);
  EXPECT_EQ(c.currency.conversion.at("USD").numerator, 125);
  EXPECT_EQ(c.currency.conversion.at("USD").denominator, 100);
  EXPECT_EQ(c.currency.conversion.at("SEK").numerator, 2);
  EXPECT_EQ(c.currency.conversion.at("SEK").denominator, 1);
  EXPECT_EQ(c.limits.max_message_bytes, 4096u);
  EXPECT_EQ(c.limits.max_depth, 8);
  EXPECT_EQ(c.limits.future_tolerance_seconds, 5400);
}

TEST(ParseConfigTest, EntityTypeNames) {
  EXPECT_EQ(EntityTypeName(EntityType::kParty), "party");
  EXPECT_EQ(EntityTypeName(EntityType::kNonPartyCampaigner), "non_party_campaigner");
  EXPECT_EQ(EntityTypeName(EntityType::kCandidate), "candidate");
  EXPECT_EQ(EntityTypeName(EntityType::kGovernment), "government");
  EXPECT_EQ(EntityTypeName(EntityType::kOther), "other");
}

TEST(ConfigProblemTest, ToStringIsFileLineKeyMessage) {
  EXPECT_EQ(
      (ConfigProblem{"a.yaml", 7, "entities[3].spending_limit", "must not be negative"}).ToString(),
      "a.yaml:7: entities[3].spending_limit: must not be negative");
  EXPECT_EQ((ConfigProblem{"a.yaml", 0, "", "cannot read the file"}).ToString(),
            "a.yaml:0: cannot read the file");
}

TEST(ParseConfigTest, UnknownTopLevelKey) {
  ExpectOneProblem("listen: 127.0.0.1:1\nwindowz: [1h]\n", 2, "windowz", "unknown key");
}

TEST(ParseConfigTest, UnknownNestedKeys) {
  ExpectOneProblem("kafka:\n  brokers: x:1\n  bootstrap: y\n", 3, "kafka.bootstrap", "unknown key");
  ExpectOneProblem(R"(entities:
  - name: A
    type: party
  - name: B
    type: party
    match:
      page_id: ["1"]
)",
                   7, "entities[1].match.page_id", "unknown key");
}

TEST(ParseConfigTest, DuplicateKey) {
  ExpectOneProblem("grace: 1h\nlisten: a:1\ngrace: 2h\n", 3, "grace", "duplicate key");
}

TEST(ParseConfigTest, WrongTypes) {
  ExpectOneProblem("limits:\n  max_depth: deep\n", 2, "limits.max_depth", "whole number");
  ExpectOneProblem("kafka:\n  topic: [a, b]\n", 2, "kafka.topic", "found a list");
  ExpectOneProblem("entities: {name: x}\n", 1, "entities", "expected a list");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: {x: y}\n", 3, "themes[0].phrases",
                   "expected a list");
  ExpectOneProblem("kafka:\n  format: avro\n", 2, "kafka.format", "json or protobuf");
  ExpectOneProblem("listen: localhost\n", 1, "listen", "host:port");
}

TEST(ParseConfigTest, NegativeSpendingLimit) {
  ExpectOneProblem(R"(entities:
  - name: A
    type: party
  - name: B
    type: party
  - name: C
    type: party
  - name: D
    type: party
    spending_limit: -5
)",
                   10, "entities[3].spending_limit", "negative");
}

TEST(ParseConfigTest, SpendingLimitIsPoundsStoredAsPence) {
  const ConfigResult r = Parse("entities:\n  - {name: A, type: party, spending_limit: 584817}\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.entities[0].spending_limit, Pence{58481700});
  ExpectOneProblem("entities:\n  - {name: A, type: party, spending_limit: 1.5}\n", 2,
                   "entities[0].spending_limit", "whole number");
}

TEST(ParseConfigTest, UnknownEntityType) {
  ExpectOneProblem("entities:\n  - name: A\n    type: pary\n", 3, "entities[0].type",
                   "unknown entity type \"pary\"");
}

TEST(ParseConfigTest, MissingEntityFields) {
  const ConfigResult r = Parse("entities:\n  - name: A\n  - type: party\n");
  ASSERT_THAT(r.problems, SizeIs(2)) << Dump(r);
  EXPECT_EQ(r.problems[0].key, "entities[0].type");
  EXPECT_EQ(r.problems[0].line, 2);
  EXPECT_EQ(r.problems[1].key, "entities[1].name");
  EXPECT_EQ(r.problems[1].line, 3);
}

TEST(ParseConfigTest, DuplicateNames) {
  ExpectOneProblem(R"(entities:
  - {name: Labour, type: party}
  - {name: Green, type: party}
  - {name: Labour, type: other}
)",
                   4, "entities[2].name", "duplicate entity name");
  ExpectOneProblem(R"(themes:
  - name: nhs
    phrases: [nhs]
  - name: nhs
    phrases: [hospital]
)",
                   4, "themes[1].name", "duplicate theme name");
  ExpectOneProblem("windows: [1h, 24h, 1h]\n", 1, "windows[2]", "duplicate window");
  ExpectOneProblem("windows:\n  - 1h\n  - 60m\n", 3, "windows[1]", "duplicate window");
}

TEST(ParseConfigTest, PageIdClaimedTwice) {
  ExpectOneProblem(R"(entities:
  - name: A
    type: party
    match: {page_ids: ["1", "2"]}
  - name: B
    type: party
    match:
      page_ids:
        - "3"
        - "2"
)",
                   10, "entities[1].match.page_ids[1]", "already claimed by A");
}

TEST(ParseConfigTest, ReservedNames) {
  ExpectOneProblem("entities:\n  - {name: unattributed, type: other}\n", 2, "entities[0].name",
                   "reserved");
  ExpectOneProblem("themes:\n  - {name: none, phrases: [x]}\n", 2, "themes[0].name", "none");
  ExpectOneProblem("themes:\n  - {name: Brexit, phrases: [x]}\n", 2, "themes[0].name",
                   "lower-case");
}

TEST(ParseConfigTest, ThemeNeedsPhrases) {
  ExpectOneProblem("themes:\n  - name: a\n", 2, "themes[0].phrases",
                   "at least one phrase or pattern");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: []\n", 2, "themes[0].phrases",
                   "at least one phrase or pattern");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [x, \"\"]\n", 3, "themes[0].phrases[1]",
                   "empty");
}

TEST(ParseConfigTest, BadThemeRules) {
  ExpectOneProblem("themes:\n  - name: a\n    patterns: [\"x\"]\n    threshold: 0\n", 4,
                   "themes[0].threshold", "greater than 0");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [{phrase: x, weight: heavy}]\n", 3,
                   "themes[0].phrases[0].weight", "expected a number");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [{phrase: x, weight: -1}]\n", 3,
                   "themes[0].phrases[0].weight", "greater than 0");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [{phrase: x, weight: 1e9}]\n", 3,
                   "themes[0].phrases[0].weight", "at most 1000");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [{pattern: x}]\n", 3,
                   "themes[0].phrases[0].pattern", "not `pattern:`");
  ExpectOneProblem("themes:\n  - name: a\n    patterns: [{phrase: x}]\n", 3,
                   "themes[0].patterns[0].phrase", "not `phrase:`");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [{weight: 2}]\n", 3, "themes[0].phrases[0]",
                   "missing `phrase:`");
  ExpectOneProblem(
      "themes:\n  - name: a\n    phrases: [x]\n    exclusions: [{phrase: y, weight: 2}]\n", 4,
      "themes[0].exclusions[0].weight", "unknown key");
  ExpectOneProblem(
      "themes:\n  - name: a\n    phrases: [x]\n    exclusions: [{phrase: y, pattern: z}]\n", 4,
      "themes[0].exclusions[0].pattern", "not both");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [x]\n    synonyms: [y]\n", 4,
                   "themes[0].synonyms", "unknown key");
  ExpectOneProblem("themes:\n  - name: a\n    phrases: [x]\n    description: \"a\\nb\"\n", 4,
                   "themes[0].description", "one line");
}

TEST(ParseConfigTest, AtMost63Themes) {
  std::string yaml = "themes:\n";
  for (int i = 0; i < 63; ++i) yaml += "  - {name: t" + std::to_string(i) + ", phrases: [p]}\n";
  const ConfigResult ok = Parse(yaml);
  ASSERT_TRUE(ok.ok()) << Dump(ok);
  EXPECT_THAT(ok.config.themes, SizeIs(63));
  yaml += "  - {name: t63, phrases: [p]}\n";
  ExpectOneProblem(yaml, 2, "themes", "at most 63 themes, got 64");
}

TEST(ParseConfigTest, BadTimestampsAndPeriod) {
  ExpectOneProblem("regulated_period:\n  start: 2019-13-01\n  end: 2019-12-13\n", 2,
                   "regulated_period.start", "RFC 3339");
  ExpectOneProblem("regulated_period:\n  start: yesterday\n  end: 2019-12-13\n", 2,
                   "regulated_period.start", "yesterday");
  ExpectOneProblem("regulated_period:\n  start: 2019-12-13\n  end: 2019-12-13T00:00:00Z\n", 3,
                   "regulated_period.end", "after");
  ExpectOneProblem("regulated_period:\n  start: 2019-12-13\n  end: 2019-01-01\n", 3,
                   "regulated_period.end", "after");
  ExpectOneProblem("regulated_period:\n  start: 2019-12-13\n", 2, "regulated_period.end",
                   "missing");
}

TEST(ParseConfigTest, BadDurations) {
  ExpectOneProblem("windows: [1h, 1x]\n", 1, "windows[1]", "duration");
  ExpectOneProblem("windows:\n  - 0h\n", 2, "windows[0]", "longer than zero");
  ExpectOneProblem("windows:\n  - h\n", 2, "windows[0]", "duration");
  ExpectOneProblem("windows:\n  - -1h\n", 2, "windows[0]", "duration");
  ExpectOneProblem("windows: []\n", 1, "windows", "at least one");
  ExpectOneProblem("grace: soon\n", 1, "grace", "duration");
  ExpectOneProblem("limits:\n  future_tolerance: 1y\n", 2, "limits.future_tolerance", "duration");
}

TEST(ParseConfigTest, BadCurrency) {
  ExpectOneProblem("currency:\n  reporting: pounds\n", 2, "currency.reporting", "ISO 4217");
  ExpectOneProblem("currency:\n  conversion:\n    EUR: abc\n", 3, "currency.conversion.EUR",
                   "positive decimal");
  ExpectOneProblem("currency:\n  conversion:\n    EUR: \"-0.86\"\n", 3, "currency.conversion.EUR",
                   "positive decimal");
  ExpectOneProblem("currency:\n  conversion:\n    EUR: \"0\"\n", 3, "currency.conversion.EUR",
                   "positive decimal");
  ExpectOneProblem("currency:\n  conversion:\n    euro: \"1\"\n", 3, "currency.conversion.euro",
                   "ISO 4217");
}

TEST(ParseConfigTest, KafkaPropertiesThatWouldBreakExactlyOnce) {
  ExpectOneProblem("kafka:\n  properties:\n    enable.auto.commit: \"true\"\n", 3,
                   "kafka.properties.enable.auto.commit", "cannot be overridden");
  ExpectOneProblem("kafka:\n  properties:\n    auto.offset.reset: latest\n", 3,
                   "kafka.properties.auto.offset.reset", "skip");
  const ConfigResult r = Parse("kafka:\n  properties:\n    auto.offset.reset: earliest\n");
  EXPECT_TRUE(r.ok()) << Dump(r);
}

TEST(ParseConfigTest, TurningOffCertificateChecksNeedsAllowInsecureTls) {
  ExpectOneProblem(
      "kafka:\n  properties:\n    security.protocol: SSL\n"
      "    enable.ssl.certificate.verification: \"false\"\n",
      4, "kafka.properties.enable.ssl.certificate.verification", "allow_insecure_tls");
  ExpectOneProblem("kafka:\n  properties:\n    ssl.endpoint.identification.algorithm: none\n", 3,
                   "kafka.properties.ssl.endpoint.identification.algorithm", "certificate checks");
  // Explicitly allowed, in either key order.
  const ConfigResult r = Parse(
      "kafka:\n  properties:\n    enable.ssl.certificate.verification: \"false\"\n"
      "  allow_insecure_tls: true\n");
  EXPECT_TRUE(r.ok()) << Dump(r);
  EXPECT_TRUE(r.config.kafka.allow_insecure_tls);
  ExpectOneProblem("kafka:\n  allow_insecure_tls: yes please\n", 2, "kafka.allow_insecure_tls",
                   "true or false");
}

TEST(ParseConfigTest, StringAndArrayLimits) {
  const ConfigResult r = Parse("limits:\n  max_string_bytes: 100\n  max_array_items: 7\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.limits.max_string_bytes, 100u);
  EXPECT_EQ(r.config.limits.max_array_items, 7u);
  ExpectOneProblem("limits:\n  max_string_bytes: 0\n", 2, "limits.max_string_bytes",
                   "must be positive");
  ExpectOneProblem("limits:\n\n  max_array_items: -3\n", 3, "limits.max_array_items",
                   "must not be negative");
  // Safe defaults.
  EXPECT_EQ(DefaultConfig().limits.max_string_bytes, 65536u);
  EXPECT_EQ(DefaultConfig().limits.max_array_items, 1024u);
}

// A file under the test's temp dir with `content`; removed by the fixture.
class TempFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + "/adwatch_config_test_" + name;
    std::ofstream(path) << content;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(TempFileTest, SecretsFromFiles) {
  const std::string secret = Write("password", "from-a-file\n");
  const ConfigResult r =
      Parse("kafka:\n  properties:\n    sasl.password: ${file:" + secret + "}\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  ASSERT_THAT(r.config.kafka.properties, SizeIs(1));
  EXPECT_EQ(r.config.kafka.properties[0].second, "from-a-file");  // the newline dropped

  ExpectOneProblem("kafka:\n  properties:\n    sasl.password: ${file:/nonexistent/pw}\n", 3,
                   "kafka.properties.sasl.password", "cannot read secret file \"/nonexistent/pw\"");
}

TEST_F(TempFileTest, WebConfigBasicAuthUsers) {
  const std::string web = Write("web.yml",
                                "basic_auth_users:\n  prometheus: "
                                "$2b$04$Q40hoXhdEwlr1ZWS8jpamuwqtBQmYV2pcNYkTRemsU9JFXju2g/wu\n");
  const ConfigResult r = Parse("web_config: " + web + "\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.web.file, web);
  ASSERT_EQ(r.config.web.basic_auth_users.size(), 1u);
  EXPECT_EQ(r.config.web.basic_auth_users.at("prometheus").substr(0, 7), "$2b$04$");

  // Problems in the web config name that file, its line and key.
  const std::string bad = Write("bad.yml",
                                "basic_auth_users:\n  alice: plaintext\n"
                                "tls_server_config:\n  cert_file: x\n");
  const ConfigResult b = Parse("web_config: " + bad + "\n");
  ASSERT_THAT(b.problems, SizeIs(2)) << Dump(b);
  EXPECT_EQ(b.problems[0].file, bad);
  EXPECT_EQ(b.problems[0].line, 2);
  EXPECT_EQ(b.problems[0].key, "basic_auth_users.alice");
  EXPECT_THAT(b.problems[0].message, HasSubstr("bcrypt"));
  EXPECT_EQ(b.problems[1].line, 4);
  EXPECT_EQ(b.problems[1].key, "tls_server_config.cert_file");
  EXPECT_THAT(b.problems[1].message, HasSubstr("cannot read"));
  ExpectOneProblem("web_config: /nonexistent/web.yml\n", 1, "web_config", "cannot read");
}

TEST(ParseConfigTest, YamlSyntaxErrorIsOneProblemWithItsLine) {
  const ConfigResult r = Parse("listen: a:1\nkafka:\n  brokers: [a, b\n  group: x\n");
  ASSERT_THAT(r.problems, SizeIs(1)) << Dump(r);
  EXPECT_GE(r.problems[0].line, 3);
  EXPECT_LE(r.problems[0].line, 5);
  EXPECT_THAT(r.problems[0].message, HasSubstr("YAML syntax error"));

  const ConfigResult tab = Parse("kafka:\n  brokers: a\n group: x\n");
  ASSERT_THAT(tab.problems, SizeIs(1)) << Dump(tab);
  EXPECT_EQ(tab.problems[0].line, 3);
}

TEST(ParseConfigTest, NotAMapping) { ExpectOneProblem("- a\n- b\n", 1, "", "expected a mapping"); }

TEST(ParseConfigTest, CollectsEveryProblemInOrder) {
  const ConfigResult r = Parse(R"(kafka:
  format: xml
windows: [1h, 7q]
entities:
  - name: A
    type: party
    spending_limit: -1
  - name: B
    type: wizard
themes:
  - name: ok
    phrases: [x]
    colour: red
bogus: 1
)");
  ASSERT_THAT(r.problems, SizeIs(6)) << Dump(r);
  EXPECT_EQ(r.problems[0].key, "kafka.format");
  EXPECT_EQ(r.problems[0].line, 2);
  EXPECT_EQ(r.problems[1].key, "windows[1]");
  EXPECT_EQ(r.problems[1].line, 3);
  EXPECT_EQ(r.problems[2].key, "entities[0].spending_limit");
  EXPECT_EQ(r.problems[2].line, 7);
  EXPECT_EQ(r.problems[3].key, "entities[1].type");
  EXPECT_EQ(r.problems[3].line, 9);
  EXPECT_EQ(r.problems[4].key, "themes[0].colour");
  EXPECT_EQ(r.problems[4].line, 13);
  EXPECT_EQ(r.problems[5].key, "bogus");
  EXPECT_EQ(r.problems[5].line, 14);
}

TEST(ParseConfigTest, CollectsUnknownTopLevelAfterOthers) {
  const ConfigResult r = Parse("grace: x\nbogus: 1\n");
  ASSERT_THAT(r.problems, SizeIs(2)) << Dump(r);
  EXPECT_EQ(r.problems[0].ToString(),
            "test.yaml:1: grace: expected a duration such as 90m, 1h, 24h, 7d or 3600s, got \"x\"");
  EXPECT_EQ(r.problems[1].line, 2);
  EXPECT_EQ(r.problems[1].key, "bogus");
}

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("ADWATCH_TEST_PASSWORD", "s3cret", 1);
    setenv("ADWATCH_TEST_HOST", "kafka.internal", 1);
    unsetenv("ADWATCH_TEST_UNSET");
  }
  void TearDown() override {
    unsetenv("ADWATCH_TEST_PASSWORD");
    unsetenv("ADWATCH_TEST_HOST");
  }
};

TEST_F(EnvTest, SubstitutesEnvironmentVariables) {
  const ConfigResult r = Parse(R"(kafka:
  brokers: ${ADWATCH_TEST_HOST}:9092
  properties:
    sasl.password: ${ADWATCH_TEST_PASSWORD}
)");
  ASSERT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.kafka.brokers, "kafka.internal:9092");
  ASSERT_THAT(r.config.kafka.properties, SizeIs(1));
  EXPECT_EQ(r.config.kafka.properties[0].second, "s3cret");
}

TEST_F(EnvTest, UnsetVariableNamesTheKey) {
  ExpectOneProblem("kafka:\n  properties:\n    sasl.password: ${ADWATCH_TEST_UNSET}\n", 3,
                   "kafka.properties.sasl.password",
                   "environment variable ADWATCH_TEST_UNSET is not set");
  ExpectOneProblem("state: /x/${ADWATCH_TEST_HOST\n", 1, "state", "unterminated");
}

TEST(LoadConfigFileTest, MissingFileIsOneProblem) {
  const ConfigResult r = LoadConfigFile("/nonexistent/adwatch.yaml");
  ASSERT_THAT(r.problems, SizeIs(1));
  EXPECT_EQ(r.problems[0].ToString(), "/nonexistent/adwatch.yaml:0: cannot read the file");
}

TEST(LoadConfigFileTest, ProblemsNameTheFile) {
  const std::string path = ::testing::TempDir() + "/adwatch_config_test.yaml";
  {
    std::ofstream out(path);
    out << "listen: 127.0.0.1:9464\nwindows: [5x]\n";
  }
  const ConfigResult r = LoadConfigFile(path);
  ASSERT_THAT(r.problems, SizeIs(1));
  EXPECT_EQ(r.problems[0].file, path);
  EXPECT_EQ(r.problems[0].line, 2);
  std::remove(path.c_str());
}

// kafka.close_timeout bounds the consumer's close at shutdown (librdkafka #3740).
TEST(ParseConfigTest, KafkaCloseTimeout) {
  EXPECT_EQ(Parse("").config.kafka.close_timeout_seconds, 5);
  const ConfigResult r = Parse("kafka:\n  close_timeout: 2s\n");
  EXPECT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(r.config.kafka.close_timeout_seconds, 2);
  EXPECT_EQ(Parse("kafka:\n  close_timeout: 0s\n").config.kafka.close_timeout_seconds, 0);
  ExpectOneProblem("kafka:\n  group: g\n  close_timeout: soon\n", 3, "kafka.close_timeout",
                   "duration");
}

}  // namespace
}  // namespace adwatch

// Issue 11: the event-time bounds, parsed and checked with file line and key.
namespace adwatch {
namespace {
TEST(ParseConfigTest, EventTime) {
  const ConfigResult r = Parse("event_time:\n  max_lead: 6h\n  quorum: 3\n");
  ASSERT_TRUE(r.problems.empty());
  EXPECT_EQ(r.config.event_time.max_lead_seconds, 6 * 3600);
  EXPECT_EQ(r.config.event_time.quorum, 3);
  EXPECT_EQ(Parse("").config.event_time.max_lead_seconds, 12 * 3600);
  ExpectOneProblem("listen: a:1\nevent_time:\n  max_lead: 0s\n", 3, "event_time.max_lead",
                   "longer than zero");
  ExpectOneProblem("event_time:\n  quorum: 1\n", 2, "event_time.quorum", "at least 2");
  ExpectOneProblem("event_time:\n  quorum: -3\n", 2, "event_time.quorum", "negative");
  ExpectOneProblem("event_time:\n  lead: 1h\n", 2, "event_time.lead", "unknown key");
}
}  // namespace
}  // namespace adwatch
