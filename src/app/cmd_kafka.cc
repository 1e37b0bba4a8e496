#include "app/cmd_kafka.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace adwatch {
namespace {

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

// Parses a whole decimal integer within [lo, hi]; false on anything else.
bool ParseInt(const std::string& text, long long lo, long long hi, long long* value) {
  long long v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || v < lo || v > hi) return false;
  *value = v;
  return true;
}

std::string Result(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return "ok";
  return std::string("error: ") + rd_kafka_err2str(err);
}

constexpr const char* kUsage =
    "error: unknown command (broker down N | broker up N | errors API COUNT ERR | "
    "leader TOPIC PARTITION BROKER | rtt N MS)";

}  // namespace

std::string ExecuteKafkaControl(EmbeddedKafka& kafka, const std::string& line) {
  const std::vector<std::string> w = Words(line);
  if (w.empty() || w[0][0] == '#') return "";
  rd_kafka_mock_cluster_t* mock = kafka.mock();
  const long long brokers = kafka.options().brokers;
  long long a = 0, b = 0, c = 0;
  if (w[0] == "broker" && w.size() == 3 && (w[1] == "down" || w[1] == "up")) {
    if (!ParseInt(w[2], -1, brokers, &a) || a == 0) {
      return "error: broker must be -1 or in [1, " + std::to_string(brokers) + "]";
    }
    const auto id = static_cast<std::int32_t>(a);
    return Result(w[1] == "down" ? rd_kafka_mock_broker_set_down(mock, id)
                                 : rd_kafka_mock_broker_set_up(mock, id));
  }
  if (w[0] == "errors" && w.size() == 4) {
    if (!ParseInt(w[1], 0, std::numeric_limits<std::int16_t>::max(), &a)) {
      return "error: API must be a Kafka ApiKey (e.g. Fetch 1, OffsetCommit 8)";
    }
    if (!ParseInt(w[2], 1, 100000, &b)) return "error: COUNT must be in [1, 100000]";
    if (!ParseInt(w[3], std::numeric_limits<std::int32_t>::min(),
                  std::numeric_limits<std::int32_t>::max(), &c)) {
      return "error: ERR must be a Kafka error code (e.g. 6 NOT_LEADER_FOR_PARTITION)";
    }
    const std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(b),
                                                  static_cast<rd_kafka_resp_err_t>(c));
    rd_kafka_mock_push_request_errors_array(mock, static_cast<std::int16_t>(a), errors.size(),
                                            errors.data());
    return "ok";
  }
  if (w[0] == "leader" && w.size() == 4) {
    bool known_topic = false;
    for (const auto& t : kafka.options().topics) known_topic = known_topic || t == w[1];
    if (!known_topic) return "error: unknown topic " + w[1];
    if (!ParseInt(w[2], 0, kafka.options().partitions - 1, &a)) {
      return "error: PARTITION must be in [0, " + std::to_string(kafka.options().partitions - 1) +
             "]";
    }
    if (!ParseInt(w[3], -1, brokers, &b) || b == 0) {
      return "error: BROKER must be -1 (leaderless) or in [1, " + std::to_string(brokers) + "]";
    }
    return Result(rd_kafka_mock_partition_set_leader(
        mock, w[1].c_str(), static_cast<std::int32_t>(a), static_cast<std::int32_t>(b)));
  }
  if (w[0] == "rtt" && w.size() == 3) {
    if (!ParseInt(w[1], -1, brokers, &a) || a == 0) {
      return "error: broker must be -1 or in [1, " + std::to_string(brokers) + "]";
    }
    if (!ParseInt(w[2], 0, 600000, &b)) return "error: MS must be in [0, 600000]";
    return Result(
        rd_kafka_mock_broker_set_rtt(mock, static_cast<std::int32_t>(a), static_cast<int>(b)));
  }
  return kUsage;
}

int KafkaCommand(const EmbeddedKafka::Options& options, int in_fd, std::ostream& out,
                 std::ostream& err, const std::atomic<bool>& stop) {
  if (options.brokers < 1 || options.partitions < 1 || options.topics.empty()) {
    err << "adwatch kafka: --brokers and --partitions must be >= 1 and at least one topic "
           "given\n";
    return 2;
  }
  std::string error;
  auto kafka = EmbeddedKafka::Start(options, &error);
  if (!kafka) {
    err << "adwatch kafka: " << error << "\n";
    return 1;
  }
  out << kafka->bootstrap() << std::endl;  // first line, flushed: scripts read it
  err << "level=info msg=\"embedded kafka running\" bootstrap=" << kafka->bootstrap()
      << " brokers=" << options.brokers << " partitions=" << options.partitions << " topics=";
  for (std::size_t i = 0; i < options.topics.size(); ++i) {
    err << (i == 0 ? "" : ",") << options.topics[i];
  }
  err << std::endl;

  bool reading = in_fd >= 0;
  std::string pending;
  char buf[4096];
  while (!stop.load()) {
    if (!reading) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    pollfd p{in_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) reading = false;
    if (ready <= 0) continue;
    const ssize_t n = ::read(in_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {  // end of input: no more commands, keep serving
      reading = false;
      continue;
    }
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string answer = ExecuteKafkaControl(*kafka, line);
      if (answer.empty()) continue;
      out << answer << std::endl;
      err << "level=info msg=\"control command\" command=\"" << line << "\" result=\"" << answer
          << "\"" << std::endl;
    }
  }
  err << "level=info msg=\"embedded kafka stopping\"" << std::endl;
  return 0;
}

int KafkaCommand(const EmbeddedKafka::Options& options, std::ostream& out, std::ostream& err,
                 const std::atomic<bool>& stop) {
  // A cluster started in the background of an interactive shell must not be stopped by the
  // terminal for reading stdin: with SIGTTIN ignored the read fails and the channel just ends.
  std::signal(SIGTTIN, SIG_IGN);
  return KafkaCommand(options, STDIN_FILENO, out, err, stop);
}

}  // namespace adwatch
