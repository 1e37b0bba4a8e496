#include "app/cmd_demo.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <map>
#include <thread>

#include "app/monitor.h"
#include "core/log.h"
#include "sim/uk2019_simulator.h"
#include "source/embedded_kafka.h"
#include "source/replay.h"

namespace adwatch {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Money(Pence pence) {
  char buf[32];
  const long long pounds = pence / kPencePerPound;
  if (pounds >= 1000000) {
    std::snprintf(buf, sizeof buf, "£%.2fm", static_cast<double>(pounds) / 1e6);
  } else if (pounds >= 1000) {
    std::snprintf(buf, sizeof buf, "£%.1fk", static_cast<double>(pounds) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "£%lld", pounds);
  }
  return buf;
}

// Streams the simulated campaign into Kafka, pacing event time at `speed` x real time.
void Produce(Replayer& replayer, const DemoOptions& options, const std::atomic<bool>& stop,
             std::atomic<bool>& done) {
  sim::SimOptions sim_options;
  sim_options.ads = options.ads;
  sim::Uk2019Simulator simulator(sim_options);
  std::string line;
  const auto wall_start = SteadyClock::now();
  EpochSeconds sim_start = 0;
  while (!stop && simulator.Next(&line)) {
    if (sim_start == 0) sim_start = simulator.last_event_time();
    const double due = static_cast<double>(simulator.last_event_time() - sim_start) / options.speed;
    while (!stop && std::chrono::duration<double>(SteadyClock::now() - wall_start).count() < due) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    replayer.Send(line);
  }
  replayer.Flush(10000);
  done = true;
}

// Whole pounds rounded to the nearest thousand, with separators: "£121,000".
std::string Thousands(Pence pence) {
  const long long thousands = (pence / kPencePerPound + 500) / 1000;
  char buf[32];
  if (thousands >= 1000) {
    std::snprintf(buf, sizeof buf, "£%lld,%03lld,000", thousands / 1000, thousands % 1000);
  } else {
    std::snprintf(buf, sizeof buf, "£%lld,000", thousands);
  }
  return thousands == 0 ? std::string("£0") : std::string(buf);
}

// The seed's figures for the 9-10 December 2019 outage (DOMAIN.md, "Why this exists"): the
// share of each main party's ads that vanished and their worth; £1.3m in all, "just under half"
// of all political ad spending in the campaign.
struct SeedParty {
  const char* entity;  // configured entity name
  const char* label;
  int percent;
  long long pounds;
};
constexpr SeedParty kSeedParties[] = {{"Conservative", "Con", 20, 121000},
                                      {"Labour", "Lab", 43, 243000},
                                      {"Liberal Democrats", "LD", 60, 366000}};

// A registry outage as the demo saw it: over 5% of known ads missing (the AdRegistryAdsMissing
// threshold), from the first crawl that showed it to the first that did not. Kept after it ends
// so that a fast replay still shows it. At its peak: the seed's parties' missing and known ads
// and missing spend (mid estimate), all missing spend and all campaign-to-date spend (mid).
struct OutageEpisode {
  EpochSeconds from = 0, to = 0;  // crawl_end times; to = 0 while it lasts
  long long peak_missing = 0, peak_known = 0;
  Pence peak_report_gap = 0;  // the most the registry's own reports exceeded what it showed
  long long party_missing[3] = {0, 0, 0}, party_known[3] = {0, 0, 0};
  Pence party_missing_mid[3] = {0, 0, 0};
  Pence missing_mid = 0, to_date_mid = 0;
};

// How much more the registry's own reports hold than the ads it shows (all parties).
Pence ReportGap(const Figures& f, const std::string& registry) {
  Pence gap = 0;
  for (const ReportFigures& r : f.reports) {
    if (r.registry != registry) continue;
    for (std::size_t e = 0; e < f.entities; ++e) gap += f.ReportGap(r, e);
  }
  return gap;
}
using OutageLog = std::map<std::string, std::vector<OutageEpisode>>;

void TrackOutages(const Figures& f, const std::vector<std::string>& entity_names, OutageLog& log) {
  for (const RegistryFigures& r : f.registries) {
    long long known = 0, missing = 0;
    for (std::size_t e = 0; e < f.entities; ++e) {
      known += r.known[e];
      missing += r.missing[e];
    }
    auto& episodes = log[r.registry];
    const bool open = !episodes.empty() && episodes.back().to == 0;
    const EpochSeconds at = r.last_crawl_end.value_or(0);
    if (known > 0 && missing * 20 > known) {
      if (!open) episodes.push_back({at, 0, 0, 0});
      OutageEpisode& now = episodes.back();
      if (missing * now.peak_known >= now.peak_missing * known) {
        now.peak_missing = missing;
        now.peak_known = known;
        now.missing_mid = 0;
        now.to_date_mid = 0;
        for (std::size_t e = 0; e < f.entities; ++e) {
          now.missing_mid += r.missing_spend[e].v[2];
          now.to_date_mid += f.campaign_to_date[e].v[2];
          for (std::size_t p = 0; p < std::size(kSeedParties); ++p) {
            if (e < entity_names.size() && entity_names[e] == kSeedParties[p].entity) {
              now.party_missing[p] = r.missing[e];
              now.party_known[p] = r.known[e];
              now.party_missing_mid[p] = r.missing_spend[e].v[2];
            }
          }
        }
      }
      now.peak_report_gap = std::max(now.peak_report_gap, ReportGap(f, r.registry));
    } else if (open) {
      episodes.back().to = at;
    }
  }
}

void PrintSummary(std::ostream& out, const Figures& f, const OutageLog& outages,
                  const FiguresCollector& names, double events_per_second, bool tty,
                  const std::string& metrics_url) {
  std::string s;
  if (tty) s += "\x1b[H\x1b[2J";
  s += "adwatch demo: simulated UK general election 2019 — metrics at " + metrics_url + "\n";
  s += "watermark " + (f.watermark ? FormatTimestamp(*f.watermark) : std::string("-")) + "   " +
       std::to_string(static_cast<long long>(events_per_second)) + " events/s   rejected " +
       std::to_string(f.outcomes[static_cast<int>(Outcome::kRejected)]) + "\n\n";
  char row[512];
  std::snprintf(row, sizeof row, "%-26s %12s %12s %12s %12s %8s\n", "party (mid estimate)",
                "to date", "7d", "24h", "1h", "missing");
  s += row;
  std::vector<std::size_t> order(f.entities);
  for (std::size_t e = 0; e < f.entities; ++e) order[e] = e;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return f.campaign_to_date[a].v[2] > f.campaign_to_date[b].v[2];
  });
  auto window = [&](std::size_t e, const char* name) {
    for (std::size_t w = 0; w < f.windows; ++w) {
      if (names.window_names()[w] == name) return Money(f.Window(e, w).v[2]);
    }
    return std::string("-");
  };
  for (std::size_t e : order) {
    if (f.campaign_to_date[e].v[2] == 0) continue;
    long long missing = 0;
    for (const auto& r : f.registries) missing += r.missing[e];
    std::snprintf(row, sizeof row, "%-26.26s %12s %12s %12s %12s %8lld\n",
                  names.entity_names()[e].c_str(), Money(f.campaign_to_date[e].v[2]).c_str(),
                  window(e, "7d").c_str(), window(e, "24h").c_str(), window(e, "1h").c_str(),
                  missing);
    s += row;
  }
  // Registry health: the December 2019 failure mode, flagged as the AdRegistryAdsMissing alert
  // would (over 5% of known ads missing from the latest crawl).
  s += "\n";
  for (const RegistryFigures& r : f.registries) {
    long long known = 0, missing = 0, unlisted = 0, removed = 0;
    Pence lower = 0, upper = 0;
    for (std::size_t e = 0; e < f.entities; ++e) {
      known += r.known[e];
      missing += r.missing[e];
      unlisted += r.unlisted[e];
      removed += r.removed[e];
      lower += r.missing_spend[e].v[0];
      upper += r.missing_spend[e].v[1];
    }
    const bool outage = known > 0 && missing * 20 > known;
    std::snprintf(row, sizeof row,
                  "registry %-8s %7lld ads known, %6lld missing (%lld%%): %lld unlisted, %lld "
                  "removed; missing spend %s to %s%s\n",
                  r.registry.c_str(), known, missing, known > 0 ? missing * 100 / known : 0,
                  unlisted, removed, Money(lower).c_str(), Money(upper).c_str(),
                  outage ? "   << REGISTRY OUTAGE" : "");
    s += row;
    if (const Pence gap = ReportGap(f, r.registry); gap >= kPencePerPound) {
      s += "registry " + r.registry + ": the registry reports " + Money(gap) +
           " more than it shows\n";
    }
  }
  for (const auto& [registry, episodes] : outages) {
    for (const OutageEpisode& ep : episodes) {
      s += "registry " + registry + " outage " + FormatTimestamp(ep.from) + " to " +
           (ep.to == 0 ? std::string("now") : FormatTimestamp(ep.to)) + ": up to " +
           std::to_string(ep.peak_missing) + " of " + std::to_string(ep.peak_known) +
           " known ads missing (" + std::to_string(ep.peak_missing * 100 / ep.peak_known) + "%)" +
           (ep.peak_report_gap > 0 ? "; its own report held up to " + Money(ep.peak_report_gap) +
                                         " more than it showed"
                                   : std::string()) +
           "\n";
      // The seed's figures beside the simulated ones (spend: mid estimates, whole campaign).
      std::string seed = "  seed:      ", simulated = "  simulated: ";
      for (std::size_t p = 0; p < std::size(kSeedParties); ++p) {
        const SeedParty& sp = kSeedParties[p];
        const std::string sep = p == 0 ? "" : " · ";
        seed += sep + sp.label + " " + std::to_string(sp.percent) + "% " +
                Thousands(sp.pounds * kPencePerPound);
        const long long pct =
            ep.party_known[p] > 0 ? ep.party_missing[p] * 100 / ep.party_known[p] : 0;
        simulated +=
            sep + sp.label + " " + std::to_string(pct) + "% " + Thousands(ep.party_missing_mid[p]);
      }
      seed += " · £1.3m missing, just under half of spend\n";
      simulated += " · " + Money(ep.missing_mid) + " missing of " + Money(ep.to_date_mid) + " (" +
                   std::to_string(ep.to_date_mid > 0 ? ep.missing_mid * 100 / ep.to_date_mid : 0) +
                   "%)\n";
      s += seed + simulated;
    }
  }
  if (!f.registries.empty()) {
    s += "the list of missing ads: " + metrics_url.substr(0, metrics_url.rfind('/')) +
         "/api/v1/ads\n";
  }
  out << s << std::flush;
}

}  // namespace

