#include "engine/engine.h"

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "reliable/ack.h"
#include "reliable/retx.h"
#include "reliable/sender.h"
#include "reliable/sent_index.h"

namespace pmdcon::engine {
namespace {

// Counters have one writer (the TX lcore): a plain load and store suffice.
void Bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

uint64_t PackMac(const packet::Mac& m) {
  uint64_t v = 0;
  std::memcpy(&v, m.data(), 6);
  return v;
}

}  // namespace

std::string_view TargetStateName(TargetState s) {
  switch (s) {
    case TargetState::kDisabled:
      return "disabled";
    case TargetState::kResolving:
      return "resolving";
    case TargetState::kActive:
      return "active";
    case TargetState::kDeactivated:
      return "deactivated";
  }
  return "?";
}

// One target: its settings, encoder, frame template, ring cursor, and the
// ring's sink (OnRecord / OnLoss) that turns records into queued frames.
struct Engine::Target {
  Target(Engine* e, TargetSpec s, wire::Encoder enc)
      : engine(e),
        spec(std::move(s)),
        encoder(std::move(enc)),
        frame(spec.endpoints),
        userdata_len(static_cast<uint32_t>(
            wire::RenderUserdata(spec.format.userdata).size())) {}

  Engine* engine;
  TargetSpec spec;
  wire::Encoder encoder;
  packet::UdpFrame frame;
  uint32_t userdata_len;  // rendered, for the worst-case payload count
  std::unique_ptr<ring::Consumer> reader;
  TargetStats stats;
  std::atomic<TargetState> state{TargetState::kResolving};
  std::atomic<uint64_t> next_mac{0};
  std::atomic<uint32_t> mac_version{0};
  uint32_t mac_applied = 0;
  uint64_t queued_next = 0;  // id after the last record whose frames are queued
  uint64_t sent_next = 0;    // ... whose frames the NIC took
  uint64_t last_ts = 0;
  // A loss notice that found no room; it goes out before the next record.
  struct Owed {
    uint64_t records = 0;
    bool known = false;
    uint64_t first = 0, last = 0;
    const char* cause = nullptr;
    uint64_t resume_id = 0;  // the ring position after the gap
  } owed;
  // Token bucket (TSC based) and the drops it has yet to announce.
  double tokens = 0;
  uint64_t last_tsc = 0;
  uint64_t limited = 0, limited_first = 0, limited_last = 0;

  // A reliable target's side of the acknowledgement protocol.
  std::unique_ptr<reliable::Sender> rel;

  // Queues the encoder's current record; false if mbufs or batch room ran
  // out (nothing was queued then). `budget`: the payload bytes it may cost
  // (anti-amplification); if it would cost more nothing is queued, *over
  // is set, and it returns true (the record is done with).
  bool EmitEncoded(uint32_t bound, uint64_t* budget = nullptr,
                   bool* over = nullptr) {
    Engine& e = *engine;
    if (e.batch_n_ + bound > kBatchCap && !e.Flush()) return false;
    rte_mbuf* m[kBatchCap];
    if (rte_pktmbuf_alloc_bulk(e.port_->pool(), m, bound) != 0) return false;
    const size_t hdr = frame.header_size();
    const bool v6 = frame.ipv6();
    const bool ip_off = e.port_->offload_ipv4_csum() && !v6;
    const bool udp_off = e.port_->offload_udp_csum();
    uint32_t used = 0;
    uint64_t cost = 0;
    for (; used < bound; ++used) {
      auto* data = rte_pktmbuf_mtod(m[used], uint8_t*);
      char* payload = reinterpret_cast<char*>(data + hdr);
      uint32_t n = encoder.Next(payload);
      if (n == 0) break;
      // The encoder left room for the field (TargetSpec::auth).
      if (!spec.auth.empty()) {
        n = pmdcon_auth_seal(&spec.auth.signing(), e.auth_boot_, payload, n,
                             n + PMDCON_AUTH_FIELD_LEN);
      }
      cost += n;
      const size_t len = frame.Build(data, n, e.ip_id_++, ip_off, udp_off);
      m[used]->data_len = static_cast<uint16_t>(len);
      m[used]->pkt_len = static_cast<uint32_t>(len);
      if (ip_off || udp_off) {
        m[used]->l2_len = packet::UdpFrame::kEth;
        m[used]->l3_len =
            v6 ? packet::UdpFrame::kIpv6 : packet::UdpFrame::kIpv4;
        m[used]->ol_flags |=
            (v6 ? RTE_MBUF_F_TX_IPV6
                : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM) |
            (udp_off ? RTE_MBUF_F_TX_UDP_CKSUM : 0);
      }
    }
    if (budget && cost > *budget) {
      rte_pktmbuf_free_bulk(m, bound);
      *over = true;
      return true;
    }
    if (budget) *budget -= cost;
    for (uint32_t i = 0; i < used; ++i) {
      e.batch_[e.batch_n_++] = m[i];
      Bump(stats.packets);
      Bump(stats.bytes, m[i]->pkt_len);
    }
    if (used < bound) rte_pktmbuf_free_bulk(m + used, bound - used);
    if (used > 1) Bump(stats.fragmented);
    return true;
  }

