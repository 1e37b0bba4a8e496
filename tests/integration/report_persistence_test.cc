// Report ledgers in the real SQLite store: checkpointed with the partition's offset, restored
// exactly (figures and idempotence carry over), and reports under a wrong key rejected.
#include <gtest/gtest.h>

#include <filesystem>

#include "app/pipeline.h"
#include "config/config.h"
#include "source/report_files.h"

namespace adwatch {
namespace {

std::string Line(const std::string& advertiser, const std::string& name, const char* end,
                 Pence pence, std::int64_t ads) {
  Report r;
  r.registry = "meta";
  r.observed_at = *ParseDateOrTimestamp(end) + 86400;
  r.release = std::string("meta-") + end;
  r.kind = ReportKind::kToDate;
  r.advertiser_id = advertiser;
  r.advertiser_name = name;
  r.period_end = *ParseDateOrTimestamp(end);
  r.amount = SpendRange{pence, pence, false};
  r.ads_in_library = ads;
  return ReportToJson(r);
}

std::vector<ReportFigures> Reports(const Pipeline& p) { return p.Snapshot().reports; }

void ExpectSame(const std::vector<ReportFigures>& a, const std::vector<ReportFigures>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].registry, b[i].registry);
    EXPECT_EQ(a[i].spend, b[i].spend);
    EXPECT_EQ(a[i].ads, b[i].ads);
  }
}

TEST(ReportPersistence, LedgersSurviveARestartExactly) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "adwatch-report-persistence").string();
  std::filesystem::remove_all(dir);
  const Config& config = DefaultConfig();
  const SystemClock clock;
  struct Msg {
    std::int32_t partition;
    std::string key, value;
  };
  const std::vector<Msg> first = {
      {0, "meta:8807334278", Line("8807334278", "Conservatives", "2019-11-30", 12345600, 40)},
      {1, "meta:25749647410", Line("25749647410", "Labour Party", "2019-11-30", 7654300, 55)},
      {1, "meta:wrong", Line("25749647410", "Labour Party", "2019-12-01", 1, 1)},  // key_mismatch
  };
  std::vector<ReportFigures> before;
  {
    Pipeline a(config, clock);
    std::string error;
    ASSERT_TRUE(a.OpenStore(dir, StateStore::OpenMode::kOpenOrCreate, &error)) << error;
    std::int64_t offset = 0;
    for (const Msg& m : first) {
      a.Process(InputRecord{config.kafka.topic, m.partition, offset++, m.key, m.value});
    }
    const Figures f = a.Snapshot();
    EXPECT_EQ(f.rejects[static_cast<int>(RejectReason::kKeyMismatch)], 1);
    EXPECT_EQ(f.outcomes[static_cast<int>(Outcome::kApplied)], 2);
    ASSERT_TRUE(a.Checkpoint(&error)) << error;
    before = Reports(a);
    ASSERT_EQ(before.size(), 1u);
    EXPECT_GT(before[0].spend[0], 0);
  }
  Pipeline b(config, clock);
  std::string error;
  ASSERT_TRUE(b.OpenStore(dir, StateStore::OpenMode::kOpenOrCreate, &error)) << error;
  for (std::int32_t p : {0, 1}) {
    const auto next = b.RestorePartition(p, &error);
    ASSERT_TRUE(next.has_value()) << error;
  }
  ExpectSame(Reports(b), before);
  EXPECT_EQ(b.Snapshot().rejects[static_cast<int>(RejectReason::kKeyMismatch)], 1);
  // The same release again is a duplicate; a newer one is an increment.
  b.Process(InputRecord{config.kafka.topic, 0, 10, first[0].key, first[0].value});
  ExpectSame(Reports(b), before);
  EXPECT_EQ(b.Snapshot().outcomes[static_cast<int>(Outcome::kDuplicate)], 1);
  b.Process(InputRecord{config.kafka.topic, 0, 11, first[0].key,
                        Line("8807334278", "Conservatives", "2019-12-07", 22345600, 70)});
  EXPECT_EQ(Reports(b)[0].spend[0] - before[0].spend[0], 10000000);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace adwatch
