// Endpoints as users write them and as sockets take them: one parser for
// "HOST:PORT" (pmdcon-rx's --listen and outputs, the tools' --to) and one
// way to build a sockaddr from an address. Pure: no syscalls.
//
//   auto hp = packet::SplitHostPort("[::1]:6666");   // {"::1", 6666}
//   auto ip = packet::ParseIp(hp->host);
//   packet::SockAddr sa = packet::ToSockAddr(*ip, hp->port);
//   sendto(fd, buf, n, 0, sa.addr(), sa.len);
#ifndef PMDCON_PACKET_ENDPOINT_H_
#define PMDCON_PACKET_ENDPOINT_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "packet/udp_frame.h"

namespace pmdcon::packet {

struct HostPort {
  std::string host;  // "" = any address; an IPv6 literal without brackets
  uint16_t port = 0;
};

// "HOST:PORT", "[IPV6]:PORT", ":PORT" or "PORT" split, the port checked
// (0-65535); the host is not resolved or checked.
absl::StatusOr<HostPort> SplitHostPort(std::string_view text);

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family() const { return ss.ss_family; }
  const sockaddr* addr() const {
    return reinterpret_cast<const sockaddr*>(&ss);
  }
  sockaddr* addr() { return reinterpret_cast<sockaddr*>(&ss); }
};

// An IPv4 or IPv6 address and port; `v4_mapped`: an IPv4 address as
// ::ffff:a.b.c.d (for a dual-stack IPv6 socket).
SockAddr ToSockAddr(const IpAddr& ip, uint16_t port, bool v4_mapped = false);
// IPv6's any address (a dual-stack socket takes IPv4 too).
SockAddr AnyAddr(uint16_t port);

}  // namespace pmdcon::packet

#endif  // PMDCON_PACKET_ENDPOINT_H_
