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
#include "engine/target.h"
#include "reliable/ack.h"
#include "reliable/retx.h"
#include "reliable/sender.h"
#include "reliable/sent_index.h"

namespace pmdcon::engine {
namespace {

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

std::shared_ptr<TargetCarry> Engine::TakeCarry(size_t i) {
  Target& t = *targets_[i];
  auto c = std::make_shared<TargetCarry>();
  c->sent_next = t.sent_next;
  c->last_ts = t.last_ts;
  c->rel = std::move(t.rel);
  return c;
}

// One target of the next engine, reading `region` from `start` (or, carried
// over a reload, where it was).
absl::Status Engine::AddTarget(TargetSpec s, std::span<std::byte> region,
                               const BootId& boot, ring::StartAt start) {
  auto enc = wire::Encoder::Create(s.format);
  if (!enc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("target ", s.name, ": ", enc.status().message()));
  }
  auto t = std::make_unique<Target>(this, std::move(s), *enc);
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
    any_reliable_ = true;
  }
  t->state = !t->spec.enabled     ? TargetState::kDisabled
             : t->spec.static_mac ? TargetState::kActive
                                  : TargetState::kResolving;
  targets_.push_back(std::move(t));
  return absl::OkStatus();
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
    PMDCON_RETURN_IF_ERROR(e->AddTarget(std::move(s), region, boot, start));
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

// The TX loop: poll (control frames, then responses: the reliable hook),
// each target (new records, then resends: the reliable hook), emit (flush,
// publish the position, idle or kick).
void Engine::Run() {
  uint32_t idle = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    if (publisher_->sender() != PMDCON_SENDER_CONSUMER) [[unlikely]] {
      HoldForKernel();
      continue;
    }
    bool work = false;
    // Control frames first: resolution is what unblocks waiting targets.
    TakeControl();
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
  Drain();
}

void Engine::TakeControl() {
  if (batch_n_ + 8u > kBatchCap) return;
  batch_n_ = static_cast<uint16_t>(
      batch_n_ +
      rte_ring_dequeue_burst(
          control_, reinterpret_cast<void**>(batch_ + batch_n_), 8, nullptr));
}

// After Stop(): what the ring holds for active targets goes out, within
// ~1 s; then the losses not yet announced, the frames the driver holds,
// and the final position.
void Engine::Drain() {
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
