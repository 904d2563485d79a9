#include "rx/recv/pcap.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "packet/udp_parse.h"

namespace pmdcon::rx {
namespace {

// Would a socket bound to `spec` receive a datagram to (family, dst, port)?
// "::" is any address of both families, as pmdcon-rx binds it (dual stack).
bool Matches(const ListenSpec& spec, const packet::IpAddr& dst, uint16_t port) {
  if (spec.port != 0 && spec.port != port) return false;
  if (spec.host.empty() || spec.host == "::") return true;
  uint8_t want[16];
  const int af = dst.family == 6 ? AF_INET6 : AF_INET;
  if (inet_pton(af, spec.host.c_str(), want) != 1) return false;
  const size_t n = dst.family == 6 ? 16 : 4;
  return std::memcmp(want, dst.bytes.data(), n) == 0 ||
         std::all_of(want, want + n, [](uint8_t b) { return b == 0; });
}

}  // namespace

absl::Status ReadPcap(
    const std::string& path, const std::vector<ListenSpec>& listen,
    const std::function<void(const wire::SourceKey&, std::string_view)>& f,
    PcapStats* st) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  uint8_t gh[24];
  if (!in.read(reinterpret_cast<char*>(gh), sizeof(gh))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a pcap file (too short)"));
  }
  uint32_t magic, linktype;
  std::memcpy(&magic, gh, 4);
  std::memcpy(&linktype, gh + 20, 4);
  if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a little-endian classic pcap file"));
  }
  if (linktype != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": link type ", linktype, " is not Ethernet"));
  }
  std::vector<uint8_t> buf;
  uint8_t rh[16];
  while (in.read(reinterpret_cast<char*>(rh), sizeof(rh))) {
    uint32_t caplen;
    std::memcpy(&caplen, rh + 8, 4);
    if (caplen > 262144) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": record ", st->frames + 1, " claims ", caplen, " bytes"));
    }
    buf.resize(caplen);
    if (!in.read(reinterpret_cast<char*>(buf.data()), caplen)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": truncated at record ", st->frames + 1));
    }
    ++st->frames;
    packet::Datagram d;
    switch (packet::ParseUdp(buf.data(), caplen, &d)) {
      case packet::UdpParse::kOk:
        break;
      case packet::UdpParse::kNotUdp:
        ++st->other;
        continue;
      case packet::UdpParse::kBadIpChecksum:
        ++st->bad_ip_checksum;
        continue;
      case packet::UdpParse::kBadUdpChecksum:
        ++st->udp;
        ++st->bad_udp_checksum;
        continue;
    }
    ++st->udp;
    if (!listen.empty() &&
        std::none_of(listen.begin(), listen.end(), [&](const ListenSpec& s) {
          return Matches(s, d.dst_ip, d.dst_port);
        })) {
      continue;
    }
    wire::SourceKey key;
    key.family = d.src_ip.family;
    std::memcpy(key.addr.data(), d.src_ip.bytes.data(),
                d.src_ip.family == 6 ? 16 : 4);
    key.port = d.src_port;
    f(key, d.payload);
  }
  return absl::OkStatus();
}

}  // namespace pmdcon::rx
