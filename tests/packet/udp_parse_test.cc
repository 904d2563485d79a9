// packet::ParseUdp reads back what UdpFrame builds, and refuses every
// malformed frame by what is wrong with it.
#include "packet/udp_parse.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "packet/checksum.h"
#include "packet/udp_frame.h"

namespace pmdcon::packet {
namespace {

std::vector<uint8_t> Frame(const char* src, const char* dst,
                           const std::string& payload) {
  Endpoints e;
  e.src_ip = *ParseIp(src);
  e.dst_ip = *ParseIp(dst);
  e.src_port = 6666;
  e.dst_port = 6665;
  UdpFrame f(e);
  std::vector<uint8_t> buf(f.header_size() + payload.size());
  std::memcpy(buf.data() + f.header_size(), payload.data(), payload.size());
  buf.resize(f.Build(buf.data(), payload.size(), 7));
  return buf;
}

TEST(ParseUdp, ReadsBackIpv4AndIpv6) {
  for (const auto& [src, dst] :
       {std::pair{"10.99.0.2", "10.99.0.1"}, {"fd00:99::2", "fd00:99::1"}}) {
    const std::vector<uint8_t> f = Frame(src, dst, "ncrx41 17 19");
    Datagram d;
    ASSERT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kOk) << src;
    EXPECT_EQ(d.src_ip, *ParseIp(src));
    EXPECT_EQ(d.dst_ip, *ParseIp(dst));
    EXPECT_EQ(d.src_port, 6666);
    EXPECT_EQ(d.dst_port, 6665);
    EXPECT_EQ(d.payload, "ncrx41 17 19");
  }
}

TEST(ParseUdp, RefusesBadChecksums) {
  std::vector<uint8_t> f = Frame("10.99.0.2", "10.99.0.1", "ncrx1");
  Datagram d;
  f.back() ^= 1;  // the payload: the UDP checksum no longer matches
  EXPECT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kBadUdpChecksum);
  f.back() ^= 1;
  f[14 + 8] ^= 1;  // the TTL: the IPv4 header checksum
  EXPECT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kBadIpChecksum);
  f[14 + 8] ^= 1;
  f[14 + 20 + 6] = f[14 + 20 + 7] = 0;  // no UDP checksum at all
  EXPECT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kBadUdpChecksum);
  std::vector<uint8_t> g = Frame("fd00:99::2", "fd00:99::1", "ncrx1");
  g.back() ^= 1;
  EXPECT_EQ(ParseUdp(g.data(), g.size(), &d), UdpParse::kBadUdpChecksum);
}

// A checksum Linux left to an offload (CHECKSUM_PARTIAL: the field holds
// the pseudo-header's sum, uncomplemented), as a veth peer sends it: taken,
// and said so. One bit off from that is still refused.
TEST(ParseUdp, TakesAChecksumLeftToAnOffload) {
  for (const auto& [src, dst] :
       {std::pair{"10.99.0.2", "10.99.0.1"}, {"fd00:99::2", "fd00:99::1"}}) {
    std::vector<uint8_t> f = Frame(src, dst, "ncrx41 17 19");
    const bool v4 = f[12] == 0x08;
    const size_t udp = 14 + (v4 ? 20 : 40);
    const size_t len = f.size() - udp;
    uint64_t sum =
        v4 ? SumBytes(f.data() + 14 + 12, 8) : SumBytes(f.data() + 14 + 8, 32);
    const uint16_t partial = static_cast<uint16_t>(~Fold(sum + 17 + len));
    f[udp + 6] = static_cast<uint8_t>(partial >> 8);
    f[udp + 7] = static_cast<uint8_t>(partial);
    Datagram d;
    ASSERT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kOk) << src;
    EXPECT_EQ(d.checksum, UdpChecksum::kPartial);
    EXPECT_EQ(d.payload, "ncrx41 17 19");
    f[udp + 7] ^= 1;
    EXPECT_EQ(ParseUdp(f.data(), f.size(), &d), UdpParse::kBadUdpChecksum);
    EXPECT_EQ(d.dst_port, 6665);  // to say whose port it was
  }
  Datagram d;
  const std::vector<uint8_t> g = Frame("10.99.0.2", "10.99.0.1", "ncrx1");
  ASSERT_EQ(ParseUdp(g.data(), g.size(), &d), UdpParse::kOk);
  EXPECT_EQ(d.checksum, UdpChecksum::kVerified);
}

TEST(ParseUdp, RefusesWhatIsNotOneWholeDatagram) {
  Datagram d;
  const std::vector<uint8_t> f4 = Frame("10.99.0.2", "10.99.0.1", "ncrx1 2 3");
  const std::vector<uint8_t> f6 = Frame("fd00:99::2", "fd00:99::1", "ncrx1 2");
  // Every truncation: lengths are checked against the frame, never read past.
  for (const auto* f : {&f4, &f6}) {
    for (size_t n = 0; n < f->size(); ++n) {
      std::vector<uint8_t> cut(f->begin(), f->begin() + n);
      EXPECT_NE(ParseUdp(cut.data(), cut.size(), &d), UdpParse::kOk) << n;
    }
  }
  std::vector<uint8_t> frag = f4;
  frag[14 + 6] |= 0x20;  // more fragments
  EXPECT_EQ(ParseUdp(frag.data(), frag.size(), &d), UdpParse::kNotUdp);
  std::vector<uint8_t> arp = f4;
  arp[12] = 0x08, arp[13] = 0x06;
  EXPECT_EQ(ParseUdp(arp.data(), arp.size(), &d), UdpParse::kNotUdp);
  std::vector<uint8_t> tcp = f4;
  tcp[14 + 9] = 6;
  EXPECT_EQ(ParseUdp(tcp.data(), tcp.size(), &d), UdpParse::kNotUdp);
  std::vector<uint8_t> long_udp = f6;
  long_udp[14 + 40 + 4] = 0x40;  // UDP length beyond the IPv6 payload
  EXPECT_EQ(ParseUdp(long_udp.data(), long_udp.size(), &d), UdpParse::kNotUdp);
  // Ethernet padding after the datagram is not payload.
  std::vector<uint8_t> padded = f4;
  padded.resize(padded.size() + 20, 0);
  ASSERT_EQ(ParseUdp(padded.data(), padded.size(), &d), UdpParse::kOk);
  EXPECT_EQ(d.payload, "ncrx1 2 3");
}

}  // namespace
}  // namespace pmdcon::packet
