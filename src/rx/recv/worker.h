// pmdcon-rx's receive workers. Each runs on a thread of its own with its own
// sockets, reassembler and outputs. The sockets of all workers share their
// addresses (SO_REUSEPORT) and the kernel steers each source to one worker
// (UdpReceiver::SteerBySource): a source's reassembly, dedupe and
// acknowledgement state live in one worker and its records leave in order.
// On the way from socket to output the workers share a counter of records
// and, for a file or standard output, the file's lock (rx/file_sink.h).
//
//   WorkerControl control;
//   Worker w(0, std::move(receiver), reassembler_options, std::move(sinks),
//            &control);
//   std::thread t([&] { w.Run(drain_us); });
//   control.Stop(WorkerControl::State::kSignal);  // from main, on SIGTERM
//   t.join();
#ifndef PMDCON_RX_RECV_WORKER_H_
#define PMDCON_RX_RECV_WORKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "rx/recv/udp.h"
#include "rx/sinks/sink.h"
#include "wire/reassembler.h"

namespace pmdcon::rx {

// What main and the workers share.
struct WorkerControl {
  enum class State : uint8_t {
    kRunning,
    kDone,    // --count, --duration or --idle reached
    kSignal,  // SIGINT/SIGTERM: read what the sockets hold, then stop
    kFailed,  // a worker's socket failed (Worker::error)
  };
  // The first reason to stop wins.
  void Stop(State why) {
    State running = State::kRunning;
    state.compare_exchange_strong(running, why);
  }
  bool running() const { return state.load() == State::kRunning; }

