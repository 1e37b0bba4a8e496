// Durable state: one SQLite database (WAL mode) in the `--state` directory holding, for every
// partition this instance has owned, the state it built and the input offset that state
// reflects, written together in one transaction so that they can never disagree.
//
// The store is format-agnostic: ad records, window increments and partition metadata are opaque
// byte strings encoded by src/state. Every stored value carries a CRC-32C checksum; Open runs
// SQLite's integrity check. Corruption is reported, never silently repaired or ignored.
// Thread-safety: one thread (the pipeline's) uses a store; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adwatch {

/// What one partition changed since its previous checkpoint.
struct PartitionDelta {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;  // the first input offset NOT reflected by this state
  std::string meta;              // partition-level state (replaces the previous one)
  // Further parts of the partition-level state, by name: each replaces the stored part of that
  // name; parts not named keep what is stored (a checkpoint writes only the parts that changed).
  std::vector<std::pair<std::string, std::string>> meta_parts;
  std::vector<std::pair<std::string, std::string>> ads;  // key -> record (upsert)
  std::vector<std::string> increments;  // window increments to append, each an opaque record
  std::int64_t prune_increments_before = INT64_MIN;  // drop increments whose `t` <= this
  std::vector<std::int64_t> increment_times;         // `t` of each appended increment (same order)
};

/// All of one partition's stored state.
struct PartitionSnapshot {
  std::int64_t next_offset = 0;
  std::string meta;
  std::vector<std::pair<std::string, std::string>> meta_parts;  // by name, in name order
  std::vector<std::pair<std::string, std::string>> ads;
  std::vector<std::string> increments;
};

class StateStore {
 public:
  enum class OpenMode {
    kOpenOrCreate,  // an existing store must pass the integrity check
    kRecreate,      // the operator asked to rebuild: discard whatever is there
  };

  /// Opens (creating the directory and database if needed) `dir`/adwatch-state.db.
  /// `fingerprint` identifies what the stored bytes mean (format version + the config parts
  /// that shape state); a store written under another fingerprint is refused with an error
  /// naming both. nullptr with `error` on corruption, a fingerprint mismatch or I/O failure.
  static std::unique_ptr<StateStore> Open(const std::string& dir, const std::string& fingerprint,
                                          OpenMode mode, std::string* error);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  /// Applies every delta in one transaction (all or nothing). False with `error` on failure.
  bool Commit(const std::vector<PartitionDelta>& deltas, std::string* error);

  /// The stored state of a partition, nullopt when none; `error` set (and nullopt) when a
  /// checksum does not match.
  std::optional<PartitionSnapshot> Load(const std::string& topic, std::int32_t partition,
                                        std::string* error);

  /// Removes a partition's state (e.g. before rebuilding it from the earliest offset).
  bool Forget(const std::string& topic, std::int32_t partition, std::string* error);

  /// Size of the database files on disk (main + WAL), in bytes.
  std::int64_t DiskBytes() const;
  const std::string& path() const { return path_; }

 private:
  StateStore() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace adwatch
