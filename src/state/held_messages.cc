#include "state/held_messages.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace adwatch {

EpochSeconds EventTime(const Message& message) {
  if (const auto* obs = std::get_if<Observation>(&message)) return obs->observed_at;
  return std::get<CrawlEnd>(message).completed_at;
}

void HeldMessages::Witness(const Message& message) {
  std::string key;
  if (const auto* obs = std::get_if<Observation>(&message)) {
    key.append("o:").append(obs->registry).append(":").append(obs->ad_id);
  } else {
    const CrawlEnd& end = std::get<CrawlEnd>(message);
    key.append("c:").append(std::to_string(end.registry.size())).append(":").append(end.registry);
    key.append(std::to_string(end.scope.size())).append(":").append(end.scope).append(end.crawl_id);
  }
  const EpochSeconds t = EventTime(message);
  auto [it, inserted] = witness_.try_emplace(std::move(key), t);
  if (inserted) {
    times_.insert(t);
  } else if (t > it->second) {
    times_.erase(times_.find(it->second));
    times_.insert(t);
    it->second = t;
  }
}

void HeldMessages::Hold(Message message) {
  Witness(message);
  held_.push_back(std::move(message));
}

std::optional<EpochSeconds> HeldMessages::CorroboratedTime(std::size_t quorum) const {
  if (quorum == 0 || times_.size() < quorum) return std::nullopt;
  return *std::prev(times_.end(), static_cast<std::ptrdiff_t>(quorum));
}

EpochSeconds HeldMessages::Earliest() const {
  EpochSeconds t = INT64_MIN;
  for (const Message& m : held_) t = t == INT64_MIN ? EventTime(m) : std::min(t, EventTime(m));
  return t;
}

std::deque<Message> HeldMessages::TakeAll() {
  witness_.clear();
  times_.clear();
  return std::exchange(held_, {});
}

namespace {

void EncodeOptional(const std::optional<EpochSeconds>& t, ByteWriter& out) {
  out.U64(t ? 1 : 0);
  if (t) out.I64(*t);
}

std::optional<EpochSeconds> DecodeOptional(ByteReader& in) {
  if (in.U64() == 0) return std::nullopt;
  return in.I64();
}

}  // namespace

void HeldMessages::Encode(ByteWriter& out) const {
  out.U64(held_.size());
  for (const Message& m : held_) {
    if (const auto* obs = std::get_if<Observation>(&m)) {
      out.U64(0);
      out.Str(obs->registry);
      out.I64(obs->observed_at);
      out.Str(obs->crawl_id);
      out.Str(obs->scope);
      out.U64(static_cast<std::uint64_t>(obs->lookup));
      out.U64(static_cast<std::uint64_t>(obs->status));
      out.Str(obs->ad_id);
      out.Str(obs->content.page_id);
      out.Str(obs->content.page_name);
      out.Str(obs->content.bylines);
      out.U64(obs->content.texts.size());
      for (const std::string& text : obs->content.texts) out.Str(text);
      out.U64(obs->spend ? 1 : 0);
      if (obs->spend) {
        out.I64(obs->spend->lower);
        out.I64(obs->spend->upper);
        out.U64(obs->spend->open_ended ? 1 : 0);
      }
      EncodeOptional(obs->delivery_start, out);
      EncodeOptional(obs->delivery_stop, out);
      out.U64(obs->nations ? 1 : 0);
      if (obs->nations) {
        for (std::uint16_t p : obs->nations->parts) out.U64(p);
      }
    } else {
      const CrawlEnd& end = std::get<CrawlEnd>(m);
      out.U64(1);
      out.Str(end.registry);
      out.Str(end.crawl_id);
      out.Str(end.scope);
      out.I64(end.started_at);
      out.I64(end.completed_at);
      EncodeOptional(end.ads_listed, out);
    }
  }
}

bool HeldMessages::Decode(ByteReader& in) {
  held_.clear();
  witness_.clear();
  times_.clear();
  const std::uint64_t n = in.U64();
  if (!in.ok() || n > kCapacity) return false;
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    const std::uint64_t kind = in.U64();
    if (kind == 0) {
      Observation obs;
      obs.registry = in.Str();
      obs.observed_at = in.I64();
      obs.crawl_id = in.Str();
      obs.scope = in.Str();
      const std::uint64_t lookup = in.U64(), status = in.U64();
      if (lookup > static_cast<std::uint64_t>(Lookup::kById) ||
          status > static_cast<std::uint64_t>(AdStatus::kNotFound)) {
        return false;
      }
      obs.lookup = static_cast<Lookup>(lookup);
      obs.status = static_cast<AdStatus>(status);
      obs.ad_id = in.Str();
      obs.content.page_id = in.Str();
      obs.content.page_name = in.Str();
      obs.content.bylines = in.Str();
      for (std::uint64_t t = in.U64(); in.ok() && t > 0; --t) obs.content.texts.push_back(in.Str());
      if (in.U64() != 0) {
        SpendRange spend;
        spend.lower = in.I64();
        spend.upper = in.I64();
        spend.open_ended = in.U64() != 0;
        obs.spend = spend;
      }
      obs.delivery_start = DecodeOptional(in);
      obs.delivery_stop = DecodeOptional(in);
      if (in.U64() != 0) {  // parts per 10,000 summing to the whole
        std::uint64_t sum = 0;
        NationShares& shares = obs.nations.emplace();
        for (std::uint16_t& p : shares.parts) {
          const std::uint64_t v = in.U64();
          if (v > NationShares::kWhole) return false;
          p = static_cast<std::uint16_t>(v);
          sum += v;
        }
        if (sum != NationShares::kWhole) return false;
      }
      Hold(std::move(obs));
    } else if (kind == 1) {
      CrawlEnd end;
      end.registry = in.Str();
      end.crawl_id = in.Str();
      end.scope = in.Str();
      end.started_at = in.I64();
      end.completed_at = in.I64();
      end.ads_listed = DecodeOptional(in);
      Hold(std::move(end));
    } else {
      return false;
    }
  }
  return in.ok();
}

}  // namespace adwatch
