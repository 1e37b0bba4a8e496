// The registries' own report files turned into `report` messages (JSON lines, SPEC §2 style),
// for `adwatch replay --format`:
//
// - google-weekly-spend: Google's `google-political-ads-advertiser-weekly-spend.csv`, one row per
//   advertiser and week starting on Week_Start_Date (7 days). The header is read: the columns
//   Advertiser_ID, Advertiser_Name, Week_Start_Date and Spend_<currency> are required wherever
//   they are (Election_Cycle and other currencies are optional and ignored). The amount is whole
//   units of the currency, exact (lower = upper).
// - meta-report: Meta's Ad Library Report CSV (`Page Name,Disclaimer,Amount Spent,Number of Ads
//   in Library`, later with `Page ID` and `Amount spent (GBP)`; header matched without regard to
//   case). `≤100` is the range 0–100. The advertiser id is the Page ID when the file has one, else
//   `name:` + the page name and disclaimer, each lower-cased (ASCII) with runs of white space
//   folded to one space and trimmed, joined by `|`.
// Rows of one file with the same advertiser id and period are summed into one report (Meta lists
// different pages of the same name and disclaimer on separate rows).
//
// A row that cannot be read (bad amount, date, missing cells) is reported as `FILE:LINE: why`
// and skipped; the rows around it still count. A file whose header lacks a required column is an
// error of the whole file. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/observation.h"
#include "core/time.h"

namespace adwatch {

enum class ReportFileFormat : std::uint8_t { kGoogleWeeklySpend, kMetaReport };

struct ReportFileOptions {
  std::string currency = "GBP";  // the Spend_<CUR> column read; Meta amounts must be in it
  /// Release name; default: the file's name without directory and `.csv`.
  std::string release;
  /// When the release was taken; default: midnight after the latest period end in the file.
  std::optional<EpochSeconds> observed_at;
  /// Meta only: which report and its period. Default from the file name
  /// (`…YYYY-MM-DD_SpendingToDate` → to_date ending that day; `…YYYY-MM-DD_ThisWeekSpending` or
  /// `…_LastWeek…` → weekly, the 7 days ending that day).
  std::optional<ReportKind> kind;
  std::optional<EpochSeconds> period_end;  // midnight UTC of the last day
};

struct ParsedReportFile {
  std::vector<Report> reports;      // in file order
  std::vector<std::string> errors;  // "FILE:LINE: why", one per skipped row
  std::int64_t rows = 0;            // data rows read (good and bad)
};

/// Parses one file's `text`; `name` is used in errors and defaults. False with `error` when the
/// whole file is unusable (no header, a required column missing, no period for a Meta report).
bool ParseReportFile(ReportFileFormat format, std::string_view text, std::string_view name,
                     const ReportFileOptions& options, ParsedReportFile* out, std::string* error);

/// The `kind: report` JSON line of a report (no trailing newline).
std::string ReportToJson(const Report& report);

/// The Meta advertiser id of a report row without a Page ID (see above).
std::string MetaAdvertiserId(std::string_view page_name, std::string_view disclaimer);

}  // namespace adwatch
