#include "rx/pcap.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "packet/checksum.h"

namespace pmdcon::rx {
namespace {

uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Would a socket bound to `spec` receive a datagram to (family, dst, port)?
// "::" is any address of both families, as pmdcon-rx binds it (dual stack).
bool Matches(const ListenSpec& spec, uint8_t family, const uint8_t* dst,
             uint16_t port) {
  if (spec.port != 0 && spec.port != port) return false;
  if (spec.host.empty() || spec.host == "::") return true;
  uint8_t want[16];
  const int af = family == 6 ? AF_INET6 : AF_INET;
  if (inet_pton(af, spec.host.c_str(), want) != 1) return false;
  const size_t n = family == 6 ? 16 : 4;
  return std::memcmp(want, dst, n) == 0 ||
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
    const uint8_t* p = buf.data();
    const size_t len = caplen;
    if (len < 14) {
      ++st->other;
      continue;
    }
    const uint16_t type = Get16(p + 12);
    wire::SourceKey key;
    const uint8_t* udp;
    size_t udp_len;
    uint64_t pseudo;
    if (type == 0x0800 && len >= 14 + 20 && (p[14] >> 4) == 4 && p[23] == 17) {
      const size_t ihl = (p[14] & 15u) * 4u;
      if (ihl < 20 || len < 14 + ihl + 8) {
        ++st->other;
        continue;
      }
      if (packet::Checksum(p + 14, ihl) != 0) {
        ++st->bad_ip_checksum;
        continue;
      }
      key.family = 4;
      std::memcpy(key.addr.data(), p + 14 + 12, 4);
      udp = p + 14 + ihl;
      udp_len = Get16(udp + 4);
      pseudo = packet::SumBytes(p + 14 + 12, 8) + 17 + udp_len;
    } else if (type == 0x86dd && len >= 14 + 40 + 8 && p[14 + 6] == 17) {
      key.family = 6;
      std::memcpy(key.addr.data(), p + 14 + 8, 16);
      udp = p + 14 + 40;
      udp_len = Get16(udp + 4);
      pseudo = packet::SumBytes(p + 14 + 8, 32) + 17 + udp_len;
    } else {
      ++st->other;
      continue;
    }
    if (udp_len < 8 || udp + udp_len > p + len) {
      ++st->other;
      continue;
    }
    ++st->udp;
    if (Get16(udp + 6) == 0 || packet::Checksum(udp, udp_len, pseudo) != 0) {
      ++st->bad_udp_checksum;
      continue;
    }
    const uint8_t* dst = key.family == 6 ? p + 14 + 24 : p + 14 + 16;
    const uint16_t port = Get16(udp + 2);
    if (!listen.empty() &&
        std::none_of(listen.begin(), listen.end(), [&](const ListenSpec& s) {
          return Matches(s, key.family, dst, port);
        })) {
      continue;
    }
    key.port = Get16(udp);
    f(key,
      std::string_view(reinterpret_cast<const char*>(udp + 8), udp_len - 8));
  }
  return absl::OkStatus();
}

}  // namespace pmdcon::rx
