// An output's spill file: order, its bound, starting over when emptied, and
// a directory it cannot use.
#include "rx/sinks/spill.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace pmdcon::rx {
namespace {

std::string Dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp ? tmp : "/tmp";
}

TEST(Spill, KeepsOrderAcrossRefills) {
  auto spill = Spill::Create(Dir(), 1 << 20);
  ASSERT_TRUE(spill.ok()) << spill.status();
  Spill& s = **spill;
  std::string_view front;
  EXPECT_FALSE(s.Front(&front));
  uint64_t next_in = 0, next_out = 0;
  // Pushes run ahead of pops, the file empties twice and starts over.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(s.Push("message " + std::to_string(next_in++)));
    }
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(s.Front(&front));
      ASSERT_TRUE(s.Front(&front));  // again: the same one
      EXPECT_EQ(front, "message " + std::to_string(next_out++));
      s.Pop();
    }
    if (round == 1) {
      while (s.Front(&front)) {
        EXPECT_EQ(front, "message " + std::to_string(next_out++));
        s.Pop();
      }
      EXPECT_TRUE(s.empty());
      EXPECT_EQ(s.bytes(), 0u);
    }
  }
  EXPECT_EQ(s.count(), next_in - next_out);
  EXPECT_EQ(s.trouble(), "");
}

TEST(Spill, RefusesPastItsBound) {
  auto spill = Spill::Create(Dir(), 100);  // 4-byte lengths + 40-byte texts
  ASSERT_TRUE(spill.ok());
  const std::string text(40, 'x');
  EXPECT_TRUE((*spill)->Push(text));
  EXPECT_TRUE((*spill)->Push(text));
  EXPECT_FALSE((*spill)->Push(text));
  EXPECT_EQ((*spill)->trouble(), "spill file full");
  std::string_view front;
  ASSERT_TRUE((*spill)->Front(&front));
  (*spill)->Pop();
  EXPECT_TRUE((*spill)->Push(text));  // room again
  EXPECT_EQ((*spill)->count(), 2u);
}

// Issue 24, item 7: a queue that never empties (a slow peer) grew the file
// without bound while it said "full". Its disk use stays within the bound,
// and every message comes back in order, across the wrap.
TEST(Spill, StaysWithinItsBoundOnDisk) {
  constexpr uint64_t kMax = 64 << 10;
  auto spill = Spill::Create(Dir(), kMax);
  ASSERT_TRUE(spill.ok());
  Spill& s = **spill;
  uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 2000; ++round) {
    // Fill to the bound (sizes vary, so messages straddle the wrap), then
    // take half: never empty.
    while (s.Push(absl::StrCat(next_in, ":", std::string(next_in % 997, 'y'))))
      ++next_in;
    for (uint64_t k = s.count() / 2; k > 0; --k) {
      std::string_view front;
      ASSERT_TRUE(s.Front(&front));
      ASSERT_EQ(front.substr(0, front.find(':')), absl::StrCat(next_out));
      s.Pop();
      ++next_out;
    }
    ASSERT_FALSE(s.empty());
  }
  EXPECT_GT(next_in, 100000u);  // many times the bound went through
  EXPECT_LE(s.disk_bytes(), kMax + 4096) << "allocated past the bound";
  EXPECT_EQ(s.trouble(), "spill file full");  // only ever full, never failing
}

TEST(Spill, NamesADirectoryItCannotUse) {
  const auto spill = Spill::Create("/nonexistent/spill", 100);
  ASSERT_FALSE(spill.ok());
  EXPECT_NE(spill.status().message().find(
                "cannot make a spill file in /nonexistent/spill"),
            std::string::npos)
      << spill.status();
}

}  // namespace
}  // namespace pmdcon::rx
