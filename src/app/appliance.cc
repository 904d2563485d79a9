#include "app/appliance.h"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "control/reload.h"
#include "doctor/doctor.h"
#include "doctor/host.h"
#include "engine/engine.h"
#include "engine/tx_watch.h"
#include "io/kmsg.h"
#include "io/mapped_file.h"
#include "io/system.h"
#include "packet/udp_parse.h"
#include "port/port.h"
#include "ring/ring.h"
#include "target/resolver.h"
#include "target/responder.h"

namespace pmdcon::app {
namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reload = 0;

// Telemetry callbacks run on DPDK's telemetry thread: they only read the
// engine's single-writer counters and state.
std::mutex g_engine_mu;  // the engine can be replaced on SIGHUP
const engine::Engine* g_engine = nullptr;

void AddTarget(rte_tel_data* d, size_t i) {
  const engine::TargetStats& s = g_engine->stats(i);
  rte_tel_data_add_dict_string(
      d, "state",
      std::string(engine::TargetStateName(g_engine->state(i))).c_str());
  for (const auto& [name, counter] : engine::TargetStats::kCounters) {
    rte_tel_data_add_dict_u64(d, name,
                              (s.*counter).load(std::memory_order_relaxed));
  }
  if (g_engine->spec(i).reliable) {
    if (const std::optional<uint64_t> acked = g_engine->acked_seq(i)) {
      rte_tel_data_add_dict_u64(d, "acked_seq", *acked);
    } else {
      rte_tel_data_add_dict_string(d, "acked_seq", "none");
    }
  }
}

int TelemetryStats(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  if (!g_engine) return -1;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "transmitted_id", g_engine->transmitted_id());
  for (size_t i = 0; i < g_engine->targets(); ++i) {
    rte_tel_data* t = rte_tel_data_alloc();
    if (!t) return -ENOMEM;
    rte_tel_data_start_dict(t);
    AddTarget(t, i);
    rte_tel_data_add_dict_container(d, g_engine->spec(i).name.c_str(), t, 0);
  }
  return 0;
}

int TelemetryTargets(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  if (!g_engine) return -1;
  rte_tel_data_start_dict(d);
  for (size_t i = 0; i < g_engine->targets(); ++i) {
    rte_tel_data_add_dict_string(
        d, g_engine->spec(i).name.c_str(),
        std::string(engine::TargetStateName(g_engine->state(i))).c_str());
  }
  return 0;
}

int RunTx(void* arg) {
  static_cast<engine::Engine*>(arg)->Run();
  return 0;
}

