// Helpers for the integration tests: a tiny HTTP client, a Prometheus text-format reader and
// promtool. Test-only; kept simple on purpose.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace adwatch::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

/// GET http://127.0.0.1:port/path with extra header lines (each ending in \r\n); status 0 when
/// the connection fails. `from`: the loopback source address (e.g. "127.0.0.2"), so that a
/// test can play several clients; null: the kernel's choice.
HttpResponse HttpGet(int port, const std::string& path, const std::string& headers = "",
                     const char* from = nullptr);

/// A TCP connection to 127.0.0.1:port from `from` (as above; the caller closes it); -1 on
/// failure.
int ConnectLoopback(int port, const char* from = nullptr);

/// Polls /readyz until it answers 200 or `seconds` pass; returns the last status.
int WaitReady(int port, double seconds);

/// Samples of a scrape keyed by `name{k="v",...}` with labels sorted by name.
using Samples = std::map<std::string, double>;
Samples ParseMetrics(const std::string& text);
std::string SampleKey(const std::string& name,
                      std::vector<std::pair<std::string, std::string>> labels);

/// Runs `promtool check metrics` on the text; returns its exit code, output in `output`.
int PromtoolCheckMetrics(const std::string& text, std::string* output);

/// The value in pence of a GBP sample, exactly (the exporter writes pence / 100).
long long Pence(double gbp);

}  // namespace adwatch::testing

namespace adwatch::testing {

/// A child process running the adwatch binary with stdout and stderr captured to files, and
/// stdin either /dev/null or (pipe_stdin) a pipe fed by WriteStdin.
/// The destructor kills it (SIGKILL) if still running.
class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& args, bool pipe_stdin = false);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// Waits up to `seconds` for a line of stdout (or stderr) containing `needle`; returns it.
  std::string WaitForLine(const std::string& needle, double seconds, bool from_stderr = false);
  void Signal(int sig);
  /// Writes `text` to the child's stdin pipe; false without a pipe or when the write fails.
  bool WriteStdin(const std::string& text);
  int pid() const { return pid_; }
  /// True once Wait has seen the process exit (or be killed).
  bool exited() const { return exited_; }
  /// Waits up to `seconds` for exit; returns the exit code, or -1 on timeout / signal.
  int Wait(double seconds);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  int pid_ = -1;
  int stdin_fd_ = -1;
  std::string out_path_, err_path_;
  bool exited_ = false;
  int code_ = -1;
};

/// Runs the adwatch binary to completion with `input` on stdin; returns the exit code.
int RunAdwatch(const std::vector<std::string>& args, const std::string& input, std::string* out,
               std::string* err);

}  // namespace adwatch::testing

namespace adwatch::testing {

struct ConsumedMessage {
  std::string value;
  std::map<std::string, std::string> headers;
};
/// Reads `topic` from the beginning with a fresh consumer until `count` messages arrived or
/// `seconds` passed.
std::vector<ConsumedMessage> ConsumeTopic(const std::string& brokers, const std::string& topic,
                                          size_t count, double seconds);

}  // namespace adwatch::testing
