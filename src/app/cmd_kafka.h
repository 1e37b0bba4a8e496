// `adwatch kafka`: a standalone embedded Kafka-protocol cluster on loopback, with a line-based
// control channel on stdin for fault injection (used by the fault tests, handy by hand).
#pragma once

#include <atomic>
#include <ostream>
#include <string>

#include "source/embedded_kafka.h"

namespace adwatch {

/// Starts the cluster, prints its bootstrap address as the first line of `out` (flushed), then
/// a logfmt line to `err`, and runs until `stop` becomes true (polled every 100 ms). Meanwhile
/// it reads control commands from `in_fd` (stdin for the subcommand), one per line, and answers
/// each with one flushed line on `out`: `ok` or `error: <why>` (see ExecuteKafkaControl). End of
/// input (or a read error) only ends the control channel: the cluster keeps running until
/// `stop`. Returns 0 after a clean stop, 2 on invalid options, 1 when the cluster cannot start.
int KafkaCommand(const EmbeddedKafka::Options& options, int in_fd, std::ostream& out,
                 std::ostream& err, const std::atomic<bool>& stop);

/// The same, reading commands from standard input (file descriptor 0).
int KafkaCommand(const EmbeddedKafka::Options& options, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>& stop);

/// Executes one control command against the running cluster; returns "ok" or "error: ...".
/// Commands (integers in decimal; blank lines and lines starting with '#' are not commands and
/// return an empty string):
///   broker down N | broker up N          disconnect / reconnect broker N (-1: all brokers)
///   errors API COUNT ERR                 the next COUNT requests with ApiKey API fail with
///                                        Kafka error code ERR (e.g. errors 1 3 6: three Fetch
///                                        requests fail with NOT_LEADER_FOR_PARTITION)
///   leader TOPIC PARTITION BROKER        move the partition's leader (-1: leaderless)
///   rtt N MS                             add MS milliseconds of round-trip time to broker N
std::string ExecuteKafkaControl(EmbeddedKafka& kafka, const std::string& line);

}  // namespace adwatch
