// A snapshot of every business figure (SPEC §4), computed from the state at one instant.
// Plain data: the exporter and the terminal summary read it without touching live state.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/nation.h"
#include "core/outcome.h"
#include "core/reject_reason.h"
#include "core/time.h"
#include "state/advertiser_ledger.h"

namespace adwatch {

/// Per-registry outage figures, each indexed by entity slot.
struct RegistryFigures {
  std::string registry;
  std::vector<std::int64_t> known, missing, unlisted, removed;
  std::vector<Amounts> missing_spend;
  std::optional<EpochSeconds> last_crawl_end;
  // Per scope ("" for crawls without one): the latest crawl's completed_at and its ads_listed.
  std::map<std::string, std::pair<EpochSeconds, std::int64_t>> ads_listed;
  // Ads the registry shows (known and not missing) and the sum of their latest upper bounds:
  // what the registry's own reports are compared with.
  std::vector<std::int64_t> shown;
  std::vector<Pence> shown_upper;
  std::vector<std::int64_t> shown_open_ended;  // shown ads in the open top bucket (no upper bound)
};

/// Per-registry figures of the registries' own reports, indexed by entity slot.
struct ReportFigures {
  std::string registry;
  std::vector<Pence> spend;       // campaign-to-date, lower bound of the reported amounts
  std::vector<std::int64_t> ads;  // ads in the library per the latest report
};

/// Entity slots are the configured entities in order, then `unattributed` last; theme slots are
/// the configured themes in order, then `none` last; window slots follow Config::windows.
struct Figures {
  std::size_t entities = 0;  // slots, including unattributed
  std::size_t themes = 0;    // slots, including none
  std::size_t windows = 0;
  std::optional<EpochSeconds> watermark;

  std::vector<Amounts> campaign_to_date;                   // [entity]
  std::vector<Amounts> nation_campaign_to_date;            // [entity][nation]
  std::vector<Amounts> nation_window;                      // [entity][nation][window]
  std::vector<Amounts> window;                             // [entity][window]
  std::vector<Amounts> theme_window;                       // [entity][theme][window]
  std::vector<std::int64_t> ads_active;                    // [entity][theme]
  std::vector<std::int64_t> open_ended_ads;                // [entity]
  std::vector<std::int64_t> corrections;                   // [entity]
  std::vector<RegistryFigures> registries;                 // sorted by name
  std::vector<ReportFigures> reports;                      // sorted by registry
  std::array<std::int64_t, kOutcomeCount> outcomes{};      // messages by outcome
  std::array<std::int64_t, kRejectReasonCount> rejects{};  // rejected messages by reason
  // Campaign-to-date of unattributed ads that ran without a disclaimer.
  Amounts no_disclaimer;
  std::int64_t ads_tracked = 0;  // ads held in memory (limits.max_ads_per_partition each)
  std::int64_t events_held = 0;  // messages held, dated beyond event_time.max_lead
  // Advertisers (README → Advertisers), merged over partitions: how many per entity slot; per
  // nation, how many unattributed ones passed its registration threshold (lower bound); and the
  // kTopAdvertisers largest by lower campaign-to-date (no windows), for the live page.
  static constexpr std::size_t kTopAdvertisers = 10;
  std::vector<std::int64_t> advertisers;  // [entity]
  std::array<std::int64_t, kNationCount> unregistered_over_threshold{};
  std::vector<AdvertiserTotals> top_advertisers;

  Figures(std::size_t entity_slots, std::size_t theme_slots, std::size_t window_count);
  Amounts& Window(std::size_t e, std::size_t w) { return window[e * windows + w]; }
  Amounts& ThemeWindow(std::size_t e, std::size_t th, std::size_t w) {
    return theme_window[(e * themes + th) * windows + w];
  }
  std::int64_t& Active(std::size_t e, std::size_t th) { return ads_active[e * themes + th]; }
  Amounts& NationCtd(std::size_t e, std::size_t n) {
    return nation_campaign_to_date[e * kNationCount + n];
  }
  Amounts& NationWindow(std::size_t e, std::size_t n, std::size_t w) {
    return nation_window[(e * kNationCount + n) * windows + w];
  }
  const Amounts& NationCtd(std::size_t e, std::size_t n) const {
    return nation_campaign_to_date[e * kNationCount + n];
  }
  const Amounts& NationWindow(std::size_t e, std::size_t n, std::size_t w) const {
    return nation_window[(e * kNationCount + n) * windows + w];
  }
  const Amounts& Window(std::size_t e, std::size_t w) const { return window[e * windows + w]; }
  const Amounts& ThemeWindow(std::size_t e, std::size_t th, std::size_t w) const {
    return theme_window[(e * themes + th) * windows + w];
  }
  std::int64_t Active(std::size_t e, std::size_t th) const { return ads_active[e * themes + th]; }
  RegistryFigures& Registry(const std::string& name);
  ReportFigures& Reports(const std::string& registry);
  /// How far a registry's reports exceed what it shows for entity slot `e` (README): reported
  /// spend minus the upper bounds of its shown ads (0 when one of them is open-ended: no upper
  /// bound), and reported ads minus shown ads, floored at 0.
  Pence ReportGap(const ReportFigures& r, std::size_t e) const;
  std::int64_t ReportAdsGap(const ReportFigures& r, std::size_t e) const;
};

}  // namespace adwatch
