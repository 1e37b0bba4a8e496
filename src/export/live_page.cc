#include "export/live_page.h"

#include <algorithm>
#include <chrono>

#include "core/rapidjson.h"

namespace adwatch {

extern const std::string_view kLivePageHtml;  // generated from live_page.html

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

double Gbp(Pence pence) { return static_cast<double>(pence) / kPencePerPound; }

void WriteBounds(JsonWriter& w, const Amounts& a) {
  w.StartObject();
  for (int b = 0; b < kBoundCount; ++b) {
    w.Key(kBoundNames[b]);
    w.Double(Gbp(a.v[b]));
  }
  w.EndObject();
}

// The nation view (`nations` in /api/v1/summary): the nation label values, and per entity slot
// with a configured nation limit or any spend by nation, its campaign-to-date per nation
// (lower/mid/upper) and its limit there (null where none), both indexed like `names`.
void WriteNations(JsonWriter& w, const Figures& f, const FiguresCollector& names) {
  w.StartObject();
  w.Key("names");
  w.StartArray();
  for (int n = 0; n < kNationCount; ++n) Key(w, NationName(static_cast<Nation>(n)));
  w.EndArray();
  w.Key("parties");
  w.StartArray();
  const auto& limits = names.nation_limits();
  for (std::size_t e = 0; e < f.entities && e < names.entity_names().size(); ++e) {
    if (f.nation_campaign_to_date.size() < (e + 1) * kNationCount) break;
    bool any = false;
    for (int n = 0; n < kNationCount; ++n) {
      any = any || (e < limits.size() && limits[e][n]) ||
            !(f.nation_campaign_to_date[e * kNationCount + n] == Amounts{});
    }
    if (!any) continue;
    w.StartObject();
    w.Key("party");
    w.String(names.entity_names()[e]);
    w.Key("to_date");
    w.StartArray();
    for (int n = 0; n < kNationCount; ++n) {
      WriteBounds(w, f.nation_campaign_to_date[e * kNationCount + n]);
    }
    w.EndArray();
    w.Key("limits");
    w.StartArray();
    for (int n = 0; n < kNationCount; ++n) {
      if (e < limits.size() && limits[e][n]) {
        w.Double(Gbp(*limits[e][n]));
      } else {
        w.Null();
      }
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

HttpResponse Json(std::string body) {
  return {200, "application/json; charset=utf-8", std::move(body)};
}

}  // namespace

LivePage::LivePage(std::shared_ptr<const FiguresCollector> names, std::function<Figures()> snapshot,
                   IncidentSource incidents, std::size_t capacity)
    : names_(std::move(names)),
      snapshot_(std::move(snapshot)),
      incidents_(std::move(incidents)),
      capacity_(capacity < 2 ? 2 : capacity) {}

LivePage::~LivePage() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

std::string_view LivePage::Html() { return kLivePageHtml; }

void LivePage::Install(HttpServer& server) {
  server.Route("/", [](const HttpRequest&) {
    return HttpResponse{200, "text/html; charset=utf-8", std::string(Html())};
  });
  server.Route("/api/v1/summary", [this](const HttpRequest&) { return Json(SummaryJson()); });
  server.Route("/api/v1/history", [this](const HttpRequest&) { return Json(HistoryJson()); });
}

void LivePage::StartSampling(int period_ms) {
  sampler_ = std::thread([this, period_ms] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Sample();
      lock.lock();
      const auto wait = std::max<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(period_ms), 20 * snapshot_cost_);
      wake_.wait_for(lock, wait, [this] { return stopping_; });
    }
  });
}

void LivePage::Sample() {
  const auto start = std::chrono::steady_clock::now();
  Figures f = snapshot_();
  const auto cost = std::chrono::steady_clock::now() - start;
  std::optional<Point> point;
  if (f.watermark) {
    point = Point{*f.watermark, {}};
    for (const Amounts& a : f.campaign_to_date) point->mid.push_back(a.v[kBoundCount - 1]);
  }
  std::lock_guard lock(mu_);
  latest_ = std::move(f);
  snapshot_cost_ = cost;
  if (!point || calls_++ % stride_ != 0) return;
  if (!history_.empty() && history_.back().watermark >= point->watermark) {
    history_.back() = std::move(*point);  // watermark did not move: keep the latest figures
    return;
  }
  if (history_.size() == capacity_) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < history_.size(); i += 2, ++kept) {
      if (i != kept) history_[kept] = std::move(history_[i]);
    }
    history_.resize(kept);
    stride_ *= 2;
  }
  history_.push_back(std::move(*point));
}

Figures LivePage::Latest() const {
  {
    std::lock_guard lock(mu_);
    if (latest_) return *latest_;
  }
  return snapshot_();
}

