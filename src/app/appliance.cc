#include "app/appliance.h"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/control.h"
#include "app/metrics.h"
#include "app/source.h"
#include "app/telemetry.h"
#include "common/status.h"
#include "control/reload.h"
#include "doctor/doctor.h"
#include "doctor/host.h"
#include "engine/engine.h"
#include "io/system.h"
#include "port/port.h"

namespace pmdcon::app {
namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reload = 0;

int RunTx(void* arg) {
  static_cast<engine::Engine*>(arg)->Run();
  return 0;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "pmdcon: %s\n", std::string(s.message()).c_str());
  return 1;
}

// What the engine needs per target, from the configuration.
std::vector<engine::TargetSpec> Specs(const config::Config& c,
                                      const packet::Mac& src_mac) {
  utsname u{};
  uname(&u);
  std::vector<engine::TargetSpec> specs;
  for (const config::Target& t : c.targets) {
    engine::TargetSpec s;
    s.name = t.name;
    s.enabled = t.enabled;
    s.format = t.format;
    s.format.release_str = u.release;
    s.endpoints.src_mac = src_mac;
    s.endpoints.src_ip =
        t.dst_ip.family == 6 ? *c.port.src_ipv6 : *c.port.src_ipv4;
    s.endpoints.dst_ip = t.dst_ip;
    s.endpoints.src_port = t.src_port;
    s.endpoints.dst_port = t.dst_port;
    if (t.dst_mac) s.endpoints.dst_mac = *t.dst_mac;
    s.static_mac = t.dst_mac.has_value();
    s.max_level = t.max_level;
    s.rate_per_s = t.rate_limit.records_per_s;
    s.burst = t.rate_limit.burst;
    s.reliable = t.reliable;
    if (!t.auth_keys.empty()) {
      s.auth = t.auth_keys;
      s.format.chunk -= PMDCON_AUTH_FIELD_LEN;  // the field fits the rest
    }
    specs.push_back(std::move(s));
  }
  return specs;
}

// Prints each NIC finding of the doctor's that would stop DPDK from taking
// a device of eal.pci_allow; EAL itself skips such a device without saying
// which or why. True when there was one.
bool RefuseNics(const doctor::Host& host) {
  bool refused = false;
  for (const auto& f : doctor::CheckNics(host)) {
    if (f.verdict != doctor::Verdict::kFail) continue;
    std::fprintf(stderr, "pmdcon: %s%s: %s (fix: %s)\n",
                 f.item.rfind("NIC ", 0) == 0 ? "" : "NIC ", f.item.c_str(),
                 f.detail.c_str(), f.fix.c_str());
    refused = true;
  }
  return refused;
}

}  // namespace

absl::StatusOr<config::Config> Load(const std::string& path) {
  PMDCON_ASSIGN_OR_RETURN(auto text,
                          io::ReadUserFile(path, "configuration file"));
  absl::StatusOr<config::Config> c = config::Parse(text, path);
  if (!c.ok()) return c;
  // Keys live in their own root-only file, read on every load (a reload
  // takes a rotation).
  for (config::Target& t : c->targets) {
    if (t.auth_key_file.empty()) continue;
    absl::StatusOr<std::string> keys = io::ReadSecretFile(t.auth_key_file);
    absl::StatusOr<wire::KeyRing> ring =
        keys.ok() ? wire::ParseSenderKeys(*keys, t.auth_key_file)
                  : absl::StatusOr<wire::KeyRing>(keys.status());
    if (!ring.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(t.auth_where, ": ", ring.status().message()));
    }
    t.auth_keys = *std::move(ring);
  }
  return c;
}

