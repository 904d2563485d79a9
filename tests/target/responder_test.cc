// Answers for our own addresses: exact ARP replies, neighbor advertisements
// that a resolver (the peer's side) believes, and silence for everything
// else, hostile frames included.
#include "target/responder.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "hosts.h"
#include "target/resolver.h"

namespace pmdcon::target {
namespace {

using packet::IpAddr;
using packet::ParseIp;

using namespace hosts;  // NOLINT: the two hosts of every test

// The request a peer resolving `who` sends (its resolver's first frame).
std::vector<uint8_t> PeerRequest(const IpAddr& from, const IpAddr& who) {
  Resolver peer(kPeer, from, who, {});
  std::vector<uint8_t> f(Resolver::kMaxFrame);
  f.resize(peer.Poll(0, f.data(), f.size()));
  return f;
}

TEST(Responder, ArpReplyIsExact) {
  Responder r(kSelf, kSelf4, std::nullopt);
  const auto req = PeerRequest(kPeer4, kSelf4);
  uint8_t out[Responder::kMaxFrame];
  ASSERT_EQ(r.OnFrame(req.data(), req.size(), out, sizeof(out)), 60u);
  const std::vector<uint8_t> want = {
      0x02, 0, 0,    0, 0, 2, 0x02, 0,  0, 0, 0, 1, 0x08, 0x06,  // to the peer
      0,    1, 0x08, 0, 6, 4, 0,    2,                           // reply
      0x02, 0, 0,    0, 0, 1, 10,   99, 0, 1,                    // us
      0x02, 0, 0,    0, 0, 2, 10,   99, 0, 2};                   // the peer
  EXPECT_EQ(std::vector<uint8_t>(out, out + want.size()), want);
  EXPECT_EQ(r.answered(), 1u);
}

TEST(Responder, ThePeersResolverBelievesTheAnswers) {
  Responder r(kSelf, kSelf4, kSelf6);
  for (const auto& [peer_ip, self_ip] :
       {std::pair{kPeer4, kSelf4}, std::pair{kPeer6, kSelf6}}) {
    Resolver peer(kPeer, peer_ip, self_ip, {});
    uint8_t req[Resolver::kMaxFrame], out[Responder::kMaxFrame];
    const size_t n = peer.Poll(0, req, sizeof(req));
    const size_t m = r.OnFrame(req, n, out, sizeof(out));
    ASSERT_GT(m, 0u) << packet::FormatIp(self_ip);
    ASSERT_TRUE(peer.OnFrame(out, m, 1)) << packet::FormatIp(self_ip);
    EXPECT_EQ(peer.mac(), kSelf);
  }
  EXPECT_EQ(r.answered(), 2u);
}

TEST(Responder, SilentForOtherAddressesAndFamilies) {
  uint8_t out[Responder::kMaxFrame];
  const auto other4 = PeerRequest(kPeer4, *ParseIp("10.99.0.9"));
  const auto other6 = PeerRequest(kPeer6, *ParseIp("fd00:99::9"));
  const auto ours6 = PeerRequest(kPeer6, kSelf6);
  Responder v4_only(kSelf, kSelf4, std::nullopt);
  EXPECT_EQ(v4_only.OnFrame(other4.data(), other4.size(), out, sizeof(out)),
            0u);
  EXPECT_EQ(v4_only.OnFrame(ours6.data(), ours6.size(), out, sizeof(out)), 0u);
  Responder both(kSelf, kSelf4, kSelf6);
  EXPECT_EQ(both.OnFrame(other6.data(), other6.size(), out, sizeof(out)), 0u);
  // A reply is not a request; a solicitation with a bad checksum is not NDP;
  // duplicate address detection (from ::) is not answered.
  Responder peer_side(kPeer, kPeer4, std::nullopt);
  auto req = PeerRequest(kSelf4, kPeer4);
  uint8_t reply[Responder::kMaxFrame];
  const size_t n =
      peer_side.OnFrame(req.data(), req.size(), reply, sizeof(reply));
  ASSERT_EQ(n, 60u);
  EXPECT_EQ(both.OnFrame(reply, n, out, sizeof(out)), 0u);
  auto bad = ours6;
  bad[14 + 40 + 2] ^= 1;
  EXPECT_EQ(both.OnFrame(bad.data(), bad.size(), out, sizeof(out)), 0u);
  auto dad = ours6;
  std::fill(dad.begin() + 14 + 8, dad.begin() + 14 + 24, 0);
  EXPECT_EQ(both.OnFrame(dad.data(), dad.size(), out, sizeof(out)), 0u);
  EXPECT_EQ(both.answered(), 0u);
}

TEST(Responder, RandomAndTruncatedFramesAreIgnoredSafely) {
  Responder r(kSelf, kSelf4, kSelf6);
  std::mt19937 rng(12);
  uint8_t out[Responder::kMaxFrame];
  for (const auto& base :
       {PeerRequest(kPeer4, kSelf4), PeerRequest(kPeer6, kSelf6)}) {
    // Shorter than the ARP message (14 + 28; the padding is optional) or
    // than the IPv6 payload length: ignored.
    const size_t whole = base.size() == 60 ? 42 : base.size();
    for (size_t len = 0; len < whole; ++len) {
      EXPECT_EQ(r.OnFrame(base.data(), len, out, sizeof(out)), 0u) << len;
    }
    for (int i = 0; i < 20000; ++i) {
      auto f = base;
      f[rng() % f.size()] = static_cast<uint8_t>(rng());
      r.OnFrame(f.data(), f.size(), out, sizeof(out));  // no crash, no overrun
    }
  }
  EXPECT_EQ(r.OnFrame(nullptr, 0, out, sizeof(out)), 0u);
}

}  // namespace
}  // namespace pmdcon::target
