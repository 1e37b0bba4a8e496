#include "stream_generator.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace adwatch::testing {
namespace {

// 2019-style coarse buckets; the last one is open-ended.
constexpr long long kLower[] = {0, 100, 500, 1000, 5000, 10000, 50000, 100000};
constexpr long long kUpper[] = {99, 499, 999, 4999, 9999, 49999, 99999, -1};
constexpr int kBuckets = 8;

std::string Iso(long long t) {
  const long long days = t / 86400, secs = t % 86400;
  // Only December 2019 and nearby dates are generated: compute from 2019-12-01.
  const long long dec1 = 1575158400;
  const long long day_of_dec = (t - dec1) / 86400 + 1;
  char buf[40];
  if (t >= dec1) {
    std::snprintf(buf, sizeof buf, "2019-12-%02lldT%02lld:%02lld:%02lldZ", day_of_dec, secs / 3600,
                  secs / 60 % 60, secs % 60);
  } else {
    const long long nov1 = 1572566400;
    std::snprintf(buf, sizeof buf, "2019-11-%02lldT%02lld:%02lld:%02lldZ", (t - nov1) / 86400 + 1,
                  secs / 3600, secs / 60 % 60, secs % 60);
  }
  (void)days;
  return buf;
}

std::string DateOf(long long t) { return Iso(t - t % 86400).substr(0, 10); }

struct Theme {
  const char* text;
  const char* theme;  // config theme name, or nullptr
};
constexpr Theme kTexts[] = {
    {"Get Brexit done. Vote on 12 December.", "brexit"},
    {"Protect our NHS from privatisation.", "nhs"},
    {"Vote tactically to keep them out in your seat.", "tactical_voting"},
    {"Meet your local candidate this Saturday at the library.", nullptr},
};

constexpr const char* kRegionNames[] = {"England", "Scotland", "Wales", "Northern Ireland"};

// A delivery_by_region for ad `i`: one to four nations (sometimes with a non-UK region), with
// exact four-decimal fractions summing to 1; `parts` gets the truth. Profile 5 writes unusable
// data (a sum above 1.01, NaN or a nation twice): all unknown.
std::string RegionData(size_t i, std::mt19937_64& rng, std::array<int, 5>* parts) {
  *parts = {0, 0, 0, 0, 0};
  const auto fraction = [](int p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0.%04d", p);
    return p == 10000 ? std::string("1") : std::string(buf);
  };
  if (i % 6 == 5) {
    (*parts)[4] = 10000;
    switch (rng() % 3) {
      case 0:
        return R"([{"region":"England","percentage":"0.7"},{"region":"Wales","percentage":"0.5"}])";
      case 1:
        return R"([{"region":"Scotland","percentage":"NaN"}])";
      default:
        return R"([{"region":"Wales","percentage":"0.5"},{"region":"wales","percentage":"0.5"}])";
    }
  }
  const int count = static_cast<int>(i % 4) + 1;  // nations in this ad's delivery
  const bool foreign = rng() % 4 == 0;            // a non-UK region takes a share too
  std::vector<int> cuts{0, 10000};
  for (int k = 1; k < count + (foreign ? 1 : 0); ++k)
    cuts.push_back(static_cast<int>(rng() % 10001));
  std::sort(cuts.begin(), cuts.end());
  const int first = static_cast<int>(rng() % 4);
  std::string out = "[";
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const int p = cuts[k + 1] - cuts[k];
    const bool uk = static_cast<int>(k) < count;
    const int n = uk ? (first + static_cast<int>(k)) % 4 : 4;
    (*parts)[static_cast<size_t>(n)] += p;
    if (k > 0) out += ",";
    out += std::string(R"({"region":")") + (uk ? kRegionNames[n] : "Dublin") +
           R"(","percentage":")" + fraction(p) + "\"}";
  }
  return out + "]";
}

}  // namespace

