// A deterministic synthetic stream of Meta Ad Library observations for the UK general election
// of 12 December 2019 (scenario `uk2019`): parties and non-party campaigners running ads between
// 2019-11-06 and 2019-12-12, crawled every 6 hours (scope `GB`), each crawl closed by a
// `crawl_end` line, with the registry outage of 9-10 December (ads hidden from listing but
// fetchable by id), a few ads genuinely removed (`not_found`) and occasional duplicate sightings.
// After the crawl_end of each day's 06:00 crawl it also emits Meta's own Ad Library Report of
// the day before as `report` lines (one `to_date` row per page, keyed by page id: the true
// cumulative spend and the number of ads in the library of that page's ads, removed ads left
// out), so that the report gap shows the ads the outage hides.
//
// Lines are SPEC §2 JSON, one per Next(), in non-decreasing event-time order (observed_at;
// completed_at for crawl_end). The same options give the same bytes on every platform: all
// randomness is integer arithmetic on a seeded splitmix64, never <random> distributions.
// Memory is O(ads) (a small plan per ad), not O(stream): the stream is generated on demand.
// Not thread-safe; use one instance per thread.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace adwatch::sim {

struct SimOptions {
  std::string scenario = "uk2019";
  std::uint64_t seed = 2019;
  int ads = 2000;
};

/// The scenario names the simulator knows (only `uk2019`).
bool IsKnownScenario(std::string_view scenario);

/// Inclusive bounds on SimOptions::ads accepted by the simulator.
inline constexpr int kMinAds = 1;
inline constexpr int kMaxAds = 2'000'000;

/// Scenario constants, exposed for the demo's pacing and for tests.
inline constexpr EpochSeconds kUk2019FirstCrawl = 1572998400;  // 2019-11-06T00:00:00Z
inline constexpr EpochSeconds kUk2019CrawlInterval = 6 * 3600;
inline constexpr int kUk2019Crawls = 149;  // 2019-11-06T00 .. 2019-12-13T00, every 6 h
/// Crawls starting in [kUk2019OutageStart, kUk2019OutageEnd) see the listing outage.
inline constexpr EpochSeconds kUk2019OutageStart = 1575849600;  // 2019-12-09T00:00:00Z
inline constexpr EpochSeconds kUk2019OutageEnd = 1576022400;    // 2019-12-11T00:00:00Z
/// Polls close; no ad delivers after this.
inline constexpr EpochSeconds kUk2019PollsClose = 1576188000;  // 2019-12-12T22:00:00Z

/// True when `options` names a known scenario and an ads count in range; otherwise writes
/// one line naming the problem to `err`.
bool ValidateSimOptions(const SimOptions& options, std::ostream& err);

/// Writes the whole stream of `options` to `out`, one line per Next() followed by '\n', and
/// the number of lines to `*lines` (if not null). False when the options are invalid (nothing
/// written) or `out` fails.
bool WriteSimulation(const SimOptions& options, std::ostream& out, std::int64_t* lines,
                     std::ostream& err);

class Uk2019Simulator {
 public:
  /// `options.ads` is clamped to [kMinAds, kMaxAds]; the scenario name is not checked here.
  explicit Uk2019Simulator(const SimOptions& options);
  ~Uk2019Simulator();
  Uk2019Simulator(const Uk2019Simulator&) = delete;
  Uk2019Simulator& operator=(const Uk2019Simulator&) = delete;

  /// Writes the next line (no trailing newline) into `*json_line`; false at the end of the
  /// stream (then `*json_line` is left unchanged).
  bool Next(std::string* json_line);

  /// Event time of the line last returned by Next() (observed_at, or completed_at for a
  /// crawl_end); 0 before the first line. For real-time pacing in the demo.
  EpochSeconds last_event_time() const { return last_time_; }

  struct Ad;  // per-ad plan (private to the .cc)

 private:
  void BeginCrawl();
  void EmitListing(const Ad& ad, std::uint32_t index, EpochSeconds at, std::string* out) const;
  void EmitById(const Ad& ad, bool not_found, EpochSeconds at, std::string* out) const;
  void EmitCrawlEnd(std::string* out) const;
  /// The report row of advertiser `a` for the day ending at the current crawl's midnight;
  /// false when it had no ads in the library by then.
  bool EmitReport(std::size_t a, std::string* out) const;

  std::uint64_t seed_;
  std::vector<Ad> ads_;               // by index
  std::vector<std::uint32_t> order_;  // ad indexes sorted by start time
  std::vector<bool> seen_;            // by index: present in some earlier sighting

  // Streaming cursor.
  int crawl_ = -1;
  struct Advertiser {  // one report row per day: a page id and the ads of its pages
    std::string id, name, disclaimer;
    std::vector<std::uint32_t> ads;
  };
  std::vector<Advertiser> advertisers_;
  int phase_ = 0;  // 0 listing, 1 by id, 2 crawl_end, 3 reports (06:00 crawls), 4 crawl done
  std::size_t prefix_ = 0;    // number of ads (in order_) started by this crawl's start
  std::size_t cursor_ = 0;    // position in order_ within the phase
  std::int64_t listed_ = 0;   // ads listed in this crawl
  std::int64_t by_id_ = 0;    // ads to fetch by id in this crawl
  std::int64_t emitted_ = 0;  // sightings emitted in the current phase
  EpochSeconds crawl_start_ = 0;
  EpochSeconds last_time_ = 0;
  std::string pending_duplicate_;
};

}  // namespace adwatch::sim
