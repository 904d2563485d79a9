// The receiver's half of the netconsole acknowledgement protocol, per
// source, with netconsd's ncrx semantics and defaults: which seqs have been
// retired in order (acked), which are missing (holes), and when to say so.
// Time goes in, a response datagram and a deadline come out; no I/O.
//
//   reliable::Acker a;
//   a.OnRecord(seq, emergency, now);          // each record, duplicates too
//   char out[reliable::kAckMax];
//   if (size_t n = a.Respond(now, out)) sendto(source, out, n);
//   wake up by a.NextDeadline();
//
// A hole is asked for every retx_interval, and whenever newer records push
// it more than retx_stride seqs behind; after give_up it is skipped (the
// ack moves past it). Unacked records are acked once ack_interval passed
// or ack_every of them were retired, at once after an emergency
// (",ncemg=1") record. At most `max_holes`
// missing seqs are tracked (a bound on memory, not on how far back: a
// backlog sent at full speed leaves holes far behind the newest that can
// still be repaired); past it the oldest are given up. Whether the sender
// restarted is the caller's call (Restart()): seq distance alone cannot
// tell a new stream from a resend that arrived after its hole was given up.
#ifndef PMDCON_RELIABLE_ACKER_H_
#define PMDCON_RELIABLE_ACKER_H_

#include <cstddef>
#include <cstdint>
#include <deque>

#include "reliable/ack.h"

namespace pmdcon::reliable {

class Acker {
 public:
  struct Options {
    uint64_t ack_interval_us = 1'000'000;   // ncrx sample: ack_intv 1000
    uint64_t retx_interval_us = 1'000'000;  // NCRX_DFL_RETX_INTV
    uint64_t retx_stride = 256;             // NCRX_DFL_RETX_STRIDE
    uint64_t give_up_us = 30'000'000;       // NCRX_DFL_MSG_TIMEOUT
    uint64_t max_holes = 65536;  // 24 bytes each; >= the sender's window
    // Also ack once this many seqs were retired since the last ack (0: by
    // time alone, as ncrx): a sender holding a window of unacknowledged
    // records (reliable::Retx::Options::window) goes on without waiting a
    // whole ack_interval.
    uint64_t ack_every = 1024;
  };
  struct Stats {
    uint64_t responses = 0;  // datagrams Respond produced
    uint64_t requests = 0;   // missing seqs asked for (each time)
    uint64_t recovered = 0;  // holes filled after being asked for
    uint64_t given_up = 0;   // holes skipped (both reasons)
    uint64_t over_max = 0;   // ... of those, the oldest beyond max_holes
    uint64_t withheld = 0;   // responses due that the byte limit left out

    Stats& operator+=(const Stats& o) {
      responses += o.responses;
      requests += o.requests;
      recovered += o.recovered;
      given_up += o.given_up;
      over_max += o.over_max;
      withheld += o.withheld;
      return *this;
    }
  };

  Acker() : Acker(Options()) {}
  explicit Acker(Options o) : o_(o) {}

  // The sender's seqs started over (the caller tells: a new boot, kernel or
  // stream); the next record starts tracking anew.
  void Restart() {
    started_ = false;
    holes_.clear();
    any_acked_ = false;
  }
  // The stream (not started yet) began at seq `first`, before the record
  // about to be given to OnRecord: the seqs up to it are missing. Ignored
  // once started.
  void StartAt(uint64_t first, uint64_t now_us);
  // A record of the current stream; one behind tail() that is no hole is a
  // late copy, taken for its emergency flag only.
  // covers_from: the record is a loss notice for [covers_from, seq] (pmdcon's
  // PMDCON_LOST_SEQ): those seqs are accounted for, not missing.
  void OnRecord(uint64_t seq, bool emergency, uint64_t now_us,
                uint64_t covers_from = UINT64_MAX);
  // Writes the response due now into out[kAckMax], at most `limit` bytes
  // (the caller's anti-amplification budget: fewer requests fit); returns
  // its length, 0 if none is due or not even the ack fits (then the ack
  // and the requests stay due; counted in stats().withheld).
  size_t Respond(uint64_t now_us, char* out, size_t limit = kAckMax);
  uint64_t NextDeadline() const;

  bool started() const { return started_; }
  // The next seq to retire in order (everything before it is acked once a
  // response says so).
  uint64_t tail() const;
  size_t holes() const { return holes_.size(); }
  // Heap and object bytes, for a memory budget.
  size_t MemoryBytes() const {
    return sizeof(*this) + 512 + holes_.size() * sizeof(Hole);
  }
  const Stats& stats() const { return stats_; }

 private:
  struct Hole {
    uint64_t seq;
    uint64_t first_seen;
    uint64_t last_request;  // 0: never asked for
  };
  void GiveUp(uint64_t now_us);
  // Seqs retired in order and not acknowledged yet.
  uint64_t RetiredUnacked() const {
    return tail() - (any_acked_ ? acked_ + 1 : start_);
  }

  Options o_;
  bool started_ = false;
  uint64_t head_ = 0;       // the newest seq seen + 1
  uint64_t start_ = 0;      // where the stream started
  std::deque<Hole> holes_;  // by seq
  bool any_acked_ = false;  // a response carried an ack
  uint64_t acked_ = 0;      // ... of this seq
  uint64_t acked_at_ = 0;
  bool ack_now_ = false;      // an emergency record asks for one
  uint64_t stride_mark_ = 0;  // head_ / retx_stride at the last Respond
  Stats stats_;
};

}  // namespace pmdcon::reliable

#endif  // PMDCON_RELIABLE_ACKER_H_