std::vector<GeneratedMessage> GenerateStream(const Config& config, const StreamOptions& o) {
  std::mt19937_64 rng(o.seed);
  auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };

  // Ads are spread over entities that have a Meta page id, plus unattributed ones.
  std::vector<int> slots;
  for (size_t e = 0; e < config.entities.size(); ++e) {
    if (!config.entities[e].page_ids.empty()) slots.push_back(static_cast<int>(e));
  }
  const int unattributed = static_cast<int>(config.entities.size());
  slots.push_back(unattributed);

  struct Plan {
    std::string id, page_id, page_name, bylines, text;
    int slot;
    std::uint64_t themes;
    int first_crawl, last_crawl;
    long long delivery_start;
    bool late;
  };
  std::vector<Plan> plans;
  for (int i = 0; i < o.ads; ++i) {
    Plan p;
    p.id = std::to_string(4000000000000LL + i * 7919);
    p.slot = slots[static_cast<size_t>(i) % slots.size()];
    if (p.slot == unattributed) {
      p.page_id = std::to_string(990000000000LL + i);
      p.page_name = "Weekend Gardening Tips " + std::to_string(i);
      p.bylines = i % 2 == 0 ? "" : "Weekend Gardening Ltd";
    } else {
      p.page_id = config.entities[static_cast<size_t>(p.slot)].page_ids[0];
      p.page_name = "Official page";
      p.bylines = i % 3 == 0 ? "These ads ran without a disclaimer" : "";
    }
    p.themes = 0;
    std::string text;
    const int a = roll(4), b = roll(3) == 0 ? roll(4) : a;
    for (int k : {a, b}) {
      if (k == b && b == a && !text.empty()) break;
      text += std::string(kTexts[k].text) + " ";
      if (kTexts[k].theme != nullptr) {
        for (size_t t = 0; t < config.themes.size(); ++t) {
          if (config.themes[t].name == kTexts[k].theme) p.themes |= 1ULL << t;
        }
      }
    }
    p.text = text;
    p.first_crawl = roll(o.crawls / 2);
    p.last_crawl = std::min(o.crawls - 1, p.first_crawl + 2 + roll(o.crawls));
    p.delivery_start = o.start + p.first_crawl * 21600LL - roll(3) * 86400LL;
    p.delivery_start -= p.delivery_start % 86400;
    p.late = i % 17 == 5;
    plans.push_back(p);
  }

  std::vector<GeneratedMessage> out, late_out;
  std::vector<int> bucket(plans.size(), 0);
  std::mt19937_64 region_rng(o.seed ^ 0x4E4154494F4E53ULL);  // its own draws: the rest is unchanged
  std::vector<std::string> regions(plans.size());
  std::vector<std::array<int, 5>> region_parts(plans.size());
  for (int c = 0; c < o.crawls; ++c) {
    const long long crawl_start =
        o.start + c * 21600LL + (o.gap_after >= 0 && c > o.gap_after ? o.gap : 0);
    char crawl_id[64];
    std::snprintf(crawl_id, sizeof crawl_id, "meta-GB-%s", Iso(crawl_start).c_str());
    std::vector<GeneratedMessage> crawl_msgs;
    for (size_t i = 0; i < plans.size(); ++i) {
      const Plan& p = plans[i];
      if (c < p.first_crawl) continue;
      if (c <= p.last_crawl && c > p.first_crawl) {
        const int step = roll(10);
        if (step < 4 && bucket[i] < kBuckets - 1) ++bucket[i];
        if (step == 9 && i % 11 == 3 && bucket[i] > 0) --bucket[i];  // a registry correction
      }
      GeneratedMessage m;
      m.ad = "meta:" + p.id;
      m.key = m.ad;
      m.observed_at = crawl_start + 60 + roll(3000);
      m.lower = kLower[bucket[i]];
      if (kUpper[bucket[i]] >= 0) m.upper = kUpper[bucket[i]];
      m.delivery_start = p.delivery_start;
      m.entity_slot = p.slot;
      m.themes = p.themes;
      m.no_disclaimer = p.bylines.empty() || p.bylines[0] == 'T';
      // Region data: none for every eighth ad; otherwise on the first sighting, then omitted
      // now and then (the ad keeps its shares) and sometimes redrawn (the shares change).
      std::string region_member;
      if (i % 8 != 6) {
        const std::uint64_t r = region_rng() % 8;
        if (regions[i].empty() || r == 0) regions[i] = RegionData(i, region_rng, &region_parts[i]);
        if (c == p.first_crawl || r >= 2) {
          region_member = ",\"delivery_by_region\":" + regions[i];
          m.nations = region_parts[i];
        }
      }
      std::string spend = "{\"lower_bound\":\"" + std::to_string(*m.lower) + "\"";
      if (m.upper) spend += ",\"upper_bound\":\"" + std::to_string(*m.upper) + "\"";
      spend += "}";
      std::string stop;
      if (c >= p.last_crawl)
        stop = ",\"ad_delivery_stop_time\":\"" + DateOf(o.start + p.last_crawl * 21600LL) + "\"";
      m.value =
          std::string("{\"kind\":\"observation\",\"registry\":\"meta\",\"observed_at\":\"") +
          Iso(m.observed_at) + "\",\"crawl_id\":\"" + crawl_id +
          "\",\"scope\":\"GB\",\"lookup\":\"listing\",\"status\":\"present\",\"ad\":{\"id\":\"" +
          p.id + "\",\"page_id\":\"" + p.page_id + "\",\"page_name\":\"" + p.page_name +
          "\",\"bylines\":\"" + p.bylines + "\",\"ad_creative_bodies\":[\"" + p.text +
          "\"],\"ad_delivery_start_time\":\"" + DateOf(p.delivery_start) + "\"" + stop +
          ",\"currency\":\"GBP\",\"spend\":" + spend + region_member + "}}";
      (p.late ? late_out : crawl_msgs).push_back(m);
      if (roll(10) == 0) crawl_msgs.push_back(m);  // duplicate delivery
    }
    std::sort(crawl_msgs.begin(), crawl_msgs.end(),
              [](const GeneratedMessage& a, const GeneratedMessage& b) {
                return a.observed_at < b.observed_at;
              });
    // Reorder a few neighbours: the older sighting arrives second and is stale.
    for (size_t k = 1; k + 1 < crawl_msgs.size(); k += 9)
      std::swap(crawl_msgs[k], crawl_msgs[k + 1]);
    out.insert(out.end(), crawl_msgs.begin(), crawl_msgs.end());
    GeneratedMessage end;
    end.crawl_end = true;
    end.observed_at = crawl_start + 3600;  // completed_at
    end.crawl = std::string("meta/GB/") + crawl_id;
    end.value = std::string("{\"kind\":\"crawl_end\",\"registry\":\"meta\",\"crawl_id\":\"") +
                crawl_id + "\",\"scope\":\"GB\",\"started_at\":\"" + Iso(crawl_start) +
                "\",\"completed_at\":\"" + Iso(crawl_start + 3600) +
                "\",\"ads_listed\":" + std::to_string(crawl_msgs.size()) + "}";
    out.push_back(end);
  }
  // Late ads: every sighting arrives after the whole stream, far behind the watermark.
  out.insert(out.end(), late_out.begin(), late_out.end());
  return out;
}

