// What a crawler needs from the world, injected so that tests control time and output:
// where messages go (one JSON line at a time, keyed by the producer; SPEC §2), how to make sure
// they were delivered, the wall clock, an interruptible sleep, HTTP, and the metrics.
// Also the outcome every crawl reports.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/time.h"
#include "crawl/crawl_metrics.h"
#include "crawl/http_client.h"

namespace adwatch::crawl {

struct CrawlIo {
  /// Produces one message (an observation or a crawl_end line); false when it cannot be queued.
  std::function<bool(const std::string& json_line)> send;
  /// Waits until everything sent so far is delivered; false when something was not.
  std::function<bool()> flush;
  /// GET a URL (tests may wrap it); defaults to an HttpClient when unset.
  std::function<HttpResult(const std::string& url)> get;
  /// Sleeps for `seconds` unless stopped first; returns false when stopped.
  std::function<bool(double seconds)> sleep;
  const Clock* clock = nullptr;
  CrawlMetrics* metrics = nullptr;
  /// Set (by a signal) to stop at the next page or lookup batch, resumable; may be null.
  const std::atomic<bool>* stop = nullptr;
  bool stopped() const { return stop != nullptr && stop->load(); }
};

enum class CrawlOutcome {
  kCompleted,    // every message and the crawl_end were delivered
  kInterrupted,  // stopped (signal) mid-way: resumable from its state, no crawl_end sent
  kAuthFailed,   // the access token is invalid or expired (Graph API code 190)
  kFailed,       // anything else: the error says what; resumable where the state allows
};

struct CrawlReport {
  CrawlOutcome outcome = CrawlOutcome::kFailed;
  std::string error;  // one line, never containing the access token
  std::string crawl_id;
  bool resumed = false;
  std::int64_t pages = 0;
  std::int64_t listed = 0;  // distinct ads listed (ads_listed of the crawl_end)
  std::int64_t by_id_present = 0;
  std::int64_t not_found = 0;
  std::int64_t missing = 0;  // known ads absent from the listing
  std::int64_t rate_limit_waits = 0;
  std::int64_t retries = 0;
  std::int64_t bad_rows = 0;
  std::int64_t messages = 0;  // observations + crawl_end lines sent
};

/// An id adwatch can key and the state files can hold: 1–64 of [0-9A-Za-z_-].
inline bool UsableAdId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace adwatch::crawl
