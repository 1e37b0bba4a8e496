// Registry-outage detection (SPEC §3 "Registry outages") for the ads of one partition.
// Each ad carries an AdPresence; the tracker interns crawl ids, records sightings and, at a
// crawl_end, classifies every ad of that registry scope as listed, missing, unlisted or removed.
// Not thread-safe: owned by the partition's state, used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/bytes.h"
#include "core/observation.h"

namespace adwatch {

enum class Presence : std::uint8_t { kUnknown, kListed, kMissing, kUnlisted, kRemoved };

/// Per-ad crawl state; crawl numbers are the tracker's interned ids (0 = none).
struct AdPresence {
  std::uint32_t last_listed_crawl = 0;
  std::uint32_t by_id_crawl = 0;
  AdStatus by_id_status = AdStatus::kPresent;
  Presence presence = Presence::kUnknown;

  /// Missing in the SPEC sense: missing, unlisted or removed.
  bool missing() const { return presence >= Presence::kMissing; }
};

class CrawlTracker {
 public:
  /// Records a (newer) sighting of an ad. An ad listed again recovers at once.
  void RecordSighting(const Observation& obs, AdPresence& ad);

  /// Starts reconciliation for a crawl_end; returns the crawl number to pass to Reconcile, or
  /// nullopt when this crawl_end is not newer than the last one of its (registry, scope)
  /// (a redelivery or an older crawl: nothing changes).
  std::optional<std::uint32_t> BeginCrawlEnd(const CrawlEnd& end);

  /// Classifies one ad of the crawl's registry scope at the end of crawl `crawl`. Ads never
  /// listed in a crawl are left alone.
  static void Reconcile(std::uint32_t crawl, AdPresence& ad);

  /// The latest crawl_end of one scope: when it completed and how many ads it listed.
  struct ScopeListing {
    EpochSeconds completed_at = 0;
    std::optional<std::int64_t> ads_listed;
  };
  struct RegistryStatus {
    EpochSeconds last_crawl_end = 0;                          // latest over its scopes
    std::map<std::string, ScopeListing, std::less<>> scopes;  // "" = crawls without a scope
  };
  /// Persisted form of everything the tracker knows (crawl ids, latest ends).
  void Encode(ByteWriter& out) const;
  bool Decode(ByteReader& in);

  /// Latest crawl_end per registry (and per scope of it) seen in this partition.
  const std::map<std::string, RegistryStatus, std::less<>>& registries() const {
    return registries_;
  }

 private:
  std::uint32_t Intern(std::string_view crawl_id);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> crawl_ids_;
  std::map<std::string, EpochSeconds, std::less<>> last_end_by_scope_;  // "registry/scope"
  std::map<std::string, RegistryStatus, std::less<>> registries_;
};

}  // namespace adwatch
