#include "crawl/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace adwatch::crawl {
namespace {

struct Transfer {
  HttpResult* result;
  std::size_t max_body;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* opaque) {
  auto* t = static_cast<Transfer*>(opaque);
  const std::size_t bytes = size * n;
  if (t->result->body.size() + bytes > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->result->body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* opaque) {
  auto* t = static_cast<Transfer*>(opaque);
  const std::size_t bytes = size * n;
  std::string line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) t->result->headers.clear();  // a new response (100-continue)
  const std::size_t colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  t->result->headers[name] = value;
  return bytes;
}

std::once_flag g_global_init;

}  // namespace

HttpClient::HttpClient(long timeout_seconds) : timeout_seconds_(timeout_seconds) {
  std::call_once(g_global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResult HttpClient::Get(const std::string& url, std::size_t max_body_bytes) {
  HttpResult result;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    result.error = "libcurl could not be initialised";
    return result;
  }
  Transfer transfer{&result, max_body_bytes};
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds_);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "adwatch-crawler/" ADWATCH_VERSION);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when offered
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    // curl_easy_strerror names the failure class only, never the URL.
    result.error = transfer.too_large ? "response body too large" : curl_easy_strerror(code);
    result.status = 0;
    result.body.clear();
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.status = static_cast<int>(status);
  return result;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace adwatch::crawl
