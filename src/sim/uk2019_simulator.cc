#include "sim/uk2019_simulator.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adwatch::sim {
namespace {

// ---------------------------------------------------------------------------------------------
// Deterministic integer randomness.

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t Mix(std::uint64_t z) {
  z += kGolden;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// splitmix64 stream.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ += kGolden;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform-enough in [0, n) for the small n used here (modulo bias < 2^-40).
  std::uint64_t Below(std::uint64_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  std::uint64_t state_;
};

std::uint64_t Hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t salt) {
  return Mix(Mix(Mix(seed ^ salt) ^ a) ^ (b * kGolden));
}

std::uint64_t ISqrt(std::uint64_t x) {
  std::uint64_t result = 0;
  std::uint64_t bit = std::uint64_t{1} << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= result + bit) {
      x -= result + bit;
      result = (result >> 1) + bit;
    } else {
      result >>= 1;
    }
    bit >>= 2;
  }
  return result;
}

/// A bijection on [0, 2^47): distinct ad indexes give distinct 15-digit ad ids.
std::uint64_t Permute47(std::uint64_t x) {
  constexpr std::uint64_t kMask = (std::uint64_t{1} << 47) - 1;
  x &= kMask;
  x = (x * 0x5DEECE66DULL) & kMask;
  x ^= x >> 19;
  x = (x * 0x2545F4914F6CDD1DULL) & kMask;
  x ^= x >> 23;
  return x;
}

// ---------------------------------------------------------------------------------------------
// The cast: who advertised and what they said. Page names and bylines follow the Ad Library
// (see /work/shared/data); page ids other than the Conservatives' and Labour's are synthetic.

enum class RegionProfile : std::uint8_t { kSponsor, kUk, kEngland, kScotland, kWales };

struct Page {
  const char* id;
  const char* name;
  const char* bylines;  // nullptr: ran without a disclaimer (no `bylines` field)
  int weight;
  RegionProfile region = RegionProfile::kSponsor;  // a local page: its nation, not its sponsor's
};

struct Creative {
  const char* body;
  const char* title;
};

struct Sponsor {
  std::vector<Page> pages;
  std::vector<Creative> creatives;
  int weight;          // share of ads, relative
  int outage_percent;  // share of its ads hidden from listing on 9-10 December
  // Scale of its ads' budgets, calibrated so that the demo (2000 ads, seed 2019) shows the
  // seed's magnitudes at the outage: Conservative ~£121,000 missing, Labour ~£243,000, Liberal
  // Democrats ~£366,000, ~£1.3m in all, just under half of all spend to date (DOMAIN.md).
  int spend_permille;
  RegionProfile region;
};

