// pmdcon-rx's whole job, which main() only configures: workers (a thread
// each, with its sockets, reassembler and outputs) fed from UDP or a pcap
// file, the control loop (stop, SIGUSR1 summaries, SIGHUP: files reopened
// and keys read again), and the report at the end (summary, CPU, the
// oracle's verdict).
//
//   rx::CollectorOptions o = ...;               // from the flags
//   auto c = rx::Collector::Open(std::move(o)); // sockets bound, outputs open
//   absl::Status st = (*c)->Run(&signals);      // until a stop
//   return (*c)->Report();                      // 0, or 1 if the oracle failed
#ifndef PMDCON_RX_COLLECTOR_H_
#define PMDCON_RX_COLLECTOR_H_

#include <csignal>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "metrics/server.h"
#include "rx/format/output.h"
#include "rx/oracle.h"
#include "rx/recv/pcap.h"
#include "rx/recv/udp.h"
#include "rx/recv/worker.h"
#include "rx/sinks/open_sink.h"
#include "wire/auth_keys.h"
#include "wire/reassembler.h"

namespace pmdcon::rx {

struct CollectorOptions {
  std::vector<ListenSpec> listen;
  std::string pcap;  // read this capture instead of listening (one worker)
  uint32_t workers = 1;
  int rcvbuf = 32 << 20;
  std::string output;  // in `format`; "-": standard output, "": none
  Format format = Format::kText;
  std::vector<std::string> sinks;   // SinkSpecs' outputs
  uint64_t queue_bytes = 64 << 20;  // all peer outputs' queues, split
  std::string spill_dir;
  uint64_t spill_bytes = 1ull << 30;       // split as well
  uint64_t memory_budget = 256 << 20;      // the whole process, resident
  wire::Reassembler::Options reassembler;  // memory_budget: Open's share
  std::string auth_keys;          // read again on SIGHUP; reassembler.auth: now
  uint64_t count = 0;             // stop after this many records
  double duration = 0, idle = 0;  // seconds; 0: no limit
  uint64_t drain_us = 10'000'000;
  std::string ready_file;  // created once listening
  std::string metrics;     // --metrics: serve /metrics on HOST:PORT; "": off
  size_t metrics_sources = 10000;  // sources with series of their own
  Oracle::Options oracle;
#ifdef PMDCON_TEST_HOOKS
  std::string ignore_text;
#endif
};

class Collector {
 public:
  // Set by signal handlers, read by Run.
  struct Signals {
    volatile std::sig_atomic_t stop = 0;     // SIGINT, SIGTERM
    volatile std::sig_atomic_t summary = 0;  // SIGUSR1
    volatile std::sig_atomic_t hup = 0;      // SIGHUP
  };

  // Binds the sockets and opens the outputs; an InvalidArgument error is a
  // bad option (a budget too small, a --sink nobody speaks).
  static absl::StatusOr<std::unique_ptr<Collector>> Open(CollectorOptions o);
  // Receives until --count, --duration, --idle or a stop; a worker's
  // failure is the error.
  absl::Status Run(Signals* signals);
  // Prints the summary, the CPU used and the oracle's verdict to stderr;
  // returns the exit code (1 if the oracle failed).
  int Report();

  // Reads an --auth_keys file (mode 600).
  static absl::StatusOr<std::shared_ptr<const wire::ReceiverKeys>> LoadKeys(
      const std::string& path);

 private:
  explicit Collector(CollectorOptions o);
  absl::Status Listen();
  absl::Status OpenOutputs(SinkFactory* factory, uint64_t* queues);
  void Reload();  // SIGHUP
  absl::Status RunPcap();
  // GET /metrics, on the server's thread: asks the workers for snapshots,
  // waits a little for them, renders what it has.
  std::string MetricsText();
  std::mutex metrics_mu_;  // one MetricsText at a time

  CollectorOptions o_;
  std::vector<std::optional<UdpReceiver>> receivers_;
  std::string listening_;  // printed once everything is set up
  std::unique_ptr<SinkFactory> factory_;
  std::vector<std::vector<std::unique_ptr<Sink>>> sinks_;
  WorkerControl control_;
  std::vector<std::unique_ptr<Worker>> pool_;
  PcapStats pcap_stats_;
  // Last: stopped (its thread joined) before the workers go.
  std::unique_ptr<metrics::Server> metrics_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_COLLECTOR_H_
