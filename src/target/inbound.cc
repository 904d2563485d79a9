#include "target/inbound.h"

#include <optional>

namespace pmdcon::target {

Inbound RouteDatagram(packet::UdpParse parsed, const packet::Datagram& d,
                      std::span<const packet::Endpoints* const> reliable) {
  using packet::UdpParse;
  if (parsed == UdpParse::kBadIpChecksum ||
      parsed == UdpParse::kBadUdpChecksum) {
    for (size_t i = 0; i < reliable.size(); ++i) {
      const packet::Endpoints* e = reliable[i];
      if (e && d.dst_ip == e->src_ip &&
          (parsed == UdpParse::kBadIpChecksum || d.dst_port == e->src_port)) {
        return {Inbound::Kind::kBadChecksum, i};
      }
    }
    return {};
  }
  if (parsed != UdpParse::kOk) return {};
  std::optional<size_t> first;  // the first reliable target at this port
  for (size_t i = 0; i < reliable.size(); ++i) {
    const packet::Endpoints* e = reliable[i];
    if (!e || d.dst_port != e->src_port || d.dst_ip != e->src_ip) continue;
    if (!first) first = i;
    if (d.src_ip == e->dst_ip && d.src_port == e->dst_port) {
      return {Inbound::Kind::kResponse, i};
    }
  }
  if (first) return {Inbound::Kind::kForeign, *first};
  return {};
}

}  // namespace pmdcon::target
