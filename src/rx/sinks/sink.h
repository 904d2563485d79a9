// pmdcon-rx's outputs: where delivered records go. Each is driven by the
// receive loop: Write takes a record, Poll moves data without blocking and
// says when it wants to be called next. Several may run at once (a file
// and rsyslog, say); each keeps its own bounded queue, so a slow or absent
// peer costs records only once its queue is full, and counts them.
#ifndef PMDCON_RX_SINKS_SINK_H_
#define PMDCON_RX_SINKS_SINK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "wire/reassembler.h"

namespace pmdcon::rx {

struct SinkStats {
  uint64_t written = 0;          // records taken by Write
  uint64_t delivered = 0;        // acknowledged by the peer (or written out)
  uint64_t dropped = 0;          // refused: the queue (and spill file) was full
  uint64_t spilled = 0;          // went to the spill file, the queue being full
  uint64_t resent = 0;           // sent again: unanswered when a peer went away
  uint64_t reconnects = 0;       // connections lost after they were up
  uint64_t failed_connects = 0;  // attempts that never got up

  SinkStats& operator+=(const SinkStats& o) {
    written += o.written;
    delivered += o.delivered;
    dropped += o.dropped;
    spilled += o.spilled;
    resent += o.resent;
    reconnects += o.reconnects;
    failed_connects += o.failed_connects;
    return *this;
  }
};

class Sink {
 public:
  virtual ~Sink() = default;
  // unix_us: when the record arrived (wall clock).
  virtual void Write(const wire::Message& m, uint64_t unix_us) = 0;
  // Non-blocking I/O; returns the latest time to be called again
  // (UINT64_MAX: only when there is a new record).
  virtual uint64_t Poll(uint64_t now_us) = 0;
  // Records written but not yet delivered.
  virtual uint64_t pending() const = 0;
  // The most memory its queue may hold, in bytes (counted in pmdcon-rx's
  // memory budget); 0 for outputs that hold nothing.
  virtual uint64_t queue_limit() const { return 0; }
  // Bytes its queue holds now, if it keeps such a count.
  virtual std::optional<uint64_t> queued_bytes() const { return std::nullopt; }
  virtual const SinkStats& stats() const = 0;
  // "relp://127.0.0.1:2514": for messages and the summary.
  virtual const std::string& name() const = 0;
  // The last trouble seen (a refused connection, a broken session), or "".
  virtual const std::string& trouble() const = 0;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_SINK_H_