const std::vector<Sponsor>& Sponsors() {
  static const std::vector<Sponsor> kSponsors = {
      // Conservative: mostly Brexit.
      {{{"8807334278", "Conservatives", "Conservative and Unionist Party", 8},
        {"153080620724", "Boris Johnson", "Conservative and Unionist Party", 3},
        {"8807334278", "Conservatives", nullptr, 1}},
       {{"Get Brexit done. Vote Conservative on 12 December.", "Get Brexit Done"},
        {"Parliament is gridlocked. Only a Conservative majority can get Brexit done and "
         "unleash Britain's potential.",
         "Get Brexit Done, Unleash Britain's Potential"},
        {"A hung parliament means two more chaotic referendums in 2020: one on Brexit, one on "
         "Scotland. Vote Conservative.",
         "Stop the chaos"},
        {"Corbyn would keep us arguing about Brexit for years. Get Brexit done and move on.",
         "Get Brexit Done"},
        {"Get Brexit done and invest in the NHS: 50,000 more nurses and 40 new hospitals.",
         "Get Brexit done, fund our NHS"},
        {"The biggest cash boost for the NHS in a generation. Vote Conservative.",
         "Backing our NHS"},
        {"20,000 more police officers on our streets. Vote Conservative on Thursday.",
         "More police, safer streets"},
        {"Boris Johnson has a plan for the whole country. Back Boris on 12 December.",
         "Back Boris"}},
       22,
       20,
       152,
       RegionProfile::kUk},
      // Labour: mostly NHS.
      {{{"25749647410", "Labour Party", "The Labour Party", 8},
        {"6149699161", "Jeremy Corbyn", "The Labour Party", 3}},
       {{"Our NHS is not for sale. Vote Labour on 12 December.", "Save our NHS"},
        {"The Tories will sell off our NHS in a trade deal with Trump. Only Labour will protect "
         "it.",
         "Our NHS is not for sale"},
        {"Labour will end NHS privatisation and cut waiting times. Vote Labour.",
         "Rebuild our NHS"},
        {"Nurses, doctors and patients deserve better. A Labour government will give the NHS "
         "the funding it needs.",
         "Real change for the NHS"},
        {"It's time for real change. Free full-fibre broadband for every home.",
         "It's time for real change"},
        {"Labour will give you the final say on Brexit within six months.",
         "A final say on Brexit"},
        {"Register to vote by 26 November and have your say on the future of our country.",
         "Register to vote"}},
       16,
       43,
       645,
       RegionProfile::kUk},
      // Liberal Democrats: Stop Brexit, then tactical voting.
      {{{"9751477224", "Liberal Democrats", "the Liberal Democrats", 6},
        {"108225875870", "Jo Swinson", "the Liberal Democrats", 2},
        {"176539235741", "Guildford Liberal Democrats", "Guildford Liberal Democrats", 1,
         RegionProfile::kEngland},
        {"1394761917513", "Winchester Liberal Democrats", "Winchester District Liberal Democrats",
         1, RegionProfile::kEngland},
        {"9751477224", "Liberal Democrats", nullptr, 1}},
       {{"Stop Brexit. Vote Liberal Democrat on 12 December.", "Stop Brexit"},
        {"Every vote for the Liberal Democrats is a vote to stop Brexit and build a brighter "
         "future.",
         "Stop Brexit, build a brighter future"},
        {"It's a two-horse race here. Only the Liberal Democrats can beat the Conservatives: "
         "vote tactically.",
         "Only the Lib Dems can win here"},
        {"Labour can't win here. Lend us your vote: a tactical vote for the Liberal Democrats "
         "stops a Tory majority and stops Brexit.",
         "Vote tactically to stop Brexit"},
        {"The latest polls show it's neck and neck here. Vote tactically for the Liberal "
         "Democrats.",
         "Neck and neck"},
        {"A Liberal Democrat government will invest in mental health and the NHS.",
         "Invest in our NHS"},
        {"Our plan for a greener, fairer Britain.", "A brighter future"}},
       20,
       60,
       107,
       RegionProfile::kUk},
      // SNP.
      {{{"80586488612", "SNP", "Scottish National Party", 1}},
       {{"Escape Brexit. Put Scotland's future in Scotland's hands. Vote SNP.", "Escape Brexit"},
        {"Protect Scotland's NHS from a Trump trade deal. Vote SNP on 12 December.",
         "Protect our NHS"},
        {"Stop Boris Johnson. Vote SNP.", "Stop Boris"}},
       4,
       40,
       115,
       RegionProfile::kScotland},
      // Green.
      {{{"47217143218", "Green Party of England and Wales", "The Green Party of England and Wales",
         1}},
       {{"It's a climate emergency. Vote Green for a Green New Deal.", "Vote Green"},
        {"Vote Green to remain in the EU and stop Brexit.", "Remain, reform, revolt"}},
       4,
       40,
       67,
       RegionProfile::kUk},
      // Brexit Party.
      {{{"232630577547224", "The Brexit Party", "The Brexit Party", 1}},
       {{"Change politics for good. A clean-break Brexit is the only real Brexit.",
         "Change politics for good"},
        {"Don't let them betray Brexit again. Vote for The Brexit Party.", "No more betrayal"},
        {"Leave means leave. Get a proper Brexit.", "Leave means leave"}},
       5,
       40,
       133,
       RegionProfile::kUk},
      // Plaid Cymru.
      {{{"98342158373", "Plaid Cymru", "Plaid Cymru", 1}},
       {{"Wales, it's time to Remain. Vote Plaid Cymru to stop Brexit.", "Remain in Europe"},
        {"Invest in the Welsh NHS and our communities. Vote Plaid Cymru.", "Fight for Wales"}},
       2,
       40,
       57,
       RegionProfile::kWales},
      // People's Vote.
      {{{"1587434688210416", "People's Vote UK", "People's Vote", 3},
        {"337519576797011", "Women for a People's Vote", "Women for a People's Vote", 1}},
       {{"Vote tactically to stop a Boris Johnson majority and win a final say on Brexit.",
         "Vote tactically for a People's Vote"},
        {"A Johnson majority means a hard Brexit. Check how to vote tactically where you live.",
         "Stop a hard Brexit"},
        {"Brexit isn't done. Demand a final say.", "Final say on Brexit"}},
       6,
       45,
       237,
       RegionProfile::kUk},
      // Best for Britain.
      {{{"1741405232772553", "Best For Britain", "Best for Britain", 3},
        {"1741405232772553", "Best For Britain", nullptr, 1}},
       {{"Tactical voting could stop a Tory majority. Find out how to vote tactically at "
         "GetVoting.org.",
         "Vote tactically"},
        {"Use your vote tactically to stop Brexit: see who can beat the Tories where you live.",
         "Stop Brexit: vote tactically"},
        {"Just 40,000 tactical votes could deny Boris Johnson a majority.", "40,000 votes"}},
       7,
       45,
       266,
       RegionProfile::kUk},
      // Britain's Future.
      {{{"2135006306776024", "Britain's Future", "Britain's Future", 3},
        {"2135006306776024", "Britain's Future", nullptr, 1}},
       {{"Your MP voted to block Brexit again and again. Tell them: enough is enough.",
         "Deliver Brexit"},
        {"Parliament has betrayed Brexit. Email your MP today.", "Brexit betrayal"}},
       4,
       45,
       228,
       RegionProfile::kUk},
      // 38 Degrees.
      {{{"143023665728776", "38 Degrees", "38 Degrees", 1}},
       {{"Don't let our NHS be part of a US trade deal. Sign the petition.",
         "Our NHS is not for sale"},
        {"Vote tactically? Find out what's happening in your area.", "Your vote, your area"},
        {"Millions of people aren't registered to vote. Register before the deadline.",
         "Register to vote"}},
       3,
       45,
       114,
       RegionProfile::kUk},
      // Unite the union.
      {{{"111446528901744", "Unite the union", "Unite the union", 1}},
       {{"Vote Labour to save our NHS and our jobs.", "Save our NHS"},
        {"Workers deserve a pay rise. Vote for real change on 12 December.", "Real change"}},
       2,
       45,
       95,
       RegionProfile::kUk},
      // Momentum.
      {{{"1516036431957245", "Momentum", "Momentum", 1}},
       {{"Knock doors in a marginal seat this weekend. Every conversation counts.",
         "Join the ground campaign"},
        {"Our NHS is not for sale. Help Labour win.", "Save the NHS"}},
       2,
       45,
       67,
       RegionProfile::kUk},
      // Unknown advertisers without a disclaimer.
      {{{"104893264368920", "Stop the Coalition of Chaos", nullptr, 2},
        {"2408817672523911", "Parents' Voice UK", nullptr, 1},
        {"110463107061435", "Future Britain Now", nullptr, 1}},
       {{"What they won't tell you about Brexit.", "The truth about Brexit"},
        {"Have you checked your pension lately?", "Your pension"},
        {"Think before you vote tactically in this seat.", "Think again"},
        {"Local schools need more teachers, not more promises.", "Our schools"}},
       3,
       40,
       95,
       RegionProfile::kUk},
  };
  return kSponsors;
}

