// One input message as a source hands it over, independent of librdkafka. Views are valid only
// during the call that receives the record.
#pragma once

#include <cstdint>
#include <string_view>

namespace adwatch {

struct InputRecord {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string_view key;
  std::string_view value;
};

}  // namespace adwatch
