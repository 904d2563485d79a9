// C++ side of the record ring (include/pmdcon/ring.h): opening a region as a
// producer (keep, adopt or re-initialise) and the Consumer, which turns the
// ring into a stream of records and explicit loss events.
//
//   auto c = ring::Consumer::Attach(region, boot_id, ring::StartAt::kOldest);
//   struct Sink {
//     void OnRecord(const ring::Record& r);
//     void OnLoss(const ring::Loss& l);
//   } sink;
//   while (running) {
//     c->Poll(sink, 32);                 // hot path: no allocation, no I/O
//     c->PublishTransmitted(next_id);    // after the NIC took the packets
//     c->Heartbeat();
//   }
//
// Pure logic: no I/O; the caller maps the region.
#ifndef PMDCON_RING_RING_H_
#define PMDCON_RING_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/boot_id.h"
#include "pmdcon/ring.h"

namespace pmdcon::ring {

// Where the ring a region holds came from.
enum class Origin {
  kFormatted,     // new: the region held no valid ring (see OpenResult::why)
  kThisBoot,      // written earlier in this boot (e.g. a module reload)
  kPreviousBoot,  // kept across a warm reboot
};
std::string_view OriginName(Origin origin);

struct OpenResult {
  Origin origin = Origin::kFormatted;
  std::string why;   // kFormatted: why the old contents could not be kept
  uint32_t cut = 0;  // unfinished reservations of a dead writer removed
};

// Opens `region` for producing. A valid ring is kept: one from an earlier boot
// is adopted (new records get a new boot_gen), and reservations a dead
// writer left unfinished are cut off. Anything else is re-initialised, and
// `why` says what was wrong with it. Nothing may use the region meanwhile.
absl::StatusOr<OpenResult> OpenProducer(std::span<std::byte> region,
                                        const BootId& boot, uint64_t salt,
                                        pmdcon_ring* ring);

// Validates a region without changing it. Errors are FailedPrecondition and
// name the first problem ("ring: header checksum mismatch").
absl::StatusOr<Origin> Classify(std::span<const std::byte> region,
                                const BootId& boot);

// A record copied out of the ring. Views point into the consumer's buffer and
// stay valid until the next Poll.
struct Record {
  const pmdcon_rec* raw = nullptr;  // the copied header (for the encoder)
  uint64_t id = 0;                  // ring id of this record
  uint64_t next_id = 0;  // id after it: what PublishTransmitted takes
  uint64_t seq = 0;
  uint64_t ts_usec = 0;
  uint32_t caller_id = 0;
  uint16_t cpu = 0;
  uint8_t facility = 0;
  uint8_t level = 0;
  uint8_t flags = 0;  // PMDCON_REC_*
  bool previous_boot = false;
  std::string_view text;
  std::string_view dict;  // NUL-separated KEY=VALUE entries

  // The task name (measured on demand: the engine does not need it).
  std::string_view comm() const {
    return {raw->comm, strnlen(raw->comm, sizeof(raw->comm))};
  }
};

enum class LossCause {
  kOverwritten,  // the producer wrapped over records not yet read
  kDropped,      // the producer refused records (ring jammed)
  kCorrupt,      // malformed ring memory was skipped
};
std::string_view LossCauseName(LossCause cause);

// Records that will never be delivered. Seq bounds are those of the records
// delivered around the gap: the lost ones lie strictly between them.
struct Loss {
  LossCause cause = LossCause::kOverwritten;
  uint64_t records = 0;
  bool has_prev = false;  // a record was delivered before the gap
  uint64_t prev_seq = 0;
  uint64_t prev_ts_usec = 0;
  bool has_next = false;  // a record was delivered after the gap
  uint64_t next_seq = 0;
  // Where reading goes on after the gap (the next record's id): once the
  // loss is announced, the position to publish as transmitted, so that a
  // restart does not announce it again.
  uint64_t resume_id = 0;
};

struct ConsumerStats {
  uint64_t records = 0;
  uint64_t bytes = 0;  // text + dict
  uint64_t lost_overwritten = 0;
  uint64_t lost_dropped = 0;
  uint64_t lost_corrupt = 0;
  uint64_t corrupt_events = 0;
  uint64_t pending_polls = 0;  // polls that stopped at an unfinished record
};

enum class Role {
  kConsumer,  // the one consumer: publishes read/transmitted/heartbeat
  kObserver,  // reads only (dump tools); never writes the consumer page
};

enum class StartAt {
  kOldest,       // the oldest record still in the ring
  kTransmitted,  // resume after the last record published as transmitted
  kNewest,       // only records written from now on
};

// Cache-line aligned: its hot fields are written for every record and must not
// share a line with whatever the allocator puts next to it.
class alignas(64) Consumer {
 public:
  // Attaches to a ring some producer owns. The data area is only read; the
  // consumer page is written. Refuses a region that holds no valid ring.
  static absl::StatusOr<std::unique_ptr<Consumer>> Attach(
      std::span<std::byte> region, const BootId& boot, StartAt start,
      Role role = Role::kConsumer);

