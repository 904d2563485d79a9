#include "app/metrics.h"

#include <rte_version.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "app/telemetry.h"
#include "common/strings.h"
#include "io/system.h"
#include "pmdcon/ring.h"

namespace pmdcon::app {
namespace {

// The module's own numbers (kmod/dev.c): the appliance's heartbeat as it
// sees it, and the records not yet sent by whoever sends now (the sent
// position validated as the module does, pmdcon_ring_cursor_check).
constexpr char kHeartbeatAge[] = "/sys/class/misc/pmdcon/heartbeat_age_ms";
constexpr char kUnsent[] = "/sys/class/misc/pmdcon/unsent";

std::string DpdkVersion() {
  std::string_view v = rte_version();
  if (v.substr(0, 5) == "DPDK ") v.remove_prefix(5);
  return std::string(v);
}

// A number from the module's sysfs, nullopt if it cannot be read.
std::optional<uint64_t> SysfsNumber(const char* path) {
  const absl::StatusOr<std::string> text = io::ReadText(path);
  uint64_t n = 0;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &n))
    return std::nullopt;
  return n;
}

void CollectTargets(const engine::Engine& e, MetricsSnapshot& s) {
  for (size_t i = 0; i < e.targets(); ++i) {
    MetricsSnapshot::Target t;
    t.name = e.spec(i).name;
    t.reliable = e.spec(i).reliable;
    t.state = e.state(i);
    t.counters = e.stats(i).Snapshot();  // relaxed loads
    if (t.reliable) {
      t.acked_seq = e.acked_seq(i);
      t.unacked = e.unacked(i);
    }
    s.targets.push_back(std::move(t));
  }
}

}  // namespace

MetricsSnapshot CollectMetrics(const PortSample& port, const Source& src,
                               bool device) {
  MetricsSnapshot s;
  s.version = PMDCON_VERSION;
  s.dpdk = DpdkVersion();
  // The ring's pages as the engine maps them (a file truncated under it
  // reads as zeros, io/mapped_file.h). The transmitted position first, then
  // the head (acquire): the TX lcore sends only what it saw under the head,
  // so a head loaded after is at or past it (the render clamps the rest).
  auto* base = src.file.bytes().data();
  const auto* hdr = reinterpret_cast<const pmdcon_ring_hdr*>(base);
  ReadShownEngine([&](const engine::Engine* e) {
    if (!e) return;
    CollectTargets(*e, s);
    const uint64_t transmitted = e->transmitted_id();
    s.ring = MetricsSnapshot::Ring{PMDCON_LOAD_ACQ(&hdr->head), transmitted,
                                   PMDCON_LOAD(&hdr->data_size)};
  });
  // As the control loop last sampled it (none yet: no port samples).
  if (port.sampled.load(std::memory_order_acquire)) {
    MetricsSnapshot::Port p;
    p.link_up = port.link_up.load(std::memory_order_relaxed);
    if (port.stats_ok.load(std::memory_order_relaxed)) {
      p.tx_packets = port.tx_packets.load(std::memory_order_relaxed);
      p.tx_errors = port.tx_errors.load(std::memory_order_relaxed);
    }
    s.port = p;
  }
  if (device) {
    MetricsSnapshot::Kernel k;
    // The module's own word (page 0 is its alone), tested as it does.
    k.sender = PMDCON_LOAD_ACQ(&hdr->sender);
    k.unsent = SysfsNumber(kUnsent);
    if (const std::optional<uint64_t> ms = SysfsNumber(kHeartbeatAge))
      k.heartbeat_age_s = static_cast<double>(*ms) / 1000.0;
    s.kernel = k;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<metrics::Server>> ServeMetrics(
    const config::Config& c, const PortSample& port, const Source& src) {
  const bool device = c.source.type == config::SourceType::kDevice;
  auto server = metrics::Server::Start(c.stats.metrics, [&port, &src, device] {
    return RenderMetrics(CollectMetrics(port, src, device));
  });
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("stats.metrics ", c.stats.metrics, ": ",
                                     server.status().message()));
  }
  return server;
}

}  // namespace pmdcon::app
