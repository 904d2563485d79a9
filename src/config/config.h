// pmdcon's configuration: YAML text -> a validated Config. Every error names
// the file, the line:column and the field path:
//   pmdcon.yaml:12:14: targets[1].dst_mac: "zz" is not a MAC address
// The only layer that includes yaml-cpp; it reads no files (the caller does).
// The reference is config/pmdcon.yaml and docs/operations.md.
#ifndef PMDCON_CONFIG_CONFIG_H_
#define PMDCON_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "packet/udp_frame.h"
#include "wire/auth_keys.h"
#include "wire/encoder.h"

namespace pmdcon::config {

struct Eal {
  std::vector<uint32_t> lcores = {0, 1};
  uint32_t main_lcore = 0;
  uint32_t tx_lcore = 1;
  uint32_t memory_mb = 256;
  bool hugepages = false;  // false: --no-huge
  std::vector<std::string> vdevs;
  std::vector<std::string> pci_allow;  // empty: --no-pci
  std::vector<std::string> extra_args;

  bool operator==(const Eal&) const = default;
};

struct Port {
  uint16_t id = 0;
  uint16_t rx_queue_size = 1024;
  uint16_t tx_queue_size = 1024;
  uint16_t mtu = 1500;
  std::optional<packet::Mac> src_mac;  // default: the port's own
  std::optional<packet::IpAddr> src_ipv4;
  std::optional<packet::IpAddr> src_ipv6;
  // How long a next hop's MAC is trusted before it is confirmed again. A
  // collector whose MAC changes without announcing it is unreachable for up
  // to this long plus 3 s of unanswered probes.
  uint32_t neighbor_reachable_s = 15;

  bool operator==(const Port&) const = default;
};

enum class SourceType { kDevice, kFile, kKmsg };
enum class StartAt { kTransmitted, kOldest, kNewest };

struct Source {
  SourceType type = SourceType::kDevice;
  std::string path = "/dev/pmdcon";  // default follows the type
  StartAt start = StartAt::kTransmitted;

  bool operator==(const Source&) const = default;
};

struct RateLimit {
  uint32_t records_per_s = 0;  // 0: no limit
  uint32_t burst = 0;

  bool operator==(const RateLimit&) const = default;
};

struct Target {
  std::string name;
  bool enabled = true;
  packet::IpAddr dst_ip;
  uint16_t dst_port = 6666;
  uint16_t src_port = 6665;
  std::optional<packet::Mac> dst_mac;     // unset: resolve (ARP / NDP)
  std::optional<packet::IpAddr> gateway;  // resolve this instead of dst_ip
  wire::Format format;     // extended, release, time prefix, sysdata, userdata
  uint32_t max_level = 7;  // send records of this level or more severe
  RateLimit rate_limit;
  // netconsd's acknowledgement protocol: the collector's "ncrx" datagrams
  // (to src_port) ask for missing records and acknowledge the rest.
  bool reliable = false;
  // Authenticated records (include/pmdcon/auth.h): `auth: {key_file: F}`.
  // Parse keeps the path and where it was written ("file:line:col:
  // targets[0].auth.key_file", for errors); the appliance reads the keys
  // into auth_keys (config does no I/O), so a reload sees a rotation.
  std::string auth_key_file;
  std::string auth_where;
  wire::KeyRing auth_keys;

  bool operator==(const Target&) const = default;
};

struct Stats {
  uint32_t interval_s = 10;  // 0: no periodic log line
  bool telemetry = true;
  // Where /metrics is served (Prometheus), "HOST:PORT" with HOST an IP
  // address or empty (every address); "": not served.
  std::string metrics;

  bool operator==(const Stats&) const = default;
};

struct Config {
  Eal eal;
  Port port;
  Source source;
  std::vector<Target> targets;
  Stats stats;
};

// Parses and validates `yaml`; `file` only names it in errors.
// InvalidArgument on any problem.
absl::StatusOr<Config> Parse(std::string_view yaml, std::string_view file);

std::string_view SourceTypeName(SourceType t);

}  // namespace pmdcon::config

#endif  // PMDCON_CONFIG_CONFIG_H_
