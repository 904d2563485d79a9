#include "app/control.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <time.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "app/telemetry.h"
#include "io/system.h"
#include "packet/udp_parse.h"
#include "target/inbound.h"

namespace pmdcon::app {
namespace {

std::vector<target::Neighbors::Target> Hops(const config::Config& c,
                                            const engine::Engine& e) {
  std::vector<target::Neighbors::Target> hops;
  for (size_t i = 0; i < c.targets.size(); ++i) {
    const config::Target& t = c.targets[i];
    hops.push_back({t.enabled, t.dst_mac.has_value(),
                    e.spec(i).endpoints.src_ip, t.gateway.value_or(t.dst_ip)});
  }
  return hops;
}

target::Resolver::Options ResolverOptions(const config::Config& c) {
  target::Resolver::Options o;
  o.reachable_us = uint64_t{c.port.neighbor_reachable_s} * 1000000;
  return o;
}

engine::TargetState StateOf(target::Reach r) {
  switch (r) {
    case target::Reach::kOff:
      return engine::TargetState::kDisabled;
    case target::Reach::kResolving:
      return engine::TargetState::kResolving;
    case target::Reach::kReady:
      return engine::TargetState::kActive;
    case target::Reach::kLinkDown:
      return engine::TargetState::kDeactivated;
  }
  return engine::TargetState::kDisabled;
}

}  // namespace

ControlLoop::ControlLoop(const config::Config& c, const packet::Mac& src_mac,
                         port::Port& port, engine::Engine& e,
                         const io::MappedFile* ring_file, PortSample* sample)
    : port_(port),
      e_(e),
      ring_file_(ring_file),
      sample_(sample),
      neighbors_(src_mac, c.port.src_ipv4, c.port.src_ipv6, Hops(c, e),
                 ResolverOptions(c), port.LinkUp()),
      stats_interval_s_(c.stats.interval_s) {
  for (size_t i = 0; i < e.targets(); ++i) {
    reliable_.push_back(e.spec(i).reliable ? &e.spec(i).endpoints : nullptr);
  }
  next_stats_ = io::MonotonicUsec() + uint64_t{stats_interval_s_} * 1000000;
}

ControlLoop::Exit ControlLoop::Run(const volatile std::sig_atomic_t& stop,
                                   const volatile std::sig_atomic_t& reload) {
  const auto send = [this](const uint8_t* f, size_t n) { Send(f, n); };
  rte_mbuf* rx[32];
  while (!stop && !reload) {
    const uint64_t now = io::MonotonicUsec();
    const bool tick = now >= next_watch_;
    if (tick) {
      WatchTx(e_, watch_, now);
      next_watch_ = now + 100000;
      ring_problem_ = RingProblem();
      if (!ring_problem_.empty()) return Exit::kRingChanged;
    }
    neighbors_.Poll(now, send);
    const uint16_t n = port_.RxBurst(rx, 32);
    for (uint16_t k = 0; k < n; ++k) OnFrame(rx[k], now);
    for (size_t i = 0; i < e_.targets(); ++i) {
      if (neighbors_.reach(i) == target::Reach::kResolving &&
          e_.state(i) == engine::TargetState::kActive) {
        e_.SetState(i, engine::TargetState::kResolving);  // neighbor gone
      }
    }
    FollowLink();
    if (tick && sample_) SamplePort();
    if (stats_interval_s_ && now >= next_stats_) {
      LogStats(e_);
      next_stats_ = now + uint64_t{stats_interval_s_} * 1000000;
    }
    const timespec ms{0, 1000000};
    nanosleep(&ms, nullptr);
  }
  return stop ? Exit::kStop : Exit::kReload;
}

// ARP and NDP frames go out through the engine: the TX queue is its alone.
void ControlLoop::Send(const uint8_t* frame, size_t len) {
  rte_mbuf* m = rte_pktmbuf_alloc(port_.pool());
  if (!m) return;  // asked again at the next deadline
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), frame, len);
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  e_.SendControl(m);
}

void ControlLoop::OnFrame(rte_mbuf* m, uint64_t now) {
  neighbors_.OnFrame(
      rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, now,
      [this](const uint8_t* f, size_t n) { Send(f, n); },
      [this](size_t i, const packet::Mac& mac) { e_.SetMac(i, mac); });
  if (!TakeResponse(m)) rte_pktmbuf_free(m);
}

// A collector's datagram goes to the TX lcore (true: the engine took the
// mbuf). Read here, where ARP and NDP are answered, rather than on the TX
// lcore: a response is due about once a second, and polling the RX queue
// there would cost every record.
bool ControlLoop::TakeResponse(rte_mbuf* m) {
  packet::Datagram d;
  const packet::UdpParse parsed =
      packet::ParseUdp(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, &d);
  const target::Inbound in = target::RouteDatagram(parsed, d, reliable_);
  switch (in.kind) {
    case target::Inbound::Kind::kNone:
      return false;
    case target::Inbound::Kind::kBadChecksum:
      e_.CountBadChecksum(in.target);
      return false;
    case target::Inbound::Kind::kForeign:
      e_.CountForeign(in.target);
      return false;
    case target::Inbound::Kind::kResponse:
      break;
  }
  rte_pktmbuf_adj(m, static_cast<uint16_t>(d.payload.data() -
                                           rte_pktmbuf_mtod(m, const char*)));
  rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - d.payload.size()));
  e_.SendResponse(in.target, m);  // counted if its queue is full
  return true;
}

void ControlLoop::FollowLink() {
  const bool up = port_.LinkUp();
  if (sample_) sample_->link_up.store(up, std::memory_order_relaxed);
  if (!neighbors_.SetLink(up)) return;
  std::fprintf(stderr, "pmdcon: port %u link %s\n", port_.id(),
               up ? "up" : "down");
  for (size_t i = 0; i < e_.targets(); ++i) {
    if (e_.state(i) == engine::TargetState::kDisabled) continue;
    const engine::TargetState to = StateOf(neighbors_.reach(i));
    e_.SetState(i, to);
    // Operators see why records wait in the ring, and when they move.
    std::fprintf(
        stderr, "pmdcon: target %s: %s (link %s)\n", e_.spec(i).name.c_str(),
        std::string(engine::TargetStateName(to)).c_str(), up ? "up" : "down");
  }
}

// The port's TX counters for /metrics, on the 100 ms tick (after
// FollowLink: the link is this pass's). Here, not on the metrics thread:
// ethdev's calls are not thread-safe, and this loop polls the link.
void ControlLoop::SamplePort() {
  rte_eth_stats st{};
  const bool ok = rte_eth_stats_get(port_.id(), &st) == 0;
  if (ok) {
    sample_->tx_packets.store(st.opackets, std::memory_order_relaxed);
    sample_->tx_errors.store(st.oerrors, std::memory_order_relaxed);
  }
  sample_->stats_ok.store(ok, std::memory_order_relaxed);
  sample_->sampled.store(true, std::memory_order_release);
}

// A file ring changed under the engine: why, or "" if it did not. Removed
// or replaced, the old file stays mapped and readable (the engine drains
// it); truncated or reformatted, what it held is gone.
std::string ControlLoop::RingProblem() {
  if (!ring_file_) return "";
  if (const io::MappedFile::FileState s = ring_file_->Check();
      s != io::MappedFile::FileState::kIntact) {
    return absl::StrCat(ring_file_->path(), ": the ring file was ",
                        ring_file_->Describe(s), " while in use");
  }
  if (std::string gone = e_.CheckRing(); !gone.empty()) {
    return absl::StrCat(ring_file_->path(), ": ", gone);
  }
  return "";
}

}  // namespace pmdcon::app
