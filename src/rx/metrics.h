// pmdcon-rx's /metrics: the workers' snapshots in Prometheus' text format.
// Pure: the Collector gathers the snapshots (WorkerSnapshot, built by each
// worker off its own data) and serves the text (metrics/server.h).
//
//   rx::MetricsContext ctx{.now_unix_us = io::RealtimeUsec(), ...};
//   std::string text = rx::RenderMetrics(snapshots, ctx);
//
// Names: docs/collector.md, "Metrics". Label `source` is the sender's
// "ADDR:PORT", with boot="previous" on the stream of records it kept from
// its last boot (no boot label: the current boot). At most
// MetricsContext::max_sources sources, those with the most records, have
// series; the other sources tracked are summed under source="other", the
// sources the reassemblers no longer hold (evicted for the memory budget)
// under source="evicted".
#ifndef PMDCON_RX_METRICS_H_
#define PMDCON_RX_METRICS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "rx/recv/worker.h"

namespace pmdcon::rx {

struct MetricsContext {
  std::string version;
  uint64_t now_unix_us = 0;          // for idle_seconds
  uint64_t memory_budget = 0;        // --memory_budget_mb, bytes
  std::optional<uint64_t> resident;  // RSS, if known
  size_t max_sources = 10000;        // --metrics_sources
};

// Workers without a snapshot yet (null) are left out.
std::string RenderMetrics(
    std::span<const std::shared_ptr<const WorkerSnapshot>> workers,
    const MetricsContext& ctx);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_METRICS_H_
