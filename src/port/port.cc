#include "port/port.h"

#include <net/if.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pmdcon::port {
namespace {

absl::Status DpdkError(std::string_view what, int err) {
  return absl::UnavailableError(absl::StrCat(
      std::string(what), ": ", rte_strerror(err < 0 ? -err : err)));
}

}  // namespace

std::vector<std::string> EalArgs(const std::string& prog, const EalOptions& o) {
  std::vector<std::string> a = {prog,
                                "-l",
                                absl::StrJoin(o.lcores, ","),
                                "--main-lcore",
                                std::to_string(o.main_lcore),
                                "-m",
                                std::to_string(o.memory_mb)};
  if (o.hugepages) {
    a.push_back("--in-memory");
  } else {
    a.insert(a.end(), {"--no-huge", "--no-shconf"});
  }
  if (o.telemetry) {
    // The telemetry socket lives under /var/run/dpdk/<prefix>/: one prefix
    // per instance (dpdk-telemetry.py -f pmdcon-<pid>).
    a.insert(a.end(), {"--file-prefix", "pmdcon-" + std::to_string(getpid())});
  } else {
    a.push_back("--no-telemetry");
  }
  if (o.pci_allow.empty()) {
    a.push_back("--no-pci");  // never touch a NIC nobody named
  } else {
    for (const std::string& p : o.pci_allow) a.insert(a.end(), {"-a", p});
  }
  for (const std::string& v : o.vdevs) a.insert(a.end(), {"--vdev", v});
  a.insert(a.end(), o.extra_args.begin(), o.extra_args.end());
  return a;
}

