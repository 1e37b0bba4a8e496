#include "crawl/crawl_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace adwatch::crawl {
namespace {

class CrawlStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("adwatch-crawl-state-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<CrawlState> Open() {
    std::string error;
    auto s = CrawlState::Open(dir_.string(), "meta", "GB", &error);
    EXPECT_TRUE(s) << error;
    return s;
  }
  std::filesystem::path dir_;
};

TEST_F(CrawlStateTest, AnInterruptedCrawlResumesFromItsLastRecordedPage) {
  std::string error;
  {
    auto s = Open();
    EXPECT_FALSE(s->interrupted());
    ASSERT_TRUE(s->Begin("meta-GB-1", 1000, &error)) << error;
    ASSERT_TRUE(s->RecordPage({"1", "2"}, "c1", &error));
    ASSERT_TRUE(s->RecordPage({"3"}, "c2", &error));
  }
  // A torn write of the next page: ids without their cursor are not counted as listed.
  std::ofstream(dir_ / "meta-GB.progress", std::ios::app) << "id 4\nid 5\n";
  {
    auto s = Open();
    ASSERT_TRUE(s->interrupted());
    EXPECT_EQ(s->interrupted()->crawl_id, "meta-GB-1");
    EXPECT_EQ(s->interrupted()->started_at, 1000);
    EXPECT_EQ(s->interrupted()->cursor, "c2");
    EXPECT_EQ(s->interrupted()->listed, (std::set<std::string>{"1", "2", "3"}));
    EXPECT_FALSE(s->interrupted()->listing_done);
    ASSERT_TRUE(s->RecordPage({"4", "5"}, "", &error));
    ASSERT_TRUE(s->RecordListingDone(&error));
    ASSERT_TRUE(s->RecordLookedUp("9", &error));
  }
  {
    auto s = Open();
    ASSERT_TRUE(s->interrupted());
    EXPECT_TRUE(s->interrupted()->listing_done);
    EXPECT_EQ(s->interrupted()->listed.size(), 5u);
    EXPECT_EQ(s->interrupted()->looked_up, (std::set<std::string>{"9"}));
    ASSERT_TRUE(s->Complete({"1", "2", "3", "4", "5", "9"}, 2000, &error)) << error;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "meta-GB.progress"));
  }
  auto s = Open();
  EXPECT_FALSE(s->interrupted());
  EXPECT_EQ(s->known().size(), 6u);
  EXPECT_EQ(s->last_completed(), 2000);
}

TEST_F(CrawlStateTest, ACorruptFileIsRefusedNamingIt) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "meta-GB.known") << "something else\n1\n";
  std::string error;
  EXPECT_FALSE(CrawlState::Open(dir_.string(), "meta", "GB", &error));
  EXPECT_NE(error.find("meta-GB.known:1"), std::string::npos) << error;
  std::filesystem::remove(dir_ / "meta-GB.known");
  std::ofstream(dir_ / "meta-GB.progress") << "crawl x 2019-12-09T06:00:00Z\nbogus 1\n";
  EXPECT_FALSE(CrawlState::Open(dir_.string(), "meta", "GB", &error));
  EXPECT_NE(error.find("meta-GB.progress:2"), std::string::npos) << error;
}

TEST_F(CrawlStateTest, WithoutADirectoryItLivesInMemory) {
  std::string error;
  auto s = CrawlState::Open("", "meta", "GB", &error);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Begin("c", 5, &error));
  ASSERT_TRUE(s->RecordPage({"1"}, "", &error));
  ASSERT_TRUE(s->Complete({"1"}, 6, &error));
  EXPECT_EQ(s->known().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

}  // namespace
}  // namespace adwatch::crawl
