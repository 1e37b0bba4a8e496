// The tracked ads of one partition, keyed by (registry index, ad id) without a heap string per
// ad: AdKeys stores each key as one 64-bit word (a canonical decimal id below 2^55 is the number
// itself; any other id is a length-prefixed copy in a byte arena) and indexes them with a flat
// open-addressing table of 32-bit handles. AdTable<Value> adds a value per handle, in blocks that
// never move. Handles are dense (0, 1, 2, … in insertion order) and stay valid as the table
// grows; ads are never erased. Every key round-trips exactly: "0123", "123" and "CR123" are
// three distinct ids, each given back byte for byte.
// Not thread-safe: one writer; readers need the same external lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adwatch {

/// Appends never move elements: fixed blocks of 2^kBlockBits elements, so growth copies
/// nothing and leaves at most one partly used block.
template <class T, unsigned kBlockBits = 10>
class BlockVector {
 public:
  static constexpr std::size_t kBlock = std::size_t{1} << kBlockBits;

  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return blocks_[i >> kBlockBits][i & (kBlock - 1)]; }
  const T& operator[](std::size_t i) const { return blocks_[i >> kBlockBits][i & (kBlock - 1)]; }
  T& push_back(const T& value) {
    if (size_ == blocks_.size() * kBlock) blocks_.push_back(std::make_unique<T[]>(kBlock));
    T& slot = (*this)[size_++];
    slot = value;
    return slot;
  }
  void reserve(std::size_t n) { blocks_.reserve((n + kBlock - 1) / kBlock); }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::size_t size_ = 0;
};

/// Room for the decimal text of a numeric id (up to 17 digits).
using AdIdBuffer = char[24];

class AdKeys {
 public:
  using Handle = std::uint32_t;
  static constexpr Handle kNone = 0xFFFFFFFF;
  static constexpr std::size_t kMaxSize = 0xFFFFFFFE;  // handles fit in 32 bits

  /// The ad's handle, or kNone.
  Handle Find(std::uint8_t registry, std::string_view id) const;
  /// The ad's handle, adding it (as handle size() before the call) when new; kNone when the
  /// table already holds kMaxSize keys.
  std::pair<Handle, bool> Insert(std::uint8_t registry, std::string_view id);

  std::size_t size() const { return words_.size(); }
  std::uint8_t registry(Handle h) const { return static_cast<std::uint8_t>(words_[h] >> 55); }
  /// The id's text, in `buf` when numeric; valid while the table and `buf` live.
  std::string_view IdView(Handle h, AdIdBuffer& buf) const;
  std::string Id(Handle h) const {
    AdIdBuffer buf;
    return std::string(IdView(h, buf));
  }
  void Reserve(std::size_t n);

 private:
  // A key word: bit 63 set for an arena id; bits 55–62 the registry index; bits 0–54 the number
  // or the arena position (block << 16 | offset).
  static constexpr std::uint64_t kArena = std::uint64_t{1} << 63;
  static constexpr std::uint64_t kLow = (std::uint64_t{1} << 55) - 1;
  static constexpr unsigned kArenaBlockBits = 16;
  struct Probe {
    std::uint64_t word;  // the numeric key word, or the arena flag and registry
    std::uint64_t hash;
    bool numeric;
  };
  static Probe Prepare(std::uint8_t registry, std::string_view id);
  std::string_view ArenaText(std::uint64_t word) const;
  bool Matches(Handle h, const Probe& p, std::string_view id) const;
  std::uint64_t HashOf(Handle h) const;
  std::uint64_t Append(std::string_view id);  // arena position of a copy of id
  void Rehash(std::size_t capacity);          // a power of two above size() * 4 / 3

  BlockVector<std::uint64_t, 12> words_;  // [handle]
  std::vector<Handle> slots_;             // open addressing, linear probing; kNone = empty
  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t arena_used_ = 0;  // bytes used in arena_.back()
  std::size_t arena_size_ = 0;  // size of arena_.back()
};

/// AdKeys with a value per handle. Iterating visits every value in handle order.
template <class Value>
class AdTable {
 public:
  using Handle = AdKeys::Handle;
  static constexpr Handle kNone = AdKeys::kNone;
  static constexpr std::size_t kMaxSize = AdKeys::kMaxSize;

  Handle Find(std::uint8_t registry, std::string_view id) const { return keys_.Find(registry, id); }
  /// The ad's handle, adding `value` under a new one when the key is new (kNone when full).
  Handle Insert(std::uint8_t registry, std::string_view id, const Value& value) {
    const auto [h, inserted] = keys_.Insert(registry, id);
    if (inserted) values_.push_back(value);
    return h;
  }
  Value& operator[](Handle h) { return values_[h]; }
  const Value& operator[](Handle h) const { return values_[h]; }
  std::size_t size() const { return values_.size(); }
  void Reserve(std::size_t n) {
    keys_.Reserve(n);
    values_.reserve(n);
  }
  const AdKeys& keys() const { return keys_; }

  template <class Table, class V>
  class Iterator {
   public:
    Iterator(Table* table, std::size_t i) : table_(table), i_(i) {}
    V& operator*() const { return (*table_)[static_cast<Handle>(i_)]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    Table* table_;
    std::size_t i_;
  };
  Iterator<AdTable, Value> begin() { return {this, 0}; }
  Iterator<AdTable, Value> end() { return {this, size()}; }
  Iterator<const AdTable, const Value> begin() const { return {this, 0}; }
  Iterator<const AdTable, const Value> end() const { return {this, size()}; }

 private:
  AdKeys keys_;
  BlockVector<Value> values_;
};

}  // namespace adwatch
