#include "crawl/crawl_metrics.h"

namespace adwatch::crawl {

CrawlMetrics::CrawlMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  pages_ = &prometheus::BuildCounter()
                .Name("adwatch_crawl_pages_total")
                .Help("Listing pages (Meta) or files (Google) the crawler read")
                .Register(*registry_);
  ads_ = &prometheus::BuildCounter()
              .Name("adwatch_crawl_ads_total")
              .Help("Observations the crawler produced, by lookup (listing, by_id)")
              .Register(*registry_);
  waits_ = &prometheus::BuildCounter()
                .Name("adwatch_crawl_rate_limit_waits_total")
                .Help("Times the crawler waited for the registry's rate limit")
                .Register(*registry_);
  errors_ = &prometheus::BuildCounter()
                 .Name("adwatch_crawl_errors_total")
                 .Help(
                     "Crawler errors by kind (transient, rate_limit, auth, api, bad_row, kafka, "
                     "state)")
                 .Register(*registry_);
  last_success_ = &prometheus::BuildGauge()
                       .Name("adwatch_crawl_last_success_timestamp_seconds")
                       .Help("Wall time of the crawler's last completed crawl (crawl_end sent)")
                       .Register(*registry_);
}

void CrawlMetrics::Page(const std::string& registry) {
  pages_->Add({{"registry", registry}}).Increment();
}

void CrawlMetrics::Ads(const std::string& registry, const std::string& lookup, double n) {
  ads_->Add({{"registry", registry}, {"lookup", lookup}}).Increment(n);
}

void CrawlMetrics::RateLimitWait(const std::string& registry) {
  waits_->Add({{"registry", registry}}).Increment();
}

void CrawlMetrics::Error(const std::string& registry, const std::string& kind) {
  errors_->Add({{"registry", registry}, {"kind", kind}}).Increment();
}

void CrawlMetrics::Success(const std::string& registry, double unix_seconds) {
  last_success_->Add({{"registry", registry}}).Set(unix_seconds);
}

}  // namespace adwatch::crawl
