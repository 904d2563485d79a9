#include "target/neighbors.h"

namespace pmdcon::target {

std::string_view ReachName(Reach r) {
  switch (r) {
    case Reach::kOff:
      return "off";
    case Reach::kResolving:
      return "resolving";
    case Reach::kReady:
      return "ready";
    case Reach::kLinkDown:
      return "link down";
  }
  return "?";
}

Neighbors::Neighbors(const packet::Mac& mac, std::optional<packet::IpAddr> ipv4,
                     std::optional<packet::IpAddr> ipv6,
                     const std::vector<Target>& targets,
                     Resolver::Options options, bool link_up)
    : targets_(targets),
      resolvers_(targets.size()),
      responder_(mac, ipv4, ipv6),
      link_up_(link_up) {
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = targets_[i];
    if (t.static_mac || !t.enabled) continue;
    resolvers_[i] =
        std::make_unique<Resolver>(mac, t.src_ip, t.next_hop, options);
  }
}

void Neighbors::Poll(uint64_t now_us, Send send) {
  uint8_t frame[Resolver::kMaxFrame];
  for (const auto& r : resolvers_) {
    if (!r) continue;
    if (const size_t n = r->Poll(now_us, frame, sizeof(frame))) send(frame, n);
  }
}

void Neighbors::OnFrame(const uint8_t* frame, size_t len, uint64_t now_us,
                        Send send, Learned learned) {
  uint8_t reply[Responder::kMaxFrame];
  if (const size_t n = responder_.OnFrame(frame, len, reply, sizeof(reply))) {
    send(reply, n);
  }
  for (size_t i = 0; i < resolvers_.size(); ++i) {
    Resolver* r = resolvers_[i].get();
    if (r && r->OnFrame(frame, len, now_us) && link_up_) learned(i, r->mac());
  }
}

bool Neighbors::SetLink(bool up) {
  if (up == link_up_) return false;
  link_up_ = up;
  return true;
}

Reach Neighbors::reach(size_t i) const {
  if (!targets_[i].enabled) return Reach::kOff;
  if (!link_up_) return Reach::kLinkDown;
  const Resolver* r = resolvers_[i].get();
  return !r || r->usable() ? Reach::kReady : Reach::kResolving;
}

}  // namespace pmdcon::target
