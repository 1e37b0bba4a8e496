#include "outage_stream.h"

#include <algorithm>
#include <set>

#include "core/time.h"

namespace adwatch::testing {
namespace {

constexpr long long kStart = 1575158400;  // 2019-12-01T00:00:00Z
constexpr int kCrawls = 8;
constexpr int kOutageFirst = 3, kOutageLast = 4;
constexpr int kEndsAfter = 5;  // ads with i % 11 == 0 are not listed after this crawl

struct Ad {
  std::string id, page_id, page_name;
  int slot = 0;
  int first_crawl = 0;
  long long lower = 0, upper = 0;  // pounds; upper < 0: open-ended
  bool hidden = false;             // vanishes from the listing during the outage
  int hidden_mode = 0;             // 0: fetched by id, present; 1: not_found; 2: not fetched
};

std::string Observation(const Ad& ad, long long t, const std::string& crawl, bool by_id,
                        bool not_found) {
  std::string v = "{\"registry\":\"meta\",\"observed_at\":\"" + FormatTimestamp(t) +
                  "\",\"crawl_id\":\"" + crawl + "\",\"scope\":\"GB\",\"lookup\":\"" +
                  (by_id ? "by_id" : "listing") + "\",\"status\":\"" +
                  (not_found ? "not_found" : "present") + "\",\"ad\":{\"id\":\"" + ad.id + "\"";
  if (!not_found) {
    v += ",\"page_id\":\"" + ad.page_id + "\",\"page_name\":\"" + ad.page_name +
         "\",\"ad_creative_bodies\":[\"Vote on 12 December\"],\"currency\":\"GBP\","
         "\"spend\":{\"lower_bound\":\"" +
         std::to_string(ad.lower) + "\"";
    if (ad.upper >= 0) v += ",\"upper_bound\":\"" + std::to_string(ad.upper) + "\"";
    v += "}";
  }
  return v + "}}";
}

}  // namespace

OutageStream GenerateOutageStream(const Config& config, int count) {
  std::vector<int> slots;
  for (size_t e = 0; e < config.entities.size(); ++e) {
    if (!config.entities[e].page_ids.empty()) slots.push_back(static_cast<int>(e));
  }
  const int unattributed = static_cast<int>(config.entities.size());
  slots.push_back(unattributed);
  auto party = [&](int slot) {
    return slot == unattributed ? std::string("unattributed")
                                : config.entities[static_cast<size_t>(slot)].name;
  };

  std::vector<Ad> ads;
  for (int i = 0; i < count; ++i) {
    Ad ad;
    ad.id = std::to_string(7000000 + i);
    ad.slot = slots[static_cast<size_t>(i) % slots.size()];
    ad.page_id = ad.slot == unattributed
                     ? "99" + std::to_string(i)
                     : config.entities[static_cast<size_t>(ad.slot)].page_ids.front();
    // Names as registries send them: quotes, a backslash and non-ASCII must survive the API.
    ad.page_name = "Page " + std::to_string(i % 9) + (i % 4 == 0 ? " \\\"Vote\\\" \\\\ £" : "");
    ad.first_crawl = i % 3;
    ad.lower = 100 * (i % 7 + 1);
    ad.upper = i % 10 == 9 ? -1 : ad.lower + 99;
    ad.hidden = i % 5 < 2;
    ad.hidden_mode = i % 3;
    ads.push_back(ad);
  }

  OutageStream stream;
  // Oracle state per ad: listed in some crawl yet; listed / by-id status in the current crawl.
  std::vector<bool> ever_listed(ads.size(), false), known(ads.size(), false);
  for (int c = 0; c < kCrawls; ++c) {
    const long long start = kStart + c * 21600LL;
    const std::string crawl = "meta-GB-" + FormatTimestamp(start);
    const bool outage = c >= kOutageFirst && c <= kOutageLast;
    OutageCrawl out;
    std::vector<int> state(ads.size(), -1);  // -1 not seen; 0 listed; 1 by id; 2 not_found
    long long listed = 0;
    for (size_t i = 0; i < ads.size(); ++i) {
      const Ad& ad = ads[i];
      if (c < ad.first_crawl) continue;
      const long long t = start + 60 + static_cast<long long>(i);
      if (i % 11 == 0 && c > kEndsAfter) continue;  // ended: the crawler no longer sees it
      if (outage && ad.hidden) {
        if (ad.hidden_mode == 2) continue;
        out.messages.push_back(Observation(ad, t, crawl, true, ad.hidden_mode == 1));
        state[i] = ad.hidden_mode == 0 ? 1 : 2;
        if (ad.hidden_mode == 0) known[i] = true;
        continue;
      }
      out.messages.push_back(Observation(ad, t, crawl, false, false));
      state[i] = 0;
      known[i] = true;
      ++listed;
    }
    out.messages.push_back("{\"kind\":\"crawl_end\",\"registry\":\"meta\",\"crawl_id\":\"" + crawl +
                           "\",\"scope\":\"GB\",\"started_at\":\"" + FormatTimestamp(start) +
                           "\",\"completed_at\":\"" + FormatTimestamp(start + 3600) +
                           "\",\"ads_listed\":" + std::to_string(listed) + "}");
    stream.crawls.push_back(out);

    // SPEC §3: of the ads listed in an earlier crawl, those not listed in this one are missing;
    // fetched by id and present: unlisted; not_found: removed.
    const size_t slots_n = config.entities.size() + 1;
    RegistryExpected ex;
    ex.known.assign(slots_n, 0);
    ex.missing.assign(slots_n, 0);
    ex.unlisted.assign(slots_n, 0);
    ex.removed.assign(slots_n, 0);
    ex.missing_spend.assign(slots_n, {0, 0, 0});
    ex.ads_listed = listed;
    ex.completed_at = start + 3600;
    for (size_t i = 0; i < ads.size(); ++i) {
      const Ad& ad = ads[i];
      const auto s = static_cast<size_t>(ad.slot);
      if (!known[i]) continue;
      ++ex.known[s];
      if (ever_listed[i] && state[i] != 0) {
        const std::string st = state[i] == 1 ? "unlisted" : state[i] == 2 ? "removed" : "missing";
        ++ex.missing[s];
        ex.unlisted[s] += state[i] == 1;
        ex.removed[s] += state[i] == 2;
        const long long lo = ad.lower * 100, up = (ad.upper < 0 ? ad.lower : ad.upper) * 100;
        ex.missing_spend[s][0] += lo;
        ex.missing_spend[s][1] += up;
        ex.missing_spend[s][2] += (lo + up) / 2;
        std::string name = ad.page_name;  // the JSON-unescaped name
        for (const auto& [from, to] :
             {std::pair<std::string, std::string>{"\\\"", "\""}, {"\\\\", "\\"}}) {
          for (size_t p = name.find(from); p != std::string::npos; p = name.find(from, p + 1)) {
            name.replace(p, from.size(), to);
          }
        }
        ex.lost.push_back({ad.id, party(ad.slot), st, name, lo});
      }
      if (state[i] == 0) ever_listed[i] = true;
    }
    std::sort(ex.lost.begin(), ex.lost.end());
    stream.expected.push_back(ex);
  }
  return stream;
}

}  // namespace adwatch::testing
