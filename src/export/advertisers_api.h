// `GET /api/v1/advertisers`: who is spending, per advertiser (registry + page id or Google
// advertiser id, and the entity its ads are attributed to), merged over every partition, with
// campaign-to-date per bound and nation and the windows (README "What the figures mean" →
// Advertisers).
//
// Query parameters (all optional): `registry` (meta or google), `party` (a configured entity or
// `unattributed`), `nation` (england, scotland, wales, northern_ireland, unknown: advertisers
// with an upper bound above 0 there, sorted by that nation's campaign-to-date), `sort`
// (`campaign_to_date`, the default, or a configured window name such as `24h`), `bound` (`lower`,
// the default, `upper` or `mid`: the bound sorted by), `limit` (1..1000, default 100) and
// `offset`; `format=csv` answers RFC 4180 CSV instead (limit up to and by default 100,000).
// Largest first, then registry, page id and party. Bad parameters answer 400 with a JSON error
// naming them.
// Thread-safety: as AdsApi: Handle may run on several server threads; one request is served at
// a time, others get 503 (a listing walks every advertiser under the state lock).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "export/http_server.h"
#include "state/advertiser_ledger.h"

namespace adwatch {

class AdvertisersApi {
 public:
  using Source = std::function<AdvertiserPage(const AdvertiserQuery& query, std::size_t offset,
                                              std::size_t limit)>;
  AdvertisersApi(const Config& config, Source source);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  std::vector<std::string> entity_names_;  // by slot; unattributed last
  std::vector<std::string> window_names_;
  Source source_;
  mutable std::atomic<bool> busy_{false};
};

/// The CSV text of `advertisers`: a header row, then one row per advertiser (registry, page_id,
/// page_name, bylines, party, ads, open_ended_ads, lower/upper/mid pence of campaign-to-date, of
/// each nation and of each window). Text cells as SafeCsvCell. Pure function; thread-safe.
std::string AdvertisersCsv(const std::vector<AdvertiserTotals>& advertisers,
                           const std::vector<std::string>& entity_names,
                           const std::vector<std::string>& window_names);

}  // namespace adwatch
