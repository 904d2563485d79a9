// The acknowledgement protocol's TX half (docs/wire-format.md): responses
// the main lcore handed over, resends on request and for want of acks. The
// engine calls it around its pass over the targets; reliable::Sender holds
// the protocol's state.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <optional>
#include <string_view>

#include "engine/engine.h"
#include "engine/target.h"
#include "pmdcon/auth.h"
#include "reliable/sender.h"

namespace pmdcon::engine {

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

std::optional<uint64_t> Engine::unacked(size_t i) const {
  const Target& t = *targets_[i];
  if (!t.rel) return std::nullopt;
  return t.rel->unacked.load(std::memory_order_relaxed);
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

bool Engine::Target::Resend(uint64_t seq, bool emergency, uint64_t* budget,
                            bool* over) {
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

}  // namespace pmdcon::engine
