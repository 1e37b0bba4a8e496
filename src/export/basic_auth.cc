#include "export/basic_auth.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace adwatch {
namespace {

// Compares without an early exit, so the time taken does not reveal where they differ.
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  unsigned int buffer = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return bits < 6;  // one leftover character cannot encode a byte
}

BasicAuth::BasicAuth(Users users) : users_(std::move(users)) {
  if (gnutls_rnd(GNUTLS_RND_KEY, key_.data(), key_.size()) != 0) {
    throw std::runtime_error("no random key for the password cache");
  }
}

BasicAuth::Result BasicAuth::Check(std::string_view authorization, std::string_view client) {
  Pending pending;
  const Result first = Precheck(authorization, client, &pending);
  if (first != Result::kNeedsBcrypt) return first;
  hashing_.acquire();
  try {
    const Result result = Finish(pending);
    hashing_.release();
    return result;
  } catch (...) {
    hashing_.release();
    throw;
  }
}

BasicAuth::Result BasicAuth::Precheck(std::string_view authorization, std::string_view client,
                                      Pending* pending) {
  constexpr std::string_view kBasic = "Basic ";
  if (users_.empty() || authorization.substr(0, kBasic.size()) != kBasic) return Result::kDenied;
  std::string credentials;
  if (authorization.size() > 1024 ||
      !DecodeBase64(authorization.substr(kBasic.size()), &credentials)) {
    return Result::kDenied;
  }
  const std::size_t colon = credentials.find(':');
  if (colon == std::string::npos) return Result::kDenied;
  // Control bytes (NUL: crypt would stop there) never reach the cache or bcrypt.
  if (std::any_of(credentials.begin(), credentials.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
      })) {
    return Result::kDenied;
  }
  pending->user = credentials.substr(0, colon);
  pending->password = credentials.substr(colon + 1);
  pending->digest = KeyedHash(pending->user, pending->password);
  const auto it = users_.find(pending->user);
  pending->known = it != users_.end();
  if (pending->known && Remembered(pending->user, pending->digest)) return Result::kAllowed;
  if (!TakeBudget(client, &pending->quiet)) return Result::kBusy;
  return Result::kNeedsBcrypt;
}

BasicAuth::Result BasicAuth::Finish(const Pending& pending) {
  const auto it = users_.find(pending.user);
  // An unknown user costs a bcrypt run too (against the first user's hash, same cost).
  const bool ok =
      Verify(pending.password, it != users_.end() ? it->second : users_.begin()->second);
  if (!ok || it == users_.end()) return Result::kDenied;
  std::lock_guard lock(mu_);
  auto& known = verified_[pending.user];
  if (std::none_of(known.begin(), known.end(),
                   [&](const Digest& d) { return d == pending.digest; })) {
    if (known.size() >= kVerifiedPerUser) known.pop_front();
    known.push_back(pending.digest);
  }
  return Result::kAllowed;
}

BasicAuth::Digest BasicAuth::KeyedHash(std::string_view user, std::string_view password) const {
  std::string text;
  text.reserve(user.size() + 1 + password.size());
  text.append(user).append(":").append(password);  // user names hold no ':'
  Digest digest{};
  gnutls_hmac_fast(GNUTLS_MAC_SHA256, key_.data(), key_.size(), text.data(), text.size(),
                   digest.data());
  return digest;
}

bool BasicAuth::Remembered(std::string_view user, const Digest& digest) {
  std::lock_guard lock(mu_);
  const auto known = verified_.find(user);
  if (known == verified_.end()) return false;
  bool found = false;
  for (const Digest& d : known->second) {  // every entry compared, no early exit
    const std::string_view a(reinterpret_cast<const char*>(d.data()), d.size());
    const std::string_view b(reinterpret_cast<const char*>(digest.data()), digest.size());
    found = ConstantTimeEqual(a, b) || found;
  }
  return found;
}

bool BasicAuth::TakeBudget(std::string_view client_address, bool* quiet_out) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  constexpr std::int64_t kQuietMs = std::int64_t{kQuietSeconds} * 1000;
  std::lock_guard lock(mu_);
  std::string_view key = client_address;
  if (clients_.size() >= kMaxClients && clients_.find(std::string(key)) == clients_.end()) {
    std::erase_if(clients_,
                  [&](const auto& entry) { return now - entry.second.last_attempt_ms > kQuietMs; });
    if (clients_.size() >= kMaxClients) key = "*";  // all busy: one shared bucket for the rest
  }
  const auto [found, added] = clients_.try_emplace(std::string(key));
  Client& c = found->second;
  if (added) c.refilled_ms = now;
  c.tokens =
      std::min<double>(kClientBurst, c.tokens + static_cast<double>(now - c.refilled_ms) / 1000.0);
  c.refilled_ms = now;
  // Quiet: no check needing bcrypt in kQuietSeconds, refused ones included, so a flooding
  // client is quiet once per kQuietSeconds at most.
  const bool quiet = c.last_attempt_ms < 0 || now - c.last_attempt_ms > kQuietMs;
  *quiet_out = quiet;
  c.last_attempt_ms = now;
  if (c.tokens < 1.0) return false;
  const std::int64_t second = now / 1000;
  if (second != budget_second_) {
    budget_second_ = second;
    budget_used_ = 0;
    reserve_used_ = 0;
  }
  if (budget_used_ < kHashesPerSecond) {
    ++budget_used_;
  } else if (quiet && reserve_used_ < kReservePerSecond) {
    ++reserve_used_;
  } else {
    return false;
  }
  c.tokens -= 1.0;
  return true;
}

bool BasicAuth::Verify(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on a server thread's stack
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  return out != nullptr && ConstantTimeEqual(out, hash);
}

}  // namespace adwatch
