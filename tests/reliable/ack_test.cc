// The acknowledgement protocol's pure parts: ncrx responses both ways
// (byte-exact with what netconsd's libncrx writes: "ncrx%llu" then " %llu"
// per missing seq, cut at 1000 bytes) and the sender's emergency timing
// (nctx: 10 s ack timeout, one resend per interval from 100 ms, doubling
// after each pass to 1000 ms, ended by an ack that moves).
#include "reliable/ack.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "reliable/retx.h"

namespace pmdcon::reliable {
namespace {

TEST(Ack, ParsesWhatNcrxWrites) {
  Ack a;
  ASSERT_EQ(ParseAck("ncrx41", &a), AckError::kNone);
  EXPECT_EQ(a.acked, 41u);
  EXPECT_EQ(a.missing_count, 0u);
  ASSERT_EQ(ParseAck("ncrx41 43 47 18446744073709551615\n", &a),
            AckError::kNone);
  ASSERT_EQ(a.missing_count, 3u);
  EXPECT_EQ(a.requests()[1], 47u);
  EXPECT_EQ(a.requests()[2], UINT64_MAX);
}

TEST(Ack, RefusesWhatIsNotOne) {
  Ack a;
  EXPECT_EQ(ParseAck("", &a), AckError::kNotNcrx);
  EXPECT_EQ(ParseAck("ncr", &a), AckError::kNotNcrx);
  EXPECT_EQ(ParseAck("NCRX1", &a), AckError::kNotNcrx);
  EXPECT_EQ(ParseAck("ncrx", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx-1", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx1  2", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx1 2 ", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx18446744073709551616", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx1 x", &a), AckError::kBadNumber);
  EXPECT_EQ(ParseAck("ncrx1" + std::string(1000, '0'), &a), AckError::kTooLong);
}

TEST(Ack, FormatsAtMostAThousandBytesAndRoundTrips) {
  std::vector<uint64_t> missing;
  for (uint64_t s = 1000000000000; missing.size() < 200; s += 3) {
    missing.push_back(s);
  }
  char out[kAckMax];
  const size_t n = FormatAck(999999999999, missing, out);
  EXPECT_LE(n, kAckMax);
  EXPECT_GT(n, kAckMax - 14);  // as many whole tokens as fit
  Ack a;
  ASSERT_EQ(ParseAck(std::string_view(out, n), &a), AckError::kNone);
  EXPECT_EQ(a.acked, 999999999999u);
  ASSERT_GT(a.missing_count, 0u);
  for (size_t i = 0; i < a.missing_count; ++i) {
    EXPECT_EQ(a.requests()[i], missing[i]);
  }
  EXPECT_EQ(std::string(out, FormatAck(5, {}, out)), "ncrx5");
}

// A byte limit (the receiver's anti-amplification budget) cuts whole
// tokens; below "ncrx<acked>" nothing is written.
TEST(Ack, FormatsWithinALimit) {
  const uint64_t missing[] = {11, 12, 13};
  char out[kAckMax];
  size_t written = 99;
  EXPECT_EQ(std::string(out, FormatAck(10, missing, out, &written, 12)),
            "ncrx10 11 12");
  EXPECT_EQ(written, 2u);
  EXPECT_EQ(FormatAck(10, missing, out, &written, 5), 0u);
  EXPECT_EQ(written, 0u);
  EXPECT_EQ(FormatAck(10, missing, out, &written, 6), 6u);
}

TEST(Ack, WhatParsesRoundTrips) {
  std::mt19937_64 rng(9);
  Ack a;
  for (int i = 0; i < 100000; ++i) {
    std::string d = rng() % 2 ? "ncrx" : "";
    for (size_t n = rng() % 40; n > 0; --n) {
      d += "0123456789 x\n"[rng() % 13];
    }
    if (ParseAck(d, &a) != AckError::kNone) continue;
    // What parses formats to text that parses to the same numbers.
    char out[kAckMax];
    Ack b;
    ASSERT_EQ(
        ParseAck(std::string_view(out, FormatAck(a.acked, a.requests(), out)),
                 &b),
        AckError::kNone);
    EXPECT_EQ(b.acked, a.acked);
    ASSERT_EQ(b.missing_count, a.missing_count);
    for (size_t k = 0; k < a.missing_count; ++k) {
      EXPECT_EQ(b.missing[k], a.missing[k]);
    }
  }
}

constexpr uint64_t kSec = 1000000;

TEST(Retx, AcknowledgedRecordsNeedNothing) {
  Retx r;
  EXPECT_EQ(r.mode(), Retx::Mode::kIdle);
  EXPECT_EQ(r.NextDeadline(), UINT64_MAX);
  for (uint64_t s = 10; s < 20; ++s) r.OnSent(s, s * 1000);
  EXPECT_EQ(r.mode(), Retx::Mode::kWaiting);
  EXPECT_EQ(r.NextDeadline(), 10 * 1000 + 10 * kSec);  // the oldest's time
  EXPECT_EQ(r.OnAck(14, 30000), Retx::AckResult::kMoved);
  EXPECT_EQ(r.first_unacked(), 15u);
  EXPECT_EQ(r.NextDeadline(), 15 * 1000 + 10 * kSec);
  EXPECT_EQ(r.OnAck(12, 30000), Retx::AckResult::kStale);
  EXPECT_EQ(r.OnAck(20, 30000), Retx::AckResult::kBogus);  // never sent
  EXPECT_EQ(r.OnAck(19, 40000), Retx::AckResult::kMoved);
  EXPECT_EQ(r.mode(), Retx::Mode::kIdle);
  EXPECT_FALSE(r.Emergency(100 * kSec).has_value());
}

// A receiver told where the stream began, lacking its first record, acks
// the seq before it: nothing acknowledged, and no bogus response (its
// requests are taken). At seq 0 that is 2^64 - 1.
TEST(Retx, AnAckBeforeTheStreamsFirstSeqIsStale) {
  Retx r;
  for (uint64_t s = 0; s < 3; ++s) r.OnSent(s, 0);
  EXPECT_EQ(r.first_sent(), 0u);
  EXPECT_EQ(r.OnAck(UINT64_MAX, 1000), Retx::AckResult::kStale);
  EXPECT_FALSE(r.any_acked());
  EXPECT_EQ(r.OnAck(1, 1000), Retx::AckResult::kMoved);
  Retx s;
  s.OnSent(40, 0);
  s.OnSent(41, 0);
  EXPECT_EQ(s.OnAck(39, 1000), Retx::AckResult::kStale);
  EXPECT_EQ(s.OnAck(38, 1000), Retx::AckResult::kMoved);  // as before
}

// Once the collector answered, at most `window` seqs beyond the acked one.
TEST(Retx, AWindowOnceTheCollectorAnswered) {
  Retx r({.window = 10});
  EXPECT_EQ(r.Room(), UINT64_MAX);
  for (uint64_t s = 100; s < 130; ++s) r.OnSent(s, 0);
  EXPECT_EQ(r.Room(), UINT64_MAX);  // nobody answered: no bound
  EXPECT_EQ(r.InFlight(), 30u);
  EXPECT_EQ(r.OnAck(99, 1000), Retx::AckResult::kStale);  // nothing yet
  EXPECT_EQ(r.Room(), 0u);
  EXPECT_EQ(r.OnAck(125, 2000), Retx::AckResult::kMoved);
  EXPECT_EQ(r.Room(), 6u);  // 126-129 out
  EXPECT_EQ(r.InFlight(), 4u);
  EXPECT_EQ(r.OnAck(129, 3000), Retx::AckResult::kMoved);
  EXPECT_EQ(r.Room(), 10u);
  EXPECT_EQ(r.OnAck(500, 4000), Retx::AckResult::kBogus);
  EXPECT_EQ(r.InFlight(), 0u);
  Retx unbounded({.window = 0});
  unbounded.OnSent(1, 0);
  unbounded.OnAck(1, 0);
  EXPECT_EQ(unbounded.Room(), UINT64_MAX);
}

TEST(Retx, EmergencyResendsOnePerIntervalDoublingToTheMaximum) {
  Retx r;
  for (uint64_t s = 0; s < 3; ++s) r.OnSent(s, 0);
  EXPECT_FALSE(r.Emergency(10 * kSec - 1).has_value());
  std::vector<std::pair<uint64_t, uint64_t>> sent;  // (time, seq)
  for (uint64_t now = 10 * kSec; now < 20 * kSec; now += 1000) {
    if (auto seq = r.Emergency(now)) sent.push_back({now, *seq});
  }
  EXPECT_EQ(r.mode(), Retx::Mode::kEmergency);
  // Passes over 0, 1, 2 at 100 ms, then 200, 400, 800 and 1000 ms.
  ASSERT_GE(sent.size(), 12u);
  const uint64_t t0 = 10 * kSec;
  const std::vector<std::pair<uint64_t, uint64_t>> want = {
      {t0, 0},           {t0 + 100000, 1},  {t0 + 200000, 2},
      {t0 + 300000, 0},  {t0 + 500000, 1},  {t0 + 700000, 2},
      {t0 + 900000, 0},  {t0 + 1300000, 1}, {t0 + 1700000, 2},
      {t0 + 2100000, 0}, {t0 + 2900000, 1}, {t0 + 3700000, 2},
      {t0 + 4500000, 0}, {t0 + 5500000, 1}, {t0 + 6500000, 2}};
  for (size_t i = 0; i < want.size() && i < sent.size(); ++i) {
    EXPECT_EQ(sent[i], want[i]) << i;
  }
  EXPECT_EQ(r.emergency_sends(), sent.size());
  // An ack that moves ends it; the rest waits for its own timeout.
  EXPECT_EQ(r.OnAck(0, 20 * kSec), Retx::AckResult::kMoved);
  EXPECT_EQ(r.mode(), Retx::Mode::kWaiting);
  EXPECT_EQ(r.first_unacked(), 1u);
  EXPECT_EQ(r.NextDeadline(), 10 * kSec);  // seq 1 was sent at 0: overdue
  EXPECT_EQ(r.Emergency(20 * kSec), 1u);
}

// A burst per interval, hints first: which seqs go out follows the hints,
// how many follows the clock alone (1,000 hints do not add one resend).
TEST(Retx, BurstsTakeHintsFirstAndHintsAddNothing) {
  Retx::Options o;
  o.emg_burst = 4;
  Retx r(o);
  for (uint64_t s = 0; s < 100; ++s) r.OnSent(s, 0);
  r.OnAck(9, 1);  // 10..99 unacknowledged
  r.Hint(5);      // acknowledged already: skipped
  r.Hint(40);
  r.Hint(200);  // never sent: skipped
  r.Hint(70);
  std::vector<uint64_t> got;
  for (uint64_t now = 10 * kSec; now < 10 * kSec + 50000; now += 1000) {
    while (auto seq = r.Emergency(now)) got.push_back(*seq);
  }
  EXPECT_EQ(got, (std::vector<uint64_t>{40, 70, 10, 11}));
  for (uint64_t h = 0; h < 1000; ++h) r.Hint(50 + h % 40);
  got.clear();
  const uint64_t t1 = 10 * kSec + 100000;
  for (uint64_t now = t1; now < t1 + 99000; now += 1000) {
    while (auto seq = r.Emergency(now)) got.push_back(*seq);
  }
  EXPECT_EQ(got.size(), 4u);  // the next interval's burst, no more
  EXPECT_EQ(r.emergency_sends(), 8u);
}

// Send times are kept per resolution interval in a bounded ring: a deadline
// comes from the checkpoint at or before the seq (never later than the true
// one); the caller's floor skips seqs it can no longer resend.
TEST(Retx, SendTimesPerIntervalAndTheFloor) {
  Retx::Options o;
  o.checkpoints = 4;
  Retx r(o);
  for (uint64_t s = 0; s < 1000; ++s) r.OnSent(s, s * 10);  // 100 per ms
  EXPECT_EQ(r.OnAck(649, 20000), Retx::AckResult::kMoved);
  // Checkpoints kept: seqs 600, 700, 800, 900; seq 650 was sent at 6500.
  EXPECT_EQ(r.NextDeadline(), 6000 + 10 * kSec);
  EXPECT_EQ(r.Emergency(6000 + 10 * kSec, 800), 800u);
  EXPECT_EQ(r.Emergency(6000 + 10 * kSec + 100000, 800), 801u);
  r.OnAck(999, 11 * kSec);
  EXPECT_EQ(r.mode(), Retx::Mode::kIdle);
}

TEST(Retx, NewRecordsDuringAnEmergencyJoinIt) {
  Retx r;
  r.OnSent(0, 0);
  EXPECT_EQ(r.Emergency(10 * kSec), 0u);
  r.OnSent(1, 10 * kSec + 50000);
  EXPECT_FALSE(r.Emergency(10 * kSec + 99999).has_value());
  EXPECT_EQ(r.Emergency(10 * kSec + 100000), 1u);
}

// Issue 23: one response cannot make the sender resend a record 495
// times, nor more than kPerResponse records, nor anything never sent.
TEST(RequestFilter, DuplicatesUnsentCapAndRate) {
  Retx r;
  RequestFilter f({.rate_per_s = 100, .burst = 500});
  uint64_t take[RequestFilter::kPerResponse];
  std::vector<uint64_t> asked(495, 5);
  EXPECT_EQ(f.Take(asked, r, 0, take).unsent, 495u);  // nothing sent yet
  for (uint64_t s = 0; s < 300; ++s) r.OnSent(s, 0);
  asked.push_back(4'000'000'000);
  RequestFilter::Counts c = f.Take(asked, r, 0, take);
  EXPECT_EQ(c.taken, 1u);
  EXPECT_EQ(take[0], 5u);
  EXPECT_EQ(c.duplicate, 494u);
  EXPECT_EQ(c.unsent, 1u);
  EXPECT_EQ(c.refused(), 495u);
  asked.clear();
  for (uint64_t s = 0; s < 300; ++s) asked.push_back(s);
  asked.push_back(3);  // a duplicate beyond the cap is still one
  c = f.Take(asked, r, 0, take);
  EXPECT_EQ(c.taken, RequestFilter::kPerResponse);
  EXPECT_EQ(c.over_cap, 100u);
  EXPECT_EQ(c.duplicate, 1u);
  EXPECT_EQ(take[199], 199u);
  // The bucket held 500: 299 left, then 99, then 100 a second.
  EXPECT_EQ(f.Take(asked, r, 0, take).taken, 200u);
  c = f.Take(asked, r, 0, take);
  EXPECT_EQ(c.taken, 99u);
  EXPECT_EQ(c.over_rate, 201u);
  EXPECT_EQ(f.Take(asked, r, 100'000, take).taken, 10u);
  c = f.Take(asked, r, 100'000'000'000, take);  // refilled to the burst
  EXPECT_EQ(c.taken, RequestFilter::kPerResponse);
}

}  // namespace
}  // namespace pmdcon::reliable
