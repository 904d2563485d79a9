#include "rx/sinks/journal_sink.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "rx/format/output.h"
#include "wire/decoder.h"

namespace pmdcon::rx {
namespace {

constexpr uint64_t kRetryUs = 10'000;  // journald's socket was full

void AppendField(std::string* out, std::string_view name,
                 std::string_view value) {
  out->append(name);
  if (value.find('\n') == std::string_view::npos) {
    out->push_back('=');
    out->append(value);
  } else {
    out->push_back('\n');
    uint64_t n = value.size();
    for (int i = 0; i < 8; ++i, n >>= 8) out->push_back(static_cast<char>(n));
    out->append(value);
  }
  out->push_back('\n');
}

// NETCONSOLE_<KIND>_<KEY>: journald field names are [A-Z0-9_], start with a
// letter, at most 64 bytes.
std::string FieldName(std::string_view kind, std::string_view key) {
  std::string name = absl::StrCat("NETCONSOLE_", AsAbsl(kind), "_");
  for (char c : key) {
    if (name.size() == 64) break;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name.push_back(ok ? c : '_');
  }
  return name;
}

void AppendPairs(std::string* out, std::string_view kind,
                 const std::vector<std::pair<std::string, std::string>>& kv) {
  for (const auto& [k, v] : kv) AppendField(out, FieldName(kind, k), v);
}

}  // namespace

void AppendJournalEntry(std::string* out, const wire::Message& m) {
  wire::Body body;
  if (m.extended) {
    wire::SplitBody(m.body, &body);
  } else {
    body.text = std::string(m.body);
  }
  while (!body.text.empty() && body.text.back() == '\n') body.text.pop_back();
  AppendField(out, "MESSAGE", body.text);
  AppendField(out, "PRIORITY", absl::StrCat(m.extended ? (m.level & 7) : 6));
  AppendField(out, "SYSLOG_FACILITY", absl::StrCat(m.facility));
  AppendField(out, "SYSLOG_IDENTIFIER", "netconsole");
  AppendField(out, "NETCONSOLE_SOURCE", EndpointName(m.source));
  if (m.extended) {
    AppendField(out, "NETCONSOLE_SEQ", absl::StrCat(m.seq));
    AppendField(out, "NETCONSOLE_TS_USEC", absl::StrCat(m.ts_usec));
    if (!m.release.empty()) AppendField(out, "NETCONSOLE_RELEASE", m.release);
    if (m.previous_boot) AppendField(out, "NETCONSOLE_PREVIOUS_BOOT", "1");
    if (m.restart) AppendField(out, "NETCONSOLE_RESTART", "1");
  } else {
    AppendField(out, "NETCONSOLE_BASIC", "1");
  }
  AppendPairs(out, "DICT", body.dict);
  AppendPairs(out, "USERDATA", body.userdata);
  AppendPairs(out, "SYSDATA", body.sysdata);
}

absl::StatusOr<std::unique_ptr<JournalSink>> JournalSink::Open(
    const std::string& socket_path, uint64_t max_queued_bytes) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(sa.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat(socket_path, ": too long for a socket path"));
  }
  std::memcpy(sa.sun_path, socket_path.data(), socket_path.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
    const int err = errno;
    close(fd);
    return absl::ErrnoToStatus(
        err, absl::StrCat("cannot reach the journal at ", socket_path,
                          " (is systemd-journald running?)"));
  }
  const int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  return std::unique_ptr<JournalSink>(new JournalSink(
      fd, absl::StrCat("journal:", socket_path), max_queued_bytes));
}

JournalSink::JournalSink(int fd, std::string name, uint64_t max_queued_bytes)
    : fd_(fd), name_(std::move(name)), max_queued_bytes_(max_queued_bytes) {}

JournalSink::~JournalSink() { close(fd_); }

void JournalSink::Write(const wire::Message& m, uint64_t) {
  ++stats_.written;
  std::string entry;
  AppendJournalEntry(&entry, m);
  if (queued_bytes_ + entry.size() > max_queued_bytes_) {
    ++stats_.dropped;
    return;
  }
  queued_bytes_ += entry.size();
  queue_.push_back(std::move(entry));
  Send();
}

void JournalSink::Send() {
  while (!queue_.empty()) {
    const std::string& e = queue_.front();
    if (send(fd_, e.data(), e.size(), MSG_NOSIGNAL) < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        return;  // journald is behind: Poll tries again
      }
      // Too large, or journald gone: this entry is lost, counted.
      trouble_ = absl::StrCat("send: ", std::strerror(errno));
      ++stats_.dropped;
    } else {
      ++stats_.delivered;
    }
    queued_bytes_ -= e.size();
    queue_.pop_front();
  }
}

uint64_t JournalSink::Poll(uint64_t now_us) {
  Send();
  return queue_.empty() ? UINT64_MAX : now_us + kRetryUs;
}

}  // namespace pmdcon::rx
