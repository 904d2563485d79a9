// The control half of targets: one Resolver per target whose next hop is
// not configured, the Responder for the port's own addresses, the link, and
// from them what each target can do now (its Reach). Pure, like the
// resolver: time and received frames in, frames to send and learned MACs
// out. The caller moves frames and applies Reach to the engine.
//
//   Neighbors n(port_mac, src_ipv4, src_ipv6, targets, options, link_up);
//   n.Poll(now_us, send);                        // requests due now
//   n.OnFrame(frame, len, now_us, send, learned);  // replies and learning
//   if (n.SetLink(port.LinkUp())) ApplyEveryReach();
//   if (n.reach(i) == Reach::kResolving) ...     // next hop lost or unknown
#ifndef PMDCON_TARGET_NEIGHBORS_H_
#define PMDCON_TARGET_NEIGHBORS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "packet/udp_frame.h"
#include "target/resolver.h"
#include "target/responder.h"

namespace pmdcon::target {

// What a target can do now.
enum class Reach : uint8_t {
  kOff,        // configured off
  kResolving,  // its next hop's MAC is not known: records wait
  kReady,      // it can send
  kLinkDown,   // the port's link is down: records wait
};
std::string_view ReachName(Reach r);

class Neighbors {
 public:
  struct Target {
    bool enabled = true;
    bool static_mac = false;  // the next hop's MAC is configured
    packet::IpAddr src_ip;    // ours, of the family of next_hop
    packet::IpAddr next_hop;  // the gateway, or the collector itself
  };
  // A frame to transmit (at most Resolver::kMaxFrame bytes).
  using Send = absl::FunctionRef<void(const uint8_t* frame, size_t len)>;
  // Target i's next hop is at mac: it may send (link up).
  using Learned = absl::FunctionRef<void(size_t i, const packet::Mac& mac)>;

  Neighbors(const packet::Mac& mac, std::optional<packet::IpAddr> ipv4,
            std::optional<packet::IpAddr> ipv6,
            const std::vector<Target>& targets, Resolver::Options options,
            bool link_up);

  // Sends the requests due now.
  void Poll(uint64_t now_us, Send send);
  // A received frame: answered if it asks for one of our addresses; a next
  // hop it tells of is learned (reported only while the link is up).
  void OnFrame(const uint8_t* frame, size_t len, uint64_t now_us, Send send,
               Learned learned);
  // The port's link now; true if it changed (every Reach may have).
  bool SetLink(bool up);
  Reach reach(size_t i) const;
  // Target i's resolver, or nullptr (off, or a configured MAC).
  const Resolver* resolver(size_t i) const { return resolvers_[i].get(); }
  uint64_t answered() const { return responder_.answered(); }

 private:
  std::vector<Target> targets_;
  std::vector<std::unique_ptr<Resolver>> resolvers_;  // per target
  Responder responder_;
  bool link_up_;
};

}  // namespace pmdcon::target

#endif  // PMDCON_TARGET_NEIGHBORS_H_
