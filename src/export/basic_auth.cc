#include "export/basic_auth.h"

#include <crypt.h>

#include <chrono>
#include <memory>

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

BasicAuth::BasicAuth(Users users) : users_(std::move(users)) {}

BasicAuth::Result BasicAuth::Check(std::string_view authorization) {
  constexpr std::string_view kBasic = "Basic ";
  if (users_.empty() || authorization.substr(0, kBasic.size()) != kBasic) return Result::kDenied;
  std::string credentials;
  if (authorization.size() > 1024 ||
      !DecodeBase64(authorization.substr(kBasic.size()), &credentials)) {
    return Result::kDenied;
  }
  const std::size_t colon = credentials.find(':');
  if (colon == std::string::npos) return Result::kDenied;
  const std::string user = credentials.substr(0, colon);
  const std::string password = credentials.substr(colon + 1);

  const auto it = users_.find(user);
  {
    std::lock_guard lock(mu_);
    const auto seen = verified_.find(user);
    if (it != users_.end() && seen != verified_.end() &&
        ConstantTimeEqual(seen->second, password)) {
      return Result::kAllowed;
    }
  }
  std::unique_lock hash_lock(hash_mu_, std::try_to_lock);
  if (!hash_lock.owns_lock()) return Result::kBusy;
  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  if (second != budget_second_) {
    budget_second_ = second;
    budget_used_ = 0;
  }
  if (budget_used_ >= kHashesPerSecond) return Result::kBusy;
  ++budget_used_;
  // An unknown user costs a bcrypt run too (against the first user's hash, same cost).
  const bool ok = Verify(password, it != users_.end() ? it->second : users_.begin()->second);
  hash_lock.unlock();
  if (!ok || it == users_.end()) return Result::kDenied;
  std::lock_guard lock(mu_);
  verified_[user] = password;
  return Result::kAllowed;
}

bool BasicAuth::Verify(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on a server thread's stack
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  return out != nullptr && ConstantTimeEqual(out, hash);
}

}  // namespace adwatch
