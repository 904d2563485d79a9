// Notices when the TX lcore stops making progress, and when it resumes:
// either its loop has not come back (blocked inside the driver), or the port
// takes no frame while frames wait (tx_burst keeps returning 0). Records
// wait in the ring meanwhile; the control loop logs the transitions so that
// the wait is visible. Pure logic: the caller passes the counters and time.
//
//   TxWatch w;
//   switch (w.Update(e.heartbeat(), packets, retries, NowUs())) { ... }
#ifndef PMDCON_ENGINE_TX_WATCH_H_
#define PMDCON_ENGINE_TX_WATCH_H_

#include <cstdint>

namespace pmdcon::engine {

class TxWatch {
 public:
  enum class State { kMoving, kBlockedInDriver, kPortRefuses };
  enum class Event { kNone, kStalled, kResumed };

  explicit TxWatch(uint64_t stall_us = 1000000) : stall_us_(stall_us) {}

  // beat: the engine's heartbeat (bumped every loop); packets and retries:
  // the targets' totals (frames queued, partial tx_bursts).
  Event Update(uint64_t beat, uint64_t packets, uint64_t retries,
               uint64_t now_us) {
    const bool looped = beat != beat_;
    // A retry without a new frame: the port refused everything it was given.
    const bool refused = packets == packets_ && retries != retries_;
    beat_ = beat;
    packets_ = packets;
    retries_ = retries;
    if (first_ || (looped && !refused)) {
      first_ = false;
      last_progress_ = now_us;
      if (state_ == State::kMoving) return Event::kNone;
      state_ = State::kMoving;
      return Event::kResumed;
    }
    if (state_ != State::kMoving || now_us - last_progress_ < stall_us_) {
      return Event::kNone;
    }
    state_ = looped ? State::kPortRefuses : State::kBlockedInDriver;
    return Event::kStalled;
  }

  State state() const { return state_; }
  // When the TX lcore last made progress.
  uint64_t last_progress() const { return last_progress_; }

 private:
  uint64_t stall_us_;
  bool first_ = true;
  State state_ = State::kMoving;
  uint64_t beat_ = 0, packets_ = 0, retries_ = 0, last_progress_ = 0;
};

}  // namespace pmdcon::engine

#endif  // PMDCON_ENGINE_TX_WATCH_H_
