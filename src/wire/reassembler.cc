#include "wire/reassembler.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>

#include "absl/container/node_hash_map.h"
#include "common/strings.h"
#include "wire/panic.h"

namespace pmdcon::wire {
namespace {

constexpr size_t kStampWindow = 4096;  // seqs whose stamps are remembered
constexpr size_t kRefilled = 1024;     // late arrivals remembered

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

// Intrusive doubly linked list: O(1) move-to-front and removal, for the
// sources by activity and the incomplete records by age.
template <typename T>
struct Reassembler::List {
  T* head = nullptr;
  T* tail = nullptr;

  void PushFront(T* x) {
    x->prev = nullptr;
    x->next = head;
    (head ? head->prev : tail) = x;
    head = x;
  }
  void PushBack(T* x) {
    x->next = nullptr;
    x->prev = tail;
    (tail ? tail->next : head) = x;
    tail = x;
  }
  void Remove(T* x) {
    (x->prev ? x->prev->next : head) = x->next;
    (x->next ? x->next->prev : tail) = x->prev;
    x->prev = x->next = nullptr;
  }
};

// An incomplete record. Its bytes are kept as received, by offset, so memory
// follows what arrived rather than the total a header declares; a fragment
// that continues the piece before it extends that piece.
struct Reassembler::Pending {
  enum class State { kCollecting, kConflict };
  Pending* prev = nullptr;
  Pending* next = nullptr;
  Source* owner = nullptr;
  const std::string* header = nullptr;  // its key in owner->pending
  State state = State::kCollecting;
  uint32_t total = 0;
  uint32_t fragments = 0;
  uint32_t covered = 0;
  uint64_t first_us = 0;
  std::map<uint32_t, std::string> pieces;  // non-overlapping
  size_t charge = 0;                       // bytes, for the budget
};

namespace {

// Heap bytes behind a string (beyond the small-string buffer), with the
// allocator's overhead.
size_t HeapBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 17 : 0;
}
// A map node holding a piece, with the allocator's overhead.
constexpr size_t kPieceCost =
    sizeof(std::pair<const uint32_t, std::string>) + 32 + 16;

// An incomplete record without its pieces: its map node and header key.
template <typename Node>
size_t PendingCost(const Node& node) {
  return sizeof(node) + 32 + HeapBytes(node.first);
}

// A record delivered at now_us: when, and whether it tells of a crash.
void CountRecord(SourceStats& st, std::string_view body, bool extended,
                 uint64_t now_us) {
  st.last_record_us = now_us;
  const Panic p = extended ? ClassifyPanic(body) : ClassifyBasicPanic(body);
  if (p != Panic::kNone) [[unlikely]] {
    ++st.panics[static_cast<int>(p) - 1];
    st.last_panic_us = now_us;
  }
}

}  // namespace

struct Reassembler::Source {
  Source* prev = nullptr;  // in fresh_ or established_
  Source* next = nullptr;
  bool established = false;  // delivered two records or more
  SourceKey key;
  SourceStats stats;
  std::string release;
  std::vector<uint32_t> stamps;  // kStampWindow, from the first record on
  // The last kRefilled seqs that filled a gap: a second copy of a resend
  // that comes past the stamps' reach is a duplicate, not a new stream.
  std::vector<uint64_t> refilled;
  size_t refilled_at = 0;
  absl::node_hash_map<std::string, Pending> pending;  // by header
  size_t pending_charge = 0;
  // With Options::ack: the receiver's protocol state, where responses go
  // (the sender's address and last port), and when it has work next.
  std::unique_ptr<reliable::Acker> acker;
  SourceKey reply;
  // Anti-amplification (as QUIC's, RFC 9000 section 8): bytes received from
  // this source not yet spent on responses. Responses never exceed it.
  uint64_t credit = 0;
  // Authenticated sources: the key that verified last (responses are
  // sealed with it), the boot value of the stream, and those before it (a
  // replay of an older boot is refused).
  bool validated = false;
  pmdcon_auth_key auth_key{};
  uint64_t boot = 0;
  std::array<uint64_t, 8> old_boots{};
  size_t old_boots_n = 0;
  size_t ack_bytes = 0;  // acker->MemoryBytes() when last charged
  uint64_t ack_deadline = UINT64_MAX;
  size_t acking_index = SIZE_MAX;  // in Reassembler::acking_, if there
  size_t charge = 0;               // all of this source's bytes, for the budget
  size_t max_gaps = kMaxGaps;      // Reassembler::max_gaps_
  bool resized = false;            // its Cost() may have changed since `charge`

