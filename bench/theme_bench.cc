// Theme classification with the default rules (deploy/adwatch.yaml): throughput over the
// hand-labelled corpus (tests/data/themes/corpus.tsv, 494 ads of ~80 B) and over long ads,
// with and without explanations; text normalisation alone; and compiling the rules.
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/cmd_eval.h"
#include "enrich/normalize.h"
#include "enrich/theme_classifier.h"

namespace adwatch {
namespace {

const std::vector<CorpusAd>& Corpus() {
  static const std::vector<CorpusAd> corpus = [] {
    std::ifstream in(ADWATCH_SOURCE_DIR "/tests/data/themes/corpus.tsv");
    std::vector<std::string> problems;
    return ParseCorpus(in, "corpus.tsv", DefaultConfig().themes, &problems);
  }();
  return corpus;
}

// Ads of about `bytes` each: corpus texts joined with their neighbours (one text per ad).
std::vector<CorpusAd> LongAds(std::size_t bytes) {
  const std::vector<CorpusAd>& corpus = Corpus();
  std::vector<CorpusAd> ads;
  std::size_t next = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    CorpusAd ad;
    std::string text;
    while (text.size() < bytes) text += corpus[next++ % corpus.size()].content.texts[0] + " ";
    ad.content.texts.push_back(std::move(text));
    ads.push_back(std::move(ad));
  }
  return ads;
}

std::int64_t TextBytes(const CorpusAd& ad) {
  std::int64_t n = 0;
  for (const std::string& t : ad.content.texts) n += static_cast<std::int64_t>(t.size());
  return n;
}

void Classify(benchmark::State& state, const std::vector<CorpusAd>& ads, bool explain) {
  if (ads.empty()) {
    state.SkipWithError("corpus not found");
    return;
  }
  const ThemeClassifier classifier(DefaultConfig().themes);
  ThemeExplanation why;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const CorpusAd& ad = ads[i];
    benchmark::DoNotOptimize(classifier.Classify(ad.content, explain ? &why : nullptr));
    bytes += TextBytes(ad);
    if (++i == ads.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));  // ads/s
  state.SetBytesProcessed(bytes);                                          // text bytes/s
}

void BM_ClassifyCorpusAds(benchmark::State& state) { Classify(state, Corpus(), false); }
BENCHMARK(BM_ClassifyCorpusAds)->MinTime(1.0);

void BM_ClassifyCorpusAdsExplain(benchmark::State& state) { Classify(state, Corpus(), true); }
BENCHMARK(BM_ClassifyCorpusAdsExplain)->MinTime(1.0);

void BM_ClassifyLongAds(benchmark::State& state) {
  Classify(state, LongAds(static_cast<std::size_t>(state.range(0))), false);
}
BENCHMARK(BM_ClassifyLongAds)->Arg(1500)->Arg(64 * 1024)->MinTime(1.0);

void BM_NormalizeText(benchmark::State& state) {
  const std::vector<CorpusAd> ads = LongAds(64 * 1024);
  std::string out;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    NormalizeText(ads[i].content.texts[0], &out, nullptr);
    benchmark::DoNotOptimize(out.data());
    bytes += TextBytes(ads[i]);
    if (++i == ads.size()) i = 0;
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_NormalizeText)->MinTime(1.0);

void BM_CompileDefaultThemes(benchmark::State& state) {
  for (auto _ : state) {
    const ThemeClassifier classifier(DefaultConfig().themes);
    benchmark::DoNotOptimize(&classifier);
  }
}
BENCHMARK(BM_CompileDefaultThemes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace adwatch
