// A blocking HTTP GET client over libcurl for the registry crawlers. Keeps the response body
// and the headers the crawlers read (rate-limit usage). Follows no redirects, times out (connect
// 10 s, whole transfer `timeout_seconds`), verifies TLS peers. Error texts never contain the
// URL (its query holds the access token).
// Thread-safety: one instance per thread.
#pragma once

#include <map>
#include <string>

namespace adwatch::crawl {

struct HttpResult {
  int status = 0;     // 0: no HTTP answer (connection failed, timed out); see `error`
  std::string error;  // transport error, empty when an answer arrived
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
};

class HttpClient {
 public:
  explicit HttpClient(long timeout_seconds = 120);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// GET `url`; bodies over `max_body_bytes` end the transfer with an error.
  HttpResult Get(const std::string& url, std::size_t max_body_bytes = 64 << 20);

 private:
  void* curl_ = nullptr;  // CURL*
  long timeout_seconds_;
};

/// `s` percent-encoded for a URL query value (RFC 3986 unreserved kept).
std::string UrlEncode(const std::string& s);

}  // namespace adwatch::crawl
