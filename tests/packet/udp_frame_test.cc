// Checksums and UDP frame templates against independent byte-wise
// references and a published checksum example.
#include "packet/udp_frame.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "packet/checksum.h"

namespace pmdcon::packet {
namespace {

// RFC 1071, 16 bits at a time: the reference.
uint16_t RefChecksum(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    sum += static_cast<uint32_t>(b[i] << 8 | (i + 1 < b.size() ? b[i + 1] : 0));
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum & 0xffff);
}

uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

TEST(Checksum, PublishedIpv4HeaderExample) {
  // The worked example: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
  const uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                       0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
                       0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(Checksum(h, sizeof(h)), 0xb861);
}

TEST(Checksum, MatchesReferenceForRandomBuffers) {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> b(rng() % 1600);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    ASSERT_EQ(Checksum(b.data(), b.size()), RefChecksum(b))
        << "length " << b.size();
  }
}

// Past 2^15 16-byte steps (the SSE2 lanes are folded per round), all-ones
// words (the largest), and a sum carried in from a header.
TEST(Checksum, LongAllOnesBuffersAndCarriedSums) {
  for (size_t len : {size_t{524287}, size_t{524288}, size_t{1048593}}) {
    std::vector<uint8_t> b(len, 0xff);
    ASSERT_EQ(Checksum(b.data(), b.size()), RefChecksum(b)) << len;
  }
  std::mt19937 rng(7);
  std::vector<uint8_t> head(40), body(1200);
  for (auto& x : head) x = static_cast<uint8_t>(rng());
  for (auto& x : body) x = static_cast<uint8_t>(rng());
  std::vector<uint8_t> all = head;
  all.insert(all.end(), body.begin(), body.end());
  EXPECT_EQ(Checksum(body.data(), body.size(), SumBytes(head.data(), 40)),
            RefChecksum(all));
}

Endpoints Ends(int family) {
  Endpoints e;
  e.src_mac = {0x02, 0, 0, 0, 0, 1};
  e.dst_mac = {0x02, 0, 0, 0, 0, 2};
  e.src_ip = *ParseIp(family == 4 ? "10.99.0.1" : "fd00:99::1");
  e.dst_ip = *ParseIp(family == 4 ? "10.99.0.2" : "fd00:99::2");
  return e;
}

// The UDP checksum recomputed from the frame's own bytes.
uint16_t RefUdpChecksum(const uint8_t* frame, bool v6) {
  const uint8_t* ip = frame + 14;
  const uint8_t* udp = ip + (v6 ? 40 : 20);
  const uint16_t len = Get16(udp + 4);
  std::vector<uint8_t> pseudo;
  const size_t alen = v6 ? 16 : 4;
  pseudo.insert(pseudo.end(), ip + (v6 ? 8 : 12),
                ip + (v6 ? 8 : 12) + 2 * alen);
  if (v6)
    pseudo.insert(pseudo.end(), {0, 0, static_cast<uint8_t>(len >> 8),
                                 static_cast<uint8_t>(len), 0, 0, 0, 17});
  else
    pseudo.insert(pseudo.end(), {0, 17, static_cast<uint8_t>(len >> 8),
                                 static_cast<uint8_t>(len)});
  pseudo.insert(pseudo.end(), udp, udp + len);
  pseudo[pseudo.size() - len + 6] = 0;  // checksum field as zero
  pseudo[pseudo.size() - len + 7] = 0;
  return RefChecksum(pseudo);
}

TEST(UdpFrame, Ipv4HeadersAsNetconsoleBuildsThem) {
  UdpFrame f(Ends(4));
  ASSERT_EQ(f.header_size(), 42u);
  uint8_t frame[1100] = {};
  const char msg[] = "6,1,2,-;hello\n";
  std::memcpy(frame + 42, msg, sizeof(msg) - 1);
  const size_t n = f.Build(frame, sizeof(msg) - 1, 0x1234);
  ASSERT_EQ(n, 42 + sizeof(msg) - 1);
  EXPECT_EQ(Get16(frame + 12), 0x0800);
  const uint8_t* ip = frame + 14;
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[1], 0);               // TOS
  EXPECT_EQ(Get16(ip + 2), n - 14);  // total length
  EXPECT_EQ(Get16(ip + 4), 0x1234);  // ID
  EXPECT_EQ(Get16(ip + 6), 0);       // no DF, no fragment
  EXPECT_EQ(ip[8], 64);              // TTL
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(Checksum(ip, 20), 0) << "the header checksum verifies";
  const uint8_t* udp = ip + 20;
  EXPECT_EQ(Get16(udp), 6665);
  EXPECT_EQ(Get16(udp + 2), 6666);
  EXPECT_EQ(Get16(udp + 4), 8 + sizeof(msg) - 1);
  EXPECT_EQ(Get16(udp + 6), RefUdpChecksum(frame, false));
}

