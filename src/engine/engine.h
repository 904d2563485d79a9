// The TX engine: one dedicated lcore that polls the record ring, encodes each
// record for every active target, builds frames straight into mbufs and
// hands them to the NIC, then publishes how far records are on the wire.
// The hot path allocates nothing, takes no locks and makes no syscalls.
//
// Each target reads the ring with its own cursor, so a target that cannot
// send (resolving, link down) keeps its records waiting in the ring without
// holding the others back. The published transmitted position is the oldest
// of the enabled targets'.
#ifndef PMDCON_ENGINE_ENGINE_H_
#define PMDCON_ENGINE_ENGINE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/confirm_delay.h"
#include "packet/udp_frame.h"
#include "port/port.h"
#include "ring/ring.h"
#include "wire/auth_keys.h"

// DPDK's types, declared: includers need not see rte_*.h.
struct rte_mbuf;
struct rte_ring;
#include "wire/encoder.h"

namespace pmdcon::engine {

enum class TargetState : uint8_t {
  kDisabled,     // configured off
  kResolving,    // no next-hop MAC yet: records wait in the ring
  kActive,       // sending
  kDeactivated,  // link down: records wait in the ring
};
std::string_view TargetStateName(TargetState s);

// Counters of one target: written by the TX lcore only, read by anyone. On
// cache lines of their own, apart from the state the control loop polls.
struct alignas(64) TargetStats {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> fragmented{0};  // records sent in fragments
  std::atomic<uint64_t> filtered{0};    // below the level filter
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> lost{0};        // reported by the ring (announced)
  std::atomic<uint64_t> notices{0};     // loss notices sent
  std::atomic<uint64_t> tx_retries{0};  // partial tx_burst: backpressure
  std::atomic<uint64_t> mbuf_waits{0};  // no mbufs: the record waited
  // Reliable targets (the acknowledgement protocol, docs/wire-format.md).
  std::atomic<uint64_t> responses{0};      // collector datagrams taken
  std::atomic<uint64_t> bad_responses{0};  // malformed, or acking unsent seqs
  std::atomic<uint64_t> requests{0};       // seqs the collector asked for
  std::atomic<uint64_t> requests_refused{0};  // reliable::RequestFilter
  std::atomic<uint64_t> retransmits{0};       // records resent on request
  std::atomic<uint64_t> unavailable{0};       // asked for, answered by a notice
  std::atomic<uint64_t> emergencies{0};       // resent for want of acks
  // Authenticated: responses without a valid MAC of this boot, ignored.
  std::atomic<uint64_t> forged_responses{0};
  // Without auth: requests left unanswered because the resend would take
  // more bytes than the collector's address had sent (anti-amplification).
  std::atomic<uint64_t> over_budget{0};
  // Written by the control lcore (the one other writer, of these alone).
  std::atomic<uint64_t> foreign{0};  // ncrx datagrams from other addresses
  std::atomic<uint64_t> responses_dropped{0};  // the engine's queue was full
  // To this target's port with a wrong IP or UDP checksum (a partial one,
  // left to an offload, is taken): dropped.
  std::atomic<uint64_t> bad_checksums{0};

