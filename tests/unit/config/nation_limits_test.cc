// Per-nation spending limits (entities[].nation_spending_limits) and registration thresholds
// (registration_thresholds): parsed in pence, defaults, and bad values named by file, line, key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace adwatch {
namespace {

using ::testing::HasSubstr;

constexpr int kE = static_cast<int>(Nation::kEngland);
constexpr int kS = static_cast<int>(Nation::kScotland);
constexpr int kW = static_cast<int>(Nation::kWales);
constexpr int kNi = static_cast<int>(Nation::kNorthernIreland);
constexpr int kU = static_cast<int>(Nation::kUnknown);

ConfigResult Parse(const std::string& text) { return ParseConfig(text, "n.yaml"); }

std::string Dump(const ConfigResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.ToString() + "\n";
  return out;
}

void ExpectOneProblem(const std::string& yaml, int line, const std::string& key,
                      const std::string& text) {
  const ConfigResult r = Parse(yaml);
  ASSERT_EQ(r.problems.size(), 1u) << Dump(r);
  EXPECT_EQ(r.problems[0].file, "n.yaml");
  EXPECT_EQ(r.problems[0].line, line) << Dump(r);
  EXPECT_EQ(r.problems[0].key, key) << Dump(r);
  EXPECT_THAT(r.problems[0].message, HasSubstr(text)) << Dump(r);
}

const EntityConfig* Find(const Config& c, const std::string& name) {
  for (const EntityConfig& e : c.entities) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

TEST(NationLimitsConfig, DefaultConfigHoldsThe2019PerNationLimits) {
  const Config& c = DefaultConfig();
  // Parties: £30,000 x seats contested in the nation.
  const EntityConfig* con = Find(c, "Conservative");
  ASSERT_NE(con, nullptr);
  EXPECT_EQ(con->nation_spending_limits[kE], Pence{30000} * 532 * 100);
  EXPECT_EQ(con->nation_spending_limits[kS], Pence{30000} * 59 * 100);
  EXPECT_EQ(con->nation_spending_limits[kW], Pence{30000} * 40 * 100);
  EXPECT_EQ(con->nation_spending_limits[kNi], Pence{30000} * 4 * 100);
  EXPECT_FALSE(con->nation_spending_limits[kU]);
  // The Conservative nations add up to its UK limit (635 seats).
  EXPECT_EQ(*con->nation_spending_limits[kE] + *con->nation_spending_limits[kS] +
                *con->nation_spending_limits[kW] + *con->nation_spending_limits[kNi],
            *con->spending_limit);
  const EntityConfig* snp = Find(c, "SNP");
  ASSERT_NE(snp, nullptr);
  EXPECT_EQ(snp->nation_spending_limits[kS], snp->spending_limit);
  EXPECT_FALSE(snp->nation_spending_limits[kE]);
  // Non-party campaigners: the 2014 Act's four limits (2% of England's party maximum; 2% plus
  // £20,000 elsewhere).
  for (const EntityConfig& e : c.entities) {
    if (e.type != EntityType::kNonPartyCampaigner) continue;
    EXPECT_EQ(e.nation_spending_limits[kE], Pence{31980000}) << e.name;
    EXPECT_EQ(e.nation_spending_limits[kS], Pence{5540000}) << e.name;
    EXPECT_EQ(e.nation_spending_limits[kW], Pence{4400000}) << e.name;
    EXPECT_EQ(e.nation_spending_limits[kNi], Pence{3080000}) << e.name;
  }
  // Registration thresholds: £20,000 England, £10,000 elsewhere, none for unknown.
  EXPECT_EQ(c.registration_thresholds[kE], Pence{2000000});
  EXPECT_EQ(c.registration_thresholds[kS], Pence{1000000});
  EXPECT_EQ(c.registration_thresholds[kW], Pence{1000000});
  EXPECT_EQ(c.registration_thresholds[kNi], Pence{1000000});
  EXPECT_FALSE(c.registration_thresholds[kU]);
}

TEST(NationLimitsConfig, EveryNationLimitInTheDefaultIsAtMostTheUkLimit) {
  for (const EntityConfig& e : DefaultConfig().entities) {
    for (const auto& limit : e.nation_spending_limits) {
      if (!limit) continue;
      ASSERT_TRUE(e.spending_limit) << e.name;
      EXPECT_LE(*limit, *e.spending_limit) << e.name;
    }
  }
}

TEST(NationLimitsConfig, ParsesPoundsAsPenceAndLeavesOtherNationsUnset) {
  const ConfigResult r = Parse(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits: {wales: 1200000, northern_ireland: 0}\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  const auto& l = r.config.entities[0].nation_spending_limits;
  EXPECT_EQ(l[kW], Pence{120000000});
  EXPECT_EQ(l[kNi], Pence{0});
  EXPECT_FALSE(l[kE]);
  EXPECT_FALSE(l[kS]);
  EXPECT_FALSE(l[kU]);
}

TEST(NationLimitsConfig, BadNationLimitsNameFileLineAndKey) {
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits:\n"
      "      england: 100\n"
      "      cornwall: 5\n",
      6, "entities[0].nation_spending_limits.cornwall", "unknown nation");
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits:\n"
      "      unknown: 5\n",
      5, "entities[0].nation_spending_limits.unknown", "unknown nation");
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits:\n"
      "      scotland: -3\n",
      5, "entities[0].nation_spending_limits.scotland", "must not be negative");
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits:\n"
      "      wales: 1.5\n",
      5, "entities[0].nation_spending_limits.wales", "whole number");
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits: [1, 2]\n",
      4, "entities[0].nation_spending_limits", "expected a mapping");
  ExpectOneProblem(
      "entities:\n"
      "  - name: A\n"
      "    type: party\n"
      "    nation_spending_limits:\n"
      "      england: 1\n"
      "      england: 2\n",
      6, "entities[0].nation_spending_limits.england", "duplicate");
}

TEST(NationLimitsConfig, RegistrationThresholdsOverrideTheDefaultsPerNation) {
  const ConfigResult r = Parse("registration_thresholds:\n  scotland: 12000\n  unknown: 5000\n");
  ASSERT_TRUE(r.ok()) << Dump(r);
  const auto& t = r.config.registration_thresholds;
  EXPECT_EQ(t[kE], Pence{2000000});  // default kept
  EXPECT_EQ(t[kS], Pence{1200000});
  EXPECT_EQ(t[kW], Pence{1000000});
  EXPECT_EQ(t[kNi], Pence{1000000});
  EXPECT_EQ(t[kU], Pence{500000});
  // Absent section: the statutory defaults.
  const ConfigResult empty = Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.config.registration_thresholds, kDefaultRegistrationThresholds);
}

TEST(NationLimitsConfig, BadRegistrationThresholdsNameFileLineAndKey) {
  ExpectOneProblem("listen: 127.0.0.1:1\nregistration_thresholds:\n  englnd: 20000\n", 3,
                   "registration_thresholds.englnd", "unknown nation");
  ExpectOneProblem("registration_thresholds:\n  wales: ten\n", 2, "registration_thresholds.wales",
                   "whole number");
  ExpectOneProblem("registration_thresholds:\n  wales: -1\n", 2, "registration_thresholds.wales",
                   "must not be negative");
  ExpectOneProblem("registration_thresholds: 20000\n", 1, "registration_thresholds",
                   "expected a mapping");
}

}  // namespace
}  // namespace adwatch