namespace {

// Runtime directories (the telemetry socket's) that earlier instances left
// behind when they were killed (SIGKILL gives no chance to clean up): those
// named pmdcon-<pid> whose process is gone. Where EAL puts them: under
// /var/run for root, else $XDG_RUNTIME_DIR or /tmp.
void RemoveStaleRuntimeDirs() {
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  const std::filesystem::path base =
      std::filesystem::path(getuid() == 0 ? "/var/run"
                            : xdg         ? xdg
                                          : "/tmp") /
      "dpdk";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename();
    int pid = 0;
    if (name.rfind("pmdcon-", 0) != 0 ||
        !absl::SimpleAtoi(name.substr(7), &pid) || pid <= 0) {
      continue;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

absl::Status InitEal(const std::string& prog, const EalOptions& o) {
  if (o.telemetry) RemoveStaleRuntimeDirs();
  std::vector<std::string> args = EalArgs(prog, o);
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    return DpdkError(absl::StrCat("EAL (", absl::StrJoin(args, " "), ")"),
                     rte_errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<Port> Port::Open(const PortOptions& o) {
  if (!rte_eth_dev_is_valid_port(o.id)) {
    return absl::NotFoundError(absl::StrCat(
        "port ", o.id, ": no such DPDK port (", rte_eth_dev_count_avail(),
        " available; check eal.vdevs / eal.pci_allow)"));
  }
  Port p;
  p.id_ = o.id;
  const std::string pool = absl::StrCat("pmdcon_pool_", o.id);
  p.pool_ = rte_pktmbuf_pool_create(pool.c_str(), o.mbufs, 256, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
  if (!p.pool_) return DpdkError("mbuf pool", rte_errno);
  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(o.id, &info); rc != 0) {
    return DpdkError("port info", rc);
  }
  p.needs_kick_ = std::string_view(info.driver_name) == "net_af_packet";
  if (p.needs_kick_) {
    // Its link status is always up: watch the kernel interface instead.
    const rte_devargs* da = rte_dev_devargs(info.device);
    const absl::string_view args = da && da->args ? da->args : "";
    for (absl::string_view kv : absl::StrSplit(args, ',')) {
      if (absl::ConsumePrefix(&kv, "iface=")) p.host_iface_ = std::string(kv);
    }
    if (!p.host_iface_.empty()) {
      p.ioctl_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
  }
  rte_eth_conf conf{};
  // Link changes as interrupts where the driver has them: polled alone,
  // net_e1000_em never showed a link down in the QEMU guests (nor did it
  // with them there, where the interrupt never came: docs/operations.md).
  if (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) conf.intr_conf.lsc = 1;
  // Checksums in hardware where the port offers both; else in software.
  const uint64_t want =
      RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
  if ((info.tx_offload_capa & want) == want) {
    conf.txmode.offloads = want;
    p.ipv4_csum_ = p.udp_csum_ = true;
  }
  if (int rc = rte_eth_dev_configure(o.id, 1, 1, &conf); rc != 0) {
    return DpdkError(absl::StrCat("port ", o.id, " configure"), rc);
  }
  uint16_t rxd = o.rx_queue_size, txd = o.tx_queue_size;
  rte_eth_dev_adjust_nb_rx_tx_desc(o.id, &rxd, &txd);
  const int socket = rte_eth_dev_socket_id(o.id);
  if (int rc = rte_eth_rx_queue_setup(o.id, 0, rxd, socket, nullptr, p.pool_);
      rc != 0) {
    return DpdkError("rx queue", rc);
  }
  rte_eth_txconf txconf = info.default_txconf;
  txconf.offloads = conf.txmode.offloads;
  if (int rc = rte_eth_tx_queue_setup(o.id, 0, txd, socket, &txconf); rc != 0) {
    return DpdkError("tx queue", rc);
  }
  rte_eth_dev_set_mtu(o.id, o.mtu);  // best effort: vdevs may not support it
  if (int rc = rte_eth_dev_start(o.id); rc != 0) {
    return DpdkError(absl::StrCat("port ", o.id, " start"), rc);
  }
  rte_ether_addr mac;
  rte_eth_macaddr_get(o.id, &mac);
  std::memcpy(p.mac_.data(), mac.addr_bytes, 6);
  return p;
}

Port::Port(Port&& o) noexcept
    : id_(std::exchange(o.id_, UINT16_MAX)),
      mac_(o.mac_),
      pool_(std::exchange(o.pool_, nullptr)),
      ipv4_csum_(o.ipv4_csum_),
      udp_csum_(o.udp_csum_),
      needs_kick_(o.needs_kick_),
      host_iface_(std::move(o.host_iface_)),
      ioctl_fd_(std::exchange(o.ioctl_fd_, -1)) {}

Port::~Port() {
  if (id_ != UINT16_MAX) rte_eth_dev_stop(id_);
  if (ioctl_fd_ >= 0) close(ioctl_fd_);
}

// af_packet copies a burst into its TPACKET ring and then asks the kernel to
// send it. When the socket's send buffer is full the kernel stops early and
// the rest waits for the next burst, but an empty burst returns at once. A
// burst of one frame longer than a TPACKET frame is such a next burst: the
// driver drops that frame before the ring (one oerror) and then asks the
// kernel again.
void Port::Kick() {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) return;
  m->pkt_len = 1u << 16;
  if (rte_eth_tx_burst(id_, 0, &m, 1) == 0) rte_pktmbuf_free(m);
}

bool Port::LinkUp() const {
  if (ioctl_fd_ >= 0) {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, host_iface_.data(),
                std::min(host_iface_.size(), sizeof(ifr.ifr_name) - 1));
    if (ioctl(ioctl_fd_, SIOCGIFFLAGS, &ifr) != 0) return false;  // gone
    return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
  }
  rte_eth_link link{};
  return rte_eth_link_get_nowait(id_, &link) == 0 &&
         link.link_status == RTE_ETH_LINK_UP;
}

uint16_t Port::TxBurst(rte_mbuf** pkts, uint16_t n) {
  return rte_eth_tx_burst(id_, 0, pkts, n);
}

uint16_t Port::RxBurst(rte_mbuf** pkts, uint16_t n) {
  return rte_eth_rx_burst(id_, 0, pkts, n);
}

}  // namespace pmdcon::port
