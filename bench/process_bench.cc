// Whole processes on the embedded cluster's topic (the one the Kafka benchmarks produce): the
// `adwatch run` binary as a user would start it, against kcat consuming the same topic. Both
// are child processes; their CPU comes from the kernel's accounting of the child (every thread,
// librdkafka's included; the cluster runs in this process and counts for neither).
//
// adwatch: from spawn until every message on the topic is counted. A fresh consumer group
// (in memory, or with `--state` in a fresh directory), the built-in default config; this
// process polls `/metrics` every 200 ms and sums `adwatch_events_total` (every outcome) until
// it equals the number of messages on the topic. CPU is read from /proc/<pid>/stat at that
// moment (10 ms ticks). Those scrapes cost adwatch CPU too: 20 more scrapes of the idle process
// measure one (`scrape_cpu_ms`), and `cpu_s_less_scrapes` subtracts the polls'. The process is
// then stopped with SIGTERM (`cpu_s_to_exit`: until it has exited). The binary is the one built
// beside this benchmark, or $ADWATCH_BENCH_BINARY (e.g. to run an older build's).
// kcat: `kcat -C -o beginning -e -q -f '%o\n'` from spawn to its exit at the end of the topic,
// output lines counted; CPU from wait4().
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_data.h"
#include "kafka_bench.h"

extern char** environ;

namespace adwatch::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Starts argv[0] (looked up in PATH) with stdout and stderr sent to the given descriptors.
pid_t Spawn(const std::vector<std::string>& args, int out_fd, int err_fd) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// User + system CPU seconds of a running process (all its threads), from /proc.
double ProcCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double RusageCpuSeconds(const struct rusage& ru) {
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// GET /metrics on 127.0.0.1:port; the whole response, empty on failure.
std::string Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[1 << 16];
      ssize_t got = 0;
      while ((got = read(fd, buf, sizeof buf)) > 0)
        response.append(buf, static_cast<std::size_t>(got));
    }
  }
  close(fd);
  return response;
}

// Sum of every `adwatch_events_total{...} value` sample of a scrape; -1 when there is none.
double EventsCounted(const std::string& scrape) {
  double sum = -1;
  std::istringstream lines(scrape);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("adwatch_events_total", 0) != 0) continue;
    const std::size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    sum = (sum < 0 ? 0 : sum) + std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

// The metrics port from the `event=started ... metrics=http://host:PORT/metrics` log line.
int PortFromLog(const std::string& path) {
  std::ifstream in(path);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string marker = "metrics=http://127.0.0.1:";
  const std::size_t pos = log.find(marker);
  return pos == std::string::npos ? 0 : std::atoi(log.c_str() + pos + marker.size());
}

KafkaFixture* Ready(benchmark::State& state) {
  KafkaFixture& f = Kafka();
  if (!f.error.empty() || f.messages <= 0 || f.trimmed != 0) {
    state.SkipWithError(("kafka fixture not usable: " + f.error).c_str());
    return nullptr;
  }
  return &f;
}

constexpr double kLimitSeconds = 120;

