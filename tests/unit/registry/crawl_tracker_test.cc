// CrawlTracker's pruned bookkeeping: it remembers only the crawls under way and the latest
// ended crawl of each scope, yet every ad is classified as with the crawl ids of all time.
#include "registry/crawl_tracker.h"

#include <gtest/gtest.h>

#include <string>

namespace adwatch {
namespace {

constexpr EpochSeconds kT0 = 1575849600;  // 2019-12-09T00:00:00Z

Observation Listed(const std::string& crawl, const std::string& scope = "GB") {
  Observation o;
  o.registry = "meta";
  o.crawl_id = crawl;
  o.scope = scope;
  o.lookup = Lookup::kListing;
  o.status = AdStatus::kPresent;
  return o;
}

Observation ById(const std::string& crawl, AdStatus status) {
  Observation o = Listed(crawl);
  o.lookup = Lookup::kById;
  o.status = status;
  return o;
}

// Crawl `n` of scope GB: started at hour n, completed 10 minutes later.
CrawlEnd End(int n, const std::string& scope = "GB") {
  return CrawlEnd{"meta", "c" + std::to_string(n), scope, kT0 + n * 3600, kT0 + n * 3600 + 600, 1};
}

// Applies crawl_end `end` to `ads`, as PartitionState does; false when it was not newer.
template <typename... Ads>
bool ApplyEnd(CrawlTracker& t, const CrawlEnd& end, Ads&... ads) {
  const auto crawl = t.BeginCrawlEnd(end);
  if (!crawl) return false;
  (CrawlTracker::Reconcile(*crawl, ads), ...);
  return true;
}

TEST(CrawlTrackerTest, RemembersOnlyCrawlsUnderWayAndTheLatestEndedPerScope) {
  CrawlTracker t;
  AdPresence a;
  for (int n = 1; n <= 1000; ++n) {
    t.RecordSighting(Listed("c" + std::to_string(n)), a);
    ASSERT_TRUE(ApplyEnd(t, End(n), a));
    EXPECT_EQ(a.presence, Presence::kListed);
    EXPECT_EQ(t.crawl_ids(), 1u);  // c<n>, the latest ended of meta/GB
  }
  // A second scope and a crawl under way in it.
  t.RecordSighting(Listed("us1", "US"), a);
  EXPECT_EQ(t.crawl_ids(), 2u);
  ASSERT_TRUE(ApplyEnd(t, CrawlEnd{"meta", "us1", "US", kT0, kT0 + 600, 1}));
  EXPECT_EQ(t.crawl_ids(), 2u);
  ByteWriter out;
  t.Encode(out);
  EXPECT_LT(out.bytes().size(), 200u);  // not 1,001 crawl ids
}

// The numbers of forgotten crawls are never handed out again: an ad listed only in a forgotten
// crawl must not count as listed in a new crawl that happens to get a reused number.
TEST(CrawlTrackerTest, NumbersAreNotReusedAfterPruning) {
  CrawlTracker t;
  AdPresence a, b;
  t.RecordSighting(Listed("c1"), a);
  t.RecordSighting(Listed("c1"), b);
  ASSERT_TRUE(ApplyEnd(t, End(1), a, b));
  t.RecordSighting(Listed("c2"), b);
  ASSERT_TRUE(ApplyEnd(t, End(2), a, b));  // c1 forgotten now
  EXPECT_EQ(a.presence, Presence::kMissing);
  // Several new crawls under way: none may get c1's number.
  t.RecordSighting(Listed("c3"), b);
  t.RecordSighting(Listed("x"), b);
  t.RecordSighting(Listed("c3"), b);
  ASSERT_TRUE(ApplyEnd(t, End(3), a, b));
  EXPECT_EQ(a.presence, Presence::kMissing);
  EXPECT_EQ(b.presence, Presence::kListed);
  EXPECT_NE(a.last_listed_crawl, b.last_listed_crawl);
}

// A sighting of a crawl whose end was applied long ago (its id forgotten) arrives late: the ad
// is listed at once, and missing at the next crawl that does not list it, as before pruning.
TEST(CrawlTrackerTest, LateSightingOfAPrunedCrawl) {
  CrawlTracker t;
  AdPresence a, b;
  t.RecordSighting(Listed("c1"), a);
  t.RecordSighting(Listed("c1"), b);
  ASSERT_TRUE(ApplyEnd(t, End(1), a, b));
  t.RecordSighting(Listed("c2"), b);
  ASSERT_TRUE(ApplyEnd(t, End(2), a, b));
  ASSERT_EQ(a.presence, Presence::kMissing);

  t.RecordSighting(Listed("c1"), a);  // late
  EXPECT_EQ(a.presence, Presence::kListed);
  t.RecordSighting(Listed("c3"), b);
  ASSERT_TRUE(ApplyEnd(t, End(3), a, b));
  EXPECT_EQ(a.presence, Presence::kMissing);
  EXPECT_EQ(b.presence, Presence::kListed);

  // c1's crawl_end, redelivered now, changes nothing, and c1 is no longer remembered.
  EXPECT_EQ(t.crawl_ids(), 2u);  // c1 (from the late sighting) and c3
  EXPECT_FALSE(ApplyEnd(t, End(1), a, b));
  EXPECT_EQ(t.crawl_ids(), 1u);
  EXPECT_EQ(a.presence, Presence::kMissing);
  EXPECT_EQ(b.presence, Presence::kListed);
}

// A late by-id answer for the latest ended crawl still matches that crawl (kept for its scope).
TEST(CrawlTrackerTest, LateSightingOfTheLatestEndedCrawlKeepsItsNumber) {
  CrawlTracker t;
  AdPresence a;
  t.RecordSighting(Listed("c1"), a);
  ASSERT_TRUE(ApplyEnd(t, End(1), a));
  const std::uint32_t next = t.next_crawl();
  t.RecordSighting(ById("c1", AdStatus::kPresent), a);
  EXPECT_EQ(t.next_crawl(), next);  // no new number
  EXPECT_EQ(t.crawl_ids(), 1u);
}

TEST(CrawlTrackerTest, RedeliveredAndOlderCrawlEndsAfterPruningChangeNothing) {
  CrawlTracker t;
  AdPresence a, b;
  t.RecordSighting(Listed("c1"), a);
  ASSERT_TRUE(ApplyEnd(t, End(1), a, b));
  t.RecordSighting(Listed("c2"), a);
  t.RecordSighting(Listed("c2"), b);
  ASSERT_TRUE(ApplyEnd(t, End(2), a, b));
  t.RecordSighting(Listed("c3"), b);
  t.RecordSighting(ById("c3", AdStatus::kNotFound), a);
  ASSERT_TRUE(ApplyEnd(t, End(3), a, b));
  ASSERT_EQ(a.presence, Presence::kRemoved);
  ASSERT_EQ(b.presence, Presence::kListed);
  const auto status = t.registries().at("meta");
  for (int n : {1, 2, 3}) {
    EXPECT_FALSE(ApplyEnd(t, End(n), a, b)) << "crawl " << n;
  }
  // An older crawl never seen before, and the latest one under another id.
  EXPECT_FALSE(ApplyEnd(t, CrawlEnd{"meta", "c0", "GB", kT0 - 7200, kT0 - 7000, 5}, a, b));
  EXPECT_FALSE(ApplyEnd(t, CrawlEnd{"meta", "c3b", "GB", kT0, End(3).completed_at, 5}, a, b));
  EXPECT_EQ(a.presence, Presence::kRemoved);
  EXPECT_EQ(b.presence, Presence::kListed);
  EXPECT_EQ(t.crawl_ids(), 1u);
  EXPECT_EQ(t.registries().at("meta").last_crawl_end, status.last_crawl_end);
  EXPECT_EQ(t.registries().at("meta").scopes.at("GB").ads_listed,
            status.scopes.at("GB").ads_listed);
}

// One crawl id shared by two scopes' latest crawls is kept until neither needs it.
TEST(CrawlTrackerTest, ACrawlIdStillLatestOfAnotherScopeIsKept) {
  CrawlTracker t;
  AdPresence gb, us;
  t.RecordSighting(Listed("all1", "GB"), gb);
  t.RecordSighting(Listed("all1", "US"), us);
  ASSERT_TRUE(ApplyEnd(t, CrawlEnd{"meta", "all1", "GB", kT0, kT0 + 600, 1}, gb));
  ASSERT_TRUE(ApplyEnd(t, CrawlEnd{"meta", "all1", "US", kT0, kT0 + 600, 1}, us));
  ASSERT_TRUE(ApplyEnd(t, CrawlEnd{"meta", "gb2", "GB", kT0 + 3600, kT0 + 4200, 0}, gb));
  EXPECT_EQ(t.crawl_ids(), 2u);  // all1 is still US's latest
  t.RecordSighting(ById("all1", AdStatus::kPresent), us);
  EXPECT_EQ(us.by_id_crawl, us.last_listed_crawl);  // the same crawl number
  ASSERT_TRUE(ApplyEnd(t, CrawlEnd{"meta", "us2", "US", kT0 + 3600, kT0 + 4200, 0}, us));
  EXPECT_EQ(t.crawl_ids(), 2u);  // gb2 and us2
  EXPECT_EQ(gb.presence, Presence::kMissing);
  EXPECT_EQ(us.presence, Presence::kMissing);
}

// Restored from its bytes after pruning, the tracker goes on exactly as the original.
TEST(CrawlTrackerTest, RestoreAfterPruning) {
  CrawlTracker t;
  AdPresence a, b;
  for (int n = 1; n <= 5; ++n) {
    t.RecordSighting(Listed("c" + std::to_string(n)), b);
    ASSERT_TRUE(ApplyEnd(t, End(n), a, b));
  }
  t.RecordSighting(Listed("c1"), a);  // a late sighting of a forgotten crawl
  t.RecordSighting(Listed("c6"), b);  // a crawl under way
  ByteWriter out;
  t.Encode(out);

  CrawlTracker r;
  ByteReader in(out.bytes());
  ASSERT_TRUE(r.Decode(in));
  ASSERT_TRUE(in.done());
  EXPECT_EQ(r.crawl_ids(), t.crawl_ids());
  EXPECT_EQ(r.next_crawl(), t.next_crawl());
  ByteWriter again;
  r.Encode(again);
  EXPECT_EQ(again.bytes(), out.bytes());

  // Same sightings and ends on both: same classifications and numbers.
  AdPresence a2 = a, b2 = b;
  for (CrawlTracker* x : {&t, &r}) {
    AdPresence& xa = x == &t ? a : a2;
    AdPresence& xb = x == &t ? b : b2;
    x->RecordSighting(Listed("c7"), xa);  // a new crawl: a number above all earlier ones
    ASSERT_TRUE(ApplyEnd(*x, End(6), xa, xb));
    EXPECT_EQ(xa.presence, Presence::kMissing);
    EXPECT_EQ(xb.presence, Presence::kListed);
    EXPECT_FALSE(ApplyEnd(*x, End(5), xa, xb));
    ASSERT_TRUE(ApplyEnd(*x, End(7), xa, xb));
    EXPECT_EQ(xa.presence, Presence::kListed);
    EXPECT_EQ(xb.presence, Presence::kMissing);
  }
  EXPECT_EQ(a.last_listed_crawl, a2.last_listed_crawl);
  EXPECT_EQ(b.last_listed_crawl, b2.last_listed_crawl);
}

TEST(CrawlTrackerTest, DecodeRefusesNumbersAtOrAboveTheNextOne) {
  CrawlTracker t;
  AdPresence a;
  t.RecordSighting(Listed("c1"), a);
  ByteWriter out;
  t.Encode(out);
  std::string bytes = out.bytes();
  ASSERT_EQ(bytes[0], 2);  // next_crawl_
  bytes[0] = 1;            // c1 (number 1) would be at the next number: reused
  CrawlTracker r;
  ByteReader in(bytes);
  EXPECT_FALSE(r.Decode(in));
}

}  // namespace
}  // namespace adwatch
