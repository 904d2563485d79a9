#include "rx/recv/udp.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "rx/format/output.h"

namespace pmdcon::rx {
namespace {

constexpr int kBatch = 256;  // datagrams per recvmmsg (a burst from a fleet)
constexpr size_t kBufSize = 2048;  // > 1000: larger datagrams are malformed

// "what: strerror" (ErrnoToStatus appends the error's text).
absl::Status Errno(std::string_view what) {
  return absl::ErrnoToStatus(errno, AsAbsl(what));
}

wire::SourceKey KeyOf(const sockaddr_storage& ss) {
  wire::SourceKey k;
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    // IPv4-mapped addresses (dual-stack sockets) are shown as IPv4.
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      k.family = 4;
      std::memcpy(k.addr.data(), a->sin6_addr.s6_addr + 12, 4);
    } else {
      k.family = 6;
      std::memcpy(k.addr.data(), a->sin6_addr.s6_addr, 16);
    }
    k.port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    k.family = 4;
    std::memcpy(k.addr.data(), &a->sin_addr, 4);
    k.port = ntohs(a->sin_port);
  }
  return k;
}

}  // namespace

absl::StatusOr<ListenSpec> ParseListen(std::string_view text) {
  auto split = packet::SplitHostPort(text);
  if (!split.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen ", split.status().message()));
  }
  if (!split->host.empty() && !packet::ParseIp(split->host).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen \"", AsAbsl(text), "\": \"", split->host,
                     "\" is not an IPv4 or IPv6 address"));
  }
  return split;
}

absl::StatusOr<UdpReceiver> UdpReceiver::Open(
    const std::vector<ListenSpec>& specs, int rcvbuf, Sharing sharing) {
  UdpReceiver r;
  for (const ListenSpec& spec : specs) {
    absl::StatusOr<packet::IpAddr> ip = packet::ParseIp(spec.host);
    if (!spec.host.empty() && !ip.ok()) return ip.status();
    const packet::SockAddr sa = spec.host.empty()
                                    ? packet::AnyAddr(spec.port)
                                    : packet::ToSockAddr(*ip, spec.port);
    const bool v4 = sa.family() == AF_INET;
    const int fd = socket(sa.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Errno("socket");
    r.fds_.push_back({fd, POLLIN, 0});
    const bool dual = !v4 && spec.host.empty();  // any address: IPv4 too
    r.families_.push_back(sa.family());
    r.dual_.push_back(dual);
    const int off = 0;
    if (dual) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    // SO_RCVBUFFORCE passes rmem_max when privileged; else take what we get.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) !=
        0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    const auto bind_error = [&] {
      return Errno(absl::StrCat("bind ", spec.host.empty() ? "*" : spec.host,
                                ":", spec.port));
    };
    if (sharing == Sharing::kFirstOfGroup && spec.port != 0) {
      // SO_REUSEPORT would join another collector's group; a plain socket
      // finds it.
      const int probe = socket(sa.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (probe < 0) return Errno("socket");
      if (dual) setsockopt(probe, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
      const bool held = bind(probe, sa.addr(), sa.len) != 0;
      const int err = errno;
      close(probe);
      errno = err;
      if (held) return bind_error();
    }
    const int on = 1;
    if (sharing != Sharing::kExclusive &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
      return Errno("SO_REUSEPORT");
    }
    if (bind(fd, sa.addr(), sa.len) != 0) {
      return bind_error();
    }
    sockaddr_storage got{};
    socklen_t got_len = sizeof(got);
    getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len);
    wire::SourceKey k = KeyOf(got);
    r.bound_.push_back(SourceName(k));
    r.bound_specs_.push_back(ListenSpec{spec.host, k.port});
    if (r.rcvbuf_ == 0) {
      socklen_t sl = sizeof(r.rcvbuf_);
      getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r.rcvbuf_, &sl);
    }
  }
  return r;
}

absl::Status UdpReceiver::SteerBySource(uint32_t receivers, bool by_address) {
  if (receivers < 2) return absl::OkStatus();
  // Classic BPF run by the kernel's SO_REUSEPORT selection: the packet
  // starts at the UDP payload, the IP header is at SKF_NET_OFF. The hash
  // folds the source address and port into one word, mixes it, and picks
  // a receiver.
  constexpr uint32_t kNet = static_cast<uint32_t>(SKF_NET_OFF);
  constexpr uint32_t kGolden = 0x9e3779b1;
  const auto ld = [](uint16_t size, uint32_t off) {
    return sock_filter BPF_STMT(BPF_LD | size | BPF_ABS, kNet + off);
  };
  const auto stmt = [](uint16_t code, uint32_t k) {
    return sock_filter BPF_STMT(code, k);
  };
  const sock_filter tax = stmt(BPF_MISC | BPF_TAX, 0);
  const sock_filter xor_x = stmt(BPF_ALU | BPF_XOR | BPF_X, 0);
  std::vector<sock_filter> prog = {
      ld(BPF_B, 0), stmt(BPF_ALU | BPF_RSH | BPF_K, 4),
      // IPv4: fall through; IPv6: jump past the IPv4 part.
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 0),
      ld(BPF_W, 12),  // source address
  };
  if (!by_address) {
    // The port is at 4 * IHL: X = 4 * (ihl), then A = port ^ address.
    prog.insert(prog.end(),
                {stmt(BPF_ST, 0), stmt(BPF_LDX | BPF_B | BPF_MSH, kNet),
                 stmt(BPF_LD | BPF_H | BPF_IND, kNet),
                 stmt(BPF_LDX | BPF_MEM, 0), xor_x});
  }
  const size_t v4_end = prog.size();
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));  // to the mix
  const size_t v6_start = prog.size();
  prog.push_back(ld(BPF_W, 8));
  for (uint32_t off = 12; off < 24; off += 4) {
    prog.insert(prog.end(), {tax, ld(BPF_W, off), xor_x});
  }
  if (!by_address) {
    // The port follows the 40-byte header, or one extension header (hop by
    // hop, routing, destination options: 8 * (length + 1) bytes). Behind
    // anything else the address alone is hashed: a source keeps its worker
    // while its packets keep their headers.
    const auto jeq = [](uint32_t k, uint8_t jt, uint8_t jf) {
      return sock_filter BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
    };
    const sock_filter port[] = {
        stmt(BPF_ST, 0),                       // M[0] = the address
        ld(BPF_B, 6),                          // next header
        jeq(IPPROTO_UDP, 8, 0),                // to "X = 40"
        jeq(IPPROTO_HOPOPTS, 2, 0),            // to its length
        jeq(IPPROTO_ROUTING, 1, 0),            // to its length
        jeq(IPPROTO_DSTOPTS, 0, 10),           // or to "no port"
        ld(BPF_B, 41),                         // its length
        stmt(BPF_ALU | BPF_LSH | BPF_K, 3),    // * 8
        stmt(BPF_ALU | BPF_ADD | BPF_K, 48),   // + 8 + 40
        tax,                                   // X = 40 + 8 * (length + 1)
        stmt(BPF_JMP | BPF_JA, 1),             // to "A = port"
        stmt(BPF_LDX | BPF_IMM, 40),           // X = 40
        stmt(BPF_LD | BPF_H | BPF_IND, kNet),  // A = port
        stmt(BPF_LDX | BPF_MEM, 0),            // X = the address
        xor_x,                                 // A = port ^ address
        stmt(BPF_JMP | BPF_JA, 1),             // to the mix
        stmt(BPF_LD | BPF_MEM, 0),             // no port: A = address
    };
    prog.insert(prog.end(), std::begin(port), std::end(port));
  }
  prog[v4_end].k = static_cast<uint32_t>(prog.size() - v4_end - 1);
  prog[2].jf = static_cast<uint8_t>(v6_start - 3);
  prog.insert(prog.end(), {
                              stmt(BPF_ALU | BPF_MUL | BPF_K, kGolden),
                              stmt(BPF_ALU | BPF_RSH | BPF_K, 16),
                              stmt(BPF_ALU | BPF_MOD | BPF_K, receivers),
                              stmt(BPF_RET | BPF_A, 0),
                          });
  const sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  // One socket of a group sets its program.
  for (const pollfd& p : fds_) {
    if (setsockopt(p.fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog,
                   sizeof(fprog)) != 0) {
      return Errno("SO_ATTACH_REUSEPORT_CBPF");
    }
  }
  return absl::OkStatus();
}