std::size_t PickWeighted(Rng& rng, const std::vector<int>& weights) {
  int total = 0;
  for (int w : weights) total += w;
  auto r = static_cast<int>(rng.Below(static_cast<std::uint64_t>(total)));
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return weights.size() - 1;
}

// 2019 coarse buckets (lower bounds; the last one is open-ended).
constexpr std::int64_t kSpendBuckets[] = {0, 100, 500, 1000, 5000, 10000, 50000, 100000};
constexpr std::int64_t kImpressionBuckets[] = {0,      1000,   5000,   10000,  50000,
                                               100000, 200000, 500000, 1000000};

template <std::size_t N>
void AppendBucket(const std::int64_t (&lowers)[N], std::int64_t value, std::string* out) {
  std::size_t i = 0;
  while (i + 1 < N && value >= lowers[i + 1]) ++i;
  out->append("{\"lower_bound\":\"");
  out->append(std::to_string(lowers[i]));
  out->push_back('"');
  if (i + 1 < N) {
    out->append(",\"upper_bound\":\"");
    out->append(std::to_string(lowers[i + 1] - 1));
    out->push_back('"');
  }
  out->push_back('}');
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendField(std::string_view key, std::string_view value, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
  AppendJsonString(value, out);
}

std::string Date(EpochSeconds t) { return FormatTimestamp(t).substr(0, 10); }

std::string CrawlId(EpochSeconds start) {
  return "meta-GB-" + FormatTimestamp(start).substr(0, 13);
}

/// Hundredths as a decimal fraction string: 100 -> "1", 7 -> "0.07".
std::string Fraction(int hundredths) {
  if (hundredths >= 100) return "1";
  std::string s = "0.";
  s.push_back(static_cast<char>('0' + hundredths / 10));
  s.push_back(static_cast<char>('0' + hundredths % 10));
  return s;
}

constexpr EpochSeconds kDay = 86400;
constexpr std::int64_t kHiddenSpendPercent = 130;  // budgets of the ads the outage hides
constexpr EpochSeconds kListingSeconds = 2700;     // listing takes 45 minutes
constexpr EpochSeconds kByIdSeconds = 600;         // then 10 minutes of fetches by id
constexpr EpochSeconds kCrawlEndOffset = kListingSeconds + kByIdSeconds + 60;
constexpr std::uint64_t kSaltDuplicate = 0xD0B1E;
constexpr std::uint64_t kDuplicatePerMille = 3;

}  // namespace

