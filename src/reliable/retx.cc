#include "reliable/retx.h"

#include <algorithm>
#include <iterator>

namespace pmdcon::reliable {

Retx::Retx(Options o) : o_(o), cps_(std::max<uint32_t>(o.checkpoints, 1)) {}

uint64_t Retx::SentAt(uint64_t seq) const {
  // The last checkpoint at or before seq (seq was sent no earlier); older
  // than them all: the oldest's time.
  size_t lo = 0, hi = cp_n_;  // first checkpoint with a seq above `seq`
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (cps_[(cp_head_ + mid) % cps_.size()].seq <= seq) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (cp_n_ == 0) return waiting_since_;
  return cps_[(cp_head_ + (lo ? lo - 1 : 0)) % cps_.size()].at;
}

void Retx::OnSent(uint64_t seq, uint64_t now_us) {
  const Checkpoint* last =
      cp_n_ ? &cps_[(cp_head_ + cp_n_ - 1) % cps_.size()] : nullptr;
  if (!last || now_us - last->at >= o_.resolution_us) {
    if (cp_n_ == cps_.size()) {
      cp_head_ = (cp_head_ + 1) % cps_.size();
      --cp_n_;
    }
    cps_[(cp_head_ + cp_n_++) % cps_.size()] = {seq, now_us};
  }
  if (!any_sent_) first_sent_ = seq;
  if (!any_sent_ || seq > last_sent_) last_sent_ = seq;
  if (mode_ == Mode::kIdle) {
    mode_ = Mode::kWaiting;
    first_unacked_ = seq;
    waiting_since_ = now_us;
    Rearm();
  }
  any_sent_ = true;
}

Retx::AckResult Retx::OnAck(uint64_t acked_seq, uint64_t now_us) {
  // A receiver told where the stream began that lacks its first record
  // acks the seq before it: nothing acknowledged (reliable::kFirstSpan).
  if (any_sent_ && acked_seq + 1 == first_sent_) {
    answered_ = true;
    return AckResult::kStale;
  }
  if (!any_sent_ || acked_seq > last_sent_) return AckResult::kBogus;
  answered_ = true;
  if (any_acked_ && acked_seq <= acked_) return AckResult::kStale;
  any_acked_ = true;
  acked_ = acked_seq;
  waiting_since_ = now_us;
  if (acked_seq == last_sent_) {
    mode_ = Mode::kIdle;
  } else {
    mode_ = Mode::kWaiting;  // an emergency ends when acks move
    first_unacked_ = std::max(first_unacked_, acked_seq + 1);
  }
  Rearm();
  return AckResult::kMoved;
}

void Retx::Hint(uint64_t seq) {
  if (hint_n_ == kHints) {
    hint_head_ = (hint_head_ + 1) % kHints;
    --hint_n_;
  }
  hints_[(hint_head_ + hint_n_++) % kHints] = seq;
}

std::optional<uint64_t> Retx::Emergency(uint64_t now_us, uint64_t floor) {
  if (mode_ == Mode::kIdle || now_us < deadline_) return std::nullopt;
  const bool start = mode_ == Mode::kWaiting;
  if (start) {
    mode_ = Mode::kEmergency;
    emg_interval_ = o_.emg_min_us;
    emg_seq_ = first_unacked_;
    emg_fresh_ = true;
  }
  if (start || emg_left_ == 0) emg_left_ = std::max<uint32_t>(o_.emg_burst, 1);
  --emg_left_;
  // A hint still unacknowledged (and still resendable) goes first.
  while (hint_n_) {
    const uint64_t h = hints_[hint_head_];
    hint_head_ = (hint_head_ + 1) % kHints;
    --hint_n_;
    if (h >= first_unacked_ && h <= last_sent_ && h >= floor) {
      NextInterval(now_us);
      return h;
    }
  }
  if (emg_fresh_) {  // emg_seq_ itself has not gone out yet
    emg_fresh_ = false;
  } else if (emg_seq_ < last_sent_) {
    emg_seq_ = std::max(emg_seq_ + 1, first_unacked_);
  } else {  // a pass over them is done: the next is slower
    emg_interval_ = std::min(emg_interval_ * 2, o_.emg_max_us);
    emg_seq_ = first_unacked_;
  }
  emg_seq_ = std::max(emg_seq_, std::min(floor, last_sent_));
  NextInterval(now_us);
  return emg_seq_;
}

// After a resend: the next one in this interval's burst is due at once.
void Retx::NextInterval(uint64_t now_us) {
  emg_next_ = emg_left_ ? now_us : now_us + emg_interval_;
  Rearm();
  ++emergency_sends_;
}

// After every change of mode, first_unacked_ or emg_next_: the caller asks
// for the deadline on every pass of its loop.
void Retx::Rearm() {
  switch (mode_) {
    case Mode::kIdle:
      deadline_ = UINT64_MAX;
      break;
    case Mode::kWaiting:
      deadline_ = SentAt(first_unacked_) + o_.ack_timeout_us;
      break;
    case Mode::kEmergency:
      deadline_ = emg_next_;
      break;
  }
}

RequestFilter::RequestFilter(Options o)
    : o_(o), credit_(uint64_t{o.burst} * kToken) {}

RequestFilter::Counts RequestFilter::Take(std::span<const uint64_t> requests,
                                          const Retx& retx, uint64_t now_us,
                                          uint64_t* out) {
  const uint64_t cap = uint64_t{o_.burst} * kToken;
  if (now_us > refilled_at_) {
    // Capped first: a long quiet spell must not overflow the product.
    const uint64_t us = std::min<uint64_t>(now_us - refilled_at_, 100'000'000);
    credit_ = std::min(cap, credit_ + us * o_.rate_per_s);
    refilled_at_ = now_us;
  }
  // Seqs taken, open-addressed (seq + 1; 0: empty): a response holds up to
  // 497 requests, and the TX lcore takes 8 responses a pass.
  uint64_t seen[512] = {};
  static_assert(std::size(seen) >= 2 * kPerResponse);
  auto slot = [&seen](uint64_t seq) -> uint64_t& {
    size_t i = (seq * 0x9e3779b97f4a7c15ull) >> 55;  // 9 bits
    while (seen[i] != 0 && seen[i] != seq + 1) i = (i + 1) % std::size(seen);
    return seen[i];
  };
  Counts c;
  for (const uint64_t seq : requests) {
    if (!retx.any_sent() || seq > retx.last_sent()) {
      ++c.unsent;
      continue;
    }
    uint64_t& s = slot(seq);
    if (s != 0) {
      ++c.duplicate;
    } else if (c.taken == kPerResponse) {
      ++c.over_cap;
    } else if (credit_ < kToken) {
      ++c.over_rate;
    } else {
      credit_ -= kToken;
      s = seq + 1;
      out[c.taken++] = seq;
    }
  }
  return c;
}

}  // namespace pmdcon::reliable
