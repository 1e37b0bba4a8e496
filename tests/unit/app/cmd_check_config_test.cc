#include "app/cmd_check_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace adwatch {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CheckConfigCommandTest, DefaultConfigIsValid) {
  const std::string path = std::string(ADWATCH_SOURCE_DIR) + "/deploy/adwatch.yaml";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(CheckConfigCommand(path, out, err), 0);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(out.str(), path + ": ok: 32 entities, 10 themes, 3 windows\n");
}

TEST(CheckConfigCommandTest, EveryProblemOnItsOwnLine) {
  const std::string path = WriteTemp("check_config_bad.yaml",
                                     "kafka:\n"
                                     "  format: xml\n"
                                     "entities:\n"
                                     "  - name: A\n"
                                     "    type: party\n"
                                     "    spending_limit: -3\n"
                                     "colour: blue\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(CheckConfigCommand(path, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(),
            path + ":2: kafka.format: expected json or protobuf, got \"xml\"\n" + path +
                ":6: entities[0].spending_limit: must not be negative, got -3\n" + path +
                ":7: colour: unknown key (expected one of: kafka, listen, web_config, state, "
                "windows, grace, event_time, regulated_period, entities, registration_thresholds, "
                "themes, currency, limits)\n");
  std::remove(path.c_str());
}

TEST(CheckConfigCommandTest, ThemeRulesThatDoNotCompileNameTheirLineAndKey) {
  const std::string path = WriteTemp("check_config_themes.yaml",
                                     "themes:\n"
                                     "  - name: nhs\n"
                                     "    phrases: [nhs]\n"
                                     "    patterns:\n"
                                     "      - 'waiting (times|lists)'\n"
                                     "      - 'a (e'\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(CheckConfigCommand(path, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(), ::testing::StartsWith(path + ":6: themes[0].patterns[1]: theme nhs: "
                                                      "cannot compile \"a (e\": "));
  std::remove(path.c_str());
}

TEST(CheckConfigCommandTest, MissingFile) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(CheckConfigCommand("/nonexistent/x.yaml", out, err), 2);
  EXPECT_EQ(err.str(), "/nonexistent/x.yaml:0: cannot read the file\n");
}

}  // namespace
}  // namespace adwatch
