// libFuzzer target: one decoder (JSON or protobuf, chosen at build time by ADWATCH_FUZZ_FORMAT)
// on arbitrary bytes. It must never crash, hang or trip ASan/UBSan, and every input must end as
// a message or a rejection with a detail short enough to log.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "decode/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const adwatch::ManualClock clock(1575936000);  // 2019-12-10T00:00:00Z
  static const auto decoder = adwatch::MakeDecoder(
      ADWATCH_FUZZ_FORMAT,
      adwatch::DecoderOptions{adwatch::DefaultConfig().limits, adwatch::DefaultConfig().currency},
      clock);
  const adwatch::DecodeResult result =
      decoder->Decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (const auto* rejection = std::get_if<adwatch::Rejection>(&result)) {
    if (rejection->detail.size() > 4096) std::abort();  // details are short, never the payload
  }
  return 0;
}
