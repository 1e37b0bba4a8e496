#include "crawl/crawl_state.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace adwatch::crawl {
namespace {

constexpr const char* kKnownHeader = "adwatch-crawl-known v1";

std::string Errno() { return std::strerror(errno); }

}  // namespace

std::unique_ptr<CrawlState> CrawlState::Open(const std::string& dir, const std::string& registry,
                                             const std::string& scope, std::string* error) {
  std::unique_ptr<CrawlState> state(new CrawlState());
  state->dir_ = dir;
  state->base_ = registry + "-" + scope;
  if (dir.empty()) return state;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create state directory " + dir + ": " + ec.message();
    return nullptr;
  }
  {
    std::ifstream in(state->known_path());
    if (in) {
      std::string line;
      std::int64_t n = 0;
      while (std::getline(in, line)) {
        ++n;
        if (n == 1) {
          if (line != kKnownHeader) {
            *error = state->known_path() + ":1: not an adwatch crawl state file";
            return nullptr;
          }
          continue;
        }
        if (line.rfind("completed ", 0) == 0) {
          const auto t = ParseTimestamp(line.substr(10));
          if (!t) {
            *error = state->known_path() + ":" + std::to_string(n) + ": bad completed time";
            return nullptr;
          }
          state->last_completed_ = *t;
          continue;
        }
        if (!line.empty()) state->known_.insert(line);
      }
      if (in.bad()) {
        *error = "cannot read " + state->known_path();
        return nullptr;
      }
    }
  }
  std::ifstream in(state->progress_path());
  if (in) {
    Progress p;
    std::string line;
    std::int64_t n = 0;
    std::set<std::string> page;  // ids of a page whose cursor was not recorded: re-listed
    while (std::getline(in, line)) {
      ++n;
      const std::size_t space = line.find(' ');
      const std::string verb = line.substr(0, space);
      const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
      if (n == 1) {
        std::istringstream fields(arg);
        std::string id, started;
        fields >> id >> started;
        const auto t = ParseTimestamp(started);
        if (verb != "crawl" || id.empty() || !t) {
          *error = state->progress_path() + ":1: expected `crawl ID STARTED_AT`";
          return nullptr;
        }
        p.crawl_id = id;
        p.started_at = *t;
      } else if (verb == "id") {
        page.insert(arg);
      } else if (verb == "cursor") {
        p.listed.insert(page.begin(), page.end());
        page.clear();
        p.cursor = arg;
      } else if (verb == "listed") {
        p.listed.insert(page.begin(), page.end());
        page.clear();
        p.listing_done = true;
      } else if (verb == "looked") {
        p.looked_up.insert(arg);
      } else if (!(verb.empty() && in.eof())) {  // a torn last line is ignored
        *error =
            state->progress_path() + ":" + std::to_string(n) + ": unknown record `" + verb + "`";
        return nullptr;
      }
    }
    if (n > 0) state->progress_ = std::move(p);
  }
  return state;
}

bool CrawlState::Append(const std::string& lines, std::string* error) {
  if (dir_.empty()) return true;
  if (!log_.is_open()) {
    log_.open(progress_path(), std::ios::app | std::ios::binary);
    if (!log_) {
      *error = "cannot write " + progress_path() + ": " + Errno();
      return false;
    }
  }
  log_ << lines;
  log_.flush();
  if (!log_) {
    *error = "cannot write " + progress_path() + ": " + Errno();
    return false;
  }
  return true;
}

bool CrawlState::Begin(const std::string& crawl_id, EpochSeconds started_at, std::string* error) {
  if (!Abandon(error)) return false;
  progress_ = Progress{};
  progress_->crawl_id = crawl_id;
  progress_->started_at = started_at;
  return Append("crawl " + crawl_id + " " + FormatTimestamp(started_at) + "\n", error);
}

bool CrawlState::RecordPage(const std::vector<std::string>& ids, const std::string& next_cursor,
                            std::string* error) {
  std::string lines;
  for (const auto& id : ids) {
    lines += "id " + id + "\n";
    progress_->listed.insert(id);
  }
  lines += "cursor " + next_cursor + "\n";
  progress_->cursor = next_cursor;
  return Append(lines, error);
}

bool CrawlState::RecordListingDone(std::string* error) {
  progress_->listing_done = true;
  return Append("listed\n", error);
}

bool CrawlState::RecordLookedUp(const std::string& id, std::string* error) {
  progress_->looked_up.insert(id);
  return Append("looked " + id + "\n", error);
}

bool CrawlState::Complete(const std::set<std::string>& known, EpochSeconds completed_at,
                          std::string* error) {
  known_ = known;
  last_completed_ = completed_at;
  if (!dir_.empty()) {
    const std::string tmp = known_path() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
      out << kKnownHeader << "\n"
          << "completed " << FormatTimestamp(completed_at) << "\n";
      for (const auto& id : known_) out << id << "\n";
      out.flush();
      if (!out) {
        *error = "cannot write " + tmp + ": " + Errno();
        return false;
      }
    }
    if (std::rename(tmp.c_str(), known_path().c_str()) != 0) {
      *error = "cannot rename " + tmp + ": " + Errno();
      return false;
    }
  }
  return Abandon(error);
}

bool CrawlState::Abandon(std::string* error) {
  progress_.reset();
  if (log_.is_open()) log_.close();
  if (dir_.empty()) return true;
  if (std::remove(progress_path().c_str()) != 0 && errno != ENOENT) {
    *error = "cannot remove " + progress_path() + ": " + Errno();
    return false;
  }
  return true;
}

}  // namespace adwatch::crawl
