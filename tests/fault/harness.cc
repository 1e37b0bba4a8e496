#include "harness.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "figures_check.h"

namespace adwatch::fault {
namespace {

using Clock = std::chrono::steady_clock;
using testing::HttpGet;
using testing::ParseMetrics;
using testing::SampleKey;
using testing::Samples;

void Sleep(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

double EventsOf(const Samples& s) {
  double n = 0;
  for (const auto& [key, value] : s) {
    if (key.rfind("adwatch_events_total{", 0) == 0) n += value;
  }
  return n;
}

int PortFromStarted(const std::string& line) {
  const std::string marker = "metrics=http://127.0.0.1:";
  const size_t pos = line.find(marker);
  if (pos == std::string::npos) return 0;
  return std::atoi(line.c_str() + pos + marker.size());
}

// The last `max` characters of a log, for failure messages.
std::string Tail(const std::string& text, size_t max = 6000) {
  return text.size() <= max ? text : "...\n" + text.substr(text.size() - max);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Cluster::Cluster(int partitions, int brokers) : partitions_(partitions) {
  proc_ = std::make_unique<testing::Subprocess>(
      std::vector<std::string>{"kafka", "--brokers", std::to_string(brokers), "--partitions",
                               std::to_string(partitions)},
      /*pipe_stdin=*/true);
  bootstrap_ = proc_->WaitForLine("127.0.0.1:", 30);
}

Cluster::~Cluster() {
  proc_->Signal(SIGTERM);
  if (proc_->Wait(10) < 0) proc_->Signal(SIGKILL);
}

std::string Cluster::Control(const std::string& command, double seconds) {
  if (!proc_->WriteStdin(command + "\n")) return "";
  const size_t want = answers_ + 2;  // the bootstrap line, then one answer per command
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    const std::string out = proc_->Stdout();
    std::vector<std::string> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    if (!out.empty() && out.back() != '\n' && !lines.empty()) lines.pop_back();  // partial
    if (lines.size() >= want) {
      answers_ = want - 1;
      return lines[want - 1];
    }
    Sleep(0.02);
  }
  return "";
}

namespace {

// True when something accepts a TCP connection on 127.0.0.1:port.
bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int Cluster::BringAllBrokersUp(double seconds) {
  std::vector<int> ports;
  std::istringstream in(bootstrap_);
  std::string hostport;
  while (std::getline(in, hostport, ',')) {
    ports.push_back(std::atoi(hostport.c_str() + hostport.rfind(':') + 1));
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  int commands = 0;
  while (Clock::now() < deadline) {
    if (Control("broker up -1") != "ok") return 0;
    ++commands;
    const auto retry = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < retry) {
      bool all = true;
      for (int port : ports) all = all && Accepts(port);
      if (all) return commands;
      Sleep(0.1);
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------

Instance::Instance(Harness* harness, std::string name, std::string state_dir)
    : harness_(harness), name_(std::move(name)), state_dir_(std::move(state_dir)) {}

Instance::~Instance() {
  if (proc_ && paused_) proc_->Signal(SIGCONT);
}

void Instance::Retire() {
  if (proc_) history_ += proc_->Stderr();
}

bool Instance::Start(const std::vector<std::string>& extra, std::string* why) {
  if (proc_ && !proc_->exited()) Kill();
  Retire();
  std::vector<std::string> args = harness_->RunArgs(*this);
  args.insert(args.end(), extra.begin(), extra.end());
  std::string cmdline;
  for (const auto& a : args) cmdline += " " + a;
  history_ += "=== " + name_ + " run " + std::to_string(++runs_) + ":" + cmdline + "\n";
  proc_.reset();  // its files are gone, its log is in history_
  proc_ = std::make_unique<testing::Subprocess>(args);
  paused_ = false;
  port_ = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    const std::string log = proc_->Stderr();
    const size_t pos = log.find("event=started");
    if (pos != std::string::npos && log.find('\n', pos) != std::string::npos) {
      const size_t start = log.rfind('\n', pos);
      port_ = PortFromStarted(log.substr(start == std::string::npos ? 0 : start + 1));
      if (port_ > 0) return true;
    }
    if (proc_->Wait(0.01) >= 0 || proc_->exited()) break;
    Sleep(0.05);
  }
  if (why) *why = name_ + " did not start:\n" + Tail(proc_->Stderr());
  return false;
}

int Instance::RunExpectingExit(const std::vector<std::string>& extra) {
  if (proc_ && !proc_->exited()) Kill();
  Retire();
  std::vector<std::string> args = harness_->RunArgs(*this);
  args.insert(args.end(), extra.begin(), extra.end());
  history_ += "=== " + name_ + " run " + std::to_string(++runs_) + " (expecting exit)\n";
  proc_.reset();
  proc_ = std::make_unique<testing::Subprocess>(args);
  paused_ = false;
  port_ = 0;
  return proc_->Wait(60);
}

void Instance::Kill() {
  if (!proc_ || proc_->exited()) return;
  proc_->Signal(SIGKILL);
  if (paused_) proc_->Signal(SIGCONT);
  paused_ = false;
  proc_->Wait(30);
  history_ += "--- " + name_ + " killed (SIGKILL)\n";
}

int Instance::Stop() {
  if (!proc_ || proc_->exited()) return -1;
  if (paused_) Resume();
  proc_->Signal(SIGTERM);
  const int code = proc_->Wait(60);
  if (code < 0 && !proc_->exited()) {
    proc_->Signal(SIGKILL);
    proc_->Wait(10);
  }
  return code;
}

void Instance::Pause() {
  if (!proc_ || proc_->exited()) return;
  proc_->Signal(SIGSTOP);
  paused_ = true;
}

void Instance::Resume() {
  if (!proc_ || proc_->exited()) return;
  proc_->Signal(SIGCONT);
  paused_ = false;
}

bool Instance::Died() {
  if (!proc_ || proc_->exited() || paused_) return false;
  proc_->Wait(0.001);
  return proc_->exited();
}

std::string Instance::Log() const { return proc_ ? proc_->Stderr() : ""; }

std::string Instance::History() const { return history_ + Log(); }

std::string Instance::Metrics() const {
  if (!running() || port_ <= 0) return "";
  const auto r = HttpGet(port_, "/metrics");
  return r.status == 200 ? r.body : "";
}

int Instance::Readyz(std::string* body) const {
  if (!running() || port_ <= 0) return 0;
  const auto r = HttpGet(port_, "/readyz");
  if (body) *body = r.body;
  return r.status;
}

// ---------------------------------------------------------------------------------------------

Harness::Harness(const HarnessOptions& options) : options_(options) {
  char tmpl[] = "/tmp/adwatch-fault-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  static int counter = 0;
  group_ = "fault-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);

  // The deployed default config, with a short session timeout so that the scenarios that wait
  // for one stay short.
  std::string yaml = ReadText(std::string(ADWATCH_SOURCE_DIR) + "/deploy/adwatch.yaml");
  const std::string from = "  properties: {}\n";
  const size_t at = yaml.find(from);
  if (at == std::string::npos) {
    error_ = "deploy/adwatch.yaml has no `  properties: {}` line to replace";
    return;
  }
  yaml.replace(at, from.size(),
               "  properties:\n    session.timeout.ms: \"" +
                   std::to_string(options_.session_timeout_ms) +
                   "\"\n    heartbeat.interval.ms: \"1000\"\n");
  config_path_ = dir_ + "/adwatch.yaml";
  std::ofstream(config_path_) << yaml;

  config_ = DefaultConfig();
  testing::StreamOptions so;
  so.seed = options_.seed;
  so.ads = options_.ads;
  so.crawls = options_.crawls;
  messages_ = testing::GenerateStream(config_, so);
  expected_ = testing::ComputeExpected(config_, messages_);

  cluster_ = std::make_unique<Cluster>(options_.partitions, options_.brokers);
  if (cluster_->bootstrap().empty()) {
    error_ = "the cluster did not start:\n" + cluster_->Log();
    return;
  }
  MakeReplayer();
}

Harness::~Harness() {
  if (producer_.joinable()) producer_.join();
  instances_.clear();  // kills every instance still running
  replayer_.reset();
  cluster_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool Harness::MakeReplayer() {
  ReplayOptions ro;
  ro.brokers = cluster_->bootstrap();
  ro.topic = kTopic;
  std::string error;
  replayer_ = Replayer::Create(ro, &error);
  if (!replayer_) {
    error_ = "cannot create the producer: " + error;
    return false;
  }
  return true;
}

bool Harness::RestartCluster() {
  if (producer_.joinable()) producer_.join();
  replayer_.reset();
  cluster_.reset();
  cluster_ = std::make_unique<Cluster>(options_.partitions, options_.brokers);
  produced_ = 0;
  if (cluster_->bootstrap().empty()) {
    error_ = "the cluster did not restart:\n" + cluster_->Log();
    return false;
  }
  return MakeReplayer();
}

long long Harness::stream_messages() const {
  long long n = 0;
  for (const auto& m : messages_) n += m.crawl_end ? options_.partitions : 1;
  return n;
}

bool Harness::Produce(size_t from, size_t to) {
  if (!replayer_) return false;
  const auto before = replayer_->stats();
  for (size_t i = from; i < to && i < messages_.size(); ++i) {
    if (!replayer_->Send(messages_[i].value)) return false;
  }
  if (!replayer_->Flush(60000)) return false;
  const auto after = replayer_->stats();
  produced_ += after.delivered - before.delivered;
  return after.delivery_errors == 0;
}

bool Harness::ProduceRaw(const std::string& value, int partition, int count) {
  if (!replayer_) return false;
  const auto before = replayer_->stats();
  for (int i = 0; i < count; ++i) {
    if (!replayer_->SendToPartition(value, partition, "")) return false;
  }
  if (!replayer_->Flush(60000)) return false;
  const auto after = replayer_->stats();
  produced_ += after.delivered - before.delivered;
  return after.delivery_errors == 0;
}

void Harness::StartProducing(double rate) {
  producer_ = std::thread([this, rate] {
    const auto start = Clock::now();
    long long sent = 0;
    const size_t chunk = 20;
    for (size_t i = 0; i < messages_.size(); i += chunk) {
      if (!Produce(i, std::min(messages_.size(), i + chunk))) producing_failed_ = true;
      for (size_t k = i; k < std::min(messages_.size(), i + chunk); ++k) {
        sent += messages_[k].crawl_end ? options_.partitions : 1;
      }
      const auto due = start + std::chrono::duration<double>(static_cast<double>(sent) / rate);
      std::this_thread::sleep_until(due);
    }
  });
}

bool Harness::FinishProducing() {
  if (producer_.joinable()) producer_.join();
  return !producing_failed_.load();
}

Instance& Harness::AddInstance(const std::string& name) {
  const std::string state = dir_ + "/state-" + name;
  std::filesystem::create_directories(state);
  instances_.push_back(std::make_unique<Instance>(this, name, state));
  return *instances_.back();
}

std::vector<std::string> Harness::RunArgs(const Instance& instance) const {
  return {"run",         "--config", config_path_,        "--brokers", cluster_->bootstrap(),
          "--topic",     kTopic,     "--group",           group_,      "--listen",
          "127.0.0.1:0", "--state",  instance.state_dir()};
}

double Harness::EventsTotal() const {
  double n = 0;
  for (const auto& inst : instances_) {
    if (!inst->running()) continue;
    const std::string text = inst->Metrics();
    if (text.empty()) return -1;
    n += EventsOf(ParseMetrics(text));
  }
  return n;
}

bool Harness::Drain(double seconds, std::string* why) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  int stable = 0, incident_polls = 0;
  std::string last;
  while (Clock::now() < deadline) {
    for (const auto& inst : instances_) {
      if (inst->Died()) {
        if (why) *why = inst->name() + " exited while draining:\n" + Tail(inst->Log());
        return false;
      }
    }
    const double events = EventsTotal();
    bool ready = true, incident = false;
    std::string readiness;
    for (const auto& inst : instances_) {
      if (!inst->running()) continue;
      std::string body;
      const int status = inst->Readyz(&body);
      if (status != 200) {
        ready = false;
        readiness += " " + inst->name() + ":" + std::to_string(status) + " " + body;
        incident = incident || body.find("in incident") != std::string::npos;
      }
    }
    incident_polls = incident ? incident_polls + 1 : 0;
    if (incident_polls >= 20) {
      if (why) *why = "a partition stayed in incident for 10 s: " + readiness;
      return false;
    }
    const auto want = static_cast<double>(produced_.load());
    last = "events_total sum " + std::to_string(events) + " of " + std::to_string(want) +
           " produced; readyz:" + (readiness.empty() ? " all 200" : readiness);
    if (events == want && ready) {
      if (++stable >= 2) return true;
    } else {
      stable = 0;
    }
    Sleep(0.5);
  }
  if (why) *why = "not drained after " + std::to_string(seconds) + " s: " + last;
  return false;
}

void Harness::CheckFigures() {
  std::vector<Samples> scrapes;
  for (const auto& inst : instances_) {
    if (!inst->running()) continue;
    const std::string text = inst->Metrics();
    ASSERT_FALSE(text.empty()) << inst->name() << " did not answer /metrics";
    std::string promtool;
    EXPECT_EQ(testing::PromtoolCheckMetrics(text, &promtool), 0)
        << inst->name() << ": " << promtool;
    Samples s = ParseMetrics(text);
    if (EventsOf(s) > 0) {
      // Every instance that owns a partition has seen the final crawl_end: same watermark.
      const auto wm = s.find(SampleKey("adwatch_watermark_timestamp_seconds", {}));
      ASSERT_NE(wm, s.end()) << inst->name();
      EXPECT_EQ(wm->second, static_cast<double>(expected_.watermark)) << inst->name();
    }
    scrapes.push_back(std::move(s));
  }
  ASSERT_FALSE(scrapes.empty()) << "no instance running";
  const Samples sum = testing::SumSamples(scrapes);
  EXPECT_EQ(EventsOf(sum), static_cast<double>(produced_.load()))
      << "every offset must be accounted for exactly once";
  testing::ExpectFiguresEqualOracle(config_, sum, expected_);
  if (::testing::Test::HasFailure()) ADD_FAILURE() << "logs:\n" << Logs();
}

std::string Harness::Logs() const {
  std::string out;
  for (const auto& inst : instances_) out += Tail(inst->History(), 12000);
  out += "=== cluster\n" + Tail(cluster_ ? cluster_->Log() : std::string(), 3000);
  return out;
}

int SeedsFromEnv(int fallback) {
  const char* v = std::getenv("ADWATCH_FAULT_SEEDS");
  if (v == nullptr || *v == '\0') return fallback;
  const int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

}  // namespace adwatch::fault
