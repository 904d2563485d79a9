// Next-hop MAC resolution for one target: ARP for IPv4, NDP (neighbor
// solicitation / advertisement) for IPv6. A state machine without I/O, in the
// shape of ncrx: the caller passes the time in, sends the frames it gets out,
// feeds received frames back, and sleeps until NextDeadline().
//
//   Resolver r(self_mac, self_ip, next_hop, {});
//   if (size_t n = r.Poll(now_us, buf, sizeof(buf))) Transmit(buf, n);
//   r.OnFrame(rx_frame, rx_len, now_us);
//   if (r.state() == Resolver::State::kResolved) Use(r.mac());
#ifndef PMDCON_TARGET_RESOLVER_H_
#define PMDCON_TARGET_RESOLVER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "packet/udp_frame.h"

namespace pmdcon::target {

class Resolver {
 public:
  enum class State {
    kResolving,   // no answer yet: requests go out, with backoff
    kResolved,    // MAC known and fresh
    kRefreshing,  // MAC known but due for re-confirmation; still usable
  };

  struct Options {
    uint64_t retry_us = 1000000;       // first retransmission interval
    uint64_t retry_max_us = 10000000;  // backoff cap (doubling)
    uint64_t reachable_us = 60000000;  // how long an answer stays fresh
    uint32_t refresh_tries = 3;        // unanswered refreshes before kResolving
  };

  // Frames (requests) are at most this long.
  static constexpr size_t kMaxFrame = 86;

  Resolver(const packet::Mac& self_mac, const packet::IpAddr& self_ip,
           const packet::IpAddr& next_hop, Options options);

  // Returns the length of a request frame written into out (cap >= kMaxFrame)
  // if one is due now, else 0.
  size_t Poll(uint64_t now_us, uint8_t* out, size_t cap);
  // Feeds a received Ethernet frame. Returns true if it told us next_hop's
  // MAC (a reply, or a request or gratuitous announcement from next_hop).
  bool OnFrame(const uint8_t* frame, size_t len, uint64_t now_us);
  // When Poll has something to do next.
  uint64_t NextDeadline() const { return next_us_; }

  State state() const { return state_; }
  bool usable() const { return state_ != State::kResolving; }
  const packet::Mac& mac() const { return mac_; }
  const packet::IpAddr& next_hop() const { return next_hop_; }
  uint64_t requests_sent() const { return requests_; }

 private:
  size_t BuildArp(uint8_t* out) const;
  size_t BuildNs(uint8_t* out) const;
  bool OnArp(const uint8_t* p, size_t len);
  bool OnNdp(const uint8_t* frame, size_t len);

  packet::Mac self_mac_;
  packet::IpAddr self_ip_;
  packet::IpAddr next_hop_;
  Options options_;
  State state_ = State::kResolving;
  packet::Mac mac_{};
  uint64_t next_us_ = 0;      // next request (or refresh) due
  uint64_t interval_us_ = 0;  // current retransmission interval
  uint32_t unanswered_ = 0;   // refreshes sent since the last answer
  uint64_t requests_ = 0;
};

std::string_view StateName(Resolver::State s);

}  // namespace pmdcon::target

#endif  // PMDCON_TARGET_RESOLVER_H_
