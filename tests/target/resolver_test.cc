// ARP and NDP resolution: exact request frames, what answers are believed,
// the retry/refresh timeline, and hostile frames.
#include "target/resolver.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "hosts.h"
#include "packet/checksum.h"

namespace pmdcon::target {
namespace {

using packet::IpAddr;
using packet::Mac;
using packet::ParseIp;

using namespace hosts;  // NOLINT: the two hosts of every test

std::vector<uint8_t> ArpFrame(uint16_t op, const Mac& sha, const IpAddr& spa,
                              const IpAddr& tpa) {
  std::vector<uint8_t> f(60, 0);
  std::memcpy(&f[0], kSelf.data(), 6);
  std::memcpy(&f[6], sha.data(), 6);
  f[12] = 0x08, f[13] = 0x06;
  uint8_t* a = &f[14];
  a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = static_cast<uint8_t>(op);
  std::memcpy(a + 8, sha.data(), 6);
  std::memcpy(a + 14, spa.bytes.data(), 4);
  std::memcpy(a + 24, tpa.bytes.data(), 4);
  return f;
}

TEST(Arp, RequestFrameIsExact) {
  Resolver r(kSelf, *ParseIp("10.99.0.1"), *ParseIp("10.99.0.2"), {});
  uint8_t out[Resolver::kMaxFrame];
  ASSERT_EQ(r.Poll(0, out, sizeof(out)), 60u);
  const std::vector<uint8_t> want = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1,
      0x08, 0, 6, 4, 0, 1,                // Ethernet/IPv4,
                                          // request
      0x02, 0, 0, 0, 0, 1, 10, 99, 0, 1,  // sender
      0, 0, 0, 0, 0, 0, 10, 99, 0, 2};    // target
  EXPECT_EQ(std::vector<uint8_t>(out, out + want.size()), want);
  EXPECT_EQ(std::vector<uint8_t>(out + want.size(), out + 60),
            std::vector<uint8_t>(60 - want.size(), 0));  // padding
}

TEST(Arp, LearnsOnlyFromTheNextHop) {
  const IpAddr self = *ParseIp("10.99.0.1"), peer = *ParseIp("10.99.0.2");
  Resolver r(kSelf, self, peer, {});
  auto other = ArpFrame(2, {9, 9, 9, 9, 9, 9}, *ParseIp("10.99.0.3"), self);
  EXPECT_FALSE(r.OnFrame(other.data(), other.size(), 5));
  EXPECT_EQ(r.state(), Resolver::State::kResolving);
  auto reply = ArpFrame(2, kPeer, peer, self);
  reply[14 + 4] = 8;  // a bad hardware length is not ARP for Ethernet
  EXPECT_FALSE(r.OnFrame(reply.data(), reply.size(), 5));
  reply[14 + 4] = 6;
  EXPECT_TRUE(r.OnFrame(reply.data(), reply.size(), 5));
  EXPECT_EQ(r.state(), Resolver::State::kResolved);
  EXPECT_EQ(r.mac(), kPeer);
  // A gratuitous announcement (a request from the peer) updates the MAC.
  const Mac moved = {0x02, 0, 0, 0, 0, 0x22};
  auto garp = ArpFrame(1, moved, peer, peer);
  EXPECT_TRUE(r.OnFrame(garp.data(), garp.size(), 6));
  EXPECT_EQ(r.mac(), moved);
}

TEST(Arp, RetriesWithBackoffThenRefreshesThenGivesUp) {
  const IpAddr self = *ParseIp("10.99.0.1"), peer = *ParseIp("10.99.0.2");
  Resolver::Options o;
  o.retry_us = 100;
  o.retry_max_us = 400;
  o.reachable_us = 10000;
  o.refresh_tries = 2;
  Resolver r(kSelf, self, peer, o);
  uint8_t out[Resolver::kMaxFrame];
  std::vector<uint64_t> sent;
  for (uint64_t t = 0; t <= 1500; ++t) {
    if (r.Poll(t, out, sizeof(out))) sent.push_back(t);
  }
  // 0, +100, +200, +400, then capped at 400.
  EXPECT_EQ(sent, (std::vector<uint64_t>{0, 100, 300, 700, 1100, 1500}));
  auto reply = ArpFrame(2, kPeer, peer, self);
  ASSERT_TRUE(r.OnFrame(reply.data(), reply.size(), 1600));
  EXPECT_EQ(r.NextDeadline(), 1600u + 10000);
  EXPECT_EQ(r.Poll(11599, out, sizeof(out)), 0u);
  // Fresh time over: unicast refreshes while the MAC stays usable.
  ASSERT_EQ(r.Poll(11600, out, sizeof(out)), 60u);
  EXPECT_EQ(r.state(), Resolver::State::kRefreshing);
  EXPECT_TRUE(r.usable());
  EXPECT_EQ(std::memcmp(out, kPeer.data(), 6), 0) << "refresh goes unicast";
  ASSERT_EQ(r.Poll(11700, out, sizeof(out)), 60u);
  EXPECT_TRUE(r.usable());
  // Two refreshes unanswered: back to resolving, broadcast, not usable.
  ASSERT_EQ(r.Poll(11800, out, sizeof(out)), 60u);
  EXPECT_EQ(r.state(), Resolver::State::kResolving);
  EXPECT_FALSE(r.usable());
  EXPECT_EQ(std::memcmp(out, packet::kBroadcast.data(), 6), 0);
  // An answer to a refresh keeps it resolved.
  ASSERT_TRUE(r.OnFrame(reply.data(), reply.size(), 12000));
  EXPECT_EQ(r.state(), Resolver::State::kResolved);
}

// A neighbor advertisement from `from` about `target`.
std::vector<uint8_t> NaFrame(const IpAddr& from, const IpAddr& to,
                             const IpAddr& target, const Mac& tll,
                             bool with_option, uint8_t hop = 255) {
  const size_t plen = with_option ? 32 : 24;
  std::vector<uint8_t> f(14 + 40 + plen, 0);
  std::memcpy(&f[0], kSelf.data(), 6);
  std::memcpy(&f[6], kPeer.data(), 6);
  f[12] = 0x86, f[13] = 0xdd;
  uint8_t* ip = &f[14];
  ip[0] = 0x60, ip[5] = static_cast<uint8_t>(plen), ip[6] = 58, ip[7] = hop;
  std::memcpy(ip + 8, from.bytes.data(), 16);
  std::memcpy(ip + 24, to.bytes.data(), 16);
  uint8_t* icmp = ip + 40;
  icmp[0] = 136;
  icmp[4] = 0x60;  // solicited, override
  std::memcpy(icmp + 8, target.bytes.data(), 16);
  if (with_option) {
    icmp[24] = 2, icmp[25] = 1;
    std::memcpy(icmp + 26, tll.data(), 6);
  }
  const uint16_t c =
      packet::Checksum(icmp, plen, packet::SumBytes(ip + 8, 32) + plen + 58);
  icmp[2] = static_cast<uint8_t>(c >> 8), icmp[3] = static_cast<uint8_t>(c);
  return f;
}

TEST(Ndp, SolicitationIsValid) {
  const IpAddr self = *ParseIp("fd00:99::1"), peer = *ParseIp("fd00:99::2");
  Resolver r(kSelf, self, peer, {});
  uint8_t out[Resolver::kMaxFrame];
  ASSERT_EQ(r.Poll(0, out, sizeof(out)), 86u);
  const std::vector<uint8_t> mcast = {0x33, 0x33, 0xff, 0, 0, 2};
  EXPECT_EQ(std::vector<uint8_t>(out, out + 6), mcast);
  EXPECT_EQ(out[12], 0x86);
  const uint8_t* ip = out + 14;
  EXPECT_EQ(ip[6], 58);
  EXPECT_EQ(ip[7], 255);
  EXPECT_EQ(*ParseIp("ff02::1:ff00:2"), ([&] {
    IpAddr a;
    a.family = 6;
    std::memcpy(a.bytes.data(), ip + 24, 16);
    return a;
  })());
  const uint8_t* icmp = ip + 40;
  EXPECT_EQ(icmp[0], 135);
  EXPECT_EQ(std::memcmp(icmp + 8, peer.bytes.data(), 16), 0);
  EXPECT_EQ(icmp[24], 1);  // source link-layer address option
  EXPECT_EQ(std::memcmp(icmp + 26, kSelf.data(), 6), 0);
  // The checksum verifies over the pseudo-header.
  EXPECT_EQ(packet::Checksum(icmp, 32, packet::SumBytes(ip + 8, 32) + 32 + 58),
            0);
}

TEST(Ndp, AdvertisementsAreCheckedBeforeTheyAreBelieved) {
  const IpAddr self = *ParseIp("fd00:99::1"), peer = *ParseIp("fd00:99::2");
  const Mac tll = {0x02, 0, 0, 0, 0, 0x33};
  Resolver r(kSelf, self, peer, {});
  auto bad_hop = NaFrame(peer, self, peer, tll, true, 64);
  EXPECT_FALSE(r.OnFrame(bad_hop.data(), bad_hop.size(), 1));
  auto other = NaFrame(peer, self, *ParseIp("fd00:99::3"), tll, true);
  EXPECT_FALSE(r.OnFrame(other.data(), other.size(), 1));
  auto bad_sum = NaFrame(peer, self, peer, tll, true);
  bad_sum[14 + 40 + 2] ^= 1;
  EXPECT_FALSE(r.OnFrame(bad_sum.data(), bad_sum.size(), 1));
  auto good = NaFrame(peer, self, peer, tll, true);
  EXPECT_TRUE(r.OnFrame(good.data(), good.size(), 1));
  EXPECT_EQ(r.mac(), tll);
  auto no_opt = NaFrame(peer, self, peer, tll, false);
  EXPECT_TRUE(r.OnFrame(no_opt.data(), no_opt.size(), 2));
  EXPECT_EQ(r.mac(), kPeer) << "without the option: the Ethernet source";
}

TEST(Hostile, RandomAndTruncatedFramesAreIgnoredSafely) {
  std::mt19937 rng(9);
  const IpAddr self4 = *ParseIp("10.99.0.1"), peer4 = *ParseIp("10.99.0.2");
  const IpAddr self6 = *ParseIp("fd00:99::1"), peer6 = *ParseIp("fd00:99::2");
  Resolver r4(kSelf, self4, peer4, {}), r6(kSelf, self6, peer6, {});
  auto arp = ArpFrame(2, kPeer, peer4, self4);
  auto na = NaFrame(peer6, self6, peer6, kPeer, true);
  for (int i = 0; i < 200000; ++i) {
    std::vector<uint8_t> f = i % 2 ? arp : na;
    f.resize(rng() % (f.size() + 1));
    for (int k = rng() % 4; k > 0 && !f.empty(); --k)
      f[rng() % f.size()] = static_cast<uint8_t>(rng());
    r4.OnFrame(f.data(), f.size(), 0);
    r6.OnFrame(f.data(), f.size(), 0);
  }
  SUCCEED() << "no crash under the sanitizers";
  // A truncated reply never teaches anything.
  Resolver fresh(kSelf, self4, peer4, {});
  EXPECT_FALSE(fresh.OnFrame(arp.data(), 14 + 27, 0));
}

// A solicitation from the next hop tells its MAC (from its source
// link-layer option), as the kernel's neighbor table learns it: a collector
// that moved to a new MAC and asks for us is found at once.
TEST(Ndp, LearnsFromTheNextHopsSolicitation) {
  const IpAddr self = *ParseIp("fd00:99::1"), peer = *ParseIp("fd00:99::2");
  Resolver peer_side(kPeer, peer, self, {});
  uint8_t ns[Resolver::kMaxFrame];
  const size_t n = peer_side.Poll(0, ns, sizeof(ns));
  ASSERT_GT(n, 0u);
  Resolver r(kSelf, self, peer, {});
  ASSERT_TRUE(r.OnFrame(ns, n, 7));
  EXPECT_EQ(r.mac(), kPeer);
  EXPECT_EQ(r.state(), Resolver::State::kResolved);
  // From anyone else it teaches nothing.
  Resolver other(kSelf, self, *ParseIp("fd00:99::3"), {});
  EXPECT_FALSE(other.OnFrame(ns, n, 7));
}

}  // namespace
}  // namespace pmdcon::target
