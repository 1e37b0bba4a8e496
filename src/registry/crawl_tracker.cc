#include "registry/crawl_tracker.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace adwatch {

std::uint32_t CrawlTracker::Intern(std::string_view crawl_id) {
  if (auto it = crawl_ids_.find(crawl_id); it != crawl_ids_.end()) return it->second;
  const std::uint32_t id = next_crawl_++;
  crawl_ids_.emplace(std::string(crawl_id), id);
  return id;
}

void CrawlTracker::Forget(std::string_view crawl_id) {
  for (const auto& [scope, last] : last_end_by_scope_) {
    if (last.crawl_id == crawl_id) return;
  }
  if (auto it = crawl_ids_.find(crawl_id); it != crawl_ids_.end()) crawl_ids_.erase(it);
}

void CrawlTracker::RecordSighting(const Observation& obs, AdPresence& ad) {
  const std::uint32_t crawl = obs.crawl_id.empty() ? 0 : Intern(obs.crawl_id);
  if (obs.lookup == Lookup::kListing && obs.status == AdStatus::kPresent) {
    if (crawl != 0) ad.last_listed_crawl = crawl;
    ad.presence = Presence::kListed;
  } else if (obs.lookup == Lookup::kById && crawl != 0) {
    ad.by_id_crawl = crawl;
    ad.by_id_status = obs.status;
  }
}

std::optional<std::uint32_t> CrawlTracker::BeginCrawlEnd(const CrawlEnd& end) {
  std::string scope_key = end.registry + "/" + end.scope;
  auto [it, inserted] = last_end_by_scope_.try_emplace(std::move(scope_key));
  if (!inserted && end.completed_at <= it->second.completed_at) {
    Forget(end.crawl_id);  // its end can no longer be applied
    return std::nullopt;
  }
  const std::uint32_t crawl = Intern(end.crawl_id);
  std::string previous = std::exchange(it->second.crawl_id, end.crawl_id);
  it->second.completed_at = end.completed_at;
  if (!inserted && previous != end.crawl_id) Forget(previous);
  RegistryStatus& status = registries_[end.registry];
  status.last_crawl_end = std::max(status.last_crawl_end, end.completed_at);
  status.scopes[end.scope] = ScopeListing{end.completed_at, end.ads_listed};
  return crawl;
}

void CrawlTracker::Reconcile(std::uint32_t crawl, AdPresence& ad) {
  if (ad.last_listed_crawl == 0) return;
  if (ad.last_listed_crawl == crawl) {
    ad.presence = Presence::kListed;
  } else if (ad.by_id_crawl == crawl) {
    ad.presence = ad.by_id_status == AdStatus::kPresent ? Presence::kUnlisted : Presence::kRemoved;
  } else {
    ad.presence = Presence::kMissing;
  }
}

void CrawlTracker::Encode(ByteWriter& out) const {
  out.U64(next_crawl_);
  // In number order, so that equal states encode to equal bytes.
  std::vector<std::pair<std::uint32_t, std::string_view>> ids;
  ids.reserve(crawl_ids_.size());
  for (const auto& [id, n] : crawl_ids_) ids.emplace_back(n, id);
  std::sort(ids.begin(), ids.end());
  out.U64(ids.size());
  for (const auto& [n, id] : ids) {
    out.Str(id);
    out.U64(n);
  }
  out.U64(last_end_by_scope_.size());
  for (const auto& [scope, last] : last_end_by_scope_) {
    out.Str(scope);
    out.I64(last.completed_at);
    out.Str(last.crawl_id);
  }
  out.U64(registries_.size());
  for (const auto& [name, status] : registries_) {
    out.Str(name);
    out.I64(status.last_crawl_end);
    out.U64(status.scopes.size());
    for (const auto& [scope, listing] : status.scopes) {
      out.Str(scope);
      out.I64(listing.completed_at);
      out.I64(listing.ads_listed.value_or(-1));
    }
  }
}

bool CrawlTracker::Decode(ByteReader& in) {
  const std::uint64_t next = in.U64();
  if (next == 0 || next > 0xFFFFFFFF) return false;
  next_crawl_ = static_cast<std::uint32_t>(next);
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) {
    std::string id = in.Str();
    const std::uint64_t number = in.U64();
    if (number == 0 || number >= next_crawl_) return false;  // numbers are below next_crawl_
    crawl_ids_[std::move(id)] = static_cast<std::uint32_t>(number);
  }
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) {
    std::string scope = in.Str();
    LastEnd& last = last_end_by_scope_[std::move(scope)];
    last.completed_at = in.I64();
    last.crawl_id = in.Str();
  }
  for (std::uint64_t n = in.U64(); in.ok() && n > 0; --n) {
    std::string name = in.Str();
    RegistryStatus& status = registries_[std::move(name)];
    status.last_crawl_end = in.I64();
    for (std::uint64_t k = in.U64(); in.ok() && k > 0; --k) {
      std::string scope = in.Str();
      ScopeListing& listing = status.scopes[std::move(scope)];
      listing.completed_at = in.I64();
      const std::int64_t listed = in.I64();
      if (listed >= 0) listing.ads_listed = listed;
    }
  }
  return in.ok();
}

}  // namespace adwatch
