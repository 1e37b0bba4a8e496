#include "store/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace adwatch {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

using Ads = std::vector<std::pair<std::string, std::string>>;

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/adwatch_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/state";
    db_ = dir_ + "/adwatch-state.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<StateStore> OpenOk(
      const std::string& fingerprint = "fp1",
      StateStore::OpenMode mode = StateStore::OpenMode::kOpenOrCreate) {
    std::string error;
    auto store = StateStore::Open(dir_, fingerprint, mode, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  std::string OpenError(const std::string& fingerprint = "fp1") {
    std::string error;
    auto store = StateStore::Open(dir_, fingerprint, StateStore::OpenMode::kOpenOrCreate, &error);
    EXPECT_EQ(store, nullptr);
    return error;
  }

  // Runs `sql` on the closed database with a plain SQLite connection, as a tamperer would.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    const std::string text = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
  }

  std::string root_, dir_, db_;
};

PartitionDelta Delta(std::string topic, std::int32_t partition, std::int64_t next_offset,
                     std::string meta, Ads ads = {}) {
  PartitionDelta d;
  d.topic = std::move(topic);
  d.partition = partition;
  d.next_offset = next_offset;
  d.meta = std::move(meta);
  d.ads = std::move(ads);
  return d;
}

void AddIncrement(PartitionDelta* d, std::string record, std::int64_t t) {
  d->increments.push_back(std::move(record));
  d->increment_times.push_back(t);
}

bool CommitOk(StateStore& store, const std::vector<PartitionDelta>& deltas) {
  std::string error;
  const bool ok = store.Commit(deltas, &error);
  EXPECT_TRUE(ok) << error;
  return ok;
}

PartitionSnapshot LoadOk(StateStore& store, const std::string& topic, std::int32_t partition) {
  std::string error;
  auto snap = store.Load(topic, partition, &error);
  EXPECT_TRUE(snap.has_value()) << topic << "/" << partition << ": " << error;
  EXPECT_EQ(error, "");
  return snap.value_or(PartitionSnapshot{});
}

void ExpectCorruptionMessage(const std::string& error, const std::string& db) {
  EXPECT_THAT(error, HasSubstr("corrupted"));
  EXPECT_THAT(error, HasSubstr(db));
  EXPECT_THAT(error, HasSubstr("--rebuild-state"));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Commits in a child process that then exits without closing the store (no checkpoint: the
// data is only in the WAL), as a crash right after a commit would.
void CommitInChildWithoutClose(const std::string& dir, const std::string& fingerprint,
                               const std::vector<PartitionDelta>& deltas) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string error;
    auto store = StateStore::Open(dir, fingerprint, StateStore::OpenMode::kOpenOrCreate, &error);
    if (store == nullptr) _exit(10);
    if (!store->Commit(deltas, &error)) _exit(11);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

// ---------------------------------------------------------------------------------------------

TEST_F(StateStoreTest, CreatesDirectoryAndRoundTripsSeveralPartitions) {
  {
    auto store = OpenOk();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->path(), db_);
    EXPECT_TRUE(fs::is_directory(dir_));

    PartitionDelta a0 = Delta("ads", 0, 100, "meta-a0", {{"k2", "r2"}, {"k1", "r1"}});
    AddIncrement(&a0, "inc-a", 10);
    AddIncrement(&a0, "inc-b", 5);  // seq order, not t order, is the load order
    PartitionDelta a1 = Delta("ads", 1, 7, "meta-a1", {{"x", "rx"}});
    PartitionDelta b0 = Delta("other", 0, 3, "", {{"", ""}});  // empty key, record and meta
    ASSERT_TRUE(CommitOk(*store, {a0, a1, b0}));

    // Second batch: an ad overwritten, one added, increments appended, offset advanced.
    PartitionDelta a0b = Delta("ads", 0, 150, "meta-a0-v2", {{"k1", "r1-v2"}, {"k0", "r0"}});
    AddIncrement(&a0b, "inc-c", 7);
    ASSERT_TRUE(CommitOk(*store, {a0b}));
  }
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);

  PartitionSnapshot a0 = LoadOk(*store, "ads", 0);
  EXPECT_EQ(a0.next_offset, 150);
  EXPECT_EQ(a0.meta, "meta-a0-v2");
  EXPECT_THAT(a0.ads, ElementsAre(Pair("k0", "r0"), Pair("k1", "r1-v2"), Pair("k2", "r2")));
  EXPECT_THAT(a0.increments, ElementsAre("inc-a", "inc-b", "inc-c"));

  PartitionSnapshot a1 = LoadOk(*store, "ads", 1);
  EXPECT_EQ(a1.next_offset, 7);
  EXPECT_EQ(a1.meta, "meta-a1");
  EXPECT_THAT(a1.ads, ElementsAre(Pair("x", "rx")));
  EXPECT_TRUE(a1.increments.empty());

  PartitionSnapshot b0 = LoadOk(*store, "other", 0);
  EXPECT_EQ(b0.next_offset, 3);
  EXPECT_EQ(b0.meta, "");
  EXPECT_THAT(b0.ads, ElementsAre(Pair("", "")));

  std::string error = "stale";
  EXPECT_FALSE(store->Load("ads", 2, &error).has_value());
  EXPECT_EQ(error, "") << "no state is not an error";
  EXPECT_FALSE(store->Load("nope", 0, &error).has_value());
  EXPECT_EQ(error, "");
}

