// Ethernet + IPv4/IPv6 + UDP headers for one netconsole target, laid out
// once and completed per packet (lengths, IP ID, checksums), exactly as
// upstream netconsole builds them: IPv4 TTL 64, no DF, ID from one shared
// counter; IPv6 hop limit 32; UDP checksum always, 0 sent as 0xffff. The
// framing itself is include/pmdcon/frame.h, shared with the kernel module's
// fallback, so both paths build the same frames.
//
//   UdpFrame f(endpoints);
//   size_t n = f.Build(frame, payload_len, ip_id);  // payload already at
//                                                   // frame + f.header_size()
// Pure: no I/O, no allocation; the engine copies the result into mbufs.
#ifndef PMDCON_PACKET_UDP_FRAME_H_
#define PMDCON_PACKET_UDP_FRAME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pmdcon/frame.h"

namespace pmdcon::packet {

using Mac = std::array<uint8_t, 6>;

inline constexpr Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct IpAddr {
  uint8_t family = 4;               // 4 or 6
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4

  bool operator==(const IpAddr&) const = default;
};

// "10.99.0.2" or "fd00::2".
absl::StatusOr<IpAddr> ParseIp(std::string_view text);
std::string FormatIp(const IpAddr& ip);
// "02:00:00:00:00:01" (or with '-').
absl::StatusOr<Mac> ParseMac(std::string_view text);
std::string FormatMac(const Mac& mac);

struct Endpoints {
  Mac src_mac{};
  Mac dst_mac = kBroadcast;
  IpAddr src_ip;
  IpAddr dst_ip;
  uint16_t src_port = 6665;
  uint16_t dst_port = 6666;
};

class UdpFrame {
 public:
  static constexpr size_t kEth = PMDCON_FRAME_ETH, kIpv4 = PMDCON_FRAME_IPV4,
                          kIpv6 = PMDCON_FRAME_IPV6, kUdp = PMDCON_FRAME_UDP;

  // src_ip and dst_ip must be of the same family.
  explicit UdpFrame(const Endpoints& e);

  bool ipv6() const { return f_.ipv6; }
  size_t header_size() const { return f_.hdr_len; }
  const Endpoints& endpoints() const { return ep_; }
  // A new destination MAC (after ARP/NDP resolution).
  void set_dst_mac(const Mac& mac);

  // Writes the headers in front of the payload at frame + header_size() and
  // returns the frame length. Checksums are computed here unless the port
  // offloads them (the fields are then left as the NIC expects: IPv4 header
  // checksum 0, UDP checksum = the pseudo-header sum, not complemented).
  size_t Build(uint8_t* frame, size_t payload_len, uint16_t ip_id,
               bool offload_ip_csum = false,
               bool offload_udp_csum = false) const {
    return pmdcon_frame_build(
        &f_, frame, static_cast<uint32_t>(payload_len), ip_id,
        (offload_ip_csum ? PMDCON_FRAME_OFFLOAD_IP : 0u) |
            (offload_udp_csum ? PMDCON_FRAME_OFFLOAD_UDP : 0u));
  }

 private:
  Endpoints ep_;
  pmdcon_frame f_;
};

}  // namespace pmdcon::packet

#endif  // PMDCON_PACKET_UDP_FRAME_H_