struct Uk2019Simulator::Ad {
  EpochSeconds start = 0;
  EpochSeconds stop = 0;
  EpochSeconds removed_at = 0;  // 0: never removed
  std::uint64_t id = 0;
  std::int64_t total_pounds = 0;
  std::int64_t impressions_per_pound = 0;
  std::uint8_t sponsor = 0;
  std::uint8_t page = 0;
  std::uint8_t creative = 0;
  std::uint8_t creative2 = 0xFF;  // second card, 0xFF: none
  // delivery_by_region in hundredths (England, Scotland, Wales, Northern Ireland), summing to
  // 100; no region data at all when `has_regions` is false. `drift`: the England share moves
  // by up to one point between sightings (taken from or given to the largest other nation).
  std::uint8_t regions[4] = {0, 0, 0, 0};
  bool has_regions = true;
  bool drift = false;
  bool instagram = false;
  bool hidden_in_outage = false;
  bool created_day_before = false;

  std::int64_t SpentAt(EpochSeconds t) const {
    const EpochSeconds duration = stop - start;
    const EpochSeconds elapsed = std::clamp<EpochSeconds>(t - start, 0, duration);
    return total_pounds * elapsed / duration;
  }
};

namespace {

// Where an ad was delivered, in the shape of Meta's delivery_by_region: UK-wide campaigns
// mostly in England (70-92%) with varied Scotland/Wales/Northern Ireland shares; Scottish and
// Welsh parties almost only in their nation; local pages in England only; 8% of ads without
// region data. A separate random stream, so the other draws of the plan are unchanged.
void PlanRegions(const Sponsor& sponsor, const Page& page, std::uint64_t stream,
                 Uk2019Simulator::Ad& ad) {
  Rng rng(stream);
  const RegionProfile profile =
      page.region == RegionProfile::kSponsor ? sponsor.region : page.region;
  ad.has_regions = rng.Below(100) >= 8;
  ad.drift = rng.Below(100) < 15;
  auto& r = ad.regions;  // England, Scotland, Wales, Northern Ireland
  switch (profile) {
    case RegionProfile::kScotland: {
      const auto scotland = static_cast<std::uint8_t>(94 + rng.Below(7));  // 94..100
      r[1] = scotland;
      r[0] = static_cast<std::uint8_t>(100 - scotland);
      break;
    }
    case RegionProfile::kWales: {
      const auto wales = static_cast<std::uint8_t>(90 + rng.Below(11));  // 90..100
      r[2] = wales;
      r[0] = static_cast<std::uint8_t>(100 - wales);
      break;
    }
    case RegionProfile::kEngland:
      r[0] = 100;
      break;
    case RegionProfile::kSponsor:
    case RegionProfile::kUk: {
      const auto england = static_cast<int>(70 + rng.Below(23));  // 70..92
      const int rest = 100 - england;
      const int scotland = rest * static_cast<int>(40 + rng.Below(31)) / 100;
      const int wales = (rest - scotland) * static_cast<int>(40 + rng.Below(41)) / 100;
      r[0] = static_cast<std::uint8_t>(england);
      r[1] = static_cast<std::uint8_t>(scotland);
      r[2] = static_cast<std::uint8_t>(wales);
      r[3] = static_cast<std::uint8_t>(rest - scotland - wales);
      break;
    }
  }
}

}  // namespace

