// Decoding one realistic ~1.5 KB Meta observation (JSON and protobuf), and a crawl_end.
#include <benchmark/benchmark.h>

#include <string>

#include "decode/decoder.h"
#if __has_include("adwatch/v1/observation.pb.h")
#include "adwatch/v1/observation.pb.h"
#else
#include "observation.pb.h"
#endif

namespace adwatch {
namespace {

// A Meta ArchivedAd as the API returns it, with the fields adwatch ignores.
constexpr std::string_view kObservation = R"({"kind":"observation","registry":"meta",
"observed_at":"2019-12-09T06:12:00Z","crawl_id":"meta-GB-2019-12-09T06","lookup":"listing",
"status":"present","scope":"GB","ad":{"id":"461290581348812","page_id":"8807334278",
"page_name":"Conservatives","bylines":"Conservative and Unionist Party",
"ad_creation_time":"2019-11-30","ad_creative_bodies":["Get Brexit done. Vote Conservative on 12 December. A majority Conservative government will get Brexit done in January and unleash Britain's potential, investing in the NHS, schools and police."],
"ad_creative_link_titles":["Get Brexit Done"],"ad_creative_link_captions":["vote.conservatives.com"],
"ad_creative_link_descriptions":["Find out where to vote on Thursday 12 December"],
"ad_delivery_start_time":"2019-12-01","currency":"GBP",
"ad_snapshot_url":"https://www.facebook.com/ads/archive/render_ad/?id=461290581348812&access_token=EAAB1234567890abcdefghijklmnopqrstuvwxyzEAAB1234567890abcdefghijklmnop",
"spend":{"lower_bound":"1000","upper_bound":"4999"},
"impressions":{"lower_bound":"50000","upper_bound":"99999"},
"estimated_audience_size":{"lower_bound":"1000000","upper_bound":"5000000"},
"delivery_by_region":[{"region":"England","percentage":"0.8412"},{"region":"Scotland","percentage":"0.0801"},{"region":"Wales","percentage":"0.0493"},{"region":"Northern Ireland","percentage":"0.0294"}],
"demographic_distribution":[{"age":"18-24","gender":"female","percentage":"0.05"},{"age":"18-24","gender":"male","percentage":"0.06"},{"age":"25-34","gender":"female","percentage":"0.11"},{"age":"25-34","gender":"male","percentage":"0.12"},{"age":"35-44","gender":"female","percentage":"0.1"},{"age":"35-44","gender":"male","percentage":"0.1"},{"age":"45-54","gender":"female","percentage":"0.1"}],
"publisher_platforms":["facebook","instagram"],"languages":["en"]}})";

class FixedClock final : public Clock {
 public:
  EpochSeconds Now() const override { return 1575936000; }
};

void BM_DecodeJsonObservation(benchmark::State& state) {
  FixedClock clock;
  auto decoder = MakeJsonDecoder(DecoderOptions{}, clock);
  for (auto _ : state) {
    DecodeResult r = decoder->Decode(kObservation);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kObservation.size()));
}
BENCHMARK(BM_DecodeJsonObservation);

void BM_DecodeJsonCrawlEnd(benchmark::State& state) {
  FixedClock clock;
  auto decoder = MakeJsonDecoder(DecoderOptions{}, clock);
  const std::string_view msg =
      R"({"kind":"crawl_end","registry":"meta","crawl_id":"meta-GB-2019-12-09T06","scope":"GB",
"started_at":"2019-12-09T06:00:00Z","completed_at":"2019-12-09T06:55:00Z","ads_listed":110822})";
  for (auto _ : state) {
    DecodeResult r = decoder->Decode(msg);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeJsonCrawlEnd);

void BM_DecodeProtobufObservation(benchmark::State& state) {
  FixedClock clock;
  auto decoder = MakeProtobufDecoder(DecoderOptions{}, clock);
  v1::Envelope env;
  v1::Observation* o = env.mutable_observation();
  o->set_registry("meta");
  o->set_observed_at("2019-12-09T06:12:00Z");
  o->set_crawl_id("meta-GB-2019-12-09T06");
  o->set_scope("GB");
  v1::Ad* ad = o->mutable_ad();
  ad->set_id("461290581348812");
  ad->set_page_id("8807334278");
  ad->set_page_name("Conservatives");
  ad->set_bylines("Conservative and Unionist Party");
  ad->add_ad_creative_bodies(
      "Get Brexit done. Vote Conservative on 12 December. A majority Conservative government "
      "will get Brexit done in January and unleash Britain's potential, investing in the NHS, "
      "schools and police.");
  ad->add_ad_creative_link_titles("Get Brexit Done");
  ad->add_ad_creative_link_captions("vote.conservatives.com");
  ad->add_ad_creative_link_descriptions("Find out where to vote on Thursday 12 December");
  ad->set_ad_delivery_start_time("2019-12-01");
  ad->set_currency("GBP");
  ad->mutable_spend()->set_lower_bound("1000");
  ad->mutable_spend()->set_upper_bound("4999");
  const std::string bytes = env.SerializeAsString();
  for (auto _ : state) {
    DecodeResult r = decoder->Decode(bytes);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecodeProtobufObservation);

void BM_RejectDeepNesting(benchmark::State& state) {
  FixedClock clock;
  auto decoder = MakeJsonDecoder(DecoderOptions{}, clock);
  const std::string deep(1'000'000, '[');
  for (auto _ : state) {
    DecodeResult r = decoder->Decode(deep);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RejectDeepNesting);

}  // namespace
}  // namespace adwatch