int DemoCommand(const DemoOptions& options, const std::atomic<bool>& stop, std::ostream& out,
                std::ostream& err) {
  std::string error;
  std::atomic<bool> quit{false};  // set on Ctrl-C or when --duration has passed
  Config config = DefaultConfig();
  auto kafka = EmbeddedKafka::Start({1, options.partitions, {config.kafka.topic}}, &error);
  if (!kafka) {
    err << "adwatch demo: " << error << "\n";
    return 1;
  }
  config.kafka.brokers = kafka->bootstrap();
  config.kafka.group = "adwatch-demo";
  config.listen = options.listen;
  SystemClock clock;
  auto monitor = std::make_unique<Monitor>(config, clock);
  if (!monitor->Start(&error)) {
    err << "adwatch demo: " << error << "\n";
    return 1;
  }
  ReplayOptions replay_options;
  replay_options.brokers = kafka->bootstrap();
  replay_options.topic = config.kafka.topic;
  replay_options.stop = &quit;
  auto replayer = Replayer::Create(replay_options, &error);
  if (!replayer) {
    err << "adwatch demo: " << error << "\n";
    return 1;
  }
  const std::string metrics_url = "http://" + config.listen.substr(0, config.listen.rfind(':')) +
                                  ":" + std::to_string(monitor->port()) + "/metrics";
  out << "adwatch demo: metrics at " << metrics_url << "  (embedded Kafka at " << kafka->bootstrap()
      << "; Ctrl-C to stop)\n"
      << std::flush;

  std::atomic<bool> monitor_stop{false}, produced{false};
  std::thread consumer([&] { monitor->Run(monitor_stop); });
  std::thread producer([&] { Produce(*replayer, options, quit, produced); });

  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const auto start = SteadyClock::now();
  auto last = start;
  double last_events = 0;
  auto events = [](const Figures& f) {
    double n = 0;
    for (std::int64_t c : f.outcomes) n += static_cast<double>(c);
    return n;
  };
  const auto interval = std::chrono::seconds(tty ? 1 : 5);
  OutageLog outages;
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Figures snapshot = *monitor->pipeline().Published();  // as a scrape sees it
    TrackOutages(snapshot, monitor->pipeline().collector()->entity_names(), outages);
    const auto now = SteadyClock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const bool finished = options.duration_seconds > 0 && elapsed >= options.duration_seconds;
    if (now - last >= interval || finished) {
      const double n = events(snapshot);
      const double rate = (n - last_events) / std::chrono::duration<double>(now - last).count();
      PrintSummary(out, snapshot, outages, *monitor->pipeline().collector(), rate, tty,
                   metrics_url);
      if (!tty) out << "\n";
      last = now;
      last_events = n;
    }
    if (finished) break;
  }
  const auto handled = static_cast<long long>(
      events(monitor->pipeline().Snapshot()));  // before the partitions are revoked
  quit = true;
  monitor_stop = true;
  producer.join();
  consumer.join();
  out << "adwatch demo: stopped after " << handled << " events; metrics were at " << metrics_url
      << "\n";
  return 0;
}

}  // namespace adwatch
