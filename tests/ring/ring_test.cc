// Unit tests of the ring ABI (include/pmdcon/ring.h) and its C++ consumer.
#include "ring/ring.h"

#include <gtest/gtest.h>

#include <string>

#include "test_region.h"

namespace pmdcon {
namespace {

using ring::Consumer;
using ring::LossCause;
using ring::Origin;
using ring::StartAt;
using testing::Collector;
using testing::GuardedRegion;
using testing::TestBoot;
using testing::WriteText;

constexpr size_t kSmall = PMDCON_DATA_OFFSET + 4096;  // 4 KiB data area

std::string Text(uint64_t seq, size_t len) {
  std::string s = "record " + std::to_string(seq) + " ";
  s.resize(len, static_cast<char>('a' + seq % 26));
  return s;
}

class RingTest : public ::testing::Test {
 protected:
  void Format(size_t size) {
    region_ = std::make_unique<GuardedRegion>(size);
    auto r = ring::OpenProducer(region_->bytes(), TestBoot(1), 0x1234, &ring_);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->origin, Origin::kFormatted);
  }
  std::unique_ptr<Consumer> Attach(StartAt start = StartAt::kOldest) {
    auto c = Consumer::Attach(region_->bytes(), TestBoot(1), start);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::unique_ptr<GuardedRegion> region_;
  pmdcon_ring ring_{};
};

TEST(RingLayout, GeometryFollowsRegionSize) {
  EXPECT_EQ(pmdcon_ring_data_size_for(PMDCON_DATA_OFFSET + 4095), 0u);
  EXPECT_EQ(pmdcon_ring_data_size_for(PMDCON_DATA_OFFSET + 4096), 4096u);
  EXPECT_EQ(pmdcon_ring_data_size_for(16u << 20), 8u << 20);
  EXPECT_EQ(pmdcon_ring_data_size_for((16u << 20) + PMDCON_DATA_OFFSET),
            16u << 20);
  EXPECT_EQ(pmdcon_ring_data_size_for(8ull << 30), PMDCON_DATA_MAX);
  EXPECT_EQ(pmdcon_ring_max_span_for(4096), 1024u);
  EXPECT_EQ(pmdcon_ring_max_span_for(16u << 20),
            pmdcon_align8(sizeof(pmdcon_rec) + 2 * 0xffff));
}

TEST(RingLayout, IdsPackRidAndPosition) {
  const uint64_t id = pmdcon_id(7, 0xfffffff0u);
  EXPECT_EQ(pmdcon_id_rid(id), 7u);
  EXPECT_EQ(pmdcon_id_pos(id), 0xfffffff0u);
  EXPECT_EQ(pmdcon_pos_diff(0x10, 0xfffffff0u), 0x20);  // across the wrap
  EXPECT_EQ(pmdcon_pos_diff(0xfffffff0u, 0x10), -0x20);
}

TEST_F(RingTest, FormatWritesIdentityAndEmptyRing) {
  Format(kSmall);
  const pmdcon_ring_hdr& h = *ring_.hdr;
  EXPECT_EQ(h.magic, PMDCON_RING_MAGIC);
  EXPECT_EQ(h.abi_version, PMDCON_RING_ABI_VERSION);
  EXPECT_EQ(h.data_size, 4096u);
  EXPECT_EQ(h.salt & 1, 1u);
  EXPECT_EQ(h.head, h.tail);
  EXPECT_EQ(h.hdr_csum, pmdcon_hdr_csum(&h));
  auto c = Attach();
  Collector out;
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_TRUE(out.losses.empty());
}

TEST_F(RingTest, RecordsRoundTripWithAllFields) {
  Format(kSmall);
  pmdcon_rec meta{};
  meta.seq = 42;
  meta.ts_usec = 1234567;
  meta.caller_id = 0x80000003;
  meta.cpu = 3;
  meta.prio = 3 << 3 | 4;
  meta.flags =
      PMDCON_REC_CONT | PMDCON_REC_CALLER | PMDCON_REC_CPU | PMDCON_REC_COMM;
  std::strcpy(meta.comm, "kworker/3:1");
  const std::string text = "hello\tworld\\";
  const std::string dict("SUBSYSTEM=net\0DEVICE=n2", 23);
  ASSERT_EQ(pmdcon_ring_write(&ring_, &meta, text.data(), text.size(),
                              dict.data(), dict.size()),
            1);
  auto c = Attach();
  struct Sink {
    ring::Record got;
    int n = 0;
    std::string text, dict, comm;
    void OnRecord(const ring::Record& r) {
      got = r;
      text = r.text;
      dict = r.dict;
      comm = r.comm();
      ++n;
    }
    void OnLoss(const ring::Loss&) { ADD_FAILURE() << "no loss expected"; }
  } sink;
  ASSERT_EQ(c->Poll(sink, 10), 1u);
  EXPECT_EQ(sink.got.seq, 42u);
  EXPECT_EQ(sink.got.ts_usec, 1234567u);
  EXPECT_EQ(sink.got.caller_id, 0x80000003u);
  EXPECT_EQ(sink.got.cpu, 3u);
  EXPECT_EQ(sink.got.facility, 3u);
  EXPECT_EQ(sink.got.level, 4u);
  EXPECT_EQ(sink.got.flags, meta.flags);
  EXPECT_FALSE(sink.got.previous_boot);
  EXPECT_EQ(sink.text, text);
  EXPECT_EQ(sink.dict, dict);
  EXPECT_EQ(sink.comm, "kworker/3:1");
  EXPECT_EQ(sink.got.id, ring_.hdr->tail);
  EXPECT_EQ(sink.got.next_id, ring_.hdr->head);
  EXPECT_EQ(c->stats().bytes, text.size() + dict.size());
}

TEST_F(RingTest, OverlongRecordsAreTruncatedAndFlagged) {
  Format(kSmall);  // max span 1024
  const std::string text(5000, 'x');
  ASSERT_EQ(WriteText(&ring_, 1, text, "KEY=value"), 1);
  auto c = Attach();
  Collector out;
  struct Flags {
    uint8_t flags = 0;
    size_t text = 0, dict = 0;
    void OnRecord(const ring::Record& r) {
      flags = r.flags;
      text = r.text.size();
      dict = r.dict.size();
    }
    void OnLoss(const ring::Loss&) {}
  } f;
  ASSERT_EQ(c->Poll(f, 1), 1u);
  EXPECT_TRUE(f.flags & PMDCON_REC_TRUNCATED);
  EXPECT_EQ(f.text, 1024 - sizeof(pmdcon_rec));
  EXPECT_EQ(f.dict, 0u);
}

// Many laps of a 4 KiB ring with sizes that force wrap markers, consumer
// keeping up: every record arrives intact, in order, none lost.
TEST_F(RingTest, WrapsCleanlyOverManyLaps) {
  Format(kSmall);
  auto c = Attach();
  Collector out;
  uint64_t wrapped = 0;
  for (uint64_t seq = 0; seq < 5000; ++seq) {
    const size_t len = 1 + (seq * 37) % 700;
    const uint32_t before = pmdcon_id_pos(ring_.hdr->head);
    ASSERT_EQ(WriteText(&ring_, seq, Text(seq, len)), 1);
    const uint32_t span = pmdcon_id_pos(ring_.hdr->head) - before;
    wrapped += span * 8 > pmdcon_align8(sizeof(pmdcon_rec) + len);
    if (seq % 3 == 2) c->Poll(out, 100);
  }
  c->Poll(out, 100);
  EXPECT_GT(wrapped, 100u) << "sizes should have forced wrap markers";
  ASSERT_EQ(out.records.size(), 5000u);
  EXPECT_TRUE(out.losses.empty());
  for (uint64_t seq = 0; seq < 5000; ++seq) {
    ASSERT_EQ(out.records[seq].seq, seq);
    ASSERT_EQ(out.records[seq].text, Text(seq, 1 + (seq * 37) % 700));
  }
}

TEST_F(RingTest, ConsumerStopsAtUnfinishedRecordUntilCommitted) {
  Format(kSmall);
  auto c = Attach();
  pmdcon_rec* a = pmdcon_ring_reserve(&ring_, 3, 0, 1);
  ASSERT_NE(a, nullptr);
  std::memcpy(pmdcon_rec_text(a), "one", 3);
  ASSERT_EQ(WriteText(&ring_, 2, "two"), 1);  // a later writer finishes first
  Collector out;
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_EQ(c->stats().pending_polls, 1u);
  pmdcon_ring_commit(&ring_, a);
  EXPECT_EQ(c->Poll(out, 10), 2u);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].text, "one");
  EXPECT_EQ(out.records[1].text, "two");
}

