#include "store/state_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "core/crc32c.h"
#include "store/sqlite_util.h"

namespace adwatch {
namespace {

namespace fs = std::filesystem;

constexpr char kDbFileName[] = "adwatch-state.db";
constexpr char kSchemaVersion[] = "adwatch-state-store/2";
constexpr char kRebuildHint[] =
    "restart with --rebuild-state to discard it and rebuild the state from the input topic";

// 64 MiB of page cache: keeps the b-tree interior pages of ~1M ads resident so upserts of
// random keys do not re-read them from the OS.
constexpr int kCacheKiB = 64 * 1024;
// After a checkpoint the WAL is truncated back to this size.
constexpr std::int64_t kWalSizeLimit = 64LL * 1024 * 1024;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE partitions(
  pid INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  meta BLOB NOT NULL,
  crc INTEGER NOT NULL,
  UNIQUE(topic, partition));
CREATE TABLE ads(
  pid INTEGER NOT NULL,
  key BLOB NOT NULL,
  record BLOB NOT NULL,
  crc INTEGER NOT NULL,
  PRIMARY KEY(pid, key)) WITHOUT ROWID;
CREATE TABLE increments(
  pid INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  t INTEGER NOT NULL,
  record BLOB NOT NULL,
  crc INTEGER NOT NULL,
  PRIMARY KEY(pid, seq)) WITHOUT ROWID;
CREATE INDEX increments_by_t ON increments(pid, t);
CREATE TABLE meta_parts(
  pid INTEGER NOT NULL,
  name BLOB NOT NULL,
  value BLOB NOT NULL,
  crc INTEGER NOT NULL,
  PRIMARY KEY(pid, name)) WITHOUT ROWID;
)sql";

std::string PartitionName(std::string_view topic, std::int32_t partition) {
  std::string s(topic);
  s += '/';
  s += std::to_string(partition);
  return s;
}

// A key made printable for an error message (keys are opaque bytes).
std::string Printable(std::string_view key) {
  std::string out;
  for (char ch : key.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7F && ch != '\\') {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  if (key.size() > 64) out += "...";
  return out;
}

std::string CorruptMessage(const std::string& path, std::string_view detail) {
  std::string s = "state store ";
  s += path;
  s += " is corrupted (";
  s += detail;
  s += "); ";
  s += kRebuildHint;
  return s;
}

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

bool RemoveIfExists(const std::string& file, std::string* error) {
  std::error_code ec;
  fs::remove(file, ec);
  if (ec) {
    SetError(error, "cannot remove " + file + ": " + ec.message());
    return false;
  }
  return true;
}

bool RemoveDatabaseFiles(const std::string& db, std::string* error) {
  return RemoveIfExists(db, error) && RemoveIfExists(db + "-wal", error) &&
         RemoveIfExists(db + "-shm", error) && RemoveIfExists(db + "-journal", error);
}

bool FsyncPath(const std::string& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Creates an empty store at `path` without ever leaving a half-initialised file there: the
// database is built under a temporary name, closed (which checkpoints and removes its WAL),
// synced, then renamed into place.
bool CreateFresh(const std::string& dir, const std::string& path, const std::string& fingerprint,
                 std::string* error) {
  const std::string tmp = path + ".creating";
  if (!RemoveDatabaseFiles(tmp, error)) return false;
  // A WAL left behind by a deleted database would be replayed onto the new one.
  if (!RemoveIfExists(path + "-wal", error) || !RemoveIfExists(path + "-shm", error)) return false;
  {
    Db db;
    if (!db.Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error) ||
        !db.Exec("PRAGMA journal_mode=WAL", error) || !db.Exec("BEGIN IMMEDIATE", error) ||
        !db.Exec(kSchema, error)) {
      SetError(error, "cannot create state store " + tmp + ": " + *error);
      return false;
    }
    Stmt put;
    if (!db.Prepare("INSERT INTO meta(key, value) VALUES(?1, ?2)", &put, error)) return false;
    for (const auto& [k, v] :
         {std::pair<std::string_view, std::string_view>{"schema", kSchemaVersion},
          {"fingerprint", fingerprint}}) {
      put.BindText(1, k);
      put.BindBlob(2, v);
      if (put.Step() != SQLITE_DONE) {
        SetError(error, "cannot create state store " + tmp + ": " + db.ErrorText());
        return false;
      }
      put.Reset();
    }
    if (!db.Exec("COMMIT", error)) {
      SetError(error, "cannot create state store " + tmp + ": " + *error);
      return false;
    }
  }  // closed here: checkpointed, WAL removed
  if (!FsyncPath(tmp, false)) {
    SetError(error, "cannot sync " + tmp);
    return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    SetError(error, "cannot rename " + tmp + " to " + path + ": " + ec.message());
    return false;
  }
  FsyncPath(dir, true);
  return true;
}

// Row checksums: CRC-32C over a tag naming the table and every column of the row, each field
// length-prefixed, the partition always included so that a row moved to another partition or
// another key fails its check.
class RowCrc {
 public:
  explicit RowCrc(char tag) : crc_(Crc32cExtend(0, std::string_view(&tag, 1))) {}
  RowCrc& Int(std::int64_t v) {
    char b[8];
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xFFu);
    crc_ = Crc32cExtend(crc_, std::string_view(b, 8));
    return *this;
  }
  RowCrc& Bytes(std::string_view s) {
    Int(static_cast<std::int64_t>(s.size()));
    crc_ = Crc32cExtend(crc_, s);
    return *this;
  }
  std::int64_t value() const { return static_cast<std::int64_t>(crc_); }

 private:
  std::uint32_t crc_;
};

std::int64_t PartitionCrc(std::int64_t pid, std::string_view topic, std::int32_t partition,
                          std::int64_t next_offset, std::string_view meta) {
  return RowCrc('P').Int(pid).Bytes(topic).Int(partition).Int(next_offset).Bytes(meta).value();
}

RowCrc AdCrcPrefix(std::string_view topic, std::int32_t partition) {
  RowCrc c('A');
  c.Bytes(topic).Int(partition);
  return c;
}

RowCrc MetaPartCrcPrefix(std::string_view topic, std::int32_t partition) {
  RowCrc c('M');
  c.Bytes(topic).Int(partition);
  return c;
}

RowCrc IncrementCrcPrefix(std::string_view topic, std::int32_t partition) {
  RowCrc c('I');
  c.Bytes(topic).Int(partition);
  return c;
}

}  // namespace

