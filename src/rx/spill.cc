#include "rx/spill.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace pmdcon::rx {
namespace {
// Each message: its length (4 bytes, host order: the file is this
// process's own), then its bytes.
constexpr size_t kHeader = sizeof(uint32_t);
}  // namespace

absl::StatusOr<std::unique_ptr<Spill>> Spill::Create(const std::string& dir,
                                                     uint64_t max_bytes) {
  // O_TMPFILE: a file with no name, gone with the process.
  const int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot make a spill file in ", dir));
  }
  return std::unique_ptr<Spill>(new Spill(fd, max_bytes));
}

Spill::~Spill() { close(fd_); }

bool Spill::Push(std::string_view message) {
  const uint64_t size = kHeader + message.size();
  if (message.size() > UINT32_MAX || bytes() + size > max_bytes_) {
    trouble_ = "spill file full";
    return false;
  }
  const uint32_t len = static_cast<uint32_t>(message.size());
  char header[kHeader];
  std::memcpy(header, &len, kHeader);
  const iovec iov[2] = {{header, kHeader},
                        {const_cast<char*>(message.data()), message.size()}};
  const ssize_t n = pwritev(fd_, iov, 2, static_cast<off_t>(write_off_));
  if (n != static_cast<ssize_t>(size)) {
    trouble_ = absl::StrCat("spill write: ",
                            n < 0 ? std::strerror(errno) : "short write");
    return false;
  }
  write_off_ += size;
  ++count_;
  return true;
}

bool Spill::Front(std::string_view* message) {
  if (count_ == 0) return false;
  if (!front_read_) {
    uint32_t len = 0;
    if (pread(fd_, &len, kHeader, static_cast<off_t>(read_off_)) !=
        static_cast<ssize_t>(kHeader)) {
      trouble_ = absl::StrCat("spill read: ", std::strerror(errno));
      return false;
    }
    front_.resize(len);
    if (pread(fd_, front_.data(), len,
              static_cast<off_t>(read_off_ + kHeader)) !=
        static_cast<ssize_t>(len)) {
      trouble_ = absl::StrCat("spill read: ", std::strerror(errno));
      return false;
    }
    front_read_ = true;
  }
  *message = front_;
  return true;
}

void Spill::Pop() {
  if (!front_read_) return;
  read_off_ += kHeader + front_.size();
  front_read_ = false;
  if (--count_ == 0) {
    // Emptied: the file starts over (and gives its blocks back).
    read_off_ = write_off_ = 0;
    if (ftruncate(fd_, 0) != 0) {
      trouble_ = absl::StrCat("spill truncate: ", std::strerror(errno));
    }
  }
}

}  // namespace pmdcon::rx
