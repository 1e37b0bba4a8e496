// The demo's region data reaches the figures: every delivery_by_region the uk2019 simulator
// writes decodes (with the shipped config's decoder options) into nation shares, none of them
// unusable, and the ones without region data decode to none.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "decode/decoder.h"
#include "sim/uk2019_simulator.h"

namespace adwatch {
namespace {

TEST(SimRegionsTest, EverySimulatedDeliveryByRegionDecodesToUsableShares) {
  const Config config = DefaultConfig();
  ManualClock clock(2000000000);  // after every simulated date
  auto decoder = MakeJsonDecoder(DecoderOptions{config.limits, config.currency}, clock);
  sim::Uk2019Simulator simulator(sim::SimOptions{"uk2019", 2019, 300});
  std::string line;
  int with = 0, without = 0, scotland = 0, wales = 0;
  for (int i = 0; i < 20000 && simulator.Next(&line); ++i) {
    const DecodeResult r = decoder->Decode(line);
    ASSERT_TRUE(std::holds_alternative<Message>(r)) << line;
    const auto* obs = std::get_if<Observation>(&std::get<Message>(r));
    if (obs == nullptr || obs->status != AdStatus::kPresent || obs->registry != "meta") continue;
    const bool has = line.find("\"delivery_by_region\"") != std::string::npos;
    ASSERT_EQ(obs->nations.has_value(), has) << line;
    if (!has) {
      ++without;
      continue;
    }
    ++with;
    // The simulator's shares are hundredths summing to 1: nothing unknown, nothing lost.
    EXPECT_EQ(obs->nations->parts[static_cast<int>(Nation::kUnknown)], 0) << line;
    scotland += obs->nations->parts[static_cast<int>(Nation::kScotland)] > 5000;
    wales += obs->nations->parts[static_cast<int>(Nation::kWales)] > 5000;
  }
  EXPECT_GT(with, 1000);
  EXPECT_GT(without, 0);
  EXPECT_GT(scotland, 0);  // SNP ads are mostly in Scotland
  EXPECT_GT(wales, 0);     // Plaid Cymru in Wales
}

}  // namespace
}  // namespace adwatch
