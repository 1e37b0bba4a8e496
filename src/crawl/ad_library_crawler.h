// `adwatch crawl meta`: one crawl of the Meta Ad Library API (Graph API `ads_archive`) for one
// country — political and issue ads of every status delivered in a date range — as SPEC §2
// messages: one observation per listed ad (`lookup: listing`), then a by-id lookup of every
// known ad the listing lacked (`lookup: by_id`, `status: not_found` when the API answers that
// the object does not exist), then `crawl_end` with `ads_listed`.
//
// Edges: follows `paging.cursors.after` until a page has no `paging.next` or no data. Throttling
// (error codes 4, 17, 32, 613, 80000–80014, HTTP 429) waits the time the
// `x-business-use-case-usage` header's `estimated_time_to_regain_access` names (minutes), or an
// exponential backoff, and retries without limit; usage headers at or above 95% wait before the
// next call. Transient failures (no answer, HTTP 5xx, codes 1 and 2, `is_transient`) are retried
// up to `max_retries` times with backoff. Code 190 (token invalid or expired) ends the crawl as
// kAuthFailed. The ArchivedAd objects are sent as the API returned them, minus
// `ad_snapshot_url` (it embeds the access token); the token never appears in an error or log.
// Progress (pages, ads, waits) is logged as logfmt events on stderr.
// Thread-safety: call from one thread.
#pragma once

#include <string>
#include <vector>

#include "crawl/crawl_io.h"
#include "crawl/crawl_state.h"

namespace adwatch::crawl {

struct MetaCrawlOptions {
  std::string api_base = "https://graph.facebook.com";
  std::string api_version = "v21.0";
  std::string access_token;
  std::string country = "GB";
  std::string delivery_date_min;  // YYYY-MM-DD; empty: no lower limit
  std::string delivery_date_max;  // YYYY-MM-DD; empty: no upper limit
  /// The API needs search terms or page ids: `''` (an empty quoted term) lists every ad.
  std::string search_terms = "''";
  std::vector<std::string> search_page_ids;  // at most 10; when set, replaces search_terms
  int page_limit = 250;
  int max_retries = 8;             // transient failures in a row before giving up
  double retry_base_seconds = 30;  // first backoff; doubles up to max_wait_seconds
  double max_wait_seconds = 3600;
  bool fresh = false;  // abandon an interrupted crawl instead of resuming it
};

/// The `fields` the crawler asks for: every ArchivedAd field adwatch reads and keeps.
const char* MetaAdFields();

/// Runs one crawl; see the header comment.
CrawlReport CrawlMeta(const MetaCrawlOptions& options, CrawlState& state, CrawlIo& io);

}  // namespace adwatch::crawl
