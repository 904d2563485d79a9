#include "wire/reassembler.h"

#include <algorithm>

#include "common/strings.h"

namespace pmdcon::wire {
namespace {

constexpr size_t kStampWindow = 4096;  // seqs whose stamps are remembered

// Nonzero stamp of a record's timestamp: the same seq with another stamp is
// another record (the sender restarted), not a duplicate.
uint32_t Stamp(uint64_t ts_usec) {
  return static_cast<uint32_t>((ts_usec * 0x9e3779b97f4a7c15ull) >> 32) | 1;
}

// Finds "\n KEY=" in an escaped body and parses the value up to the newline.
std::string_view DictValue(std::string_view body, std::string_view key) {
  for (size_t at = body.find(key); at != std::string_view::npos;
       at = body.find(key, at + 1)) {
    if (at >= 2 && body[at - 1] == ' ' && body[at - 2] == '\n') {
      const size_t start = at + key.size();
      const size_t end = body.find('\n', start);
      return body.substr(start, end == std::string_view::npos
                                    ? std::string_view::npos
                                    : end - start);
    }
  }
  return {};
}

// The body from pmdcon's own dict entries (PMDCON_*) on: empty for most
// records, which then cost one scan instead of one per key.
std::string_view OwnEntries(std::string_view body) {
  const size_t at = body.find("\n PMDCON_");
  return at == std::string_view::npos ? std::string_view() : body.substr(at);
}

}  // namespace

struct Reassembler::Source {
  SourceKey key;
  struct Pending {
    uint32_t total = 0;
    uint32_t fragments = 0;
    uint64_t first_us = 0;
    std::string data;
    std::vector<std::pair<uint32_t, uint32_t>> have;  // [begin, end), sorted
  };

  SourceStats stats;
  std::string release;
  std::vector<uint32_t> stamps = std::vector<uint32_t>(kStampWindow, 0);
  using PendingMap = absl::flat_hash_map<std::string, Pending>;
  PendingMap pending;  // by header
  // Entries of finished records, kept for reuse (key and buffers): a warm
  // source reassembles without allocating. Small ones only, and few.
  std::vector<PendingMap::node_type> spare;
  static constexpr size_t kMaxSpare = 2;
  static constexpr size_t kMaxSpareBytes = 8192;

  PendingMap::iterator NewPending(std::string_view header, uint32_t total,
                                  uint64_t now_us) {
    PendingMap::iterator it;
    if (spare.empty()) {
      it = pending.emplace(std::string(header), Pending()).first;
    } else {
      PendingMap::node_type node = std::move(spare.back());
      spare.pop_back();
      node.key().assign(header.data(), header.size());
      it = pending.insert(std::move(node)).position;
    }
    Pending& p = it->second;
    p.total = total;
    p.fragments = 0;
    p.first_us = now_us;
    p.data.assign(total, '\0');
    p.have.clear();
    return it;
  }

  void Recycle(PendingMap::node_type node) {
    if (spare.size() < kMaxSpare &&
        node.mapped().data.capacity() <= kMaxSpareBytes) {
      spare.push_back(std::move(node));
    }
  }

  enum class Seen { kNew, kDuplicate, kReordered, kRestart };

  void ResetStream() {
    stats.have_seq = false;
    std::fill(stamps.begin(), stamps.end(), 0);
  }

  void AddGap(uint64_t first, uint64_t last) {
    stats.missing += last - first + 1;
    if (stats.gaps.size() == kMaxGaps) {
      stats.gaps.erase(stats.gaps.begin());
      ++stats.gaps_dropped;
    }
    stats.gaps.push_back({first, last});
  }

  // Removes [first, last] from the open gaps; returns how many seqs it took.
  uint64_t FillGaps(uint64_t first, uint64_t last) {
    uint64_t filled = 0;
    std::vector<Gap> out;
    for (const Gap& g : stats.gaps) {
      if (g.last < first || g.first > last) {
        out.push_back(g);
        continue;
      }
      filled += std::min(g.last, last) - std::max(g.first, first) + 1;
      if (g.first < first) out.push_back({g.first, first - 1});
      if (g.last > last) out.push_back({last + 1, g.last});
    }
    stats.gaps = std::move(out);
    stats.missing -= filled;
    return filled;
  }

  // Was this record (seq and timestamp) delivered already?
  bool Delivered(uint64_t seq, uint64_t ts_usec) const {
    return stats.have_seq && seq <= stats.last_seq &&
           stats.last_seq - seq < kStampWindow &&
           stamps[seq % kStampWindow] == Stamp(ts_usec);
  }

