// Answers ARP requests and IPv6 neighbor solicitations for the port's own
// source addresses, so that a collector (and the switches between) can reach
// pmdcon. Without it the port is mute: a peer's neighbor entry for it never
// resolves. Pure: frames in, reply frames out.
//
//   Responder r(port_mac, src_ipv4, src_ipv6);
//   if (size_t n = r.OnFrame(rx, rx_len, buf, sizeof(buf))) Transmit(buf, n);
#ifndef PMDCON_TARGET_RESPONDER_H_
#define PMDCON_TARGET_RESPONDER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "packet/udp_frame.h"

namespace pmdcon::target {

class Responder {
 public:
  // Replies are at most this long.
  static constexpr size_t kMaxFrame = 86;

  Responder(const packet::Mac& mac, std::optional<packet::IpAddr> ipv4,
            std::optional<packet::IpAddr> ipv6);

  // If `frame` is an ARP request or a neighbor solicitation for one of our
  // addresses, writes the reply into out (cap >= kMaxFrame) and returns its
  // length; else 0. Malformed frames are ignored.
  size_t OnFrame(const uint8_t* frame, size_t len, uint8_t* out, size_t cap);
  uint64_t answered() const { return answered_; }

 private:
  size_t ArpReply(const uint8_t* a, uint8_t* out) const;
  size_t NeighborAdvert(const uint8_t* frame, const uint8_t* icmp,
                        uint8_t* out) const;

  packet::Mac mac_;
  std::optional<packet::IpAddr> ipv4_, ipv6_;
  uint64_t answered_ = 0;
};

}  // namespace pmdcon::target

#endif  // PMDCON_TARGET_RESPONDER_H_