bool UdpReceiver::SendTo(const wire::SourceKey& to, std::string_view datagram) {
  // An IPv4 socket for IPv4, else a dual-stack one with a mapped address.
  int fd = -1;
  bool mapped = false;
  for (size_t i = 0; i < fds_.size() && fd < 0; ++i) {
    if (to.family == 4 && families_[i] == AF_INET) fd = fds_[i].fd;
  }
  for (size_t i = 0; i < fds_.size() && fd < 0; ++i) {
    if (families_[i] == AF_INET6 && (to.family == 6 || dual_[i])) {
      fd = fds_[i].fd;
      mapped = to.family == 4;
    }
  }
  if (fd < 0) return false;
  const packet::SockAddr sa = packet::ToSockAddr(
      {.family = to.family, .bytes = to.addr}, to.port, mapped);
  return sendto(fd, datagram.data(), datagram.size(), MSG_DONTWAIT, sa.addr(),
                sa.len) == static_cast<ssize_t>(datagram.size());
}

UdpReceiver::UdpReceiver(UdpReceiver&& o) noexcept
    : fds_(std::move(o.fds_)),
      families_(std::move(o.families_)),
      dual_(std::move(o.dual_)),
      bound_(std::move(o.bound_)),
      bound_specs_(std::move(o.bound_specs_)),
      rcvbuf_(o.rcvbuf_) {
  o.fds_.clear();
}

UdpReceiver::~UdpReceiver() {
  for (const pollfd& p : fds_) close(p.fd);
}

int UdpReceiver::Poll(int timeout_ms, const OnDatagram& f) {
  if (poll(fds_.data(), fds_.size(), timeout_ms) < 0) {
    return errno == EINTR ? 0 : -1;
  }
  // A thread's batch, set up once: recvmmsg changes only the lengths (and
  // the address length, reset after each use).
  struct Batch {
    char bufs[kBatch][kBufSize];
    sockaddr_storage addrs[kBatch];
    iovec iov[kBatch];
    mmsghdr msgs[kBatch];
    Batch() {
      for (int i = 0; i < kBatch; ++i) {
        iov[i] = {bufs[i], kBufSize};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
    }
  };
  static thread_local Batch b;
  int total = 0;
  for (const pollfd& p : fds_) {
    if (!(p.revents & POLLIN)) continue;
    for (;;) {
      const int n = recvmmsg(p.fd, b.msgs, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        msghdr& h = b.msgs[i].msg_hdr;
        const bool trunc = h.msg_flags & MSG_TRUNC;
        f(KeyOf(b.addrs[i]),
          std::string_view(b.bufs[i], trunc ? kBufSize : b.msgs[i].msg_len));
        h.msg_namelen = sizeof(b.addrs[i]);
      }
      total += n;
      if (n < kBatch) break;
    }
  }
  return total;
}

}  // namespace pmdcon::rx
