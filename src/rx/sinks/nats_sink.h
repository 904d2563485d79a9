// Records into NATS JetStream (libnats): one JSON object per record on the
// subject PREFIX.<sender address> ('.' of IPv4 as '_'), published without
// blocking and acknowledged by the stream. A publish that fails or is not
// acknowledged in time (a node died, the stream is electing a leader) is
// published again; its Nats-Msg-Id ("ADDR:PORT/seq", "/prev/" for the
// previous boot's) lets JetStream drop the copy, so the stream holds each
// record once. Several collectors may feed one stream: ids name the sender.
//   --sink=nats://10.0.0.1:4222+10.0.0.2:4222+10.0.0.3:4222/netconsole
// The stream itself (subjects PREFIX.>, replicas, retention) is the
// operator's: see docs/collector.md.
#ifndef PMDCON_RX_SINKS_NATS_SINK_H_
#define PMDCON_RX_SINKS_NATS_SINK_H_

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rx/sinks/sink.h"

struct __natsConnection;
struct __jsCtx;
struct __natsMsg;
struct __natsStatistics;

namespace pmdcon::rx {

// "PREFIX.10_99_0_1": the subject of a sender's records.
std::string NatsSubject(std::string_view prefix, const wire::SourceKey& k);
// "10.99.0.1:6665/42", "10.99.0.1:6665/prev/42": the record's id; empty for
// a basic chunk (no seq).
std::string NatsMsgId(const wire::Message& m);

class NatsSink : public Sink {
 public:
  // spec: "HOST:PORT[+HOST:PORT...][/PREFIX]" (PREFIX: netconsole).
  static absl::StatusOr<std::unique_ptr<NatsSink>> Open(
      std::string_view spec, uint64_t max_queued_bytes);
  ~NatsSink() override;

  void Write(const wire::Message& m, uint64_t unix_us) override;
  uint64_t Poll(uint64_t now_us) override;
  uint64_t pending() const override;
  uint64_t queue_limit() const override;
  std::optional<uint64_t> queued_bytes() const override {
    return held_bytes_.load(std::memory_order_relaxed);
  }
  const SinkStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const std::string& trouble() const override;

  // libnats' callback (its thread): one publish's outcome.
  void OnAck(__natsMsg* msg, bool ok, std::string error);

 private:
  NatsSink(std::string name, std::string prefix, uint64_t max_queued_bytes);
  void Publish();

  std::string name_;
  std::string prefix_;
  uint64_t max_queued_bytes_;
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
  __natsStatistics* nats_stats_ = nullptr;  // for the reconnect count
  std::deque<__natsMsg*> queue_;  // not yet handed to libnats, oldest first
  // Bytes of the records queued, in flight or failed: what max_queued_bytes_
  // bounds (libnats' thread subtracts the acknowledged).
  std::atomic<uint64_t> held_bytes_{0};
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<uint64_t> acked_{0};
  std::atomic<bool> connected_{false};  // libnats' thread: the first connect
  mutable std::mutex mu_;               // guards failed_ and trouble_
  std::vector<__natsMsg*> failed_;      // to publish again
  mutable std::string trouble_, trouble_copy_;
  uint64_t retry_at_ = 0;
  uint64_t retry_backoff_us_;
  SinkStats stats_;
  std::string buf_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_NATS_SINK_H_
