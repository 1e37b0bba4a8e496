#include "app/cmd_crawl.h"

#include <chrono>
#include <thread>

#include "config/config.h"
#include "core/log.h"
#include "crawl/crawl_state.h"
#include "export/http_server.h"
#include "source/replay.h"

namespace adwatch {
namespace {

// What both crawlers share: the producer, the state, the listener, the schedule.
class CrawlRunner {
 public:
  CrawlRunner(const CrawlCommandOptions& options, std::ostream& out, std::ostream& err,
              const std::atomic<bool>& stop)
      : options_(options), out_(out), err_(err), stop_(stop) {}

  // 0 when ready; else the exit code.
  int Setup(const std::string& registry, const std::string& scope) {
    registry_ = registry;
    if (options_.brokers.empty() || options_.topic.empty()) {
      err_ << "adwatch crawl: --brokers and --topic are required\n";
      return 2;
    }
    std::string error;
    state_ = crawl::CrawlState::Open(options_.state_dir, registry, scope, &error);
    if (!state_) {
      err_ << "adwatch crawl: " << error << "\n";
      return 1;
    }
    ReplayOptions ro;
    ro.brokers = options_.brokers;
    ro.topic = options_.topic;
    ro.stop = &stop_;
    producer_ = Replayer::Create(ro, &error);
    if (!producer_) {
      err_ << "adwatch crawl: " << error << "\n";
      return 1;
    }
    if (!options_.listen.empty()) {
      server_ = std::make_unique<HttpServer>(
          std::vector<std::shared_ptr<prometheus::Collectable>>{metrics_.registry()},
          []() -> std::optional<std::string> { return std::nullopt; });
      if (!server_->Start(options_.listen, &error)) {
        err_ << "adwatch crawl: cannot listen on " << options_.listen << ": " << error << "\n";
        return 1;
      }
      Log(LogLevel::kInfo, "crawl_listening",
          {{"address", options_.listen}, {"port", std::to_string(server_->port())}});
    }
    io_.send = [this](const std::string& line) { return producer_->Send(line); };
    io_.flush = [this] {
      const std::int64_t before = producer_->stats().delivery_errors;
      return producer_->Flush(60000) && producer_->stats().delivery_errors == before;
    };
    io_.get = [this](const std::string& url) { return http_.Get(url); };
    io_.sleep = [this](double seconds) { return Sleep(seconds); };
    io_.clock = &clock_;
    io_.metrics = &metrics_;
    io_.stop = &stop_;
    return 0;
  }

  bool Sleep(double seconds) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(seconds));
    while (!stop_.load()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - now, std::chrono::milliseconds(100)));
    }
    return false;
  }

  // Runs `crawl` once or every interval; the exit code.
  int Loop(const std::function<crawl::CrawlReport(crawl::CrawlState&, crawl::CrawlIo&)>& crawl) {
    int code = 0;
    for (;;) {
      const auto started = std::chrono::steady_clock::now();
      const crawl::CrawlReport r = crawl(*state_, io_);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const char* outcome = r.outcome == crawl::CrawlOutcome::kCompleted     ? "completed"
                            : r.outcome == crawl::CrawlOutcome::kInterrupted ? "interrupted"
                            : r.outcome == crawl::CrawlOutcome::kAuthFailed  ? "auth_failed"
                                                                             : "failed";
      out_ << "crawled registry=" << registry_ << " crawl_id=" << r.crawl_id
           << " outcome=" << outcome << " resumed=" << (r.resumed ? "true" : "false")
           << " pages=" << r.pages << " listed=" << r.listed << " missing=" << r.missing
           << " by_id_present=" << r.by_id_present << " not_found=" << r.not_found
           << " bad_rows=" << r.bad_rows << " rate_limit_waits=" << r.rate_limit_waits
           << " retries=" << r.retries << " messages=" << r.messages
           << " seconds=" << static_cast<long long>(seconds) << std::endl;
      if (r.outcome == crawl::CrawlOutcome::kAuthFailed) {
        err_ << "adwatch crawl " << registry_ << ": " << r.error
             << "; renew the access token (the crawl stays resumable)\n";
        return 1;
      }
      if (r.outcome == crawl::CrawlOutcome::kFailed) {
        err_ << "adwatch crawl " << registry_ << ": " << r.error << "\n";
        code = 1;
        if (options_.interval_seconds <= 0) return code;
      }
      if (r.outcome == crawl::CrawlOutcome::kInterrupted || stop_.load()) return code;
      if (options_.interval_seconds <= 0) return code;
      if (!Sleep(options_.interval_seconds)) return code;
    }
  }

 private:
  const CrawlCommandOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  const std::atomic<bool>& stop_;
  std::string registry_;
  SystemClock clock_;
  crawl::CrawlMetrics metrics_;
  crawl::HttpClient http_;
  crawl::CrawlIo io_;
  std::unique_ptr<crawl::CrawlState> state_;
  std::unique_ptr<Replayer> producer_;
  std::unique_ptr<HttpServer> server_;
};

bool IsDate(const std::string& s) {
  return s.empty() || (s.size() == 10 && ParseDateOrTimestamp(s).has_value());
}

}  // namespace

int CrawlMetaCommand(const CrawlCommandOptions& options, crawl::MetaCrawlOptions meta,
                     const std::string& token_ref, std::ostream& out, std::ostream& err,
                     const std::atomic<bool>& stop) {
  std::vector<std::string> problems;
  const auto token = ExpandSecretReferences(token_ref, &problems);
  if (!token || token->empty()) {
    err << "adwatch crawl meta: no access token: "
        << (problems.empty() ? std::string("--token is empty") : problems.front()) << "\n";
    return 2;
  }
  meta.access_token = *token;
  if (!IsDate(meta.delivery_date_min) || !IsDate(meta.delivery_date_max)) {
    err << "adwatch crawl meta: --delivery-date-min/--delivery-date-max must be YYYY-MM-DD\n";
    return 2;
  }
  if (meta.search_page_ids.size() > 10) {
    err << "adwatch crawl meta: the API takes at most 10 --search-page-ids\n";
    return 2;
  }
  CrawlRunner runner(options, out, err, stop);
  if (const int code = runner.Setup("meta", meta.country); code != 0) return code;
  return runner.Loop([&meta](crawl::CrawlState& state, crawl::CrawlIo& io) {
    return crawl::CrawlMeta(meta, state, io);
  });
}

int CrawlGoogleCommand(const CrawlCommandOptions& options, crawl::GoogleCrawlOptions google,
                       const std::string& path, std::ostream& out, std::ostream& err,
                       const std::atomic<bool>& stop) {
  CrawlRunner runner(options, out, err, stop);
  if (const int code = runner.Setup("google", google.country); code != 0) return code;
  return runner.Loop([&google, &path](crawl::CrawlState& state, crawl::CrawlIo& io) {
    return crawl::CrawlGoogle(google, path, state, io);
  });
}

}  // namespace adwatch
