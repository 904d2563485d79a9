#include "reliable/sender.h"

#include <algorithm>

namespace pmdcon::reliable {

Sender::Intake Sender::Take(std::string_view payload, uint64_t now_us) {
  Intake in;
  const Retx::AckResult acked = ParseAck(payload, &ack_) == AckError::kNone
                                    ? retx.OnAck(ack_.acked, now_us)
                                    : Retx::AckResult::kBogus;
  if (acked == Retx::AckResult::kBogus) {
    in.bad = true;
    return in;
  }
  // Any answer about this stream: the collector holds a record that said
  // where the stream began.
  if (told_until_ == UINT64_MAX && ack_.acked + 1 >= retx.first_sent())
    told_until_ = retx.last_sent() + 1;
  if (acked == Retx::AckResult::kMoved) {
    in.moved = true;
    // Forward only: a checkpoint may lie before the last exact position.
    if (const std::optional<uint64_t> pos = index.PositionAfter(ack_.acked);
        pos &&
        pmdcon_pos_diff(pmdcon_id_pos(*pos), pmdcon_id_pos(acked_next)) > 0) {
      acked_next = *pos;
    }
    acked_seq.store(static_cast<int64_t>(ack_.acked),
                    std::memory_order_relaxed);
    unacked.store(retx.InFlight(), std::memory_order_relaxed);
  }
  // Only seqs it sent, each once, a bounded number (issue 23): a response
  // must not make the target resend more than it could.
  uint64_t take[RequestFilter::kPerResponse];
  const RequestFilter::Counts c =
      filter.Take(ack_.requests(), retx, now_us, take);
  const size_t queued = std::min<size_t>(c.taken, kQueue - queue_len_);
  for (size_t j = 0; j < queued; ++j) {
    queue_[(queue_head_ + queue_len_++) % kQueue] = take[j];
  }
  in.requests = ack_.missing_count;
  in.refused = c.refused() + c.taken - queued;
  return in;
}

}  // namespace pmdcon::reliable
