// The report ledger: weekly rows spread over their days, to-date releases as increments,
// idempotence, stale releases, corrections, ads counts, the watermark left alone, persistence.
#include "state/report_ledger.h"

#include <gtest/gtest.h>

#include "core/spread.h"
#include "state/monitor_state.h"

namespace adwatch {
namespace {

constexpr EpochSeconds kDay = 86400;
constexpr EpochSeconds kDec1 = 1575158400;  // 2019-12-01T00:00:00Z

// Entity 0 for advertiser name "Conservatives", 1 for disclaimer "The Labour Party".
class FakeEnricher : public Enricher {
 public:
  void Enrich(std::string_view, const AdContent& ad, EntityId* entity,
              ThemeMask* themes) const override {
    *entity = ad.page_name == "Conservatives"    ? EntityId{0}
              : ad.bylines == "The Labour Party" ? EntityId{1}
                                                 : kUnattributed;
    *themes = 0;
  }
};

StateOptions Options() {
  StateOptions o;
  o.entity_count = 2;
  o.theme_count = 1;
  o.windows = {{"1h", 3600}};
  return o;
}

Report Weekly(std::string id, std::string name, EpochSeconds start, Pence pence,
              EpochSeconds observed, std::string release = "r1") {
  Report r;
  r.registry = "google";
  r.release = std::move(release);
  r.observed_at = observed;
  r.kind = ReportKind::kWeekly;
  r.advertiser_id = std::move(id);
  r.advertiser_name = std::move(name);
  r.period_start = start;
  r.period_end = start + 6 * kDay;
  r.amount = SpendRange{pence, pence, false};
  return r;
}

Report ToDate(std::string id, EpochSeconds end, Pence lower, Pence upper, EpochSeconds observed,
              std::optional<std::int64_t> ads = std::nullopt) {
  Report r;
  r.registry = "meta";
  r.release = "meta-" + std::to_string(end);
  r.observed_at = observed;
  r.kind = ReportKind::kToDate;
  r.advertiser_id = std::move(id);
  r.advertiser_name = "Labour";
  r.disclaimer = "The Labour Party";
  r.period_end = end;
  r.amount = SpendRange{lower, upper, false};
  r.ads_in_library = ads;
  return r;
}

class ReportLedgerTest : public ::testing::Test {
 protected:
  Outcome Apply(const Report& r) { return state_.Apply(0, Message{r}, enricher_); }
  Pence Spend(const std::string& registry, std::size_t e) const {
    const Figures f = state_.Snapshot();
    for (const ReportFigures& r : f.reports) {
      if (r.registry == registry) return r.spend[e];
    }
    return 0;
  }
  std::int64_t Ads(const std::string& registry, std::size_t e) const {
    const Figures f = state_.Snapshot();
    for (const ReportFigures& r : f.reports) {
      if (r.registry == registry) return r.ads[e];
    }
    return 0;
  }
  FakeEnricher enricher_;
  MonitorState state_{Options()};
};

TEST_F(ReportLedgerTest, WeeklyRowsAreIdempotentAndNewerReleasesReplaceAWeek) {
  EXPECT_EQ(Apply(Weekly("AR1", "Conservatives", kDec1, 123456, kDec1 + 8 * kDay)),
            Outcome::kApplied);
  EXPECT_EQ(Apply(Weekly("AR1", "Conservatives", kDec1 + 7 * kDay, 5000, kDec1 + 15 * kDay)),
            Outcome::kApplied);
  EXPECT_EQ(Spend("google", 0), 128456);
  // The same file again: nothing changes.
  EXPECT_EQ(Apply(Weekly("AR1", "Conservatives", kDec1, 123456, kDec1 + 8 * kDay)),
            Outcome::kDuplicate);
  EXPECT_EQ(Spend("google", 0), 128456);
  // A newer release revises the first week down; an older one is stale.
  EXPECT_EQ(Apply(Weekly("AR1", "Conservatives", kDec1, 100000, kDec1 + 20 * kDay, "r2")),
            Outcome::kApplied);
  EXPECT_EQ(Apply(Weekly("AR1", "Conservatives", kDec1, 999999, kDec1 + 10 * kDay, "r0")),
            Outcome::kStale);
  EXPECT_EQ(Spend("google", 0), 105000);
  EXPECT_EQ(Spend("google", 2), 0);  // unattributed untouched
}

TEST_F(ReportLedgerTest, WeeklyCampaignToDateIsTheShareInsideTheRegulatedPeriod) {
  StateOptions o = Options();
  o.regulated_period = Period{kDec1 - 3 * kDay, kDec1 + 3 * kDay + 5};  // cuts both weeks
  MonitorState state(o);
  const Pence a = 700001, b = 3333;
  state.Apply(0, Message{Weekly("AR1", "Conservatives", kDec1 - 7 * kDay, a, kDec1)}, enricher_);
  state.Apply(0, Message{Weekly("AR1", "Conservatives", kDec1, b, kDec1 + 7 * kDay)}, enricher_);
  const Pence expected =
      SpreadWithin(a, kDec1 - 7 * kDay, kDec1, o.regulated_period->start, o.regulated_period->end) +
      SpreadWithin(b, kDec1, kDec1 + 7 * kDay, o.regulated_period->start, o.regulated_period->end);
  EXPECT_EQ(expected, 300001 + 1428);  // 3 of 7 days of a; 3 days and 5 s of b (F(b) - F(a))
  EXPECT_EQ(state.Snapshot().reports.at(0).spend[0], expected);
}

TEST_F(ReportLedgerTest, ToDateReleasesBecomeIncrementsAndReplaceWeeklyFigures) {
  EXPECT_EQ(Apply(Weekly("L1", "Labour", kDec1, 7777, kDec1 + 8 * kDay)), Outcome::kApplied);
  Report weekly_meta = Weekly("L1", "Labour", kDec1, 7777, kDec1 + 8 * kDay);
  weekly_meta.registry = "meta";
  weekly_meta.disclaimer = "The Labour Party";
  weekly_meta.ads_in_library = 5;
  EXPECT_EQ(Apply(weekly_meta), Outcome::kApplied);
  EXPECT_EQ(Spend("meta", 1), 7777);
  EXPECT_EQ(Ads("meta", 1), 5);
  // A to-date release replaces the weekly sum of that advertiser; its ads count wins.
  EXPECT_EQ(Apply(ToDate("L1", kDec1 + 6 * kDay, 50000, 50000, kDec1 + 7 * kDay, 40)),
            Outcome::kApplied);
  EXPECT_EQ(Spend("meta", 1), 50000);
  EXPECT_EQ(Ads("meta", 1), 40);
  EXPECT_EQ(Apply(ToDate("L1", kDec1 + 6 * kDay, 50000, 50000, kDec1 + 7 * kDay, 40)),
            Outcome::kDuplicate);
  // A later release is an increment; an earlier one stale; a reissue of the latest corrects it.
  EXPECT_EQ(Apply(ToDate("L1", kDec1 + 13 * kDay, 80000, 90000, kDec1 + 14 * kDay, 55)),
            Outcome::kApplied);
  EXPECT_EQ(Apply(ToDate("L1", kDec1 + 6 * kDay, 1, 1, kDec1 + 30 * kDay)), Outcome::kStale);
  EXPECT_EQ(Spend("meta", 1), 80000);
  EXPECT_EQ(Ads("meta", 1), 55);
  EXPECT_EQ(Apply(ToDate("L1", kDec1 + 13 * kDay, 75000, 75000, kDec1 + 15 * kDay)),
            Outcome::kApplied);
  EXPECT_EQ(Spend("meta", 1), 75000);
  EXPECT_EQ(Spend("google", 2), 7777);  // the Google advertiser is another one (unattributed)
}

TEST_F(ReportLedgerTest, ToDateIncrementsSpreadBetweenReleasesForTheRegulatedPeriod) {
  StateOptions o = Options();
  o.regulated_period = Period{kDec1 + 10 * kDay, kDec1 + 100 * kDay};
  MonitorState state(o);
  // First release, no period start: the whole amount at its end (before the period: 0).
  state.Apply(0, Message{ToDate("L1", kDec1, 100000, 100000, kDec1 + kDay)}, enricher_);
  EXPECT_EQ(state.Snapshot().reports.at(0).spend[1], 0);
  // The next release adds 70,000 over (Dec 2, Dec 15]; 4 of its 13 days are in the period.
  state.Apply(0, Message{ToDate("L1", kDec1 + 13 * kDay, 170000, 170000, kDec1 + 14 * kDay)},
              enricher_);
  EXPECT_EQ(
      state.Snapshot().reports.at(0).spend[1],
      SpreadWithin(70000, kDec1 + kDay, kDec1 + 14 * kDay, kDec1 + 10 * kDay, kDec1 + 100 * kDay));
  EXPECT_EQ(state.Snapshot().reports.at(0).spend[1], 21539);  // 70000 - floor(70000 * 9 / 13)
}

TEST_F(ReportLedgerTest, ReportsNeverMoveTheWatermark) {
  Apply(Weekly("AR1", "Conservatives", kDec1, 1, kDec1 + 8 * kDay));
  Apply(ToDate("L1", kDec1, 1, 1, kDec1 + kDay));
  EXPECT_FALSE(state_.Snapshot().watermark.has_value());
  EXPECT_EQ(state_.Snapshot().outcomes[static_cast<int>(Outcome::kApplied)], 2);
}

TEST_F(ReportLedgerTest, TooManyAdvertisersAreRejected) {
  StateOptions o = Options();
  o.max_ads = 1;
  MonitorState state(o);
  EXPECT_EQ(state.Apply(0, Message{ToDate("A", kDec1, 1, 1, kDec1)}, enricher_), Outcome::kApplied);
  EXPECT_EQ(state.Apply(0, Message{ToDate("B", kDec1, 1, 1, kDec1)}, enricher_),
            Outcome::kRejected);
  EXPECT_EQ(state.Snapshot().rejects[static_cast<int>(RejectReason::kTooManyAds)], 1);
}

TEST_F(ReportLedgerTest, RowsRoundTripThroughTheirEncoding) {
  StateOptions o = Options();
  o.track_changes = true;
  o.regulated_period = Period{kDec1 + 2 * kDay, kDec1 + 100 * kDay};
  ReportLedger ledger(&o);
  ledger.Apply(Weekly("AR1", "Conservatives", kDec1, 123457, kDec1 + 8 * kDay), enricher_);
  ledger.Apply(Weekly("AR1", "Conservatives", kDec1 + 7 * kDay, 3, kDec1 + 15 * kDay), enricher_);
  ledger.Apply(ToDate("L1", kDec1, 10, 20, kDec1 + kDay, 3), enricher_);
  ledger.Apply(ToDate("L1", kDec1 + 9 * kDay, 30, 50, kDec1 + 10 * kDay), enricher_);
  ledger.Apply(ToDate("L1", kDec1 + 9 * kDay, 30, 50, kDec1 + 10 * kDay), enricher_);  // duplicate
  std::vector<std::pair<std::string, std::string>> rows;
  ledger.TakeDelta(&rows);
  ASSERT_EQ(rows.size(), 3u);  // two advertisers and the counts
  ReportLedger restored(&o);
  std::string error;
  for (const auto& [key, bytes] : rows) {
    EXPECT_TRUE(ReportLedger::IsRow(key)) << key;
    ASSERT_TRUE(restored.RestoreRow(key, bytes, &error)) << error;
  }
  Figures a(3, 2, 1), b(3, 2, 1);
  ledger.AddTo(a);
  restored.AddTo(b);
  EXPECT_EQ(a.reports.size(), 2u);
  for (std::size_t i = 0; i < a.reports.size(); ++i) {
    EXPECT_EQ(a.reports[i].spend, b.reports[i].spend);
    EXPECT_EQ(a.reports[i].ads, b.reports[i].ads);
  }
  EXPECT_EQ(a.outcomes, b.outcomes);
  // The restored ledger goes on exactly like the original.
  const Report next = ToDate("L1", kDec1 + 20 * kDay, 99, 99, kDec1 + 21 * kDay);
  EXPECT_EQ(ledger.Apply(next, enricher_), restored.Apply(next, enricher_));
  Figures c(3, 2, 1), d(3, 2, 1);
  ledger.AddTo(c);
  restored.AddTo(d);
  EXPECT_EQ(c.reports[1].spend, d.reports[1].spend);
  // Nothing changed since: no rows but the counts.
  rows.clear();
  ledger.TakeDelta(&rows);
  ASSERT_EQ(rows.size(), 2u);
  rows.clear();
  ledger.TakeDelta(&rows);
  EXPECT_TRUE(rows.empty());
  EXPECT_FALSE(restored.RestoreRow("#report:meta:X", "\x01", &error));
  EXPECT_FALSE(ReportLedger::IsRow("meta:1"));
}

}  // namespace
}  // namespace adwatch
