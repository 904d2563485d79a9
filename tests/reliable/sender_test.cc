// reliable::Sender, the TX lcore's half: a stream's first records say
// where it began until a response comes; responses move the acknowledged
// position and queue the requests the filter lets through; a seq going
// back starts a new stream; credit is capped.
#include "reliable/sender.h"

#include <gtest/gtest.h>

#include <string>

namespace pmdcon::reliable {
namespace {

// Records seq [from, to) sent at ring ids 100 * seq.
void Send(Sender& s, uint64_t from, uint64_t to) {
  for (uint64_t q = from; q < to; ++q) {
    s.Follow(q);
    s.index.Put({q, q * 100, q * 100 + 100, 0, SentIndex::Kind::kSent});
    s.retx.OnSent(q, 0);
  }
}

TEST(Sender, SaysWhereTheStreamBeganUntilAResponse) {
  Sender s({});
  EXPECT_EQ(s.First(40), 40u);  // nothing sent yet: this one is the first
  Send(s, 40, 50);
  EXPECT_EQ(s.First(50), 40u);
  EXPECT_EQ(s.First(39), std::nullopt);
  // Nothing acked (the collector lacks seq 40): "ncrx39 40" is no bogus
  // ack; the request is queued and records from now on stop saying it.
  const Sender::Intake in = s.Take("ncrx39 40", 1000);
  EXPECT_FALSE(in.bad);
  EXPECT_FALSE(in.moved);
  EXPECT_EQ(in.requests, 1u);
  EXPECT_EQ(in.refused, 0u);
  ASSERT_TRUE(s.has_request());
  EXPECT_EQ(s.request(), 40u);
  s.PopRequest();
  EXPECT_FALSE(s.has_request());
  EXPECT_EQ(s.First(45), 40u);  // a resend of a seq that said it still does
  EXPECT_EQ(s.First(50), std::nullopt);
  EXPECT_EQ(s.acked_seq.load(), -1);
}

TEST(Sender, AcksMoveThePositionAndBadOnesAreTold) {
  Sender s({});
  Send(s, 0, 10);
  EXPECT_TRUE(s.Take("nonsense", 0).bad);
  EXPECT_TRUE(s.Take("ncrx99", 0).bad);  // never sent
  const Sender::Intake in = s.Take("ncrx4 6 6 7 99", 1000);
  EXPECT_TRUE(in.moved);
  EXPECT_EQ(in.requests, 4u);
  EXPECT_EQ(in.refused, 2u);  // 6 again, 99 never sent
  EXPECT_EQ(s.acked_seq.load(), 4);
  EXPECT_EQ(pmdcon_id_pos(s.acked_next), pmdcon_id_pos(500));  // after 4
  EXPECT_EQ(s.request(), 6u);
  s.PopRequest();
  EXPECT_EQ(s.request(), 7u);
}

TEST(Sender, ASeqGoingBackStartsANewStream) {
  Sender s({});
  Send(s, 100, 110);
  s.Take("ncrx105 107", 0);
  EXPECT_TRUE(s.has_request());
  Send(s, 0, 3);  // a new boot's records
  EXPECT_FALSE(s.has_request());
  EXPECT_EQ(s.retx.first_sent(), 0u);
  EXPECT_EQ(s.First(2), 0u);  // and they say where it began
}

// What metrics read of the TX lcore: Retx's in flight, stored where it
// changes, and nothing of an old stream once a new one starts (a seq
// going back, or the kernel's takeover: Engine::HoldForKernel).
TEST(Sender, PublishesWhatIsInFlight) {
  Sender s({});
  EXPECT_EQ(s.unacked.load(), 0u);
  for (uint64_t q = 10; q < 60; ++q) s.OnSent(q, 0);
  EXPECT_EQ(s.unacked.load(), 50u);
  EXPECT_TRUE(s.Take("ncrx49", 1000).moved);
  EXPECT_EQ(s.unacked.load(), 10u);  // 50..59
  EXPECT_EQ(s.unacked.load(), s.retx.InFlight());
  s.Take("ncrx20", 2000);  // stale: no change
  EXPECT_EQ(s.unacked.load(), 10u);
  s.Take("ncrx59", 3000);
  EXPECT_EQ(s.unacked.load(), 0u);
  s.OnSent(60, 4000);
  EXPECT_EQ(s.unacked.load(), 1u);
  s.NewStream();
  EXPECT_EQ(s.unacked.load(), 0u);
  s.Follow(0);  // a new boot's records, after the stream that was
  s.OnSent(0, 5000);
  EXPECT_EQ(s.unacked.load(), 1u);
}

TEST(Sender, CreditIsCapped) {
  Sender s({});
  s.AddCredit(1000);
  EXPECT_EQ(s.credit, 1000u);
  s.AddCredit(Sender::kCreditCap);
  EXPECT_EQ(s.credit, Sender::kCreditCap);
}

}  // namespace
}  // namespace pmdcon::reliable
