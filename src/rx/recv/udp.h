// UDP listening for pmdcon-rx: IPv4 and IPv6 sockets with large receive
// buffers, drained in recvmmsg batches.
#ifndef PMDCON_RX_RECV_UDP_H_
#define PMDCON_RX_RECV_UDP_H_

#include <poll.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "packet/endpoint.h"
#include "wire/reassembler.h"

namespace pmdcon::rx {

// host "" = any address, IPv4 and IPv6.
using ListenSpec = packet::HostPort;

// "127.0.0.1:6666", "[::1]:6666", ":6666" or "6666" (any address).
absl::StatusOr<ListenSpec> ParseListen(std::string_view text);

class UdpReceiver {
 public:
  using OnDatagram =
      std::function<void(const wire::SourceKey&, std::string_view payload)>;

  // How a receiver's sockets share their addresses with other receivers
  // (pmdcon-rx's workers, one receiver each).
  enum class Sharing {
    kExclusive,  // alone on its addresses
    // SO_REUSEPORT, first of a group: fails as kExclusive would if anything
    // already holds a port, so two collectors never split one stream.
    kFirstOfGroup,
    kJoinGroup,  // SO_REUSEPORT on addresses a kFirstOfGroup receiver bound
  };

  // Binds every spec; rcvbuf is the socket receive buffer in bytes.
  static absl::StatusOr<UdpReceiver> Open(
      const std::vector<ListenSpec>& specs, int rcvbuf,
      Sharing sharing = Sharing::kExclusive);

  // For a group of `receivers` (this one and those that joined it, in the
  // order they bound): the kernel hands each datagram to the receiver its
  // source hashes to, by address and port, or by address alone. Each source
  // then stays with one receiver whatever port it sent to.
  absl::Status SteerBySource(uint32_t receivers, bool by_address);
  UdpReceiver(UdpReceiver&&) noexcept;
  UdpReceiver& operator=(UdpReceiver&&) = delete;
  ~UdpReceiver();

  // Waits up to timeout_ms for datagrams and hands each to f. Returns how
  // many arrived; a datagram larger than its buffer comes through with the
  // buffer's full length so it is judged too long. -1 on a socket error.
  int Poll(int timeout_ms, const OnDatagram& f);

  // Sends one datagram to `to` from a listening socket of its family (the
  // acknowledgement protocol's responses); false if it could not.
  bool SendTo(const wire::SourceKey& to, std::string_view datagram);

  // "127.0.0.1:6666 [::]:6666": what was bound (ports resolved).
  const std::vector<std::string>& bound() const { return bound_; }
  // The specs as bound (port 0 resolved): what kJoinGroup receivers bind.
  const std::vector<ListenSpec>& bound_specs() const { return bound_specs_; }
  // Bytes of receive buffer the kernel granted to the first socket.
  int rcvbuf() const { return rcvbuf_; }

 private:
  UdpReceiver() = default;

  std::vector<pollfd> fds_;    // the sockets, as poll() takes them
  std::vector<int> families_;  // per socket: AF_INET or AF_INET6
  std::vector<bool> dual_;     // per socket: IPv6 taking IPv4 too
  std::vector<std::string> bound_;
  std::vector<ListenSpec> bound_specs_;
  int rcvbuf_ = 0;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_RECV_UDP_H_
