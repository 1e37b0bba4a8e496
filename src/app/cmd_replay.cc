#include "app/cmd_replay.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <istream>
#include <iterator>
#include <optional>

namespace adwatch {
namespace {

bool IsBlank(const std::string& line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

int ReplayCommand(const ReplayOptions& options, const std::vector<std::string>& files,
                  std::ostream& out, std::ostream& err, const std::atomic<bool>& stop,
                  const ReplayInput& input) {
  if (files.empty()) {
    err << "adwatch replay: no input files (use - for stdin)\n";
    return 2;
  }
  std::optional<ReportFileFormat> report_format;
  if (input.format == "google-weekly-spend") {
    report_format = ReportFileFormat::kGoogleWeeklySpend;
  } else if (input.format == "meta-report") {
    report_format = ReportFileFormat::kMetaReport;
  } else if (input.format != "jsonl") {
    err << "adwatch replay: --format must be jsonl, google-weekly-spend or meta-report\n";
    return 2;
  }
  if (options.brokers.empty() || options.topic.empty() || !(options.rate >= 0)) {
    err << "adwatch replay: --brokers and --topic are required and --rate must be >= 0\n";
    return 2;
  }
  ReplayOptions effective = options;
  effective.stop = &stop;
  std::string error;
  auto replayer = Replayer::Create(effective, &error);
  if (!replayer) {
    err << "adwatch " << error << "\n";
    return 1;
  }

  const auto started = std::chrono::steady_clock::now();
  bool failed = false;
  std::int64_t lines = 0;
  std::int64_t bad_rows = 0;
  std::string line;
  for (const auto& name : files) {
    if (stop.load()) break;
    std::ifstream file;
    std::istream* in = &std::cin;
    if (name != "-") {
      file.open(name, std::ios::binary);
      if (!file) {
        err << "adwatch replay: cannot open " << name << ": " << std::strerror(errno) << "\n";
        failed = true;
        continue;
      }
      in = &file;
    }
    if (report_format) {
      const std::string text((std::istreambuf_iterator<char>(*in)),
                             std::istreambuf_iterator<char>());
      ParsedReportFile parsed;
      std::string parse_error;
      if (in->bad() ||
          !ParseReportFile(*report_format, text, name, input.report, &parsed, &parse_error)) {
        err << "adwatch replay: " << (parse_error.empty() ? "read error on " + name : parse_error)
            << "\n";
        failed = true;
        continue;
      }
      for (const std::string& e : parsed.errors) err << "adwatch replay: " << e << "\n";
      bad_rows += static_cast<std::int64_t>(parsed.errors.size());
      if (!parsed.errors.empty()) failed = true;
      for (const Report& r : parsed.reports) {
        if (stop.load()) break;
        ++lines;
        if (!replayer->Send(ReportToJson(r))) failed = true;
      }
      continue;
    }
    while (!stop.load() && std::getline(*in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (IsBlank(line)) continue;
      ++lines;
      if (!replayer->Send(line)) failed = true;
    }
    if (in->bad()) {
      err << "adwatch replay: read error on " << name << "\n";
      failed = true;
    }
  }
  const bool flushed = replayer->Flush(30000);
  if (!flushed) {
    err << "adwatch replay: flush timed out, some messages were not delivered\n";
    failed = true;
  }
  const ReplayStats s = replayer->stats();
  if (s.delivery_errors > 0) {
    err << "adwatch replay: " << s.delivery_errors
        << " messages failed, first error: " << replayer->first_error() << "\n";
    failed = true;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << "replayed topic=" << options.topic << " partitions=" << replayer->partitions()
      << " lines=" << lines << " observations=" << s.observations << " crawl_ends=" << s.crawl_ends
      << " unkeyed=" << s.unkeyed << " bad_rows=" << bad_rows << " messages=" << s.messages
      << " delivered=" << s.delivered << " delivery_errors=" << s.delivery_errors
      << " interrupted=" << (stop.load() ? "true" : "false") << " seconds=" << std::fixed
      << std::setprecision(3) << seconds << std::endl;
  return failed ? 1 : 0;
}

}  // namespace adwatch
