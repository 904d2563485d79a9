#include "reliable/acker.h"

#include <algorithm>

namespace pmdcon::reliable {

uint64_t Acker::tail() const {
  return holes_.empty() ? head_ : holes_.front().seq;
}

void Acker::StartAt(uint64_t first, uint64_t now_us) {
  if (started_) return;
  started_ = true;
  head_ = start_ = first;
  acked_at_ = now_us;
  stride_mark_ = head_ / o_.retx_stride;
}

void Acker::OnRecord(uint64_t seq, bool emergency, uint64_t now_us,
                     uint64_t covers_from) {
  covers_from = std::min(covers_from, seq);
  ack_now_ = ack_now_ || emergency;
  if (!started_) {
    started_ = true;
    start_ = seq;
    head_ = seq + 1;
    acked_at_ = now_us;
    stride_mark_ = head_ / o_.retx_stride;
    return;
  }
  if (seq >= head_) {
    // The seqs skipped are holes until they arrive or are given up, except
    // those a notice covers; only the newest max_holes are tracked.
    const uint64_t upto = std::max(head_, covers_from);
    const uint64_t from =
        upto - head_ > o_.max_holes ? upto - o_.max_holes : head_;
    const uint64_t n = upto - from;
    stats_.given_up += from - head_;
    stats_.over_max += from - head_;
    while (!holes_.empty() && holes_.size() + n > o_.max_holes) {
      holes_.pop_front();
      ++stats_.given_up;
      ++stats_.over_max;
    }
    for (uint64_t s = from; s < upto; ++s) holes_.push_back({s, now_us, 0});
    head_ = seq + 1;
    return;
  }
  // A late arrival: it (and whatever its notice covers) fills holes.
  auto it =
      std::lower_bound(holes_.begin(), holes_.end(), covers_from,
                       [](const Hole& h, uint64_t s) { return h.seq < s; });
  auto end = it;
  while (end != holes_.end() && end->seq <= seq) {
    stats_.recovered += end->last_request != 0;
    ++end;
  }
  holes_.erase(it, end);
}

void Acker::GiveUp(uint64_t now_us) {
  while (!holes_.empty() &&
         holes_.front().first_seen + o_.give_up_us <= now_us) {
    holes_.pop_front();
    ++stats_.given_up;
  }
}

size_t Acker::Respond(uint64_t now_us, char* out, size_t limit) {
  if (!started_) return 0;
  GiveUp(now_us);
  const uint64_t retired = tail() - 1;  // the last seq retired in order
  const bool unacked = !any_acked_ || acked_ != retired;
  if (!unacked) acked_at_ = now_us;  // fully acked: new records start anew
  const uint64_t mark = head_ / o_.retx_stride;
  const bool crossed = mark != stride_mark_;
  stride_mark_ = mark;
  // Seqs to ask for: each hole every retx_interval, and those a stride
  // behind the newest whenever the newest crosses a stride boundary.
  uint64_t missing[kAckMaxMissing];
  Hole* asked[kAckMaxMissing];
  size_t n = 0;
  for (Hole& h : holes_) {
    const bool due =
        now_us - std::max(h.first_seen, h.last_request) >= o_.retx_interval_us;
    const bool pushed = crossed && head_ - h.seq > o_.retx_stride;
    if ((due || pushed) && n < kAckMaxMissing) {
      missing[n] = h.seq;
      asked[n++] = &h;
    }
  }
  // An emergency asks again even if the position was acked: that ack may
  // have been lost, and the sender resends until one arrives (ncrx forgets
  // its acked_seq on one).
  const bool ack_due = ack_now_ ||
                       (unacked && now_us >= acked_at_ + o_.ack_interval_us) ||
                       (o_.ack_every && RetiredUnacked() >= o_.ack_every);
  if (n == 0 && !ack_due) return 0;
  size_t written = 0;
  const size_t len = FormatAck(retired, {missing, n}, out, &written, limit);
  if (len == 0) {
    ++stats_.withheld;
    return 0;
  }
  // Those that did not fit stay due for the next response.
  for (size_t i = 0; i < written; ++i) asked[i]->last_request = now_us;
  any_acked_ = true;
  acked_ = retired;
  acked_at_ = now_us;
  ack_now_ = false;
  ++stats_.responses;
  stats_.requests += written;
  return len;
}

uint64_t Acker::NextDeadline() const {
  if (!started_) return UINT64_MAX;
  if (ack_now_ || (o_.ack_every && RetiredUnacked() >= o_.ack_every)) {
    return 0;
  }
  uint64_t next = UINT64_MAX;
  if (!any_acked_ || acked_ != tail() - 1) {
    next = acked_at_ + o_.ack_interval_us;
  }
  for (const Hole& h : holes_) {
    next = std::min(
        next, std::max(h.first_seen, h.last_request) + o_.retx_interval_us);
  }
  if (!holes_.empty()) {
    next = std::min(next, holes_.front().first_seen + o_.give_up_us);
  }
  return next;
}

}  // namespace pmdcon::reliable