  Seen Accept(uint64_t seq, uint64_t ts_usec) {
    uint32_t& slot = stamps[seq % kStampWindow];
    const uint32_t stamp = Stamp(ts_usec);
    if (!stats.have_seq) {
      stats.have_seq = true;
      stats.first_seq = stats.last_seq = seq;
      slot = stamp;
      return Seen::kNew;
    }
    if (seq > stats.last_seq) {
      if (seq > stats.last_seq + 1) AddGap(stats.last_seq + 1, seq - 1);
      // Slots between the old and new highest seq now belong to new seqs.
      for (uint64_t s = stats.last_seq + 1;
           s < seq && s <= stats.last_seq + kStampWindow; ++s) {
        stamps[s % kStampWindow] = 0;
      }
      stats.last_seq = seq;
      slot = stamp;
      return Seen::kNew;
    }
    if (stats.last_seq - seq >= kStampWindow) return Seen::kRestart;
    if (slot == stamp) return Seen::kDuplicate;
    if (slot != 0) return Seen::kRestart;  // same seq, another record
    slot = stamp;
    FillGaps(seq, seq);
    if (seq < stats.first_seq) stats.first_seq = seq;
    return Seen::kReordered;
  }
};

bool Complete(const SourceStats& st, uint64_t first, uint64_t last) {
  if (!st.have_seq || st.first_seq > first || st.last_seq < last ||
      st.gaps_dropped || st.announced_dropped) {
    return false;
  }
  auto overlaps = [&](const Gap& g) {
    return g.first <= last && g.last >= first;
  };
  return std::none_of(st.gaps.begin(), st.gaps.end(), overlaps) &&
         std::none_of(st.announced.begin(), st.announced.end(), overlaps);
}

Reassembler::Reassembler(Options options) : options_(options) {}
Reassembler::~Reassembler() = default;

const SourceStats& Reassembler::StatsOf(const Source& s) { return s.stats; }

const SourceStats* Reassembler::Stats(const SourceKey& key) const {
  auto it = sources_.find(key);
  return it == sources_.end() ? nullptr : &it->second->stats;
}

Reassembler::Source* Reassembler::Get(const SourceKey& key) {
  auto it = sources_.find(key);
  if (it != sources_.end()) return it->second.get();
  if (sources_.size() >= options_.max_sources) {
    ++sources_dropped_;
    return nullptr;
  }
  Source* src =
      sources_.emplace(key, std::make_unique<Source>()).first->second.get();
  src->key = key;
  return src;
}

void Reassembler::Feed(const SourceKey& key, std::string_view payload,
                       uint64_t now_us, MessageSink& sink) {
  Source* src = Get(key);
  if (src == nullptr) return;
  SourceStats& st = src->stats;
  ++st.payloads;
  st.bytes += payload.size();

  Payload p;
  const Malformed bad = ParsePayload(payload, options_.max_total, &p);
  if (bad != Malformed::kNone) {
    ++st.malformed;
    ++st.malformed_by[static_cast<int>(bad)];
    return;
  }
  Message m;
  m.source = key;
  m.extended = p.extended;
  m.body = p.body;
  if (!p.extended) {
    ++st.basic_chunks;
    sink.OnMessage(m);
    return;
  }
  m.release = p.release;
  m.facility = p.prio >> 3;
  m.level = p.prio & 7;
  m.seq = p.seq;
  m.ts_usec = p.ts_usec;
  m.flag = p.flag;
  m.has_caller = p.has_caller;
  m.caller_id = p.caller_id;
  if (!p.fragment) {
    Deliver(*src, m, sink);
    return;
  }

  auto it = src->pending.find(AsAbsl(p.header));
  if (it == src->pending.end()) {
    if (src->Delivered(p.seq, p.ts_usec) &&
        src->release == std::string_view(p.release)) {
      ++st.duplicates;  // a late copy of a fragment of a finished record
      return;
    }
    if (src->pending.size() >= options_.max_pending) {
      // Evict the oldest incomplete record to bound memory.
      auto oldest =
          std::min_element(src->pending.begin(), src->pending.end(),
                           [](const auto& a, const auto& b) {
                             return a.second.first_us < b.second.first_us;
                           });
      src->pending.erase(oldest);
      ++st.reassembly_failures;
    }
    it = src->NewPending(p.header, p.frag_total, now_us);
  }
  Source::Pending& pend = it->second;
  if (pend.total != p.frag_total) {
    ++st.malformed;
    ++st.malformed_by[static_cast<int>(Malformed::kBadNcfrag)];
    ++st.reassembly_failures;
    src->pending.erase(it);
    return;
  }
  ++st.fragments;
  const uint32_t begin = p.frag_offset;
  const uint32_t end = begin + static_cast<uint32_t>(p.body.size());
  std::copy(p.body.begin(), p.body.end(), pend.data.begin() + begin);
  ++pend.fragments;
  // Merge [begin, end) into the covered intervals, in place.
  auto& have = pend.have;
  have.insert(
      std::upper_bound(have.begin(), have.end(), std::make_pair(begin, end)),
      {begin, end});
  size_t w = 0;
  uint32_t covered = 0;
  for (size_t i = 0; i < have.size(); ++i) {
    if (w > 0 && have[i].first <= have[w - 1].second) {
      have[w - 1].second = std::max(have[w - 1].second, have[i].second);
    } else {
      have[w++] = have[i];
    }
  }
  have.resize(w);
  for (const auto& r : have) covered += r.second - r.first;
  if (covered < pend.total) return;

  m.fragments = pend.fragments;
  Source::PendingMap::node_type done = src->pending.extract(it);
  m.body = done.mapped().data;
  Deliver(*src, m, sink);
  src->Recycle(std::move(done));
}

void Reassembler::Deliver(Source& from, Message& m, MessageSink& sink) {
  const std::string_view own = OwnEntries(m.body);
  m.previous_boot = DictValue(own, "PMDCON_BOOT=") == "previous";
  Source* routed = &from;
  if (m.previous_boot && !from.key.previous_boot) {
    SourceKey k = from.key;
    k.previous_boot = true;
    routed = Get(k);
    if (!routed) return;  // counted in sources_dropped
  }
  Source& src = *routed;
  SourceStats& st = src.stats;
  if (m.release != src.release) {
    if (st.have_seq && !src.release.empty()) {
      m.restart = true;  // another kernel is speaking from this address
      src.ResetStream();
    }
    src.release = std::string(m.release);
  }
  Source::Seen seen = src.Accept(m.seq, m.ts_usec);
  if (seen == Source::Seen::kRestart) {
    src.ResetStream();
    seen = src.Accept(m.seq, m.ts_usec);
    m.restart = true;
  }
  if (m.restart) ++st.restarts;
  if (seen == Source::Seen::kDuplicate) {
    // Counted per payload: a record rebuilt from fragments is not one.
    ++(m.fragments ? st.reassembled_duplicates : st.duplicates);
    if (options_.dedupe) return;
  }
  if (seen == Source::Seen::kReordered) {
    ++st.reordered;
    m.reordered = true;
  }
  // A loss notice from pmdcon: the seqs it covers are accounted, not silent.
  if (std::string_view lost = DictValue(own, "PMDCON_LOST="); !lost.empty()) {
    uint64_t n = 0;
    if (ParseDecimal(lost, &n)) st.announced_lost += n;
    std::string_view range = DictValue(own, "PMDCON_LOST_SEQ=");
    const size_t dash = range.find('-');
    uint64_t first = 0, last = 0;
    if (dash != std::string_view::npos &&
        ParseDecimal(range.substr(0, dash), &first) &&
        ParseDecimal(range.substr(dash + 1), &last) && first <= last) {
      src.FillGaps(first, last);
      if (st.announced.size() < kMaxGaps) {
        st.announced.push_back({first, last});
      } else {
        ++st.announced_dropped;
      }
    }
  }
  ++st.records;
  st.reassembled += m.fragments != 0;
  sink.OnMessage(m);
}

void Reassembler::Expire(uint64_t now_us) {
  for (auto& [key, src] : sources_) {
    for (auto it = src->pending.begin(); it != src->pending.end();) {
      if (now_us - it->second.first_us >= options_.frag_timeout_us) {
        ++src->stats.reassembly_failures;
        src->pending.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

uint64_t Reassembler::NextDeadline() const {
  uint64_t next = UINT64_MAX;
  for (const auto& [key, src] : sources_) {
    for (const auto& [header, pend] : src->pending) {
      next = std::min(next, pend.first_us + options_.frag_timeout_us);
    }
  }
  return next;
}

}  // namespace pmdcon::wire