  // Every counter with its name, in one order: telemetry, logs, snapshots.
  using Counter = std::atomic<uint64_t> TargetStats::*;
  static constexpr std::pair<const char*, Counter> kCounters[] = {
      {"records", &TargetStats::records},
      {"packets", &TargetStats::packets},
      {"bytes", &TargetStats::bytes},
      {"fragmented", &TargetStats::fragmented},
      {"filtered", &TargetStats::filtered},
      {"rate_limited", &TargetStats::rate_limited},
      {"lost", &TargetStats::lost},
      {"notices", &TargetStats::notices},
      {"tx_retries", &TargetStats::tx_retries},
      {"mbuf_waits", &TargetStats::mbuf_waits},
      {"responses", &TargetStats::responses},
      {"bad_responses", &TargetStats::bad_responses},
      {"requests", &TargetStats::requests},
      {"requests_refused", &TargetStats::requests_refused},
      {"retransmits", &TargetStats::retransmits},
      {"unavailable", &TargetStats::unavailable},
      {"emergencies", &TargetStats::emergencies},
      {"forged_responses", &TargetStats::forged_responses},
      {"over_budget", &TargetStats::over_budget},
      {"foreign", &TargetStats::foreign},
      {"responses_dropped", &TargetStats::responses_dropped},
      {"bad_checksums", &TargetStats::bad_checksums}};
  // kCounters from here on count reliable targets' protocol only.
  static constexpr size_t kReliableFrom = 10;
  static_assert(kCounters[kReliableFrom].second == &TargetStats::responses);
  // The counters as plain values, in kCounters' order.
  using Values = std::array<uint64_t, std::size(kCounters)>;
  Values Snapshot() const;
};

// What a target sent, and a reliable target's protocol state (what the
// collector acknowledged, what it may still ask for): a reload hands it on
// to the same target, unchanged, in the next engine, which goes on from
// there instead of sending again what the collector has not yet
// acknowledged. Opaque; Engine::TakeCarry makes one.
struct TargetCarry;

struct TargetSpec {
  std::string name;
  bool enabled = true;
  wire::Format format;  // release_str filled in
  packet::Endpoints endpoints;
  bool static_mac = false;  // endpoints.dst_mac is configured, not resolved
  uint32_t max_level = 7;
  uint32_t rate_per_s = 0;  // 0: unlimited
  uint32_t burst = 0;
  // The acknowledgement protocol: resend what the collector asks for, and
  // publish to the kernel only what it acknowledged.
  bool reliable = false;
  // Authenticated records: every payload sealed with auth.signing(), and
  // only responses sealed with one of auth's keys (and this boot) acted
  // on. Empty: plain netconsole bytes. format.chunk leaves room for the
  // field.
  wire::KeyRing auth;
  // Where the counters and the sysdata msgid start: a reload hands a
  // target's own on to its successor of the same name.
  TargetStats::Values counters{};
  uint32_t msgid = 0;
  // Set: the target goes on from there (its ring position, and a reliable
  // target's acknowledgement state); the start position is for the others.
  std::shared_ptr<TargetCarry> carry;
};

class Engine {
 public:
  static constexpr uint16_t kBurst = 32;
  // Queued frames: room for a burst and the largest record's fragments.
  static constexpr size_t kBatchCap = 1024;

  // region: the mapped ring; port: opened; one spec per target.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      std::span<std::byte> region, const BootId& boot, ring::StartAt start,
      port::Port* port, std::vector<TargetSpec> specs);
  ~Engine();

  // The TX lcore's loop, until Stop(): then it sends what the ring still
  // holds for active targets, publishes the position and returns.
  void Run();
  void Stop() { stop_.store(true, std::memory_order_release); }

  // Control (main lcore).
  // Queues a frame (ARP/NDP) for the TX lcore to send: the TX queue is the
  // engine's alone. Takes the mbuf; false (and frees it) if the queue is full.
  bool SendControl(rte_mbuf* m);
  // Hands a reliable target's collector datagram (an mbuf whose data is the
  // UDP payload, addresses already checked) to the TX lcore. Takes the
  // mbuf; false (frees it, counts it) if the queue is full.
  bool SendResponse(size_t target, rte_mbuf* m);
  // A datagram to target i's port from an address not its collector's.
  void CountForeign(size_t target);
  void CountBadChecksum(size_t target);
  // Target i's acknowledged seq, if the collector acknowledged any.
  std::optional<uint64_t> acked_seq(size_t i) const;
  // Records of target i's stream sent and not acknowledged, as the TX
  // lcore last published them (reliable::Sender::unacked); nullopt for a
  // target that is not reliable.
  std::optional<uint64_t> unacked(size_t i) const;
  size_t targets() const;
  const TargetSpec& spec(size_t i) const;
  TargetState state(size_t i) const;
  void SetState(size_t i, TargetState s);
  void SetMac(size_t i, const packet::Mac& mac);  // then kActive
  const TargetStats& stats(size_t i) const;
  // The last msgid target i used; read after Run returned.
  uint32_t msgid(size_t i) const;
  // Why the ring cannot be read any more (a file ring reformatted or
  // truncated under the engine, see ring::Consumer::State), or "" while it
  // can. Checks the ring's identity itself too (targets that are not
  // sending do not read).
  std::string CheckRing();
#ifdef PMDCON_TEST_HOOKS
  // Benchmarks (-Dtest_hooks=true): records carry rte_rdtsc() in ts_usec;
  // after each burst the NIC took, the TX lcore writes now - ts (TSC
  // cycles) per record into samples[0..cap). Call before Run; read
  // samples_taken() after it returns.
  void EnableLatencyProbe(uint64_t* samples, size_t cap) {
    probe_ = samples;
    probe_cap_ = cap;
  }
  size_t samples_taken() const { return probe_n_; }
#endif
  uint64_t transmitted_id() const {
    return tx_id_.load(std::memory_order_relaxed);
  }
  // Bumped by every pass of the TX loop (and while held for the kernel).
  uint64_t heartbeat() const;
  // Target i's position and protocol state, for its successor in the next
  // engine (TargetSpec::carry). Once Run has returned; once per target.
  std::shared_ptr<TargetCarry> TakeCarry(size_t i);

