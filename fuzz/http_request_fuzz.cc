// libFuzzer target: what the metrics listener does with the bytes a client sends, short of the
// sockets — the request head parser, query decoding, the Basic credentials decoder and the
// JSON API's parameter handling. It must never crash, hang or trip ASan/UBSan, and the API
// answers every request with 200 or 400.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.h"
#include "export/ads_api.h"
#include "export/basic_auth.h"
#include "export/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const adwatch::AdsApi api(
      adwatch::DefaultConfig(), [](const adwatch::AdFilter&, std::size_t, std::size_t) {
        adwatch::AdListing ad;
        ad.registry = "meta";
        ad.ad_id = "1";
        return adwatch::AdPage{3, std::vector<adwatch::AdListing>(3, ad)};
      });
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  adwatch::ParsedRequest parsed;
  if (!adwatch::ParseRequestHead(bytes.substr(0, bytes.find("\r\n\r\n")), &parsed)) return 0;
  std::string credentials;
  const std::string_view auth = parsed.authorization;
  if (auth.substr(0, 6) == "Basic ") adwatch::DecodeBase64(auth.substr(6), &credentials);
  const adwatch::HttpResponse response = api.Handle(parsed.request);
  if (response.status != 200 && response.status != 400) std::abort();
  return 0;
}
