// The `report` message kind (the registries' own reports): JSON and protobuf decode alike, under
// the same validation.
#include <gtest/gtest.h>

#include <string>

#include "decode/decoder.h"
#include "decode_test_util.h"
#if __has_include("adwatch/v1/observation.pb.h")
#include "adwatch/v1/observation.pb.h"
#else
#include "observation.pb.h"
#endif

namespace adwatch {
namespace {

using namespace testing_decode;  // NOLINT

// The issue's example.
constexpr std::string_view kReportExample =
    R"({"kind":"report","registry":"google","observed_at":"2019-12-10T06:00:00Z",
 "release":"google-2019-12-10","report":"weekly",
 "advertiser_id":"AR488306308034854912","advertiser_name":"Conservative and Unionist Party",
 "disclaimer":null,"period_start":"2019-12-01","period_end":"2019-12-07",
 "amount_lower_pence":1230000,"amount_upper_pence":1230000,"ads_in_library":null})";

Report ReportOf(const DecodeResult& r) {
  const auto* m = std::get_if<Message>(&r);
  EXPECT_NE(m, nullptr) << Describe(r);
  if (m == nullptr || !std::holds_alternative<Report>(*m)) {
    ADD_FAILURE() << "not a report: " << Describe(r);
    return {};
  }
  return std::get<Report>(*m);
}

std::string With(std::string_view field, std::string_view value) {
  std::string s(kReportExample);
  const std::string key = "\"" + std::string(field) + "\":";
  const auto at = s.find(key);
  EXPECT_NE(at, std::string::npos) << field;
  const auto begin = at + key.size();
  const auto end = s.find_first_of(",}", begin);
  return s.replace(begin, end - begin, value);
}

class ReportDecodeTest : public ::testing::Test {
 protected:
  DecodeResult Json(std::string_view text) { return json_->Decode(text); }
  DecoderOptions options_ = TestOptions();
  ManualClock clock_{kNow + 86400};
  std::unique_ptr<Decoder> json_ = MakeJsonDecoder(options_, clock_);
  std::unique_ptr<Decoder> proto_ = MakeProtobufDecoder(options_, clock_);
};

TEST_F(ReportDecodeTest, TheExampleDecodes) {
  const Report r = ReportOf(Json(kReportExample));
  EXPECT_EQ(r.registry, "google");
  EXPECT_EQ(r.observed_at, *ParseTimestamp("2019-12-10T06:00:00Z"));
  EXPECT_EQ(r.release, "google-2019-12-10");
  EXPECT_EQ(r.kind, ReportKind::kWeekly);
  EXPECT_EQ(r.advertiser_id, "AR488306308034854912");
  EXPECT_EQ(r.advertiser_name, "Conservative and Unionist Party");
  EXPECT_EQ(r.disclaimer, "");
  EXPECT_EQ(r.period_start, *ParseDateOrTimestamp("2019-12-01"));
  EXPECT_EQ(r.period_end, *ParseDateOrTimestamp("2019-12-07"));
  EXPECT_EQ(r.amount, (SpendRange{1230000, 1230000, false}));
  EXPECT_FALSE(r.ads_in_library.has_value());
}

TEST_F(ReportDecodeTest, ToDateOpenEndedAndAdsCount) {
  std::string text(kReportExample);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"weekly\"", "\"to_date\""},
                                 {"\"period_start\":\"2019-12-01\"", "\"period_start\":null"},
                                 {"\"amount_upper_pence\":1230000", "\"amount_upper_pence\":null"},
                                 {"\"ads_in_library\":null", "\"ads_in_library\":\"42\""}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const Report r = ReportOf(Json(text));
  EXPECT_EQ(r.kind, ReportKind::kToDate);
  EXPECT_FALSE(r.period_start.has_value());
  EXPECT_TRUE(r.amount.open_ended);
  EXPECT_EQ(r.amount.upper, r.amount.lower);
  EXPECT_EQ(r.ads_in_library, 42);
}

TEST_F(ReportDecodeTest, BadFieldsAreRejectedWithTheirReason) {
  EXPECT_EQ(ReasonOf(Json(With("report", R"("monthly")"))), RejectReason::kBadValue);
  EXPECT_EQ(ReasonOf(Json(With("release", "null"))), RejectReason::kMissingField);
  EXPECT_EQ(ReasonOf(Json(With("advertiser_id", R"("")"))), RejectReason::kBadValue);
  EXPECT_EQ(ReasonOf(Json(With("period_start", "null"))), RejectReason::kMissingField);  // weekly
  EXPECT_EQ(ReasonOf(Json(With("period_end", R"("2019-12-7")"))), RejectReason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(Json(With("period_end", R"("2019-11-30")"))), RejectReason::kBadValue);
  EXPECT_EQ(ReasonOf(Json(With("amount_lower_pence", "-1"))), RejectReason::kBadAmount);
  EXPECT_EQ(ReasonOf(Json(With("amount_lower_pence", "12.5"))), RejectReason::kBadAmount);
  EXPECT_EQ(ReasonOf(Json(With("amount_lower_pence", "null"))), RejectReason::kMissingField);
  EXPECT_EQ(ReasonOf(Json(With("amount_upper_pence", "100"))), RejectReason::kBadAmount);
  EXPECT_EQ(ReasonOf(Json(With("ads_in_library", "-3"))), RejectReason::kBadValue);
  EXPECT_EQ(ReasonOf(Json(With("observed_at", R"("2030-01-01T00:00:00Z")"))),
            RejectReason::kFutureTimestamp);
  EXPECT_EQ(ReasonOf(Json(With("registry", R"("tiktok")"))), RejectReason::kUnknownRegistry);
}

TEST_F(ReportDecodeTest, ProtobufDecodesTheSame) {
  v1::Envelope env;
  v1::Report* r = env.mutable_report();
  r->set_registry("google");
  r->set_observed_at("2019-12-10T06:00:00Z");
  r->set_release("google-2019-12-10");
  r->set_report("weekly");
  r->set_advertiser_id("AR488306308034854912");
  r->set_advertiser_name("Conservative and Unionist Party");
  r->set_period_start("2019-12-01");
  r->set_period_end("2019-12-07");
  r->set_amount_lower_pence(1230000);
  r->set_amount_upper_pence(1230000);
  const Report a = ReportOf(proto_->Decode(env.SerializeAsString()));
  const Report b = ReportOf(Json(kReportExample));
  EXPECT_EQ(a.registry, b.registry);
  EXPECT_EQ(a.observed_at, b.observed_at);
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.advertiser_id, b.advertiser_id);
  EXPECT_EQ(a.advertiser_name, b.advertiser_name);
  EXPECT_EQ(a.period_start, b.period_start);
  EXPECT_EQ(a.period_end, b.period_end);
  EXPECT_EQ(a.amount, b.amount);
  r->set_amount_lower_pence(-5);
  EXPECT_EQ(ReasonOf(proto_->Decode(env.SerializeAsString())), RejectReason::kBadAmount);
  r->set_amount_lower_pence(5);
  r->set_report("daily");
  EXPECT_EQ(ReasonOf(proto_->Decode(env.SerializeAsString())), RejectReason::kBadValue);
}

}  // namespace
}  // namespace adwatch
