#include "decode/decoder.h"

namespace adwatch {

std::unique_ptr<Decoder> MakeDecoder(InputFormat format, const DecoderOptions& options,
                                     const Clock& clock) {
  switch (format) {
    case InputFormat::kProtobuf:
      return MakeProtobufDecoder(options, clock);
    case InputFormat::kJson:
      break;
  }
  return MakeJsonDecoder(options, clock);
}

}  // namespace adwatch
