// The control half of targets: requests go out for the targets that need a
// next hop, our own addresses are answered, a learned MAC is reported only
// while the link is up, and each target's Reach follows the link and its
// resolver.
#include "target/neighbors.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "hosts.h"
#include "target/resolver.h"
#include "target/responder.h"

namespace pmdcon::target {
namespace {

using packet::Mac;

using namespace hosts;  // NOLINT: the two hosts of every test

using Frame = std::vector<uint8_t>;

struct Sent {
  std::vector<Frame> frames;
  void operator()(const uint8_t* f, size_t n) { frames.emplace_back(f, f + n); }
};

// Three targets: 0 resolves kPeer4, 1 has a configured MAC, 2 is off.
std::vector<Neighbors::Target> Targets() {
  return {{true, false, kSelf4, kPeer4},
          {true, true, kSelf4, kPeer4},
          {false, false, kSelf4, kPeer4}};
}

// The peer's answer to the request in `req`.
Frame Answer(const Frame& req) {
  Responder peer(kPeer, kPeer4, std::nullopt);
  Frame out(Responder::kMaxFrame);
  out.resize(peer.OnFrame(req.data(), req.size(), out.data(), out.size()));
  return out;
}

using Learned = std::vector<std::pair<size_t, Mac>>;

// Polls n at time 0 for its one request, has the peer answer it at time 1,
// and returns what n reported learning from the answer.
Learned AnswerTheRequest(Neighbors& n) {
  Sent sent;
  n.Poll(0, std::ref(sent));
  EXPECT_EQ(sent.frames.size(), 1u);
  if (sent.frames.empty()) return {};
  const Frame reply = Answer(sent.frames[0]);
  EXPECT_FALSE(reply.empty());
  Learned learned;
  n.OnFrame(reply.data(), reply.size(), 1, std::ref(sent),
            [&](size_t i, const Mac& m) { learned.emplace_back(i, m); });
  return learned;
}

TEST(Neighbors, OnlyTheTargetThatNeedsAHopAsks) {
  Neighbors n(kSelf, kSelf4, std::nullopt, Targets(), {}, true);
  Sent sent;
  n.Poll(0, std::ref(sent));
  ASSERT_EQ(sent.frames.size(), 1u);  // one request: target 0's
  EXPECT_NE(n.resolver(0), nullptr);
  EXPECT_EQ(n.resolver(1), nullptr);
  EXPECT_EQ(n.resolver(2), nullptr);
  EXPECT_EQ(n.reach(0), Reach::kResolving);
  EXPECT_EQ(n.reach(1), Reach::kReady);
  EXPECT_EQ(n.reach(2), Reach::kOff);
}

TEST(Neighbors, AnAnswerIsLearnedAndReported) {
  Neighbors n(kSelf, kSelf4, std::nullopt, Targets(), {}, true);
  const Learned learned = AnswerTheRequest(n);
  ASSERT_EQ(learned.size(), 1u);
  EXPECT_EQ(learned[0].first, 0u);
  EXPECT_EQ(learned[0].second, kPeer);
  EXPECT_EQ(n.reach(0), Reach::kReady);
}

TEST(Neighbors, NothingIsReportedWhileTheLinkIsDown) {
  Neighbors n(kSelf, kSelf4, std::nullopt, Targets(), {}, false);
  EXPECT_TRUE(AnswerTheRequest(n).empty());
  EXPECT_EQ(n.reach(0), Reach::kLinkDown);
  EXPECT_EQ(n.reach(1), Reach::kLinkDown);
  EXPECT_EQ(n.reach(2), Reach::kOff);  // off stays off
  EXPECT_TRUE(n.SetLink(true));
  EXPECT_FALSE(n.SetLink(true));         // no change
  EXPECT_EQ(n.reach(0), Reach::kReady);  // resolved while down
  EXPECT_EQ(n.reach(1), Reach::kReady);
}

TEST(Neighbors, OurOwnAddressIsAnswered) {
  Neighbors n(kSelf, kSelf4, std::nullopt, Targets(), {}, true);
  Resolver peer(kPeer, kPeer4, kSelf4, {});
  Frame req(Resolver::kMaxFrame);
  req.resize(peer.Poll(0, req.data(), req.size()));
  Sent sent;
  n.OnFrame(req.data(), req.size(), 0, std::ref(sent),
            [](size_t, const Mac&) {});
  ASSERT_EQ(sent.frames.size(), 1u);
  EXPECT_TRUE(peer.OnFrame(sent.frames[0].data(), sent.frames[0].size(), 1));
  EXPECT_EQ(peer.mac(), kSelf);
  EXPECT_EQ(n.answered(), 1u);
}

TEST(Neighbors, AHopThatStopsAnsweringIsResolvedAgain) {
  Resolver::Options o;
  o.reachable_us = 1000;
  o.refresh_tries = 1;
  Neighbors n(kSelf, kSelf4, std::nullopt, Targets(), o, true);
  ASSERT_EQ(AnswerTheRequest(n).size(), 1u);
  ASSERT_EQ(n.reach(0), Reach::kReady);
  Sent sent;
  // Refreshes go unanswered until the resolver gives up on the MAC.
  uint64_t now = 1;
  for (int k = 0; k < 100 && n.reach(0) == Reach::kReady; ++k) {
    now += 1000000;
    n.Poll(now, std::ref(sent));
  }
  EXPECT_EQ(n.reach(0), Reach::kResolving);
}

}  // namespace
}  // namespace pmdcon::target