// The panic path's way past a record whose writer was stopped mid-write.
TEST_F(RingTest, PendingRecordOfADeadWriterCanBeSkipped) {
  Format(kSmall);
  uint64_t c = __atomic_load_n(&ring_.hdr->tail, __ATOMIC_ACQUIRE);
  ASSERT_EQ(WriteText(&ring_, 1, "before"), 1);
  ASSERT_NE(pmdcon_ring_reserve(&ring_, 40, 0, 2), nullptr);  // never commits
  ASSERT_EQ(WriteText(&ring_, 3, "after"), 1);
  std::vector<uint64_t> buf(kSmall / 8);
  uint32_t lost = 0;
  ASSERT_EQ(pmdcon_ring_read(&ring_, &c, buf.data(), ring_.max_span, &lost),
            PMDCON_READ_OK);
  const uint64_t stuck = c;
  ASSERT_EQ(pmdcon_ring_read(&ring_, &c, buf.data(), ring_.max_span, &lost),
            PMDCON_READ_PENDING);
  EXPECT_EQ(c, stuck);
  ASSERT_EQ(pmdcon_ring_skip_pending(&ring_, &c), 1);
  ASSERT_EQ(pmdcon_ring_read(&ring_, &c, buf.data(), ring_.max_span, &lost),
            PMDCON_READ_OK);
  const auto* rec = reinterpret_cast<const pmdcon_rec*>(buf.data());
  EXPECT_EQ(rec->seq, 3u);
  // A position that holds no record of that id cannot be skipped.
  uint64_t nowhere = stuck + (uint64_t{7} << 32);
  EXPECT_EQ(pmdcon_ring_skip_pending(&ring_, &nowhere), 0);
}