  size_t Cost() const {
    return sizeof(Source) + 64 + stamps.capacity() * sizeof(uint32_t) +
           refilled.capacity() * sizeof(uint64_t) + HeapBytes(release) +
           (stats.gaps.size() + stats.announced.capacity()) * sizeof(Gap) +
           pending.bucket_count() * (sizeof(void*) + 1) + pending_charge +
           (acker ? acker->MemoryBytes() : 0);
  }

  Pending* Oldest() {
    Pending* oldest = nullptr;
    for (auto& [header, p] : pending) {
      if (!oldest || p.first_us < oldest->first_us) oldest = &p;
    }
    return oldest;
  }

  enum class Seen { kNew, kDuplicate, kReordered, kRestart };

  void ResetStream() {
    stats.have_seq = false;
    std::fill(stamps.begin(), stamps.end(), 0);
    refilled.clear();
    refilled_at = 0;
  }

  void Refilled(uint64_t seq) {
    if (refilled.size() < kRefilled) {
      resized = resized || refilled.empty();
      refilled.reserve(kRefilled);
      refilled.push_back(seq);
    } else {
      refilled[refilled_at++ % kRefilled] = seq;
    }
  }

  void AddGap(uint64_t first, uint64_t last) {
    resized = true;
    stats.missing += last - first + 1;
    ++stats.gaps_opened;
    if (stats.gaps.size() >= max_gaps) {
      stats.gaps.pop_front();
      ++stats.gaps_dropped;
    }
    stats.gaps.push_back({first, last});
  }

  // Is seq in an open gap? (Gaps stay ordered by seq.)
  bool InGap(uint64_t seq) const {
    auto it =
        std::upper_bound(stats.gaps.begin(), stats.gaps.end(), seq,
                         [](uint64_t s, const Gap& g) { return s < g.first; });
    return it != stats.gaps.begin() && std::prev(it)->last >= seq;
  }

  // Removes [first, last] from the open gaps; returns how many seqs it took.
  // In place: a resend fills one gap among thousands after a stall.
  uint64_t FillGaps(uint64_t first, uint64_t last) {
    auto& gaps = stats.gaps;
    auto it =
        std::lower_bound(gaps.begin(), gaps.end(), first,
                         [](const Gap& g, uint64_t s) { return g.last < s; });
    if (it == gaps.end() || it->first > last) return 0;
    resized = true;
    auto end = it;
    uint64_t filled = 0;
    for (; end != gaps.end() && end->first <= last; ++end) {
      filled += std::min(end->last, last) - std::max(end->first, first) + 1;
    }
    // What is left of the first and last gaps touched.
    Gap keep[2];
    size_t n = 0;
    if (it->first < first) keep[n++] = {it->first, first - 1};
    if (std::prev(end)->last > last)
      keep[n++] = {last + 1, std::prev(end)->last};
    const size_t touched = static_cast<size_t>(end - it);
    if (n <= touched) {
      std::copy(keep, keep + n, it);
      gaps.erase(it + static_cast<ptrdiff_t>(n), end);
    } else {  // one gap split in two
      *it = keep[0];
      gaps.insert(it + 1, keep[1]);
    }
    stats.missing -= filled;
    return filled;
  }

  // Was this record (seq and timestamp) delivered already?
  bool Delivered(uint64_t seq, uint64_t ts_usec) const {
    return stats.have_seq && !stamps.empty() && seq <= stats.last_seq &&
           stats.last_seq - seq < kStampWindow &&
           stamps[seq % kStampWindow] == Stamp(ts_usec);
  }