  // Worst case payloads for a record: escaping at most quadruples the text
  // and dict; each payload carries at least 1000 - 200 bytes of body.
  uint32_t Bound(uint32_t text_len, uint32_t dict_len) const {
    const uint32_t body =
        4 * (text_len + dict_len) + 2 * dict_len + userdata_len + 256;
    return std::min<uint32_t>(1 + body / 800, kBatchCap);
  }

  bool Notice(uint64_t n, bool seq_known, uint64_t first, uint64_t last,
              const char* cause) {
    encoder.BeginLoss(n, seq_known, first, last, last_ts, cause);
    if (seq_known) TellFirst(last);
    // Every fragment: with long userdata a notice spans several payloads.
    if (!EmitEncoded(Bound(sizeof(pmdcon_wire_notice::text),
                           sizeof(pmdcon_wire_notice::dict)))) {
      encoder.UndoMsgid();
      return false;
    }
    Bump(stats.notices);
    if (rel && seq_known) rel->retx.OnSent(last, engine->now_us_);
    return true;
  }

  // Reliable targets: the record just begun (seq) says where the stream
  // began, until the collector answered.
  void TellFirst(uint64_t seq) {
    if (!rel) [[likely]]
      return;
    if (const std::optional<uint64_t> first = rel->First(seq))
      encoder.MarkFirst(*first);
  }

  // Reliable targets: where record r went (or why it did not go out).
  void Remember(const ring::Record& r, reliable::SentIndex::Kind kind) {
    if (!rel) [[likely]]
      return;
    rel->index.Put({r.seq, r.id, r.next_id, encoder.msgid(), kind});
    if (kind == reliable::SentIndex::Kind::kSent)
      rel->retx.OnSent(r.seq, engine->now_us_);
  }

  // Sends seq again (`emergency`: with ",ncemg=1"); a seq the ring no
  // longer holds, or that never went out, gets a notice for that seq alone,
  // so the collector stops asking. False if there was no room (try later).
  // `budget`/`over`: as EmitEncoded's, for what an unvalidated peer asked.
  bool Resend(uint64_t seq, bool emergency, uint64_t* budget = nullptr,
              bool* over = nullptr) {
    const reliable::SentIndex::Entry* e = rel->index.Find(seq);
    const char* cause = "no longer held for resending";
    if (e && e->kind == reliable::SentIndex::Kind::kSent) {
      const ring::Record* r = nullptr;
      if (engine->resender_->ReadAt(e->id, &r) ==
              ring::Consumer::ReadAtResult::kOk &&
          r->seq == seq) {
        encoder.BeginResend(*r->raw, r->text.data(), r->dict.data(), e->msgid,
                            emergency);
        TellFirst(seq);
        if (!EmitEncoded(Bound(static_cast<uint32_t>(r->text.size()),
                               static_cast<uint32_t>(r->dict.size())),
                         budget, over)) {
          return false;
        }
        if (over && *over) return true;
        Bump(emergency ? stats.emergencies : stats.retransmits);
        return true;
      }
      cause = "overwritten in the ring";
    } else if (e) {
      cause = e->kind == reliable::SentIndex::Kind::kFiltered
                  ? "below the level filter"
              : e->kind == reliable::SentIndex::Kind::kLimited
                  ? "dropped by the rate limit"
                  : "lost before it was sent";
    }
    encoder.BeginLoss(1, true, seq, seq, last_ts, cause);
    if (emergency) encoder.MarkEmergency();
    TellFirst(seq);
    if (!EmitEncoded(Bound(sizeof(pmdcon_wire_notice::text),
                           sizeof(pmdcon_wire_notice::dict)),
                     budget, over) ||
        (over && *over)) {
      encoder.UndoMsgid();
      return over && *over;
    }
    Bump(emergency ? stats.emergencies : stats.unavailable);
    return true;
  }

