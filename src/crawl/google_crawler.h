// `adwatch crawl google FILE`: one download of Google's political ads transparency data as one
// crawl. FILE is `google-political-ads-creative-stats.csv` or a directory holding it, directly
// or in `google-political-ads-transparency-bundle/` (the unzipped bundle; zip archives
// themselves are not read). Columns are found by name in the
// header (`Ad_ID` and `Regions` required). Every row whose `Regions` (a comma-separated list of
// codes, e.g. `EU,GB`) names the country becomes one observation (`lookup: listing`, `ad` = the
// row as an object of its column names, every value a string), then `crawl_end` with
// `ads_listed`. The file is a full dump with no by-id answer: ads of earlier crawls absent from
// it get no message, so adwatch reports them *missing* (neither unlisted nor removed).
// Bad rows (wrong column count, malformed quoting, invalid UTF-8, unusable or repeated Ad_ID)
// are counted (bad_row) and skipped.
// The file is read in place (memory-mapped) by core's CsvReader, strict.
// With `reports` and `google-political-ads-advertiser-weekly-spend.csv` beside the file, that
// file is read as `adwatch replay --format google-weekly-spend` reads it (source/report_files.h;
// release `google-<day of observed_at>`, observed at the crawl's time) and the reports of
// advertisers that have an ad in the country go out as `report` messages (key
// `google:<Advertiser_ID>`); its bad rows (of any country) count as bad_row.
// Thread-safety: call from one thread.
#pragma once

#include <optional>
#include <string>

#include "crawl/crawl_io.h"
#include "crawl/crawl_state.h"

namespace adwatch::crawl {

struct GoogleCrawlOptions {
  std::string country = "GB";
  std::optional<EpochSeconds> observed_at;  // default: midnight UTC of the file's mtime date
  bool reports = false;
};

CrawlReport CrawlGoogle(const GoogleCrawlOptions& options, const std::string& path,
                        CrawlState& state, CrawlIo& io);

/// The creative-stats CSV inside `path` (itself when a file; in a directory, directly or in the
/// bundle's own subdirectory).
std::string GoogleCreativeStatsFile(const std::string& path);

}  // namespace adwatch::crawl
