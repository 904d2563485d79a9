// Routing datagrams received on the port: responses reach the reliable
// target whose collector sent them, strangers at its port are charged to
// it, checksum failures are counted where they were aimed, and nothing else
// is anyone's.
#include "target/inbound.h"

#include <gtest/gtest.h>

#include <vector>

namespace pmdcon::target {
namespace {

using packet::Datagram;
using packet::Endpoints;
using packet::ParseIp;
using packet::UdpParse;

Endpoints Target(const char* src, uint16_t src_port, const char* dst,
                 uint16_t dst_port) {
  Endpoints e;
  e.src_ip = *ParseIp(src);
  e.dst_ip = *ParseIp(dst);
  e.src_port = src_port;
  e.dst_port = dst_port;
  return e;
}

Datagram From(const char* src, uint16_t src_port, const char* dst,
              uint16_t dst_port) {
  Datagram d;
  d.src_ip = *ParseIp(src);
  d.dst_ip = *ParseIp(dst);
  d.src_port = src_port;
  d.dst_port = dst_port;
  return d;
}

class RouteDatagramTest : public ::testing::Test {
 protected:
  // 0: plain (no responses); 1 and 2 reliable at one source port, each
  // with its own collector; 3 reliable on IPv6.
  const Endpoints plain = Target("10.99.0.1", 6665, "10.99.0.2", 6666);
  const Endpoints a = Target("10.99.0.1", 6670, "10.99.0.2", 6666);
  const Endpoints b = Target("10.99.0.1", 6670, "10.99.0.3", 6666);
  const Endpoints v6 = Target("fd00:99::1", 6670, "fd00:99::2", 6666);
  const std::vector<const Endpoints*> targets = {nullptr, &a, &b, &v6};

  Inbound Route(UdpParse p, const Datagram& d) const {
    return RouteDatagram(p, d, targets);
  }
};

TEST_F(RouteDatagramTest, ResponsesReachTheirOwnTarget) {
  Inbound in = Route(UdpParse::kOk, From("10.99.0.2", 6666, "10.99.0.1", 6670));
  EXPECT_EQ(in.kind, Inbound::Kind::kResponse);
  EXPECT_EQ(in.target, 1u);
  in = Route(UdpParse::kOk, From("10.99.0.3", 6666, "10.99.0.1", 6670));
  EXPECT_EQ(in.kind, Inbound::Kind::kResponse);
  EXPECT_EQ(in.target, 2u);
  in = Route(UdpParse::kOk, From("fd00:99::2", 6666, "fd00:99::1", 6670));
  EXPECT_EQ(in.kind, Inbound::Kind::kResponse);
  EXPECT_EQ(in.target, 3u);
}

TEST_F(RouteDatagramTest, StrangersAreChargedToTheFirstTargetAtThePort) {
  // Another address, or the collector's address from another port.
  for (const Datagram& d : {From("10.99.0.9", 6666, "10.99.0.1", 6670),
                            From("10.99.0.2", 6667, "10.99.0.1", 6670)}) {
    const Inbound in = Route(UdpParse::kOk, d);
    EXPECT_EQ(in.kind, Inbound::Kind::kForeign);
    EXPECT_EQ(in.target, 1u);
  }
}

TEST_F(RouteDatagramTest, APlainTargetsPortTakesNothing) {
  EXPECT_EQ(
      Route(UdpParse::kOk, From("10.99.0.2", 6666, "10.99.0.1", 6665)).kind,
      Inbound::Kind::kNone);
  EXPECT_EQ(
      Route(UdpParse::kOk, From("10.99.0.2", 6666, "10.99.0.7", 6670)).kind,
      Inbound::Kind::kNone);
  EXPECT_EQ(
      Route(UdpParse::kNotUdp, From("10.99.0.2", 6666, "10.99.0.1", 6670)).kind,
      Inbound::Kind::kNone);
}

TEST_F(RouteDatagramTest, ChecksumFailuresAreCountedWhereTheyWereAimed) {
  Inbound in = Route(UdpParse::kBadUdpChecksum,
                     From("10.99.0.3", 6666, "10.99.0.1", 6670));
  EXPECT_EQ(in.kind, Inbound::Kind::kBadChecksum);
  EXPECT_EQ(in.target, 1u);  // the ports say which port, not which peer
  // A bad IP header checksum leaves the ports unread: the address decides.
  in = Route(UdpParse::kBadIpChecksum, From("10.99.0.3", 0, "10.99.0.1", 0));
  EXPECT_EQ(in.kind, Inbound::Kind::kBadChecksum);
  EXPECT_EQ(in.target, 1u);
  // To a port no reliable target has: nobody's.
  EXPECT_EQ(Route(UdpParse::kBadUdpChecksum,
                  From("10.99.0.2", 6666, "10.99.0.1", 6665))
                .kind,
            Inbound::Kind::kNone);
}

}  // namespace
}  // namespace pmdcon::target