 private:
  friend struct TargetCarry;
  struct Target;
  Engine() = default;
  absl::Status AddTarget(TargetSpec s, std::span<std::byte> region,
                         const BootId& boot, ring::StartAt start);
  void TakeControl();
  bool PollTarget(Target& t);
  void Drain();
  // The reliable hook (reliable_tx.cc): responses before the targets' pass,
  // resends after it.
  bool TakeResponses();
  bool Authentic(const wire::KeyRing& keys, std::string_view* payload) const;
  bool Retransmit(Target& t);
  void KickIdle(bool work);
  void HoldForKernel();
  bool Flush();
  // Publishes the confirmed position and a heartbeat; `final`: everything
  // handed over is out (after the last kicks), confirm it at once.
  void Publish(bool final = false);

  port::Port* port_ = nullptr;
  std::vector<std::unique_ptr<Target>> targets_;
  std::unique_ptr<ring::Consumer> publisher_;  // writes the consumer page
  rte_ring* control_ = nullptr;  // frames from the main lcore (SP/SC)
  // Reliable targets only: collector datagrams from the main lcore (SP/SC),
  // a reader of the ring for resends, and the TSC's ticks per microsecond.
  rte_ring* responses_ = nullptr;
  std::unique_ptr<ring::Consumer> resender_;
  bool any_reliable_ = false;
  uint64_t tsc_per_us_ = 1;
  uint64_t now_us_ = 0;     // the TX loop's clock, read once a pass
  uint64_t auth_boot_ = 0;  // the boot's value in sealed payloads (8 bytes)
  static constexpr uint32_t kResendsPerPass = 8;  // per target
  // Emergency resends per interval (100 ms at first) of a reliable target
  // without auth: 160 a second, where nctx sends one a time.
  static constexpr uint32_t kUnvalidatedBurst = 16;
  rte_mbuf* batch_[kBatchCap] = {};
  uint16_t batch_n_ = 0;
  uint64_t kick_until_ = 0;   // TSC: keep kicking the port until then
  uint64_t kick_next_ = 0;    // TSC of the next kick
  uint64_t kick_period_ = 0;  // TSC between idle kicks
  uint64_t kick_window_ = 0;  // TSC after the last send that kicks go on
  // Ports that hold frames in software (Port::needs_kick) publish a
  // position only kConfirmLagMs after it was reached.
  static constexpr uint32_t kConfirmLagMs = 10;
  ConfirmDelay confirm_{0, 0};
  uint16_t ip_id_ = 0;  // one counter for all targets, as netconsole
#ifdef PMDCON_TEST_HOOKS
  uint64_t* probe_ = nullptr;  // latency probe (benchmarks only)
  size_t probe_cap_ = 0, probe_n_ = 0;
  uint64_t probe_pending_[kBatchCap] = {};  // stamps of queued records
  size_t probe_pending_n_ = 0;
#endif
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> tx_id_{0};
};

}  // namespace pmdcon::engine

#endif  // PMDCON_ENGINE_ENGINE_H_
