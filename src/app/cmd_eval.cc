#include "app/cmd_eval.h"

#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>

namespace adwatch {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    parts.push_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string LabelNames(ThemeMask mask, const std::vector<ThemeConfig>& themes) {
  std::string out;
  for (std::size_t t = 0; t < themes.size(); ++t) {
    if (((mask >> t) & 1u) == 0) continue;
    if (!out.empty()) out += ',';
    out += themes[t].name;
  }
  return out.empty() ? "none" : out;
}

double Ratio(int num, int den) { return den == 0 ? 1.0 : static_cast<double>(num) / den; }

void Count(ThemeScore& score, bool expected, bool got) {
  if (expected && got) ++score.tp;
  if (!expected && got) ++score.fp;
  if (expected && !got) ++score.fn;
}

}  // namespace

double ThemeScore::precision() const { return Ratio(tp, tp + fp); }
double ThemeScore::recall() const { return Ratio(tp, tp + fn); }
double ThemeScore::f1() const {
  const double p = precision();
  const double r = recall();
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

std::vector<CorpusAd> ParseCorpus(std::istream& in, std::string_view file,
                                  const std::vector<ThemeConfig>& themes,
                                  std::vector<std::string>* problems) {
  std::vector<CorpusAd> corpus;
  std::string line;
  int number = 0;
  auto problem = [&](const std::string& message) {
    problems->push_back(std::string(file) + ":" + std::to_string(number) + ": " + message);
  };
  while (std::getline(in, line)) {
    ++number;
    if (Trim(line).empty() || line[0] == '#') continue;
    const std::vector<std::string_view> fields = Split(line, '\t');
    CorpusAd ad;
    ad.line = number;
    bool ok = true;
    bool none = false;
    for (const std::string_view raw : Split(fields[0], ',')) {
      const std::string_view label = Trim(raw);
      if (label == "none") {
        none = true;
        continue;
      }
      std::optional<std::size_t> index;
      for (std::size_t t = 0; t < themes.size(); ++t) {
        if (themes[t].name == label) index = t;
      }
      if (!index) {
        problem("unknown theme \"" + std::string(label) + "\"");
        ok = false;
        continue;
      }
      ad.labels |= ThemeMask{1} << *index;
    }
    if (none && ad.labels != 0) {
      problem("\"none\" together with a theme");
      ok = false;
    }
    for (std::size_t f = 1; f < fields.size(); ++f) {
      if (!Trim(fields[f]).empty()) ad.content.texts.emplace_back(Trim(fields[f]));
    }
    if (ad.content.texts.empty()) {
      problem("no text after the labels (LABELS<TAB>TEXT)");
      ok = false;
    }
    if (ok) corpus.push_back(std::move(ad));
  }
  return corpus;
}

EvalReport Evaluate(const ThemeClassifier& classifier, const std::vector<CorpusAd>& corpus) {
  const std::vector<ThemeConfig>& themes = classifier.themes();
  EvalReport report;
  for (const ThemeConfig& t : themes) report.themes.push_back(ThemeScore{t.name});
  report.themes.push_back(ThemeScore{"none"});
  report.micro.theme = "micro average";
  for (const CorpusAd& ad : corpus) {
    const ThemeMask got = classifier.Classify(ad.content);
    ++report.ads;
    for (std::size_t t = 0; t < themes.size(); ++t) {
      const bool e = ((ad.labels >> t) & 1u) != 0;
      const bool g = ((got >> t) & 1u) != 0;
      Count(report.themes[t], e, g);
      Count(report.micro, e, g);
    }
    Count(report.themes.back(), ad.labels == 0, got == 0);
    if (got == ad.labels) {
      ++report.exact;
      continue;
    }
    std::string text;
    for (const std::string& t : ad.content.texts) text += (text.empty() ? "" : " | ") + t;
    report.errors.push_back("line " + std::to_string(ad.line) + ": expected " +
                            LabelNames(ad.labels, themes) + ", got " + LabelNames(got, themes) +
                            ": " + text);
  }
  return report;
}

void PrintReport(const EvalReport& report, std::ostream& out) {
  char row[160];
  std::snprintf(row, sizeof row, "%-20s %7s %5s %5s %5s %9s %7s %6s\n", "theme", "support", "tp",
                "fp", "fn", "precision", "recall", "f1");
  out << row;
  auto print = [&](const ThemeScore& s) {
    std::snprintf(row, sizeof row, "%-20s %7d %5d %5d %5d %9.3f %7.3f %6.3f\n", s.theme.c_str(),
                  s.support(), s.tp, s.fp, s.fn, s.precision(), s.recall(), s.f1());
    out << row;
  };
  for (const ThemeScore& s : report.themes) print(s);
  print(report.micro);
  out << report.ads << " ads, " << report.exact << " with exactly the right themes\n";
}

int EvalCommand(const Config& config, const std::string& corpus_path, bool show_errors,
                std::ostream& out, std::ostream& err) {
  std::string error;
  const std::optional<ThemeClassifier> classifier = ThemeClassifier::Compile(config.themes, &error);
  if (!classifier) {
    err << "themes: " << error << '\n';
    return 2;
  }
  std::ifstream in(corpus_path);
  if (!in) {
    err << corpus_path << ": cannot read\n";
    return 2;
  }
  std::vector<std::string> problems;
  const std::vector<CorpusAd> corpus = ParseCorpus(in, corpus_path, config.themes, &problems);
  for (const std::string& p : problems) err << p << '\n';
  if (!problems.empty()) return 2;
  const EvalReport report = Evaluate(*classifier, corpus);
  PrintReport(report, out);
  if (show_errors) {
    for (const std::string& e : report.errors) out << e << '\n';
  }
  return 0;
}

}  // namespace adwatch
