#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace adwatch::testing {

int ConnectLoopback(int port, const char* from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (from != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, from, &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

HttpResponse HttpGet(int port, const std::string& path, const std::string& headers,
                     const char* from) {
  HttpResponse r;
  const int fd = ConnectLoopback(port, from);
  if (fd < 0) return r;
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "Connection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), 0) < 0) {
    ::close(fd);
    return r;
  }
  std::string raw;
  std::array<char, 65536> buf;
  ssize_t n;
  while ((n = ::recv(fd, buf.data(), buf.size(), 0)) > 0)
    raw.append(buf.data(), static_cast<size_t>(n));
  ::close(fd);
  if (raw.size() < 12) return r;
  r.status = std::stoi(raw.substr(9, 3));
  const size_t body = raw.find("\r\n\r\n");
  if (body != std::string::npos) r.body = raw.substr(body + 4);
  return r;
}

int WaitReady(int port, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while ((status = HttpGet(port, "/readyz").status) != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

std::string SampleKey(const std::string& name,
                      std::vector<std::pair<std::string, std::string>> labels) {
  std::sort(labels.begin(), labels.end());
  std::string key = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) key += ",";
    key += labels[i].first + "=\"" + labels[i].second + "\"";
  }
  return key + "}";
}

Samples ParseMetrics(const std::string& text) {
  Samples out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;
    size_t pos = line.find_first_of("{ ");
    name = line.substr(0, pos);
    if (pos != std::string::npos && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        const size_t eq = line.find('=', pos);
        std::string key = line.substr(pos, eq - pos);
        std::string value;
        size_t i = eq + 2;  // skip ="
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value.push_back(line[i]);
        }
        labels.emplace_back(key, value);
        pos = i + 1;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      ++pos;
    }
    const double value = std::stod(line.substr(pos + 1));
    out[SampleKey(name, labels)] = value;
  }
  return out;
}

int PromtoolCheckMetrics(const std::string& text, std::string* output) {
  char path[] = "/tmp/adwatch-metrics-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return -1;
  ::close(fd);
  std::ofstream(path) << text;
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) output->append(buf.data(), n);
  const int status = ::pclose(p);
  ::unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

long long Pence(double gbp) { return std::llround(gbp * 100.0); }

}  // namespace adwatch::testing

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

namespace adwatch::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string TempPath(const char* tag) {
  static int counter = 0;
  return "/tmp/adwatch-it-" + std::to_string(::getpid()) + "-" + tag + "-" +
         std::to_string(counter++);
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& args, bool pipe_stdin)
    : out_path_(TempPath("out")), err_path_(TempPath("err")) {
  std::signal(SIGPIPE, SIG_IGN);  // a write to a dead child fails instead of killing the test
  int fds[2] = {-1, -1};
  if (pipe_stdin && ::pipe2(fds, O_CLOEXEC) != 0) fds[0] = fds[1] = -1;
  pid_ = ::fork();
  if (pid_ == 0) {
    if (fds[0] >= 0) {
      ::dup2(fds[0], STDIN_FILENO);
    } else {
      ::freopen("/dev/null", "r", stdin);
    }
    ::freopen(out_path_.c_str(), "w", stdout);
    ::freopen(err_path_.c_str(), "w", stderr);
    std::vector<char*> argv;
    std::string bin = ADWATCH_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  if (fds[0] >= 0) {
    ::close(fds[0]);
    stdin_fd_ = fds[1];
  }
}

bool Subprocess::WriteStdin(const std::string& text) {
  if (stdin_fd_ < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Subprocess::~Subprocess() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::unlink(out_path_.c_str());
  ::unlink(err_path_.c_str());
}

std::string Subprocess::WaitForLine(const std::string& needle, double seconds, bool from_stderr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = from_stderr ? Stderr() : Stdout();
    const size_t pos = text.find(needle);
    if (pos != std::string::npos) {
      const size_t start = text.rfind('\n', pos);
      const size_t end = text.find('\n', pos);
      if (end != std::string::npos) {
        return text.substr(start == std::string::npos ? 0 : start + 1,
                           end - (start == std::string::npos ? 0 : start + 1));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

void Subprocess::Signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

int Subprocess::Wait(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!exited_ && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exited_ ? code_ : -1;
}

std::string Subprocess::Stdout() const { return ReadFile(out_path_); }
std::string Subprocess::Stderr() const { return ReadFile(err_path_); }

int RunAdwatch(const std::vector<std::string>& args, const std::string& input, std::string* out,
               std::string* err) {
  const std::string in_path = TempPath("in");
  std::ofstream(in_path, std::ios::binary) << input;
  std::vector<std::string> full = args;
  int code;
  {
    const std::string out_path = TempPath("rout"), err_path = TempPath("rerr");
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::freopen(in_path.c_str(), "r", stdin);
      ::freopen(out_path.c_str(), "w", stdout);
      ::freopen(err_path.c_str(), "w", stderr);
      std::vector<char*> argv;
      std::string bin = ADWATCH_BINARY;
      argv.push_back(bin.data());
      for (auto& a : full) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (out) *out = ReadFile(out_path);
    if (err) *err = ReadFile(err_path);
    ::unlink(out_path.c_str());
    ::unlink(err_path.c_str());
  }
  ::unlink(in_path.c_str());
  return code;
}

}  // namespace adwatch::testing

#include <librdkafka/rdkafka.h>

namespace adwatch::testing {

std::vector<ConsumedMessage> ConsumeTopic(const std::string& brokers, const std::string& topic,
                                          size_t count, double seconds) {
  std::vector<ConsumedMessage> out;
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", ("reader-" + topic).c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) return out;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedMessage c;
      c.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          c.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace adwatch::testing
