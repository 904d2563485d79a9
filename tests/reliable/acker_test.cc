// The receiver's half of the acknowledgement protocol (reliable::Acker),
// against ncrx's behaviour: acks after ack_interval, at once after an emergency
// record; holes asked for every retx_interval and when pushed a stride back;
// given up after 30 s; the response bytes as ncrx writes them.
#include "reliable/acker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pmdcon::reliable {
namespace {

constexpr uint64_t kMs = 1000;

std::string Respond(Acker& a, uint64_t now) {
  char out[kAckMax];
  return std::string(out, a.Respond(now, out));
}

TEST(Acker, AcksInOrderRecordsAfterTheInterval) {
  Acker a;
  EXPECT_EQ(Respond(a, 0), "");
  for (uint64_t s = 100; s < 110; ++s) a.OnRecord(s, false, s * kMs);
  EXPECT_EQ(a.tail(), 110u);
  EXPECT_EQ(Respond(a, 500 * kMs), "");
  EXPECT_EQ(a.NextDeadline(), 1100 * kMs);  // the first record + 1 s
  EXPECT_EQ(Respond(a, 1100 * kMs), "ncrx109");
  EXPECT_EQ(Respond(a, 5000 * kMs), "");  // nothing new
  a.OnRecord(110, false, 5000 * kMs);
  EXPECT_EQ(Respond(a, 5500 * kMs), "");  // fully acked until now: anew
  EXPECT_EQ(Respond(a, 6000 * kMs), "ncrx110");
  EXPECT_EQ(a.stats().responses, 2u);
}

// A sender that holds a window of unacknowledged records goes on once
// ack_every of them were retired, not a whole ack_interval later; a hole
// holds the count back until it is filled.
TEST(Acker, AcksEveryFewRecordsRetired) {
  Acker a({.ack_every = 4});
  for (uint64_t s = 10; s < 13; ++s) a.OnRecord(s, false, 0);
  EXPECT_EQ(a.NextDeadline(), 1000 * kMs);
  a.OnRecord(13, false, 0);
  EXPECT_EQ(a.NextDeadline(), 0u);
  EXPECT_EQ(Respond(a, 1 * kMs), "ncrx13");
  a.OnRecord(15, false, 2 * kMs);  // 14 missing
  for (uint64_t s = 16; s < 20; ++s) a.OnRecord(s, false, 2 * kMs);
  EXPECT_NE(a.NextDeadline(), 0u);
  a.OnRecord(14, false, 3 * kMs);
  EXPECT_EQ(a.NextDeadline(), 0u);
  EXPECT_EQ(Respond(a, 3 * kMs), "ncrx19");
  Acker by_time({.ack_every = 0});  // as ncrx
  for (uint64_t s = 0; s < 5000; ++s) by_time.OnRecord(s, false, 0);
  EXPECT_EQ(by_time.NextDeadline(), 1000 * kMs);
}

TEST(Acker, EmergencyRecordsAreAckedAtOnce) {
  Acker a;
  a.OnRecord(7, false, 0);
  a.OnRecord(8, true, 10 * kMs);
  EXPECT_EQ(a.NextDeadline(), 0u);
  EXPECT_EQ(Respond(a, 10 * kMs), "ncrx8");
}

// The ack of the last record was lost: the sender's emergency resend of a
// seq already acked must bring the ack again, each time (CI saw a 30 %
// loss run stall 150 s on this, the sender 1,080 seqs behind).
TEST(Acker, EmergencyResendsOfAckedRecordsAreAckedAgain) {
  Acker a;
  for (uint64_t s = 0; s < 10; ++s) a.OnRecord(s, false, 0);
  EXPECT_EQ(Respond(a, 1000 * kMs), "ncrx9");
  EXPECT_EQ(a.NextDeadline(), UINT64_MAX);
  for (int i = 0; i < 3; ++i) {
    a.OnRecord(5, true, (2000 + i) * kMs);
    EXPECT_EQ(a.NextDeadline(), 0u);
    EXPECT_EQ(Respond(a, (2000 + i) * kMs), "ncrx9");
    EXPECT_EQ(Respond(a, (2000 + i) * kMs), "");  // once per resend
  }
  EXPECT_EQ(a.stats().responses, 4u);
}

TEST(Acker, HolesAreAskedForEveryIntervalThenGivenUp) {
  Acker a;
  a.OnRecord(0, false, 0);
  a.OnRecord(3, false, 0);  // 1 and 2 missing
  EXPECT_EQ(a.holes(), 2u);
  EXPECT_EQ(a.tail(), 1u);
  EXPECT_EQ(Respond(a, 999 * kMs), "");
  EXPECT_EQ(Respond(a, 1000 * kMs), "ncrx0 1 2");
  EXPECT_EQ(Respond(a, 1500 * kMs), "");
  a.OnRecord(1, false, 1600 * kMs);
  EXPECT_EQ(a.stats().recovered, 1u);
  EXPECT_EQ(Respond(a, 2000 * kMs), "ncrx1 2");
  EXPECT_EQ(a.stats().requests, 3u);
  // Seq 2 never comes: given up after 30 s, and the ack moves past it.
  EXPECT_EQ(a.NextDeadline(), 3000 * kMs);
  for (uint64_t t = 3000; t < 30000; t += 1000) Respond(a, t * kMs);
  EXPECT_EQ(Respond(a, 30000 * kMs), "ncrx3");
  EXPECT_EQ(a.stats().given_up, 1u);
  EXPECT_EQ(a.holes(), 0u);
}

TEST(Acker, AHolePushedAStrideBackIsAskedForAtOnce) {
  Acker a;
  a.OnRecord(0, false, 0);
  a.OnRecord(2, false, 0);  // 1 missing
  for (uint64_t s = 3; s < 255; ++s) a.OnRecord(s, false, 0);
  EXPECT_EQ(Respond(a, 10 * kMs), "");  // not a stride behind yet
  for (uint64_t s = 255; s < 300; ++s) a.OnRecord(s, false, 20 * kMs);
  EXPECT_EQ(Respond(a, 20 * kMs), "ncrx0 1");  // head crossed 256
}

// Told where the stream began (",ncfirst="), the seqs before the first
// arrival are holes; nothing retired, the ack is the seq before the first.
TEST(Acker, AStreamStartedEarlierMakesItsFirstSeqsHoles) {
  Acker a;
  a.StartAt(0, 0);
  a.OnRecord(3, false, 0);
  a.StartAt(1, 0);  // started: no effect
  EXPECT_EQ(a.holes(), 3u);
  EXPECT_EQ(a.tail(), 0u);
  EXPECT_EQ(Respond(a, 1000 * kMs), "ncrx18446744073709551615 0 1 2");
  a.OnRecord(0, false, 1100 * kMs);
  a.OnRecord(1, false, 1100 * kMs);
  a.OnRecord(2, false, 1100 * kMs);
  EXPECT_EQ(Respond(a, 2100 * kMs), "ncrx3");
  EXPECT_EQ(a.stats().recovered, 3u);
  Acker b;
  b.StartAt(50, 0);
  b.OnRecord(50, false, 0);  // the first arrived: nothing missing
  EXPECT_EQ(b.holes(), 0u);
  EXPECT_EQ(Respond(b, 1000 * kMs), "ncrx50");
}

TEST(Acker, TracksAtMostMaxHolesAndStartsOverWhenTold) {
  Acker a({.max_holes = 100});
  a.OnRecord(0, false, 0);
  a.OnRecord(1000, false, 0);  // 1..999 missing: the newest 100 tracked
  EXPECT_EQ(a.holes(), 100u);
  EXPECT_EQ(a.stats().given_up, 899u);
  EXPECT_EQ(a.tail(), 900u);
  a.OnRecord(7, true, 0);  // far behind: an emergency resend
  EXPECT_EQ(a.holes(), 100u);
  EXPECT_EQ(a.tail(), 900u);
  a.OnRecord(500, false, 0);  // a resend of a hole given up: no restart
  EXPECT_EQ(a.holes(), 100u);
  EXPECT_EQ(a.tail(), 900u);
  a.Restart();  // the caller saw the sender start over
  a.OnRecord(5, false, 0);
  EXPECT_EQ(a.holes(), 0u);
  EXPECT_EQ(a.tail(), 6u);
  EXPECT_EQ(Respond(a, 1000 * kMs), "ncrx5");
}

// A backlog sent at full speed: a hole 20,000 seqs behind the newest is
// still asked for and filled (the bound is on holes, not on distance).
TEST(Acker, AFewHolesFarBehindAreKept) {
  Acker a({.max_holes = 100});
  a.OnRecord(0, false, 0);
  for (uint64_t s = 2; s <= 20000; ++s) a.OnRecord(s, false, 0);
  EXPECT_EQ(a.holes(), 1u);
  EXPECT_EQ(Respond(a, 1000 * kMs), "ncrx0 1");
  a.OnRecord(1, false, 1001 * kMs);
  EXPECT_EQ(a.tail(), 20001u);
  EXPECT_EQ(a.stats().given_up, 0u);
  EXPECT_EQ(a.stats().recovered, 1u);
}

// pmdcon's loss notice (seq L, PMDCON_LOST_SEQ=F-L) accounts for F..L: no
// holes for them, none given up, and a late one fills those it covers.
TEST(Acker, LossNoticesCoverTheirSeqs) {
  Acker a({.max_holes = 100});
  for (uint64_t s = 0; s < 10; ++s) a.OnRecord(s, false, 0);
  a.OnRecord(50, false, 0, 12);  // 10 and 11 missing, 12..50 announced
  EXPECT_EQ(a.holes(), 2u);
  a.OnRecord(5000, false, 0, 51);  // 51..5000 announced: none missing
  EXPECT_EQ(a.stats().given_up, 0u);
  EXPECT_EQ(a.holes(), 2u);
  a.OnRecord(6000, false, 0);  // 5001..5999 missing: the newest 100 tracked
  EXPECT_EQ(a.stats().given_up, 899u + 2u);  // 10 and 11 made room
  a.OnRecord(5990, false, 0, 5950);          // late: a notice for 5950..5990
  EXPECT_EQ(a.holes(), 100u - 41u);
  EXPECT_EQ(a.tail(), 5900u);
}

TEST(Acker, ARequestListStopsAtAThousandBytes) {
  Acker a;
  a.OnRecord(0, false, 0);
  a.OnRecord(5000, false, 0);
  const std::string r = Respond(a, 1000 * kMs);
  EXPECT_LE(r.size(), kAckMax);
  EXPECT_EQ(r.substr(0, 9), "ncrx0 1 2");
  // Only what went into the datagram counts as asked for; the rest is due
  // at once, from the first seq left out.
  const size_t tokens = std::count(r.begin(), r.end(), ' ');
  EXPECT_EQ(a.stats().requests, tokens);
  const uint64_t last = std::stoull(r.substr(r.rfind(' ') + 1));
  const std::string next = Respond(a, 1000 * kMs);
  EXPECT_EQ(next.substr(0, next.find(' ', 6)),
            "ncrx0 " + std::to_string(last + 1));
  EXPECT_EQ(a.stats().requests,
            tokens + std::count(next.begin(), next.end(), ' '));
}

// Holes given up for the bound are counted apart from those that timed
// out, so the summary can say which knob to turn.
TEST(Acker, CountsHolesOverTheBoundApart) {
  Acker a({.give_up_us = 5 * 1000 * kMs, .max_holes = 100});
  a.OnRecord(0, false, 0);
  a.OnRecord(2, false, 0);    // 1 missing
  a.OnRecord(150, false, 0);  // 3..149 missing: 50..149 kept, 1 dropped
  EXPECT_EQ(a.stats().given_up, 48u);
  EXPECT_EQ(a.stats().over_max, 48u);
  EXPECT_EQ(a.holes(), 100u);
  EXPECT_EQ(a.tail(), 50u);
  Respond(a, 6000 * kMs);  // the rest time out
  EXPECT_EQ(a.stats().given_up, 48u + 100u);
  EXPECT_EQ(a.stats().over_max, 48u);
}

}  // namespace
}  // namespace pmdcon::reliable
