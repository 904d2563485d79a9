// What a reliable target sent recently, by seq: where a collector's request
// for a seq ("ncrx" datagram) is looked up, and what turns an acknowledged
// seq into the ring position published to the kernel. Pure: no I/O, no
// allocation after construction.
//
//   SentIndex idx;
//   idx.Put({seq, id, next_id, msgid, SentIndex::Kind::kSent});  // per record
//   if (const SentIndex::Entry* e = idx.Find(seq)) resend(e->id);
//   if (auto pos = idx.PositionAfter(acked_seq)) publish(*pos);
//
// Entries: the newest kEntries seqs (a receiver asks within its window:
// 8,192 for ncrx and pmdcon-rx), 2 MiB; a larger index would cost every
// record a cache miss. Positions: one checkpoint every kStride seqs, for
// kCheckpoints of them (a million seqs: acks lag by about a second at any
// rate pmdcon sends).
#ifndef PMDCON_RELIABLE_SENT_INDEX_H_
#define PMDCON_RELIABLE_SENT_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "pmdcon/ring.h"

namespace pmdcon::reliable {

class SentIndex {
  struct Checkpoint {
    uint64_t seq = 0, next_id = 0;
  };

 public:
  static constexpr uint64_t kEntries = 1u << 16;
  static constexpr uint64_t kCheckpoints = 1u << 14;
  static constexpr uint64_t kStride = 64;

  enum class Kind : uint8_t {
    kSent,      // on the wire: can be resent from the ring
    kFiltered,  // below the target's level filter: never sent
    kLimited,   // dropped by the rate limit: never sent
    kNotice,    // a loss notice took this seq (the last of a ring gap)
  };
  // 24 bytes: seq, id, msgid, and the distance to the next record's id.
  class Entry {
   public:
    Entry() = default;
    Entry(uint64_t seq, uint64_t id, uint64_t next_id, uint32_t msgid,
          Kind kind)
        : seq(seq),
          id(id),
          msgid(msgid),
          units_(pmdcon_id_pos(next_id) - pmdcon_id_pos(id)),
          kind(kind) {}

    uint64_t seq = UINT64_MAX;  // UINT64_MAX: empty
    uint64_t id = 0;            // ring id of the record
    uint32_t msgid = 0;         // sysdata msgid it went out with
    // Ring id after it (a notice stands between records: its own id).
    uint64_t next_id() const {
      return kind == Kind::kNotice
                 ? id
                 : pmdcon_id(pmdcon_id_rid(id) + 1, pmdcon_id_pos(id) + units_);
    }

   private:
    uint32_t units_ : 24 = 0;  // 8-byte units from id to next_id

   public:
    Kind kind : 8 = Kind::kSent;
  };
  static_assert(sizeof(Entry) == 24);

  SentIndex()
      : entries_(new Entry[kEntries]),
        checkpoints_(new Checkpoint[kCheckpoints]) {}

  // Seqs increase (a new stream starts with Clear()).
  void Put(const Entry& e) {
    entries_[e.seq % kEntries] = e;
    if (cp_n_ == 0 || e.seq >= Cp(cp_n_ - 1).seq + kStride) {
      if (cp_n_ == kCheckpoints) {
        cp_head_ = (cp_head_ + 1) % kCheckpoints;
        --cp_n_;
      }
      Cp(cp_n_++) = {e.seq, e.next_id()};
    }
    newest_ = e.seq;
    any_ = true;
  }
  // The entry of `seq`, or null if it was never put or has been forgotten.
  const Entry* Find(uint64_t seq) const {
    const Entry& e = entries_[seq % kEntries];
    return e.seq == seq ? &e : nullptr;
  }
  // The ring position after `seq`, or, if it was forgotten, after the last
  // checkpoint before it (an earlier position: records in between count as
  // not acknowledged). None if it is older than every checkpoint.
  std::optional<uint64_t> PositionAfter(uint64_t seq) const {
    if (const Entry* e = Find(seq)) return e->next_id();
    size_t lo = 0, hi = cp_n_;  // first checkpoint past seq
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (Cp(mid).seq <= seq) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) return std::nullopt;
    return Cp(lo - 1).next_id;
  }
  void Clear() {
    for (uint64_t i = 0; i < kEntries; ++i) entries_[i] = Entry{};
    cp_head_ = cp_n_ = 0;
    any_ = false;
  }

  bool any() const { return any_; }
  uint64_t newest() const { return newest_; }  // valid if any()
  // The oldest seq Find may still know (valid if any()).
  uint64_t oldest() const {
    return newest_ >= kEntries ? newest_ - kEntries + 1 : 0;
  }

 private:
  // The i-th checkpoint, oldest first.
  Checkpoint& Cp(size_t i) {
    return checkpoints_[(cp_head_ + i) % kCheckpoints];
  }
  const Checkpoint& Cp(size_t i) const {
    return checkpoints_[(cp_head_ + i) % kCheckpoints];
  }

  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<Checkpoint[]> checkpoints_;
  size_t cp_head_ = 0, cp_n_ = 0;
  bool any_ = false;
  uint64_t newest_ = 0;
};

}  // namespace pmdcon::reliable

#endif  // PMDCON_RELIABLE_SENT_INDEX_H_
