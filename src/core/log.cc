#include "core/log.h"

#include <chrono>
#include <cstdio>

#include "core/time.h"

namespace adwatch {
namespace {

void AppendValue(std::string& line, std::string_view v) {
  bool quote = v.empty();
  for (char c : v)
    quote |= c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  if (!quote) {
    line.append(v);
    return;
  }
  line.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      line.append(buf);
    } else {
      line.push_back(c);
    }
  }
  line.push_back('"');
}

constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error"};

}  // namespace

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  std::string line = "ts=" + FormatTimestamp(SystemClock().Now());
  line.append(" level=").append(kLevels[static_cast<int>(level)]);
  line.append(" event=");
  AppendValue(line, event);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key).push_back('=');
    AppendValue(line, value);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

bool LogRateLimiter::Allow(long long* suppressed) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
  std::lock_guard lock(mu_);
  if (now != second_) {
    second_ = now;
    used_ = 0;
  }
  if (used_ >= per_second_) {
    ++suppressed_;
    return false;
  }
  ++used_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

std::string Prefix(std::string_view bytes, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out.append(buf);
    }
  }
  if (bytes.size() > n) out.append("...");
  return out;
}

}  // namespace adwatch