bool IsKnownScenario(std::string_view scenario) { return scenario == "uk2019"; }

bool ValidateSimOptions(const SimOptions& options, std::ostream& err) {
  if (!IsKnownScenario(options.scenario)) {
    err << "adwatch simulate: unknown scenario '" << options.scenario << "' (known: uk2019)\n";
    return false;
  }
  if (options.ads < kMinAds || options.ads > kMaxAds) {
    err << "adwatch simulate: --ads must be between " << kMinAds << " and " << kMaxAds << ", got "
        << options.ads << "\n";
    return false;
  }
  return true;
}

bool WriteSimulation(const SimOptions& options, std::ostream& out, std::int64_t* lines,
                     std::ostream& err) {
  if (lines != nullptr) *lines = 0;
  if (!ValidateSimOptions(options, err)) return false;
  Uk2019Simulator simulator(options);
  std::string line;
  std::int64_t count = 0;
  while (simulator.Next(&line)) {
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    if (!out) break;
    ++count;
  }
  if (lines != nullptr) *lines = count;
  out.flush();
  return static_cast<bool>(out);
}

Uk2019Simulator::Uk2019Simulator(const SimOptions& options) : seed_(options.seed) {
  const int count = std::clamp(options.ads, kMinAds, kMaxAds);
  const auto& sponsors = Sponsors();
  std::vector<int> sponsor_weights;
  for (const auto& s : sponsors) sponsor_weights.push_back(s.weight);

  constexpr EpochSeconds kStartSpan = kUk2019PollsClose - 6 * 3600 - kUk2019FirstCrawl;
  const std::uint64_t id_offset = Mix(seed_ ^ 0x1D5);

  ads_.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    Ad& ad = ads_[static_cast<std::size_t>(i)];
    Rng rng(Hash(seed_, static_cast<std::uint64_t>(i), 0, 0xAD));

    ad.sponsor = static_cast<std::uint8_t>(PickWeighted(rng, sponsor_weights));
    const Sponsor& sponsor = sponsors[ad.sponsor];
    std::vector<int> page_weights;
    for (const auto& p : sponsor.pages) page_weights.push_back(p.weight);
    ad.page = static_cast<std::uint8_t>(PickWeighted(rng, page_weights));
    const auto creatives = static_cast<std::uint64_t>(sponsor.creatives.size());
    ad.creative = static_cast<std::uint8_t>(rng.Below(creatives));
    if (creatives > 1 && rng.Below(100) < 15) {
      ad.creative2 =
          static_cast<std::uint8_t>((ad.creative + 1 + rng.Below(creatives - 1)) % creatives);
    }

    // Start dates ramp up towards polling day (density grows linearly).
    const std::uint64_t v = ISqrt(rng.Next() >> 12);  // in [0, 2^26)
    ad.start = kUk2019FirstCrawl +
               static_cast<EpochSeconds>((static_cast<std::uint64_t>(kStartSpan) * v) >> 26);
    const auto duration = static_cast<EpochSeconds>(
        12 * 3600 + static_cast<EpochSeconds>(rng.Below(13 * kDay + 12 * 3600)));
    ad.stop = std::min(ad.start + duration, kUk2019PollsClose);

    // Budgets in whole pounds, heavy-tailed.
    const std::uint64_t tier = rng.Below(1000);
    std::int64_t pounds = 0;
    if (tier < 450) {
      pounds = 1 + static_cast<std::int64_t>(rng.Below(99));
    } else if (tier < 720) {
      pounds = 100 + static_cast<std::int64_t>(rng.Below(900));
    } else if (tier < 900) {
      pounds = 1000 + static_cast<std::int64_t>(rng.Below(9000));
    } else if (tier < 990) {
      pounds = 10000 + static_cast<std::int64_t>(rng.Below(90000));
    } else {
      pounds = 100000 + static_cast<std::int64_t>(rng.Below(100000));
    }
    ad.total_pounds = std::max<std::int64_t>(1, pounds * sponsor.spend_permille / 1000);
    ad.impressions_per_pound = 80 + static_cast<std::int64_t>(rng.Below(220));
    ad.instagram = rng.Below(3) != 0;
    ad.created_day_before = rng.Below(4) == 0;
    ad.hidden_in_outage = rng.Below(100) < static_cast<std::uint64_t>(sponsor.outage_percent);
    // The ads that vanished were the bigger ones: ~40% of ads, just under half of the spend.
    if (ad.hidden_in_outage) ad.total_pounds = ad.total_pounds * kHiddenSpendPercent / 100;
    if (rng.Below(1000) < 10) {
      const EpochSeconds earliest = ad.start + 12 * 3600;
      const EpochSeconds latest = ad.stop + 2 * kDay;
      ad.removed_at = earliest + static_cast<EpochSeconds>(rng.Below(static_cast<std::uint64_t>(
                                     std::max<EpochSeconds>(1, latest - earliest))));
    }
    if (i % 997 == 0) {
      // A few big national ads reach the open-ended top bucket (£100,000 and more) by polling
      // day; they stay listed throughout, so the outage figures keep the seed's magnitudes.
      ad.total_pounds = 100000 + static_cast<std::int64_t>(rng.Below(20000));
      ad.hidden_in_outage = false;
      ad.removed_at = 0;
    }
    ad.id = 100'000'000'000'000ULL + Permute47(static_cast<std::uint64_t>(i) + id_offset);
    PlanRegions(sponsor, sponsor.pages[ad.page],
                Hash(seed_, static_cast<std::uint64_t>(i), 0, 0x4E6), ad);
  }

  order_.resize(ads_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) {
    return ads_[a].start < ads_[b].start;
  });
  seen_.assign(ads_.size(), false);

  // The report's advertisers: one per page id, named by its first page, with the first
  // disclaimer any of its pages carries.
  for (std::size_t i = 0; i < ads_.size(); ++i) {
    const Page& page = sponsors[ads_[i].sponsor].pages[ads_[i].page];
    auto it = std::find_if(advertisers_.begin(), advertisers_.end(),
                           [&](const Advertiser& a) { return a.id == page.id; });
    if (it == advertisers_.end()) {
      it = advertisers_.insert(advertisers_.end(), Advertiser{page.id, page.name, "", {}});
    }
    if (it->disclaimer.empty() && page.bylines != nullptr) it->disclaimer = page.bylines;
    it->ads.push_back(static_cast<std::uint32_t>(i));
  }
}

