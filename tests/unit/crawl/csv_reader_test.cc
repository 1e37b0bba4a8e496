#include "crawl/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace adwatch::crawl {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvReader, QuotedFieldsCommasQuotesNewlinesBomAndCrlf) {
  std::istringstream in(
      "\xEF\xBB\xBF"
      "Ad_ID,Advertiser_Name,Regions\r\n"
      "CR1,\"Friends of Main Street, Inc.\",\"EU,GB\"\r\n"
      "\r\n"
      "CR2,\"He said \"\"vote\"\"\",GB\n"
      "CR3,\"two\nlines\",\n");
  CsvReader csv(in);
  Fields f;
  ASSERT_EQ(csv.Next(&f), CsvReader::Row::kOk);
  EXPECT_EQ(f, (Fields{"Ad_ID", "Advertiser_Name", "Regions"}));
  ASSERT_EQ(csv.Next(&f), CsvReader::Row::kOk);
  EXPECT_EQ(f, (Fields{"CR1", "Friends of Main Street, Inc.", "EU,GB"}));
  EXPECT_EQ(csv.line(), 2);
  ASSERT_EQ(csv.Next(&f), CsvReader::Row::kOk);
  EXPECT_EQ(f, (Fields{"CR2", "He said \"vote\"", "GB"}));
  EXPECT_EQ(csv.line(), 4);
  ASSERT_EQ(csv.Next(&f), CsvReader::Row::kOk);
  EXPECT_EQ(f, (Fields{"CR3", "two\nlines", ""}));
  EXPECT_EQ(csv.Next(&f), CsvReader::Row::kEnd);
}

TEST(CsvReader, MalformedRowsAreReportedAndReadingGoesOn) {
  std::istringstream in(
      "a,b\"c,d\n"  // a quote inside an unquoted field
      "\"x\"y,z\n"  // text after a closing quote
      "ok,row\n"
      "\"unterminated,quote\n");
  CsvReader csv(in);
  Fields f;
  EXPECT_EQ(csv.Next(&f), CsvReader::Row::kMalformed);
  EXPECT_EQ(csv.Next(&f), CsvReader::Row::kMalformed);
  ASSERT_EQ(csv.Next(&f), CsvReader::Row::kOk);
  EXPECT_EQ(f, (Fields{"ok", "row"}));
  EXPECT_EQ(csv.Next(&f), CsvReader::Row::kMalformed);
  EXPECT_EQ(csv.Next(&f), CsvReader::Row::kEnd);
}

}  // namespace
}  // namespace adwatch::crawl