TEST_F(StateStoreTest, BinaryKeysAndRecordsSurvive) {
  const std::string key("\0\xff\x01k", 4);
  const std::string record("\0\0\x80zz\n", 6);
  {
    auto store = OpenOk();
    ASSERT_TRUE(CommitOk(*store, {Delta("t", 0, 1, std::string("\0m", 2), {{key, record}})}));
  }
  auto store = OpenOk();
  PartitionSnapshot s = LoadOk(*store, "t", 0);
  EXPECT_EQ(s.meta, std::string("\0m", 2));
  EXPECT_THAT(s.ads, ElementsAre(Pair(key, record)));
}

TEST_F(StateStoreTest, IncrementSequenceContinuesAcrossReopen) {
  {
    auto store = OpenOk();
    PartitionDelta d = Delta("t", 0, 1, "m");
    AddIncrement(&d, "a", 1);
    AddIncrement(&d, "b", 2);
    ASSERT_TRUE(CommitOk(*store, {d}));
  }
  {
    auto store = OpenOk();
    PartitionDelta d = Delta("t", 0, 2, "m");
    AddIncrement(&d, "c", 0);
    ASSERT_TRUE(CommitOk(*store, {d}));
    EXPECT_THAT(LoadOk(*store, "t", 0).increments, ElementsAre("a", "b", "c"));
  }
}

TEST_F(StateStoreTest, PrunesIncrementsAtOrBeforeTheBound) {
  auto store = OpenOk();
  PartitionDelta d = Delta("t", 0, 1, "m");
  AddIncrement(&d, "t10", 10);
  AddIncrement(&d, "t20", 20);
  AddIncrement(&d, "t30", 30);
  AddIncrement(&d, "t40", 40);
  PartitionDelta other = Delta("t", 1, 1, "m");
  AddIncrement(&other, "o10", 10);
  ASSERT_TRUE(CommitOk(*store, {d, other}));

  PartitionDelta prune = Delta("t", 0, 2, "m");
  prune.prune_increments_before = 20;
  ASSERT_TRUE(CommitOk(*store, {prune}));
  EXPECT_THAT(LoadOk(*store, "t", 0).increments, ElementsAre("t30", "t40"));
  EXPECT_THAT(LoadOk(*store, "t", 1).increments, ElementsAre("o10")) << "other partition kept";

  // The prune applies after the delta's own increments are appended.
  PartitionDelta both = Delta("t", 0, 3, "m");
  AddIncrement(&both, "t25", 25);
  AddIncrement(&both, "t50", 50);
  both.prune_increments_before = 30;
  ASSERT_TRUE(CommitOk(*store, {both}));
  EXPECT_THAT(LoadOk(*store, "t", 0).increments, ElementsAre("t40", "t50"));
}

