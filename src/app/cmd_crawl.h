// `adwatch crawl meta` and `adwatch crawl google FILE`: the registry crawlers (src/crawl/) wired
// to the Kafka producer of `replay` (same keys: `registry:id`, crawl_end to every partition),
// a crawl state directory, an optional metrics listener and an optional schedule.
#pragma once

#include <atomic>
#include <ostream>
#include <string>

#include "crawl/ad_library_crawler.h"
#include "crawl/google_crawler.h"

namespace adwatch {

struct CrawlCommandOptions {
  std::string brokers;
  std::string topic = "adwatch.observations";
  std::string state_dir;        // empty: no memory between invocations
  std::string listen;           // host:port of the metrics listener; empty: none
  double interval_seconds = 0;  // > 0: crawl, wait, crawl… until stopped; 0: one crawl
};

/// One crawl, or one every interval, of the Meta Ad Library API. `token_ref` is the access token
/// or a `${ENV}` / `${file:PATH}` reference to it. Exit codes: 0 every crawl completed,
/// 2 usage (no token, bad dates), 1 runtime failure (expired/invalid token, API error after
/// retries, Kafka, state); on a signal the crawl stops resumable and the exit code is 0 when
/// nothing failed. A summary line per crawl goes to `out` (logfmt).
int CrawlMetaCommand(const CrawlCommandOptions& options, crawl::MetaCrawlOptions meta,
                     const std::string& token_ref, std::ostream& out, std::ostream& err,
                     const std::atomic<bool>& stop);

/// One crawl per FILE argument is what a download is; with an interval the same path is crawled
/// again each time (for a directory that a download job refreshes).
int CrawlGoogleCommand(const CrawlCommandOptions& options, crawl::GoogleCrawlOptions google,
                       const std::string& path, std::ostream& out, std::ostream& err,
                       const std::atomic<bool>& stop);

}  // namespace adwatch
