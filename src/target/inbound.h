// Which target a UDP datagram received on the port belongs to: reliable
// targets take responses from their collector at their own source address
// and port (docs/wire-format.md). Pure: a parsed datagram and the targets'
// endpoints in, a verdict out; the caller moves the frame.
//
//   const Inbound in = RouteDatagram(packet::ParseUdp(f, len, &d), d, eps);
//   if (in.kind == Inbound::Kind::kResponse) Hand(in.target, d.payload);
#ifndef PMDCON_TARGET_INBOUND_H_
#define PMDCON_TARGET_INBOUND_H_

#include <cstddef>
#include <span>

#include "packet/udp_frame.h"
#include "packet/udp_parse.h"

namespace pmdcon::target {

struct Inbound {
  enum class Kind {
    kNone,         // for no reliable target (ARP, NDP, or not ours)
    kResponse,     // from target's collector: hand its payload over
    kForeign,      // to target's port from someone else: counted, dropped
    kBadChecksum,  // to target's address with a wrong checksum: counted
  };
  Kind kind = Kind::kNone;
  size_t target = 0;
};

// One entry per target; nullptr for a target that takes no responses (not
// reliable). The first reliable target at the destination is charged for
// foreign datagrams; a bad IP checksum leaves the ports unread, so the
// address alone picks the target.
Inbound RouteDatagram(packet::UdpParse parsed, const packet::Datagram& d,
                      std::span<const packet::Endpoints* const> reliable);

}  // namespace pmdcon::target

#endif  // PMDCON_TARGET_INBOUND_H_
