// Helpers for the integration tests: a tiny HTTP client, a Prometheus text-format reader and
// promtool. Test-only; kept simple on purpose.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace adwatch::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

/// GET http://127.0.0.1:port/path; status 0 when the connection fails.
HttpResponse HttpGet(int port, const std::string& path);

/// Samples of a scrape keyed by `name{k="v",...}` with labels sorted by name.
using Samples = std::map<std::string, double>;
Samples ParseMetrics(const std::string& text);
std::string SampleKey(const std::string& name,
                      std::vector<std::pair<std::string, std::string>> labels);

/// Runs `promtool check metrics` on the text; returns its exit code, output in `output`.
int PromtoolCheckMetrics(const std::string& text, std::string* output);

/// The value in pence of a GBP sample, exactly (the exporter writes pence / 100).
long long Pence(double gbp);

}  // namespace adwatch::testing