  // Delivers up to `max` records to sink.OnRecord, and every gap before them
  // to sink.OnLoss. Returns the number of records delivered.
  template <typename Sink>
  size_t Poll(Sink& sink, size_t max);

  // Emits a loss still waiting for the record after it (on shutdown).
  template <typename Sink>
  void FlushLoss(Sink& sink);

  // A record reserved but never committed holds back every record after
  // it. A writer that died mid-record never commits it: once the last Poll
  // has stopped at the same pending record since at least `limit` ago (any
  // monotonic clock; `now` in the same unit), the record is skipped and
  // announced by the next Poll as skipped. Returns whether it skipped.
  bool SkipStuck(uint64_t now, uint64_t limit);
  // The last Poll stopped at a record reserved but not committed (yet).
  bool stopped_at_pending() const { return stopped_pending_; }

  // From inside OnRecord: the sink cannot take `r` now (e.g. no buffers).
  // The cursor goes back to r, the rest of this Poll's records are not
  // delivered, and the next Poll starts with r again.
  void Unread(const Record& r) {
    cursor_ = r.id;
    head_hint_ = r.id;
    unread_ = true;
  }

  // Publishes that every record before `next_id` is on the wire.
  void PublishTransmitted(uint64_t next_id) {
    if (role_ == Role::kConsumer) PMDCON_STORE_REL(&ring_.cons->tx_id, next_id);
  }
  // Publishes how far this side has read (the module's statistics) and
  // which process reads (informational).
  void PublishRead(uint64_t next_id) {
    if (role_ == Role::kConsumer) PMDCON_STORE(&ring_.cons->read_id, next_id);
  }
  void PublishPid(uint32_t pid) {
    if (role_ == Role::kConsumer) PMDCON_STORE(&ring_.cons->consumer_pid, pid);
  }
  void Heartbeat() {
    if (role_ == Role::kConsumer)
      PMDCON_STORE(&ring_.cons->heartbeat, ++heartbeat_);
  }

  // The module's sender block (pmdcon_ring_hdr): PMDCON_SENDER_CONSUMER
  // while this side may send, PMDCON_SENDER_KERNEL while the module does.
  uint32_t sender() const { return PMDCON_LOAD_ACQ(&ring_.hdr->sender); }
  // Where the module stopped sending (valid once it handed the ring back).
  uint64_t kernel_tx_id() const {
    return PMDCON_LOAD_ACQ(&ring_.hdr->kernel_tx_id);
  }
  // Moves the cursor to `id` (the module's kernel_tx_id when it hands the
  // ring back): records before it went out another way. An id already
  // overwritten is reported as a loss by the next Poll; one ahead of head
  // leaves the cursor alone. Returns the cursor.
  uint64_t SeekTo(uint64_t id);

  // Reads the one record at `id` (a record delivered earlier, to resend it)
  // without moving the cursor. The record (views into this consumer's
  // buffer) stays valid until the next Poll or ReadAt. Use a consumer of its
  // own for this: Poll's records share the buffer.
  enum class ReadAtResult {
    kOk,
    kGone,        // overwritten since (or the ring is gone)
    kUnreadable,  // not a committed record there (a bad id)
  };
  ReadAtResult ReadAt(uint64_t id, const Record** out);

  uint64_t cursor() const { return cursor_; }
  Origin origin() const { return origin_; }
  const ConsumerStats& stats() const { return stats_; }

  // Whether the region still holds the ring this consumer attached to. A
  // file ring can be reformatted in place or truncated (its pages then read
  // as zeros) under a running consumer: from then on Poll delivers nothing
  // and reports no loss (its numbers would be those of another ring), and
  // the owner is told once by state() and last_error().
  enum class State { kAttached, kRingGone };
  // Any thread may ask; the consumer's thread moves it.
  State state() const { return state_.load(std::memory_order_acquire); }
  // Compares the ring's identity (magic, salt) with the one attached to;
  // cheap (one cache line the producer never writes). False moves state()
  // to kRingGone.
  bool CheckIdentity();
  // The most recent ring-memory problem, for the caller to log ("" if none).
  const char* last_error() const { return last_error_; }
  const pmdcon_ring& raw() const { return ring_; }

 private:
  Consumer() = default;

  template <typename Sink>
  void EmitLosses(Sink& sink, bool has_next, uint64_t next_seq,
                  uint64_t resume_id);
  void FindPrevious();
  void RingGone(const char* how);
  void AddPending(LossCause cause, uint64_t n) {
    pending_[static_cast<int>(cause)] += n;
    pending_total_ += n;
  }
  void Resync();
  void MakeRecord(const pmdcon_rec* h);

