// /metrics for the appliance (stats.metrics): a metrics::Server whose
// every scrape collects a MetricsSnapshot on the server's thread (the shown
// engine's counters read as they are, under telemetry's lock; the ring's
// header; the port's link and stats) and renders it. Nothing the TX lcore
// does waits for a scrape.
//
//   PMDCON_ASSIGN_OR_RETURN(auto server, ServeMetrics(c, port, src));
//   // ... engines come and go (ShowEngine) ...
//   server.reset();  // before port and src go
#ifndef PMDCON_APP_METRICS_H_
#define PMDCON_APP_METRICS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "app/metrics_render.h"
#include "app/source.h"
#include "config/config.h"
#include "metrics/server.h"
#include "port/port.h"

namespace pmdcon::app {

// What a scrape sees now. `device`: the ring is the module's.
MetricsSnapshot CollectMetrics(const port::Port& port, const Source& src,
                               bool device);

// Serves on c.stats.metrics until destroyed; port and src must outlive it.
absl::StatusOr<std::unique_ptr<metrics::Server>> ServeMetrics(
    const config::Config& c, const port::Port& port, const Source& src);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_METRICS_H_
