// engine/confirm_delay.h: a position is published only once it was reached
// at least `lag` ticks ago, under any load.
#include "engine/confirm_delay.h"

#include <gtest/gtest.h>

#include <map>

namespace pmdcon::engine {
namespace {

TEST(ConfirmDelay, NoLagConfirmsAtOnce) {
  ConfirmDelay c(0, 5);
  EXPECT_EQ(c.Update(0, 7), 7u);
  EXPECT_EQ(c.Update(0, 9), 9u);
}

TEST(ConfirmDelay, PositionsWaitForTheLag) {
  ConfirmDelay c(100, 1);
  EXPECT_EQ(c.Update(0, 10), 1u);
  EXPECT_EQ(c.Update(50, 20), 1u);
  EXPECT_EQ(c.Update(99, 20), 1u);
  EXPECT_EQ(c.Update(100, 30), 10u);
  EXPECT_EQ(c.Update(150, 30), 20u);
  EXPECT_EQ(c.Update(400, 30), 30u);
  EXPECT_EQ(c.Reset(40), 40u);
  EXPECT_EQ(c.Update(401, 40), 40u);
  EXPECT_EQ(c.Update(402, 50), 40u);
  EXPECT_EQ(c.Update(502, 50), 50u);
}

// A new position every tick (far more than the checkpoints hold): the
// confirmed position is never younger than the lag, and never more than
// lag + lag / 64 + 1 ticks old.
TEST(ConfirmDelay, SustainedLoadNeverConfirmsEarly) {
  constexpr uint64_t kLag = 6400;
  ConfirmDelay c(kLag, 0);
  std::map<uint64_t, uint64_t> reached_at;  // position -> tick
  for (uint64_t now = 0; now < 100000; ++now) {
    const uint64_t pos = now + 1;
    reached_at[pos] = now;
    const uint64_t confirmed = c.Update(now, pos);
    if (confirmed == 0) {
      ASSERT_LT(now, kLag + kLag / 64 + 1) << "nothing confirmed for too long";
      continue;
    }
    ASSERT_GE(now - reached_at[confirmed], kLag) << "confirmed early";
    ASSERT_LE(now - reached_at[confirmed], kLag + kLag / 64 + 1)
        << "confirmed too late";
  }
}

}  // namespace
}  // namespace pmdcon::engine
