// `adwatch classify`: attribution and themes for ads read as JSON Lines (SPEC §1).
#pragma once

#include <istream>
#include <ostream>

#include "config/config.h"

namespace adwatch {

/// Reads JSON Lines from `in`. A line is an observation envelope (it has "kind" or "ad"), or a
/// bare Meta `ArchivedAd`, or a bare Google creative-stats row (it has "Ad_ID"); bare ads are
/// decoded as sightings observed now. Blank lines and crawl_end messages are skipped. For every
/// ad, writes one JSON line to `out`:
///   {"registry":"meta","id":"…","party":"Conservative","type":"party","themes":["brexit"]}
/// (`"party":"unattributed","type":null` when no rule matches; `themes` empty when none). With
/// `explain`, two blocks follow. Attribution:
///   "attribution":{"rule":"bylines","field":"bylines","pattern":"labour party",
///                  "no_disclaimer":false}
/// (`rule` the config key that matched, `field` the ad field it matched, `pattern` the rule's
/// normalised text; all three null when unattributed). Themes: `"theme_matches":[…]`, per theme
/// with any match, its score and threshold and every match — rule, kind (phrase, pattern or
/// exclusion), weight, whether an exclusion cancelled it, the text's index in the ad, the byte
/// range [begin, end) in that text and the matched bytes (docs/THEMES.md).
/// A line that cannot be decoded writes `stdin:LINE: REASON: detail` to `err` and processing
/// continues. Returns 0 when every line was good, 1 when any was rejected, 2 when the config's
/// themes cannot be compiled.
int ClassifyCommand(const Config& config, bool explain, std::istream& in, std::ostream& out,
                    std::ostream& err);

}  // namespace adwatch
