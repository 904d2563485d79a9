#include "io/kmsg.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pmdcon/ext.h"

namespace pmdcon::io {

absl::StatusOr<std::unique_ptr<KmsgReader>> KmsgReader::Open(
    const std::string& path, bool from_newest, pmdcon_ring* ring) {
  std::unique_ptr<KmsgReader> r(new KmsgReader());
  r->fd_ = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (r->fd_ < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
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
    // Parsed in place: no allocation per record.
    pmdcon_ext ext;
    const char* why;
    if (pmdcon_ext_parse(buf, static_cast<uint32_t>(n), &ext, &why) != 0) {
      ++malformed_;
      continue;
    }
    pmdcon_ring_write(ring_, &ext.meta, ext.text, ext.text_len, ext.dict,
                      ext.dict_len);
    ++records_;
  }
}

}  // namespace pmdcon::io
