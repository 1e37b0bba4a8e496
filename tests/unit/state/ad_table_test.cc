#include "state/ad_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "state/packed_time.h"

namespace adwatch {
namespace {

struct Value {
  std::uint64_t n = 0;
  std::string tag;
};

using Key = std::pair<std::uint8_t, std::string>;

// Ids that look alike but are distinct keys, and ids no number can stand for.
std::vector<std::string> HostileIds() {
  return {"0",
          "00",
          "000",
          "1",
          "01",
          "001",
          "10",
          "123",
          "0123",
          "+123",
          "-123",
          "123 ",
          " 123",
          "1e3",
          "",
          ":",
          "meta:123",
          "CR123",
          "cr123",
          "CR0123",
          "CR04816427345187078145",
          "36028797018963967",     // 2^55 - 1: the largest numeric key
          "36028797018963968",     // 2^55: stored as text
          "99999999999999999",     // 17 digits, above 2^55
          "100000000000000000",    // 18 digits
          "18446744073709551615",  // 2^64 - 1
          "18446744073709551616",  // 2^64
          "461290581348812",
          std::string("a\0b", 3),
          std::string("\xff\xfe", 2),
          "\xc3\xa9t\xc3\xa9",
          std::string(127, '7'),
          std::string(128, '7'),    // the length prefix takes two bytes from here
          std::string(70000, 'x'),  // longer than an arena block
          std::string(65535, 'y'),
          "after-the-long-ones"};
}

TEST(AdTableTest, HostileKeysStayDistinctAndRoundTripExactly) {
  AdTable<Value> table;
  const std::vector<std::string> ids = HostileIds();
  std::map<Key, AdKeys::Handle> handles;
  for (const int r : {0, 1, 254, 255}) {
    const auto registry = static_cast<std::uint8_t>(r);
    for (const std::string& id : ids) {
      const AdKeys::Handle h = table.Insert(registry, id, Value{handles.size(), id});
      ASSERT_NE(h, AdKeys::kNone);
      ASSERT_TRUE(handles.emplace(Key{registry, id}, h).second) << id;
      EXPECT_EQ(h, handles.size() - 1) << "handles are dense, in insertion order";
    }
  }
  ASSERT_EQ(table.size(), handles.size());
  std::set<AdKeys::Handle> distinct;
  for (const auto& [key, h] : handles) {
    distinct.insert(h);
    EXPECT_EQ(table.Find(key.first, key.second), h) << key.second;
    EXPECT_EQ(table.keys().registry(h), key.first);
    EXPECT_EQ(table.keys().Id(h), key.second) << "exact round trip";
    AdIdBuffer buf;
    EXPECT_EQ(table.keys().IdView(h, buf), key.second);
    EXPECT_EQ(table[h].tag, key.second);
    // Inserting again finds the same ad and leaves its value alone.
    EXPECT_EQ(table.Insert(key.first, key.second, Value{999, "other"}), h);
    EXPECT_EQ(table[h].tag, key.second);
  }
  EXPECT_EQ(distinct.size(), handles.size());
  EXPECT_EQ(table.size(), handles.size());
  // Near misses are not found.
  for (const char* miss : {"0000", "1234", "CR12", "x", "36028797018963969", " "}) {
    EXPECT_EQ(table.Find(0, miss), AdKeys::kNone) << miss;
  }
  EXPECT_EQ(table.Find(2, "123"), AdKeys::kNone) << "another registry's id";
  EXPECT_EQ(table.Find(2, "CR123"), AdKeys::kNone);
}

TEST(AdTableTest, EmptyTableFindsNothing) {
  const AdTable<Value> table;
  EXPECT_EQ(table.Find(0, "1"), AdKeys::kNone);
  EXPECT_EQ(table.Find(0, ""), AdKeys::kNone);
  EXPECT_EQ(table.size(), 0U);
  EXPECT_FALSE(table.begin() != table.end());
}

// Many keys through many growths; values written through handles (and references taken before
// growth) survive every later insertion; iteration visits each value once, in handle order.
TEST(AdTableTest, GrowthKeepsHandlesAndValues) {
  AdTable<Value> table;
  std::mt19937_64 rng(15);
  std::map<Key, AdKeys::Handle> expected;
  std::vector<Value*> first_refs;
  for (int i = 0; i < 60000; ++i) {
    const auto registry = static_cast<std::uint8_t>(rng() % 3);
    std::string id;
    switch (rng() % 4) {
      case 0:
        id = std::to_string(rng() % 50000000000000000ULL);  // mostly numeric, some above 2^55
        break;
      case 1:
        id = "CR" + std::to_string(rng());
        break;
      case 2:
        id = "0" + std::to_string(rng() % 1000);  // leading zeros: few, so repeats happen
        break;
      default:
        id = std::to_string(rng() % 2000);  // small numbers: repeats happen
        break;
    }
    const auto [it, added] = expected.try_emplace(Key{registry, id}, table.size());
    const AdKeys::Handle h = table.Insert(registry, id, Value{it->second, id});
    ASSERT_EQ(h, it->second) << id;
    ASSERT_EQ(table.size(), expected.size());
    if (added && first_refs.size() < 100) first_refs.push_back(&table[h]);
  }
  // Every key, checked after all growth.
  for (const auto& [key, h] : expected) {
    ASSERT_EQ(table.Find(key.first, key.second), h);
    ASSERT_EQ(table.keys().Id(h), key.second);
    ASSERT_EQ(table[h].n, h);
  }
  for (std::size_t i = 0; i < first_refs.size(); ++i) {
    EXPECT_EQ(first_refs[i], &table[static_cast<AdKeys::Handle>(i)]) << "values never move";
    EXPECT_EQ(first_refs[i]->n, i);
  }
  std::uint64_t next = 0;
  for (const Value& v : table) EXPECT_EQ(v.n, next++);
  EXPECT_EQ(next, expected.size());
  for (Value& v : table) v.n += 1;  // mutable iteration writes through
  EXPECT_EQ(table[0].n, 1U);
}

// A table filled to its growth point (3/4 of 16 slots): keys share slots and probe runs, and
// every one still resolves to its own value.
TEST(AdTableTest, CollisionsResolve) {
  AdTable<Value> table;
  table.Reserve(8);  // a small table: long probe runs while it fills up to the next growth
  for (std::uint64_t i = 0; i < 12; ++i) {
    table.Insert(0, std::to_string(i * 1024), Value{i, ""});
    table.Insert(0, "0" + std::to_string(i * 1024), Value{100 + i, ""});
  }
  for (std::uint64_t i = 0; i < 12; ++i) {
    EXPECT_EQ(table[table.Find(0, std::to_string(i * 1024))].n, i);
    EXPECT_EQ(table[table.Find(0, "0" + std::to_string(i * 1024))].n, 100 + i);
  }
  EXPECT_EQ(table.size(), 24U);
}

TEST(AdTableTest, ReserveThenFillKeepsEveryKey) {
  AdTable<Value> table;
  table.Reserve(5000);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    table.Insert(1, std::to_string(461290581348812ULL + i), Value{i, ""});
  }
  table.Reserve(10);  // never shrinks
  for (std::uint64_t i = 0; i < 5000; ++i) {
    const AdKeys::Handle h = table.Find(1, std::to_string(461290581348812ULL + i));
    ASSERT_EQ(h, i);
  }
}

TEST(PackedTimeTest, StoresEveryTimestampAndNever) {
  for (const EpochSeconds t :
       {EpochSeconds{INT64_MIN}, EpochSeconds{0}, EpochSeconds{-1}, EpochSeconds{1},
        EpochSeconds{1575874320}, EpochSeconds{-62167219200} /* 0000-01-01 */,
        EpochSeconds{253402300799} /* 9999-12-31T23:59:59 */, PackedTime::kMin, PackedTime::kMax}) {
    EXPECT_TRUE(PackedTime::Fits(t)) << t;
    PackedTime p;
    p = t;
    EXPECT_EQ(static_cast<EpochSeconds>(p), t);
    EXPECT_EQ(static_cast<EpochSeconds>(PackedTime(t)), t);
  }
  EXPECT_EQ(static_cast<EpochSeconds>(PackedTime()), INT64_MIN) << "default: never";
  EXPECT_FALSE(PackedTime::Fits(PackedTime::kMax + 1));
  EXPECT_FALSE(PackedTime::Fits(PackedTime::kMin - 1));
  EXPECT_FALSE(PackedTime::Fits(INT64_MAX));
  EXPECT_EQ(static_cast<EpochSeconds>(PackedTime(INT64_MAX)), PackedTime::kMax) << "clamped";
  EXPECT_EQ(static_cast<EpochSeconds>(PackedTime(INT64_MIN + 1)), PackedTime::kMin);
}

}  // namespace
}  // namespace adwatch
