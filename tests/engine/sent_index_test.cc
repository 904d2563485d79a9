// engine::SentIndex: a fixed window of the newest seqs, found by seq.
#include "engine/sent_index.h"

#include <gtest/gtest.h>

namespace pmdcon::engine {
namespace {

TEST(SentIndex, FindsTheNewestWindowAndForgetsOlder) {
  SentIndex idx(1000);  // rounded up to 1024
  EXPECT_EQ(idx.capacity(), 1024u);
  EXPECT_FALSE(idx.any());
  EXPECT_EQ(idx.Find(0), nullptr);  // an empty slot is not seq 0
  for (uint64_t s = 100; s < 3000; ++s) {
    idx.Put({s, s * 10, s * 10 + 10, static_cast<uint32_t>(s),
             s % 7 ? SentIndex::Kind::kSent : SentIndex::Kind::kFiltered});
  }
  EXPECT_EQ(idx.newest(), 2999u);
  EXPECT_EQ(idx.Find(3000 - 1024 - 1), nullptr);  // overwritten by newer
  const SentIndex::Entry* e = idx.Find(2999 - 1023);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->id, (2999 - 1023) * 10u);
  EXPECT_EQ(e->next_id, (2999 - 1023) * 10u + 10);
  ASSERT_NE(idx.Find(2996), nullptr);
  EXPECT_EQ(idx.Find(2996)->kind, SentIndex::Kind::kFiltered);  // 2996 % 7
  EXPECT_EQ(idx.Find(5000), nullptr);                           // never put
  idx.Clear();
  EXPECT_FALSE(idx.any());
  EXPECT_EQ(idx.Find(2999), nullptr);
}

}  // namespace
}  // namespace pmdcon::engine
