// Registry-outage detection (SPEC §3 "Registry outages") for the ads of one partition.
// Each ad carries an AdPresence; the tracker numbers crawl ids, records sightings and, at a
// crawl_end, classifies every ad of that registry scope as listed, missing, unlisted or removed.
// Bookkeeping is pruned to what reconciliation needs: the crawl ids not yet ended, plus the
// latest ended crawl of each (registry, scope). A crawl's number is never reused, so an ad's
// stored number stays meaningful after its crawl id is forgotten: a later sighting of a
// forgotten crawl gets a fresh number that no applicable crawl_end can match, exactly as the
// old number could not (that crawl's end, redelivered, is not newer than its scope's latest).
// Assumes what the crawlers produce: a crawl id names one crawl of one registry scope.
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
  /// (a redelivery or an older crawl: no ad changes; its crawl id, if still remembered as not
  /// ended, is forgotten, since no crawl_end of it can be applied any more).
  /// An applied crawl becomes its scope's latest; the previous latest is forgotten.
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
  /// Its size is bounded by the crawls under way and the scopes, not by the crawls ever seen.
  void Encode(ByteWriter& out) const;
  bool Decode(ByteReader& in);

  /// Latest crawl_end per registry (and per scope of it) seen in this partition.
  const std::map<std::string, RegistryStatus, std::less<>>& registries() const {
    return registries_;
  }

  /// Crawl ids remembered now (not yet ended, or the latest ended of a scope).
  std::size_t crawl_ids() const { return crawl_ids_.size(); }
  /// The number the next new crawl id gets (numbers are never reused).
  std::uint32_t next_crawl() const { return next_crawl_; }

 private:
  std::uint32_t Intern(std::string_view crawl_id);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Drops a crawl id from crawl_ids_ unless it is still some scope's latest ended crawl.
  void Forget(std::string_view crawl_id);

  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> crawl_ids_;
  std::uint32_t next_crawl_ = 1;  // 0 = none
  struct LastEnd {
    EpochSeconds completed_at = 0;
    std::string crawl_id;
  };
  std::map<std::string, LastEnd, std::less<>> last_end_by_scope_;  // "registry/scope"
  std::map<std::string, RegistryStatus, std::less<>> registries_;
};

}  // namespace adwatch