TEST_F(StateStoreTest, ForgetRemovesOnePartitionOnly) {
  {
    auto store = OpenOk();
    PartitionDelta d0 = Delta("t", 0, 5, "m0", {{"a", "1"}});
    AddIncrement(&d0, "i0", 1);
    PartitionDelta d1 = Delta("t", 1, 6, "m1", {{"b", "2"}});
    AddIncrement(&d1, "i1", 1);
    ASSERT_TRUE(CommitOk(*store, {d0, d1}));
    std::string error;
    ASSERT_TRUE(store->Forget("t", 0, &error)) << error;
    EXPECT_FALSE(store->Load("t", 0, &error).has_value());
    EXPECT_EQ(error, "");
    ASSERT_TRUE(store->Forget("t", 9, &error)) << "forgetting nothing is fine: " << error;
  }
  auto store = OpenOk();
  std::string error;
  EXPECT_FALSE(store->Load("t", 0, &error).has_value());
  EXPECT_EQ(error, "");
  PartitionSnapshot d1 = LoadOk(*store, "t", 1);
  EXPECT_EQ(d1.next_offset, 6);
  EXPECT_THAT(d1.ads, ElementsAre(Pair("b", "2")));
  EXPECT_THAT(d1.increments, ElementsAre("i1"));

  // Rebuilt from scratch: nothing of the old state comes back.
  PartitionDelta again = Delta("t", 0, 1, "new", {{"z", "9"}});
  AddIncrement(&again, "fresh", 3);
  ASSERT_TRUE(CommitOk(*store, {again}));
  PartitionSnapshot d0 = LoadOk(*store, "t", 0);
  EXPECT_EQ(d0.meta, "new");
  EXPECT_THAT(d0.ads, ElementsAre(Pair("z", "9")));
  EXPECT_THAT(d0.increments, ElementsAre("fresh"));
}

TEST_F(StateStoreTest, DiskBytesCountsTheFiles) {
  auto store = OpenOk();
  const std::int64_t empty = store->DiskBytes();
  EXPECT_GT(empty, 0);
  Ads ads;
  for (int i = 0; i < 2000; ++i) ads.emplace_back("key" + std::to_string(i), std::string(100, 'r'));
  ASSERT_TRUE(CommitOk(*store, {Delta("t", 0, 1, "m", ads)}));
  EXPECT_GT(store->DiskBytes(), empty + 2000 * 100);
}

TEST_F(StateStoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto first = OpenOk();
  ASSERT_NE(first, nullptr);
  std::string error;
  auto second = StateStore::Open(dir_, "fp1", StateStore::OpenMode::kOpenOrCreate, &error);
  EXPECT_EQ(second, nullptr);
  EXPECT_THAT(error, HasSubstr("in use"));
}

// --- atomicity --------------------------------------------------------------------------------

TEST_F(StateStoreTest, CommitFailingMidwayLeavesThePreviousState) {
  auto store = OpenOk();
  PartitionDelta before = Delta("t", 0, 10, "m-before", {{"a", "1"}});
  AddIncrement(&before, "i1", 1);
  ASSERT_TRUE(CommitOk(*store, {before}));

  // The first delta is valid and gets applied inside the transaction; the second is malformed
  // (an increment without its time), so the whole commit must roll back.
  PartitionDelta good = Delta("t", 0, 20, "m-after", {{"a", "2"}, {"b", "3"}});
  AddIncrement(&good, "i2", 2);
  good.prune_increments_before = 1;
  PartitionDelta brand_new = Delta("t", 5, 1, "new", {{"n", "n"}});
  PartitionDelta bad = Delta("t", 1, 1, "m", {});
  bad.increments.push_back("no time");
  std::string error;
  EXPECT_FALSE(store->Commit({good, brand_new, bad}, &error));
  EXPECT_THAT(error, HasSubstr("t/1"));

  PartitionSnapshot s = LoadOk(*store, "t", 0);
  EXPECT_EQ(s.next_offset, 10);
  EXPECT_EQ(s.meta, "m-before");
  EXPECT_THAT(s.ads, ElementsAre(Pair("a", "1")));
  EXPECT_THAT(s.increments, ElementsAre("i1"));
  EXPECT_FALSE(store->Load("t", 5, &error).has_value());
  EXPECT_EQ(error, "");

  // The store keeps working, and the increment sequence was not disturbed.
  PartitionDelta next = Delta("t", 0, 30, "m3");
  AddIncrement(&next, "i3", 3);
  ASSERT_TRUE(CommitOk(*store, {next, brand_new}));
  store.reset();
  store = OpenOk();
  EXPECT_THAT(LoadOk(*store, "t", 0).increments, ElementsAre("i1", "i3"));
  EXPECT_EQ(LoadOk(*store, "t", 5).meta, "new");
}

