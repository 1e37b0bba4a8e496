// A crawler's bookkeeping between runs, per (registry, scope), in plain files of `--state DIR`:
//   <registry>-<scope>.known      `adwatch-crawl-known v1`, `completed TIME`, then the ids of
//                                 every ad listed by a completed crawl (the ads whose absence
//                                 from a later listing makes them missing)
//   <registry>-<scope>.progress   the crawl under way, an append-only log: `crawl ID STARTED`,
//                                 then per page `id X`… and `cursor C`, `listed` when the listing
//                                 is done, `looked X` per by-id lookup answered
// The progress log is appended (and flushed to the OS) only after the messages it records were
// delivered to Kafka, so a crawl interrupted at any point resumes from its last recorded cursor
// (re-sending at most one page) or is abandoned (`Abandon`): never half-ended. Complete() writes
// the new known set to a temporary file, renames it over the old one, then removes the log.
// With an empty directory everything lives in memory (one process, e.g. --interval).
// Thread-safety: one instance per thread. Ids must not contain whitespace (callers check).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"

namespace adwatch::crawl {

class CrawlState {
 public:
  struct Progress {
    std::string crawl_id;
    EpochSeconds started_at = 0;
    std::string cursor;  // the listing's next page; empty: from the start
    bool listing_done = false;
    std::set<std::string> listed;
    std::set<std::string> looked_up;
  };

  /// Loads the state of (registry, scope) from `dir` (created if absent); null with `*error`
  /// when a file cannot be read or is malformed (the error names the file and line).
  static std::unique_ptr<CrawlState> Open(const std::string& dir, const std::string& registry,
                                          const std::string& scope, std::string* error);

  const std::set<std::string>& known() const { return known_; }
  /// completed_at of the last completed crawl (0: none). adwatch ignores a crawl_end that is
  /// not newer than the previous one, so a crawl must start after it.
  EpochSeconds last_completed() const { return last_completed_; }
  /// The crawl a previous run left unfinished, if any.
  const std::optional<Progress>& interrupted() const { return progress_; }

  /// Starts a crawl (discarding any interrupted one).
  bool Begin(const std::string& crawl_id, EpochSeconds started_at, std::string* error);
  /// Records one delivered page: its ids and the cursor of the page after it.
  bool RecordPage(const std::vector<std::string>& ids, const std::string& next_cursor,
                  std::string* error);
  bool RecordListingDone(std::string* error);
  bool RecordLookedUp(const std::string& id, std::string* error);
  /// The crawl ended (its crawl_end delivered): `known` becomes the ads known from now on.
  bool Complete(const std::set<std::string>& known, EpochSeconds completed_at, std::string* error);
  /// Forgets the crawl under way without ending it.
  bool Abandon(std::string* error);

  std::string known_path() const { return dir_.empty() ? "" : dir_ + "/" + base_ + ".known"; }
  std::string progress_path() const { return dir_.empty() ? "" : dir_ + "/" + base_ + ".progress"; }

 private:
  bool Append(const std::string& lines, std::string* error);

  std::string dir_, base_;
  std::set<std::string> known_;
  EpochSeconds last_completed_ = 0;
  std::optional<Progress> progress_;
  std::ofstream log_;
};

}  // namespace adwatch::crawl