Uk2019Simulator::~Uk2019Simulator() = default;

namespace {

enum class Visibility : std::uint8_t { kListed, kHidden, kRemoved };

Visibility VisibilityAt(const Uk2019Simulator::Ad& ad, EpochSeconds crawl_start) {
  if (ad.removed_at != 0 && ad.removed_at <= crawl_start) return Visibility::kRemoved;
  if (ad.hidden_in_outage && crawl_start >= kUk2019OutageStart && crawl_start < kUk2019OutageEnd) {
    return Visibility::kHidden;
  }
  return Visibility::kListed;
}

}  // namespace

void Uk2019Simulator::BeginCrawl() {
  crawl_start_ = kUk2019FirstCrawl + static_cast<EpochSeconds>(crawl_) * kUk2019CrawlInterval;
  while (prefix_ < order_.size() && ads_[order_[prefix_]].start <= crawl_start_) ++prefix_;
  listed_ = 0;
  by_id_ = 0;
  for (std::size_t i = 0; i < prefix_; ++i) {
    const std::uint32_t index = order_[i];
    if (VisibilityAt(ads_[index], crawl_start_) == Visibility::kListed) {
      ++listed_;
    } else if (seen_[index]) {
      ++by_id_;
    }
  }
  phase_ = 0;
  cursor_ = 0;
  emitted_ = 0;
}

