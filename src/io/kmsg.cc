#include "io/kmsg.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "wire/decoder.h"

namespace pmdcon::io {

absl::StatusOr<KmsgRecord> ParseKmsg(std::string_view r) {
  const size_t semi = r.find(';');
  if (semi == std::string_view::npos) {
    return absl::InvalidArgumentError("kmsg record without ';'");
  }
  std::string_view head = r.substr(0, semi);
  std::string_view f[8];
  size_t n = 0;
  while (n < 8) {
    const size_t comma = head.find(',');
    f[n++] = head.substr(0, comma);
    if (comma == std::string_view::npos) break;
    head.remove_prefix(comma + 1);
  }
  KmsgRecord out;
  uint64_t prio = 0;
  if (n < 4 || !wire::ParseDecimal(f[0], &prio) || prio > 255 ||
      !wire::ParseDecimal(f[1], &out.meta.seq) ||
      !wire::ParseDecimal(f[2], &out.meta.ts_usec) || f[3].size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kmsg header \"", AsAbsl(r.substr(0, semi)), "\" is malformed"));
  }
  out.meta.prio = static_cast<uint8_t>(prio);
  if (f[3][0] == 'c') out.meta.flags |= PMDCON_REC_CONT;
  for (size_t i = 4; i < n; ++i) {
    uint64_t id;
    if (f[i].substr(0, 8) == "caller=T" || f[i].substr(0, 8) == "caller=C") {
      if (wire::ParseDecimal(f[i].substr(8), &id) && id <= 0x7fffffff) {
        out.meta.caller_id =
            static_cast<uint32_t>(id) | (f[i][7] == 'C' ? 0x80000000u : 0);
        out.meta.flags |= PMDCON_REC_CALLER;
      }
    }
  }
  std::string_view body = r.substr(semi + 1);
  const size_t nl = body.find('\n');
  out.text = wire::Unescape(body.substr(0, nl));
  body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    if (line.empty() || line[0] != ' ') continue;
    if (!out.dict.empty()) out.dict.push_back('\0');
    out.dict += wire::Unescape(line.substr(1));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<KmsgReader>> KmsgReader::Open(
    const std::string& path, bool from_newest, pmdcon_ring* ring) {
  std::unique_ptr<KmsgReader> r(new KmsgReader());
  r->fd_ = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (r->fd_ < 0) {
    const int err = errno;
    return absl::ErrnoToStatus(
        err, absl::StrCat("cannot open ", path, ": ", std::strerror(err)));
  }
  if (from_newest) lseek(r->fd_, 0, SEEK_END);
  r->ring_ = ring;
  return r;
}

KmsgReader::~KmsgReader() {
  Stop();
  if (fd_ >= 0) close(fd_);
}

void KmsgReader::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void KmsgReader::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void KmsgReader::Loop() {
  char buf[16384];
  while (!stop_.load(std::memory_order_relaxed)) {
    const ssize_t n = read(fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EAGAIN) {
        pollfd p{fd_, POLLIN, 0};
        poll(&p, 1, 100);
      } else if (errno == EPIPE) {
        ++missed_;  // the kernel overwrote records before we read them
      } else if (errno != EINTR) {
        return;
      }
      continue;
    }
    auto rec = ParseKmsg(std::string_view(buf, static_cast<size_t>(n)));
    if (!rec.ok()) continue;
    pmdcon_ring_write(ring_, &rec->meta, rec->text.data(),
                      static_cast<uint32_t>(rec->text.size()), rec->dict.data(),
                      static_cast<uint32_t>(rec->dict.size()));
    ++records_;
  }
}

}  // namespace pmdcon::io
