// HTTP basic authentication against bcrypt-hashed users (the Prometheus exporter-toolkit
// web-config `basic_auth_users`). A correct password is verified with bcrypt once and then
// remembered per user (compared in constant time), so scrapes stay cheap; unknown users cost
// the same bcrypt as known ones. One bcrypt run at a time and at most kHashesPerSecond (each
// costs ~50-100 ms of CPU at cost 10): beyond that Check answers kBusy at once, so a flood of
// wrong passwords can neither hold the server's threads nor take the CPU from ingestion.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace adwatch {

class BasicAuth {
 public:
  enum class Result { kAllowed, kDenied, kBusy };
  using Users = std::map<std::string, std::string, std::less<>>;  // name -> bcrypt hash
  static constexpr int kHashesPerSecond = 4;

  /// Hashes are $2a$, $2b$ or $2y$; no users: everything is denied.
  explicit BasicAuth(Users users);

  /// Checks an `Authorization` header value (`Basic base64(user:password)`; empty: none).
  Result Check(std::string_view authorization);

 private:
  static bool Verify(const std::string& password, const std::string& hash);

  const Users users_;
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> verified_;  // user -> password that passed
  std::mutex hash_mu_;                                        // held for a bcrypt run
  std::int64_t budget_second_ = 0;
  int budget_used_ = 0;
};

/// Decodes standard base64 (padding optional); false on any invalid character.
bool DecodeBase64(std::string_view in, std::string* out);

}  // namespace adwatch
