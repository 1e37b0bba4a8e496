// libFuzzer target: the whole per-message path — decode → attribute → classify → ledger →
// windows → registry reconciliation → figures — with the built-in config. The input is split
// into messages at newlines and spread over two partitions, so sightings of the same ad, crawl
// ends and rejections interact. Figures are rendered as a scrape would (for 1 input in 8); then
// both partitions are dropped, so each input starts from empty state (the pipeline itself is
// built once: compiling the theme patterns takes ~0.5 s). A line `KEY<TAB>VALUE` is produced
// under KEY; any other is keyed as `adwatch replay` keys it (observations `registry:id`,
// reports `registry:advertiser_id`), but every 8th message with a wrong key (key_mismatch).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "app/pipeline.h"
#include "config/config.h"
#include "decode/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const adwatch::ManualClock clock(1575936000);  // 2019-12-10T00:00:00Z
  static adwatch::Pipeline pipeline(adwatch::DefaultConfig(), clock);
  // Keys as the producers send them: the body's `registry:id` (crawl_end and bad bodies unkeyed).
  static const auto decoder = adwatch::MakeJsonDecoder(
      adwatch::DecoderOptions{adwatch::DefaultConfig().limits, adwatch::DefaultConfig().currency},
      clock);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::int64_t offset = 0;
  while (!rest.empty() && offset < 64) {
    const std::size_t nl = rest.find('\n');
    std::string_view value = rest.substr(0, nl);
    std::string key = "meta:k";
    if (const std::size_t tab = value.find('\t'); tab != std::string_view::npos) {
      key = std::string(value.substr(0, tab));
      value.remove_prefix(tab + 1);
    } else if (offset % 8 != 7) {
      key.clear();
      const adwatch::DecodeResult decoded = decoder->Decode(value);
      if (const auto* m = std::get_if<adwatch::Message>(&decoded)) {
        if (const auto* o = std::get_if<adwatch::Observation>(m)) {
          key = o->registry + ":" + o->ad_id;
        } else if (const auto* r = std::get_if<adwatch::Report>(m)) {
          key = r->registry + ":" + r->advertiser_id;
        }
      }
    }
    pipeline.Process(
        adwatch::InputRecord{"fuzz", static_cast<std::int32_t>(offset % 2), offset, key, value});
    ++offset;
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  // Rendering every family costs ~5 ms under ASan, 10x the rest: done for one input in 8
  // (chosen by size, so a crash reproduces from its input alone).
  if (size % 8 == 0) {
    pipeline.Publish();  // scrapes read the published figures (the monitor's consumer publishes)
    (void)pipeline.collector()->Collect();
  }
  pipeline.DropPartition(0);
  pipeline.DropPartition(1);
  return 0;
}
