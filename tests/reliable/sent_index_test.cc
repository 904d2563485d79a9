// engine::SentIndex: the newest seqs by seq, and positions after acked seqs
// (exact while the entry is known, from a checkpoint before it after).
#include "reliable/sent_index.h"

#include <gtest/gtest.h>

namespace pmdcon::reliable {
namespace {

constexpr uint64_t kN = SentIndex::kEntries;

// Record `seq` at ring id Id(seq): 80 bytes each (10 units).
uint64_t Id(uint64_t seq) {
  return pmdcon_id(static_cast<uint32_t>(seq), static_cast<uint32_t>(seq * 10));
}

SentIndex::Entry At(uint64_t seq) {
  return {seq, Id(seq), Id(seq + 1), static_cast<uint32_t>(seq),
          seq % 7 ? SentIndex::Kind::kSent : SentIndex::Kind::kFiltered};
}

TEST(SentIndex, FindsTheNewestSeqsAndForgetsOlder) {
  SentIndex idx;
  EXPECT_FALSE(idx.any());
  EXPECT_EQ(idx.Find(0), nullptr);  // an empty slot is not seq 0
  for (uint64_t s = 100; s < 100 + 2 * kN; ++s) idx.Put(At(s));
  EXPECT_EQ(idx.newest(), 100 + 2 * kN - 1);
  EXPECT_EQ(idx.oldest(), 100 + kN);
  EXPECT_EQ(idx.Find(100 + kN - 1), nullptr);  // its slot holds a newer seq
  const SentIndex::Entry* e = idx.Find(100 + kN);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->id, Id(100 + kN));
  EXPECT_EQ(e->next_id(), Id(100 + kN + 1));
  EXPECT_EQ(e->msgid, static_cast<uint32_t>(100 + kN));
  const uint64_t filtered = (100 + kN + 6) / 7 * 7;
  ASSERT_NE(idx.Find(filtered), nullptr);
  EXPECT_EQ(idx.Find(filtered)->kind, SentIndex::Kind::kFiltered);
  EXPECT_EQ(idx.Find(100 + 2 * kN), nullptr);  // never put
  idx.Clear();
  EXPECT_FALSE(idx.any());
  EXPECT_EQ(idx.Find(100 + 2 * kN - 1), nullptr);
  EXPECT_FALSE(idx.PositionAfter(100 + 2 * kN - 1).has_value());
}

TEST(SentIndex, PositionsAfterAckedSeqs) {
  SentIndex idx;
  for (uint64_t s = 0; s < 4 * kN; ++s) idx.Put(At(s));
  EXPECT_EQ(idx.PositionAfter(4 * kN - 1), Id(4 * kN));  // exact
  // Forgotten: the checkpoint at or before it (every kStride seqs).
  const uint64_t old = kN + 100;
  const uint64_t cp = old / SentIndex::kStride * SentIndex::kStride;
  EXPECT_EQ(idx.PositionAfter(old), Id(cp + 1));
  // A notice stands between records: the position after it is its own.
  idx.Put({4 * kN, Id(4 * kN), Id(4 * kN), 0, SentIndex::Kind::kNotice});
  EXPECT_EQ(idx.PositionAfter(4 * kN), Id(4 * kN));
  // Older than every checkpoint: unknown.
  SentIndex small;
  for (uint64_t s = 0; s < SentIndex::kCheckpoints * SentIndex::kStride + kN;
       ++s) {
    small.Put(At(s));
  }
  EXPECT_FALSE(small.PositionAfter(SentIndex::kStride - 1).has_value());
  EXPECT_TRUE(small.PositionAfter(kN * 2).has_value());
}

}  // namespace
}  // namespace pmdcon::reliable