struct StateStore::Impl {
  Db db;
  std::string path;

  Stmt begin, commit, rollback;
  Stmt find_partition;  // topic, partition, next_offset, meta, crc by pid
  Stmt upsert_partition, upsert_ad, upsert_meta_part, insert_increment, max_seq, prune;
  Stmt load_ads, load_meta_parts, load_increments;
  Stmt forget_ads, forget_meta_parts, forget_increments, forget_partition;

  // Every stored partition, read (and checksum-verified) at Open and kept in step with each
  // commit, so that finding a partition never depends on a secondary index.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> pids;
  // Partitions created by the transaction in progress; moved into `pids` when it commits.
  std::vector<std::pair<std::pair<std::string, std::int32_t>, std::int64_t>> pending_pids;
  std::int64_t next_pid = 1;  // pids are never reused within a process (gaps are harmless)
  std::vector<const std::pair<std::string, std::string>*> sorted_ads;  // reused by Apply
  // pid -> next increment seq, read lazily; dropped whenever a transaction rolls back.
  std::unordered_map<std::int64_t, std::int64_t> next_seq;

  bool Prepare(std::string* error) {
    struct {
      Stmt* stmt;
      std::string_view sql;
    } const all[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&find_partition,
         "SELECT topic, partition, next_offset, meta, crc FROM partitions WHERE pid = ?1"},
        {&upsert_partition,
         "INSERT INTO partitions(pid, topic, partition, next_offset, meta, crc) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(pid) DO UPDATE SET "
         "next_offset = excluded.next_offset, meta = excluded.meta, crc = excluded.crc"},
        {&upsert_ad,
         "INSERT INTO ads(pid, key, record, crc) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(pid, key) "
         "DO UPDATE SET record = excluded.record, crc = excluded.crc"},
        {&upsert_meta_part,
         "INSERT INTO meta_parts(pid, name, value, crc) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(pid, name) DO UPDATE SET value = excluded.value, crc = excluded.crc"},
        {&insert_increment,
         "INSERT INTO increments(pid, seq, t, record, crc) VALUES(?1, ?2, ?3, ?4, ?5)"},
        {&max_seq, "SELECT coalesce(max(seq), -1) FROM increments WHERE pid = ?1"},
        {&prune, "DELETE FROM increments WHERE pid = ?1 AND t <= ?2"},
        {&load_ads, "SELECT key, record, crc FROM ads WHERE pid = ?1 ORDER BY key"},
        {&load_meta_parts, "SELECT name, value, crc FROM meta_parts WHERE pid = ?1 ORDER BY name"},
        {&load_increments,
         "SELECT seq, t, record, crc FROM increments WHERE pid = ?1 ORDER BY seq"},
        {&forget_ads, "DELETE FROM ads WHERE pid = ?1"},
        {&forget_meta_parts, "DELETE FROM meta_parts WHERE pid = ?1"},
        {&forget_increments, "DELETE FROM increments WHERE pid = ?1"},
        {&forget_partition, "DELETE FROM partitions WHERE pid = ?1"},
    };
    for (const auto& s : all) {
      if (!db.Prepare(s.sql, s.stmt, error)) return false;
    }
    return true;
  }

  std::string Fail(std::string_view what) const {
    std::string s = "state store ";
    s += path;
    s += ": ";
    s += what;
    s += ": ";
    s += db.ErrorText();
    return s;
  }

  // After a rollback: forget what the failed transaction created.
  void DropCaches() {
    pending_pids.clear();
    next_seq.clear();
  }

  void Rollback() {
    if (!db.InTransaction()) return;  // SQLite already rolled back (e.g. after SQLITE_FULL)
    rollback.Step();
    rollback.Reset();
  }

  // The pid of a stored partition, 0 when none.
  std::int64_t FindPid(const std::string& topic, std::int32_t partition) const {
    const auto it = pids.find({topic, partition});
    return it == pids.end() ? 0 : it->second;
  }

  std::int64_t PidForWrite(const std::string& topic, std::int32_t partition) {
    std::int64_t pid = FindPid(topic, partition);
    if (pid != 0) return pid;
    for (const auto& [key, p] : pending_pids) {
      if (key.first == topic && key.second == partition) return p;
    }
    pid = next_pid++;
    pending_pids.push_back({{topic, partition}, pid});
    return pid;
  }

  std::int64_t NextSeq(std::int64_t pid, std::string* error) {
    auto it = next_seq.find(pid);
    if (it == next_seq.end()) {
      ResetOnExit reset(max_seq);
      max_seq.BindInt(1, pid);
      if (max_seq.Step() != SQLITE_ROW) {
        SetError(error, Fail("reading increments"));
        return -1;
      }
      it = next_seq.emplace(pid, max_seq.ColumnInt(0) + 1).first;
    }
    return it->second++;
  }

  bool Apply(const PartitionDelta& d, std::string* error) {
    const std::string name = PartitionName(d.topic, d.partition);
    if (d.increments.size() != d.increment_times.size()) {
      SetError(error, "state store " + path + ": partition " + name + " has " +
                          std::to_string(d.increments.size()) + " increments but " +
                          std::to_string(d.increment_times.size()) + " increment times");
      return false;
    }
    const std::int64_t pid = PidForWrite(d.topic, d.partition);
    {
      ResetOnExit reset(upsert_partition);
      upsert_partition.BindInt(1, pid);
      upsert_partition.BindText(2, d.topic);
      upsert_partition.BindInt(3, d.partition);
      upsert_partition.BindInt(4, d.next_offset);
      upsert_partition.BindBlob(5, d.meta);
      upsert_partition.BindInt(6, PartitionCrc(pid, d.topic, d.partition, d.next_offset, d.meta));
      if (upsert_partition.Step() != SQLITE_DONE) {
        SetError(error, Fail("writing partition " + name));
        return false;
      }
    }
    const RowCrc part_prefix = MetaPartCrcPrefix(d.topic, d.partition);
    for (const auto& [part, value] : d.meta_parts) {
      ResetOnExit reset(upsert_meta_part);
      upsert_meta_part.BindInt(1, pid);
      upsert_meta_part.BindBlob(2, part);
      upsert_meta_part.BindBlob(3, value);
      upsert_meta_part.BindInt(4, RowCrc(part_prefix).Bytes(part).Bytes(value).value());
      if (upsert_meta_part.Step() != SQLITE_DONE) {
        SetError(error, Fail("writing metadata part " + Printable(part) + " of partition " + name));
        return false;
      }
    }
    // In key order, the b-tree is walked once from left to right instead of at random: several
    // times faster for large batches.
    sorted_ads.clear();
    sorted_ads.reserve(d.ads.size());
    for (const auto& ad : d.ads) sorted_ads.push_back(&ad);
    std::sort(sorted_ads.begin(), sorted_ads.end(),
              [](const auto* x, const auto* y) { return x->first < y->first; });
    const RowCrc ad_prefix = AdCrcPrefix(d.topic, d.partition);
    upsert_ad.BindInt(1, pid);
    for (const auto* ad : sorted_ads) {
      const std::string& key = ad->first;
      const std::string& record = ad->second;
      ResetOnExit reset(upsert_ad);
      upsert_ad.BindBlob(2, key);
      upsert_ad.BindBlob(3, record);
      upsert_ad.BindInt(4, RowCrc(ad_prefix).Bytes(key).Bytes(record).value());
      if (upsert_ad.Step() != SQLITE_DONE) {
        SetError(error, Fail("writing ad " + Printable(key) + " of partition " + name));
        return false;
      }
    }
    const RowCrc inc_prefix = IncrementCrcPrefix(d.topic, d.partition);
    for (std::size_t i = 0; i < d.increments.size(); ++i) {
      const std::int64_t seq = NextSeq(pid, error);
      if (seq < 0) return false;
      const std::int64_t t = d.increment_times[i];
      ResetOnExit reset(insert_increment);
      insert_increment.BindInt(1, pid);
      insert_increment.BindInt(2, seq);
      insert_increment.BindInt(3, t);
      insert_increment.BindBlob(4, d.increments[i]);
      insert_increment.BindInt(5,
                               RowCrc(inc_prefix).Int(seq).Int(t).Bytes(d.increments[i]).value());
      if (insert_increment.Step() != SQLITE_DONE) {
        SetError(error, Fail("writing an increment of partition " + name));
        return false;
      }
    }
    if (d.prune_increments_before != INT64_MIN) {
      ResetOnExit reset(prune);
      prune.BindInt(1, pid);
      prune.BindInt(2, d.prune_increments_before);
      if (prune.Step() != SQLITE_DONE) {
        SetError(error, Fail("pruning increments of partition " + name));
        return false;
      }
    }
    return true;
  }

  bool Commit(const std::vector<PartitionDelta>& deltas, std::string* error) {
    {
      ResetOnExit reset(begin);
      if (begin.Step() != SQLITE_DONE) {
        SetError(error, Fail("beginning a transaction"));
        return false;
      }
    }
    for (const PartitionDelta& d : deltas) {
      if (!Apply(d, error)) {
        Rollback();
        DropCaches();
        return false;
      }
    }
    ResetOnExit reset(commit);
    if (commit.Step() != SQLITE_DONE) {
      SetError(error, Fail("committing"));
      Rollback();
      DropCaches();
      return false;
    }
    for (auto& [key, pid] : pending_pids) pids.emplace(std::move(key), pid);
    pending_pids.clear();
    return true;
  }

  std::optional<PartitionSnapshot> Load(const std::string& topic, std::int32_t partition,
                                        std::string* error) {
    const std::string name = PartitionName(topic, partition);
    PartitionSnapshot snap;
    const std::int64_t pid = FindPid(topic, partition);
    if (pid == 0) return std::nullopt;
    {
      ResetOnExit reset(find_partition);
      find_partition.BindInt(1, pid);
      const int rc = find_partition.Step();
      if (rc == SQLITE_DONE) {
        SetError(error, CorruptMessage(path, "the partition row of " + name + " has vanished"));
        return std::nullopt;
      }
      if (rc != SQLITE_ROW) {
        SetError(error, Fail("reading partition " + name));
        return std::nullopt;
      }
      snap.next_offset = find_partition.ColumnInt(2);
      snap.meta = find_partition.ColumnBytes(3);
      if (find_partition.ColumnBytes(0) != topic || find_partition.ColumnInt(1) != partition ||
          find_partition.ColumnInt(4) !=
              PartitionCrc(pid, topic, partition, snap.next_offset, snap.meta)) {
        SetError(error, CorruptMessage(path, "checksum mismatch in the partition row of " + name));
        return std::nullopt;
      }
    }
    {
      const RowCrc prefix = AdCrcPrefix(topic, partition);
      ResetOnExit reset(load_ads);
      load_ads.BindInt(1, pid);
      int rc;
      while ((rc = load_ads.Step()) == SQLITE_ROW) {
        std::string key = load_ads.ColumnBytes(0);
        std::string record = load_ads.ColumnBytes(1);
        if (load_ads.ColumnInt(2) != RowCrc(prefix).Bytes(key).Bytes(record).value()) {
          SetError(error, CorruptMessage(path, "checksum mismatch in ad row '" + Printable(key) +
                                                   "' of partition " + name));
          return std::nullopt;
        }
        snap.ads.emplace_back(std::move(key), std::move(record));
      }
      if (rc != SQLITE_DONE) {
        SetError(error, Fail("reading the ads of partition " + name));
        return std::nullopt;
      }
    }
    {
      const RowCrc prefix = MetaPartCrcPrefix(topic, partition);
      ResetOnExit reset(load_meta_parts);
      load_meta_parts.BindInt(1, pid);
      int rc;
      while ((rc = load_meta_parts.Step()) == SQLITE_ROW) {
        std::string part = load_meta_parts.ColumnBytes(0);
        std::string value = load_meta_parts.ColumnBytes(1);
        if (load_meta_parts.ColumnInt(2) != RowCrc(prefix).Bytes(part).Bytes(value).value()) {
          SetError(error, CorruptMessage(path, "checksum mismatch in metadata part '" +
                                                   Printable(part) + "' of partition " + name));
          return std::nullopt;
        }
        snap.meta_parts.emplace_back(std::move(part), std::move(value));
      }
      if (rc != SQLITE_DONE) {
        SetError(error, Fail("reading the metadata parts of partition " + name));
        return std::nullopt;
      }
    }
    {
      const RowCrc prefix = IncrementCrcPrefix(topic, partition);
      ResetOnExit reset(load_increments);
      load_increments.BindInt(1, pid);
      int rc;
      while ((rc = load_increments.Step()) == SQLITE_ROW) {
        const std::int64_t seq = load_increments.ColumnInt(0);
        const std::int64_t t = load_increments.ColumnInt(1);
        std::string record = load_increments.ColumnBytes(2);
        if (load_increments.ColumnInt(3) != RowCrc(prefix).Int(seq).Int(t).Bytes(record).value()) {
          SetError(error, CorruptMessage(path, "checksum mismatch in increment row seq " +
                                                   std::to_string(seq) + " of partition " + name));
          return std::nullopt;
        }
        snap.increments.push_back(std::move(record));
      }
      if (rc != SQLITE_DONE) {
        SetError(error, Fail("reading the increments of partition " + name));
        return std::nullopt;
      }
    }
    return snap;
  }

  bool Forget(const std::string& topic, std::int32_t partition, std::string* error) {
    const std::int64_t pid = FindPid(topic, partition);
    if (pid == 0) return true;
    {
      ResetOnExit reset(begin);
      if (begin.Step() != SQLITE_DONE) {
        SetError(error, Fail("beginning a transaction"));
        return false;
      }
    }
    for (Stmt* s : {&forget_ads, &forget_meta_parts, &forget_increments, &forget_partition}) {
      ResetOnExit reset(*s);
      s->BindInt(1, pid);
      if (s->Step() != SQLITE_DONE) {
        SetError(error, Fail("forgetting partition " + PartitionName(topic, partition)));
        Rollback();
        DropCaches();
        return false;
      }
    }
    ResetOnExit reset(commit);
    if (commit.Step() != SQLITE_DONE) {
      SetError(error, Fail("forgetting partition " + PartitionName(topic, partition)));
      Rollback();
      DropCaches();
      return false;
    }
    pids.erase({topic, partition});
    next_seq.erase(pid);
    return true;
  }

  // Every partition row's checksum, and no ad or increment row belonging to no partition.
  bool VerifyPartitions(std::string* error) {
    Stmt all;
    if (!db.Prepare("SELECT pid, topic, partition, next_offset, meta, crc FROM partitions", &all,
                    error)) {
      SetError(error, CorruptMessage(path, *error));
      return false;
    }
    pids.clear();
    std::unordered_map<std::int64_t, bool> known;
    int rc;
    while ((rc = all.Step()) == SQLITE_ROW) {
      const std::int64_t pid = all.ColumnInt(0);
      const std::string topic = all.ColumnBytes(1);
      const std::int64_t partition = all.ColumnInt(2);
      const std::string meta = all.ColumnBytes(4);
      if (partition < INT32_MIN || partition > INT32_MAX ||
          all.ColumnInt(5) != PartitionCrc(pid, topic, static_cast<std::int32_t>(partition),
                                           all.ColumnInt(3), meta)) {
        SetError(error, CorruptMessage(
                            path, "checksum mismatch in the partition row of " +
                                      PartitionName(topic, static_cast<std::int32_t>(partition))));
        return false;
      }
      known[pid] = true;
      pids[{topic, static_cast<std::int32_t>(partition)}] = pid;
      next_pid = std::max(next_pid, pid + 1);
    }
    if (rc != SQLITE_DONE) {
      SetError(error, CorruptMessage(path, db.ErrorText()));
      return false;
    }
    // Skip-scan the distinct pids of each table through its primary key.
    for (std::string_view table : {"ads", "meta_parts", "increments"}) {
      Stmt next;
      if (!db.Prepare(
              "SELECT pid FROM " + std::string(table) + " WHERE pid > ?1 ORDER BY pid LIMIT 1",
              &next, error)) {
        SetError(error, CorruptMessage(path, *error));
        return false;
      }
      std::int64_t pid = INT64_MIN;
      for (;;) {
        next.BindInt(1, pid);
        rc = next.Step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
          SetError(error, CorruptMessage(path, db.ErrorText()));
          return false;
        }
        pid = next.ColumnInt(0);
        next.Reset();
        if (known.find(pid) == known.end()) {
          SetError(error, CorruptMessage(path, std::string(table) + " rows of partition id " +
                                                   std::to_string(pid) +
                                                   " whose partition row is missing"));
          return false;
        }
      }
    }
    return true;
  }
};

