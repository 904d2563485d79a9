// The DPDK side of pmdcon's NIC: EAL start-up, the mbuf pool, and one port
// with one RX queue (ARP/NDP replies) and one TX queue (the engine's). The
// control path returns absl::Status; the burst calls are the hot path.
#ifndef PMDCON_PORT_PORT_H_
#define PMDCON_PORT_PORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "packet/udp_frame.h"

// DPDK's types, declared: includers need not see rte_*.h.
struct rte_mbuf;
struct rte_mempool;

namespace pmdcon::port {

struct EalOptions {
  std::vector<uint32_t> lcores;
  uint32_t main_lcore = 0;
  uint32_t memory_mb = 256;
  bool hugepages = false;
  bool telemetry = true;
  std::vector<std::string> vdevs;
  std::vector<std::string> pci_allow;
  std::vector<std::string> extra_args;
};

// The EAL arguments these options mean (for logs and tests).
std::vector<std::string> EalArgs(const std::string& prog, const EalOptions& o);
// rte_eal_init once per process.
absl::Status InitEal(const std::string& prog, const EalOptions& o);

struct PortOptions {
  uint16_t id = 0;
  uint16_t rx_queue_size = 1024;
  uint16_t tx_queue_size = 1024;
  uint16_t mtu = 1500;
  uint32_t mbufs = 8191;
};

class Port {
 public:
  static absl::StatusOr<Port> Open(const PortOptions& o);
  Port(Port&& other) noexcept;
  Port& operator=(Port&&) = delete;
  ~Port();

  uint16_t id() const { return id_; }
  const packet::Mac& mac() const { return mac_; }
  rte_mempool* pool() const { return pool_; }
  bool offload_ipv4_csum() const { return ipv4_csum_; }
  bool offload_udp_csum() const { return udp_csum_; }
  // The link as the driver reports it; for af_packet (whose driver always
  // reports up) the kernel interface under it: administratively up and
  // running (IFF_UP and IFF_RUNNING).
  bool LinkUp() const;
  // True for drivers that may hold accepted frames in software until their
  // next burst (af_packet); the engine then calls Kick() while idle.
  bool needs_kick() const { return needs_kick_; }
  // Makes such a driver push out what it holds, sending nothing new.
  void Kick();

  // The hot path's bursts (queue 0), as rte_eth_tx_burst/rx_burst.
  uint16_t TxBurst(rte_mbuf** pkts, uint16_t n);
  uint16_t RxBurst(rte_mbuf** pkts, uint16_t n);

 private:
  Port() = default;

  uint16_t id_ = UINT16_MAX;
  packet::Mac mac_{};
  rte_mempool* pool_ = nullptr;
  bool ipv4_csum_ = false;
  bool udp_csum_ = false;
  bool needs_kick_ = false;
  std::string host_iface_;  // af_packet: the kernel interface it sits on
  int ioctl_fd_ = -1;       // a socket for SIOCGIFFLAGS on host_iface_
};

}  // namespace pmdcon::port

#endif  // PMDCON_PORT_PORT_H_
