#include "ring/ring.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace pmdcon::ring {
namespace {

absl::Status Refuse(const char* why) {
  return absl::FailedPreconditionError(absl::StrCat("ring: ", why));
}

bool SameBoot(const pmdcon_ring_hdr* hdr, const BootId& boot) {
  return std::memcmp(hdr->boot_id, boot.data(), boot.size()) == 0;
}

}  // namespace

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kFormatted:
      return "formatted";
    case Origin::kThisBoot:
      return "this-boot";
    case Origin::kPreviousBoot:
      return "previous-boot";
  }
  return "?";
}

std::string_view LossCauseName(LossCause cause) {
  switch (cause) {
    case LossCause::kOverwritten:
      return "overwritten";
    case LossCause::kDropped:
      return "dropped";
    case LossCause::kCorrupt:
      return "corrupt";
  }
  return "?";
}

absl::StatusOr<OpenResult> OpenProducer(std::span<std::byte> region,
                                        const BootId& boot, uint64_t salt,
                                        pmdcon_ring* ring) {
  if (pmdcon_ring_data_size_for(region.size()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ring: region of ", region.size(), " bytes is too small (need ",
        PMDCON_DATA_OFFSET + PMDCON_DATA_MIN, ")"));
  }
  OpenResult result;
  const char* why = nullptr;
  if (pmdcon_ring_open(ring, region.data(), region.size(), &why) == 0) {
    if (pmdcon_ring_recover(ring, &result.cut) == 0) {
      result.origin =
          SameBoot(ring->hdr, boot) ? Origin::kThisBoot : Origin::kPreviousBoot;
      pmdcon_ring_adopt(ring, boot.data());
      return result;
    }
    why = "head and tail are inconsistent";
  }
  result.why = why;
  pmdcon_ring_format(ring, region.data(), region.size(), boot.data(), salt);
  return result;
}

absl::StatusOr<Origin> Classify(std::span<const std::byte> region,
                                const BootId& boot) {
  const char* why = nullptr;
  // pmdcon_ring_open only stores pointers; nothing is written through them.
  auto* base = const_cast<std::byte*>(region.data());
  pmdcon_ring ring;
  if (pmdcon_ring_open(&ring, base, region.size(), &why) != 0) {
    return Refuse(why);
  }
  if (!pmdcon_ring_bounds_ok(&ring, PMDCON_LOAD_ACQ(&ring.hdr->head),
                             PMDCON_LOAD_ACQ(&ring.hdr->tail))) {
    return Refuse("head and tail are inconsistent");
  }
  return SameBoot(ring.hdr, boot) ? Origin::kThisBoot : Origin::kPreviousBoot;
}

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Attach(
    std::span<std::byte> region, const BootId& boot, StartAt start, Role role) {
  PMDCON_ASSIGN_OR_RETURN(auto origin, Classify(region, boot));
  std::unique_ptr<Consumer> c(new Consumer());
  pmdcon_ring_open(&c->ring_, region.data(), region.size(), nullptr);
  c->origin_ = origin;
  c->role_ = role;
  // Room for one record of the largest size plus a burst of typical ones.
  c->buf_bytes_ = c->ring_.max_span + (64u << 10);
  c->buf_ = std::make_unique<uint64_t[]>(c->buf_bytes_ / 8);
  c->dropped_seen_ = PMDCON_LOAD(&c->ring_.hdr->dropped);
  c->heartbeat_ = PMDCON_LOAD(&c->ring_.cons->heartbeat);

  const uint64_t head = PMDCON_LOAD_ACQ(&c->ring_.hdr->head);
  const uint64_t tail = PMDCON_LOAD_ACQ(&c->ring_.hdr->tail);
  switch (start) {
    case StartAt::kOldest:
      c->cursor_ = tail;
      break;
    case StartAt::kNewest:
      c->cursor_ = head;
      break;
    case StartAt::kTransmitted: {
      // A position the producer has since overwritten stays as it is, so the
      // first Poll reports those records as lost; anything else that is not
      // a record boundary falls back to the oldest record.
      const uint64_t tx = PMDCON_LOAD_ACQ(&c->ring_.cons->tx_id);
      const uint32_t behind = pmdcon_id_pos(tail) - pmdcon_id_pos(tx);
      const uint32_t records = pmdcon_id_rid(tail) - pmdcon_id_rid(tx);
      const bool overwritten = static_cast<int32_t>(behind) > 0 &&
                               records > 0 &&
                               records <= behind / (sizeof(pmdcon_rec) / 8);
      c->cursor_ = overwritten ? tx : pmdcon_ring_cursor_check(&c->ring_, tx);
      break;
    }
  }
  c->head_hint_ = c->cursor_;
  c->FindPrevious();
  return c;
}

