// Serves /metrics over HTTP with libmicrohttpd (Debian's libmicrohttpd-dev):
// one thread of the library's own, a few connections at a time, each with a
// deadline, so a slow or hostile client costs a socket, never the caller's
// threads. Each GET /metrics calls `render` on that thread; what render
// reads, it reads as it is (relaxed atomics, published snapshots), so
// nothing a scrape does makes a datapath thread wait.
//
//   auto s = metrics::Server::Start("127.0.0.1:9731", [&] { return Text(); });
//   if (!s.ok()) return s.status();   // "bind: Address already in use"
//   (*s)->address();                  // what it bound ("127.0.0.1:9731")
//   s->reset();                       // stops serving
#ifndef PMDCON_METRICS_SERVER_H_
#define PMDCON_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace pmdcon::metrics {

class Server {
 public:
  using Render = std::function<std::string()>;

  // Listens on HOST:PORT (":PORT" is every address, port 0 any free one)
  // and serves until destroyed. Errors say what failed and why ("bind:
  // Address already in use"); the caller names the address and its option.
  static absl::StatusOr<std::unique_ptr<Server>> Start(std::string_view listen,
                                                       Render render);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The address bound, as HOST:PORT ("[::1]:9731" for IPv6).
  const std::string& address() const { return address_; }

 private:
  Server(Render render, int fd, std::string address);

  Render render_;  // called on the library's thread
  int fd_;
  std::string address_;
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace pmdcon::metrics

#endif  // PMDCON_METRICS_SERVER_H_
