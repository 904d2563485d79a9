// Records to a syslog server over TCP: RFC 5424 messages (rx/format/output.h)
// either acknowledged by RELP (relp::Session; rsyslog's imrelp) or in RFC
// 6587 octet-counted framing (rsyslog's imtcp, syslog-ng), unacknowledged.
// The connection is made and remade without blocking (100 ms to 5 s
// apart); records wait in a bounded queue meanwhile, and past it, with a
// spill directory, in a bounded file (rx/spill.h), in order.
#ifndef PMDCON_RX_SINKS_TCP_SINK_H_
#define PMDCON_RX_SINKS_TCP_SINK_H_

#include <sys/socket.h>

#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rx/sinks/relp.h"
#include "rx/sinks/sink.h"
#include "rx/sinks/spill.h"

namespace pmdcon::rx {

class TcpSink : public Sink {
 public:
  enum class Protocol { kRelp, kOctetCounted };
  struct Options {
    uint64_t max_queued_bytes = 64u << 20;
    std::string spill_dir;  // "": records past the queue are dropped
    uint64_t max_spill_bytes = 1u << 30;
  };
  // host_port: "127.0.0.1:2514", "[::1]:2514" or "name:2514" (resolved
  // now, once).
  static absl::StatusOr<std::unique_ptr<TcpSink>> Create(
      Protocol p, std::string_view host_port, Options o);
  ~TcpSink() override;

  void Write(const wire::Message& m, uint64_t unix_us) override;
  uint64_t Poll(uint64_t now_us) override;
  uint64_t pending() const override;
  uint64_t queue_limit() const override { return o_.max_queued_bytes; }
  std::optional<uint64_t> queued_bytes() const override {
    return protocol_ == Protocol::kRelp ? relp_.pending_bytes() : frame_bytes_;
  }
  const SinkStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const std::string& trouble() const override { return trouble_; }

 private:
  enum class Conn { kDown, kConnecting, kUp };
  TcpSink(Protocol p, std::string name, const sockaddr_storage& to,
          socklen_t to_len, Options o);
  void Connect(uint64_t now_us);
  void Drop(std::string why, uint64_t now_us);
  void Transfer(uint64_t now_us);          // write what is ready, read answers
  bool Enqueue(std::string_view message);  // false: the queue is full
  void Refill();  // from the spill file into the queue, while it has room

  Protocol protocol_;
  std::string name_;
  sockaddr_storage to_{};
  socklen_t to_len_ = 0;
  Options o_;
  Conn conn_ = Conn::kDown;
  int fd_ = -1;
  uint64_t retry_at_ = 0;
  uint64_t backoff_us_;  // before the next connect: 100 ms, doubling to 5 s
  uint64_t connect_deadline_ = 0;
  relp::Session relp_;
  // kOctetCounted: framed messages; the front one's first `sent_` bytes are
  // on the wire (a new connection starts it again).
  std::deque<std::string> frames_;
  size_t sent_ = 0;
  uint64_t frame_bytes_ = 0;
  std::unique_ptr<Spill> spill_;  // with Options::spill_dir
  std::string message_;           // scratch
  SinkStats stats_;
  std::string trouble_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_TCP_SINK_H_