  bool PayOwed() {
    if (rel && owed.known) rel->Follow(owed.last);
    if (!Notice(owed.records, owed.known, owed.first, owed.last, owed.cause)) {
      return false;
    }
    // A reliable target's collector may ask for the notice's seq again.
    if (rel && owed.known) {
      rel->index.Put({owed.last, owed.resume_id, owed.resume_id,
                      encoder.msgid(), reliable::SentIndex::Kind::kNotice});
    }
    owed.records = 0;
    return true;
  }

  void Refill() {
    const uint64_t now = rte_rdtsc();
    tokens = std::min<double>(spec.burst,
                              tokens + static_cast<double>(now - last_tsc) *
                                           spec.rate_per_s / rte_get_tsc_hz());
    last_tsc = now;
  }

  // Records the rate limit dropped are announced as soon as it allows one
  // more packet, whether or not a record follows them; `now`: at once (the
  // engine is stopping).
  void PayLimited(bool now) {
    if (limited == 0) return;
    if (!now) {
      Refill();
      if (tokens < 1) return;
    }
    if (Notice(limited, true, limited_first, limited_last,
               "dropped by the rate limit")) {
      tokens = std::max(0.0, tokens - 1);
      limited = 0;
    }
  }

  // No room now: the record waits in the ring and comes again next poll.
  void GiveBack(const ring::Record& r) {
    Bump(stats.mbuf_waits);
    reader->Unread(r);
  }

  void OnRecord(const ring::Record& r) {
    // An announced loss goes out before the record after it.
    if (owed.records && !PayOwed()) return GiveBack(r);
    last_ts = r.ts_usec;
    if (rel) rel->Follow(r.seq);
    if (r.level > spec.max_level) {
      Bump(stats.filtered);
      Remember(r, reliable::SentIndex::Kind::kFiltered);
      queued_next = r.next_id;
      return;
    }
    if (spec.rate_per_s) {
      Refill();
      if (tokens < 1) {
        if (limited++ == 0) limited_first = r.seq;
        limited_last = r.seq;
        Bump(stats.rate_limited);
        Remember(r, reliable::SentIndex::Kind::kLimited);
        queued_next = r.next_id;
        return;
      }
      tokens -= 1;
      if (limited && Notice(limited, true, limited_first, limited_last,
                            "dropped by the rate limit")) {
        limited = 0;
      }
    }
    encoder.Begin(*r.raw, r.text.data(), r.dict.data());
    TellFirst(r.seq);
    if (!EmitEncoded(Bound(static_cast<uint32_t>(r.text.size()),
                           static_cast<uint32_t>(r.dict.size())))) {
      encoder.UndoMsgid();
      return GiveBack(r);
    }
    Bump(stats.records);
    Remember(r, reliable::SentIndex::Kind::kSent);
    queued_next = r.next_id;
#ifdef PMDCON_TEST_HOOKS
    if (engine->probe_ && engine->probe_pending_n_ < kBatchCap) [[unlikely]] {
      engine->probe_pending_[engine->probe_pending_n_++] = r.ts_usec;
    }
#endif
  }

