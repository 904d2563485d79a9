// The port as the control loop last saw it, for /metrics: the link as it
// judges it (every pass, 1 ms) and the port's TX counters (sampled on its
// 100 ms tick). DPDK's ethdev calls are not thread-safe: the metrics
// thread reads these instead of calling rte_eth_stats_get and
// rte_eth_link_get_nowait beside the control loop. Outlives every engine
// (and so every control loop); the last sample stays between two.
//
//   PortSample sample;                       // before the metrics server
//   ControlLoop loop(c, mac, port, e, ring_file, &sample);
//   if (sample.sampled.load(std::memory_order_acquire)) ...
#ifndef PMDCON_APP_PORT_SAMPLE_H_
#define PMDCON_APP_PORT_SAMPLE_H_

#include <atomic>
#include <cstdint>

namespace pmdcon::app {

struct PortSample {
  std::atomic<bool> link_up{false};
  std::atomic<bool> stats_ok{false};    // the last rte_eth_stats_get worked
  std::atomic<uint64_t> tx_packets{0};  // rte_eth_stats opackets
  std::atomic<uint64_t> tx_errors{0};   // ... oerrors
  // Set (release) once the fields above hold a sample: until then a
  // scrape has no port to show.
  std::atomic<bool> sampled{false};
};

}  // namespace pmdcon::app

#endif  // PMDCON_APP_PORT_SAMPLE_H_