namespace {

__extension__ typedef __int128 Wide;  // NOLINT(modernize-use-using)

// Independent floor(d * (x - t0) / (t - t0)) clamped to [t0, t].
long long Cum(long long d, long long t0, long long t, long long x) {
  if (t <= t0) return x >= t ? d : 0;
  if (x <= t0) return 0;
  if (x >= t) return d;
  const Wide num = static_cast<Wide>(d) * (x - t0);
  const Wide den = t - t0;
  Wide q = num / den;
  if (num % den != 0 && num < 0) q -= 1;
  return static_cast<long long>(q);
}

// The README's split of `amount` by parts per 10,000, written again: each nation the floor of
// |amount| * part / 10,000, the rest one each by descending remainder (ties: lower index) to
// nations with a part; negative amounts split as their magnitude.
std::array<long long, 5> Split(long long amount, const std::array<int, 5>& parts) {
  const long long mag = amount < 0 ? -amount : amount;
  std::array<long long, 5> out{};
  std::vector<std::pair<long long, int>> rems;  // (-remainder, nation)
  long long left = mag;
  for (int n = 0; n < 5; ++n) {
    const Wide num = static_cast<Wide>(mag) * parts[static_cast<size_t>(n)];
    out[static_cast<size_t>(n)] = static_cast<long long>(num / 10000);
    left -= out[static_cast<size_t>(n)];
    if (parts[static_cast<size_t>(n)] > 0)
      rems.emplace_back(-static_cast<long long>(num % 10000), n);
  }
  std::sort(rems.begin(), rems.end());
  for (size_t k = 0; left > 0; ++k, --left) ++out[static_cast<size_t>(rems[k].second)];
  if (amount < 0) {
    for (long long& v : out) v = -v;
  }
  return out;
}

}  // namespace

