// A generated observation stream for the integration tests, with the truth about every ad
// (entity, themes) known by construction, and an oracle that recomputes every figure from the
// produced messages with its own arithmetic — independent of src/state.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace adwatch::testing {

struct GeneratedMessage {
  std::string key;    // empty: produce with no key (crawl_end goes to every partition)
  std::string value;  // JSON
  bool crawl_end = false;
  std::string crawl;      // crawl_end: "registry/scope/crawl_id" (the oracle's witness)
  bool rejected = false;  // the decoder must reject it (the oracle skips it)
  // Truth for observations (unset for crawl_end):
  std::string ad;                         // registry:id
  long long observed_at = 0;              // crawl_end: its completed_at
  std::optional<long long> lower, upper;  // pounds; upper empty for open-ended
  std::optional<long long> delivery_start;
  int entity_slot = -1;
  std::uint64_t themes = 0;
  bool no_disclaimer = false;  // ran without a "Paid for by" line
  // Region data of this sighting, as parts per 10,000 of england, scotland, wales,
  // northern_ireland, unknown (the generator writes exact four-decimal fractions, so the parts
  // are known by construction); unset: the sighting carried no region data.
  std::optional<std::array<int, 5>> nations;
};

struct StreamOptions {
  std::uint64_t seed = 7;
  int ads = 80;
  int crawls = 20;  // every 6 hours: 2019-12-09 to 2019-12-13, past the end of the period
  long long start = 1575849600;  // 2019-12-09T00:00:00Z: crosses the end of the period
  int gap_after = -1;            // crawls after this one start `gap` seconds later (an outage)
  long long gap = 0;
};

/// Generates a stream over the default config's entities and themes: crawls closed by
/// crawl_end, bucket steps, open-ended top buckets, a correction, duplicates, reordered
/// sightings and late ads (emitted after the others). Half the unattributed ads and some
/// attributed ones (by page id) run without a disclaimer; the others carry a byline. Region
/// data (delivery_by_region): ads in one to four nations, with non-UK regions, without region
/// data, with unusable data, sightings that omit it and shares that change between sightings.
std::vector<GeneratedMessage> GenerateStream(const Config& config, const StreamOptions& options);

/// The figures one clean pass over `messages` must give, in pence, per the SPEC §3 rules and
/// README's event time: the oracle applies the event-time rules to the stream as one sequence
/// (exact for streams whose held messages are held, and released, in every partition alike:
/// e.g. a stray message far ahead, or a real gap followed by enough crawls).
struct Expected {
  long long watermark = 0;
  // [entity slot][bound]
  std::vector<std::array<long long, 3>> campaign_to_date;
  // [bound]: campaign-to-date of unattributed ads run without a disclaimer
  std::array<long long, 3> no_disclaimer{};
  // [entity slot][window][bound]
  std::vector<std::vector<std::array<long long, 3>>> window;
  // [entity slot][theme slot][window][bound]
  std::vector<std::vector<std::vector<std::array<long long, 3>>>> theme_window;
  // [entity slot][nation][bound] and [entity slot][nation][window][bound], nations as in
  // GeneratedMessage::nations.
  std::vector<std::array<std::array<long long, 3>, 5>> nation_campaign_to_date;
  std::vector<std::array<std::vector<std::array<long long, 3>>, 5>> nation_window;
  std::vector<long long> open_ended;   // [entity slot]
  std::vector<long long> corrections;  // [entity slot]
};
Expected ComputeExpected(const Config& config, const std::vector<GeneratedMessage>& messages);

}  // namespace adwatch::testing
