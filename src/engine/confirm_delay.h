// When a transmitted position may be published: on ports that hold frames in
// software before the NIC (af_packet), "tx_burst returned" is not "on the
// wire", and a panic in between would lose records the kernel's fallback
// takes as sent. A position is confirmed only once it was reached at least
// `lag` ticks ago. Pure logic: the caller passes the time in (TSC ticks).
//
//   ConfirmDelay c(lag, start);
//   publish(c.Update(rte_rdtsc(), reached));   // every loop
//   publish(c.Reset(pos));                     // pos is known to be out
#ifndef PMDCON_ENGINE_CONFIRM_DELAY_H_
#define PMDCON_ENGINE_CONFIRM_DELAY_H_

#include <cstdint>

namespace pmdcon::engine {

class ConfirmDelay {
 public:
  // lag 0: every position is confirmed as soon as it is reached.
  ConfirmDelay(uint64_t lag, uint64_t start) : lag_(lag), confirmed_(start) {}

  // The position reached at `now` (non-decreasing); returns the newest
  // position that was reached at least `lag` ticks before `now`.
  uint64_t Update(uint64_t now, uint64_t reached) {
    if (lag_ == 0) return confirmed_ = reached;
    while (n_ && now - ring_[head_].tsc >= lag_) {
      confirmed_ = ring_[head_].pos;
      head_ = (head_ + 1) % kSlots;
      --n_;
    }
    // Checkpoints at least lag / kSlots apart: kSlots of them cover the
    // whole lag, so the ring never has to confirm one early. Skipping one
    // only delays a confirmation, by at most lag / kSlots.
    const Checkpoint* newest = n_ ? &ring_[(head_ + n_ - 1) % kSlots] : nullptr;
    const uint64_t last = newest ? newest->pos : confirmed_;
    if (reached != last && n_ < kSlots &&
        (!newest || now - newest->tsc >= lag_ / kSlots)) {
      ring_[(head_ + n_++) % kSlots] = {now, reached};
    }
    return confirmed_;
  }

  // Confirms `pos` at once: everything before it is known to be out.
  uint64_t Reset(uint64_t pos) {
    n_ = 0;
    return confirmed_ = pos;
  }

 private:
  static constexpr uint32_t kSlots = 64;
  struct Checkpoint {
    uint64_t tsc;
    uint64_t pos;
  };
  uint64_t lag_;
  uint64_t confirmed_;
  Checkpoint ring_[kSlots] = {};
  uint32_t head_ = 0, n_ = 0;
};

}  // namespace pmdcon::engine

#endif  // PMDCON_ENGINE_CONFIRM_DELAY_H_
