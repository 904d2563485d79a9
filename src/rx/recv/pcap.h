// Reading UDP datagrams from a classic pcap file (Ethernet frames), with
// every IPv4 header checksum and UDP checksum verified: pmdcon-rx --pcap.
#ifndef PMDCON_RX_RECV_PCAP_H_
#define PMDCON_RX_RECV_PCAP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "rx/recv/udp.h"
#include "wire/reassembler.h"

namespace pmdcon::rx {

struct PcapStats {
  uint64_t frames = 0;
  uint64_t udp = 0;
  uint64_t other = 0;  // not IPv4/IPv6 UDP (ARP, NDP...)
  uint64_t bad_ip_checksum = 0;
  uint64_t bad_udp_checksum = 0;  // includes a UDP checksum of 0 (none)
};

// Calls f for each UDP datagram with valid checksums addressed to one of
// `listen` (as a socket bound there would receive it; empty: all), in capture
// order. Errors name the file and the problem.
absl::Status ReadPcap(
    const std::string& path, const std::vector<ListenSpec>& listen,
    const std::function<void(const wire::SourceKey&, std::string_view)>& f,
    PcapStats* stats);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_RECV_PCAP_H_