// One line per target: its state and every counter (a reliable target's
// acknowledgement counters and position too).
void LogStats(const engine::Engine& e) {
  for (size_t i = 0; i < e.targets(); ++i) {
    const bool reliable = e.spec(i).reliable;
    std::string line =
        absl::StrCat("pmdcon: target ", e.spec(i).name, ": ",
                     std::string(engine::TargetStateName(e.state(i))));
    const engine::TargetStats::Values v = e.stats(i).Snapshot();
    for (size_t k = 0; k < v.size(); ++k) {
      if (k >= engine::TargetStats::kReliableFrom && !reliable) break;
      std::string name = engine::TargetStats::kCounters[k].first;
      std::replace(name.begin(), name.end(), '_', ' ');
      absl::StrAppend(&line, ", ", name, " ", v[k]);
    }
    if (reliable) {
      const std::optional<uint64_t> acked = e.acked_seq(i);
      absl::StrAppend(&line, ", acked seq ",
                      acked ? std::to_string(*acked) : "none");
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

// Logs when the TX lcore stops making progress, and when it resumes
// (engine/tx_watch.h). Looks every 100 ms: the counters are the TX lcore's.
void WatchTx(const engine::Engine& e, engine::TxWatch& w, uint64_t now_us) {
  uint64_t packets = 0, retries = 0;
  for (size_t i = 0; i < e.targets(); ++i) {
    packets += e.stats(i).packets.load(std::memory_order_relaxed);
    retries += e.stats(i).tx_retries.load(std::memory_order_relaxed);
  }
  switch (w.Update(e.heartbeat(), packets, retries, now_us)) {
    case engine::TxWatch::Event::kStalled:
      std::fprintf(
          stderr,
          "pmdcon: TX stalled for %llu ms: %s; records wait "
          "in the ring\n",
          static_cast<unsigned long long>((now_us - w.last_progress()) / 1000),
          w.state() == engine::TxWatch::State::kPortRefuses
              ? "the port takes no frames (tx retries rising)"
              : "the TX lcore has not come back from the driver");
      break;
    case engine::TxWatch::Event::kResumed:
      std::fprintf(stderr, "pmdcon: TX resumed\n");
      break;
    case engine::TxWatch::Event::kNone:
      break;
  }
}

// A datagram to a reliable target's source address and port: from its
// collector, handed to the TX lcore (true: the engine took the mbuf);
// from anyone else, counted and dropped. Read here, where ARP and NDP are
// answered, rather than on the TX lcore: a response is due about once a
// second, and polling the RX queue there would cost every record.
bool TakeResponse(engine::Engine& e, rte_mbuf* m) {
  packet::Datagram d;
  const packet::UdpParse parsed =
      packet::ParseUdp(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, &d);
  if (parsed == packet::UdpParse::kBadIpChecksum ||
      parsed == packet::UdpParse::kBadUdpChecksum) {
    // Counted against the target whose source address it was sent to (a
    // bad IP checksum leaves the ports unread: the address alone).
    for (size_t i = 0; i < e.targets(); ++i) {
      const engine::TargetSpec& s = e.spec(i);
      if (s.reliable && d.dst_ip == s.endpoints.src_ip &&
          (parsed == packet::UdpParse::kBadIpChecksum ||
           d.dst_port == s.endpoints.src_port)) {
        e.CountBadChecksum(i);
        break;
      }
    }
    return false;
  }
  if (parsed != packet::UdpParse::kOk) return false;
  std::optional<size_t> to;  // the first reliable target at this port
  for (size_t i = 0; i < e.targets(); ++i) {
    const engine::TargetSpec& s = e.spec(i);
    if (!s.reliable || d.dst_port != s.endpoints.src_port ||
        d.dst_ip != s.endpoints.src_ip) {
      continue;
    }
    if (!to) to = i;
    if (d.src_ip != s.endpoints.dst_ip || d.src_port != s.endpoints.dst_port) {
      continue;  // perhaps another target's collector
    }
    rte_pktmbuf_adj(m, static_cast<uint16_t>(d.payload.data() -
                                             rte_pktmbuf_mtod(m, const char*)));
    rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - d.payload.size()));
    e.SendResponse(i, m);  // counted if its queue is full
    return true;
  }
  if (to) e.CountForeign(*to);  // from none of their collectors
  return false;
}

// What the control loop keeps for one engine: a refused SIGHUP returns to it
// with its resolvers and link state as they were.
struct ControlState {
  std::vector<std::unique_ptr<target::Resolver>> resolvers;  // per target
  std::unique_ptr<target::Responder> responder;  // ARP/NDP for our addresses
  uint64_t next_stats = 0;
  bool link_up = false;
  engine::TxWatch watch;
  uint64_t next_watch = 0;
  std::string ring_problem;  // set: the file ring changed; stop
};

ControlState NewControlState(const config::Config& c,
                             const packet::Mac& src_mac, port::Port& port,
                             const engine::Engine& e) {
  ControlState st;
  // One resolver per target that needs one (the next hop: gateway or dst).
  st.resolvers.resize(c.targets.size());
  for (size_t i = 0; i < c.targets.size(); ++i) {
    const config::Target& t = c.targets[i];
    if (t.dst_mac || !t.enabled) continue;
    target::Resolver::Options o;
    o.reachable_us = uint64_t{c.port.neighbor_reachable_s} * 1000000;
    st.resolvers[i] = std::make_unique<target::Resolver>(
        src_mac, e.spec(i).endpoints.src_ip, t.gateway.value_or(t.dst_ip), o);
  }
  st.responder = std::make_unique<target::Responder>(src_mac, c.port.src_ipv4,
                                                     c.port.src_ipv6);
  st.next_stats = io::MonotonicUsec() + uint64_t{c.stats.interval_s} * 1000000;
  st.link_up = port.LinkUp();
  return st;
}

// A file ring changed under the engine: why, or "" if it did not. Removed or
// replaced, the old file stays mapped and readable (the engine drains it);
// truncated or reformatted, what it held is gone.
std::string RingProblem(engine::Engine& e, const io::MappedFile* file) {
  if (!file) return "";
  if (const io::MappedFile::FileState s = file->Check();
      s != io::MappedFile::FileState::kIntact) {
    return absl::StrCat(file->path(), ": the ring file was ", file->Describe(s),
                        " while in use");
  }
  if (std::string gone = e.CheckRing(); !gone.empty()) {
    return absl::StrCat(file->path(), ": ", gone);
  }
  return "";
}

// The control loop on the main lcore, until SIGINT/SIGTERM or SIGHUP, or a
// file ring that changed under it: next-hop resolution, link state, TX
// progress, periodic stats.
void Control(const config::Config& c, port::Port& port, engine::Engine& e,
             const io::MappedFile* ring_file, ControlState& st) {
  auto& [resolvers, responder, next_stats, link_up, watch, next_watch,
         ring_problem] = st;
  rte_mbuf* rx[32];
  while (!g_stop && !g_reload) {
    const uint64_t now = io::MonotonicUsec();
    if (now >= next_watch) {
      WatchTx(e, watch, now);
      next_watch = now + 100000;
      ring_problem = RingProblem(e, ring_file);
      if (!ring_problem.empty()) return;
    }
    for (const auto& r : resolvers) {
      if (!r) continue;
      rte_mbuf* m = rte_pktmbuf_alloc(port.pool());
      if (!m) continue;
      const size_t n = r->Poll(now, rte_pktmbuf_mtod(m, uint8_t*),
                               target::Resolver::kMaxFrame);
      if (n) {
        m->data_len = static_cast<uint16_t>(n);
        m->pkt_len = static_cast<uint32_t>(n);
        e.SendControl(m);  // the TX queue is the engine's
      } else {
        rte_pktmbuf_free(m);
      }
    }
    const uint16_t n = port.RxBurst(rx, 32);
    for (uint16_t k = 0; k < n; ++k) {
      const auto* f = rte_pktmbuf_mtod(rx[k], const uint8_t*);
      uint8_t reply[target::Responder::kMaxFrame];
      if (const size_t len =
              responder->OnFrame(f, rx[k]->data_len, reply, sizeof(reply))) {
        if (rte_mbuf* m = rte_pktmbuf_alloc(port.pool())) {
          std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), reply, len);
          m->data_len = static_cast<uint16_t>(len);
          m->pkt_len = static_cast<uint32_t>(len);
          e.SendControl(m);
        }
      }
      for (size_t i = 0; i < resolvers.size(); ++i) {
        target::Resolver* r = resolvers[i].get();
        if (r && r->OnFrame(f, rx[k]->data_len, now) && link_up) {
          e.SetMac(i, r->mac());
        }
      }
      if (!TakeResponse(e, rx[k])) rte_pktmbuf_free(rx[k]);
    }
    for (size_t i = 0; i < resolvers.size(); ++i) {
      if (resolvers[i] && !resolvers[i]->usable() &&
          e.state(i) == engine::TargetState::kActive) {
        e.SetState(i, engine::TargetState::kResolving);  // neighbor gone
      }
    }
    if (const bool up = port.LinkUp(); up != link_up) {
      link_up = up;
      std::fprintf(stderr, "pmdcon: port %u link %s\n", port.id(),
                   up ? "up" : "down");
      for (size_t i = 0; i < e.targets(); ++i) {
        if (e.state(i) == engine::TargetState::kDisabled) continue;
        const bool ready = !resolvers[i] || resolvers[i]->usable();
        const engine::TargetState to = !up ? engine::TargetState::kDeactivated
                                       : ready
                                           ? engine::TargetState::kActive
                                           : engine::TargetState::kResolving;
        e.SetState(i, to);
        // Operators see why records wait in the ring, and when they move.
        std::fprintf(stderr, "pmdcon: target %s: %s (link %s)\n",
                     e.spec(i).name.c_str(),
                     std::string(engine::TargetStateName(to)).c_str(),
                     up ? "up" : "down");
      }
    }
    if (c.stats.interval_s && now >= next_stats) {
      LogStats(e);
      next_stats = now + uint64_t{c.stats.interval_s} * 1000000;
    }
    const timespec ms{0, 1000000};
    nanosleep(&ms, nullptr);
  }
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