// Issue 12.8: the consumer skips a record its writer never commits, after
// it has waited `limit`, and announces it; a record that commits in time is
// delivered. The clock is the caller's.
TEST_F(RingTest, ConsumerSkipsARecordStuckPendingAndAnnouncesIt) {
  Format(kSmall);
  auto c = Attach();
  ASSERT_EQ(WriteText(&ring_, 1, "before"), 1);
  ASSERT_NE(pmdcon_ring_reserve(&ring_, 40, 0, 2), nullptr);  // never commits
  ASSERT_EQ(WriteText(&ring_, 3, "after"), 1);
  Collector out;
  EXPECT_EQ(c->Poll(out, 10), 1u);
  EXPECT_FALSE(c->SkipStuck(1000, 500));  // first seen stuck at 1000
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_FALSE(c->SkipStuck(1400, 500));  // waited 400 < 500
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_TRUE(c->SkipStuck(1500, 500));
  EXPECT_EQ(c->Poll(out, 10), 1u);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[1].text, "after");
  ASSERT_EQ(out.losses.size(), 1u);
  EXPECT_EQ(out.losses[0].cause, LossCause::kCorrupt);
  EXPECT_EQ(out.losses[0].records, 1u);
  EXPECT_EQ(c->stats().lost_corrupt, 1u);
  // Nothing pending: nothing to skip.
  EXPECT_FALSE(c->SkipStuck(9000, 0));
}