namespace {

// A device on a DPDK driver that no loaded PMD matches gets no port, and
// port.id would then open another port or none. `host`: the facts
// RefuseNics judged, to name the device.
bool NoPmdTook(const config::Config& c, const doctor::Host& host) {
  for (const auto& allowed : c.eal.pci_allow) {
    const std::string addr = doctor::PciAddress(allowed);
    uint16_t pid = 0;
    if (rte_eth_dev_get_port_by_name(addr.c_str(), &pid) == 0) continue;
    doctor::Host::PciDevice dev;
    if (auto it = host.pci.find(addr); it != host.pci.end() && it->second)
      dev = *it->second;
    std::fprintf(stderr,
                 "pmdcon: NIC %s (%s, bound to %s): no DPDK poll-mode driver "
                 "took it (no PMD for this device is installed in EAL's "
                 "driver directory)\n",
                 addr.c_str(), dev.id.c_str(),
                 dev.driver.empty() ? "no driver" : dev.driver.c_str());
    return true;
  }
  return false;
}

// SIGHUP: a file that changes only the targets replaces them; anything else
// is refused, and a file that changes nothing is no reload: either way the
// engine runs on, undisturbed (a new engine would resend what reliable
// targets' collectors had not acknowledged yet). nullopt: no reload.
std::optional<control::Reload> PlanReload(const config::Config& running,
                                          const std::string& path) {
  auto file_config = Load(path);
  auto plan = file_config.ok()
                  ? control::PlanReload(running, *file_config)
                  : absl::StatusOr<control::Reload>(file_config.status());
  if (!plan.ok()) {
    std::fprintf(stderr,
                 "pmdcon: SIGHUP: %s; keeping the running configuration\n",
                 std::string(plan.status().message()).c_str());
    return std::nullopt;
  }
  if (plan->added.empty() && plan->changed.empty() && plan->removed.empty()) {
    std::fprintf(stderr, "pmdcon: SIGHUP: %s unchanged; running on\n",
                 path.c_str());
    return std::nullopt;
  }
  return *std::move(plan);
}

// The next engine's targets: they resume where the old ones confirmed; a
// target of the same name continues its counters and msgid, and an
// unchanged one its collector's state too.
std::vector<engine::TargetSpec> CarryOver(const control::Reload& r,
                                          const packet::Mac& src_mac,
                                          engine::Engine& old) {
  std::vector<engine::TargetSpec> specs = Specs(r.running, src_mac);
  for (size_t i = 0; i < specs.size(); ++i) {
    const int j = r.carried[i];
    if (j < 0) continue;
    specs[i].counters = old.stats(static_cast<size_t>(j)).Snapshot();
    specs[i].msgid = old.msgid(static_cast<size_t>(j));
    if (std::find(r.kept.begin(), r.kept.end(), specs[i].name) !=
        r.kept.end()) {
      specs[i].carry = old.TakeCarry(static_cast<size_t>(j));
    }
  }
  return specs;
}

// What ended an engine's life.
enum class End { kStop, kReload, kRingChanged, kFailed };

// What outlives every engine.
struct Plant {
  const std::string& path;  // the configuration file, read again on SIGHUP
  port::Port& port;
  Source& src;
  packet::Mac mac;
  PortSample* sample;  // for /metrics; nullptr: off
};

// What an accepted reload starts the next engine with.
struct Next {
  config::Config config;
  std::vector<engine::TargetSpec> specs;
};

// One engine on the TX lcore and the control loop beside it, until a stop,
// an accepted reload (then *next is set) or a changed ring file.
End RunOneEngine(const Plant& p, const config::Config& c, ring::StartAt at,
                 std::vector<engine::TargetSpec> specs, Next* next) {
  auto eng = engine::Engine::Create(p.src.file.bytes(), p.src.boot, at, &p.port,
                                    std::move(specs));
  if (!eng.ok()) {
    Fail(eng.status());
    return End::kFailed;
  }
  engine::Engine& e = **eng;
  std::fprintf(stderr,
               "pmdcon: port %u (%s), %zu targets, ring %s, TX on lcore %u\n",
               p.port.id(), packet::FormatMac(p.port.mac()).c_str(),
               c.targets.size(), c.source.path.c_str(), c.eal.tx_lcore);
  ShowEngine(&e);
  if (rte_eal_remote_launch(RunTx, &e, c.eal.tx_lcore) != 0) {
    std::fprintf(stderr, "pmdcon: cannot launch TX on lcore %u\n",
                 c.eal.tx_lcore);
    ShowEngine(nullptr);
    return End::kFailed;
  }
  ControlLoop loop(c, p.mac, p.port, e, p.src.watched(), p.sample);
  std::optional<control::Reload> reload;
  ControlLoop::Exit exit = ControlLoop::Exit::kStop;
  while (!reload) {
    exit = loop.Run(g_stop, g_reload);
    if (exit != ControlLoop::Exit::kReload) break;
    g_reload = 0;
    reload = PlanReload(c, p.path);
  }
  if (exit == ControlLoop::Exit::kStop) p.src.Stop();  // the engine drains it
  e.Stop();
  rte_eal_wait_lcore(c.eal.tx_lcore);
  LogStats(e);
  p.src.LogStats();
  ShowEngine(nullptr);
  const auto tx_id = static_cast<unsigned long long>(e.transmitted_id());
  switch (exit) {
    case ControlLoop::Exit::kRingChanged:
      std::fprintf(stderr,
                   "pmdcon: %s; stopped after sending what it still held "
                   "(transmitted up to id 0x%016llx). Start pmdcon again to "
                   "read the ring now there.\n",
                   loop.ring_problem().c_str(), tx_id);
      return End::kRingChanged;
    case ControlLoop::Exit::kStop:
      std::fprintf(stderr, "pmdcon: stopped; transmitted up to id 0x%016llx\n",
                   tx_id);
      return End::kStop;
    case ControlLoop::Exit::kReload:
      break;
  }
  *next = {reload->running, CarryOver(*reload, p.mac, e)};
  std::fprintf(stderr, "pmdcon: SIGHUP: %s from %s\n",
               control::Describe(*reload).c_str(), p.path.c_str());
  return End::kReload;
}

// EAL, the port and the ring, then engine after engine (one per accepted
// reload) until a stop. `host`: the facts RefuseNics judged.
int RunEngines(const config::Config& c, const std::string& path,
               const doctor::Host& host) {
  const port::EalOptions eo{c.eal.lcores,    c.eal.main_lcore,  c.eal.memory_mb,
                            c.eal.hugepages, c.stats.telemetry, c.eal.vdevs,
                            c.eal.pci_allow, c.eal.extra_args};
  if (absl::Status s = port::InitEal("pmdcon", eo); !s.ok()) return Fail(s);
  if (NoPmdTook(c, host)) return 2;
  auto port = port::Port::Open({c.port.id, c.port.rx_queue_size,
                                c.port.tx_queue_size, c.port.mtu, 8191});
  if (!port.ok()) return Fail(port.status());
  absl::StatusOr<std::unique_ptr<Source>> src = OpenSource(c);
  if (!src.ok()) return Fail(src.status());
  // What the control loops sample of the port for /metrics.
  PortSample port_sample;
  // Declared after the port, the ring and the sample: it goes first,
  // scrapes and all.
  std::unique_ptr<metrics::Server> metrics_server;
  if (!c.stats.metrics.empty()) {
    auto server = ServeMetrics(c, port_sample, **src);
    if (!server.ok()) return Fail(server.status());
    metrics_server = *std::move(server);
    std::fprintf(stderr, "pmdcon: metrics on http://%s/metrics\n",
                 metrics_server->address().c_str());
  }
  const Plant plant{path, *port, **src, c.port.src_mac.value_or(port->mac()),
                    metrics_server ? &port_sample : nullptr};
  if (c.stats.telemetry) RegisterTelemetry();
  plant.src.Start();
  Next run{c, Specs(c, plant.mac)};
  ring::StartAt at = plant.src.start;
  for (;;) {
    Next next;
    switch (RunOneEngine(plant, run.config, at, std::move(run.specs), &next)) {
      case End::kStop:
        return 0;
      case End::kRingChanged:
      case End::kFailed:
        return 1;
      case End::kReload:
        break;
    }
    run = std::move(next);
    at = ring::StartAt::kTransmitted;
  }
}

}  // namespace

int Run(const config::Config& c, const std::string& path) {
  // From the first instant: EAL and a port take seconds on real devices,
  // and a signal's default action then would kill pmdcon mid-start.
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGHUP, [](int) { g_reload = 1; });
  // Refused before EAL starts: there is no EAL to clean up, and its probe
  // would not say which device it could not take, or why.
  const doctor::Host host =
      c.eal.pci_allow.empty() ? doctor::Host() : doctor::ReadHost("/", c);
  if (RefuseNics(host)) return 2;
  const int rc = RunEngines(c, path, host);
  // The port is stopped and the engine gone. EAL's cleanup keeps the
  // runtime directory; pmdcon removes its own (named pmdcon-<pid>).
  const std::filesystem::path dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  if (dir.filename() == "pmdcon-" + std::to_string(getpid())) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return rc;
}

}  // namespace pmdcon::app
