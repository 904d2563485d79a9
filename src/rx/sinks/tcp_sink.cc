#include "rx/sinks/tcp_sink.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"
#include "packet/endpoint.h"
#include "rx/format/output.h"

namespace pmdcon::rx {
namespace {

constexpr uint64_t kConnectTimeoutUs = 5'000'000;
constexpr uint64_t kMinBackoffUs = 100'000, kMaxBackoffUs = 5'000'000;
// While answers or a writable socket are awaited: how soon to look again.
constexpr uint64_t kBusyPollUs = 2'000;

}  // namespace

absl::StatusOr<std::unique_ptr<TcpSink>> TcpSink::Create(
    Protocol p, std::string_view host_port, Options o) {
  PMDCON_ASSIGN_OR_RETURN(auto split, packet::SplitHostPort(host_port));
  if (split.host.empty() || split.port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", AsAbsl(host_port), "\" is not HOST:PORT (port 1-65535)"));
  }
  const std::string host = split.host, port = absl::StrCat(split.port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      rc != 0 || res == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot resolve \"", host, "\": ", gai_strerror(rc)));
  }
  sockaddr_storage to{};
  std::memcpy(&to, res->ai_addr, res->ai_addrlen);
  const socklen_t len = res->ai_addrlen;
  freeaddrinfo(res);
  const std::string scheme = p == Protocol::kRelp ? "relp://" : "syslog+tcp://";
  std::unique_ptr<TcpSink> sink(
      new TcpSink(p, absl::StrCat(scheme, AsAbsl(host_port)), to, len, o));
  if (!o.spill_dir.empty()) {
    PMDCON_ASSIGN_OR_RETURN(auto spill,
                            Spill::Create(o.spill_dir, o.max_spill_bytes));
    sink->spill_ = std::move(spill);
  }
  return sink;
}

TcpSink::TcpSink(Protocol p, std::string name, const sockaddr_storage& to,
                 socklen_t to_len, Options o)
    : protocol_(p),
      name_(std::move(name)),
      to_(to),
      to_len_(to_len),
      o_(o),
      backoff_us_(kMinBackoffUs),
      relp_(relp::Options{.max_queued_bytes = o.max_queued_bytes}) {}

TcpSink::~TcpSink() {
  if (fd_ >= 0) close(fd_);
}

void TcpSink::Write(const wire::Message& m, uint64_t unix_us) {
  ++stats_.written;
  message_.clear();
  AppendSyslog(&message_, m, unix_us);
  // Once records spill, the rest follow them there: order holds.
  if ((!spill_ || spill_->empty()) && Enqueue(message_)) return;
  if (spill_ && spill_->Push(message_)) {
    ++stats_.spilled;
    return;
  }
  ++stats_.dropped;
  if (spill_) trouble_ = spill_->trouble();
}

bool TcpSink::Enqueue(std::string_view message) {
  if (protocol_ == Protocol::kRelp) return relp_.Enqueue(std::string(message));
  std::string frame = absl::StrCat(message.size(), " ", AsAbsl(message));
  if (frame_bytes_ + frame.size() > o_.max_queued_bytes) return false;
  frame_bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  return true;
}

void TcpSink::Refill() {
  std::string_view next;
  while (spill_ && spill_->Front(&next) && Enqueue(next)) spill_->Pop();
}

uint64_t TcpSink::pending() const {
  return (protocol_ == Protocol::kRelp ? relp_.pending() : frames_.size()) +
         (spill_ ? spill_->count() : 0);
}

void TcpSink::Connect(uint64_t now_us) {
  fd_ = socket(to_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    Drop(absl::StrCat("socket: ", std::strerror(errno)), now_us);
    return;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&to_), to_len_) != 0 &&
      errno != EINPROGRESS) {
    Drop(absl::StrCat("connect: ", std::strerror(errno)), now_us);
    return;
  }
  conn_ = Conn::kConnecting;
  connect_deadline_ = now_us + kConnectTimeoutUs;
}

void TcpSink::Drop(std::string why, uint64_t now_us) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  ++(conn_ == Conn::kUp ? stats_.reconnects : stats_.failed_connects);
  conn_ = Conn::kDown;
  trouble_ = std::move(why);
  relp_.Disconnected();
  sent_ = 0;
  retry_at_ = now_us + backoff_us_;
  backoff_us_ = std::min(backoff_us_ * 2, kMaxBackoffUs);
}

void TcpSink::Transfer(uint64_t now_us) {
  // Write.
  for (;;) {
    std::string_view out;
    if (protocol_ == Protocol::kRelp) {
      out = relp_.Output();
    } else if (!frames_.empty()) {
      out = std::string_view(frames_.front()).substr(sent_);
    }
    if (out.empty()) break;
    const ssize_t n = send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      Drop(absl::StrCat("send: ", std::strerror(errno)), now_us);
      return;
    }
    if (protocol_ == Protocol::kRelp) {
      relp_.Consume(static_cast<size_t>(n));
    } else if ((sent_ += static_cast<size_t>(n)) == frames_.front().size()) {
      frame_bytes_ -= frames_.front().size();
      frames_.pop_front();
      sent_ = 0;
      ++stats_.delivered;  // handed to TCP: all this framing promises
    }
  }
  // Read answers (RELP); an octet-counted peer sends nothing, but its close
  // is seen here.
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      if (protocol_ == Protocol::kRelp) {
        const uint64_t before = relp_.stats().acknowledged;
        relp_.OnInput(std::string_view(buf, static_cast<size_t>(n)), now_us);
        stats_.delivered += relp_.stats().acknowledged - before;
      }
      continue;
    }
    if (n == 0) {
      Drop("the server closed the connection", now_us);
      return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
    Drop(absl::StrCat("recv: ", std::strerror(errno)), now_us);
    return;
  }
  if (protocol_ == Protocol::kRelp) {
    stats_.resent = relp_.stats().resent;
    relp_.OnTime(now_us);
    if (relp_.state() == relp::State::kBroken) {
      Drop(relp_.error(), now_us);
    } else if (relp_.state() == relp::State::kOpen) {
      backoff_us_ = kMinBackoffUs;  // the server took the session
    }
  }
}

uint64_t TcpSink::Poll(uint64_t now_us) {
  Refill();
  if (conn_ == Conn::kDown) {
    if (pending() == 0 && protocol_ == Protocol::kOctetCounted) {
      return UINT64_MAX;  // connect when there is something to send
    }
    if (now_us < retry_at_) return retry_at_;
    Connect(now_us);
  }
  if (conn_ == Conn::kConnecting) {
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, 0) == 0) {
      if (now_us >= connect_deadline_) {
        Drop("connect: timed out", now_us);
        return retry_at_;
      }
      return now_us + kBusyPollUs;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Drop(absl::StrCat("connect: ", std::strerror(err)), now_us);
      return retry_at_;
    }
    conn_ = Conn::kUp;
    if (protocol_ == Protocol::kRelp) {
      relp_.Connected(now_us);
    } else {
      backoff_us_ = kMinBackoffUs;
    }
  }
  Transfer(now_us);
  if (conn_ != Conn::kUp) return retry_at_;
  if (pending() > 0) return now_us + kBusyPollUs;  // answers to read
  return protocol_ == Protocol::kRelp
             ? std::min(relp_.NextDeadline(), now_us + 1'000'000)
             : UINT64_MAX;
}

}  // namespace pmdcon::rx
