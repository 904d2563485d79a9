#include "target/responder.h"

#include <cstring>

#include "target/neighbor.h"

namespace pmdcon::target {

Responder::Responder(const packet::Mac& mac, std::optional<packet::IpAddr> ipv4,
                     std::optional<packet::IpAddr> ipv6)
    : mac_(mac), ipv4_(ipv4), ipv6_(ipv6) {}

size_t Responder::OnFrame(const uint8_t* frame, size_t len, uint8_t* out,
                          size_t cap) {
  if (len < 14 || cap < kMaxFrame) return 0;
  size_t n = 0;
  const uint16_t type = Get16(frame + 12);
  if (type == kEthArp && ipv4_ && len >= 14 + 28) {
    const uint8_t* a = frame + 14;
    // An Ethernet/IPv4 request for our address (a probe from 0.0.0.0 too:
    // the kernel answers those, which defends the address).
    if (Get16(a) == 1 && Get16(a + 2) == 0x0800 && a[4] == 6 && a[5] == 4 &&
        Get16(a + 6) == 1 && !std::memcmp(a + 24, ipv4_->bytes.data(), 4)) {
      n = ArpReply(a, out);
    }
  } else if (type == kEthIpv6 && ipv6_) {
    size_t plen;
    const uint8_t* icmp = NdpMessage(frame, len, 24, &plen);
    // A solicitation for our address from a unicast source (duplicate
    // address detection, from ::, is not answered here).
    static const uint8_t kUnspecified[16] = {};
    if (icmp && icmp[0] == kNs && icmp[1] == 0 &&
        !std::memcmp(icmp + 8, ipv6_->bytes.data(), 16) &&
        std::memcmp(frame + 14 + 8, kUnspecified, 16)) {
      n = NeighborAdvert(frame, icmp, out);
    }
  }
  if (n) ++answered_;
  return n;
}

size_t Responder::ArpReply(const uint8_t* a, uint8_t* out) const {
  std::memset(out, 0, kMinFrame);
  std::memcpy(out, a + 8, 6);  // to the requester's hardware address
  std::memcpy(out + 6, mac_.data(), 6);
  Put16(out + 12, kEthArp);
  uint8_t* r = out + 14;
  std::memcpy(r, a, 6);  // hardware and protocol types and sizes
  Put16(r + 6, 2);       // reply
  std::memcpy(r + 8, mac_.data(), 6);
  std::memcpy(r + 14, ipv4_->bytes.data(), 4);
  std::memcpy(r + 18, a + 8, 10);  // the requester's MAC and address
  return kMinFrame;
}

size_t Responder::NeighborAdvert(const uint8_t* frame, const uint8_t* icmp_ns,
                                 uint8_t* out) const {
  // The solicitor's MAC: its source link-layer option, else the frame's.
  const uint8_t* ns_ip = frame + 14;
  const uint8_t* peer = frame + 6;
  const size_t plen = Get16(ns_ip + 4);
  for (size_t off = 24; off + 8 <= plen && icmp_ns[off + 1] != 0;
       off += 8u * icmp_ns[off + 1]) {
    if (icmp_ns[off] == 1 && icmp_ns[off + 1] == 1) {
      peer = icmp_ns + off + 2;
      break;
    }
  }
  uint8_t* ip = out + 14;
  uint8_t* icmp = ip + 40;
  std::memset(out, 0, kMaxFrame);
  std::memcpy(out, peer, 6);
  std::memcpy(out + 6, mac_.data(), 6);
  Put16(out + 12, kEthIpv6);
  ip[0] = 0x60;
  Put16(ip + 4, 32);  // NA (24) + target link-layer option (8)
  ip[6] = kIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, ipv6_->bytes.data(), 16);
  std::memcpy(ip + 24, ns_ip + 8, 16);  // to the solicitor
  icmp[0] = kNa;
  icmp[4] = 0x60;  // solicited, override
  std::memcpy(icmp + 8, ipv6_->bytes.data(), 16);
  icmp[24] = 2;  // option: target link-layer address, 8 bytes
  icmp[25] = 1;
  std::memcpy(icmp + 26, mac_.data(), 6);
  Put16(icmp + 2, Icmpv6Checksum(ip, icmp, 32));
  return 14 + 40 + 32;
}

}  // namespace pmdcon::target