// range(0): 0 in memory, 1 with --state in a fresh directory.
void BM_ProcessAdwatchRun(benchmark::State& state) {
  KafkaFixture* f = Ready(state);
  if (f == nullptr) return;
  static int run = 0;
  for (auto _ : state) {
    TempDir dir("adwatch_process_bench");
    const std::string log_path = dir.path() + "/stderr.log";
    const char* binary = std::getenv("ADWATCH_BENCH_BINARY");
    std::vector<std::string> args = {
        binary != nullptr ? binary : ADWATCH_BINARY,
        "run",
        "--brokers",
        f->cluster->bootstrap(),
        "--topic",
        f->topic,
        "--group",
        "bench-process-" + std::to_string(getpid()) + "-" + std::to_string(++run),
        "--listen",
        "127.0.0.1:0"};
    if (state.range(0) == 1) {
      args.push_back("--state");
      args.push_back(dir.path() + "/state");
    }
    const int err_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null_fd = open("/dev/null", O_WRONLY);
    const auto start = SteadyClock::now();
    const pid_t pid = Spawn(args, null_fd, err_fd);
    close(err_fd);
    close(null_fd);
    if (pid < 0) {
      state.SkipWithError("cannot start " ADWATCH_BINARY);
      return;
    }
    int port = 0;
    int polls = 0;
    double counted = -1;
    double cpu_at_end = -1;
    double scrape_cpu = 0;
    SteadyClock::time_point end{};
    while (Seconds(start, SteadyClock::now()) < kLimitSeconds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(port == 0 ? 20 : 200));
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // exited early
      if (port == 0) port = PortFromLog(log_path);
      if (port == 0) continue;
      counted = EventsCounted(Scrape(port));
      ++polls;
      if (counted >= static_cast<double>(f->messages)) {
        end = SteadyClock::now();
        cpu_at_end = ProcCpuSeconds(pid);
        constexpr int kScrapes = 20;
        for (int i = 0; i < kScrapes; ++i) benchmark::DoNotOptimize(Scrape(port));
        scrape_cpu = (ProcCpuSeconds(pid) - cpu_at_end) / kScrapes;
        break;
      }
    }
    kill(pid, SIGTERM);
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    if (cpu_at_end < 0) {
      std::ifstream in(log_path);
      std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      state.SkipWithError(("adwatch run did not count every message (" + std::to_string(counted) +
                           " of " + std::to_string(f->messages) +
                           "): " + log.substr(log.size() > 2000 ? log.size() - 2000 : 0))
                              .c_str());
      return;
    }
    const double wall = Seconds(start, end);
    state.SetIterationTime(wall);
    state.counters["msgs"] = static_cast<double>(f->messages);
    state.counters["cpu_s"] = cpu_at_end;
    state.counters["polls"] = polls;
    state.counters["scrape_cpu_ms"] = scrape_cpu * 1000;
    state.counters["cpu_s_less_scrapes"] = cpu_at_end - polls * scrape_cpu;
    state.counters["cpu_s_to_exit"] = RusageCpuSeconds(ru);
    state.counters["wall_s"] = wall;
    state.counters["msgs_per_cpu_s"] = static_cast<double>(f->messages) / cpu_at_end;
  }
}
BENCHMARK(BM_ProcessAdwatchRun)
    ->ArgName("state")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_ProcessKcat(benchmark::State& state) {
  KafkaFixture* f = Ready(state);
  if (f == nullptr) return;
  for (auto _ : state) {
    int fds[2];
    if (pipe(fds) != 0) {
      state.SkipWithError("pipe");
      return;
    }
    const int null_fd = open("/dev/null", O_WRONLY);
    const auto start = SteadyClock::now();
    const pid_t pid = Spawn({"kcat", "-C", "-b", f->cluster->bootstrap(), "-t", f->topic, "-o",
                             "beginning", "-e", "-q", "-f", "%o\n"},
                            fds[1], null_fd);
    close(fds[1]);
    close(null_fd);
    if (pid < 0) {
      close(fds[0]);
      state.SkipWithError("cannot run kcat (Debian package kcat)");
      return;
    }
    std::int64_t lines = 0;
    char buf[1 << 16];
    ssize_t got = 0;
    while ((got = read(fds[0], buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < got; ++i) lines += buf[i] == '\n' ? 1 : 0;
    }
    close(fds[0]);
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    const auto end = SteadyClock::now();
    if (lines != f->messages) {
      state.SkipWithError(("kcat printed " + std::to_string(lines) + " of " +
                           std::to_string(f->messages) + " offsets, status " +
                           std::to_string(status))
                              .c_str());
      return;
    }
    const double wall = Seconds(start, end);
    const double cpu = RusageCpuSeconds(ru);
    state.SetIterationTime(wall);
    state.counters["msgs"] = static_cast<double>(lines);
    state.counters["cpu_s"] = cpu;
    state.counters["wall_s"] = wall;
    state.counters["msgs_per_cpu_s"] = static_cast<double>(lines) / cpu;
  }
}
BENCHMARK(BM_ProcessKcat)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace adwatch::bench