  // emergency: a resend (",ncemg=1") of a record of this stream.
  // first: where the sender says the stream began (",ncfirst=", within
  // kFirstSpan; else UINT64_MAX); a new stream starts there, the seqs
  // before this one missing.
  Seen Accept(uint64_t seq, uint64_t ts_usec, bool emergency,
              uint64_t first = UINT64_MAX) {
    if (stamps.empty()) {
      stamps.assign(kStampWindow, 0);
      resized = true;
    }
    uint32_t& slot = stamps[seq % kStampWindow];
    const uint32_t stamp = Stamp(ts_usec);
    if (!stats.have_seq) {
      stats.have_seq = true;
      stats.first_seq = stats.last_seq = seq;
      if (first < seq) {
        stats.first_seq = first;
        AddGap(first, seq - 1);
      }
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
    if (stats.last_seq - seq >= kStampWindow) {
      // Beyond the stamps' reach. A seq still missing arrives late (a resend
      // the receiver asked for); an emergency resend of one already here is
      // a duplicate; any other is a new stream.
      if (!InGap(seq)) {
        const bool again =
            std::find(refilled.begin(), refilled.end(), seq) != refilled.end();
        return emergency || again ? Seen::kDuplicate : Seen::kRestart;
      }
      FillGaps(seq, seq);
      Refilled(seq);
      return Seen::kReordered;
    }
    if (slot == stamp) return Seen::kDuplicate;
    if (slot != 0) return Seen::kRestart;  // same seq, another record
    slot = stamp;
    if (FillGaps(seq, seq)) Refilled(seq);
    if (seq < stats.first_seq) stats.first_seq = seq;
    return Seen::kReordered;
  }
};

// Buffers of finished records, kept for the next ones: a warm source
// reassembles without allocating. Small ones only, and few.
struct Reassembler::Spares {
  using Node = decltype(Source::pending)::node_type;
  static constexpr size_t kMax = 4;
  static constexpr size_t kMaxBytes = 16384;
  std::vector<Node> nodes;
  std::vector<std::string> bytes;

