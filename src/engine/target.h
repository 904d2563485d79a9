// Internal to src/engine: one target of the engine (struct Engine::Target),
// the ring's sink that turns its records into queued frames. engine.cc
// drives it; reliable_tx.cc holds the acknowledgement protocol's TX half.
#ifndef PMDCON_ENGINE_TARGET_H_
#define PMDCON_ENGINE_TARGET_H_

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/engine.h"
#include "reliable/sender.h"
#include "reliable/sent_index.h"

namespace pmdcon::engine {

// Counters have one writer (the TX lcore): a plain load and store suffice.
inline void Bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
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
    if (rel && seq_known) rel->OnSent(last, engine->now_us_);
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
      rel->OnSent(r.seq, engine->now_us_);
  }

  // Sends seq again (`emergency`: with ",ncemg=1"); a seq the ring no
  // longer holds, or that never went out, gets a notice for that seq alone,
  // so the collector stops asking. False if there was no room (try later).
  // `budget`/`over`: as EmitEncoded's, for what an unvalidated peer asked.
  // In reliable_tx.cc, with the rest of the protocol's TX half.
  bool Resend(uint64_t seq, bool emergency, uint64_t* budget = nullptr,
              bool* over = nullptr);

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

}  // namespace pmdcon::engine

#endif  // PMDCON_ENGINE_TARGET_H_
