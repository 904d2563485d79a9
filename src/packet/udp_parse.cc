#include "packet/udp_parse.h"

#include <cstring>

#include "packet/checksum.h"

namespace pmdcon::packet {
namespace {

uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

constexpr size_t kEth = 14;

}  // namespace

UdpParse ParseUdp(const uint8_t* p, size_t len, Datagram* out) {
  if (len < kEth) return UdpParse::kNotUdp;
  const uint16_t type = Get16(p + 12);
  const uint8_t* ip = p + kEth;
  const size_t ip_room = len - kEth;
  const uint8_t* udp;
  size_t udp_room;  // bytes of the frame from the UDP header on
  uint64_t pseudo;
  if (type == 0x0800) {
    if (ip_room < 20 || (ip[0] >> 4) != 4 || ip[9] != 17) {
      return UdpParse::kNotUdp;
    }
    const size_t ihl = (ip[0] & 15u) * 4u;
    const size_t total = Get16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || total > ip_room)
      return UdpParse::kNotUdp;
    if ((Get16(ip + 6) & 0x3fff) != 0) return UdpParse::kNotUdp;  // fragment
    out->src_ip.family = out->dst_ip.family = 4;
    out->src_ip.bytes = {};
    out->dst_ip.bytes = {};
    std::memcpy(out->src_ip.bytes.data(), ip + 12, 4);
    std::memcpy(out->dst_ip.bytes.data(), ip + 16, 4);
    if (Checksum(ip, ihl) != 0) return UdpParse::kBadIpChecksum;
    udp = ip + ihl;
    udp_room = total - ihl;
    pseudo = SumBytes(ip + 12, 8);
  } else if (type == 0x86dd) {
    if (ip_room < 40 + 8 || (ip[0] >> 4) != 6 || ip[6] != 17) {
      return UdpParse::kNotUdp;
    }
    const size_t payload = Get16(ip + 4);
    if (payload < 8 || payload > ip_room - 40) return UdpParse::kNotUdp;
    out->src_ip.family = out->dst_ip.family = 6;
    std::memcpy(out->src_ip.bytes.data(), ip + 8, 16);
    std::memcpy(out->dst_ip.bytes.data(), ip + 24, 16);
    udp = ip + 40;
    udp_room = payload;
    pseudo = SumBytes(ip + 8, 32);
  } else {
    return UdpParse::kNotUdp;
  }
  const size_t udp_len = Get16(udp + 4);
  if (udp_len < 8 || udp_len > udp_room) return UdpParse::kNotUdp;
  out->src_port = Get16(udp);
  out->dst_port = Get16(udp + 2);
  const uint16_t field = Get16(udp + 6);
  const uint64_t header_sum = pseudo + 17 + udp_len;
  out->checksum = UdpChecksum::kVerified;
  if (field == 0) return UdpParse::kBadUdpChecksum;
  if (Checksum(udp, udp_len, header_sum) != 0) {
    // CHECKSUM_PARTIAL: ~csum_tcpudp_magic(..., 0), the sum uncomplemented.
    if (field != static_cast<uint16_t>(~Fold(header_sum))) {
      return UdpParse::kBadUdpChecksum;
    }
    out->checksum = UdpChecksum::kPartial;
  }
  out->payload =
      std::string_view(reinterpret_cast<const char*>(udp + 8), udp_len - 8);
  return UdpParse::kOk;
}

}  // namespace pmdcon::packet
