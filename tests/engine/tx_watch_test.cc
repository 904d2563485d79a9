// engine/tx_watch.h: a TX lcore that stops coming back, or a port that
// refuses every frame, is reported once after the stall time, and its
// recovery once; ordinary idling and partial bursts are progress.
#include "engine/tx_watch.h"

#include <gtest/gtest.h>

namespace pmdcon::engine {
namespace {

using Event = TxWatch::Event;
using State = TxWatch::State;

TEST(TxWatch, IdleLoopsAndPartialBurstsAreProgress) {
  TxWatch w(1000);
  uint64_t beat = 0;
  EXPECT_EQ(w.Update(++beat, 0, 0, 0), Event::kNone);
  for (uint64_t t = 100; t <= 5000; t += 100) {
    // Idle: nothing queued, nothing retried.
    EXPECT_EQ(w.Update(++beat, 0, 0, t), Event::kNone);
  }
  for (uint64_t t = 5100, p = 0, r = 0; t <= 9000; t += 100) {
    // Backpressure: retries rise, but frames still get through.
    EXPECT_EQ(w.Update(++beat, p += 10, r += 3, t), Event::kNone);
  }
  EXPECT_EQ(w.state(), State::kMoving);
}

TEST(TxWatch, LoopThatDoesNotComeBackIsReportedOnceThenItsReturn) {
  TxWatch w(1000);
  EXPECT_EQ(w.Update(5, 10, 0, 0), Event::kNone);
  EXPECT_EQ(w.Update(5, 10, 0, 500), Event::kNone);
  EXPECT_EQ(w.Update(5, 10, 0, 999), Event::kNone);
  EXPECT_EQ(w.Update(5, 10, 0, 1000), Event::kStalled);
  EXPECT_EQ(w.state(), State::kBlockedInDriver);
  EXPECT_EQ(w.last_progress(), 0u);
  EXPECT_EQ(w.Update(5, 10, 0, 9000), Event::kNone);  // said once
  EXPECT_EQ(w.Update(6, 11, 0, 9100), Event::kResumed);
  EXPECT_EQ(w.state(), State::kMoving);
  EXPECT_EQ(w.last_progress(), 9100u);
  EXPECT_EQ(w.Update(7, 12, 0, 9200), Event::kNone);
}

TEST(TxWatch, PortRefusingEveryFrameIsReported) {
  TxWatch w(1000);
  uint64_t beat = 0, retries = 0;
  EXPECT_EQ(w.Update(++beat, 40, retries, 0), Event::kNone);
  // The loop spins, tx_burst returns 0: retries rise, no frame is queued.
  Event last = Event::kNone;
  uint64_t t = 0;
  while (last == Event::kNone && t < 5000) {
    t += 100;
    last = w.Update(++beat, 40, retries += 50, t);
  }
  EXPECT_EQ(last, Event::kStalled);
  EXPECT_EQ(t, 1000u);
  EXPECT_EQ(w.state(), State::kPortRefuses);
  // The port takes frames again.
  EXPECT_EQ(w.Update(++beat, 72, retries, t + 100), Event::kResumed);
}

}  // namespace
}  // namespace pmdcon::engine