TEST(UdpFrame, Ipv6HeadersAsNetconsoleBuildsThem) {
  UdpFrame f(Ends(6));
  ASSERT_EQ(f.header_size(), 62u);
  std::mt19937 rng(1);
  for (size_t len : {0, 1, 2, 999, 1000}) {
    uint8_t frame[1100] = {};
    for (size_t i = 0; i < len; ++i)
      frame[62 + i] = static_cast<uint8_t>(rng());
    f.Build(frame, len, 7);
    EXPECT_EQ(Get16(frame + 12), 0x86dd);
    const uint8_t* ip = frame + 14;
    EXPECT_EQ(ip[0], 0x60);
    EXPECT_EQ(ip[1] | ip[2] | ip[3], 0);  // traffic class, flow label
    EXPECT_EQ(Get16(ip + 4), 8 + len);
    EXPECT_EQ(ip[6], 17);
    EXPECT_EQ(ip[7], 32);  // hop limit
    EXPECT_EQ(Get16(ip + 40 + 6), RefUdpChecksum(frame, true))
        << "payload " << len;
  }
}

TEST(UdpFrame, ComputedZeroChecksumIsSentAsAllOnes) {
  UdpFrame f(Ends(4));
  uint8_t frame[64] = {};
  f.Build(frame, 2, 1);
  // Choose the payload word that makes the one's-complement sum all ones.
  const uint16_t c = Get16(frame + 40);
  frame[42] = static_cast<uint8_t>(c >> 8);
  frame[43] = static_cast<uint8_t>(c);
  f.Build(frame, 2, 1);
  EXPECT_EQ(Get16(frame + 40), 0xffff);
  EXPECT_EQ(RefUdpChecksum(frame, false), 0);  // what "zero" means here
}

TEST(UdpFrame, OffloadLeavesWhatTheNicExpects) {
  UdpFrame f(Ends(4));
  uint8_t frame[100] = {};
  f.Build(frame, 10, 3, true, true);
  EXPECT_EQ(Get16(frame + 14 + 10), 0);  // IP checksum left to the NIC
  // UDP field: the pseudo-header sum (addresses, protocol, length), folded.
  std::vector<uint8_t> pseudo = {10, 99, 0, 1, 10, 99, 0, 2, 0, 17, 0, 18};
  EXPECT_EQ(Get16(frame + 40), static_cast<uint16_t>(~RefChecksum(pseudo)));
}

TEST(UdpFrame, NewDestinationMac) {
  UdpFrame f(Ends(4));
  f.set_dst_mac(kBroadcast);
  uint8_t frame[64] = {};
  f.Build(frame, 0, 0);
  EXPECT_EQ((Mac{frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]}),
            kBroadcast);
}

TEST(Addresses, ParseAndFormat) {
  EXPECT_EQ(FormatIp(*ParseIp("10.99.0.2")), "10.99.0.2");
  EXPECT_EQ(FormatIp(*ParseIp("fd00::2")), "fd00::2");
  EXPECT_EQ(ParseIp("10.99.0.256").status().message(),
            "\"10.99.0.256\" is not an IPv4 or IPv6 address");
  EXPECT_EQ(FormatMac(*ParseMac("02:00:00:00:00:0A")), "02:00:00:00:00:0a");
  EXPECT_EQ(FormatMac(*ParseMac("02-00-00-00-00-0b")), "02:00:00:00:00:0b");
  EXPECT_FALSE(ParseMac("02:00:00:00:00").ok());
  EXPECT_FALSE(ParseMac("02:00:00:00:00:0g").ok());
  EXPECT_FALSE(ParseMac("02:00-00:00:00:00").ok());
  EXPECT_EQ(ParseMac("nope").status().message(),
            "\"nope\" is not a MAC address (xx:xx:xx:xx:xx:xx)");
}

}  // namespace
}  // namespace pmdcon::packet
