// /metrics for the appliance (stats.metrics): a metrics::Server whose
// every scrape collects a MetricsSnapshot on the server's thread (the shown
// engine's counters read as they are, under telemetry's lock; the ring's
// header; the module's sysfs; the port as the control loop last sampled
// it) and renders it. Nothing the TX lcore does waits for a scrape, and a
// scrape calls no ethdev function (they are not thread-safe).
//
//   PMDCON_ASSIGN_OR_RETURN(auto server, ServeMetrics(c, sample, src));
//   // ... engines come and go (ShowEngine), control loops sample ...
//   server.reset();  // before sample and src go
#ifndef PMDCON_APP_METRICS_H_
#define PMDCON_APP_METRICS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "app/metrics_render.h"
#include "app/port_sample.h"
#include "app/source.h"
#include "config/config.h"
#include "metrics/server.h"

namespace pmdcon::app {

// What a scrape sees now. `device`: the ring is the module's.
MetricsSnapshot CollectMetrics(const PortSample& port, const Source& src,
                               bool device);

// Serves on c.stats.metrics until destroyed; port and src must outlive it.
absl::StatusOr<std::unique_ptr<metrics::Server>> ServeMetrics(
    const config::Config& c, const PortSample& port, const Source& src);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_METRICS_H_
