// Drives a Resolver over a raw AF_PACKET socket against a real Linux kernel
// (tests/target/resolver_kernel_test.sh puts the peer in a namespace):
//   resolver_kernel IFNAME SELF_IP PEER_IP EXPECTED_PEER_MAC
// Exits 0 when the resolver learned the expected MAC within 5 s.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "target/resolver.h"

namespace {

uint64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 +
         static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pmdcon;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s IFNAME SELF_IP PEER_IP PEER_MAC\n",
                 argv[0]);
    return 2;
  }
  auto self_ip = packet::ParseIp(argv[2]);
  auto peer_ip = packet::ParseIp(argv[3]);
  auto want = packet::ParseMac(argv[4]);
  if (!self_ip.ok() || !peer_ip.ok() || !want.ok()) {
    std::fprintf(stderr, "bad address argument\n");
    return 2;
  }
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  const unsigned ifindex = if_nametoindex(argv[1]);
  if (fd < 0 || ifindex == 0) {
    std::perror("socket/if_nametoindex");
    return 1;
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) {
    std::perror("bind");
    return 1;
  }
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    std::perror("SIOCGIFHWADDR");
    return 1;
  }
  packet::Mac self_mac;
  std::memcpy(self_mac.data(), ifr.ifr_hwaddr.sa_data, 6);

  target::Resolver r(self_mac, *self_ip, *peer_ip, {.retry_us = 200000});
  const uint64_t end = NowUs() + 5000000;
  uint8_t buf[2048];
  while (NowUs() < end && !r.usable()) {
    if (size_t n = r.Poll(NowUs(), buf, sizeof(buf))) {
      if (send(fd, buf, n, 0) != static_cast<ssize_t>(n)) std::perror("send");
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) r.OnFrame(buf, static_cast<size_t>(n), NowUs());
    }
  }
  std::printf("%s: %s after %llu requests: %s\n", argv[3],
              std::string(target::StateName(r.state())).c_str(),
              static_cast<unsigned long long>(r.requests_sent()),
              packet::FormatMac(r.mac()).c_str());
  return r.usable() && r.mac() == *want ? 0 : 1;
}