  std::string Bytes(std::string_view from) {
    if (bytes.empty()) return std::string(from);
    std::string b = std::move(bytes.back());
    bytes.pop_back();
    b.assign(from.data(), from.size());
    return b;
  }
  // Takes the pieces' buffers (those worth keeping) and empties them.
  void Keep(std::map<uint32_t, std::string>& pieces) {
    for (auto& [at, b] : pieces) {
      if (bytes.size() < kMax && b.capacity() <= kMaxBytes) {
        bytes.push_back(std::move(b));
      }
    }
    pieces.clear();
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

Reassembler::Reassembler(Options options)
    : options_(options),
      max_gaps_(options.ack
                    ? std::max<size_t>(kMaxGaps, options.ack_options.max_holes)
                    : kMaxGaps),
      fresh_(std::make_unique<List<Source>>()),
      established_(std::make_unique<List<Source>>()),
      pendings_(std::make_unique<List<Pending>>()),
      spares_(std::make_unique<Spares>()) {}
Reassembler::~Reassembler() = default;

// Every field of SourceCounters is added below, `missing` excepted. A
// counter added to SourceCounters changes its size and stops the build
// here: add it below, then count it in this assert (and, if /metrics or
// the summary show it, there too: rx/metrics.cc, rx/format/output.cc).
static_assert(sizeof(SourceCounters) == 33 * sizeof(uint64_t),
              "a new SourceCounters field: add it in AddCounters");

void AddCounters(SourceCounters* to, const SourceCounters& from) {
  SourceCounters& t = *to;
  t.payloads += from.payloads;
  t.bytes += from.bytes;
  t.records += from.records;
  t.basic_chunks += from.basic_chunks;
  t.fragments += from.fragments;
  t.reassembled += from.reassembled;
  t.duplicates += from.duplicates;
  t.reassembled_duplicates += from.reassembled_duplicates;
  t.reordered += from.reordered;
  t.restarts += from.restarts;
  t.malformed += from.malformed;
  for (size_t i = 0; i < std::size(t.malformed_by); ++i) {
    t.malformed_by[i] += from.malformed_by[i];
  }
  t.reassembly_failures += from.reassembly_failures;
  t.fragment_conflicts += from.fragment_conflicts;
  t.announced_lost += from.announced_lost;
  t.authenticated += from.authenticated;
  t.auth_unauthenticated += from.auth_unauthenticated;
  t.auth_forged += from.auth_forged;
  t.auth_replayed += from.auth_replayed;
  t.gaps_opened += from.gaps_opened;
  t.gaps_dropped += from.gaps_dropped;
  t.announced_dropped += from.announced_dropped;
  t.last_record_us = std::max(t.last_record_us, from.last_record_us);
  t.last_panic_us = std::max(t.last_panic_us, from.last_panic_us);
  for (size_t i = 0; i < std::size(t.panics); ++i)
    t.panics[i] += from.panics[i];
}

const SourceStats& Reassembler::StatsOf(const Source& s) { return s.stats; }

const SourceStats* Reassembler::Stats(const SourceKey& key) const {
  auto it = sources_.find(key);
  return it == sources_.end() ? nullptr : &it->second->stats;
}

Reassembler::Source* Reassembler::Get(const SourceKey& key) {
  if (last_ && last_->key == key) return last_;  // a burst from one sender
  auto [it, inserted] = sources_.try_emplace(key);
  if (inserted) {
    it->second = std::make_unique<Source>();
    it->second->key = it->second->reply = key;
    it->second->max_gaps = max_gaps_;
    if (options_.ack) {
      it->second->acker =
          std::make_unique<reliable::Acker>(options_.ack_options);
    }
    fresh_->PushFront(it->second.get());
    Recharge(*it->second);
  }
  return last_ = it->second.get();
}

void Reassembler::Recharge(Source& src) {
  src.resized = false;
  if (src.acker) src.ack_bytes = src.acker->MemoryBytes();
  const size_t cost = src.Cost();
  budget_.charged += cost - src.charge;
  src.charge = cost;
  budget_.peak = std::max(budget_.peak, budget_.charged);
}

void Reassembler::Touch(Source& src) {
  List<Source>& from = src.established ? *established_ : *fresh_;
  if (from.head == &src && (src.established || src.stats.records < 2)) return;
  from.Remove(&src);
  if (!src.established && src.stats.records >= 2) src.established = true;
  (src.established ? *established_ : *fresh_).PushFront(&src);
}

void Reassembler::DropPending(Pending* p) {
  Source& src = *p->owner;
  src.pending_charge -= p->charge;
  pendings_->Remove(p);
  spares_->Keep(p->pieces);
  auto node = src.pending.extract(src.pending.find(*p->header));
  if (spares_->nodes.size() < Spares::kMax &&
      node.key().capacity() <= Spares::kMaxBytes) {
    spares_->nodes.push_back(std::move(node));
  }
  Recharge(src);
}

// Over budget: the longest idle sources go, fresh ones before established
// ones; `a` and `b` (just fed) stay. If they alone exceed it, their oldest
// incomplete records go.
void Reassembler::Evict(Source* a, Source* b) {
  auto victim = [&](List<Source>& list) {
    Source* s = list.tail;
    while (s && (s == a || s == b)) s = s->prev;
    return s;
  };
  while (budget_.charged > options_.memory_budget) {
    Source* s = victim(*fresh_);
    if (!s) s = victim(*established_);
    if (!s) break;
    while (!s->pending.empty()) {
      ++budget_.records_evicted;
      DropPending(&s->pending.begin()->second);
    }
    (s->established ? *established_ : *fresh_).Remove(s);
    StopAcking(*s);
    if (s->acker) evicted_acks_ += s->acker->stats();
    AddCounters(&evicted_, s->stats);
    budget_.charged -= s->charge;
    ++budget_.sources_evicted;
    const SourceKey key = s->key;  // not a reference into what is erased
    if (s == last_) last_ = nullptr;
    sources_.erase(key);
  }
  for (Source* s : {a, b}) {
    while (s && budget_.charged > options_.memory_budget &&
           !s->pending.empty()) {
      ++s->stats.reassembly_failures;
      ++budget_.records_evicted;
      DropPending(s->Oldest());
    }
  }
}

void Reassembler::Feed(const SourceKey& from, std::string_view payload,
                       uint64_t now_us, MessageSink& sink) {
  Source* src;
  if (options_.by_address) {
    SourceKey key = from;
    key.port = 0;
    src = Get(key);
    src->reply = from;
  } else {
    src = Get(from);
  }
  routed_ = nullptr;
  authed_same_boot_ = authed_new_boot_ = false;
  if (const KeyRing* ring = options_.auth
                                ? options_.auth->For(from.family, from.addr)
                                : nullptr) {
    if (!Authenticate(*src, *ring, payload)) {
      Touch(*src);
      Evict(src, nullptr);
      return;
    }
    payload = opened_;
  }
  src->credit += payload.size();
  Consume(*src, payload, now_us, sink);
  if (src->acker) Acknowledge(*src, now_us, sink);
  for (Source* s : {src, routed_}) {
    if (s) {
      if (s->resized) Recharge(*s);
      Touch(*s);
    }
  }
  Evict(src, routed_);
}

bool Reassembler::Authenticate(Source& src, const KeyRing& ring,
                               std::string_view payload) {
  SourceStats& st = src.stats;
  pmdcon_auth_field f;
  const uint32_t len = static_cast<uint32_t>(payload.size());
  if (payload.size() > UINT32_MAX ||
      pmdcon_auth_find(payload.data(), len, &f) != PMDCON_AUTH_OK) {
    ++st.auth_unauthenticated;
    return false;
  }
  const pmdcon_auth_key* k = ring.Find(f.id);
  if (!k || !pmdcon_auth_verify(k, payload.data(), len, &f)) {
    ++st.auth_forged;
    return false;
  }
  if (!src.validated || f.boot != src.boot) {
    for (size_t i = 0; i < src.old_boots_n; ++i) {
      if (src.old_boots[i] == f.boot) {
        ++st.auth_replayed;
        return false;
      }
    }
    if (src.validated) {  // a new boot: the one before may not come back
      authed_new_boot_ = true;
      src.old_boots[src.old_boots_n++ % src.old_boots.size()] = src.boot;
      src.old_boots_n = std::min(src.old_boots_n, src.old_boots.size());
    }
    src.boot = f.boot;
  } else {
    authed_same_boot_ = true;
  }
  src.validated = true;
  src.auth_key = *k;
  ++st.authenticated;
  opened_.assign(payload);  // its capacity stays: no allocation after the first
  opened_.resize(pmdcon_auth_strip(opened_.data(), len, &f));
  return true;
}

void Reassembler::Consume(Source& src, std::string_view payload,
                          uint64_t now_us, MessageSink& sink) {
  SourceStats& st = src.stats;
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
  m.source = src.key;
  m.extended = p.extended;
  m.body = p.body;
  if (!p.extended) {
    ++st.basic_chunks;
    CountRecord(st, m.body, false, now_us);
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
  m.emergency = p.emergency;
  m.stream_first = p.stream_first;
  if (p.fragment) {
    AddFragment(src, p, m, now_us, sink);
  } else {
    Deliver(src, m, now_us, sink);
  }
}

void Reassembler::AddFragment(Source& src, const Payload& p, Message& m,
                              uint64_t now_us, MessageSink& sink) {
  SourceStats& st = src.stats;
  auto it = src.pending.find(AsAbsl(p.header));
  if (it == src.pending.end()) {
    if (src.Delivered(p.seq, p.ts_usec) &&
        src.release == std::string_view(p.release)) {
      ++st.duplicates;  // a late copy of a fragment of a finished record
      return;
    }
    if (src.pending.size() >= options_.max_pending) {
      ++st.reassembly_failures;
      DropPending(src.Oldest());
    }
    if (spares_->nodes.empty()) {
      it = src.pending.try_emplace(std::string(p.header)).first;
    } else {
      auto node = std::move(spares_->nodes.back());
      spares_->nodes.pop_back();
      node.key().assign(p.header.data(), p.header.size());
      node.mapped() = Pending();
      it = src.pending.insert(std::move(node)).position;
    }
    Pending& fresh = it->second;
    fresh.owner = &src;
    fresh.header = &it->first;
    fresh.total = p.frag_total;
    fresh.first_us = now_us;
    fresh.charge = PendingCost(*it);
    src.pending_charge += fresh.charge;
    src.resized = true;
    pendings_->PushBack(&fresh);
  }
  Pending& pend = it->second;
  if (pend.total != p.frag_total) {
    ++st.malformed;
    ++st.malformed_by[static_cast<int>(Malformed::kBadNcfrag)];
    if (pend.state == Pending::State::kCollecting) ++st.reassembly_failures;
    DropPending(&pend);
    return;
  }
  ++st.fragments;
  ++pend.fragments;
  if (pend.state == Pending::State::kConflict) return;  // already counted

  const uint32_t begin = p.frag_offset;
  const uint32_t end = begin + static_cast<uint32_t>(p.body.size());
  auto& pieces = pend.pieces;
  auto first = pieces.upper_bound(begin);
  if (first != pieces.begin()) {
    auto before = std::prev(first);
    if (before->first + before->second.size() > begin) first = before;
  }
  // Bytes received twice must agree: a sender that changed them, or a
  // stranger forging fragments, gets no spliced record.
  for (auto q = first; q != pieces.end() && q->first < end; ++q) {
    const uint32_t lo = std::max(q->first, begin);
    const uint32_t hi = std::min<uint32_t>(
        static_cast<uint32_t>(q->first + q->second.size()), end);
    if (lo < hi && std::memcmp(q->second.data() + (lo - q->first),
                               p.body.data() + (lo - begin), hi - lo) != 0) {
      ++st.fragment_conflicts;
      ++st.reassembly_failures;
      pend.state = Pending::State::kConflict;
      spares_->Keep(pieces);
      src.pending_charge -= pend.charge;
      pend.charge = PendingCost(*it);
      src.pending_charge += pend.charge;
      src.resized = true;
      return;
    }
  }
  // Keep what is new. Pieces are at least a byte long, so this walk costs at
  // most the fragment's length.
  size_t added = 0;
  uint32_t pos = begin;
  auto q = first;
  while (pos < end) {
    if (q != pieces.end() && q->first <= pos) {
      pos = std::max<uint32_t>(
          pos, static_cast<uint32_t>(q->first + q->second.size()));
      ++q;
      continue;
    }
    const uint32_t stop = q == pieces.end() ? end : std::min(end, q->first);
    const std::string_view bytes = p.body.substr(pos - begin, stop - pos);
    auto before = q == pieces.begin() ? pieces.end() : std::prev(q);
    if (before != pieces.end() &&
        before->first + before->second.size() == pos) {
      const size_t old = HeapBytes(before->second);
      before->second.append(bytes);
      added += HeapBytes(before->second) - old;
    } else {
      auto made = pieces.emplace_hint(q, pos, spares_->Bytes(bytes));
      added += kPieceCost + HeapBytes(made->second);
    }
    pend.covered += stop - pos;
    pos = stop;
  }
  pend.charge += added;
  src.pending_charge += added;
  src.resized = true;
  if (pend.covered < pend.total) {
    while (src.pending_charge > options_.max_pending_bytes) {
      ++st.reassembly_failures;
      ++budget_.records_evicted;
      DropPending(src.Oldest());
    }
    return;
  }
  assembled_.resize(pend.total);
  for (const auto& [at, bytes] : pieces) {
    std::copy(bytes.begin(), bytes.end(), assembled_.begin() + at);
  }
  m.fragments = pend.fragments;
  DropPending(&pend);
  m.body = assembled_;
  Deliver(src, m, now_us, sink);
}

void Reassembler::Deliver(Source& from, Message& m, uint64_t now_us,
                          MessageSink& sink) {
  const std::string_view own = OwnEntries(m.body);
  m.previous_boot = DictValue(own, "PMDCON_BOOT=") == "previous";
  // A loss notice from pmdcon accounts for its seqs (PMDCON_LOST_SEQ).
  uint64_t lost_first = 0, lost_last = 0;
  bool lost_range = false;
  std::string_view lost = DictValue(own, "PMDCON_LOST=");
  if (!lost.empty()) {
    const std::string_view range = DictValue(own, "PMDCON_LOST_SEQ=");
    const size_t dash = range.find('-');
    lost_range = dash != std::string_view::npos &&
                 ParseDecimal(range.substr(0, dash), &lost_first) &&
                 ParseDecimal(range.substr(dash + 1), &lost_last) &&
                 lost_first <= lost_last;
  }
  Source* routed = &from;
  if (m.previous_boot && !from.key.previous_boot) {
    SourceKey k = from.key;
    k.previous_boot = true;
    routed = routed_ = Get(k);
  }
  Source& src = *routed;
  SourceStats& st = src.stats;
  if (m.release != src.release) {
    if (st.have_seq && !src.release.empty()) {
      m.restart = true;  // another kernel is speaking from this address
      src.ResetStream();
    }
    src.release = std::string(m.release);
    src.resized = true;
  }
  if (authed_new_boot_ && st.have_seq && !m.previous_boot) {
    m.restart = true;  // a sealed boot value changed: the seqs start over
    src.ResetStream();
  }
  // A stream start said too far back is not believed (reliable::kFirstSpan).
  const uint64_t first =
      m.stream_first < m.seq && m.seq - m.stream_first <= reliable::kFirstSpan
          ? m.stream_first
          : UINT64_MAX;
  Source::Seen seen = src.Accept(m.seq, m.ts_usec, m.emergency, first);
  if (seen == Source::Seen::kRestart && authed_same_boot_) {
    // Sealed in this boot yet far behind and not missing: the sender's seqs
    // only go back in a new boot, so this is a copy (a resend asked for
    // twice, or a replay: alike harmless) and is dropped, dedupe or not.
    ++(m.fragments ? st.reassembled_duplicates : st.duplicates);
    return;
  }
  if (seen == Source::Seen::kRestart) {
    src.ResetStream();
    seen = src.Accept(m.seq, m.ts_usec, m.emergency, first);
    m.restart = true;
  }
  // Records kept from a previous boot cannot be asked for again. The acker
  // starts over with the stream: a resend it gave up on is no new stream.
  if (from.acker && !m.previous_boot) {
    if (m.restart) from.acker->Restart();
    if (first != UINT64_MAX) from.acker->StartAt(first, now_us);  // if new
    from.acker->OnRecord(
        m.seq, m.emergency, now_us,
        lost_range && lost_last == m.seq ? lost_first : UINT64_MAX);
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
  if (!lost.empty()) {
    uint64_t n = 0;
    if (ParseDecimal(lost, &n)) st.announced_lost += n;
    if (lost_range) {
      src.FillGaps(lost_first, lost_last);
      if (st.announced.size() < kMaxGaps) {
        st.announced.push_back({lost_first, lost_last});
        src.resized = true;
      } else {
        ++st.announced_dropped;
      }
    }
  }
  ++st.records;
  st.reassembled += m.fragments != 0;
  CountRecord(st, m.body, true, now_us);
  sink.OnMessage(m);
}

void Reassembler::Expire(uint64_t now_us, MessageSink& sink) {
  while (Pending* p = pendings_->head) {
    if (now_us < p->first_us + options_.frag_timeout_us) break;
    if (p->state == Pending::State::kCollecting) {
      ++p->owner->stats.reassembly_failures;
    }
    DropPending(p);
  }
  // Backwards: Acknowledge may move the last entry into a visited slot.
  for (size_t i = acking_.size(); i-- > 0;) {
    Source* s = acking_[i];
    if (s->ack_deadline > now_us) continue;
    Acknowledge(*s, now_us, sink);
    if (s->resized) Recharge(*s);
  }
}

void Reassembler::Acknowledge(Source& src, uint64_t now_us, MessageSink& sink) {
  char out[reliable::kAckMax];
  // A validated source holds the key: no limit, and its responses are
  // sealed (what the sender requires before it acts on one).
  const size_t limit = src.validated
                           ? reliable::kAckMax - PMDCON_AUTH_FIELD_LEN
                           : std::min<uint64_t>(reliable::kAckMax, src.credit);
  size_t n = src.acker->Respond(now_us, out, limit);
  if (n && src.validated) {
    n = pmdcon_auth_seal_ack(&src.auth_key, src.boot, out,
                             static_cast<uint32_t>(n), reliable::kAckMax);
  } else if (n) {
    src.credit -= n;
  }
  if (n) sink.OnResponse(src.reply, std::string_view(out, n));
  src.ack_deadline = src.acker->NextDeadline();
  // Due but out of credit: only more bytes from the source (Feed) can pay
  // for a response, so it waits for them, not for a timer.
  if (n == 0 && src.ack_deadline <= now_us) src.ack_deadline = UINT64_MAX;
  if (src.ack_deadline == UINT64_MAX) {
    StopAcking(src);
  } else if (src.acking_index == SIZE_MAX) {
    src.acking_index = acking_.size();
    acking_.push_back(&src);
  }
  // Holes tracked or given up: Feed, or Expire, recharges the source.
  if (src.acker->MemoryBytes() != src.ack_bytes) src.resized = true;
}

void Reassembler::StopAcking(Source& src) {
  if (src.acking_index == SIZE_MAX) return;
  Source* last = acking_.back();
  acking_[src.acking_index] = last;
  last->acking_index = src.acking_index;
  acking_.pop_back();
  src.acking_index = SIZE_MAX;
}

uint64_t Reassembler::NextDeadline() const {
  const Pending* p = pendings_->head;
  uint64_t next = p ? p->first_us + options_.frag_timeout_us : UINT64_MAX;
  for (const Source* s : acking_) next = std::min(next, s->ack_deadline);
  return next;
}

const reliable::Acker::Stats* Reassembler::AckStatsOf(
    const SourceKey& key) const {
  auto it = sources_.find(key);
  if (it == sources_.end() || !it->second->acker) return nullptr;
  return &it->second->acker->stats();
}

reliable::Acker::Stats Reassembler::ack_totals() const {
  reliable::Acker::Stats t = evicted_acks_;
  for (const auto& [key, src] : sources_) {
    if (src->acker) t += src->acker->stats();
  }
  return t;
}

}  // namespace pmdcon::wire
