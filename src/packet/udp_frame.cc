#include "packet/udp_frame.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "packet/checksum.h"

namespace pmdcon::packet {
namespace {

void Put16(uint8_t* p, uint16_t v) {
  const uint16_t be = htons(v);
  std::memcpy(p, &be, 2);
}

// Folded to 16 bits but not complemented: what a NIC doing the UDP checksum
// expects in the field (the pseudo-header sum).
uint16_t FoldPlain(uint64_t sum) { return static_cast<uint16_t>(~Fold(sum)); }

}  // namespace

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

UdpFrame::UdpFrame(const Endpoints& e) : ep_(e), ipv6_(e.dst_ip.family == 6) {
  uint8_t* p = tmpl_.data();
  std::memcpy(p, e.dst_mac.data(), 6);
  std::memcpy(p + 6, e.src_mac.data(), 6);
  Put16(p + 12, ipv6_ ? 0x86dd : 0x0800);
  uint8_t* ip = p + kEth;
  const size_t alen = ipv6_ ? 16 : 4;
  uint8_t* udp;
  if (ipv6_) {
    ip[0] = 0x60;  // version 6, traffic class 0, flow label 0
    ip[6] = 17;    // next header: UDP
    ip[7] = 32;    // hop limit, as netconsole
    std::memcpy(ip + 8, e.src_ip.bytes.data(), 16);
    std::memcpy(ip + 24, e.dst_ip.bytes.data(), 16);
    udp = ip + kIpv6;
  } else {
    ip[0] = 0x45;  // version 4, 20-byte header; TOS 0; no DF
    ip[8] = 64;    // TTL
    ip[9] = 17;    // UDP
    std::memcpy(ip + 12, e.src_ip.bytes.data(), 4);
    std::memcpy(ip + 16, e.dst_ip.bytes.data(), 4);
    ipv4_sum_ = SumBytes(ip, kIpv4);  // length, ID, checksum still zero
    udp = ip + kIpv4;
  }
  Put16(udp, e.src_port);
  Put16(udp + 2, e.dst_port);
  pseudo_sum_ = SumBytes(e.src_ip.bytes.data(), alen) +
                SumBytes(e.dst_ip.bytes.data(), alen) + 17 +
                SumBytes(udp, 4);  // the ports, constant too
}

void UdpFrame::set_dst_mac(const Mac& mac) {
  ep_.dst_mac = mac;
  std::memcpy(tmpl_.data(), mac.data(), 6);
}

size_t UdpFrame::Build(uint8_t* frame, size_t payload_len, uint16_t ip_id,
                       bool offload_ip_csum, bool offload_udp_csum) const {
  // Two constant sizes: inlined moves, not a memcpy call per packet.
  const size_t hdr = header_size();
  if (ipv6_) {
    std::memcpy(frame, tmpl_.data(), kEth + kIpv6 + kUdp);
  } else {
    std::memcpy(frame, tmpl_.data(), kEth + kIpv4 + kUdp);
  }
  const auto udp_len = static_cast<uint16_t>(kUdp + payload_len);
  uint8_t* ip = frame + kEth;
  uint8_t* udp;
  if (ipv6_) {
    Put16(ip + 4, udp_len);
    udp = ip + kIpv6;
  } else {
    const auto ip_len = static_cast<uint16_t>(kIpv4 + udp_len);
    Put16(ip + 2, ip_len);
    Put16(ip + 4, ip_id);
    Put16(ip + 10, offload_ip_csum ? 0 : Fold(ipv4_sum_ + ip_len + ip_id));
    udp = ip + kIpv4;
  }
  Put16(udp + 4, udp_len);
  // Pseudo-header (addresses, protocol, UDP length) + UDP header + payload;
  // the UDP length counts twice: in the pseudo-header and in the header.
  const uint64_t sum = pseudo_sum_ + 2u * udp_len;
  if (offload_udp_csum) {
    Put16(udp + 6, FoldPlain(pseudo_sum_ - SumBytes(udp, 4) + udp_len));
  } else {
    const uint16_t c = Fold(SumBytes(udp + kUdp, payload_len, sum));
    Put16(udp + 6, c == 0 ? 0xffff : c);  // 0 means "no checksum": send ~0
  }
  return hdr + payload_len;
}

}  // namespace pmdcon::packet
