// The client's half of RELP (rsyslog's Reliable Event Logging Protocol, as
// librelp and rsyslog's imrelp speak it) as a state machine: messages go in,
// bytes to write come out, bytes read go in, acknowledged messages are
// dropped. No I/O: the caller owns the TCP connection and the clock.
//
//   relp::Session s({.window = 128, .max_queued_bytes = 64 << 20});
//   s.Connected(now);                      // TCP is up: "open" is queued
//   s.Enqueue(rfc5424_message);            // false: the queue is full
//   write(fd, s.Output()); s.Consume(n);   // what may go out now
//   s.OnInput(bytes_read, now);            // "rsp" frames ack messages
//   if (s.state() == State::kBroken) { close; later Connected() again }
//
// Delivery: a message leaves the queue only when the server answered its
// "syslog" command with 200. Whatever was in flight when the connection
// broke is sent again, in order, on the next connection: at least once,
// and exactly once unless the server took a message and the connection
// broke before its answer.
//
// Frames: TXNR SP COMMAND SP DATALEN [SP DATA] LF; TXNR counts from 1 per
// connection and wraps from 999999999 to 1.
#ifndef PMDCON_RX_SINKS_RELP_H_
#define PMDCON_RX_SINKS_RELP_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace pmdcon::relp {

enum class State {
  kDisconnected,  // no connection (yet, or it went away)
  kOpening,       // "open" sent, waiting for its answer
  kOpen,          // messages flow
  kBroken,        // a protocol error or a timeout: drop the connection
};

struct Options {
  uint32_t window = 128;  // messages in flight, unanswered (librelp's)
  uint64_t max_queued_bytes = 64u << 20;    // queue + in flight
  uint64_t answer_timeout_us = 90'000'000;  // librelp's default timeout
  std::string software = "pmdcon-rx";
};

struct Stats {
  uint64_t enqueued = 0;
  uint64_t acknowledged = 0;
  uint64_t refused = 0;  // Enqueue found the queue full
  uint64_t resent = 0;   // sent again on a new connection
  uint64_t connections = 0;
};

class Session {
 public:
  explicit Session(Options o = {});

  State state() const { return state_; }
  // Why the session is kBroken (for the caller's log).
  const std::string& error() const { return error_; }

  // A new connection: the "open" command is queued and everything not yet
  // acknowledged will be sent again once the server accepts it.
  void Connected(uint64_t now_us);
  // The connection is gone (closed by either side, or kBroken handled).
  void Disconnected();

  // Queues one syslog message (RFC 5424 text, unframed). False when the
  // queue would pass max_queued_bytes: the caller counts it as refused.
  bool Enqueue(std::string message);

  // Bytes ready to write; Consume(n) after writing n of them.
  std::string_view Output() const;
  void Consume(size_t n);

  // Bytes read from the connection. Any protocol error makes it kBroken.
  void OnInput(std::string_view bytes, uint64_t now_us);
  // Call when the deadline passes; an unanswered command makes it kBroken.
  void OnTime(uint64_t now_us);
  // When OnTime has something to check; UINT64_MAX if nothing is pending.
  uint64_t NextDeadline() const;

  // Messages queued or in flight, and their bytes.
  size_t pending() const { return queue_.size(); }
  uint64_t pending_bytes() const { return queued_bytes_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    std::string message;
    uint32_t txnr = 0;  // 0: not sent on this connection
  };
  void Fill();  // moves queued messages into the output, up to the window
  void Frame(uint32_t txnr, std::string_view command, std::string_view data);
  uint32_t NextTxnr();
  void Fail(std::string why);
  void OnFrame(uint32_t txnr, std::string_view command, std::string_view data,
               uint64_t now_us);

  Options o_;
  State state_ = State::kDisconnected;
  std::string error_;
  std::deque<Entry> queue_;  // oldest first; the first `in_flight_` are sent
  size_t in_flight_ = 0;
  uint64_t queued_bytes_ = 0;
  uint32_t txnr_ = 0;           // last used
  uint32_t open_txnr_ = 0;      // the "open" being answered
  uint64_t waiting_since_ = 0;  // since when an answer is awaited
  uint64_t now_ = 0;            // the latest time given
  std::string out_;
  size_t out_pos_ = 0;
  std::string in_;  // an incomplete frame
  Stats stats_;
};

}  // namespace pmdcon::relp

#endif  // PMDCON_RX_SINKS_RELP_H_
