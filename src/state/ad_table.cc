#include "state/ad_table.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>

namespace adwatch {
namespace {

// MurmurHash3's 64-bit finaliser: every input bit affects the low bits the slots use.
std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb93e110c9a63ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t ArenaHash(std::uint8_t registry, std::string_view id) {
  return Mix(std::hash<std::string_view>{}(id) ^ (std::uint64_t{registry} << 56));
}

constexpr std::size_t kMinSlots = 16;

}  // namespace

AdKeys::Probe AdKeys::Prepare(std::uint8_t registry, std::string_view id) {
  const std::uint64_t reg = std::uint64_t{registry} << 55;
  // Canonical decimal: 1–17 digits, no leading zero (except "0" itself), below 2^55.
  if (!id.empty() && id.size() <= 17 && (id[0] != '0' || id.size() == 1)) {
    std::uint64_t n = 0;
    bool digits = true;
    for (const char c : id) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits && n <= kLow) return {reg | n, Mix(reg | n), true};
  }
  return {kArena | reg, ArenaHash(registry, id), false};
}

std::string_view AdKeys::ArenaText(std::uint64_t word) const {
  const std::uint64_t pos = word & kLow;
  const char* p = arena_[pos >> kArenaBlockBits].get() + (pos & ((1U << kArenaBlockBits) - 1));
  std::size_t len = 0;
  unsigned shift = 0;
  for (;; shift += 7) {  // LEB128 length
    const auto byte = static_cast<unsigned char>(*p++);
    len |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return {p, len};
}

std::string_view AdKeys::IdView(Handle h, AdIdBuffer& buf) const {
  const std::uint64_t word = words_[h];
  if (word & kArena) return ArenaText(word);
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(AdIdBuffer), word & kLow);
  return {buf, static_cast<std::size_t>(end - buf)};
}

bool AdKeys::Matches(Handle h, const Probe& p, std::string_view id) const {
  const std::uint64_t word = words_[h];
  if (p.numeric) return word == p.word;
  return (word & ~kLow) == p.word && ArenaText(word) == id;
}

std::uint64_t AdKeys::HashOf(Handle h) const {
  const std::uint64_t word = words_[h];
  if (!(word & kArena)) return Mix(word);
  return ArenaHash(static_cast<std::uint8_t>(word >> 55), ArenaText(word));
}

AdKeys::Handle AdKeys::Find(std::uint8_t registry, std::string_view id) const {
  if (slots_.empty()) return kNone;
  const Probe p = Prepare(registry, id);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = p.hash & mask;; i = (i + 1) & mask) {
    const Handle h = slots_[i];
    if (h == kNone) return kNone;
    if (Matches(h, p, id)) return h;
  }
}

std::pair<AdKeys::Handle, bool> AdKeys::Insert(std::uint8_t registry, std::string_view id) {
  // At most 3/4 full, so that a probe for a missing key ends soon.
  if ((size() + 1) * 4 > slots_.size() * 3) {
    Rehash(slots_.empty() ? kMinSlots : slots_.size() * 2);
  }
  const Probe p = Prepare(registry, id);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = p.hash & mask;
  for (;; i = (i + 1) & mask) {
    const Handle h = slots_[i];
    if (h == kNone) break;
    if (Matches(h, p, id)) return {h, false};
  }
  if (size() >= kMaxSize) return {kNone, false};
  const auto h = static_cast<Handle>(size());
  words_.push_back(p.numeric ? p.word : p.word | Append(id));
  slots_[i] = h;
  return {h, true};
}

std::uint64_t AdKeys::Append(std::string_view id) {
  unsigned char prefix[10];
  std::size_t prefix_len = 0;
  for (std::size_t n = id.size();; n >>= 7) {
    prefix[prefix_len++] = static_cast<unsigned char>((n & 0x7F) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  const std::size_t need = prefix_len + id.size();
  if (arena_.empty() || arena_size_ - arena_used_ < need) {
    // A new block; an id longer than a block gets a block of its own.
    arena_size_ = std::max<std::size_t>(std::size_t{1} << kArenaBlockBits, need);
    arena_.push_back(std::make_unique_for_overwrite<char[]>(arena_size_));
    arena_used_ = 0;
  }
  char* p = arena_.back().get() + arena_used_;
  std::memcpy(p, prefix, prefix_len);
  if (!id.empty()) std::memcpy(p + prefix_len, id.data(), id.size());
  const std::uint64_t pos = (std::uint64_t{arena_.size() - 1} << kArenaBlockBits) | arena_used_;
  arena_used_ += need;
  // A long id fills its block: later ids start the next one (offsets stay below 2^16).
  if (arena_size_ > (std::size_t{1} << kArenaBlockBits)) arena_used_ = arena_size_;
  return pos;
}

void AdKeys::Reserve(std::size_t n) {
  words_.reserve(n);
  std::size_t want = kMinSlots;
  while (n * 4 > want * 3) want *= 2;
  if (want > slots_.size()) Rehash(want);
}

void AdKeys::Rehash(std::size_t capacity) {
  slots_.assign(capacity, kNone);
  const std::size_t mask = capacity - 1;
  for (std::size_t h = 0; h < size(); ++h) {
    std::size_t i = HashOf(static_cast<Handle>(h)) & mask;
    while (slots_[i] != kNone) i = (i + 1) & mask;
    slots_[i] = static_cast<Handle>(h);
  }
}

}  // namespace adwatch
