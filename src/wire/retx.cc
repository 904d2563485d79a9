#include "wire/retx.h"

#include <algorithm>

namespace pmdcon::wire {

Retx::Retx(Options o)
    : o_(o), sent_seq_(o.window, UINT64_MAX), sent_at_(o.window, 0) {}

uint64_t Retx::SentAt(uint64_t seq) const {
  const size_t i = seq % o_.window;
  // Beyond the window: the time the position last moved is the best known.
  return sent_seq_[i] == seq ? sent_at_[i] : waiting_since_;
}

void Retx::OnSent(uint64_t seq, uint64_t now_us) {
  const size_t i = seq % o_.window;
  sent_seq_[i] = seq;
  sent_at_[i] = now_us;
  if (!any_sent_ || seq > last_sent_) last_sent_ = seq;
  if (mode_ == Mode::kIdle) {
    mode_ = Mode::kWaiting;
    first_unacked_ = seq;
    waiting_since_ = now_us;
  }
  any_sent_ = true;
}

Retx::AckResult Retx::OnAck(uint64_t acked_seq, uint64_t now_us) {
  if (!any_sent_ || acked_seq > last_sent_) return AckResult::kBogus;
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
  return AckResult::kMoved;
}

std::optional<uint64_t> Retx::Emergency(uint64_t now_us) {
  if (mode_ == Mode::kIdle || now_us < NextDeadline()) return std::nullopt;
  if (mode_ == Mode::kWaiting) {
    mode_ = Mode::kEmergency;
    emg_interval_ = o_.emg_min_us;
    emg_seq_ = first_unacked_;
  } else if (emg_seq_ < last_sent_) {
    emg_seq_ = std::max(emg_seq_ + 1, first_unacked_);
  } else {  // a pass over them is done: the next is slower
    emg_interval_ = std::min(emg_interval_ * 2, o_.emg_max_us);
    emg_seq_ = first_unacked_;
  }
  emg_next_ = now_us + emg_interval_;
  ++emergency_sends_;
  return emg_seq_;
}

uint64_t Retx::NextDeadline() const {
  switch (mode_) {
    case Mode::kIdle:
      return UINT64_MAX;
    case Mode::kWaiting:
      return SentAt(first_unacked_) + o_.ack_timeout_us;
    case Mode::kEmergency:
      return emg_next_;
  }
  return UINT64_MAX;
}

}  // namespace pmdcon::wire