// A real I/O failure in the middle of a large commit: the disk "fills up" (RLIMIT_FSIZE), the
// commit fails, and both the same process and a later one see exactly the previous state.
TEST_F(StateStoreTest, DiskFullDuringCommitRollsBack) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    std::string error;
    auto store = StateStore::Open(dir_, "fp1", StateStore::OpenMode::kOpenOrCreate, &error);
    if (store == nullptr) _exit(10);
    if (!store->Commit({Delta("t", 0, 10, "m-before", {{"a", "1"}})}, &error)) _exit(11);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = static_cast<rlim_t>(store->DiskBytes() + 256 * 1024);
    if (setrlimit(RLIMIT_FSIZE, &small) != 0) _exit(12);
    Ads big;
    for (int i = 0; i < 20000; ++i)
      big.emplace_back("k" + std::to_string(i), std::string(200, 'x'));
    if (store->Commit({Delta("t", 0, 99, "m-big", big)}, &error)) _exit(13);
    auto s = store->Load("t", 0, &error);
    if (!s || s->next_offset != 10 || s->meta != "m-before" || s->ads.size() != 1) _exit(14);
    if (setrlimit(RLIMIT_FSIZE, &old) != 0) _exit(15);
    if (!store->Commit({Delta("t", 0, 11, "m-after", {{"b", "2"}})}, &error)) _exit(16);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto store = OpenOk();
  PartitionSnapshot s = LoadOk(*store, "t", 0);
  EXPECT_EQ(s.next_offset, 11);
  EXPECT_EQ(s.meta, "m-after");
  EXPECT_THAT(s.ads, ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

// --- crashes -------------------------------------------------------------------------------------

TEST_F(StateStoreTest, CommittedDataSurvivesExitWithoutClose) {
  PartitionDelta d = Delta("t", 3, 42, "m", {{"a", "1"}, {"b", "2"}});
  AddIncrement(&d, "i", 1);
  CommitInChildWithoutClose(dir_, "fp1", {d});
  EXPECT_TRUE(fs::exists(db_ + "-wal"));
  auto store = OpenOk();
  PartitionSnapshot s = LoadOk(*store, "t", 3);
  EXPECT_EQ(s.next_offset, 42);
  EXPECT_THAT(s.ads, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(s.increments, ElementsAre("i"));
}

constexpr int kCrashPartitions = 4;
constexpr int kCrashAds = 3000;
constexpr int kCrashKeepIncrements = 5;

std::string CrashRecord(std::int64_t gen, int key) {
  return "g" + std::to_string(gen) + "-k" + std::to_string(key) + "-" + std::string(80, 'p');
}

// Generation g of the crash workload: every partition has next_offset g, meta "gen=g", every ad
// k0..k2999 holding generation g's record, and increments "i<h>" for the last five h <= g.
[[noreturn]] void CrashWorkload(const std::string& dir, int ready_fd) {
  std::string error;
  auto store = StateStore::Open(dir, "fp1", StateStore::OpenMode::kOpenOrCreate, &error);
  if (store == nullptr) _exit(20);
  auto first = store->Load("t", 0, &error);
  std::int64_t gen = first ? first->next_offset : 0;
  bool signalled = false;
  for (;;) {
    ++gen;
    std::vector<PartitionDelta> deltas;
    for (int p = 0; p < kCrashPartitions; ++p) {
      PartitionDelta d = Delta("t", p, gen, "gen=" + std::to_string(gen));
      for (int k = 0; k < kCrashAds; ++k)
        d.ads.emplace_back("k" + std::to_string(k), CrashRecord(gen, k));
      AddIncrement(&d, "i" + std::to_string(gen), gen);
      d.prune_increments_before = gen - kCrashKeepIncrements;
      deltas.push_back(std::move(d));
    }
    if (!store->Commit(deltas, &error)) _exit(21);
    if (!signalled) {
      const char byte = 1;
      if (write(ready_fd, &byte, 1) != 1) _exit(22);
      signalled = true;
    }
  }
}

TEST_F(StateStoreTest, KillDuringCommitsLeavesAConsistentPrefix) {
  std::mt19937 rng(7);
  std::int64_t last_gen = 0;
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      CrashWorkload(dir_, fds[1]);
    }
    close(fds[1]);
    char byte = 0;
    ASSERT_EQ(read(fds[0], &byte, 1), 1) << "child failed before its first commit";
    close(fds[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself with " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    auto store = OpenOk();  // passes the integrity check
    ASSERT_NE(store, nullptr);
    const std::int64_t gen = LoadOk(*store, "t", 0).next_offset;
    EXPECT_GE(gen, last_gen + 1) << "a commit that returned was lost";
    last_gen = gen;
    for (int p = 0; p < kCrashPartitions; ++p) {
      PartitionSnapshot s = LoadOk(*store, "t", p);
      ASSERT_EQ(s.next_offset, gen) << "partitions of one commit disagree";
      ASSERT_EQ(s.meta, "gen=" + std::to_string(gen));
      ASSERT_EQ(s.ads.size(), static_cast<std::size_t>(kCrashAds));
      for (const auto& [key, record] : s.ads) {
        ASSERT_EQ(record, CrashRecord(gen, std::stoi(key.substr(1)))) << "p" << p << " " << key;
      }
      std::vector<std::string> want;
      for (std::int64_t h = std::max<std::int64_t>(1, gen - kCrashKeepIncrements + 1); h <= gen;
           ++h)
        want.push_back("i" + std::to_string(h));
      ASSERT_EQ(s.increments, want) << "p" << p;
    }
  }
}

// --- corruption ----------------------------------------------------------------------------------

// Three partitions of 1500 ads each; returns what they hold.
std::vector<std::pair<std::int32_t, PartitionSnapshot>> FillForCorruption(StateStore& store) {
  std::vector<std::pair<std::int32_t, PartitionSnapshot>> expected;
  std::vector<PartitionDelta> deltas;
  for (std::int32_t p = 0; p < 3; ++p) {
    PartitionSnapshot want;
    want.next_offset = 1000 + p;
    want.meta = "meta" + std::to_string(p);
    PartitionDelta d = Delta("t", p, want.next_offset, want.meta);
    for (int k = 0; k < 1500; ++k) {
      char key[16];
      std::snprintf(key, sizeof key, "ad%05d", k);
      d.ads.emplace_back(key, "record-" + std::to_string(p) + "-" + std::to_string(k) +
                                  std::string(60, static_cast<char>('a' + k % 26)));
    }
    for (int i = 0; i < 200; ++i) AddIncrement(&d, "inc" + std::to_string(i), i);
    want.ads = d.ads;
    want.increments = d.increments;
    expected.emplace_back(p, want);
    deltas.push_back(std::move(d));
  }
  EXPECT_TRUE(store.Commit(deltas, nullptr));
  return expected;
}

TEST_F(StateStoreTest, PageCorruptionIsDetectedNeverReturnedAsData) {
  std::vector<std::pair<std::int32_t, PartitionSnapshot>> expected;
  {
    auto store = OpenOk();
    expected = FillForCorruption(*store);
  }
  ASSERT_FALSE(fs::exists(db_ + "-wal")) << "a clean close checkpoints";
  const std::string pristine = ReadFile(db_);
  ASSERT_GT(pristine.size(), 400000u);

  int detected_at_open = 0, detected_at_load = 0, harmless = 0;
  std::mt19937 rng(42);
  for (int trial = 0; trial < 40; ++trial) {
    std::string bytes = pristine;
    // Half the trials hit the middle of the file, the rest anywhere past the file header.
    const std::size_t span = trial % 2 == 0 ? bytes.size() / 2 : bytes.size() - 200;
    const std::size_t at = (trial % 2 == 0 ? bytes.size() / 4 : 100) + rng() % span;
    for (std::size_t i = at; i < std::min(bytes.size(), at + 8); ++i) bytes[i] ^= '\x5A';
    WriteFile(db_, bytes);

    std::string error;
    auto store = StateStore::Open(dir_, "fp1", StateStore::OpenMode::kOpenOrCreate, &error);
    if (store == nullptr) {
      ExpectCorruptionMessage(error, db_);
      ++detected_at_open;
      continue;
    }
    bool load_failed = false;
    for (const auto& [p, want] : expected) {
      auto got = store->Load("t", p, &error);
      if (!got) {
        ASSERT_NE(error, "") << "partition " << p << " silently vanished, offset " << at;
        EXPECT_THAT(error, HasSubstr("t/" + std::to_string(p)));
        load_failed = true;
        continue;
      }
      ASSERT_EQ(got->next_offset, want.next_offset) << "wrong data at offset " << at;
      ASSERT_EQ(got->meta, want.meta) << at;
      ASSERT_EQ(got->ads, want.ads) << "wrong data at offset " << at;
      ASSERT_EQ(got->increments, want.increments) << at;
    }
    (load_failed ? detected_at_load : harmless) += 1;
  }
  EXPECT_GT(detected_at_open + detected_at_load, 20)
      << "open " << detected_at_open << " load " << detected_at_load << " harmless " << harmless;
}

TEST_F(StateStoreTest, TamperedAdRecordFailsItsChecksum) {
  {
    auto store = OpenOk();
    FillForCorruption(*store);
  }
  RawSql(
      "UPDATE ads SET record = X'00112233' WHERE key = CAST('ad00042' AS BLOB) AND pid = "
      "(SELECT pid FROM partitions WHERE partition = 1)");
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  std::string error;
  EXPECT_FALSE(store->Load("t", 1, &error).has_value());
  ExpectCorruptionMessage(error, db_);
  EXPECT_THAT(error, HasSubstr("checksum mismatch"));
  EXPECT_THAT(error, HasSubstr("ad row 'ad00042'"));
  EXPECT_THAT(error, HasSubstr("partition t/1"));
  EXPECT_EQ(LoadOk(*store, "t", 0).ads.size(), 1500u) << "other partitions still load";
}

TEST_F(StateStoreTest, SwappedAndMovedRowsFailTheirChecksums) {
  {
    auto store = OpenOk();
    FillForCorruption(*store);
  }
  // Swap two ads' (record, crc) pairs: each row is self-consistent but under the wrong key.
  RawSql(
      "CREATE TEMP TABLE s AS SELECT key, record, crc FROM ads WHERE pid = 1 AND key IN "
      "(CAST('ad00001' AS BLOB), CAST('ad00002' AS BLOB));"
      "UPDATE ads SET record = (SELECT record FROM s WHERE s.key <> ads.key), "
      "crc = (SELECT crc FROM s WHERE s.key <> ads.key) WHERE pid = 1 AND key IN "
      "(SELECT key FROM s);"
      // Move an ad of partition 2 (pid 3) into partition 1 (pid 2) under a new key.
      "UPDATE ads SET pid = 2, key = CAST('zz' AS BLOB) WHERE pid = 3 AND key = "
      "CAST('ad00007' AS BLOB);"
      // An increment whose time was edited.
      "UPDATE increments SET t = t + 1 WHERE pid = 3 AND seq = 5;");
  auto store = OpenOk();
  std::string error;
  EXPECT_FALSE(store->Load("t", 0, &error).has_value());
  EXPECT_THAT(error, HasSubstr("ad row 'ad00001'"));
  EXPECT_FALSE(store->Load("t", 1, &error).has_value());
  EXPECT_THAT(error, HasSubstr("ad row 'zz'"));
  EXPECT_FALSE(store->Load("t", 2, &error).has_value());
  EXPECT_THAT(error, HasSubstr("increment row seq 5"));
}

TEST_F(StateStoreTest, TamperedPartitionRowIsRefusedAtOpen) {
  {
    auto store = OpenOk();
    FillForCorruption(*store);
  }
  RawSql("UPDATE partitions SET next_offset = next_offset + 1 WHERE partition = 2");
  const std::string error = OpenError();
  ExpectCorruptionMessage(error, db_);
  EXPECT_THAT(error, HasSubstr("partition row of t/2"));
}

TEST_F(StateStoreTest, OrphanRowsAreRefusedAtOpen) {
  {
    auto store = OpenOk();
    FillForCorruption(*store);
  }
  RawSql("DELETE FROM partitions WHERE partition = 1");
  const std::string error = OpenError();
  ExpectCorruptionMessage(error, db_);
  EXPECT_THAT(error, HasSubstr("partition row is missing"));
}

TEST_F(StateStoreTest, GarbageFileIsReportedAsCorrupted) {
  fs::create_directories(dir_);
  std::string garbage;
  std::mt19937 rng(1);
  for (int i = 0; i < 8192; ++i) garbage += static_cast<char>(rng());
  WriteFile(db_, garbage);
  std::string error = OpenError();
  ExpectCorruptionMessage(error, db_);
  EXPECT_THAT(error, HasSubstr("not a SQLite database"));

  // A valid header followed by garbage gets past the first check but not SQLite's.
  WriteFile(db_, std::string("SQLite format 3\0", 16) + garbage);
  error = OpenError();
  ExpectCorruptionMessage(error, db_);

  WriteFile(db_, "");
  error = OpenError();
  ExpectCorruptionMessage(error, db_);
  EXPECT_THAT(error, HasSubstr("empty"));
}

TEST_F(StateStoreTest, TruncatedFileIsReportedAsCorrupted) {
  {
    auto store = OpenOk();
    FillForCorruption(*store);
  }
  const std::string pristine = ReadFile(db_);
  for (std::size_t keep :
       {pristine.size() / 2, pristine.size() - 4096, std::size_t{8192}, std::size_t{50}}) {
    WriteFile(db_, pristine.substr(0, keep));
    const std::string error = OpenError();
    ExpectCorruptionMessage(error, db_);
  }
}

TEST_F(StateStoreTest, FingerprintMismatchIsRefusedAndKeepsTheData) {
  {
    auto store = OpenOk("format-7/windows=1h");
    ASSERT_TRUE(CommitOk(*store, {Delta("t", 0, 5, "m")}));
  }
  const std::string error = OpenError("format-8/windows=1h");
  EXPECT_THAT(error, HasSubstr("format-7/windows=1h"));
  EXPECT_THAT(error, HasSubstr("format-8/windows=1h"));
  EXPECT_THAT(error, HasSubstr("--rebuild-state"));
  auto store = OpenOk("format-7/windows=1h");
  EXPECT_EQ(LoadOk(*store, "t", 0).next_offset, 5);
}

TEST_F(StateStoreTest, RecreateStartsEmptyUnderTheNewFingerprint) {
  CommitInChildWithoutClose(dir_, "old", {Delta("t", 0, 5, "m", {{"a", "1"}})});
  ASSERT_TRUE(fs::exists(db_ + "-wal"));
  {
    auto store = OpenOk("new", StateStore::OpenMode::kRecreate);
    ASSERT_NE(store, nullptr);
    std::string error;
    EXPECT_FALSE(store->Load("t", 0, &error).has_value());
    EXPECT_EQ(error, "");
    ASSERT_TRUE(CommitOk(*store, {Delta("t", 1, 2, "m2")}));
  }
  EXPECT_THAT(OpenError("old"), HasSubstr("'new'"));
  auto store = OpenOk("new");
  EXPECT_EQ(LoadOk(*store, "t", 1).next_offset, 2);
  std::string error;
  EXPECT_FALSE(store->Load("t", 0, &error).has_value());
}

TEST_F(StateStoreTest, RecreateReplacesAGarbageFile) {
  fs::create_directories(dir_);
  WriteFile(db_, std::string(10000, 'g'));
  WriteFile(db_ + "-wal", std::string(10000, 'w'));
  auto store = OpenOk("fp", StateStore::OpenMode::kRecreate);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitOk(*store, {Delta("t", 0, 1, "m")}));
}

TEST_F(StateStoreTest, StaleWalWithoutDatabaseIsNotReplayedOntoANewStore) {
  CommitInChildWithoutClose(dir_, "fp1", {Delta("t", 0, 5, "m", {{"a", "1"}})});
  ASSERT_TRUE(fs::exists(db_ + "-wal"));
  fs::remove(db_);  // the operator deleted the state file but not its WAL
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  std::string error;
  EXPECT_FALSE(store->Load("t", 0, &error).has_value());
  EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace adwatch
