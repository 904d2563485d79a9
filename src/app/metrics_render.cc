#include "app/metrics_render.h"

#include <algorithm>
#include <array>

#include "metrics/exposition.h"
#include "pmdcon/ring.h"

namespace pmdcon::app {
namespace {

using metrics::Type;

// In TargetStats::kCounters' order (checked below and by the test).
constexpr std::pair<const char*, CounterMetric> kCounterMetrics[] = {
    {"records", {"pmdcon_target_records_total", "Records sent."}},
    {"packets", {"pmdcon_target_packets_total", "Packets sent."}},
    {"bytes", {"pmdcon_target_bytes_total", "Payload bytes sent."}},
    {"fragmented",
     {"pmdcon_target_fragmented_records_total", "Records sent in fragments."}},
    {"filtered",
     {"pmdcon_target_filtered_records_total",
      "Records not sent: below the target's level filter."}},
    {"rate_limited",
     {"pmdcon_target_rate_limited_records_total",
      "Records not sent: over the target's rate limit."}},
    {"lost",
     {"pmdcon_target_lost_records_total",
      "Records lost in the ring (overwritten, refused, corrupt), announced "
      "to the collector."}},
    {"notices", {"pmdcon_target_notices_total", "Loss notices sent."}},
    {"tx_retries",
     {"pmdcon_target_tx_retries_total",
      "Bursts the NIC took only in part (backpressure)."}},
    {"mbuf_waits",
     {"pmdcon_target_mbuf_waits_total",
      "Times a record waited for free mbufs."}},
    {"responses",
     {"pmdcon_target_responses_total",
      "Datagrams from the collector taken (reliable)."}},
    {"bad_responses",
     {"pmdcon_target_bad_responses_total",
      "Collector datagrams malformed or acknowledging unsent seqs."}},
    {"requests",
     {"pmdcon_target_requests_total", "Seqs the collector asked for."}},
    {"requests_refused",
     {"pmdcon_target_requests_refused_total",
      "Seqs asked for and not queued (request filter, full queue)."}},
    {"retransmits",
     {"pmdcon_target_retransmits_total", "Records resent on request."}},
    {"unavailable",
     {"pmdcon_target_unavailable_total",
      "Seqs asked for that the ring no longer held: answered by a notice."}},
    {"emergencies",
     {"pmdcon_target_emergencies_total",
      "Records resent for want of acknowledgements."}},
    {"forged_responses",
     {"pmdcon_target_forged_responses_total",
      "Responses without a valid MAC of this boot, ignored."}},
    {"over_budget",
     {"pmdcon_target_over_budget_total",
      "Requests unanswered: the resend would exceed what the collector "
      "sent (anti-amplification)."}},
    {"foreign",
     {"pmdcon_target_foreign_total",
      "Datagrams to the target's port from addresses not its collector's."}},
    {"responses_dropped",
     {"pmdcon_target_responses_dropped_total",
      "Collector datagrams dropped: the engine's queue was full."}},
    {"bad_checksums",
     {"pmdcon_target_bad_checksums_total",
      "Datagrams to the target's port with a wrong IP or UDP checksum."}},
};
static_assert(std::size(kCounterMetrics) ==
              std::size(engine::TargetStats::kCounters));

constexpr bool SameNames() {
  for (size_t k = 0; k < std::size(kCounterMetrics); ++k) {
    if (std::string_view(kCounterMetrics[k].first) !=
        engine::TargetStats::kCounters[k].first)
      return false;
  }
  return true;
}
static_assert(SameNames(), "kCounterMetrics follows TargetStats::kCounters");

constexpr engine::TargetState kStates[] = {
    engine::TargetState::kDisabled, engine::TargetState::kResolving,
    engine::TargetState::kActive, engine::TargetState::kDeactivated};

// How far a is ahead of b, serial-number arithmetic; 0 if it is behind (a
// consumer seen past a head loaded a moment earlier, not 2^32 - 1 ahead).
uint64_t Ahead(uint32_t a, uint32_t b) {
  const int32_t d = pmdcon_pos_diff(a, b);
  return d > 0 ? static_cast<uint64_t>(d) : 0;
}
uint64_t RidDiff(uint64_t a, uint64_t b) {
  return Ahead(pmdcon_id_rid(a), pmdcon_id_rid(b));
}

void Targets(const MetricsSnapshot& s, metrics::Exposition& out) {
  if (s.targets.empty()) return;
  for (size_t k = 0; k < std::size(kCounterMetrics); ++k) {
    const CounterMetric& m = kCounterMetrics[k].second;
    const bool reliable_only = k >= engine::TargetStats::kReliableFrom;
    bool any = false;
    for (const auto& t : s.targets) any |= !reliable_only || t.reliable;
    if (!any) continue;
    out.Family(m.name, Type::kCounter, m.help);
    for (const auto& t : s.targets) {
      if (reliable_only && !t.reliable) continue;
      out.Sample({{"target", t.name}}, t.counters[k]);
    }
  }
  out.Family("pmdcon_target_state", Type::kGauge,
             "1 for the target's state now (off: configured off; resolving: "
             "no next-hop MAC yet; down: link down; the log says disabled "
             "for off, deactivated for down), 0 for the others.");
  for (const auto& t : s.targets) {
    for (const engine::TargetState st : kStates) {
      out.Sample({{"target", t.name}, {"state", MetricStateName(st)}},
                 uint64_t{st == t.state});
    }
  }
  bool acked = false, reliable = false;
  for (const auto& t : s.targets) {
    acked |= t.acked_seq.has_value();
    reliable |= t.reliable;
  }
  if (acked) {
    out.Family("pmdcon_target_acked_seq", Type::kGauge,
               "The newest seq the collector acknowledged (reliable).");
    for (const auto& t : s.targets) {
      if (t.acked_seq) out.Sample({{"target", t.name}}, *t.acked_seq);
    }
  }
  if (reliable) {
    out.Family("pmdcon_target_unacked_records", Type::kGauge,
               "Records sent that the collector has not acknowledged yet "
               "(reliable).");
    for (const auto& t : s.targets) {
      if (t.reliable) out.Sample({{"target", t.name}}, t.unacked.value_or(0));
    }
  }
}

void Ring(const MetricsSnapshot::Ring& r, metrics::Exposition& out) {
  out.Single("pmdcon_ring_head_records", Type::kGauge,
             "Records ever written to the ring (its head id).",
             uint64_t{pmdcon_id_rid(r.head)});
  out.Single("pmdcon_ring_transmitted_records", Type::kGauge,
             "Records the appliance has sent up to (its transmitted id).",
             uint64_t{pmdcon_id_rid(r.transmitted)});
  out.Single("pmdcon_ring_pending_records", Type::kGauge,
             "Records written and not yet sent by the appliance.",
             RidDiff(r.head, r.transmitted));
  out.Single("pmdcon_ring_capacity_bytes", Type::kGauge,
             "Bytes of the ring's data area.", r.data_size);
  // Positions count 8-byte units; a consumer overtaken has the whole ring
  // waiting (and loses what the producer overwrote).
  const uint64_t units =
      Ahead(pmdcon_id_pos(r.head), pmdcon_id_pos(r.transmitted));
  out.Single("pmdcon_ring_used_bytes", Type::kGauge,
             "Bytes of the ring holding records not yet sent.",
             std::min(units * 8, r.data_size));
}

void Kernel(const MetricsSnapshot::Kernel& k, metrics::Exposition& out) {
  if (k.unsent) {
    out.Single("pmdcon_kernel_unsent_records", Type::kGauge,
               "Records written and not yet sent by whoever sends now (the "
               "module's sysfs unsent).",
               *k.unsent);
  }
  out.Family("pmdcon_kernel_sender", Type::kGauge,
             "1 for who may send now: the appliance, or the module "
             "(takeover or panic).");
  const bool kernel = k.sender == PMDCON_SENDER_KERNEL;
  out.Sample({{"sender", "appliance"}}, uint64_t{!kernel});
  out.Sample({{"sender", "kernel"}}, uint64_t{kernel});
  if (k.heartbeat_age_s) {
    out.Single("pmdcon_kernel_heartbeat_age_seconds", Type::kGauge,
               "Seconds since the appliance's heartbeat last changed, as the "
               "module sees it.",
               *k.heartbeat_age_s);
  }
}

}  // namespace

const CounterMetric& TargetCounterMetric(size_t k) {
  return kCounterMetrics[k].second;
}

std::string_view MetricStateName(engine::TargetState s) {
  switch (s) {
    case engine::TargetState::kDisabled:
      return "off";
    case engine::TargetState::kResolving:
      return "resolving";
    case engine::TargetState::kActive:
      return "active";
    case engine::TargetState::kDeactivated:
      return "down";
  }
  return "unknown";
}

std::string RenderMetrics(const MetricsSnapshot& s) {
  metrics::Exposition out;
  out.Family("pmdcon_build_info", Type::kGauge,
             "pmdcon's version and the DPDK it runs on.");
  out.Sample({{"version", s.version}, {"dpdk", s.dpdk}}, uint64_t{1});
  Targets(s, out);
  if (s.ring) Ring(*s.ring, out);
  if (s.port) {
    out.Single("pmdcon_port_link_up", Type::kGauge,
               "1 if the port's link is up.", uint64_t{s.port->link_up});
    if (s.port->tx_packets) {
      out.Single("pmdcon_port_tx_packets_total", Type::kCounter,
                 "Packets the port sent.", *s.port->tx_packets);
    }
    if (s.port->tx_errors) {
      out.Single("pmdcon_port_tx_errors_total", Type::kCounter,
                 "Packets the port failed to send.", *s.port->tx_errors);
    }
  }
  if (s.kernel) Kernel(*s.kernel, out);
  return out.Take();
}

}  // namespace pmdcon::app