  void OnLoss(const ring::Loss& l) {
    Bump(stats.lost, l.records);
    if (l.has_prev) last_ts = std::max(last_ts, l.prev_ts_usec);
    uint64_t first = 0, last = 0;
    bool known = false;
    if (l.has_next && l.next_seq > 0) {
      last = l.next_seq - 1;
      first = l.has_prev ? l.prev_seq + 1
                         : (last + 1 >= l.records ? last + 1 - l.records : 0);
      known = first <= last;
    } else if (l.has_prev) {
      first = l.prev_seq + 1;
      last = l.prev_seq + l.records;
      known = true;
    }
    const char* cause =
        l.cause == ring::LossCause::kOverwritten ? "overwritten in the ring"
        : l.cause == ring::LossCause::kDropped   ? "refused by a jammed ring"
                                                 : "skipped as corrupt";
    if (owed.records == 0) {
      owed = {l.records, known, first, last, cause};
    } else {
      // Still unsent: one notice covers both (no record came between).
      owed.known = owed.known && known;
      owed.first = std::min(owed.first, first);
      owed.last = std::max(owed.last, last);
      owed.records += l.records;
    }
    // Once announced, the gap counts as transmitted: a restart does not
    // announce it again. If there is no room, the next record brings it
    // along (and moves the position itself).
    owed.resume_id = l.resume_id;
    if (PayOwed()) queued_next = l.resume_id;
  }
};

struct TargetCarry {
  uint64_t sent_next = 0;  // ring id after the last record it sent
  uint64_t last_ts = 0;
  std::unique_ptr<reliable::Sender> rel;  // reliable targets'
};

std::shared_ptr<TargetCarry> Engine::TakeCarry(size_t i) {
  Target& t = *targets_[i];
  auto c = std::make_shared<TargetCarry>();
  c->sent_next = t.sent_next;
  c->last_ts = t.last_ts;
  c->rel = std::move(t.rel);
  return c;
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(
    std::span<std::byte> region, const BootId& boot, ring::StartAt start,
    port::Port* port, std::vector<TargetSpec> specs) {
  std::unique_ptr<Engine> e(new Engine());
  e->port_ = port;
  // Sealed payloads carry the boot's first 8 bytes, as the module's do.
  for (int i = 7; i >= 0; --i) e->auth_boot_ = e->auth_boot_ << 8 | boot[i];
  PMDCON_ASSIGN_OR_RETURN(
      auto pub,
      ring::Consumer::Attach(region, boot, start, ring::Role::kConsumer));
  e->publisher_ = std::move(pub);
  e->publisher_->PublishPid(static_cast<uint32_t>(getpid()));
  for (TargetSpec& s : specs) {
    auto enc = wire::Encoder::Create(s.format);
    if (!enc.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("target ", s.name, ": ", enc.status().message()));
    }
    auto t = std::make_unique<Target>(e.get(), std::move(s), *enc);
    PMDCON_ASSIGN_OR_RETURN(
        auto reader,
        ring::Consumer::Attach(region, boot, start, ring::Role::kObserver));
    t->reader = std::move(reader);
    // A target carried over a reload goes on where it was: the others'
    // start (the published position) may lie behind what it sent.
    std::shared_ptr<TargetCarry> carry = std::move(t->spec.carry);
    if (carry) t->reader->SeekTo(carry->sent_next);
    t->queued_next = t->sent_next = t->reader->cursor();
    for (size_t k = 0; k < std::size(TargetStats::kCounters); ++k) {
      (t->stats.*TargetStats::kCounters[k].second)
          .store(t->spec.counters[k], std::memory_order_relaxed);
    }
    t->encoder.set_msgid(t->spec.msgid);
    t->tokens = t->spec.burst;
    t->last_tsc = rte_rdtsc();
    if (t->spec.reliable) {
      // Without a key the collector's requests are paid for by the bytes
      // it sent; the target's own emergencies, a burst per interval, carry
      // what they do not (the requests left out lead them: Retx::Hint).
      reliable::Retx::Options o;
      if (t->spec.auth.empty()) o.emg_burst = kUnvalidatedBurst;
      if (carry && carry->rel) {
        t->rel = std::move(carry->rel);
        t->last_ts = carry->last_ts;
      } else {
        t->rel = std::make_unique<reliable::Sender>(o);
        t->rel->acked_next = t->reader->cursor();
      }
      e->any_reliable_ = true;
    }
    t->state = !t->spec.enabled     ? TargetState::kDisabled
               : t->spec.static_mac ? TargetState::kActive
                                    : TargetState::kResolving;
    e->targets_.push_back(std::move(t));
  }
  e->tx_id_ = e->publisher_->cursor();
  const uint64_t hz = rte_get_tsc_hz();
  e->kick_period_ = hz / 10000;  // 100 us
  e->kick_window_ = hz / 20;     // 50 ms
  e->confirm_ = ConfirmDelay(port->needs_kick() ? hz / 1000 * kConfirmLagMs : 0,
                             e->tx_id_);
  static std::atomic<uint32_t> engines{0};  // ring names must be unique
  const std::string name = absl::StrCat("pmdcon_ctl_", engines++);
  e->control_ = rte_ring_create(name.c_str(), 256, SOCKET_ID_ANY,
                                RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!e->control_) {
    return absl::ResourceExhaustedError("cannot create the control ring");
  }
  e->tsc_per_us_ = std::max<uint64_t>(1, hz / 1000000);
  if (e->any_reliable_) {
    PMDCON_ASSIGN_OR_RETURN(
        auto resender,
        ring::Consumer::Attach(region, boot, start, ring::Role::kObserver));
    e->resender_ = std::move(resender);
    e->responses_ =
        rte_ring_create(absl::StrCat(name, "_rsp").c_str(), 256, SOCKET_ID_ANY,
                        RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!e->responses_) {
      return absl::ResourceExhaustedError("cannot create the response ring");
    }
  }
  return e;
}

bool Engine::SendControl(rte_mbuf* m) {
  if (rte_ring_enqueue(control_, m) == 0) return true;
  rte_pktmbuf_free(m);
  return false;
}

bool Engine::SendResponse(size_t target, rte_mbuf* m) {
  m->hash.usr = static_cast<uint32_t>(target);
  if (responses_ && rte_ring_enqueue(responses_, m) == 0) return true;
  rte_pktmbuf_free(m);
  Bump(targets_[target]->stats.responses_dropped);  // the main lcore's
  return false;
}

void Engine::CountForeign(size_t target) {
  Bump(targets_[target]->stats.foreign);  // the main lcore's counter
}

void Engine::CountBadChecksum(size_t target) {
  Bump(targets_[target]->stats.bad_checksums);  // the main lcore's counter
}

std::optional<uint64_t> Engine::acked_seq(size_t i) const {
  const Target& t = *targets_[i];
  if (!t.rel) return std::nullopt;
  const int64_t a = t.rel->acked_seq.load(std::memory_order_relaxed);
  if (a < 0) return std::nullopt;
  return static_cast<uint64_t>(a);
}

Engine::~Engine() {
  // Nobody reads the ring now (a reload's next engine says so again).
  if (publisher_) publisher_->PublishPid(0);
  if (batch_n_) rte_pktmbuf_free_bulk(batch_, batch_n_);
  for (rte_ring* r : {control_, responses_}) {
    if (!r) continue;
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    rte_ring_free(r);
  }
}

size_t Engine::targets() const { return targets_.size(); }
const TargetSpec& Engine::spec(size_t i) const { return targets_[i]->spec; }
TargetState Engine::state(size_t i) const {
  return targets_[i]->state.load(std::memory_order_acquire);
}
void Engine::SetState(size_t i, TargetState s) {
  targets_[i]->state.store(s, std::memory_order_release);
}
void Engine::SetMac(size_t i, const packet::Mac& mac) {
  Target& t = *targets_[i];
  t.next_mac.store(PackMac(mac), std::memory_order_relaxed);
  t.mac_version.fetch_add(1, std::memory_order_release);
  t.state.store(TargetState::kActive, std::memory_order_release);
}
const TargetStats& Engine::stats(size_t i) const { return targets_[i]->stats; }

std::string Engine::CheckRing() {
  if (!publisher_->CheckIdentity()) return publisher_->last_error();
  for (const auto& t : targets_) {
    if (t->reader->state() == ring::Consumer::State::kRingGone) {
      return t->reader->last_error();
    }
  }
  return "";
}

uint32_t Engine::msgid(size_t i) const { return targets_[i]->encoder.msgid(); }

TargetStats::Values TargetStats::Snapshot() const {
  Values v;
  for (size_t k = 0; k < v.size(); ++k) {
    v[k] = (this->*kCounters[k].second).load(std::memory_order_relaxed);
  }
  return v;
}
uint64_t Engine::heartbeat() const {
  return PMDCON_LOAD(&publisher_->raw().cons->heartbeat);
}

bool Engine::PollTarget(Target& t) {
  if (t.state.load(std::memory_order_acquire) != TargetState::kActive) {
    return false;
  }
  if (const uint32_t v = t.mac_version.load(std::memory_order_acquire);
      v != t.mac_applied) {
    packet::Mac mac;
    const uint64_t packed = t.next_mac.load(std::memory_order_relaxed);
    std::memcpy(mac.data(), &packed, 6);
    t.frame.set_dst_mac(mac);
    t.mac_applied = v;
  }
  // A reliable target keeps at most a window unacknowledged.
  uint32_t burst = kBurst;
  if (t.rel) [[unlikely]] {
    const uint64_t room = t.rel->retx.Room();
    if (room == 0) return false;
    burst = static_cast<uint32_t>(std::min<uint64_t>(burst, room));
  }
  const bool work = t.reader->Poll(t, burst) > 0;
  // A record left uncommitted for a second (its writer died mid-record)
  // would hold every later one back: skipped, and announced.
  if (!work) t.reader->SkipStuck(rte_rdtsc(), rte_get_tsc_hz());
  t.PayLimited(false);
  return work;
}

bool Engine::Flush() {
  while (batch_n_ > 0) {
    const uint16_t sent = port_->TxBurst(batch_, batch_n_);
    if (sent < batch_n_) {
      // Backpressure: keep the rest, in order, for the next try.
      std::memmove(batch_, batch_ + sent,
                   (batch_n_ - sent) * sizeof(batch_[0]));
      batch_n_ = static_cast<uint16_t>(batch_n_ - sent);
      for (auto& t : targets_) Bump(t->stats.tx_retries);
      return false;
    }
    batch_n_ = 0;
  }
  for (auto& t : targets_) t->sent_next = t->queued_next;
#ifdef PMDCON_TEST_HOOKS
  if (probe_) [[unlikely]] {
    const uint64_t now = rte_rdtsc();
    for (size_t i = 0; i < probe_pending_n_ && probe_n_ < probe_cap_; ++i) {
      probe_[probe_n_++] = now - probe_pending_[i];
    }
    probe_pending_n_ = 0;
  }
#endif
  return true;
}

void Engine::Publish(bool final) {
  // The oldest position among targets that will send: the kernel's panic
  // path resends from here (duplicates possible, gaps never).
  // The furthest any of them has read: the consumer page's read_id.
  bool any = false;
  uint64_t tx = 0, read = 0;
  for (auto& t : targets_) {
    if (t->state.load(std::memory_order_relaxed) == TargetState::kDisabled) {
      continue;
    }
    // A reliable target's records count once the collector acknowledged
    // them: the kernel resends the rest after a panic.
    const uint64_t done = t->rel ? t->rel->acked_next : t->sent_next;
    if (!any || pmdcon_pos_diff(pmdcon_id_pos(done), pmdcon_id_pos(tx)) < 0) {
      tx = done;
    }
    if (!any || pmdcon_pos_diff(pmdcon_id_pos(t->queued_next),
                                pmdcon_id_pos(read)) > 0) {
      read = t->queued_next;
    }
    any = true;
  }
  if (any) {
    publisher_->PublishRead(read);
    // af_packet's "sent" means in the kernel's socket ring, not yet in the
    // NIC: a panic in between would lose what the fallback takes as sent
    // (confirm_delay.h). After the final kicks, and at a hand-back,
    // everything before tx is out.
    tx = final ? confirm_.Reset(tx) : confirm_.Update(rte_rdtsc(), tx);
    publisher_->PublishTransmitted(tx);
    tx_id_.store(tx, std::memory_order_relaxed);
  }
  publisher_->Heartbeat();
}

// The module sends (takeover or panic; docs/crash-path.md). Frames queued
// here are for records after the confirmed position, which the module sends
// itself: drop them, keep the heartbeat going, and when the module hands the
// ring back, resume where it stopped.
void Engine::HoldForKernel() {
  rte_pktmbuf_free_bulk(batch_, batch_n_);
  batch_n_ = 0;
  while (publisher_->sender() != PMDCON_SENDER_CONSUMER &&
         !stop_.load(std::memory_order_acquire)) {
    publisher_->Heartbeat();
    rte_delay_us_sleep(1000);
  }
  const uint64_t resume = publisher_->kernel_tx_id();
  for (auto& t : targets_) {
    t->queued_next = t->sent_next = t->reader->SeekTo(resume);
    if (t->rel) {  // the kernel sent the rest without asking for acks
      t->rel->NewStream();
      t->rel->acked_next = t->sent_next;
    }
  }
  Publish(true);  // the kernel sent up to there itself
}

void Engine::Run() {
  uint32_t idle = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    if (publisher_->sender() != PMDCON_SENDER_CONSUMER) [[unlikely]] {
      HoldForKernel();
      continue;
    }
    bool work = false;
    // Control frames first: resolution is what unblocks waiting targets.
    if (batch_n_ + 8u <= kBatchCap) {
      batch_n_ = static_cast<uint16_t>(
          batch_n_ + rte_ring_dequeue_burst(
                         control_, reinterpret_cast<void**>(batch_ + batch_n_),
                         8, nullptr));
    }
    if (batch_n_ == 0 || Flush()) {
      if (any_reliable_) [[unlikely]] {
        now_us_ = rte_rdtsc() / tsc_per_us_;
        work |= TakeResponses();
      }
      for (auto& t : targets_) work |= PollTarget(*t);
      // Resends after the new records of this pass (the bound on how long
      // they may delay new records: kResendsPerPass records per target).
      if (any_reliable_) [[unlikely]] {
        for (auto& t : targets_) {
          if (t->rel) work |= Retransmit(*t);
        }
      }
    }
    work |= batch_n_ > 0;
    Flush();
    Publish();
    // Poll-mode idling: send at once when the ring runs dry (never wait to
    // fill a burst), then back off briefly so an idle loop does not keep
    // the producer's cache lines busy. At most 8 pauses: 64 (up to ~2.5 us
    // between polls) put p50 latency at 1.7-3.4 us.
    idle = work ? 0 : std::min<uint32_t>(idle + 1, 8);
    for (uint32_t i = 0; i < idle; ++i) rte_pause();
    if (port_->needs_kick()) KickIdle(work);
  }
  // Drain: what the ring holds for active targets goes out, within ~1 s.
  const uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz();
  while (rte_get_tsc_cycles() < end) {
    bool work = false;
    if (Flush()) {
      for (auto& t : targets_) work |= PollTarget(*t);
    }
    if (!work && Flush()) break;
  }
  // A loss with no record after it yet (the ring refused the last records,
  // or was overwritten up to its head) is announced before the exit.
  for (auto& t : targets_) {
    if (t->state.load(std::memory_order_acquire) != TargetState::kActive) {
      continue;
    }
    t->reader->FlushLoss(*t);
    if (t->owed.records) t->PayOwed();
    t->PayLimited(true);
  }
  const uint64_t flush_end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 10;
  while (!Flush() && rte_get_tsc_cycles() < flush_end) {
  }
  // Frames the driver still holds go out before the port stops.
  if (port_->needs_kick()) {
    for (int i = 0; i < 100; ++i) {
      port_->Kick();
      rte_delay_us_sleep(1000);
    }
  }
  Publish(true);
}

