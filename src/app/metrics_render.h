// pmdcon's /metrics page from a plain snapshot: what app/metrics.cc
// collected (the engine's counters read as they are, the ring's header,
// the port's stats) turned into Prometheus' text format. Pure: no DPDK,
// no I/O, so the names and the arithmetic are tested on their own
// (tests/app/metrics_render_test.cc). docs/operations.md lists the names.
//
//   MetricsSnapshot s;
//   s.version = PMDCON_VERSION;
//   s.targets.push_back({.name = "collector", ...});
//   std::string text = RenderMetrics(s);
#ifndef PMDCON_APP_METRICS_RENDER_H_
#define PMDCON_APP_METRICS_RENDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace pmdcon::app {

struct MetricsSnapshot {
  std::string version;  // PMDCON_VERSION
  std::string dpdk;     // "22.11.4" (rte_version() without "DPDK ")

  struct Target {
    std::string name;
    bool reliable = false;
    engine::TargetState state = engine::TargetState::kResolving;
    engine::TargetStats::Values counters{};
    std::optional<uint64_t> acked_seq;
    std::optional<uint64_t> unacked;  // Engine::unacked
  };
  // Empty between engines (a reload swapping them, or shutting down).
  std::vector<Target> targets;

  // The ring's header and the consumer's transmitted position (ids, as in
  // include/pmdcon/ring.h), nullopt if there is no engine.
  struct Ring {
    uint64_t head = 0;
    uint64_t transmitted = 0;
    uint64_t data_size = 0;
  };
  std::optional<Ring> ring;

  struct Port {
    bool link_up = false;
    std::optional<uint64_t> tx_packets;  // rte_eth_stats opackets
    std::optional<uint64_t> tx_errors;   // ... oerrors
  };
  std::optional<Port> port;

  // The module's side, where the ring is its device.
  struct Kernel {
    uint32_t sender = 0;  // hdr->sender (PMDCON_SENDER_*), the module's
    // The module's own numbers (sysfs unsent, heartbeat_age_ms), if they
    // could be read.
    std::optional<uint64_t> unsent;
    std::optional<double> heartbeat_age_s;
  };
  std::optional<Kernel> kernel;
};

// The metric a TargetStats counter is exposed as ("records" ->
// "pmdcon_target_records_total"), and its HELP text.
struct CounterMetric {
  std::string_view name;
  std::string_view help;
};
const CounterMetric& TargetCounterMetric(size_t k);

// The state label of target_state ("off", "resolving", "active", "down").
std::string_view MetricStateName(engine::TargetState s);

std::string RenderMetrics(const MetricsSnapshot& s);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_METRICS_RENDER_H_