TEST_F(RingTest, APendingRecordThatCommitsInTimeIsDelivered) {
  Format(kSmall);
  auto c = Attach();
  pmdcon_rec* a = pmdcon_ring_reserve(&ring_, 3, 0, 1);
  ASSERT_NE(a, nullptr);
  std::memcpy(pmdcon_rec_text(a), "one", 3);
  Collector out;
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_FALSE(c->SkipStuck(0, 100));
  EXPECT_EQ(c->Poll(out, 10), 0u);
  EXPECT_FALSE(c->SkipStuck(99, 100));
  pmdcon_ring_commit(&ring_, a);
  EXPECT_EQ(c->Poll(out, 10), 1u);
  EXPECT_FALSE(c->SkipStuck(1000, 100));  // the last Poll was not stuck
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].text, "one");
  EXPECT_TRUE(out.losses.empty());
}

// A hand-back position (the module's kernel_tx_id): forward skips what the
// module sent; one already overwritten is reported as a loss by the next
// Poll; one ahead of head leaves the cursor alone.
TEST_F(RingTest, SeekToMovesTheCursorOrReportsTheOverwritten) {
  Format(kSmall);
  auto c = Attach();
  const uint64_t first = c->cursor();
  for (uint64_t seq = 0; seq < 5; ++seq) {
    ASSERT_EQ(WriteText(&ring_, seq, Text(seq, 20)), 1);
  }
  uint64_t third = first;
  std::vector<uint64_t> buf(kSmall / 8);
  uint32_t lost = 0;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        pmdcon_ring_read(&ring_, &third, buf.data(), ring_.max_span, &lost),
        PMDCON_READ_OK);
  }
  EXPECT_EQ(c->SeekTo(third), third);
  Collector out;
  ASSERT_EQ(c->Poll(out, 10), 3u);
  EXPECT_EQ(out.records[0].seq, 2u);
  const uint64_t head = c->cursor();
  EXPECT_EQ(c->SeekTo(head + (uint64_t{1} << 32)), head) << "ahead of head";
  // Overwrite `first`, then seek back to it: the next Poll reports the loss.
  for (uint64_t seq = 5; seq < 200; ++seq) {
    ASSERT_EQ(WriteText(&ring_, seq, Text(seq, 20)), 1);
  }
  EXPECT_EQ(c->SeekTo(first), first);
  Collector after;
  c->Poll(after, 1000);
  ASSERT_FALSE(after.losses.empty());
  EXPECT_EQ(after.losses[0].cause, ring::LossCause::kOverwritten);
  ASSERT_FALSE(after.records.empty());
  EXPECT_EQ(after.records.back().seq, 199u);
}

TEST_F(RingTest, OverwriteIsCountedWithSeqRange) {
  Format(kSmall);
  auto c = Attach();
  Collector out;
  ASSERT_EQ(WriteText(&ring_, 100, Text(100, 50)), 1);
  ASSERT_EQ(c->Poll(out, 10), 1u);
  for (uint64_t seq = 101; seq < 301; ++seq) {
    ASSERT_EQ(WriteText(&ring_, seq, Text(seq, 50)), 1);
  }
  c->Poll(out, 1000);
  const uint32_t kept =
      pmdcon_id_rid(ring_.hdr->head) - pmdcon_id_rid(ring_.hdr->tail);
  ASSERT_EQ(out.losses.size(), 1u);
  const ring::Loss& loss = out.losses[0];
  EXPECT_EQ(loss.cause, LossCause::kOverwritten);
  EXPECT_EQ(loss.records, 200u - kept);
  EXPECT_TRUE(loss.has_prev);
  EXPECT_EQ(loss.prev_seq, 100u);
  EXPECT_TRUE(loss.has_next);
  EXPECT_EQ(loss.next_seq, 101 + loss.records);
  ASSERT_EQ(out.records.size(), 1 + kept);
  for (size_t i = 1; i < out.records.size(); ++i) {
    EXPECT_EQ(out.records[i].seq, loss.next_seq + i - 1);
  }
  EXPECT_EQ(c->stats().lost_overwritten, loss.records);
}

