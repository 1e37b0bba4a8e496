// HTTP basic authentication against bcrypt-hashed users (the Prometheus exporter-toolkit
// web-config `basic_auth_users`).
//
// A password that bcrypt accepted is remembered as a keyed hash (HMAC-SHA-256 of
// `user:password` under a per-process random key, compared in constant time), up to
// kVerifiedPerUser per user; only successful checks are remembered, so wrong passwords cannot
// evict the right one, and scrapes with it cost no bcrypt. User names or passwords holding a
// control byte (NUL included) are denied before bcrypt. Unknown users cost the same bcrypt as
// known ones.
//
// bcrypt (~50-100 ms of CPU at cost 10) is budgeted per client address: each client has a
// bucket of kClientBurst checks refilled at one per second; all clients together get
// kHashesPerSecond, and a client that has not asked for a bcrypt check for kQuietSeconds (it
// is not the one flooding) may also use kReservePerSecond more, so a flood from other
// addresses cannot starve it. Beyond its budget Check answers kBusy at once (503), without bcrypt.
// At most kConcurrentHashes bcrypt runs at a time (a check waits for a slot). Edge: each flooding
// address is quiet once per kQuietSeconds, so a flood from more than about kReservePerSecond x
// kQuietSeconds (160) distinct addresses can spend the reserve (sustained bcrypt then ~1.6 cores; a
// few flooding addresses cost ~0.45 of a core); rate-limit such floods in front (firewall).
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

namespace adwatch {

class BasicAuth {
 public:
  /// kNeedsBcrypt: only from Precheck.
  enum class Result { kAllowed, kDenied, kBusy, kNeedsBcrypt };
  using Users = std::map<std::string, std::string, std::less<>>;  // name -> bcrypt hash
  static constexpr int kClientBurst = 4;
  static constexpr int kHashesPerSecond = 4;
  static constexpr int kReservePerSecond = 16;
  static constexpr int kQuietSeconds = 10;
  static constexpr int kConcurrentHashes = 2;
  static constexpr std::size_t kVerifiedPerUser = 4;
  static constexpr std::size_t kMaxClients = 4096;

  /// Hashes are $2a$, $2b$ or $2y$; no users: everything is denied.
  explicit BasicAuth(Users users);

  using Digest = std::array<unsigned char, 32>;
  /// A check that passed Precheck and needs bcrypt (Finish).
  struct Pending {
    std::string user;
    std::string password;
    Digest digest{};
    bool known = false;
    bool quiet = false;  // the client was not asking for bcrypt checks before: serve it first
  };

  /// Checks an `Authorization` header value (`Basic base64(user:password)`; empty: none) sent
  /// from `client` (the address whose bcrypt budget it spends; "" for one shared budget).
  /// Blocks for bcrypt (at most kConcurrentHashes at a time).
  Result Check(std::string_view authorization, std::string_view client = {});

  /// Check without bcrypt: kAllowed (remembered), kDenied, kBusy (budget spent), or
  /// kNeedsBcrypt with `pending` filled (the budget is spent): then Finish(pending), e.g. on
  /// another thread.
  Result Precheck(std::string_view authorization, std::string_view client, Pending* pending);
  /// Runs bcrypt for a Precheck that needed it: kAllowed (now remembered) or kDenied.
  Result Finish(const Pending& pending);

 private:
  struct Client {
    double tokens = kClientBurst;
    std::int64_t refilled_ms = 0;
    std::int64_t last_attempt_ms = -1;  // -1: never
  };

  Digest KeyedHash(std::string_view user, std::string_view password) const;
  bool Remembered(std::string_view user, const Digest& digest);
  bool TakeBudget(std::string_view client, bool* quiet);
  static bool Verify(const std::string& password, const std::string& hash);

  const Users users_;
  std::array<unsigned char, 32> key_{};
  std::mutex mu_;
  std::map<std::string, std::deque<Digest>, std::less<>> verified_;  // user -> keyed hashes
  std::unordered_map<std::string, Client> clients_;
  std::int64_t budget_second_ = 0;
  int budget_used_ = 0;
  int reserve_used_ = 0;
  std::counting_semaphore<kConcurrentHashes> hashing_{kConcurrentHashes};
};

/// Decodes standard base64 (padding optional); false on any invalid character.
bool DecodeBase64(std::string_view in, std::string* out);

}  // namespace adwatch