std::unique_ptr<StateStore> StateStore::Open(const std::string& dir, const std::string& fingerprint,
                                             OpenMode mode, std::string* error) {
  std::string local_error;
  if (error == nullptr) error = &local_error;
  try {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      SetError(error, "cannot create state directory " + dir + ": " + ec.message());
      return nullptr;
    }
    const std::string path = (fs::path(dir) / kDbFileName).string();
    if (mode == OpenMode::kRecreate && !RemoveDatabaseFiles(path, error)) return nullptr;
    if (!fs::exists(path, ec)) {
      if (ec) {
        SetError(error, "cannot access " + path + ": " + ec.message());
        return nullptr;
      }
      if (!CreateFresh(dir, path, fingerprint, error)) return nullptr;
    }

    // A file that is not a SQLite database at all: say so before SQLite does, more vaguely.
    std::string detail;
    if (!LooksLikeSqlite(path, &detail)) {
      SetError(error, CorruptMessage(path, detail));
      return nullptr;
    }

    std::unique_ptr<StateStore> store(new StateStore());
    store->impl_ = std::make_unique<Impl>();
    store->path_ = path;
    Impl& s = *store->impl_;
    s.path = path;
    std::string why;
    if (!s.db.Open(path, SQLITE_OPEN_READWRITE, &why)) {
      SetError(error, "cannot open state store " + path + ": " + why);
      return nullptr;
    }
    // Exclusive locking: no shared-memory file, and a second process using the same state
    // directory is refused instead of interleaving its checkpoints with ours.
    auto fail_open = [&](const std::string& what) {
      if (s.db.LastCode() == SQLITE_BUSY || s.db.LastCode() == SQLITE_LOCKED) {
        SetError(error, "state store " + path +
                            " is in use by another process (another adwatch with the same "
                            "--state directory?)");
      } else if (s.db.LastCode() == SQLITE_READONLY || s.db.LastCode() == SQLITE_CANTOPEN ||
                 s.db.LastCode() == SQLITE_PERM) {
        SetError(error, "cannot use state store " + path + ": " + what);
      } else {
        SetError(error, CorruptMessage(path, what));
      }
      return nullptr;
    };
    if (!s.db.Exec("PRAGMA locking_mode=EXCLUSIVE", &why)) return fail_open(why);
    std::string journal;
    if (!s.db.QueryText("PRAGMA journal_mode=WAL", &journal, &why)) return fail_open(why);
    if (journal != "wal") {
      SetError(error, "state store " + path + ": cannot use WAL mode (got '" + journal + "')");
      return nullptr;
    }
    // Takes the exclusive lock now, and recovers the WAL left by a crash.
    if (!s.db.Exec("BEGIN IMMEDIATE; COMMIT", &why)) return fail_open(why);

    std::vector<std::string> problems;
    if (!s.db.QueryAllText("PRAGMA integrity_check(5)", &problems, &why)) return fail_open(why);
    if (problems.size() != 1 || problems[0] != "ok") {
      std::string joined = "integrity check: ";
      for (std::size_t i = 0; i < problems.size(); ++i) {
        if (i > 0) joined += "; ";
        joined += problems[i];
      }
      SetError(error, CorruptMessage(path, joined));
      return nullptr;
    }

    std::string schema, stored_fingerprint;
    if (!s.db.QueryText("SELECT value FROM meta WHERE key = 'schema'", &schema, &why) ||
        !s.db.QueryText("SELECT value FROM meta WHERE key = 'fingerprint'", &stored_fingerprint,
                        &why)) {
      return fail_open("no readable format record: " + why);
    }
    if (schema != kSchemaVersion) {
      SetError(error, "state store " + path + " has storage schema '" + schema +
                          "' but this adwatch uses '" + kSchemaVersion + "'; " + kRebuildHint);
      return nullptr;
    }
    if (stored_fingerprint != fingerprint) {
      SetError(error, "state store " + path + " was written with state format '" +
                          stored_fingerprint + "' but this adwatch uses '" + fingerprint + "'; " +
                          kRebuildHint);
      return nullptr;
    }
    if (!s.VerifyPartitions(error)) return nullptr;

    // WAL + synchronous=FULL: the WAL is fsynced at every commit, so a commit is durable as
    // soon as Commit returns, against a process crash and a power loss alike. (NORMAL would
    // survive kill -9 too, and a power loss could only undo the last commits, state and offset
    // together, never corrupt; FULL costs one fsync per commit, ~0.5 ms here, so we take it.)
    if (!s.db.Exec("PRAGMA synchronous=FULL", &why) ||
        !s.db.Exec("PRAGMA cache_size=-" + std::to_string(kCacheKiB), &why) ||
        !s.db.Exec("PRAGMA journal_size_limit=" + std::to_string(kWalSizeLimit), &why) ||
        !s.Prepare(&why)) {
      SetError(error, "state store " + path + ": " + why);
      return nullptr;
    }
    return store;
  } catch (const std::exception& e) {
    SetError(error, std::string("cannot open the state store: ") + e.what());
    return nullptr;
  }
}

