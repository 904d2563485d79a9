// Hostile memory: random and adversarial bytes in the header, the records and
// the consumer page. The consumer must report errors and never read out of
// bounds; the producer must never write out of bounds. The region is fenced by
// guard pages (and the suite also runs under AddressSanitizer).
#include <gtest/gtest.h>

#include <random>

#include "ring/ring.h"
#include "test_region.h"

namespace pmdcon {
namespace {

using testing::Collector;
using testing::GuardedRegion;
using testing::TestBoot;
using testing::WriteText;

constexpr size_t kSize = PMDCON_DATA_OFFSET + 8192;

void Randomize(std::byte* p, size_t n, std::mt19937_64& rng) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(rng());
}

// Values that tend to break arithmetic: boundaries, all-ones, near-wrap.
uint64_t Nasty(std::mt19937_64& rng, const pmdcon_ring& r) {
  static const uint64_t kFixed[] = {0,
                                    ~0ull,
                                    0x8000000000000000ull,
                                    0x7fffffff7fffffffull,
                                    0xffffffff00000000ull,
                                    0x00000000ffffffffull,
                                    0x0000000080000000ull};
  switch (rng() % 4) {
    case 0:
      return kFixed[rng() % std::size(kFixed)];
    case 1:
      return r.hdr->head + (rng() % 64) - 32;
    case 2:
      return r.hdr->tail + (rng() % 64) - 32;
    default:
      return rng();
  }
}

TEST(RingHostile, RandomHeadersAreRefused) {
  GuardedRegion region(kSize);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    Randomize(region.data(), PMDCON_DATA_OFFSET, rng);
    if (i % 2) {  // keep the magic so deeper checks are reached
      const uint64_t magic = PMDCON_RING_MAGIC;
      std::memcpy(region.data(), &magic, sizeof(magic));
    }
    auto origin = ring::Classify(region.bytes(), TestBoot(1));
    ASSERT_FALSE(origin.ok());
    EXPECT_EQ(origin.status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

// Valid identity, hostile producer block and data: every operation stays in
// bounds whatever head and tail say.
TEST(RingHostile, GarbageHeadTailAndDataStayInBounds) {
  GuardedRegion region(kSize);
  std::mt19937_64 rng(2);
  pmdcon_ring r;
  ASSERT_EQ(pmdcon_ring_format(&r, region.data(), kSize, TestBoot(1).data(), 5),
            0);
  alignas(8) static uint8_t buf[140000];
  uint64_t outcomes[5] = {};
  for (int i = 0; i < 20000; ++i) {
    Randomize(region.data() + PMDCON_DATA_OFFSET, 8192, rng);
    r.hdr->head = Nasty(rng, r);
    r.hdr->tail = Nasty(rng, r);
    uint64_t cursor = Nasty(rng, r);
    uint32_t lost = 0;
    for (int k = 0; k < 8; ++k) {
      const int rc = pmdcon_ring_read(&r, &cursor, buf, r.max_span, &lost);
      ASSERT_GE(rc, PMDCON_READ_OK);
      ASSERT_LE(rc, PMDCON_READ_CORRUPT);
      ++outcomes[rc];
      if (rc != PMDCON_READ_OK && rc != PMDCON_READ_LOST) break;
    }
    (void)pmdcon_ring_cursor_check(&r, Nasty(rng, r));
    WriteText(&r, i, "producer on garbage", "K=V");
    uint32_t cut;
    (void)pmdcon_ring_recover(&r, &cut);
  }
  // Garbage is overwhelmingly refused or pending, never delivered wholesale.
  EXPECT_GT(outcomes[PMDCON_READ_PENDING] + outcomes[PMDCON_READ_CORRUPT] +
                outcomes[PMDCON_READ_LOST] + outcomes[PMDCON_READ_EMPTY],
            outcomes[PMDCON_READ_OK]);
}

// An attacker who knows the salt forges complete-looking records with absurd
// lengths. The reader refuses them (CORRUPT), and the consumer skips ahead,
// counting what it skipped, never reading past the data area.
TEST(RingHostile, ForgedRecordsWithAbsurdLengthsAreCorrupt) {
  GuardedRegion region(kSize);
  pmdcon_ring r;
  ASSERT_EQ(pmdcon_ring_format(&r, region.data(), kSize, TestBoot(1).data(), 9),
            0);
  for (int i = 0; i < 4; ++i) WriteText(&r, i, "good record");
  struct Case {
    uint32_t span;
    uint16_t text_len, dict_len;
  };
  const Case cases[] = {{0, 1, 0},           {4, 0, 0},
                        {72 + 8, 0xffff, 0}, {72 + 8, 0, 0xffff},
                        {0xfffffff8, 4, 0},  {8192, 4, 0},
                        {7 * 8 + 3, 4, 0},   {1u << 31, 0, 0}};
  for (const Case& k : cases) {
    pmdcon_ring_format(&r, region.data(), kSize, TestBoot(1).data(), 9);
    for (int i = 0; i < 4; ++i) WriteText(&r, i, "good record");
    // Corrupt record 1 (ids and commits still match: a knowing forger).
    uint64_t cursor = r.hdr->tail;
    alignas(8) uint8_t buf[2048];
    uint32_t lost;
    ASSERT_EQ(pmdcon_ring_read(&r, &cursor, buf, sizeof(buf), &lost),
              PMDCON_READ_OK);
    auto* victim = reinterpret_cast<pmdcon_rec*>(
        r.data + (pmdcon_id_pos(cursor) & (r.units - 1)) * 8);
    victim->span = k.span;
    victim->text_len = k.text_len;
    victim->dict_len = k.dict_len;
    EXPECT_EQ(pmdcon_ring_read(&r, &cursor, buf, sizeof(buf), &lost),
              PMDCON_READ_CORRUPT)
        << "span " << k.span;
    auto c = ring::Consumer::Attach(region.bytes(), TestBoot(1),
                                    ring::StartAt::kOldest);
    ASSERT_TRUE(c.ok());
    Collector out;
    (*c)->Poll(out, 100);
    EXPECT_EQ(out.records.size(), 1u);
    EXPECT_EQ((*c)->stats().corrupt_events, 1u);
    EXPECT_EQ((*c)->stats().lost_corrupt, 3u);
    EXPECT_NE(std::string((*c)->last_error()).find("malformed record"),
              std::string::npos);
    // Recovery (at attach) cuts the ring at the forged record.
    uint32_t cut = 0;
    ASSERT_EQ(pmdcon_ring_recover(&r, &cut), 0);
    EXPECT_EQ(cut, 3u);
  }
}

// The consumer page is userspace's to scribble on; what the kernel derives
// from it is always the head, the tail or a true record boundary.
TEST(RingHostile, ConsumerPageScribblesYieldSafeCursors) {
  GuardedRegion region(kSize);
  pmdcon_ring r;
  ASSERT_EQ(pmdcon_ring_format(&r, region.data(), kSize, TestBoot(1).data(), 3),
            0);
  std::mt19937_64 rng(4);
  std::vector<uint64_t> boundaries;
  for (int i = 0; i < 300; ++i) WriteText(&r, i, std::string(i % 90, 'z'));
  for (uint64_t c = r.hdr->tail; c != r.hdr->head;) {
    boundaries.push_back(c);
    alignas(8) uint8_t buf[2048];
    uint32_t lost;
    ASSERT_EQ(pmdcon_ring_read(&r, &c, buf, sizeof(buf), &lost),
              PMDCON_READ_OK);
  }
  boundaries.push_back(r.hdr->head);
  for (int i = 0; i < 100000; ++i) {
    Randomize(reinterpret_cast<std::byte*>(r.cons), PMDCON_PAGE_SIZE, rng);
    if (i % 3 == 0) r.cons->tx_id = Nasty(rng, r);
    if (i % 7 == 0) r.cons->tx_id = boundaries[rng() % boundaries.size()];
    const uint64_t safe = pmdcon_ring_cursor_check(&r, r.cons->tx_id);
    ASSERT_TRUE(std::find(boundaries.begin(), boundaries.end(), safe) !=
                boundaries.end())
        << std::hex << r.cons->tx_id << " -> " << safe;
    if (std::find(boundaries.begin(), boundaries.end(), r.cons->tx_id) !=
        boundaries.end()) {
      ASSERT_EQ(safe, r.cons->tx_id);  // honest values are kept
    }
  }
  // The producer never reads the consumer page: writes are unaffected.
  EXPECT_EQ(WriteText(&r, 1000, "still fine"), 1);
}

// The C++ consumer over hostile data with a consistent header never crashes
// and accounts for everything it skips.
TEST(RingHostile, ConsumerOverRandomDataReportsAndContinues) {
  GuardedRegion region(kSize);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i) {
    pmdcon_ring r;
    ASSERT_EQ(
        pmdcon_ring_format(&r, region.data(), kSize, TestBoot(1).data(), 11),
        0);
    for (int k = 0; k < 40; ++k) WriteText(&r, k, std::string(k * 3, 'q'));
    // Flip random bytes in the data area.
    for (int k = 0; k < 1 + i % 16; ++k) {
      region.data()[PMDCON_DATA_OFFSET + rng() % 8192] =
          static_cast<std::byte>(rng());
    }
    auto c = ring::Consumer::Attach(region.bytes(), TestBoot(1),
                                    ring::StartAt::kOldest);
    ASSERT_TRUE(c.ok());
    Collector out;
    for (int k = 0; k < 5; ++k) (*c)->Poll(out, 64);
    (*c)->FlushLoss(out);
    const auto& s = (*c)->stats();
    // Either everything is accounted for, or the consumer stopped at a record
    // whose commit word was damaged (it waits there, as for a slow writer).
    EXPECT_LE(out.records.size() + out.lost(), 40u);
    if (s.pending_polls == 0) {
      EXPECT_EQ(out.records.size() + out.lost(), 40u);
    }
  }
}

}  // namespace
}  // namespace pmdcon
