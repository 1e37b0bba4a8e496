// The registry-outage JSON API: `GET /api/v1/ads` lists the ads a registry has lost — missing
// from the latest crawl's listing, unlisted (still fetchable by id) or removed (not_found) —
// with who ran them, when they were seen and their spend bounds, so a regulator gets the list
// and not only the count.
//
// Query parameters (all optional): `registry`, `party` (a configured entity or `unattributed`),
// `state` (comma-separated subset of `missing,unlisted,removed,listed,unknown`, or `all` for
// every known ad; default the first three), `limit` (1..1000, default 100) and `offset`;
// `format=csv` answers RFC 4180 CSV instead (export/ads_csv.h; limit up to and by default
// 100,000). Ads are ordered by lower spend bound, largest first, then
// `registry:id`. Bad parameters answer 400 with a JSON error naming them.
// Thread-safety: Handle may run on several server threads at once (the source must be
// thread-safe, as Pipeline::ListAds is); one request is served at a time, others get 503 (a
// listing walks every ad under the ingestion lock; scrapes read published figures instead).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "export/http_server.h"
#include "state/partition_state.h"

namespace adwatch {

/// A 400 answer with a JSON error naming what was wrong (the client's bytes made valid UTF-8).
HttpResponse JsonError(const std::string& message);
/// A non-negative decimal integer query value; nullopt for anything else (signs, blanks, junk).
std::optional<std::size_t> ParseCount(const std::string& text);

/// The query parameters every listing (`/api/v1/ads`, `/api/v1/advertisers`) shares:
/// `format` (json or csv), `registry`, `party` (a configured entity or `unattributed`),
/// `limit` (1..1000, with format=csv up to and by default 100,000) and `offset`.
struct ListingParams {
  static constexpr std::size_t kDefaultLimit = 100;
  static constexpr std::size_t kMaxLimit = 1000;
  static constexpr std::size_t kMaxCsvLimit = 100000;  // format=csv: the default and the cap

  bool csv = false;
  std::size_t limit = kDefaultLimit;
  std::size_t offset = 0;
  std::string registry;               // empty: every registry
  std::optional<std::size_t> entity;  // entity slot

  /// Takes one parameter: nullopt when `name` is not a shared one (the caller's own, or
  /// unknown), else "" when accepted or the error message naming the bad value.
  std::optional<std::string> Take(const std::string& name, const std::string& value,
                                  const std::vector<std::string>& entity_names);
  /// After every parameter: applies the format's limit rule; "" or the error message.
  std::string Finish();

 private:
  bool limit_given_ = false;
};

/// Runs `list` unless another listing is running (each walks every ad under the ingestion
/// lock): then nullopt, which the caller answers 503.
template <typename F>
auto OneListingAtATime(std::atomic<bool>& busy, F&& list) -> std::optional<decltype(list())> {
  if (busy.exchange(true)) return std::nullopt;
  struct Release {
    std::atomic<bool>& busy;
    ~Release() { busy = false; }
  } release{busy};
  return list();
}

/// The 503 answer while another listing runs.
HttpResponse BusyListing();

class AdsApi {
 public:
  using Source =
      std::function<AdPage(const AdFilter& filter, std::size_t offset, std::size_t limit)>;
  AdsApi(const Config& config, Source source);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  std::vector<std::string> entity_names_;  // by slot; unattributed last
  std::vector<std::string> theme_names_;
  Source source_;
  mutable std::atomic<bool> busy_{false};
};

}  // namespace adwatch
