#include "target/resolver.h"

#include <algorithm>
#include <cstring>

#include "packet/checksum.h"
#include "target/neighbor.h"

namespace pmdcon::target {
std::string_view StateName(Resolver::State s) {
  switch (s) {
    case Resolver::State::kResolving:
      return "resolving";
    case Resolver::State::kResolved:
      return "resolved";
    case Resolver::State::kRefreshing:
      return "refreshing";
  }
  return "?";
}

Resolver::Resolver(const packet::Mac& self_mac, const packet::IpAddr& self_ip,
                   const packet::IpAddr& next_hop, Options options)
    : self_mac_(self_mac),
      self_ip_(self_ip),
      next_hop_(next_hop),
      options_(options),
      interval_us_(options.retry_us) {}

size_t Resolver::Poll(uint64_t now_us, uint8_t* out, size_t cap) {
  if (now_us < next_us_ || cap < kMaxFrame) return 0;
  if (state_ == State::kResolved) {
    state_ = State::kRefreshing;  // fresh time is over: confirm
    unanswered_ = 0;
  }
  if (state_ == State::kRefreshing && unanswered_++ >= options_.refresh_tries) {
    state_ = State::kResolving;  // the neighbor went away
    interval_us_ = options_.retry_us;
  }
  next_us_ = now_us + interval_us_;
  if (state_ == State::kResolving) {
    interval_us_ = std::min(interval_us_ * 2, options_.retry_max_us);
  }
  ++requests_;
  return next_hop_.family == 6 ? BuildNs(out) : BuildArp(out);
}

size_t Resolver::BuildArp(uint8_t* out) const {
  std::memset(out, 0, kMinFrame);
  // Refreshes go unicast to the known MAC, as Linux does; others broadcast.
  const packet::Mac& dst =
      state_ == State::kRefreshing ? mac_ : packet::kBroadcast;
  std::memcpy(out, dst.data(), 6);
  std::memcpy(out + 6, self_mac_.data(), 6);
  Put16(out + 12, kEthArp);
  uint8_t* a = out + 14;
  Put16(a, 1);  // hardware: Ethernet
  Put16(a + 2, 0x0800);
  a[4] = 6;
  a[5] = 4;
  Put16(a + 6, 1);  // request
  std::memcpy(a + 8, self_mac_.data(), 6);
  std::memcpy(a + 14, self_ip_.bytes.data(), 4);
  std::memcpy(a + 24, next_hop_.bytes.data(), 4);  // target MAC stays zero
  return kMinFrame;
}

size_t Resolver::BuildNs(uint8_t* out) const {
  const uint8_t* t = next_hop_.bytes.data();
  uint8_t* ip = out + 14;
  uint8_t* icmp = ip + 40;
  std::memset(out, 0, kMaxFrame);
  // To the solicited-node multicast group ff02::1:ffXX:XXXX
  // (33:33:ff:XX:XX:XX), or unicast when refreshing a known neighbor.
  uint8_t group[16] = {0xff, 0x02, 0, 0, 0,    0,     0,     0,
                       0,    0,    0, 1, 0xff, t[13], t[14], t[15]};
  if (state_ == State::kRefreshing) {
    std::memcpy(out, mac_.data(), 6);
    std::memcpy(group, t, 16);
  } else {
    const uint8_t mcast[6] = {0x33, 0x33, 0xff, t[13], t[14], t[15]};
    std::memcpy(out, mcast, 6);
  }
  std::memcpy(out + 6, self_mac_.data(), 6);
  Put16(out + 12, kEthIpv6);
  ip[0] = 0x60;
  Put16(ip + 4, 32);  // payload: NS (24) + source link-layer option (8)
  ip[6] = kIcmpv6;
  ip[7] = 255;  // hop limit 255, or receivers ignore NDP
  std::memcpy(ip + 8, self_ip_.bytes.data(), 16);
  std::memcpy(ip + 24, group, 16);
  icmp[0] = kNs;
  std::memcpy(icmp + 8, t, 16);
  icmp[24] = 1;  // option: source link-layer address, 8 bytes
  icmp[25] = 1;
  std::memcpy(icmp + 26, self_mac_.data(), 6);
  Put16(icmp + 2, Icmpv6Checksum(ip, icmp, 32));
  return 14 + 40 + 32;
}

bool Resolver::OnFrame(const uint8_t* frame, size_t len, uint64_t now_us) {
  if (len < 14) return false;
  const uint16_t type = Get16(frame + 12);
  bool learned = false;
  if (type == kEthArp && next_hop_.family == 4) {
    learned = OnArp(frame + 14, len - 14);
  } else if (type == kEthIpv6 && next_hop_.family == 6) {
    learned = OnNdp(frame, len);
  }
  if (learned) {
    state_ = State::kResolved;
    unanswered_ = 0;
    interval_us_ = options_.retry_us;
    next_us_ = now_us + options_.reachable_us;
  }
  return learned;
}

bool Resolver::OnArp(const uint8_t* a, size_t len) {
  // Ethernet/IPv4 ARP; any request, reply or announcement whose sender is
  // next_hop teaches us its MAC (as the kernel's neighbor table learns).
  if (len < 28 || Get16(a) != 1 || Get16(a + 2) != 0x0800 || a[4] != 6 ||
      a[5] != 4) {
    return false;
  }
  const uint16_t op = Get16(a + 6);
  if ((op != 1 && op != 2) || std::memcmp(a + 14, next_hop_.bytes.data(), 4)) {
    return false;
  }
  std::memcpy(mac_.data(), a + 8, 6);
  return true;
}

bool Resolver::OnNdp(const uint8_t* frame, size_t len) {
  // A neighbor advertisement for next_hop (its MAC from the target
  // link-layer option, else the sender), or a solicitation from next_hop
  // (from its source link-layer option), as the kernel's neighbor table
  // learns from both.
  size_t plen;
  const uint8_t* icmp = NdpMessage(frame, len, 24, &plen);
  if (!icmp || icmp[1] != 0) return false;
  const uint8_t* ip = frame + 14;
  uint8_t option;
  if (icmp[0] == kNa && !std::memcmp(icmp + 8, next_hop_.bytes.data(), 16)) {
    option = 2;  // target link-layer address
  } else if (icmp[0] == kNs &&
             !std::memcmp(ip + 8, next_hop_.bytes.data(), 16)) {
    option = 1;  // source link-layer address
  } else {
    return false;
  }
  packet::Mac mac;
  std::memcpy(mac.data(), frame + 6, 6);
  for (size_t off = 24; off + 8 <= plen && icmp[off + 1] != 0;
       off += 8u * icmp[off + 1]) {
    if (icmp[off] == option && icmp[off + 1] == 1) {
      std::memcpy(mac.data(), icmp + off + 2, 6);
      break;
    }
  }
  mac_ = mac;
  return true;
}

}  // namespace pmdcon::target
