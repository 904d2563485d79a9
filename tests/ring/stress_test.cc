// Two producers racing (the panic case) and one consumer, over millions of
// records of random sizes. Every record must arrive exactly once, in order per
// producer and intact, or be accounted as lost; nothing else is allowed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>

#include "ring/ring.h"
#include "test_region.h"

namespace pmdcon {
namespace {

using testing::GuardedRegion;
using testing::TestBoot;

// Text is a pure function of (producer, seq), so the consumer can verify it.
void FillText(char* out, uint32_t len, uint32_t producer, uint64_t seq) {
  uint64_t x = seq * 0x9e3779b97f4a7c15ull + producer;
  for (uint32_t i = 0; i < len; ++i) {
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    out[i] = static_cast<char>(x >> 56);
  }
}

uint64_t RecordsFromEnv(uint64_t fallback) {
  const char* s = std::getenv("PMDCON_STRESS_RECORDS");
  return s ? std::strtoull(s, nullptr, 10) : fallback;
}

struct Verifier {
  uint64_t last_seq[2] = {0, 0};
  bool seen[2] = {false, false};
  uint64_t records = 0, lost = 0, bad = 0;
  char expect[70000] = {};
  std::string first_error;

  void Fail(const std::string& what) {
    if (bad++ == 0) first_error = what;
  }
  void OnRecord(const ring::Record& r) {
    ++records;
    const uint32_t p = r.cpu;
    if (p > 1) return Fail("bad producer index");
    if (seen[p] && r.seq <= last_seq[p]) {
      return Fail("producer " + std::to_string(p) + " seq " +
                  std::to_string(r.seq) + " after " +
                  std::to_string(last_seq[p]));
    }
    seen[p] = true;
    last_seq[p] = r.seq;
    if (r.text.size() != 8 + r.seq % 1000) return Fail("bad length");
    FillText(expect, static_cast<uint32_t>(r.text.size()), p, r.seq);
    if (std::memcmp(expect, r.text.data(), r.text.size()) != 0)
      Fail("corrupted text at seq " + std::to_string(r.seq));
  }
  void OnLoss(const ring::Loss& l) { lost += l.records; }
};

enum class Reader { kConsumer, kSingleRecordC };

// The kernel's panic path reads record by record with the C API; the
// appliance uses the C++ Consumer's bursts. Both must hold the invariants.
uint64_t ReadSingle(const pmdcon_ring& ring, uint64_t* cursor, Verifier& v) {
  alignas(8) static thread_local uint8_t buf[140000];
  uint64_t n = 0;
  for (;;) {
    uint32_t lost = 0;
    const int rc = pmdcon_ring_read(&ring, cursor, buf, sizeof(buf), &lost);
    if (rc == PMDCON_READ_LOST) {
      v.OnLoss(ring::Loss{.records = lost});
      continue;
    }
    if (rc != PMDCON_READ_OK) {
      if (rc == PMDCON_READ_CORRUPT) v.Fail("corrupt in single reader");
      return n;
    }
    const auto* h = reinterpret_cast<const pmdcon_rec*>(buf);
    ring::Record r;
    r.seq = h->seq;
    r.cpu = h->cpu;
    r.text =
        std::string_view(reinterpret_cast<const char*>(h + 1), h->text_len);
    v.OnRecord(r);
    ++n;
  }
}

void RunStress(size_t region_size, uint64_t per_producer,
               Reader reader = Reader::kConsumer) {
  GuardedRegion region(region_size);
  pmdcon_ring ring;
  ASSERT_TRUE(ring::OpenProducer(region.bytes(), TestBoot(1), 77, &ring).ok());
  auto consumer = ring::Consumer::Attach(region.bytes(), TestBoot(1),
                                         ring::StartAt::kOldest);
  ASSERT_TRUE(consumer.ok());
  std::atomic<int> running{2};
  uint64_t written[2] = {0, 0}, dropped[2] = {0, 0};

  auto produce = [&](uint32_t p) {
    std::mt19937 rng(p + 1);
    for (uint64_t i = 0; i < per_producer; ++i) {
      // Sizes vary widely; seq steps randomly so gaps are not assumed.
      const uint64_t seq = i * 4 + rng() % 4;
      const uint32_t len = 8 + seq % 1000;
      pmdcon_rec* rec = pmdcon_ring_reserve(&ring, len, 0, seq);
      if (!rec) {
        ++dropped[p];
        continue;
      }
      rec->cpu = static_cast<uint16_t>(p);
      FillText(pmdcon_rec_text(rec), len, p, seq);
      pmdcon_ring_commit(&ring, rec);
      ++written[p];
    }
    running.fetch_sub(1);
  };
  // The reader's cursor exists before any record does (as the Consumer's).
  uint64_t cursor = ring.hdr->tail;
  std::thread a(produce, 0), b(produce, 1);
  static Verifier v;  // large; one run at a time
  v = Verifier();
  auto& c = **consumer;
  auto poll = [&] {
    return reader == Reader::kConsumer ? c.Poll(v, 64)
                                       : ReadSingle(ring, &cursor, v);
  };
  while (running.load() > 0) poll();
  a.join();
  b.join();
  while (poll() > 0) {
  }
  c.FlushLoss(v);
  if (reader == Reader::kSingleRecordC) {
    // Drained: the cursor must have reached head, or records went unseen.
    uint32_t dummy;
    alignas(8) static uint8_t probe[140000];
    uint64_t at = cursor;
    const int rc = pmdcon_ring_read(&ring, &at, probe, sizeof(probe), &dummy);
    EXPECT_EQ(cursor, ring.hdr->head)
        << std::hex << "cursor " << cursor << " head " << ring.hdr->head
        << " tail " << ring.hdr->tail << " last read rc " << std::dec << rc;
  }
  const uint64_t all_dropped = dropped[0] + dropped[1];
  EXPECT_EQ(ring.hdr->dropped, all_dropped);

  EXPECT_EQ(v.bad, 0u) << v.first_error;
  EXPECT_EQ(c.stats().lost_corrupt, 0u);
  if (reader == Reader::kConsumer) {
    EXPECT_EQ(c.stats().lost_dropped, all_dropped);
  } else {
    v.lost += all_dropped;  // the C reader leaves drops to hdr->dropped
  }
  EXPECT_EQ(written[0] + written[1] + all_dropped, 2 * per_producer);
  EXPECT_EQ(v.records + v.lost, 2 * per_producer)
      << "delivered " << v.records << " lost " << v.lost
      << " (consumer: " << c.stats().records << " records, "
      << c.stats().lost_overwritten << " overwritten, "
      << c.stats().lost_dropped << " dropped; written "
      << written[0] + written[1] << ", head rid "
      << pmdcon_id_rid(ring.hdr->head) << ", cursor rid "
      << pmdcon_id_rid(c.cursor()) << ")";
  EXPECT_GT(v.records, 0u);
  ::testing::Test::RecordProperty("delivered", std::to_string(v.records));
  ::testing::Test::RecordProperty("lost", std::to_string(v.lost));
  std::printf("delivered %llu, overwritten %llu, dropped %llu of %llu\n",
              static_cast<unsigned long long>(v.records),
              static_cast<unsigned long long>(v.lost - all_dropped),
              static_cast<unsigned long long>(all_dropped),
              static_cast<unsigned long long>(2 * per_producer));
}

// A small ring: the producers lap the consumer constantly (overwrite path).
TEST(RingStress, TwoProducersSmallRingOverwrites) {
  RunStress(PMDCON_DATA_OFFSET + (64 << 10), RecordsFromEnv(1000000));
}

// A large ring: the consumer mostly keeps up (commit-order path).
TEST(RingStress, TwoProducersLargeRing) {
  RunStress(PMDCON_DATA_OFFSET + (16 << 20), RecordsFromEnv(1000000));
}

// The single-record C reader (the kernel's panic-path reader) under the race.
TEST(RingStress, TwoProducersSingleRecordReader) {
  RunStress(PMDCON_DATA_OFFSET + (256 << 10), RecordsFromEnv(1000000),
            Reader::kSingleRecordC);
}

}  // namespace
}  // namespace pmdcon
