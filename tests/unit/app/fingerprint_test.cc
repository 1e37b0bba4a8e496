// The state fingerprint (Pipeline::StateFingerprint): every config key that changes a stored
// byte's meaning or which messages were accepted changes it, each alone (table-driven); the
// deliberate exclusions do not; every key of the shipped config is classified one way or the
// other; and a store written under one config is refused under another with the
// `--rebuild-state` hint (windows widened from 7d to 30d, end to end through the real store).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "app/pipeline.h"

namespace adwatch {
namespace {

using ::testing::HasSubstr;

struct Change {
  const char* key;  // the config key it changes (as in deploy/adwatch.yaml)
  std::function<void(Config&)> apply;
};

// Each changes exactly one state-relevant key of the default config.
const std::vector<Change>& Relevant() {
  static const std::vector<Change> changes = {
      {"windows",
       [](Config& c) {
         c.windows.back() = {"30d", 30 * 86400};
       }},
      {"windows", [](Config& c) { c.windows.back().name = "1w"; }},
      {"windows",
       [](Config& c) {
         c.windows.push_back({"30d", 30 * 86400});
       }},
      {"grace", [](Config& c) { c.grace_seconds += 1; }},
      {"event_time", [](Config& c) { c.event_time.max_lead_seconds += 1; }},
      {"event_time", [](Config& c) { c.event_time.quorum += 1; }},
      {"regulated_period", [](Config& c) { c.regulated_period->start -= 1; }},
      {"regulated_period", [](Config& c) { c.regulated_period->end += 1; }},
      {"regulated_period", [](Config& c) { c.regulated_period.reset(); }},
      {"entities", [](Config& c) { c.entities[0].name += "x"; }},
      {"entities", [](Config& c) { c.entities[0].page_ids.push_back("1"); }},
      {"entities", [](Config& c) { c.entities[0].bylines.push_back("x"); }},
      {"entities", [](Config& c) { c.entities[0].page_names.push_back("x"); }},
      {"entities", [](Config& c) { c.entities[0].candidates.push_back("x"); }},
      {"entities", [](Config& c) { c.entities[0].google_advertiser_ids.push_back("AR1"); }},
      {"entities", [](Config& c) { c.entities[0].google_advertiser_names.push_back("x"); }},
      {"entities", [](Config& c) { c.entities[0].not_names.push_back("x"); }},
      {"entities", [](Config& c) { c.entities[0].not_google_advertiser_ids.push_back("AR1"); }},
      {"entities", [](Config& c) { std::swap(c.entities[0], c.entities[1]); }},
      {"themes", [](Config& c) { c.themes[0].name += "x"; }},
      {"themes", [](Config& c) { c.themes[0].threshold += 0.5; }},
      {"themes", [](Config& c) { c.themes[0].rules[0].text += "x"; }},
      {"themes", [](Config& c) { c.themes[0].rules[0].weight += 0.25; }},
      {"themes", [](Config& c) { c.themes[0].rules[0].pattern = !c.themes[0].rules[0].pattern; }},
      {"themes",
       [](Config& c) {
         c.themes[0].exclusions.push_back({"zz", false, 1.0, 0, ""});
       }},
      {"themes", [](Config& c) { std::swap(c.themes[0], c.themes[1]); }},
      {"currency", [](Config& c) { c.currency.reporting = "EUR"; }},
      {"currency",
       [](Config& c) {
         c.currency.conversion["XYZ"] = Rate{1, 2};
       }},
      {"currency", [](Config& c) { c.currency.conversion.begin()->second.numerator += 1; }},
      {"limits", [](Config& c) { c.limits.max_message_bytes += 1; }},
      {"limits", [](Config& c) { c.limits.max_depth += 1; }},
      {"limits", [](Config& c) { c.limits.max_string_bytes += 1; }},
      {"limits", [](Config& c) { c.limits.max_array_items += 1; }},
      {"limits", [](Config& c) { c.limits.max_ads_per_partition += 1; }},
      {"limits", [](Config& c) { c.limits.future_tolerance_seconds += 1; }},
      {"kafka", [](Config& c) { c.kafka.format = InputFormat::kProtobuf; }},
      {"kafka",
       [](Config& c) {
         c.kafka.properties.push_back({"isolation.level", "read_uncommitted"});
       }},
  };
  return changes;
}

// Each changes one key deliberately left out (see the comment in StateFingerprintText).
const std::vector<Change>& Excluded() {
  static const std::vector<Change> changes = {
      {"kafka", [](Config& c) { c.kafka.brokers = "elsewhere:9092"; }},
      {"kafka", [](Config& c) { c.kafka.group = "other"; }},
      {"kafka", [](Config& c) { c.kafka.topic = "other"; }},
      {"kafka", [](Config& c) { c.kafka.dead_letter_topic = "dlq"; }},
      {"kafka", [](Config& c) { c.kafka.allow_insecure_tls = true; }},
      {"kafka",
       [](Config& c) {
         c.kafka.properties.push_back({"security.protocol", "ssl"});
       }},
      {"listen", [](Config& c) { c.listen = "127.0.0.1:1"; }},
      {"web_config", [](Config& c) { c.web.basic_auth_users["p"] = "$2y$10$x"; }},
      {"state", [](Config& c) { c.state_dir = "/elsewhere"; }},
      {"entities", [](Config& c) { c.entities[0].spending_limit = Pence{1}; }},
      {"entities", [](Config& c) { c.entities[0].type = EntityType::kGovernment; }},
      {"entities", [](Config& c) { c.entities[0].nation_spending_limits[0] = Pence{1}; }},
      {"registration_thresholds", [](Config& c) { c.registration_thresholds[0] = Pence{1}; }},
      {"themes", [](Config& c) { c.themes[0].description += "x"; }},
      {"themes", [](Config& c) { c.themes[0].rules[0].line += 1; }},
  };
  return changes;
}

Config Base() {
  Config c = DefaultConfig();
  if (!c.regulated_period) c.regulated_period = Period{1000, 2000};
  if (c.currency.conversion.empty()) c.currency.conversion["EUR"] = Rate{85, 100};
  return c;
}

TEST(StateFingerprint, EveryRelevantKeyChangesItAlone) {
  const Config base = Base();
  ASSERT_GE(base.entities.size(), 2u);
  ASSERT_GE(base.themes.size(), 2u);
  ASSERT_FALSE(base.themes[0].rules.empty());
  const std::string fp = Pipeline::StateFingerprint(base);
  EXPECT_EQ(Pipeline::StateFingerprint(Base()), fp);  // deterministic
  std::set<std::string> seen = {fp};
  for (std::size_t i = 0; i < Relevant().size(); ++i) {
    Config c = base;
    Relevant()[i].apply(c);
    const std::string changed = Pipeline::StateFingerprint(c);
    EXPECT_NE(changed, fp) << "change " << i << " of " << Relevant()[i].key;
    EXPECT_TRUE(seen.insert(changed).second) << "change " << i << " collides";
  }
}

TEST(StateFingerprint, ConnectionAndPresentationSettingsDoNotChangeIt) {
  const Config base = Base();
  const std::string fp = Pipeline::StateFingerprint(base);
  for (std::size_t i = 0; i < Excluded().size(); ++i) {
    Config c = base;
    Excluded()[i].apply(c);
    EXPECT_EQ(Pipeline::StateFingerprint(c), fp) << "change " << i << " of " << Excluded()[i].key;
  }
}

TEST(StateFingerprint, EveryKeyOfTheShippedConfigIsClassified) {
  // A key added to deploy/adwatch.yaml must be in the fingerprint or a deliberate exclusion.
  std::set<std::string> classified;
  for (const auto* table : {&Relevant(), &Excluded()}) {
    for (const Change& c : *table) classified.insert(c.key);
  }
  const std::string text = Pipeline::StateFingerprintText(Base());
  const YAML::Node root = YAML::Load(std::string(DefaultConfigText()));
  ASSERT_TRUE(root.IsMap());
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    EXPECT_EQ(classified.count(key), 1u) << "config key `" << key << "` not classified";
    if (key == "limits") {
      for (const auto& limit : kv.second) {
        const std::string name = "limits." + limit.first.as<std::string>();
        EXPECT_NE(text.find("\n" + name + "="), std::string::npos) << name << " not fingerprinted";
      }
    }
  }
  for (const char* key :
       {"windows", "grace", "event_time.max_lead", "event_time.quorum", "regulated_period",
        "entities", "themes", "currency.reporting", "kafka.format", "state_format"}) {
    EXPECT_NE(text.find(std::string(key) + "="), std::string::npos) << key;
  }
}

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "adwatch-fp-XXXXXX").string();
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

