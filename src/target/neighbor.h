// Frame constants and helpers shared by the resolver and the responder
// (ARP and NDP). Internal to src/target: nothing else includes it.
#ifndef PMDCON_TARGET_NEIGHBOR_H_
#define PMDCON_TARGET_NEIGHBOR_H_

#include <cstddef>
#include <cstdint>

#include "packet/checksum.h"

namespace pmdcon::target {

inline constexpr uint16_t kEthArp = 0x0806, kEthIpv6 = 0x86dd;
inline constexpr uint8_t kIcmpv6 = 58, kNs = 135, kNa = 136;
inline constexpr size_t kMinFrame = 60;  // Ethernet minimum without FCS

inline uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The ICMPv6 checksum: pseudo-header (addresses, 32-bit length, next header)
// plus the message with its checksum field zero.
inline uint16_t Icmpv6Checksum(const uint8_t* ip6, const uint8_t* msg,
                               size_t len) {
  uint64_t sum = packet::SumBytes(ip6 + 8, 32) + len + kIcmpv6;
  return packet::Fold(packet::SumBytes(msg, len, sum));
}

// The ICMPv6 message after an IPv6 header at ip (frame + 14) if it is NDP as
// RFC 4861 requires (no extension headers, hop limit 255, a valid checksum,
// at least min bytes), else nullptr; *plen is its length.
inline const uint8_t* NdpMessage(const uint8_t* frame, size_t len, size_t min,
                                 size_t* plen) {
  if (len < 14 + 40 + min) return nullptr;
  const uint8_t* ip = frame + 14;
  *plen = Get16(ip + 4);
  if ((ip[0] >> 4) != 6 || ip[6] != kIcmpv6 || ip[7] != 255 || *plen < min ||
      14 + 40 + *plen > len) {
    return nullptr;
  }
  const uint8_t* icmp = ip + 40;
  if (packet::Checksum(icmp, *plen,
                       packet::SumBytes(ip + 8, 32) + *plen + kIcmpv6) != 0) {
    return nullptr;
  }
  return icmp;
}

}  // namespace pmdcon::target

#endif  // PMDCON_TARGET_NEIGHBOR_H_