bool Uk2019Simulator::Next(std::string* json_line) {
  if (!pending_duplicate_.empty()) {
    json_line->swap(pending_duplicate_);
    pending_duplicate_.clear();
    return true;
  }
  for (;;) {
    if (crawl_ < 0 || phase_ == 4) {
      if (crawl_ + 1 >= kUk2019Crawls) return false;
      ++crawl_;
      BeginCrawl();
    }
    if (phase_ == 0) {
      while (cursor_ < prefix_) {
        const std::uint32_t index = order_[cursor_++];
        const Ad& ad = ads_[index];
        if (VisibilityAt(ad, crawl_start_) != Visibility::kListed) continue;
        const EpochSeconds at = crawl_start_ + emitted_ * kListingSeconds / listed_;
        ++emitted_;
        seen_[index] = true;
        json_line->clear();
        EmitListing(ad, index, at, json_line);
        if (Hash(seed_, index, static_cast<std::uint64_t>(crawl_), kSaltDuplicate) % 1000 <
            kDuplicatePerMille) {
          pending_duplicate_ = *json_line;
        }
        last_time_ = at;
        return true;
      }
      phase_ = 1;
      cursor_ = 0;
      emitted_ = 0;
    }
    if (phase_ == 1) {
      while (cursor_ < prefix_) {
        const std::uint32_t index = order_[cursor_++];
        const Ad& ad = ads_[index];
        const Visibility visibility = VisibilityAt(ad, crawl_start_);
        if (visibility == Visibility::kListed || !seen_[index]) continue;
        const EpochSeconds at = crawl_start_ + kListingSeconds + emitted_ * kByIdSeconds / by_id_;
        ++emitted_;
        json_line->clear();
        EmitById(ad, visibility == Visibility::kRemoved, at, json_line);
        last_time_ = at;
        return true;
      }
      phase_ = 2;
    }
    if (phase_ == 2) {
      json_line->clear();
      EmitCrawlEnd(json_line);
      last_time_ = crawl_start_ + kCrawlEndOffset;
      phase_ = 3;
      cursor_ = 0;
      return true;
    }
    if (phase_ == 3) {
      const bool report_day = (crawl_start_ - kUk2019FirstCrawl) % kDay == 6 * 3600;
      while (report_day && cursor_ < advertisers_.size()) {
        json_line->clear();
        if (EmitReport(cursor_++, json_line)) return true;
      }
      phase_ = 4;
    }
  }
}

namespace {

void AppendHeader(EpochSeconds at, EpochSeconds crawl_start, std::string_view lookup,
                  std::string_view status, std::string* out) {
  out->append("{\"kind\":\"observation\",\"registry\":\"meta\",");
  AppendField("observed_at", FormatTimestamp(at), out);
  out->push_back(',');
  AppendField("crawl_id", CrawlId(crawl_start), out);
  out->append(",\"scope\":\"GB\",");
  AppendField("lookup", lookup, out);
  out->push_back(',');
  AppendField("status", status, out);
  out->append(",\"ad\":{\"id\":\"");  // the caller appends the id and closes the string
}

}  // namespace

