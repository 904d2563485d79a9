// An output's spill file: order, its bound, starting over when emptied, and
// a directory it cannot use.
#include "rx/spill.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

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