  std::atomic<State> state{State::kRunning};
  // Written by workers, read by workers (--count) and main (--idle).
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> last_datagram_us{0};
  // Bumped by main on SIGUSR1; each worker prints its part when it sees it.
  std::atomic<uint32_t> summaries{0};
  // --auth_keys: main publishes new keys (SIGHUP) and bumps auth_gen; each
  // worker takes them at its next pass.
  std::mutex auth_mu;
  std::shared_ptr<const wire::ReceiverKeys> auth;  // guarded by auth_mu
  std::atomic<uint32_t> auth_gen{0};
  void PublishAuth(std::shared_ptr<const wire::ReceiverKeys> keys) {
    std::lock_guard<std::mutex> l(auth_mu);
    auth = std::move(keys);
    auth_gen.fetch_add(1);
  }
  uint64_t count = 0;  // stop at this many records delivered (0: never)
  // /metrics (--metrics): the scraper bumps metrics_gen and each worker
  // publishes a WorkerSnapshot at its next pass (at most kMaxWaitUs on),
  // with at most metrics_sources sources of its own (--metrics_sources).
  bool metrics = false;
  size_t metrics_sources = 10000;
  std::atomic<uint64_t> metrics_gen{0};

#ifdef PMDCON_TEST_HOOKS
  // --ignore_text (-Dtest_hooks=true): datagrams holding this text from
  // the first source that sent one are dropped, whichever worker sees them.
  std::string ignore_text;
  std::mutex ignore_mu;
  std::optional<wire::SourceKey> ignore_from;  // guarded by ignore_mu
  std::atomic<uint64_t> ignored{0};
#endif
};

// What /metrics shows of one worker, built by the worker off its own data
// (the scraper never touches a reassembler) with times on the wall clock.
// Plain values, no containers but the rows: a source row is 320
// bytes (docs/collector.md, "What a scrape costs").
struct WorkerSnapshot {
  struct Source {
    std::string name;  // "ADDR:PORT" (EndpointName), "other" or "evicted"
    bool previous_boot = false;  // records kept from the sender's last boot
    wire::SourceCounters st;
    uint64_t last_record_unix_us = 0;  // 0: never
    uint64_t last_panic_unix_us = 0;
  };
  struct Output {
    std::string name;
    SinkStats st;
    uint64_t pending = 0;  // records
    std::optional<uint64_t> queued_bytes;
  };
  uint64_t gen = 0;  // WorkerControl::metrics_gen it answers
  int worker = 0;
  uint64_t datagrams = 0;
  // At most WorkerControl::metrics_sources: those with the most records.
  std::vector<Source> sources;
  uint64_t tracked = 0;  // sources the reassembler holds, `other`'s too
  Source other;          // name "other": the tracked sources left out
  Source evicted;        // name "evicted": all evicted sources' counters
  std::vector<Output> outputs;
  uint64_t memory_budget = 0;  // this worker's reassembly share, bytes
  wire::Reassembler::BudgetStats budget;
};

// Records of a row: extended records and basic-mode chunks (the rank of
// --metrics_sources).
inline uint64_t RecordsOf(const WorkerSnapshot::Source& r) {
  return r.st.records + r.st.basic_chunks;
}
// Adds `from` to `to`: counters, the latest times; `missing` too (a gauge
// of the sources tracked, summed).
void AddRow(WorkerSnapshot::Source* to, const WorkerSnapshot::Source& from);

class Worker {
 public:
  // receiver: none when main feeds datagrams from a pcap file.
  Worker(int index, std::optional<UdpReceiver> receiver,
         const wire::Reassembler::Options& options,
         std::vector<std::unique_ptr<Sink>> sinks, WorkerControl* control);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Receives until control->state leaves kRunning (after a signal it first
  // reads what the kernel already queued, for at most a second), then
  // Finish(drain_us).
  void Run(uint64_t drain_us);
  // One datagram received at now_us (main's pcap reading).
  void Feed(const wire::SourceKey& from, std::string_view payload,
            uint64_t now_us);
  // The outputs deliver what they hold, for up to drain_us.
  void Finish(uint64_t drain_us);

  int index() const { return index_; }
  const wire::Reassembler& reassembler() const { return reasm_; }
  const std::vector<std::unique_ptr<Sink>>& sinks() const { return sinks_; }
  uint64_t delivered() const;
  uint64_t unsent_responses() const;
  // Datagrams fed, every one (sources evicted since included).
  uint64_t datagrams() const { return datagrams_; }
  // Why Run stopped early (a receive error), or OK.
  const absl::Status& error() const { return error_; }

  // Any thread: takes the snapshot the worker published last (null if
  // none since the last take), and whether the worker is done. Once it is,
  // its final snapshot is kept and every take shares it.
  std::shared_ptr<const WorkerSnapshot> TakeSnapshot();
  bool finished() const { return finished_.load(); }

 private:
  class Delivery;

  uint64_t PollSinks(uint64_t now_us);
  void ReportTrouble(uint64_t now_us);
  struct Reported {  // per sink: what ReportTrouble said last
    std::string trouble;
    uint64_t at_us = 0;
    uint64_t failed = 0;
  };
  std::vector<Reported> reported_;
  uint64_t next_trouble_look_us_ = 0;

  const int index_;
  uint64_t datagrams_ = 0;  // this worker's thread; read after it ends
  std::optional<UdpReceiver> receiver_;
  wire::Reassembler reasm_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  WorkerControl* const control_;
  std::unique_ptr<Delivery> delivery_;
  // Publishes what the scraper asked for, if it did; never waits for it.
  void Publish(bool final);
  // Builds a snapshot of this worker as it is, answering `gen`; on the
  // worker's thread, or on any once it is done.
  std::shared_ptr<const WorkerSnapshot> Snapshot(uint64_t gen) const;

  uint32_t summaries_seen_ = 0;
  uint64_t metrics_seen_ = 0;
  std::shared_ptr<const WorkerSnapshot> unpublished_;  // the lock was taken
  // Held to move snap_ in or out, nothing else. snap_ lives from the pass
  // that answers a scrape to that scrape's take; once finished_, it is the
  // final snapshot and stays.
  std::mutex snap_mu_;
  std::shared_ptr<const WorkerSnapshot> snap_;  // guarded by snap_mu_
  std::atomic<bool> finished_{false};
  uint32_t auth_seen_ = 0;
  absl::Status error_;
};

// The summary over any set of workers (their sources are disjoint): a line
// per source, memory, acknowledgements, then a line per output (the same
// output in several workers counted together).
std::string Summary(std::span<const Worker* const> workers);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_RECV_WORKER_H_