// A reader that copied a record while a writer lapped it must not deliver the
// torn copy: it detects the moved tail and counts the loss instead.
TEST_F(RingTest, ReadValidatesAfterCopy) {
  Format(kSmall);
  ASSERT_EQ(WriteText(&ring_, 0, Text(0, 100)), 1);
  uint64_t cursor = ring_.hdr->tail;
  alignas(8) uint8_t buf[1024];
  uint32_t lost = 0;
  // Lap the ring "during" the read: push the tail past the cursor by hand.
  for (uint64_t seq = 1; seq < 40; ++seq)
    WriteText(&ring_, seq, Text(seq, 100));
  ASSERT_NE(ring_.hdr->tail, cursor);
  EXPECT_EQ(pmdcon_ring_read(&ring_, &cursor, buf, sizeof(buf), &lost),
            PMDCON_READ_LOST);
  EXPECT_EQ(cursor, ring_.hdr->tail);
  EXPECT_EQ(lost, pmdcon_id_rid(ring_.hdr->tail));
}

TEST_F(RingTest, JammedRingDropsAndCountsInsteadOfWaiting) {
  Format(kSmall);
  auto c = Attach(StartAt::kNewest);
  pmdcon_rec* stuck = pmdcon_ring_reserve(&ring_, 10, 0, 0);
  ASSERT_NE(stuck, nullptr);
  uint64_t written = 0, dropped = 0;
  for (uint64_t seq = 1; seq <= 200; ++seq) {
    (WriteText(&ring_, seq, Text(seq, 40)) ? written : dropped)++;
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(ring_.hdr->dropped, dropped);
  EXPECT_EQ(ring_.hdr->dropped_seq, 200u);
  // Unjam: the stuck writer finishes; new records flow again.
  std::memcpy(pmdcon_rec_text(stuck), "late write", 10);
  pmdcon_ring_commit(&ring_, stuck);
  Collector out;
  c->Poll(out, 1000);
  ASSERT_EQ(WriteText(&ring_, 201, "after"), 1);
  c->Poll(out, 1000);
  EXPECT_EQ(out.records.back().text, "after");
  uint64_t drop_loss = 0;
  for (const auto& l : out.losses)
    if (l.cause == LossCause::kDropped) drop_loss += l.records;
  EXPECT_EQ(drop_loss, dropped);
  EXPECT_EQ(out.records.size() + out.lost(), written + dropped + 2);
}

TEST_F(RingTest, ResumesFromTransmittedPosition) {
  Format(PMDCON_DATA_OFFSET + 65536);
  for (uint64_t seq = 0; seq < 10; ++seq) WriteText(&ring_, seq, Text(seq, 30));
  {
    auto c = Attach();
    struct Tx {
      Consumer* c;
      int n = 0;
      void OnRecord(const ring::Record& r) {
        if (++n <= 4) c->PublishTransmitted(r.next_id);
      }
      void OnLoss(const ring::Loss&) {}
    } tx{c.get()};
    ASSERT_EQ(c->Poll(tx, 100), 10u);  // read 10, only 4 transmitted
  }
  auto c = Attach(StartAt::kTransmitted);
  Collector out;
  ASSERT_EQ(c->Poll(out, 100), 6u);
  EXPECT_EQ(out.records.front().seq, 4u);
  EXPECT_TRUE(out.losses.empty());
}

TEST_F(RingTest, ResumeAfterOverwriteReportsTheLoss) {
  Format(kSmall);
  WriteText(&ring_, 0, "first");
  {
    auto c = Attach();
    Collector out;
    ASSERT_EQ(c->Poll(out, 1), 1u);
    c->PublishTransmitted(out.records.empty() ? 0 : ring_.hdr->head);
  }
  for (uint64_t seq = 1; seq < 500; ++seq)
    WriteText(&ring_, seq, Text(seq, 60));
  auto c = Attach(StartAt::kTransmitted);
  Collector out;
  c->Poll(out, 1000);
  ASSERT_FALSE(out.records.empty());
  EXPECT_EQ(out.lost() + out.records.size(), 499u);
  EXPECT_EQ(out.losses.at(0).next_seq, out.records.front().seq);
}

TEST_F(RingTest, UntrustedCursorIsClampedToARecordBoundary) {
  Format(kSmall);
  for (uint64_t seq = 0; seq < 5; ++seq) WriteText(&ring_, seq, Text(seq, 30));
  const uint64_t head = ring_.hdr->head, tail = ring_.hdr->tail;
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, head), head);
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, tail), tail);
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, tail + 1), tail);  // mid-record
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, head + 9), tail);  // past head
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, ~0ull), tail);
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, pmdcon_id(99, 0)), tail);
  // A true boundary in the middle is kept.
  uint64_t cursor = tail;
  alignas(8) uint8_t buf[1024];
  uint32_t lost;
  ASSERT_EQ(pmdcon_ring_read(&ring_, &cursor, buf, sizeof(buf), &lost),
            PMDCON_READ_OK);
  EXPECT_EQ(pmdcon_ring_cursor_check(&ring_, cursor), cursor);
}