StateStore::~StateStore() = default;

bool StateStore::Commit(const std::vector<PartitionDelta>& deltas, std::string* error) {
  try {
    return impl_->Commit(deltas, error);
  } catch (const std::exception& e) {
    impl_->Rollback();
    impl_->DropCaches();
    SetError(error, "state store " + path_ + ": commit failed: " + e.what());
    return false;
  }
}

std::optional<PartitionSnapshot> StateStore::Load(const std::string& topic, std::int32_t partition,
                                                  std::string* error) {
  try {
    if (error != nullptr) error->clear();
    return impl_->Load(topic, partition, error);
  } catch (const std::exception& e) {
    SetError(error, "state store " + path_ + ": load failed: " + e.what());
    return std::nullopt;
  }
}

bool StateStore::Forget(const std::string& topic, std::int32_t partition, std::string* error) {
  try {
    return impl_->Forget(topic, partition, error);
  } catch (const std::exception& e) {
    impl_->Rollback();
    impl_->DropCaches();
    SetError(error, "state store " + path_ + ": forget failed: " + e.what());
    return false;
  }
}

std::int64_t StateStore::DiskBytes() const {
  std::int64_t total = 0;
  for (const std::string& f : {path_, path_ + "-wal", path_ + "-shm"}) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (!ec) total += static_cast<std::int64_t>(size);
  }
  return total;
}

}  // namespace adwatch
