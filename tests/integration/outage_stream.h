// A generated campaign with a registry outage, for the registry figures and the ads API: ads
// of several parties listed crawl after crawl; in the outage crawls 40% of them vanish from the
// listing (the crawler finds some by id, some answer not_found, the rest it does not look for);
// they return afterwards, and a few ads end for good. The oracle recomputes, with its own code,
// what SPEC §3 says each crawl_end shows: known, missing, unlisted, removed and missing spend
// per party, and exactly which ads are lost.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace adwatch::testing {

/// One crawl of the outage stream: its observations, then its crawl_end (last).
struct OutageCrawl {
  std::vector<std::string> messages;  // JSON values
};

/// What the figures and the API must show after a crawl_end, per entity slot.
struct LostAd {
  std::string ad_id;
  std::string party;
  std::string state;  // missing, unlisted, removed
  std::string page_name;
  long long lower_pence = 0;
  friend bool operator<(const LostAd& a, const LostAd& b) { return a.ad_id < b.ad_id; }
  friend bool operator==(const LostAd&, const LostAd&) = default;
};
struct RegistryExpected {
  std::vector<long long> known, missing, unlisted, removed;  // [entity slot]
  std::vector<std::array<long long, 3>> missing_spend;       // [entity slot][bound] pence
  long long ads_listed = 0;
  long long completed_at = 0;
  std::vector<LostAd> lost;  // sorted by ad id
};

struct OutageStream {
  std::vector<OutageCrawl> crawls;
  std::vector<RegistryExpected> expected;  // after each crawl's crawl_end
};

/// `ads` ads over the configured entities with Meta page ids and unattributed; 8 crawls, six
/// hours apart from 2019-12-01, the outage in crawls 3 and 4.
OutageStream GenerateOutageStream(const Config& config, int ads);

}  // namespace adwatch::testing