// The record before the start position, if the ring still holds it: a loss
// right after the start is then announced with the seqs and time around it
// (not as seq 0 at time 0, which receivers take for a reboot). One pass from
// the tail, at attach only, and over at most 64 MiB of records (a reload
// re-attaches; a larger ring's start is announced without them).
void Consumer::FindPrevious() {
  constexpr int32_t kMaxUnits = (64 << 20) / 8;  // positions count 8 bytes
  uint64_t at = PMDCON_LOAD_ACQ(&ring_.hdr->tail);
  if (pmdcon_pos_diff(pmdcon_id_pos(cursor_), pmdcon_id_pos(at)) > kMaxUnits) {
    return;
  }
  uint32_t lost = 0;
  while (at != cursor_ &&
         pmdcon_pos_diff(pmdcon_id_pos(at), pmdcon_id_pos(cursor_)) < 0) {
    if (pmdcon_ring_read(&ring_, &at, buf_.get(), buf_bytes_, &lost) !=
        PMDCON_READ_OK) {
      return;
    }
    const auto* h = reinterpret_cast<const pmdcon_rec*>(buf_.get());
    has_prev_ = true;
    prev_seq_ = h->seq;
    prev_ts_ = h->ts_usec;
  }
}

bool Consumer::SkipStuck(uint64_t now, uint64_t limit) {
  if (!stopped_pending_) {
    stuck_at_ = ~0ull;
    return false;
  }
  if (stuck_at_ != cursor_) {
    stuck_at_ = cursor_;
    stuck_since_ = now;
    return false;
  }
  if (now - stuck_since_ < limit) return false;
  // Its span is readable only if its writer got that far; if not, it stays
  // (the producer writes the header first: it then never got a record out).
  if (!pmdcon_ring_skip_pending(&ring_, &cursor_)) return false;
  head_hint_ = cursor_;
  AddPending(LossCause::kCorrupt, 1);
  ++stats_.lost_corrupt;
  stopped_pending_ = false;
  stuck_at_ = ~0ull;
  return true;
}

bool Consumer::CheckIdentity() {
  if (state_.load(std::memory_order_relaxed) != State::kAttached) return false;
  if (PMDCON_LOAD(&ring_.hdr->magic) == PMDCON_RING_MAGIC &&
      PMDCON_LOAD(&ring_.hdr->salt) == ring_.salt) {
    return true;
  }
  RingGone("its identity changed");
  return false;
}

void Consumer::RingGone(const char* how) {
  std::snprintf(last_error_, sizeof(last_error_),
                "ring: the ring was replaced under the reader (%s at id "
                "0x%016llx): reformatted or truncated",
                how, static_cast<unsigned long long>(cursor_));
  state_.store(State::kRingGone, std::memory_order_release);
}

void Consumer::Resync() {
  const uint64_t head = PMDCON_LOAD_ACQ(&ring_.hdr->head);
  const uint64_t tail = PMDCON_LOAD_ACQ(&ring_.hdr->tail);
  const uint64_t to =
      pmdcon_pos_diff(pmdcon_id_pos(tail), pmdcon_id_pos(cursor_)) > 0 ? tail
                                                                       : head;
  if (static_cast<int32_t>(pmdcon_id_rid(to) - pmdcon_id_rid(cursor_)) < 0) {
    // No longer the ring read so far, whatever its header says.
    RingGone("its head went back behind the reader");
    return;
  }
  const uint32_t skipped = pmdcon_id_rid(to) - pmdcon_id_rid(cursor_);
  std::snprintf(last_error_, sizeof(last_error_),
                "ring: malformed record at id 0x%016llx; skipped %u records "
                "to id 0x%016llx",
                static_cast<unsigned long long>(cursor_), skipped,
                static_cast<unsigned long long>(to));
  AddPending(LossCause::kCorrupt, skipped);
  stats_.lost_corrupt += skipped;
  ++stats_.corrupt_events;
  cursor_ = to;
  head_hint_ = to;
}

uint64_t Consumer::SeekTo(uint64_t id) {
  const uint64_t head = PMDCON_LOAD_ACQ(&ring_.hdr->head);
  if (static_cast<int32_t>(pmdcon_id_rid(head) - pmdcon_id_rid(id)) >= 0) {
    cursor_ = head_hint_ = id;
    has_prev_ = false;  // the next seq does not follow the last delivered
  }
  return cursor_;
}

Consumer::ReadAtResult Consumer::ReadAt(uint64_t id, const Record** out) {
  if (state_.load(std::memory_order_relaxed) != State::kAttached) {
    return ReadAtResult::kGone;
  }
  uint64_t c = id;
  uint32_t lost = 0;
  switch (pmdcon_ring_read(&ring_, &c, buf_.get(), buf_bytes_, &lost)) {
    case PMDCON_READ_OK:
      break;
    case PMDCON_READ_LOST:
      return ReadAtResult::kGone;
    default:
      return ReadAtResult::kUnreadable;
  }
  auto* h = reinterpret_cast<pmdcon_rec*>(buf_.get());
  pmdcon_rec_mark_boot(&ring_, h);
  MakeRecord(h);
  *out = &record_;
  return ReadAtResult::kOk;
}

void Consumer::MakeRecord(const pmdcon_rec* h) {
  const char* text = reinterpret_cast<const char*>(h + 1);
  record_.raw = h;
  record_.id = h->id;
  record_.next_id = pmdcon_next_id(h->id, h->span);
  record_.seq = h->seq;
  record_.ts_usec = h->ts_usec;
  record_.caller_id = h->caller_id;
  record_.cpu = h->cpu;
  record_.facility = h->prio >> 3;
  record_.level = h->prio & 7;
  record_.flags = h->flags;
  record_.previous_boot = (h->flags & PMDCON_REC_PREV_BOOT) != 0;
  record_.text = std::string_view(text, h->text_len);
  record_.dict = std::string_view(text + h->text_len, h->dict_len);
}

}  // namespace pmdcon::ring
