// A reliable target's side of the acknowledgement protocol, as the TX
// lcore keeps it: what went out (SentIndex), when to resend (Retx), which
// requests to honour (RequestFilter) and the queue of those not resent
// yet, the credit an unvalidated collector earned, and whether records
// still say where the stream began (kFirstSpan). The engine's per-record
// hook and its intake of responses; pure: no I/O, no allocation after
// construction.
//
//   reliable::Sender s(options);
//   s.Follow(seq);                                // before each record
//   if (auto f = s.First(seq)) encoder.MarkFirst(*f);
//   auto in = s.Take(response_payload, now);      // each collector datagram
//   while (s.has_request()) { resend(s.request()); s.PopRequest(); }
#ifndef PMDCON_RELIABLE_SENDER_H_
#define PMDCON_RELIABLE_SENDER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "reliable/ack.h"
#include "reliable/retx.h"
#include "reliable/sent_index.h"

namespace pmdcon::reliable {

class Sender {
 public:
  explicit Sender(const Retx::Options& o) : retx(o), retx_options_(o) {}

  // Before seq goes out: a seq not above the last one starts a new stream
  // (a new boot's records after an earlier boot's).
  void Follow(uint64_t seq) {
    if (index.any() && seq <= index.newest()) [[unlikely]]
      NewStream();
  }
  // What is known of the stream is of no use any more: the ring's seqs
  // started over, or the kernel sent the rest without asking for acks.
  void NewStream() {
    retx = Retx(retx_options_);
    index.Clear();
    queue_len_ = 0;
    told_until_ = UINT64_MAX;
    unacked.store(0, std::memory_order_relaxed);  // nothing of this stream
  }
  // The stream's first seq, if a record of seq still says it.
  std::optional<uint64_t> First(uint64_t seq) const {
    const uint64_t first = retx.any_sent() ? retx.first_sent() : seq;
    if (seq < first || seq >= told_until_ || seq - first >= kFirstSpan)
      return std::nullopt;
    return first;
  }

  // What one collector datagram did.
  struct Intake {
    bool bad = false;     // malformed, or acking a seq never sent
    bool moved = false;   // the acknowledged position advanced
    size_t requests = 0;  // seqs it asked for
    size_t refused = 0;   // ... not queued (RequestFilter, full queue)
  };
  // A datagram from the collector (its MAC, if any, checked and removed).
  // An unvalidated collector's bytes count as credit (AddCredit) apart.
  Intake Take(std::string_view payload, uint64_t now_us);
  // Without auth the collector proved nothing: resends it asks for spend
  // the bytes its address sent (RFC 9000's anti-amplification rule),
  // capped so that old credit cannot fund a burst.
  void AddCredit(size_t bytes) {
    credit = bytes >= kCreditCap - credit ? kCreditCap : credit + bytes;
  }

  // Seqs the collector asked for, not yet resent: a FIFO of kQueue (when
  // full, the rest of a request is dropped: the collector asks again).
  bool has_request() const { return queue_len_ != 0; }
  uint64_t request() const { return queue_[queue_head_]; }
  void PopRequest() {
    queue_head_ = (queue_head_ + 1) % kQueue;
    --queue_len_;
  }

  static constexpr uint32_t kQueue = 1024;
  static constexpr uint64_t kCreditCap = 256 << 10;

  Retx retx;
  RequestFilter filter;  // kept across streams: its rate holds
  SentIndex index;
  uint64_t acked_next = 0;  // ring id after the last acknowledged record
  uint64_t credit = 0;      // payload bytes an unvalidated collector earned
  std::atomic<int64_t> acked_seq{-1};  // for telemetry; -1: none yet
  // For metrics: retx.InFlight(), the stream's records sent and not
  // acknowledged, stored where it changes (OnSent, an ack that moved,
  // NewStream).
  std::atomic<uint64_t> unacked{0};

  // A record (or notice) left for the first time: Retx::OnSent, published.
  void OnSent(uint64_t seq, uint64_t now_us) {
    retx.OnSent(seq, now_us);
    unacked.store(retx.InFlight(), std::memory_order_relaxed);
  }

 private:
  Retx::Options retx_options_;
  uint64_t queue_[kQueue] = {};
  uint32_t queue_head_ = 0, queue_len_ = 0;
  // Seqs from here on no longer say where the stream began: a response
  // came, so the collector has one that did.
  uint64_t told_until_ = UINT64_MAX;
  Ack ack_;  // the response being taken (large: kept off the stack)
};

}  // namespace pmdcon::reliable

#endif  // PMDCON_RELIABLE_SENDER_H_
