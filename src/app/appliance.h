// The appliance's control plane: EAL, the port, the ring, the TX engine on
// its lcore, telemetry, and the control loop on the main lcore (next-hop
// resolution, link state, TX progress, periodic stats, SIGHUP reloads).
// main() validates the configuration and hands it here.
//
//   int rc = app::Run(config, "/etc/pmdcon/pmdcon.yaml");
#ifndef PMDCON_APP_APPLIANCE_H_
#define PMDCON_APP_APPLIANCE_H_

#include <string>

#include "config/config.h"

namespace pmdcon::app {

// Runs until SIGINT or SIGTERM, then drains and returns 0; 1 on a runtime
// failure (logged). SIGHUP re-reads `path`: a file that changes only the
// targets replaces them, and a target of the same name keeps its counters
// and msgid; any other file is refused with the key that needs a restart,
// and the running targets go on undisturbed.
int Run(const config::Config& c, const std::string& path);

// Reads and validates a configuration file.
absl::StatusOr<config::Config> Load(const std::string& path);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_APPLIANCE_H_