Expected ComputeExpected(const Config& config, const std::vector<GeneratedMessage>& messages) {
  const size_t entities = config.entities.size() + 1;
  const size_t themes = config.themes.size() + 1;
  const size_t windows = config.windows.size();
  Expected ex;
  ex.campaign_to_date.assign(entities, {0, 0, 0});
  ex.window.assign(entities, std::vector<std::array<long long, 3>>(windows, {0, 0, 0}));
  ex.theme_window.assign(entities,
                         std::vector<std::vector<std::array<long long, 3>>>(
                             themes, std::vector<std::array<long long, 3>>(windows, {0, 0, 0})));
  ex.open_ended.assign(entities, 0);
  ex.corrections.assign(entities, 0);
  ex.nation_campaign_to_date.assign(entities, {});
  ex.nation_window.resize(entities);
  for (auto& per_nation : ex.nation_window) {
    for (auto& v : per_nation) v.assign(windows, {0, 0, 0});
  }

  struct AdState {
    long long last = 0;
    bool seen = false;
    long long lo = 0, up = 0, at = 0;
    long long top_lo = 0, win_lo = 0, win_up = 0;  // window credit (README)
    bool open = false;
    int slot = 0;
    std::array<int, 5> nations{0, 0, 0, 0, 10000};  // until region data arrives: unknown
  };
  struct Inc {
    long long t0, t;
    std::array<long long, 3> d;
    std::array<long long, 3> wd;  // what windows get
    int slot;
    std::uint64_t themes;
    bool no_disclaimer;
    std::array<int, 5> nations;
  };
  std::map<std::string, AdState> ads;
  std::vector<Inc> incs;
  // Event time (README): which messages are applied, in which order, and the final watermark.
  const long long lead = config.event_time.max_lead_seconds;
  const size_t quorum = static_cast<size_t>(config.event_time.quorum);
  long long watermark = 0;
  bool have_time = false, crawl_time = false;
  std::vector<const GeneratedMessage*> applied, held;
  // Applies the held messages dated at or before `limit`, oldest first; false if none.
  auto release = [&](long long limit) {
    std::vector<const GeneratedMessage*> keep;
    bool any = false;
    for (const GeneratedMessage* h : held) {
      if (h->observed_at > limit) {
        keep.push_back(h);
        continue;
      }
      any = true;
      if (h->crawl_end || !crawl_time) watermark = std::max(watermark, h->observed_at);
      if (h->crawl_end) crawl_time = true;
      applied.push_back(h);
    }
    held = keep;
    return any;
  };
  for (const GeneratedMessage& m : messages) {
    if (m.rejected) continue;
    const long long t = m.observed_at;
    if ((have_time && t - watermark > lead) || (m.crawl_end && !have_time)) {
      held.push_back(&m);
      for (;;) {  // the quorum: the quorum-th latest of the distinct witnesses' latest dates
        std::map<std::string, long long> latest;
        for (const GeneratedMessage* h : held) {
          long long& v = latest[h->crawl_end ? "c" + h->crawl : "o" + h->ad];
          v = std::max(v, h->observed_at);
        }
        std::vector<long long> dates;
        for (const auto& [k, v] : latest) dates.push_back(v);
        if (dates.size() < quorum) break;
        std::sort(dates.rbegin(), dates.rend());
        const long long corroborated = dates[quorum - 1];
        if (have_time && corroborated <= watermark) break;
        watermark = have_time ? std::max(watermark, corroborated) : corroborated;
        have_time = true;
        while (release(watermark + lead)) {
        }
      }
      continue;
    }
    if (m.crawl_end || !crawl_time) {
      release(t);
      watermark = have_time ? std::max(watermark, t) : t;
      have_time = true;
      crawl_time |= m.crawl_end;
    }
    applied.push_back(&m);
  }
  for (const GeneratedMessage* mp : applied) {
    const GeneratedMessage& m = *mp;
    if (m.crawl_end || m.ad.empty()) continue;
    AdState& a = ads[m.ad];
    if (a.seen && m.observed_at <= a.last) continue;  // duplicate or stale
    if (m.nations) a.nations = *m.nations;            // from this sighting on; none: keep the last
    const long long lo = *m.lower * 100, up = (m.upper ? *m.upper : *m.lower) * 100;
    const long long t = m.observed_at;
    long long t0 =
        a.seen ? a.at : (m.delivery_start && *m.delivery_start < t ? *m.delivery_start : t);
    Inc inc{t0,
            t,
            {lo - a.lo, up - a.up, (lo + up) / 2 - (a.lo + a.up) / 2},
            {},
            m.entity_slot,
            m.themes,
            m.no_disclaimer,
            a.nations};
    if (inc.d[0] < 0 || inc.d[1] < 0 || inc.d[2] < 0)
      ++ex.corrections[static_cast<size_t>(m.entity_slot)];
    // Windows: the upper credit is the highest upper seen; the lower credit climbs towards the
    // highest lower seen by at most what the upper credit climbed in this sighting.
    const long long top_lo = a.top_lo > lo ? a.top_lo : lo;
    const long long win_up = a.win_up > up ? a.win_up : up;
    long long win_lo = a.win_lo + (win_up - a.win_up);
    if (win_lo > top_lo) win_lo = top_lo;
    if (win_lo < a.win_lo) win_lo = a.win_lo;
    inc.wd = {win_lo - a.win_lo, win_up - a.win_up,
              (win_lo + win_up) / 2 - (a.win_lo + a.win_up) / 2};
    a.top_lo = top_lo;
    a.win_lo = win_lo;
    a.win_up = win_up;
    incs.push_back(inc);
    a.seen = true;
    a.last = t;
    a.at = t;
    a.lo = lo;
    a.up = up;
    a.open = !m.upper;
    a.slot = m.entity_slot;
  }
  ex.watermark = watermark;
  for (const auto& [id, a] : ads) ex.open_ended[static_cast<size_t>(a.slot)] += a.open;
  const auto& period = config.regulated_period;
  for (const Inc& inc : incs) {
    const size_t e = static_cast<size_t>(inc.slot);
    for (int b = 0; b < 3; ++b) {
      const long long d = inc.d[static_cast<size_t>(b)];
      const long long in_period =
          period ? Cum(d, inc.t0, inc.t, period->end) - Cum(d, inc.t0, inc.t, period->start) : d;
      ex.campaign_to_date[e][static_cast<size_t>(b)] += in_period;
      const auto ctd_parts = Split(in_period, inc.nations);
      for (size_t n = 0; n < 5; ++n) {
        ex.nation_campaign_to_date[e][n][static_cast<size_t>(b)] += ctd_parts[n];
      }
      if (inc.no_disclaimer && e == entities - 1)
        ex.no_disclaimer[static_cast<size_t>(b)] += in_period;
      const long long wd = inc.wd[static_cast<size_t>(b)];
      if (wd == 0) continue;
      for (size_t w = 0; w < windows; ++w) {
        const long long share = Cum(wd, inc.t0, inc.t, watermark) -
                                Cum(wd, inc.t0, inc.t, watermark - config.windows[w].seconds);
        ex.window[e][w][static_cast<size_t>(b)] += share;
        const auto window_parts = Split(share, inc.nations);
        for (size_t n = 0; n < 5; ++n)
          ex.nation_window[e][n][w][static_cast<size_t>(b)] += window_parts[n];
        if (inc.themes == 0) ex.theme_window[e][themes - 1][w][static_cast<size_t>(b)] += share;
        for (size_t th = 0; th + 1 < themes; ++th) {
          if (inc.themes >> th & 1U) ex.theme_window[e][th][w][static_cast<size_t>(b)] += share;
        }
      }
    }
  }
  return ex;
}

}  // namespace adwatch::testing
