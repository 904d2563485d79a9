// The control loop on the main lcore, beside the TX lcore: it moves frames
// between the port's RX queue and the targets' control half
// (target::Neighbors, target::RouteDatagram), applies each target's reach
// to the engine, and watches the link, TX progress and the ring file, with
// periodic stats. It holds no policy of its own: the decisions are in
// target/ and engine/tx_watch.h. It alone calls the port's ethdev
// functions on the main lcore: /metrics reads what it samples.
//
//   ControlLoop loop(config, src_mac, port, engine, source.watched(),
//                    &port_sample);
//   switch (loop.Run(g_stop, g_reload)) { ... }  // again after a refused
//                                                // reload: state is kept
#ifndef PMDCON_APP_CONTROL_H_
#define PMDCON_APP_CONTROL_H_

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "app/port_sample.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/tx_watch.h"
#include "io/mapped_file.h"
#include "port/port.h"
#include "target/neighbors.h"

namespace pmdcon::app {

class ControlLoop {
 public:
  enum class Exit {
    kStop,         // stop was set
    kReload,       // reload was set
    kRingChanged,  // the file ring changed under the engine: ring_problem()
  };

  // sample: where /metrics reads the port (nullptr: metrics off).
  ControlLoop(const config::Config& c, const packet::Mac& src_mac,
              port::Port& port, engine::Engine& e,
              const io::MappedFile* ring_file, PortSample* sample);

  // Until stop or reload is set (by a signal handler) or the ring changed.
  Exit Run(const volatile std::sig_atomic_t& stop,
           const volatile std::sig_atomic_t& reload);
  const std::string& ring_problem() const { return ring_problem_; }

 private:
  void Send(const uint8_t* frame, size_t len);
  void OnFrame(rte_mbuf* m, uint64_t now);
  bool TakeResponse(rte_mbuf* m);
  void FollowLink();
  void SamplePort();
  std::string RingProblem();

  port::Port& port_;
  engine::Engine& e_;
  const io::MappedFile* ring_file_;
  PortSample* sample_;
  target::Neighbors neighbors_;
  std::vector<const packet::Endpoints*> reliable_;  // per target, or nullptr
  uint32_t stats_interval_s_;
  uint64_t next_stats_ = 0;
  engine::TxWatch watch_;
  uint64_t next_watch_ = 0;
  std::string ring_problem_;
};

}  // namespace pmdcon::app

#endif  // PMDCON_APP_CONTROL_H_
