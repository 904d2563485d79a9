// What a SIGHUP may change. Pure: the running configuration and the one
// just read from the file go in, the configuration to run next comes out, or
// a refusal that names the first key only a restart can apply:
//
//   auto r = control::PlanReload(running, file);
//   if (!r.ok()) log(r.status());   // "port.src_ipv6 differs from ..."
//   else restart_targets(r->running, r->carried);
//
// Targets are what a reload changes; eal, port, source and stats are read at
// start only. A target of the same name keeps its counters and msgid.
#ifndef PMDCON_CONTROL_RELOAD_H_
#define PMDCON_CONTROL_RELOAD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace pmdcon::control {

struct Reload {
  config::Config running;  // the running one with the file's targets
  // Target names: in the file only, in the running one only, in both with
  // other settings, in both unchanged.
  std::vector<std::string> added, removed, changed, kept;
  // Per target of `running`: the index of the same-named running target
  // whose counters it continues, or -1 (a new target starts from zero).
  std::vector<int> carried;
};

// FailedPrecondition naming the key (e.g. "port.src_ipv6") if the file
// changes anything but the targets.
absl::StatusOr<Reload> PlanReload(const config::Config& running,
                                  const config::Config& file);

// One line for the log: "2 targets: added b; changed a; removed c".
std::string Describe(const Reload& r);

}  // namespace pmdcon::control

#endif  // PMDCON_CONTROL_RELOAD_H_
