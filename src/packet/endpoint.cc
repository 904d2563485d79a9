#include "packet/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace pmdcon::packet {

absl::StatusOr<HostPort> SplitHostPort(std::string_view text) {
  HostPort hp;
  std::string_view port = text;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AsAbsl(text), "\": expected [IPv6]:PORT"));
    }
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':');
             colon != std::string_view::npos) {
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  uint32_t p = 0;
  if (!absl::SimpleAtoi(AsAbsl(port), &p) || p > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", AsAbsl(text), "\": bad port \"", AsAbsl(port), "\""));
  }
  hp.port = static_cast<uint16_t>(p);
  return hp;
}

SockAddr ToSockAddr(const IpAddr& ip, uint16_t port, bool v4_mapped) {
  SockAddr s;
  if (ip.family == 4 && !v4_mapped) {
    auto* a = reinterpret_cast<sockaddr_in*>(&s.ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    s.len = sizeof(*a);
    return s;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&s.ss);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  if (ip.family == 4) {
    a->sin6_addr.s6_addr[10] = a->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(a->sin6_addr.s6_addr + 12, ip.bytes.data(), 4);
  } else {
    std::memcpy(a->sin6_addr.s6_addr, ip.bytes.data(), 16);
  }
  s.len = sizeof(*a);
  return s;
}

SockAddr AnyAddr(uint16_t port) {
  IpAddr any;
  any.family = 6;  // all zero: in6addr_any
  return ToSockAddr(any, port);
}

}  // namespace pmdcon::packet
