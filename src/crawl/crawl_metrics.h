// The crawlers' metrics (one place per family), in a prometheus::Registry that the command's
// listener exports as a collectable:
//   adwatch_crawl_pages_total{registry}                listing pages (Meta) / files (Google) read
//   adwatch_crawl_ads_total{registry,lookup}           observations produced (listing, by_id)
//   adwatch_crawl_rate_limit_waits_total{registry}     waits for the registry's rate limit
//   adwatch_crawl_errors_total{registry,kind}          kind ∈ {transient, rate_limit, auth,
//                                                      api, bad_row, kafka, state}
//   adwatch_crawl_last_success_timestamp_seconds{registry}  wall time of the last crawl_end sent
// Label values are fixed enums and registry names. Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace adwatch::crawl {

class CrawlMetrics {
 public:
  CrawlMetrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void Page(const std::string& registry);
  void Ads(const std::string& registry, const std::string& lookup, double n = 1);
  void RateLimitWait(const std::string& registry);
  void Error(const std::string& registry, const std::string& kind);
  void Success(const std::string& registry, double unix_seconds);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* pages_;
  prometheus::Family<prometheus::Counter>* ads_;
  prometheus::Family<prometheus::Counter>* waits_;
  prometheus::Family<prometheus::Counter>* errors_;
  prometheus::Family<prometheus::Gauge>* last_success_;
};

}  // namespace adwatch::crawl