TEST_F(RingTest, PreviousBootRingIsAdoptedAndMarked) {
  Format(kSmall);
  WriteText(&ring_, 7, "from the last boot");
  pmdcon_ring again;
  auto r = ring::OpenProducer(region_->bytes(), TestBoot(2), 99, &again);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->origin, Origin::kPreviousBoot);
  EXPECT_EQ(again.hdr->boot_gen, 1u);
  EXPECT_EQ(std::memcmp(again.hdr->prev_boot_id, TestBoot(1).data(), 16), 0);
  WriteText(&again, 8, "from this boot");
  auto c = Consumer::Attach(region_->bytes(), TestBoot(2), StartAt::kOldest);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->origin(), Origin::kThisBoot);
  Collector out;
  ASSERT_EQ((*c)->Poll(out, 10), 2u);
  EXPECT_TRUE(out.records[0].previous_boot);
  EXPECT_FALSE(out.records[1].previous_boot);
  // The same boot re-opening keeps everything and changes nothing.
  auto same = ring::OpenProducer(region_->bytes(), TestBoot(2), 5, &again);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->origin, Origin::kThisBoot);
  EXPECT_EQ(again.hdr->boot_gen, 1u);
}

TEST_F(RingTest, ConsumerSeesPreviousBootBeforeAdoption) {
  Format(kSmall);
  auto origin = ring::Classify(region_->bytes(), TestBoot(9));
  ASSERT_TRUE(origin.ok());
  EXPECT_EQ(*origin, Origin::kPreviousBoot);
}

TEST_F(RingTest, DeadWritersUnfinishedRecordIsCutOnRecovery) {
  Format(kSmall);
  WriteText(&ring_, 1, "complete");
  ASSERT_NE(pmdcon_ring_reserve(&ring_, 20, 0, 2), nullptr);  // never commits
  pmdcon_ring again;
  auto r = ring::OpenProducer(region_->bytes(), TestBoot(2), 1, &again);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->origin, Origin::kPreviousBoot);
  EXPECT_EQ(r->cut, 1u);
  WriteText(&again, 3, "next boot");
  auto c = Consumer::Attach(region_->bytes(), TestBoot(2), StartAt::kOldest);
  ASSERT_TRUE(c.ok());
  Collector out;
  ASSERT_EQ((*c)->Poll(out, 10), 2u);
  EXPECT_EQ(out.records[0].text, "complete");
  EXPECT_EQ(out.records[1].text, "next boot");
}

