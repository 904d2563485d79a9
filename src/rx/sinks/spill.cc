#include "rx/sinks/spill.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

uint64_t Spill::disk_bytes() const {
  struct stat st {};
  return fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

// The ring's bytes [pos, pos + n) are at most two spans of the file; io
// (pread or pwrite) moves each.
template <typename Io>
bool Spill::Transfer(uint64_t pos, char* p, size_t n, Io io) {
  while (n > 0) {
    const uint64_t at = pos % max_bytes_;
    const size_t chunk =
        static_cast<size_t>(std::min<uint64_t>(n, max_bytes_ - at));
    if (io(fd_, p, chunk, static_cast<off_t>(at)) !=
        static_cast<ssize_t>(chunk)) {
      return false;
    }
    p += chunk;
    n -= chunk;
    pos += chunk;
  }
  return true;
}

bool Spill::WriteAt(uint64_t pos, const char* p, size_t n) {
  return Transfer(
      pos, const_cast<char*>(p), n,
      [](int fd, char* b, size_t c, off_t at) { return pwrite(fd, b, c, at); });
}

bool Spill::ReadAt(uint64_t pos, char* p, size_t n) {
  return Transfer(pos, p, n, [](int fd, char* b, size_t c, off_t at) {
    return pread(fd, b, c, at);
  });
}

bool Spill::Push(std::string_view message) {
  const uint64_t size = kHeader + message.size();
  if (message.size() > UINT32_MAX || bytes() + size > max_bytes_) {
    trouble_ = "spill file full";
    return false;
  }
  const uint32_t len = static_cast<uint32_t>(message.size());
  record_.resize(size);
  std::memcpy(record_.data(), &len, kHeader);
  std::memcpy(record_.data() + kHeader, message.data(), message.size());
  if (!WriteAt(write_off_, record_.data(), record_.size())) {
    trouble_ = absl::StrCat("spill write: ", std::strerror(errno));
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
    if (!ReadAt(read_off_, reinterpret_cast<char*>(&len), kHeader)) {
      trouble_ = absl::StrCat("spill read: ", std::strerror(errno));
      return false;
    }
    front_.resize(len);
    if (!ReadAt(read_off_ + kHeader, front_.data(), len)) {
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
