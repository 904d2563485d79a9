// The sender's half of the netconsole acknowledgement protocol, per target,
// as netconsd's nctx defines it: what the collector has acknowledged, and
// when records it has not go out again as emergencies (",ncemg=1", which
// makes the receiver ack at once). Time goes in, seqs and deadlines come
// out; no I/O.
//
//   reliable::Retx r;
//   r.OnSent(seq, now);                       // each record, first send
//   r.OnAck(ack.acked, now);                  // each ncrx response
//   if (auto seq = r.Emergency(now)) resend(*seq, /*ncemg=*/true);
//   sleep until r.NextDeadline();
//
// Emergency: once the oldest unacknowledged record was sent ack_timeout ago,
// `emg_burst` unacknowledged records are resent per interval (nctx: one),
// oldest first; the interval starts at emg_min and doubles after each pass
// over them, up to emg_max. An ack that moves the position ends it. Hint()
// names seqs the collector asked for that the sender did not resend (its
// anti-amplification budget): emergencies take those first. How many go
// out depends on time and the unacknowledged records alone, never on what
// arrived: hints only choose which.
#ifndef PMDCON_RELIABLE_RETX_H_
#define PMDCON_RELIABLE_RETX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pmdcon::reliable {

class Retx {
 public:
  struct Options {
    uint64_t ack_timeout_us = 10'000'000;  // nctx's ACK_TIMEOUT
    uint64_t emg_min_us = 100'000;         // EMG_TX_MIN_INTV
    uint64_t emg_max_us = 1'000'000;       // EMG_TX_MAX_INTV
    uint32_t emg_burst = 1;                // resends per interval
    // Send times are kept at this resolution (one per interval, 16,384 of
    // them: 16 s at the least), not per record: a deadline may come up to
    // one resolution early.
    uint64_t resolution_us = 1000;
    uint32_t checkpoints = 1u << 14;
    // Once the collector has answered, at most this many seqs go out beyond
    // the acknowledged one (0: no bound): within what the sender can still
    // resend (SentIndex, 65,536) and what a receiver tracks (pmdcon-rx
    // --ack_holes, 65,536). Unbounded, a backlog sent at full speed at 10 %
    // loss left holes beyond both: 100,000 records arrived as 361 restarts
    // (receiver at 8,192 holes), or with 2,956 announced lost (32,768).
    uint64_t window = 61440;
  };
  enum class Mode {
    kIdle,       // everything sent is acknowledged (or nothing was sent)
    kWaiting,    // records unacknowledged, younger than ack_timeout
    kEmergency,  // resending them, one per interval
  };
  enum class AckResult {
    kMoved,  // the acknowledged position advanced
    kStale,  // at or behind it (a late or repeated ack)
    kBogus,  // beyond the last seq sent: ignored
  };

  Retx() : Retx(Options()) {}
  explicit Retx(Options o);

  // Seqs in flight: from the one after the acknowledged seq (the stream's
  // first if none is) up to the newest sent; 0 if none was sent.
  uint64_t InFlight() const {
    if (!any_sent_) return 0;
    const uint64_t base = any_acked_ ? acked_ + 1 : first_sent_;
    return last_sent_ + 1 - base;
  }
  // How many more new seqs may go out now (Options::window): no bound
  // until the collector answered in this stream.
  uint64_t Room() const {
    if (o_.window == 0 || !answered_ || !any_sent_) return UINT64_MAX;
    const uint64_t used = InFlight();
    return used >= o_.window ? 0 : o_.window - used;
  }
  // A record left for the first time (resends do not count).
  void OnSent(uint64_t seq, uint64_t now_us);
  AckResult OnAck(uint64_t acked_seq, uint64_t now_us);
  // The seq to resend now as an emergency, if it is time; `floor`: the
  // oldest seq the caller can still resend (older ones are skipped).
  std::optional<uint64_t> Emergency(uint64_t now_us, uint64_t floor = 0);
  // A seq asked for and not resent (kept in a ring of kHints, the oldest
  // dropped): emergencies resend it first while it is unacknowledged.
  void Hint(uint64_t seq);
  static constexpr size_t kHints = 1024;
  // When Emergency has something to do next; UINT64_MAX if never.
  uint64_t NextDeadline() const { return deadline_; }