struct Corruption {
  const char* name;
  size_t offset;
  uint64_t value;
  size_t width;
  const char* why;
};

class RingGarbageTest : public RingTest,
                        public ::testing::WithParamInterface<Corruption> {};

TEST_P(RingGarbageTest, GarbageIsRefusedWithReasonAndReformatted) {
  Format(kSmall);
  WriteText(&ring_, 1, "x");
  const Corruption& k = GetParam();
  std::memcpy(region_->data() + k.offset, &k.value, k.width);
  if (k.offset != offsetof(pmdcon_ring_hdr, hdr_csum) &&
      k.offset < offsetof(pmdcon_ring_hdr, hdr_csum) &&
      std::string(k.why) != "header checksum mismatch") {
    ring_.hdr->hdr_csum = pmdcon_hdr_csum(ring_.hdr);  // a consistent liar
  }
  auto origin = ring::Classify(region_->bytes(), TestBoot(1));
  ASSERT_FALSE(origin.ok());
  EXPECT_EQ(origin.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(origin.status().message(), std::string("ring: ") + k.why);
  auto c = Consumer::Attach(region_->bytes(), TestBoot(1), StartAt::kOldest);
  EXPECT_FALSE(c.ok());
  pmdcon_ring fresh;
  auto r = ring::OpenProducer(region_->bytes(), TestBoot(1), 7, &fresh);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->origin, Origin::kFormatted);
  EXPECT_EQ(r->why, k.why);
  EXPECT_EQ(fresh.hdr->head, fresh.hdr->tail);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, RingGarbageTest,
    ::testing::Values(
        Corruption{"magic", 0, 0x4141414141414141ull, 8,
                   "bad magic (not a pmdcon ring)"},
        Corruption{"csum", offsetof(pmdcon_ring_hdr, hdr_csum), 1, 4,
                   "header checksum mismatch"},
        Corruption{"flipped_bit", offsetof(pmdcon_ring_hdr, data_size), 8192, 8,
                   "header checksum mismatch"},
        Corruption{"abi", offsetof(pmdcon_ring_hdr, abi_version), 2, 4,
                   "unsupported ABI version"},
        Corruption{"rec_size", offsetof(pmdcon_ring_hdr, rec_hdr_size), 64, 4,
                   "structure sizes differ from this build"},
        Corruption{"cons_off", offsetof(pmdcon_ring_hdr, cons_offset), 0, 4,
                   "unexpected page offsets"},
        Corruption{"region", offsetof(pmdcon_ring_hdr, region_size), 1 << 20, 8,
                   "region size differs from the mapping"},
        Corruption{"data_size", offsetof(pmdcon_ring_hdr, data_size), 3000, 8,
                   "bad data size"},
        Corruption{"max_span", offsetof(pmdcon_ring_hdr, max_span), 4096, 4,
                   "bad max_span"},
        Corruption{"salt", offsetof(pmdcon_ring_hdr, salt), 2, 8, "bad salt"},
        Corruption{"head", offsetof(pmdcon_ring_hdr, head), 0x0000000100100000,
                   8, "head and tail are inconsistent"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RingRegion, TooSmallRegionIsAnError) {
  GuardedRegion region(PMDCON_DATA_OFFSET + 100);
  pmdcon_ring r;
  auto res = ring::OpenProducer(region.bytes(), TestBoot(1), 1, &r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(res.status().message().find("too small"), std::string::npos);
}

TEST(BootId, ParsesAndFormats) {
  auto id = ParseBootId("79fce805-fe36-4925-8cef-dca61fd2799f\n");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(FormatBootId(*id), "79fce805-fe36-4925-8cef-dca61fd2799f");
  EXPECT_EQ((*id)[0], 0x79);
  EXPECT_EQ(
      ParseBootId("79fce805-fe36-4925-8cef-dca61fd2799").status().message(),
      "boot id: expected a 36-character UUID, got 35 characters");
  EXPECT_EQ(
      ParseBootId("79fce805xfe36-4925-8cef-dca61fd2799f").status().message(),
      "boot id: unexpected character at column 9");
  EXPECT_EQ(
      ParseBootId("79fce805-fe36-4925-8cef-dca61fd2799g").status().message(),
      "boot id: unexpected character at column 36");
}

}  // namespace
}  // namespace pmdcon

namespace pmdcon {
namespace {

// A burst that copied records which were then overwritten must not trust the
// span it copied from them (it may be torn): the cursor resumes at the tail,
// and every lost record is counted exactly once. (Found by the stress test.)
TEST(RingBurst, TornSpanOfAnOverwrittenRecordIsNotFollowed) {
  testing::GuardedRegion region(PMDCON_DATA_OFFSET + 4096);
  pmdcon_ring r;
  ASSERT_EQ(pmdcon_ring_format(&r, region.data(), region.size(),
                               testing::TestBoot(1).data(), 3),
            0);
  uint64_t ids[4];
  for (int i = 0; i < 4; ++i) {
    ids[i] = r.hdr->head;
    ASSERT_EQ(testing::WriteText(&r, static_cast<uint64_t>(i),
                                 std::string(100, 'a' + i)),
              1);
  }
  // Records 0 and 1 are "overwritten": the tail has moved to record 2, and
  // record 1's span reads as a plausible but wrong value (torn).
  auto* rec1 = reinterpret_cast<pmdcon_rec*>(
      r.data + (pmdcon_id_pos(ids[1]) & (r.units - 1)) * 8);
  rec1->span += 16;
  r.hdr->tail = ids[2];
  uint64_t cursor = ids[0], hint = ids[0];
  alignas(8) static uint8_t buf[8192];
  uint32_t skip, lost;
  int stop;
  uint32_t n = pmdcon_ring_read_burst(&r, &cursor, &hint, buf, sizeof(buf), 8,
                                      &skip, &lost, &stop);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(lost, 2u);
  EXPECT_EQ(cursor, ids[2]) << "resume at the tail, not at the torn span";
  n = pmdcon_ring_read_burst(&r, &cursor, &hint, buf, sizeof(buf), 8, &skip,
                             &lost, &stop);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(reinterpret_cast<pmdcon_rec*>(buf + skip)->seq, 2u);
}

}  // namespace
}  // namespace pmdcon

namespace pmdcon {
namespace {

// A sink that cannot take a record gives it back; it comes first next time,
// and nothing is lost or delivered twice.
TEST(RingConsumer, UnreadRecordComesBackFirst) {
  testing::GuardedRegion region(PMDCON_DATA_OFFSET + 65536);
  pmdcon_ring r;
  ASSERT_TRUE(
      ring::OpenProducer(region.bytes(), testing::TestBoot(1), 3, &r).ok());
  for (uint64_t seq = 0; seq < 10; ++seq) testing::WriteText(&r, seq, "x");
  auto c = ring::Consumer::Attach(region.bytes(), testing::TestBoot(1),
                                  ring::StartAt::kOldest);
  ASSERT_TRUE(c.ok());
  struct Picky {
    ring::Consumer* c;
    std::vector<uint64_t> got;
    uint64_t refuse = 4;
    void OnRecord(const ring::Record& rec) {
      if (rec.seq == refuse) {
        c->Unread(rec);
        return;
      }
      got.push_back(rec.seq);
    }
    void OnLoss(const ring::Loss&) { ADD_FAILURE(); }
  } sink{c->get(), {}, 4};
  EXPECT_EQ((*c)->Poll(sink, 100), 4u);
  EXPECT_EQ(sink.got, (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ((*c)->stats().records, 4u);
  sink.refuse = 99;
  EXPECT_EQ((*c)->Poll(sink, 100), 6u);
  EXPECT_EQ(sink.got, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace pmdcon
