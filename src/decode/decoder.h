// Decoders turn one Kafka message value into an Observation or CrawlEnd, or a Rejection with
// its reason. They never throw and never crash on any input.
#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "core/observation.h"
#include "core/reject_reason.h"
#include "core/time.h"

namespace adwatch {

using DecodeResult = std::variant<Message, Rejection>;

struct DecoderOptions {
  LimitsConfig limits;
  CurrencyConfig currency;
};

/// Thread-safety: one decoder per thread (it reuses parse buffers between calls).
class Decoder {
 public:
  virtual ~Decoder() = default;
  DecodeResult Decode(std::string_view payload) {
    DecodeResult result;
    DecodeInto(payload, &result);
    return result;
  }
  /// The same result as Decode(), written over `*out`: when `*out` holds an Observation from
  /// an earlier call, its strings are reused (assigned, not reallocated), so a repeat sighting
  /// of an ad costs no allocation. Every field is set anew; nothing of the old value leaks.
  virtual void DecodeInto(std::string_view payload, DecodeResult* out) = 0;
};

/// JSON (SPEC §2): RapidJSON SAX parsing after one pass of UTF-8 validation and NUL check, size
/// and depth caps, strict types, integer money. Meta `ArchivedAd` and Google creative-stats
/// row shapes.
std::unique_ptr<Decoder> MakeJsonDecoder(const DecoderOptions& options, const Clock& clock);

/// The protobuf encoding of the same messages (`proto/adwatch/v1/observation.proto`).
std::unique_ptr<Decoder> MakeProtobufDecoder(const DecoderOptions& options, const Clock& clock);

/// The decoder for a configured input format.
std::unique_ptr<Decoder> MakeDecoder(InputFormat format, const DecoderOptions& options,
                                     const Clock& clock);

}  // namespace adwatch
