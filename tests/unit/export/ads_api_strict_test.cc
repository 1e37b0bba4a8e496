// The JSON API at the edge: unknown registries answer 400 naming the value, and a client's
// bytes quoted in an error are valid UTF-8 (invalid sequences replaced), in valid JSON.
#include <gtest/gtest.h>

#include "core/rapidjson.h"
#include "export/ads_api.h"
#include "export/http_server.h"

namespace adwatch {
namespace {

HttpResponse Get(const std::string& query) {
  static const AdsApi api(Config{},
                          [](const AdFilter&, std::size_t, std::size_t) { return AdPage{}; });
  return api.Handle(HttpRequest{"GET", "/api/v1/ads", query});
}

// The error message of a 400, parsed as strict UTF-8 JSON.
std::string ErrorOf(const HttpResponse& r) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(r.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << r.body;
  if (doc.HasParseError() || !doc.HasMember("error")) return "";
  return doc["error"].GetString();
}

TEST(AdsApiStrictTest, UnknownRegistryAnswers400NamingIt) {
  EXPECT_EQ(Get("registry=meta").status, 200);
  EXPECT_EQ(Get("registry=google").status, 200);
  const HttpResponse r = Get("registry=%3Cscript%3E");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(ErrorOf(r), "unknown registry: <script> (meta or google)");
  EXPECT_EQ(Get("registry=").status, 400);
  EXPECT_EQ(Get("registry=META").status, 400);
}

TEST(AdsApiStrictTest, InvalidUtf8InAParameterIsNeverEchoedRaw) {
  for (const char* query :
       {"party=%FF%FE", "party=ab%C0%AF", "registry=%ED%A0%80", "%FF=1", "state=%E2%82"}) {
    const HttpResponse r = Get(query);
    EXPECT_EQ(r.status, 400) << query;
    const std::string error = ErrorOf(r);
    EXPECT_NE(error.find("\xEF\xBF\xBD"), std::string::npos) << query << " " << r.body;
    EXPECT_EQ(ValidUtf8OrReplaced(r.body), r.body) << query;
  }
}

}  // namespace
}  // namespace adwatch