// Collector datagrams the main lcore queued (at most a burst per pass):
// acknowledgements move each target's position, requests join its queue.
bool Engine::TakeResponses() {
  rte_mbuf* m[8];
  const unsigned n = rte_ring_dequeue_burst(
      responses_, reinterpret_cast<void**>(m), std::size(m), nullptr);
  for (unsigned k = 0; k < n; ++k) {
    const uint32_t i = m[k]->hash.usr;
    Target* t = i < targets_.size() ? targets_[i].get() : nullptr;
    if (!t || !t->rel) {
      rte_pktmbuf_free(m[k]);
      continue;
    }
    reliable::Sender& rel = *t->rel;
    std::string_view payload(rte_pktmbuf_mtod(m[k], const char*),
                             m[k]->data_len);
    if (t->spec.auth.empty()) {
      rel.AddCredit(payload.size());
    } else if (!Authentic(t->spec.auth, &payload)) {
      Bump(t->stats.forged_responses);
      rte_pktmbuf_free(m[k]);
      continue;
    }
    const reliable::Sender::Intake in = rel.Take(payload, now_us_);
    if (in.bad) {
      Bump(t->stats.bad_responses);
    } else {
      Bump(t->stats.responses);
      Bump(t->stats.requests, in.requests);
      Bump(t->stats.requests_refused, in.refused);
    }
    rte_pktmbuf_free(m[k]);
  }
  return n > 0;
}

