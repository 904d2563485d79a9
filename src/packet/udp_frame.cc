#include "packet/udp_frame.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace pmdcon::packet {
absl::StatusOr<IpAddr> ParseIp(std::string_view text) {
  const std::string s(text);
  IpAddr ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 6;
    return ip;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", s, "\" is not an IPv4 or IPv6 address"));
}

std::string FormatIp(const IpAddr& ip) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(ip.family == 6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf,
            sizeof(buf));
  return buf;
}

absl::StatusOr<Mac> ParseMac(std::string_view text) {
  Mac mac;
  unsigned v[6];
  char sep[5], tail;
  const std::string s(text);
  const int n = std::sscanf(s.c_str(), "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0],
                            &sep[0], &v[1], &sep[1], &v[2], &sep[2], &v[3],
                            &sep[3], &v[4], &sep[4], &v[5], &tail);
  bool ok = n == 11 && s.size() == 17;
  for (int i = 0; ok && i < 5; ++i)
    ok = sep[i] == sep[0] && (sep[i] == ':' || sep[i] == '-');
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", s, "\" is not a MAC address (xx:xx:xx:xx:xx:xx)"));
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
  return mac;
}

std::string FormatMac(const Mac& m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
                m[2], m[3], m[4], m[5]);
  return buf;
}

UdpFrame::UdpFrame(const Endpoints& e) : ep_(e) {
  pmdcon_frame_endpoints c{};
  std::memcpy(c.src_mac, e.src_mac.data(), 6);
  std::memcpy(c.dst_mac, e.dst_mac.data(), 6);
  c.family = e.dst_ip.family == 6 ? 6 : 4;
  std::memcpy(c.src_ip, e.src_ip.bytes.data(), 16);
  std::memcpy(c.dst_ip, e.dst_ip.bytes.data(), 16);
  c.src_port = e.src_port;
  c.dst_port = e.dst_port;
  pmdcon_frame_init(&f_, &c);
}

void UdpFrame::set_dst_mac(const Mac& mac) {
  ep_.dst_mac = mac;
  pmdcon_frame_set_dst_mac(&f_, mac.data());
}

}  // namespace pmdcon::packet
