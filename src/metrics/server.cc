#include "metrics/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "metrics/exposition.h"
#include "packet/endpoint.h"

namespace pmdcon::metrics {
namespace {

// A scrape is one short request: a few at once, each done in seconds.
constexpr unsigned kConnections = 16;
constexpr unsigned kPerAddress = 4;
constexpr unsigned kTimeoutS = 10;

absl::Status Failed(std::string_view what) {
  return absl::UnavailableError(
      absl::StrCat(AsAbsl(what), ": ", std::strerror(errno)));
}

MHD_Result Reply(MHD_Connection* c, unsigned status, std::string body,
                 const char* type) {
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), body.data(),
                                                    MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  const MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

MHD_Result Answer(void* cls, MHD_Connection* c, const char* url,
                  const char* method, const char*, const char*, size_t*,
                  void**) {
  const std::string_view m = method, u = url;
  if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD) {
    return Reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
  }
  if (u == "/metrics") {
    return Reply(c, MHD_HTTP_OK, (*static_cast<Server::Render*>(cls))(),
                 kContentType);
  }
  if (u == "/") {
    return Reply(c, MHD_HTTP_OK, "metrics at /metrics\n", "text/plain");
  }
  return Reply(c, MHD_HTTP_NOT_FOUND, "not found; metrics at /metrics\n",
               "text/plain");
}

std::string Describe(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    return absl::StrCat(host, ":", ntohs(a->sin_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
  return absl::StrCat("[", host, "]:", ntohs(a->sin6_port));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(std::string_view listen,
                                                      Render render) {
  const absl::StatusOr<packet::HostPort> hp = packet::SplitHostPort(listen);
  if (!hp.ok()) return hp.status();
  packet::SockAddr sa = packet::AnyAddr(hp->port);
  if (!hp->host.empty()) {
    const absl::StatusOr<packet::IpAddr> ip = packet::ParseIp(hp->host);
    if (!ip.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not an IP address: ", hp->host));
    }
    sa = packet::ToSockAddr(*ip, hp->port);
  }
  // The socket is ours, so its errors are plain errno, and port 0 works.
  int fd = socket(sa.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 && errno == EAFNOSUPPORT && hp->host.empty()) {
    // ":PORT" on a host without IPv6: every IPv4 address instead.
    sa = packet::ToSockAddr(packet::IpAddr{}, hp->port);  // 0.0.0.0
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  }
  if (fd < 0) return Failed("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const char* failed = nullptr;
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (bind(fd, sa.addr(), sa.len) != 0) {
    failed = "bind";
  } else if (::listen(fd, 64) != 0) {
    failed = "listen";
  } else if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    failed = "getsockname";
  }
  if (failed) {
    absl::Status st = Failed(failed);
    close(fd);
    return st;
  }
  std::unique_ptr<Server> s(new Server(std::move(render), fd, Describe(bound)));
  // The library's thread inherits our signal mask: with every signal
  // blocked there, handlers run on the threads that expect them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  s->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, nullptr, nullptr,
      &Answer, &s->render_, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, kConnections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kPerAddress,
      MHD_OPTION_CONNECTION_TIMEOUT, kTimeoutS, MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!s->daemon_) {
    return absl::UnavailableError("libmicrohttpd did not start");
  }
  s->fd_ = -1;  // the daemon's now: MHD_stop_daemon closes it
  return s;
}

Server::Server(Render render, int fd, std::string address)
    : render_(std::move(render)), fd_(fd), address_(std::move(address)) {}

Server::~Server() {
  if (daemon_) MHD_stop_daemon(daemon_);
  if (fd_ >= 0) close(fd_);
}

}  // namespace pmdcon::metrics