// Whether a response carries a MAC of one of the keys, over this boot's
// value; if so, *payload loses the field.
bool Engine::Authentic(const wire::KeyRing& keys,
                       std::string_view* payload) const {
  pmdcon_auth_field f;
  const uint32_t len = static_cast<uint32_t>(payload->size());
  if (pmdcon_auth_find(payload->data(), len, &f) != PMDCON_AUTH_OK ||
      f.boot != auth_boot_) {
    return false;
  }
  const pmdcon_auth_key* k = keys.Find(f.id);
  if (!k || !pmdcon_auth_verify(k, payload->data(), len, &f)) return false;
  *payload = payload->substr(0, f.off);
  return true;
}

// A reliable target's resends: what its collector asked for, then one
// emergency resend when acknowledgements are overdue (reliable::Retx).
bool Engine::Retransmit(Target& t) {
  if (t.state.load(std::memory_order_relaxed) != TargetState::kActive) {
    return false;
  }
  reliable::Sender& rel = *t.rel;
  bool work = false;
  // Toward a collector that proved no key, resends spend its credit;
  // emergencies are the target's own (no input makes more of them).
  uint64_t* budget = t.spec.auth.empty() ? &rel.credit : nullptr;
  for (uint32_t k = 0; k < kResendsPerPass && rel.has_request(); ++k) {
    bool over = false;
    if (!t.Resend(rel.request(), false, budget, &over)) {
      return true;  // no room
    }
    if (over) {
      Bump(t.stats.over_budget);
      rel.retx.Hint(rel.request());
    }
    rel.PopRequest();
    work = true;
  }
  if (now_us_ >= rel.retx.NextDeadline()) {
    const uint64_t floor = rel.index.any() ? rel.index.oldest() : 0;
    if (const std::optional<uint64_t> seq =
            rel.retx.Emergency(now_us_, floor)) {
      t.Resend(*seq, true);
      work = true;
    }
  }
  return work;
}

// While sending, and for 50 ms after, kick a driver that may hold frames
// back (Port::needs_kick) every 100 us when there is nothing else to do.
void Engine::KickIdle(bool work) {
  const uint64_t now = rte_rdtsc();
  if (work) {
    kick_until_ = now + kick_window_;
    return;
  }
  if (now < kick_until_ && now >= kick_next_) {
    port_->Kick();
    kick_next_ = now + kick_period_;
  }
}

}  // namespace pmdcon::engine
