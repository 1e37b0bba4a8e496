// libFuzzer target: what adwatch itself still does with a client's bytes once libmicrohttpd
// has parsed the request — the request target's query decoding, the JSON API's parameter
// handling, the Basic credentials check (base64, control bytes, the verified-password cache,
// the per-client budget) and the UTF-8 repair of quoted values. Input: the request target on
// the first line, the Authorization header's value on the second, the client address on the
// third. It must never crash, hang or trip ASan/UBSan; the API answers 200 or 400 and its
// answer is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.h"
#include "export/ads_api.h"
#include "export/basic_auth.h"
#include "export/http_server.h"

namespace {

std::string_view NextLine(std::string_view* rest) {
  const std::size_t eol = rest->find('\n');
  const std::string_view line = rest->substr(0, eol);
  *rest = eol == std::string_view::npos ? std::string_view() : rest->substr(eol + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const adwatch::AdsApi api(
      adwatch::DefaultConfig(), [](const adwatch::AdFilter&, std::size_t, std::size_t) {
        adwatch::AdListing ad;
        ad.registry = "meta";
        ad.ad_id = "1";
        return adwatch::AdPage{3, std::vector<adwatch::AdListing>(3, ad)};
      });
  // prometheus:hunter2 at bcrypt cost 4; the budget keeps most inputs away from bcrypt.
  static adwatch::BasicAuth auth(adwatch::BasicAuth::Users{
      {"prometheus", "$2b$04$Q40hoXhdEwlr1ZWS8jpamuwqtBQmYV2pcNYkTRemsU9JFXju2g/wu"}});
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view target = NextLine(&rest);
  const std::string_view authorization = NextLine(&rest);
  const std::string_view client = NextLine(&rest);

  adwatch::HttpRequest request;
  request.method = "GET";
  const std::size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  request.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  const adwatch::HttpResponse response = api.Handle(request);
  if (response.status != 200 && response.status != 400) std::abort();
  if (adwatch::ValidUtf8OrReplaced(response.body) != response.body) std::abort();

  const std::string repaired = adwatch::ValidUtf8OrReplaced(target);
  if (adwatch::ValidUtf8OrReplaced(repaired) != repaired) std::abort();

  std::string credentials;
  if (authorization.substr(0, 6) == "Basic ") {
    adwatch::DecodeBase64(authorization.substr(6), &credentials);
  }
  const auto verdict = auth.Check(authorization, client);
  // Only the exact right password gets in; anything with a control byte never does.
  if (verdict == adwatch::BasicAuth::Result::kAllowed && credentials != "prometheus:hunter2") {
    std::abort();
  }
  return 0;
}
