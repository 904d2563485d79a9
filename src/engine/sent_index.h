// Where a reliable target's recent records are in the ring, by seq: what a
// collector's request for a seq ("ncrx" datagram) is looked up in, and what
// turns an acknowledged seq into the ring position published to the kernel.
// A fixed window of the newest seqs (a power of two, allocated once); older
// ones are forgotten. Pure: no I/O, no allocation after construction.
//
//   SentIndex idx(1 << 16);
//   idx.Put({seq, id, next_id, msgid, SentIndex::Kind::kSent});  // per record
//   if (const SentIndex::Entry* e = idx.Find(seq)) resend(e->id);
#ifndef PMDCON_ENGINE_SENT_INDEX_H_
#define PMDCON_ENGINE_SENT_INDEX_H_

#include <bit>
#include <cstdint>
#include <memory>

namespace pmdcon::engine {

class SentIndex {
 public:
  enum class Kind : uint8_t {
    kSent,      // on the wire: can be resent from the ring
    kFiltered,  // below the target's level filter: never sent
    kLimited,   // dropped by the rate limit: never sent
    kNotice,    // a loss notice took this seq (the last of a ring gap)
  };
  struct Entry {
    uint64_t seq = UINT64_MAX;  // UINT64_MAX: empty
    uint64_t id = 0;            // ring id of the record
    uint64_t next_id = 0;       // ring id after it
    uint32_t msgid = 0;         // sysdata msgid it went out with
    Kind kind = Kind::kSent;
  };

  // capacity: rounded up to a power of two, at least 2.
  explicit SentIndex(uint64_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? uint64_t{2} : capacity) - 1),
        slots_(new Entry[mask_ + 1]) {}

  void Put(const Entry& e) {
    slots_[e.seq & mask_] = e;
    if (!any_ || e.seq > newest_) newest_ = e.seq;
    any_ = true;
  }
  // The entry of `seq`, or null if it was never put or has been forgotten.
  const Entry* Find(uint64_t seq) const {
    const Entry& e = slots_[seq & mask_];
    return e.seq == seq ? &e : nullptr;
  }
  void Clear() {
    for (uint64_t i = 0; i <= mask_; ++i) slots_[i] = Entry{};
    any_ = false;
  }

  uint64_t capacity() const { return mask_ + 1; }
  bool any() const { return any_; }
  uint64_t newest() const { return newest_; }  // valid if any()

 private:
  uint64_t mask_;
  std::unique_ptr<Entry[]> slots_;
  bool any_ = false;
  uint64_t newest_ = 0;
};

}  // namespace pmdcon::engine

#endif  // PMDCON_ENGINE_SENT_INDEX_H_