  static constexpr size_t kBurst = 32;

  pmdcon_ring ring_{};
  Origin origin_ = Origin::kThisBoot;
  Role role_ = Role::kConsumer;
  std::atomic<State> state_{State::kAttached};
  uint64_t cursor_ = 0;
  uint64_t head_hint_ = 0;
  uint64_t heartbeat_ = 0;
  uint64_t dropped_seen_ = 0;
  uint64_t pending_[3] = {};  // lost records by LossCause, not yet emitted
  uint64_t pending_total_ = 0;
  bool unread_ = false;
  bool stopped_pending_ = false;  // the last Poll stopped at a pending record
  uint64_t stuck_at_ = ~0ull;     // ... at this cursor
  uint64_t stuck_since_ = 0;      // first seen there (SkipStuck's clock)
  bool has_prev_ = false;
  uint64_t prev_seq_ = 0;
  uint64_t prev_ts_ = 0;
  ConsumerStats stats_;
  Record record_;
  char last_error_[160] = "";
  std::unique_ptr<uint64_t[]> buf_;  // burst buffer, 8-byte aligned
  uint32_t buf_bytes_ = 0;
};

template <typename Sink>
size_t Consumer::Poll(Sink& sink, size_t max) {
  const uint64_t dropped = PMDCON_LOAD(&ring_.hdr->dropped);
  if (dropped != dropped_seen_) [[unlikely]] {
    AddPending(LossCause::kDropped, dropped - dropped_seen_);
    stats_.lost_dropped += dropped - dropped_seen_;
    dropped_seen_ = dropped;
  }
  size_t total = 0;
  stopped_pending_ = false;
  if (state_.load(std::memory_order_relaxed) != State::kAttached) [[unlikely]]
    return 0;
  while (total < max) {
    const uint32_t want =
        static_cast<uint32_t>(max - total < kBurst ? max - total : kBurst);
    uint32_t skip, lost;
    int stop;
    uint32_t n =
        pmdcon_ring_read_burst(&ring_, &cursor_, &head_hint_, buf_.get(),
                               buf_bytes_, want, &skip, &lost, &stop);
    if (lost != 0) [[unlikely]] {
      if (!CheckIdentity()) return total;  // not a loss: another ring
      AddPending(LossCause::kOverwritten, lost);
      stats_.lost_overwritten += lost;
    }
    auto* p = reinterpret_cast<uint8_t*>(buf_.get()) + skip;
    for (uint32_t i = 0; i < n && !unread_; ++i) {
      auto* h = reinterpret_cast<pmdcon_rec*>(p);
      pmdcon_rec_mark_boot(&ring_, h);
      MakeRecord(h);
      if (pending_total_ != 0) [[unlikely]]
        EmitLosses(sink, true, record_.seq, record_.id);
      sink.OnRecord(record_);
      if (unread_) break;  // the sink gave it back: not delivered after all
      has_prev_ = true;
      prev_seq_ = record_.seq;
      prev_ts_ = record_.ts_usec;
      ++stats_.records;
      stats_.bytes += record_.text.size() + record_.dict.size();
      p += pmdcon_rec_len(h->text_len, h->dict_len);
      ++total;
    }
    if (unread_) [[unlikely]] {
      unread_ = false;
      break;
    }
    if (stop == PMDCON_READ_CORRUPT) [[unlikely]] {
      if (!CheckIdentity()) return total;
      Resync();
    } else if (stop != PMDCON_READ_OK) {
      stats_.pending_polls += stop == PMDCON_READ_PENDING;
      stopped_pending_ = stop == PMDCON_READ_PENDING;
      break;
    } else if (n == 0 && lost == 0) {
      break;
    }
  }
  if (role_ == Role::kConsumer) PMDCON_STORE(&ring_.cons->read_id, cursor_);
  return total;
}

template <typename Sink>
void Consumer::EmitLosses(Sink& sink, bool has_next, uint64_t next_seq,
                          uint64_t resume_id) {
  for (int cause = 0; cause < 3; ++cause) {
    if (pending_[cause] == 0) [[likely]]
      continue;
    Loss loss;
    loss.cause = static_cast<LossCause>(cause);
    loss.records = pending_[cause];
    loss.has_prev = has_prev_;
    loss.prev_seq = prev_seq_;
    loss.prev_ts_usec = prev_ts_;
    loss.has_next = has_next;
    loss.next_seq = next_seq;
    loss.resume_id = resume_id;
    pending_[cause] = 0;
    sink.OnLoss(loss);
  }
  pending_total_ = 0;
}

template <typename Sink>
void Consumer::FlushLoss(Sink& sink) {
  EmitLosses(sink, false, 0, cursor_);
}

}  // namespace pmdcon::ring

#endif  // PMDCON_RING_RING_H_
