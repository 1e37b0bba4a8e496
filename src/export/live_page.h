// The live page of the HTTP listener, for viewing adwatch with nothing else installed: `/`
// serves one self-contained HTML page (src/export/live_page.html, embedded at build time; plain
// JS drawing on canvas, no external network) that polls two JSON documents:
//   /api/v1/summary  campaign-to-date and window spend per party (lower/upper/mid), limits,
//                    theme mix, registry availability, active incidents, message outcomes;
//   /api/v1/history  campaign-to-date mid spend per party at sampled watermarks, oldest first.
// History is a bounded buffer: Sample() records a point each call while there is room; when it
// is full every other point is dropped and from then on only every 2nd (4th, ...) call records,
// so the whole run stays covered at a coarser resolution in at most `capacity` points.
// In the monitor a snapshot is a copy of the figures the consumer last published (never the
// ingestion lock); still only the sampler takes them: both JSON documents are served from the
// latest sample (however many pages poll), and the sampler waits at least 20 times as long as
// its last snapshot took.
// Thread-safety: Sample and the handlers may run concurrently (one internal mutex); the sampler
// thread is started by StartSampling and stopped by the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "export/figures_collector.h"
#include "export/http_server.h"
#include "state/figures.h"

namespace adwatch {

class LivePage {
 public:
  /// Active operational incidents (partition incidents, fatal errors) as sentences.
  using IncidentSource = std::function<std::vector<std::string>()>;

  /// `names` gives the label values and limits of the entity/theme/window slots of a snapshot.
  LivePage(std::shared_ptr<const FiguresCollector> names, std::function<Figures()> snapshot,
           IncidentSource incidents, std::size_t capacity = 512);
  ~LivePage();
  LivePage(const LivePage&) = delete;
  LivePage& operator=(const LivePage&) = delete;

  /// Registers `/`, `/api/v1/summary` and `/api/v1/history` on `server` (before its Start).
  void Install(HttpServer& server);
  /// Calls Sample() every `period_ms` on a thread of its own until destruction.
  void StartSampling(int period_ms);

  /// Takes a snapshot for the JSON documents and records its campaign-to-date figures in the
  /// history (not before the first watermark).
  void Sample();

  std::string SummaryJson() const;
  std::string HistoryJson() const;
  /// The embedded page.
  static std::string_view Html();

 private:
  struct Point {
    EpochSeconds watermark;
    std::vector<Pence> mid;  // [entity]
  };

  std::shared_ptr<const FiguresCollector> names_;
  std::function<Figures()> snapshot_;
  IncidentSource incidents_;
  std::size_t capacity_;

  /// The latest sample, or a fresh snapshot before the first one.
  Figures Latest() const;

  mutable std::mutex mu_;  // guards everything below
  std::optional<Figures> latest_;
  std::chrono::steady_clock::duration snapshot_cost_{};
  std::vector<Point> history_;
  std::uint64_t calls_ = 0;
  std::uint64_t stride_ = 1;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread sampler_;
};

}  // namespace adwatch
