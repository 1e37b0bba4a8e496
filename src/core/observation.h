// The decoded input messages: one sighting of one ad in one registry, and the end of a crawl.
// Plain values, registry-neutral: the decoders map the Meta and Google shapes onto them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/money.h"
#include "core/nation.h"
#include "core/time.h"

namespace adwatch {

enum class Lookup : std::uint8_t { kListing, kById };
enum class AdStatus : std::uint8_t { kPresent, kNotFound };

/// What attribution and classification read of an ad. For Google rows, `page_id` holds
/// `Advertiser_ID`, `page_name` holds `Advertiser_Name` and `bylines` is empty.
struct AdContent {
  std::string page_id;
  std::string page_name;
  std::string bylines;
  /// Creative bodies, link titles, captions and descriptions, in input order.
  std::vector<std::string> texts;
};

/// True for an ad shown with no "Paid for by" line: a Meta-shaped ad (any registry but
/// `google`, whose rows never carry bylines) whose bylines are absent, blank, or Meta's report
/// placeholder "These ads ran without a disclaimer" (any case).
bool RanWithoutDisclaimer(std::string_view registry, const AdContent& ad);

/// The registries adwatch has decoders for (SPEC §2): `meta` and `google`. Everything that
/// accepts a registry name (the decoders, the API's filters) asks this.
inline bool IsKnownRegistry(std::string_view registry) {
  return registry == "meta" || registry == "google";
}

/// One sighting (SPEC §2.1). Spend is already in pence of the reporting currency.
struct Observation {
  std::string registry;
  EpochSeconds observed_at = 0;
  std::string crawl_id;  // empty when absent
  std::string scope;     // empty when absent
  Lookup lookup = Lookup::kListing;
  AdStatus status = AdStatus::kPresent;
  std::string ad_id;
  AdContent content;                // empty when status is not_found
  std::optional<SpendRange> spend;  // absent when the registry gave none
  std::optional<EpochSeconds> delivery_start;
  std::optional<EpochSeconds> delivery_stop;  // absent while the ad runs
  /// Where the ad was delivered (Meta delivery_by_region, Google geo targeting; README
  /// "What the figures mean" → Nations). nullopt: the sighting carried no region data, the
  /// ad keeps its previous shares.
  std::optional<NationShares> nations;
};

/// A crawl of one registry scope has finished (SPEC §2.2).
struct CrawlEnd {
  std::string registry;
  std::string crawl_id;
  std::string scope;
  EpochSeconds started_at = 0;
  EpochSeconds completed_at = 0;
  std::optional<std::int64_t> ads_listed;
};

/// A registry's own aggregate report row for one advertiser (`kind: report`): what it says the
/// advertiser spent in a period and how many ads it holds. Amounts in pence of the reporting
/// currency. Never moves the watermark (see state/report_ledger.h for the semantics).
enum class ReportKind : std::uint8_t {
  kWeekly,  // spent within [period_start, period_end], days inclusive
  kToDate,  // cumulative from the advertiser's start to the end of period_end
};
struct Report {
  std::string registry;
  EpochSeconds observed_at = 0;  // when the release was taken
  std::string release;
  ReportKind kind = ReportKind::kWeekly;
  std::string advertiser_id;
  std::string advertiser_name;
  std::string disclaimer;                    // empty when the report has none
  std::optional<EpochSeconds> period_start;  // midnight UTC of the first day; required for weekly
  EpochSeconds period_end = 0;               // midnight UTC of the last day (inclusive)
  SpendRange amount;                         // open_ended: no upper bound
  std::optional<std::int64_t> ads_in_library;
};

using Message = std::variant<Observation, CrawlEnd, Report>;

}  // namespace adwatch
