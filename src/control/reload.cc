#include "control/reload.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pmdcon::control {
namespace {

// The first of the restart-only keys whose values differ, or "".
std::string FirstRestartKey(const config::Config& a, const config::Config& b) {
  const std::pair<std::string_view, bool> keys[] = {
      {"eal.lcores", a.eal.lcores != b.eal.lcores},
      {"eal.main_lcore", a.eal.main_lcore != b.eal.main_lcore},
      {"eal.tx_lcore", a.eal.tx_lcore != b.eal.tx_lcore},
      {"eal.memory_mb", a.eal.memory_mb != b.eal.memory_mb},
      {"eal.hugepages", a.eal.hugepages != b.eal.hugepages},
      {"eal.vdevs", a.eal.vdevs != b.eal.vdevs},
      {"eal.pci_allow", a.eal.pci_allow != b.eal.pci_allow},
      {"eal.extra_args", a.eal.extra_args != b.eal.extra_args},
      {"port.id", a.port.id != b.port.id},
      {"port.rx_queue_size", a.port.rx_queue_size != b.port.rx_queue_size},
      {"port.tx_queue_size", a.port.tx_queue_size != b.port.tx_queue_size},
      {"port.mtu", a.port.mtu != b.port.mtu},
      {"port.src_mac", a.port.src_mac != b.port.src_mac},
      {"port.src_ipv4", a.port.src_ipv4 != b.port.src_ipv4},
      {"port.src_ipv6", a.port.src_ipv6 != b.port.src_ipv6},
      {"port.neighbor_reachable_s",
       a.port.neighbor_reachable_s != b.port.neighbor_reachable_s},
      {"source.type", a.source.type != b.source.type},
      {"source.path", a.source.path != b.source.path},
      {"source.start", a.source.start != b.source.start},
      {"stats.interval_s", a.stats.interval_s != b.stats.interval_s},
      {"stats.telemetry", a.stats.telemetry != b.stats.telemetry},
      {"stats.metrics", a.stats.metrics != b.stats.metrics},
  };
  for (const auto& [key, differs] : keys) {
    if (differs) return std::string(key);
  }
  return {};
}

}  // namespace

absl::StatusOr<Reload> PlanReload(const config::Config& running,
                                  const config::Config& file) {
  // The file was validated against its own port; with the port unchanged
  // that is the running one, so every target has its source address.
  if (std::string key = FirstRestartKey(running, file); !key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(key,
                     " differs from the running configuration; it takes "
                     "effect only when pmdcon restarts"));
  }
  Reload r;
  r.running = running;
  r.running.targets = file.targets;
  for (const config::Target& t : file.targets) {
    int found = -1;
    for (size_t i = 0; i < running.targets.size(); ++i) {
      if (running.targets[i].name == t.name) found = static_cast<int>(i);
    }
    r.carried.push_back(found);
    if (found < 0) {
      r.added.push_back(t.name);
    } else if (running.targets[static_cast<size_t>(found)] == t) {
      r.kept.push_back(t.name);
    } else {
      r.changed.push_back(t.name);
    }
  }
  for (const config::Target& t : running.targets) {
    bool still = false;
    for (const config::Target& n : file.targets) still |= n.name == t.name;
    if (!still) r.removed.push_back(t.name);
  }
  return r;
}

std::string Describe(const Reload& r) {
  std::string out = absl::StrCat(r.running.targets.size(), " targets");
  const std::pair<const char*, const std::vector<std::string>*> parts[] = {
      {"added", &r.added},
      {"changed", &r.changed},
      {"removed", &r.removed},
      {"unchanged", &r.kept}};
  const char* sep = ": ";
  for (const auto& [what, names] : parts) {
    if (names->empty()) continue;
    absl::StrAppend(&out, sep, what, " ", absl::StrJoin(*names, ", "));
    sep = "; ";
  }
  return out;
}

}  // namespace pmdcon::control
