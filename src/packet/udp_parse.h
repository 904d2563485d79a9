// Reads a received Ethernet frame as one IPv4 or IPv6 UDP datagram, with
// both checksums verified: how pmdcon reads a collector's acknowledgements
// and pmdcon-rx reads a capture. A UDP checksum left to an offload that
// never ran (a veth peer, a capture on the sending host: the field holds
// only the pseudo-header's sum, as Linux leaves CHECKSUM_PARTIAL) is taken,
// as the kernel takes it, and said so. Every length is checked against the
// frame; anything else (ARP, NDP, fragments, IPv6 extension headers, VLAN tags)
// is "not UDP". Pure: no I/O, no allocation.
//
//   packet::Datagram d;
//   if (packet::ParseUdp(frame, len, &d) == packet::UdpParse::kOk) use(d);
#ifndef PMDCON_PACKET_UDP_PARSE_H_
#define PMDCON_PACKET_UDP_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "packet/udp_frame.h"

namespace pmdcon::packet {

enum class UdpChecksum {
  kVerified,  // the field matched the datagram
  kPartial,   // the pseudo-header's sum alone: never completed by an offload
};

struct Datagram {
  IpAddr src_ip, dst_ip;
  uint16_t src_port = 0, dst_port = 0;  // set for kBadUdpChecksum too
  std::string_view payload;             // points into the frame
  UdpChecksum checksum = UdpChecksum::kVerified;
};

enum class UdpParse {
  kOk,
  kNotUdp,          // not a whole IPv4/IPv6 UDP datagram in this frame
  kBadIpChecksum,   // IPv4 header checksum (addresses set)
  kBadUdpChecksum,  // includes 0 (none): netconsole peers always set one
};

UdpParse ParseUdp(const uint8_t* frame, size_t len, Datagram* out);

}  // namespace pmdcon::packet

#endif  // PMDCON_PACKET_UDP_PARSE_H_