std::string LivePage::HistoryJson() const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("parties");
  w.StartArray();
  for (const std::string& name : names_->entity_names()) w.String(name);
  w.EndArray();
  w.Key("points");
  w.StartArray();
  {
    std::lock_guard lock(mu_);
    for (const Point& p : history_) {
      w.StartObject();
      w.Key("t");
      w.Int64(p.watermark);
      w.Key("mid");
      w.StartArray();
      for (Pence m : p.mid) w.Double(Gbp(m));
      w.EndArray();
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string LivePage::SummaryJson() const {
  const Figures f = Latest();
  const auto& entities = names_->entity_names();
  const auto& themes = names_->theme_names();
  const auto& windows = names_->window_names();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("watermark");
  if (f.watermark) {
    w.String(FormatTimestamp(*f.watermark));
  } else {
    w.Null();
  }
  w.Key("windows");
  w.StartArray();
  for (const std::string& name : windows) w.String(name);
  w.EndArray();
  w.Key("themes");
  w.StartArray();
  for (const std::string& name : themes) w.String(name);
  w.EndArray();

  w.Key("parties");
  w.StartArray();
  for (std::size_t e = 0; e < f.entities && e < entities.size(); ++e) {
    w.StartObject();
    w.Key("party");
    w.String(entities[e]);
    w.Key("type");
    w.String(e < names_->entity_types().size() ? names_->entity_types()[e] : "");
    w.Key("to_date");
    WriteBounds(w, f.campaign_to_date[e]);
    w.Key("limit");
    if (e < names_->limits().size() && names_->limits()[e]) {
      w.Double(Gbp(*names_->limits()[e]));
    } else {
      w.Null();
    }
    w.Key("windows");  // mid spend per window
    w.StartObject();
    for (std::size_t win = 0; win < f.windows && win < windows.size(); ++win) {
      Key(w, windows[win]);
      w.Double(Gbp(f.Window(e, win).v[kBoundCount - 1]));
    }
    w.EndObject();
    std::int64_t missing = 0;  // across registries
    Amounts missing_spend;
    for (const RegistryFigures& r : f.registries) {
      if (e < r.missing.size()) {
        missing += r.missing[e];
        missing_spend += r.missing_spend[e];
      }
    }
    w.Key("missing");
    w.Int64(missing);
    w.Key("missing_spend");
    WriteBounds(w, missing_spend);
    w.Key("themes");  // mid spend per theme in the longest window (an ad may have several)
    w.StartArray();
    for (std::size_t th = 0; th < f.themes; ++th) {
      w.Double(f.windows == 0 ? 0.0 : Gbp(f.ThemeWindow(e, th, f.windows - 1).v[kBoundCount - 1]));
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("nations");
  WriteNations(w, f, *names_);

  w.Key("registries");
  w.StartArray();
  std::vector<std::string> incidents = incidents_ ? incidents_() : std::vector<std::string>{};
  for (const RegistryFigures& r : f.registries) {
    std::int64_t known = 0, missing = 0, unlisted = 0, removed = 0;
    Amounts missing_spend;
    for (std::size_t e = 0; e < r.known.size(); ++e) {
      known += r.known[e];
      missing += r.missing[e];
      unlisted += r.unlisted[e];
      removed += r.removed[e];
      missing_spend += r.missing_spend[e];
    }
    w.StartObject();
    w.Key("registry");
    w.String(r.registry);
    w.Key("known");
    w.Int64(known);
    w.Key("missing");
    w.Int64(missing);
    w.Key("unlisted");
    w.Int64(unlisted);
    w.Key("removed");
    w.Int64(removed);
    w.Key("missing_spend");
    WriteBounds(w, missing_spend);
    w.Key("last_crawl_end");
    if (r.last_crawl_end) {
      w.String(FormatTimestamp(*r.last_crawl_end));
    } else {
      w.Null();
    }
    w.EndObject();
    if (missing > 0) {
      incidents.push_back(r.registry + ": " + std::to_string(missing) + " of " +
                          std::to_string(known) + " known ads (" +
                          std::to_string(missing * 100 / std::max<std::int64_t>(known, 1)) +
                          "%) missing from the latest crawl");
    }
  }
  w.EndArray();
  // The registries' own reports as a second witness (state/report_ledger.h).
  for (const ReportFigures& r : f.reports) {
    Pence gap = 0;
    for (std::size_t e = 0; e < r.spend.size(); ++e) gap += f.ReportGap(r, e);
    if (gap >= kPencePerPound) {
      incidents.push_back(r.registry + ": the registry reports £" +
                          std::to_string(gap / kPencePerPound) + " more than it shows");
    }
  }

  // The largest advertisers by lower campaign-to-date (README → Advertisers).
  w.Key("top_spenders");
  w.StartArray();
  for (const AdvertiserTotals& a : f.top_advertisers) {
    w.StartObject();
    w.Key("registry");
    w.String(a.registry);
    w.Key("page_id");
    w.String(a.page_id);
    w.Key("page_name");
    w.String(a.page_name);
    w.Key("party");
    w.String(a.entity < entities.size() ? entities[a.entity] : "");
    w.Key("unattributed");
    w.Bool(a.entity + 1 == f.entities);
    w.Key("ads");
    w.Int64(a.ads);
    w.Key("to_date");
    WriteBounds(w, a.campaign_to_date);
    w.EndObject();
  }
  w.EndArray();

  w.Key("incidents");
  w.StartArray();
  for (const std::string& s : incidents) w.String(s);
  w.EndArray();
  w.Key("events");
  w.StartObject();
  for (int o = 0; o < kOutcomeCount; ++o) {
    Key(w, OutcomeName(static_cast<Outcome>(o)));
    w.Int64(f.outcomes[o]);
  }
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace adwatch