void Uk2019Simulator::EmitListing(const Ad& ad, std::uint32_t /*index*/, EpochSeconds at,
                                  std::string* out) const {
  const Sponsor& sponsor = Sponsors()[ad.sponsor];
  const Page& page = sponsor.pages[ad.page];
  AppendHeader(at, crawl_start_, "listing", "present", out);
  out->append(std::to_string(ad.id));
  out->append("\",");
  AppendField("page_id", page.id, out);
  out->push_back(',');
  AppendField("page_name", page.name, out);
  out->push_back(',');
  if (page.bylines != nullptr) {
    AppendField("bylines", page.bylines, out);
    out->push_back(',');
  }
  const Creative& first = sponsor.creatives[ad.creative];
  const Creative* second = ad.creative2 == 0xFF ? nullptr : &sponsor.creatives[ad.creative2];
  out->append("\"ad_creative_bodies\":[");
  AppendJsonString(first.body, out);
  if (second != nullptr) {
    out->push_back(',');
    AppendJsonString(second->body, out);
  }
  out->append("],\"ad_creative_link_titles\":[");
  AppendJsonString(first.title, out);
  if (second != nullptr) {
    out->push_back(',');
    AppendJsonString(second->title, out);
  }
  out->append("],");
  AppendField("ad_creation_time", Date(ad.start - (ad.created_day_before ? kDay : 0)), out);
  out->push_back(',');
  AppendField("ad_delivery_start_time", Date(ad.start), out);
  out->push_back(',');
  if (at >= ad.stop) {
    AppendField("ad_delivery_stop_time", Date(ad.stop), out);
    out->push_back(',');
  }
  AppendField("currency", "GBP", out);
  const std::int64_t spent = ad.SpentAt(at);
  out->append(",\"spend\":");
  AppendBucket(kSpendBuckets, spent, out);
  out->append(",\"impressions\":");
  AppendBucket(kImpressionBuckets, spent * ad.impressions_per_pound, out);
  if (ad.has_regions) {
    static constexpr const char* kNations[4] = {"England", "Scotland", "Wales", "Northern Ireland"};
    int shares[4] = {ad.regions[0], ad.regions[1], ad.regions[2], ad.regions[3]};
    if (ad.drift) {  // -1, 0 or +1 point for England this crawl, against the largest other
      std::size_t other = 1;
      for (std::size_t n = 2; n < 4; ++n) {
        if (shares[n] > shares[other]) other = n;
      }
      const int step =
          static_cast<int>(Hash(seed_, ad.id, static_cast<std::uint64_t>(crawl_), 0xD81F7) % 3) - 1;
      if (shares[other] > 0 && shares[0] + step >= 0 && shares[0] + step <= 100 &&
          shares[other] - step >= 0) {
        shares[0] += step;
        shares[other] -= step;
      }
    }
    out->append(",\"delivery_by_region\":[");
    bool first_share = true;
    for (std::size_t n = 0; n < 4; ++n) {
      if (shares[n] == 0) continue;
      if (!first_share) out->push_back(',');
      first_share = false;
      out->push_back('{');
      AppendField("region", kNations[n], out);
      out->push_back(',');
      AppendField("percentage", Fraction(shares[n]), out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  out->append(",\"publisher_platforms\":[\"facebook\"");
  if (ad.instagram) out->append(",\"instagram\"");
  out->append("]}}");
}

void Uk2019Simulator::EmitById(const Ad& ad, bool not_found, EpochSeconds at,
                               std::string* out) const {
  if (not_found) {
    AppendHeader(at, crawl_start_, "by_id", "not_found", out);
    out->append(std::to_string(ad.id));
    out->append("\"}}");
    return;
  }
  // Present but hidden from listing: the same ArchivedAd, fetched by id.
  EmitListing(ad, 0, at, out);
  const std::string_view listing = "\"lookup\":\"listing\"";
  const std::size_t pos = out->find(listing);
  if (pos != std::string::npos) out->replace(pos, listing.size(), "\"lookup\":\"by_id\"");
}

bool Uk2019Simulator::EmitReport(std::size_t a, std::string* out) const {
  const Advertiser& who = advertisers_[a];
  const EpochSeconds day_end = crawl_start_ - 6 * 3600;  // midnight before this 06:00 crawl
  std::int64_t pounds = 0, ads = 0;
  for (std::uint32_t index : who.ads) {
    const Ad& ad = ads_[index];
    if (ad.start >= day_end || (ad.removed_at != 0 && ad.removed_at <= crawl_start_)) continue;
    pounds += ad.SpentAt(day_end);
    ++ads;
  }
  if (ads == 0) return false;
  out->append("{\"kind\":\"report\",\"registry\":\"meta\",");
  AppendField("observed_at", FormatTimestamp(crawl_start_ + kCrawlEndOffset), out);
  out->push_back(',');
  AppendField("release", "meta-report-GB-" + Date(day_end - kDay), out);
  out->append(",\"report\":\"to_date\",");
  AppendField("advertiser_id", who.id, out);
  out->push_back(',');
  AppendField("advertiser_name", who.name, out);
  out->append(",\"disclaimer\":");
  if (who.disclaimer.empty()) {
    out->append("null");
  } else {
    AppendJsonString(who.disclaimer, out);
  }
  out->push_back(',');
  AppendField("period_end", Date(day_end - kDay), out);
  out->append(",\"amount_lower_pence\":" + std::to_string(pounds * 100) +
              ",\"amount_upper_pence\":" + std::to_string(pounds * 100) +
              ",\"ads_in_library\":" + std::to_string(ads) + "}");
  return true;
}

void Uk2019Simulator::EmitCrawlEnd(std::string* out) const {
  out->append("{\"kind\":\"crawl_end\",\"registry\":\"meta\",");
  AppendField("crawl_id", CrawlId(crawl_start_), out);
  out->append(",\"scope\":\"GB\",");
  AppendField("started_at", FormatTimestamp(crawl_start_), out);
  out->push_back(',');
  AppendField("completed_at", FormatTimestamp(crawl_start_ + kCrawlEndOffset), out);
  out->append(",\"ads_listed\":");
  out->append(std::to_string(listed_));
  out->push_back('}');
}

}  // namespace adwatch::sim