Config WithWindows(EpochSeconds longest) {
  Config c = Base();
  c.windows = {{"1h", 3600}, {"24h", 86400}, {longest == 7 * 86400 ? "7d" : "30d", longest}};
  return c;
}

// A store pruned at 7 days would report a 30-day window short: widening is refused, with the
// hint; the same config reopens it; --rebuild-state (kRecreate) starts over under the new one.
TEST(StateFingerprint, WideningWindowsOverAStoredStateIsRefused) {
  const std::string dir = TempDir();
  const ManualClock clock(1575936000);  // 2019-12-10
  {
    Pipeline p(WithWindows(7 * 86400), clock);
    std::string error;
    ASSERT_TRUE(p.OpenStore(dir, StateStore::OpenMode::kOpenOrCreate, &error)) << error;
    const std::string value =
        R"({"registry":"meta","observed_at":"2019-12-09T06:00:00Z","ad":{"id":"1",)"
        R"("page_name":"x","spend":{"lower_bound":"100","upper_bound":"199"}}})";
    EXPECT_EQ(p.Process(InputRecord{"adwatch.observations", 0, 0, "meta:1", value}),
              Outcome::kApplied);
    ASSERT_TRUE(p.Checkpoint(&error)) << error;
  }
  {
    Pipeline p(WithWindows(30 * 86400), clock);
    std::string error;
    EXPECT_FALSE(p.OpenStore(dir, StateStore::OpenMode::kOpenOrCreate, &error));
    EXPECT_THAT(error, HasSubstr("--rebuild-state"));
  }
  {
    Pipeline p(WithWindows(7 * 86400), clock);
    std::string error;
    ASSERT_TRUE(p.OpenStore(dir, StateStore::OpenMode::kOpenOrCreate, &error)) << error;
    EXPECT_EQ(p.RestorePartition(0, &error), std::optional<std::int64_t>(1)) << error;
  }
  {
    Pipeline p(WithWindows(30 * 86400), clock);
    std::string error;
    ASSERT_TRUE(p.OpenStore(dir, StateStore::OpenMode::kRecreate, &error)) << error;
    EXPECT_EQ(p.RestorePartition(0, &error), std::nullopt) << error;
    EXPECT_TRUE(error.empty()) << error;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace adwatch