// `host`: the facts RefuseNics judged, to name a device no PMD took.
int RunEngine(const config::Config& initial, const std::string& path,
              const doctor::Host& host) {
  config::Config c = initial;  // its targets change on SIGHUP
  port::EalOptions eo{c.eal.lcores,    c.eal.main_lcore,  c.eal.memory_mb,
                      c.eal.hugepages, c.stats.telemetry, c.eal.vdevs,
                      c.eal.pci_allow, c.eal.extra_args};
  if (absl::Status s = port::InitEal("pmdcon", eo); !s.ok()) {
    std::fprintf(stderr, "pmdcon: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  // A device on a DPDK driver that no loaded PMD matches gets no port, and
  // port.id would then open another port or none.
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
    return 2;
  }
  auto port = port::Port::Open({c.port.id, c.port.rx_queue_size,
                                c.port.tx_queue_size, c.port.mtu, 8191});
  if (!port.ok()) {
    std::fprintf(stderr, "pmdcon: %s\n",
                 std::string(port.status().message()).c_str());
    return 1;
  }
  // The ring: the module's device or a file, mapped; or for kmsg a private
  // ring in memory that a reader thread fills from /dev/kmsg.
  const bool kmsg = c.source.type == config::SourceType::kKmsg;
  auto file = kmsg ? io::MappedFile::Anonymous(16u << 20)
                   : io::MappedFile::Open(c.source.path,
                                          io::MappedFile::Access::kConsumer);
  auto boot = io::ReadBootId();
  auto salt = io::RandomU64();
  if (!file.ok() || !boot.ok() || !salt.ok()) {
    const absl::Status& st = !file.ok()   ? file.status()
                             : !boot.ok() ? boot.status()
                                          : salt.status();
    std::fprintf(stderr, "pmdcon: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  // A ring that is not one is refused here, by its path, before any engine.
  if (!kmsg) {
    auto probe = ring::Consumer::Attach(
        file->bytes(), *boot, ring::StartAt::kOldest, ring::Role::kObserver);
    if (!probe.ok()) {
      std::fprintf(stderr, "pmdcon: %s: %s\n", c.source.path.c_str(),
                   std::string(probe.status().message()).c_str());
      return 1;
    }
  }
  pmdcon_ring kmsg_ring;
  std::unique_ptr<io::KmsgReader> kmsg_reader;
  if (kmsg) {
    pmdcon_ring_format(&kmsg_ring, file->bytes().data(), file->bytes().size(),
                       boot->data(), *salt);
    // /dev/kmsg keeps no position of ours: "transmitted" means from now on.
    auto r = io::KmsgReader::Open(
        c.source.path, c.source.start != config::StartAt::kOldest, &kmsg_ring);
    if (!r.ok()) {
      std::fprintf(stderr, "pmdcon: %s\n",
                   std::string(r.status().message()).c_str());
      return 1;
    }
    kmsg_reader = std::move(*r);
  }
  const packet::Mac src_mac = c.port.src_mac.value_or(port->mac());
  const ring::StartAt start = kmsg ? ring::StartAt::kOldest
                              : c.source.start == config::StartAt::kOldest
                                  ? ring::StartAt::kOldest
                              : c.source.start == config::StartAt::kNewest
                                  ? ring::StartAt::kNewest
                                  : ring::StartAt::kTransmitted;
  if (c.stats.telemetry) {
    rte_telemetry_register_cmd("/pmdcon/stats", TelemetryStats,
                               "Per-target counters and state. No parameters");
    rte_telemetry_register_cmd("/pmdcon/targets", TelemetryTargets,
                               "Target names and states. No parameters");
  }
  if (kmsg_reader) kmsg_reader->Start();
  ring::StartAt at = start;
  std::vector<engine::TargetSpec> specs = Specs(c, src_mac);
  for (;;) {
    auto eng = engine::Engine::Create(file->bytes(), *boot, at, &*port, specs);
    if (!eng.ok()) {
      std::fprintf(stderr, "pmdcon: %s\n",
                   std::string(eng.status().message()).c_str());
      return 1;
    }
    engine::Engine& e = **eng;
    std::fprintf(stderr,
                 "pmdcon: port %u (%s), %zu targets, ring %s, TX on lcore %u\n",
                 port->id(), packet::FormatMac(port->mac()).c_str(),
                 c.targets.size(), c.source.path.c_str(), c.eal.tx_lcore);
    {
      std::lock_guard<std::mutex> lock(g_engine_mu);
      g_engine = &e;
    }
    if (rte_eal_remote_launch(RunTx, &e, c.eal.tx_lcore) != 0) {
      std::fprintf(stderr, "pmdcon: cannot launch TX on lcore %u\n",
                   c.eal.tx_lcore);
      return 1;
    }
    // SIGHUP: a file that changes only the targets replaces them; anything
    // else is refused, and a file that changes nothing is no reload: either
    // way the engine runs on, undisturbed (a new engine would resend what
    // reliable targets' collectors had not acknowledged yet).
    ControlState st = NewControlState(c, src_mac, *port, e);
    std::optional<control::Reload> reload;
    while (!g_stop && !reload) {
      Control(c, *port, e, kmsg ? nullptr : &*file, st);
      if (g_stop || !st.ring_problem.empty()) break;
      g_reload = 0;
      auto file_config = Load(path);
      auto plan = file_config.ok()
                      ? control::PlanReload(c, *file_config)
                      : absl::StatusOr<control::Reload>(file_config.status());
      if (!plan.ok()) {
        std::fprintf(stderr,
                     "pmdcon: SIGHUP: %s; keeping the running configuration\n",
                     std::string(plan.status().message()).c_str());
        continue;
      }
      if (plan->added.empty() && plan->changed.empty() &&
          plan->removed.empty()) {
        std::fprintf(stderr, "pmdcon: SIGHUP: %s unchanged; running on\n",
                     path.c_str());
        continue;
      }
      reload = std::move(*plan);
    }
    if (g_stop && kmsg_reader) kmsg_reader->Stop();  // the engine drains it
    e.Stop();
    rte_eal_wait_lcore(c.eal.tx_lcore);
    LogStats(e);
    if (kmsg_reader) {
      std::fprintf(stderr,
                   "pmdcon: kmsg: records %llu, overrun %llu (overwritten in "
                   "the kernel before read), malformed %llu\n",
                   static_cast<unsigned long long>(kmsg_reader->records()),
                   static_cast<unsigned long long>(kmsg_reader->missed()),
                   static_cast<unsigned long long>(kmsg_reader->malformed()));
    }
    {
      std::lock_guard<std::mutex> lock(g_engine_mu);
      g_engine = nullptr;
    }
    if (!st.ring_problem.empty()) {
      std::fprintf(stderr,
                   "pmdcon: %s; stopped after sending what it still held "
                   "(transmitted up to id 0x%016llx). Start pmdcon again to "
                   "read the ring now there.\n",
                   st.ring_problem.c_str(),
                   static_cast<unsigned long long>(e.transmitted_id()));
      return 1;
    }
    if (g_stop) {
      std::fprintf(stderr, "pmdcon: stopped; transmitted up to id 0x%016llx\n",
                   static_cast<unsigned long long>(e.transmitted_id()));
      return 0;
    }
    // The new targets resume where the old ones confirmed; a target of the
    // same name continues its counters and msgid.
    c = reload->running;
    specs = Specs(c, src_mac);
    for (size_t i = 0; i < specs.size(); ++i) {
      if (const int j = reload->carried[i]; j >= 0) {
        specs[i].counters = e.stats(static_cast<size_t>(j)).Snapshot();
        specs[i].msgid = e.msgid(static_cast<size_t>(j));
        // Unchanged: it goes on where it was, its collector's state kept.
        if (std::find(reload->kept.begin(), reload->kept.end(),
                      specs[i].name) != reload->kept.end()) {
          specs[i].carry = e.TakeCarry(static_cast<size_t>(j));
        }
      }
    }
    std::fprintf(stderr, "pmdcon: SIGHUP: %s from %s\n",
                 control::Describe(*reload).c_str(), path.c_str());
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
  const int rc = RunEngine(c, path, host);
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
