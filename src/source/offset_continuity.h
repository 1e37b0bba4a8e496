// Whether input is missing between what a partition's state expects next and the first offset
// the consumer delivers. Offsets in a Kafka partition are not contiguous: transaction markers
// (control records, never delivered) and, under `read_committed` (librdkafka's default),
// aborted transactional records leave gaps. Those gaps are normal. Input is missing only when
// the log no longer holds an offset the state still expects: the partition's low watermark (log
// start offset) is above the expected next offset, i.e. retention (or a deletion) removed
// records before they were applied. A rebuild expects offset 0: the topic is the log of record
// and must hold everything since the campaign began (README, Retention).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace adwatch {

/// What the state expects next on one partition.
struct ExpectedOffset {
  std::int64_t next = 0;  // the first offset the state has not applied
  bool rebuild = false;   // no stored state: replaying from the beginning (next is 0)
};

/// nullopt when offsets [expected.next, first_delivered) are only markers or aborted records
/// (low_watermark <= expected.next); otherwise the incident text naming what is lost.
std::optional<std::string> MissingInput(const ExpectedOffset& expected,
                                        std::int64_t first_delivered, std::int64_t low_watermark);

}  // namespace adwatch