  Mode mode() const { return mode_; }
  bool any_sent() const { return any_sent_; }
  uint64_t last_sent() const { return last_sent_; }    // valid if any_sent()
  uint64_t first_sent() const { return first_sent_; }  // ... of the stream
  bool any_acked() const { return any_acked_; }
  uint64_t acked() const { return acked_; }  // valid if any_acked()
  // The oldest seq not acknowledged (valid unless kIdle).
  uint64_t first_unacked() const { return first_unacked_; }
  uint64_t emergency_sends() const { return emergency_sends_; }

 private:
  uint64_t SentAt(uint64_t seq) const;
  void Rearm();  // recomputes deadline_
  void NextInterval(uint64_t now_us);

  Options o_;
  Mode mode_ = Mode::kIdle;
  bool any_sent_ = false;
  bool any_acked_ = false;
  bool answered_ = false;  // an ack of this stream came (moved or not)
  uint64_t acked_ = 0;
  uint64_t first_unacked_ = 0;
  uint64_t first_sent_ = 0;
  uint64_t last_sent_ = 0;
  uint64_t waiting_since_ = 0;  // when acks last moved (or sending began)
  // (seq, time) of the first record sent in each resolution interval, a
  // ring in seq order: cps_[(cp_head_ + i) % size], i < cp_n_.
  struct Checkpoint {
    uint64_t seq, at;
  };
  std::vector<Checkpoint> cps_;
  size_t cp_head_ = 0, cp_n_ = 0;
  // A ring, hints_[(hint_head_ + i) % kHints]; inline: Hint runs on the TX
  // lcore, which never allocates.
  std::array<uint64_t, kHints> hints_{};
  size_t hint_head_ = 0, hint_n_ = 0;
  uint32_t emg_left_ = 0;   // resends left in this interval
  bool emg_fresh_ = false;  // emg_seq_ is the pass's first, not yet resent
  uint64_t emg_interval_ = 0;
  uint64_t emg_next_ = 0;  // when to resend next
  uint64_t emg_seq_ = 0;   // the seq resent last
  uint64_t emergency_sends_ = 0;
  uint64_t deadline_ = UINT64_MAX;  // NextDeadline()
};

// Which of a response's requests the sender acts on. Anyone who shares the
// collector's address can send "ncrx1 5 5 5 ...": 495 requests in 996
// bytes, each a record of up to 1000 bytes (issue 23). So: seqs beyond the
// last one sent are ignored (there is nothing to resend, and a notice for
// them would corrupt the receiver's stream); a seq counts once per response;
// at most kPerResponse distinct seqs per response; and a token bucket bounds
// the resends a second. What is left out is counted; a real collector asks
// again. Pure: no I/O, no allocation.
//
//   uint64_t take[reliable::RequestFilter::kPerResponse];
//   auto c = filter.Take(ack.requests(), retx, now, take);
//   for (size_t i = 0; i < c.taken; ++i) resend(take[i]);
class RequestFilter {
 public:
  // At least what ncrx and pmdcon-rx put in one 1000-byte response of
  // seqs above 999 (165 six-digit, 199 four-digit): at 30 % loss they fill
  // them, and any request cut is asked again only a stride later. 32 left
  // pmdcon-rx 78,489 of 100,000 records in tests/reliable/loss_test.sh, 128
  // 96,267.
  static constexpr size_t kPerResponse = 200;
  struct Options {
    // Enough to repair 30 % loss each way at 20,000 records/s (about 8,600
    // resends a second); at most ~16 MB/s of resends a target whatever
    // arrives. A byte budget tied to what arrives is for later.
    uint32_t rate_per_s = 16384;
    uint32_t burst = 16384;
  };
  struct Counts {
    size_t taken = 0;
    size_t unsent = 0;     // beyond the last seq sent, or nothing sent yet
    size_t duplicate = 0;  // asked for again in the same response
    size_t over_cap = 0;   // beyond kPerResponse distinct seqs
    size_t over_rate = 0;  // the token bucket was empty
    size_t refused() const { return unsent + duplicate + over_cap + over_rate; }
  };

  RequestFilter() : RequestFilter(Options()) {}
  explicit RequestFilter(Options o);

  // Writes the seqs to resend, in the order asked, into out[kPerResponse].
  Counts Take(std::span<const uint64_t> requests, const Retx& retx,
              uint64_t now_us, uint64_t* out);

 private:
  static constexpr uint64_t kToken = 1'000'000;  // per resend, in us*rate
  Options o_;
  uint64_t credit_;  // tokens * kToken
  uint64_t refilled_at_ = 0;
};

}  // namespace pmdcon::reliable

#endif  // PMDCON_RELIABLE_RETX_H_
