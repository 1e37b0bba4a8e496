// The partition metadata parts of the state store: each checkpoint replaces only the parts it
// names, every part is checksummed with its partition and name, and Forget drops them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/state_store.h"

namespace adwatch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class MetaPartsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/adwatch_meta_parts_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<StateStore> Open() {
    std::string error;
    auto store = StateStore::Open(dir_, "fp", StateStore::OpenMode::kOpenOrCreate, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  static PartitionDelta Delta(std::int32_t partition, std::int64_t next, std::string meta,
                              std::vector<std::pair<std::string, std::string>> parts) {
    PartitionDelta d;
    d.topic = "t";
    d.partition = partition;
    d.next_offset = next;
    d.meta = std::move(meta);
    d.meta_parts = std::move(parts);
    return d;
  }
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/adwatch-state.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  std::string dir_;
};

TEST_F(MetaPartsTest, ACheckpointReplacesOnlyThePartsItNames) {
  {
    auto store = Open();
    std::string error;
    ASSERT_TRUE(store->Commit({Delta(0, 10, "core1", {{"held", "h1"}, {"crawls", "c1"}}),
                               Delta(1, 5, "other", {{"crawls", "x1"}})},
                              &error))
        << error;
    ASSERT_TRUE(store->Commit({Delta(0, 20, "core2", {{"crawls", "c2"}})}, &error)) << error;
    ASSERT_TRUE(store->Commit({Delta(0, 30, "core3", {})}, &error)) << error;
  }
  auto store = Open();  // after a reopen too
  std::string error;
  auto snap = store->Load("t", 0, &error);
  ASSERT_TRUE(snap) << error;
  EXPECT_EQ(snap->next_offset, 30);
  EXPECT_EQ(snap->meta, "core3");
  EXPECT_THAT(snap->meta_parts, ElementsAre(Pair("crawls", "c2"), Pair("held", "h1")));
  auto other = store->Load("t", 1, &error);
  ASSERT_TRUE(other) << error;
  EXPECT_THAT(other->meta_parts, ElementsAre(Pair("crawls", "x1")));
}

TEST_F(MetaPartsTest, ForgetDropsTheParts) {
  auto store = Open();
  std::string error;
  ASSERT_TRUE(store->Commit({Delta(0, 10, "core", {{"held", "h1"}})}, &error)) << error;
  ASSERT_TRUE(store->Forget("t", 0, &error)) << error;
  ASSERT_TRUE(store->Commit({Delta(0, 1, "new", {})}, &error)) << error;
  auto snap = store->Load("t", 0, &error);
  ASSERT_TRUE(snap) << error;
  EXPECT_TRUE(snap->meta_parts.empty());
}

TEST_F(MetaPartsTest, TamperedOrMovedPartsFailTheirChecksums) {
  {
    auto store = Open();
    std::string error;
    ASSERT_TRUE(store->Commit({Delta(0, 10, "a", {{"held", "h0"}, {"crawls", "c0"}}),
                               Delta(1, 10, "b", {{"held", "h1"}})},
                              &error))
        << error;
  }
  // A part renamed (its bytes now claim to be another part), and one moved to partition 1.
  RawSql(
      "UPDATE meta_parts SET name = CAST('crawlz' AS BLOB) WHERE pid = 1 AND "
      "name = CAST('crawls' AS BLOB);"
      "UPDATE meta_parts SET pid = 2, name = CAST('x' AS BLOB) WHERE pid = 1 AND "
      "name = CAST('held' AS BLOB);");
  auto store = Open();
  std::string error;
  EXPECT_FALSE(store->Load("t", 0, &error).has_value());
  EXPECT_THAT(error, HasSubstr("metadata part 'crawlz' of partition t/0"));
  EXPECT_THAT(error, HasSubstr("--rebuild-state"));
  EXPECT_FALSE(store->Load("t", 1, &error).has_value());
  EXPECT_THAT(error, HasSubstr("metadata part 'x' of partition t/1"));
}

TEST_F(MetaPartsTest, OrphanPartsAreRefusedAtOpen) {
  {
    auto store = Open();
    std::string error;
    ASSERT_TRUE(store->Commit({Delta(0, 10, "a", {{"held", "h0"}})}, &error)) << error;
  }
  RawSql("DELETE FROM partitions");
  std::string error;
  EXPECT_EQ(StateStore::Open(dir_, "fp", StateStore::OpenMode::kOpenOrCreate, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("meta_parts rows of partition id 1 whose partition row is missing"));
}

}  // namespace
}  // namespace adwatch
