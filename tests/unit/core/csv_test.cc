// The project's one CSV reader (core/csv.h), lenient as Meta's reports need and strict as the
// Google crawler reads, and the one field writer.
#include "core/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace adwatch {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvReaderTest, QuotesCommasLineBreaksAndErrors) {
  CsvReader reader(
      "\xEF\xBB\xBF"
      "a,\"b,\"\"c\"\"\",d\r\n\"x\ny\",2\nbad\"q,1\n\"open");
  Fields f;
  std::size_t line = 0;
  std::string error;
  ASSERT_TRUE(reader.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"a", "b,\"c\"", "d"}));
  EXPECT_EQ(line, 1u);
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(reader.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"x\ny", "2"}));
  EXPECT_EQ(line, 2u);
  ASSERT_TRUE(reader.Next(&f, &line, &error));
  EXPECT_EQ(line, 4u);
  EXPECT_EQ(f, (Fields{"bad\"q", "1"}));  // a literal quote, as in Meta's files
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(reader.Next(&f, &line, &error));
  EXPECT_EQ(error, "unterminated quoted field");
  EXPECT_FALSE(reader.Next(&f, &line, &error));
}

// Google's creative-stats layout: a BOM, CRLF, quoted commas and quotes, a blank line, a field
// over two lines and a trailing empty field; line numbers are where each record starts.
TEST(CsvReaderTest, StrictReadsGoogleDownloads) {
  CsvReader csv(
      "\xEF\xBB\xBF"
      "Ad_ID,Advertiser_Name,Regions\r\n"
      "CR1,\"Friends of Main Street, Inc.\",\"EU,GB\"\r\n"
      "\r\n"
      "CR2,\"He said \"\"vote\"\"\",GB\n"
      "CR3,\"two\nlines\",\n"
      "CR4,x,",
      /*strict=*/true);
  Fields f;
  std::size_t line = 0;
  std::string error;
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"Ad_ID", "Advertiser_Name", "Regions"}));
  EXPECT_EQ(line, 1u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"CR1", "Friends of Main Street, Inc.", "EU,GB"}));
  EXPECT_EQ(line, 2u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{""}));  // the blank line: callers skip it
  EXPECT_EQ(line, 3u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"CR2", "He said \"vote\"", "GB"}));
  EXPECT_EQ(line, 4u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"CR3", "two\nlines", ""}));
  EXPECT_EQ(line, 5u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(f, (Fields{"CR4", "x", ""}));  // trailing comma at the end of the text
  EXPECT_EQ(line, 7u);
  EXPECT_TRUE(error.empty());
  EXPECT_FALSE(csv.Next(&f, &line, &error));
}

TEST(CsvReaderTest, StrictReportsMalformedRowsAndReadingGoesOnAtTheNextLine) {
  CsvReader csv(
      "a,b\"c,d\n"    // a quote inside an unquoted field
      "\"x\"y,z\r\n"  // text after a closing quote
      "ok,row\n"
      "\"p\nq\"r,s\n"  // text after a quote closed on the next line
      "after,it\n"
      "\"unterminated,quote\n",
      /*strict=*/true);
  Fields f;
  std::size_t line = 0;
  std::string error;
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(error, "quote inside an unquoted field");
  EXPECT_EQ(line, 1u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(error, "text after a closing quote");
  EXPECT_EQ(line, 2u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(f, (Fields{"ok", "row"}));
  EXPECT_EQ(line, 3u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(error, "text after a closing quote");
  EXPECT_EQ(line, 4u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(f, (Fields{"after", "it"}));
  EXPECT_EQ(line, 6u);
  ASSERT_TRUE(csv.Next(&f, &line, &error));
  EXPECT_EQ(error, "unterminated quoted field");
  EXPECT_EQ(line, 7u);
  EXPECT_FALSE(csv.Next(&f, &line, &error));
}

TEST(CsvFieldTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
}

}  // namespace
}  // namespace adwatch
