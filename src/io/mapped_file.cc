#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pmdcon/dev.h"
#include "pmdcon/ring.h"

namespace pmdcon::io {
namespace {

// "what path: strerror" (ErrnoToStatus appends the error's text).
absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(errno, absl::StrCat(what, " ", path));
}

// Closes the descriptor when the mapping is made (the mapping keeps the file).
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

absl::StatusOr<std::byte*> Map(int fd, size_t size, bool writable,
                               const std::string& path) {
  void* p = mmap(nullptr, size, PROT_READ | (writable ? PROT_WRITE : 0),
                 MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return Errno("cannot map", path);
  return static_cast<std::byte*>(p);
}

// The module's /dev/pmdcon: the size comes from its geometry ioctl, and only
// the consumer page may be mapped writable (the kernel enforces that).
absl::StatusOr<size_t> MapDevice(int fd, bool writable, const std::string& path,
                                 std::byte** out) {
  pmdcon_geometry geo{};
  if (ioctl(fd, PMDCON_IOC_GEOMETRY, &geo) != 0)
    return Errno("geometry ioctl failed on", path);
  if (geo.abi_version != PMDCON_RING_ABI_VERSION) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the module speaks ring ABI ", geo.abi_version,
                     ", this build ", PMDCON_RING_ABI_VERSION));
  }
  // Three whole mappings side by side in a reserved range: splitting one
  // device mapping (MAP_FIXED over part of it) upsets x86 PAT tracking.
  void* base = mmap(nullptr, geo.region_size, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return Errno("cannot reserve address space for", path);
  auto* bytes = static_cast<std::byte*>(base);
  const struct {
    uint64_t off, len;
    bool rw;
  } parts[] = {
      {0, geo.cons_offset, false},
      {geo.cons_offset, PMDCON_PAGE_SIZE, writable},
      {geo.data_offset, geo.region_size - geo.data_offset, false},
  };
  for (const auto& part : parts) {
    if (mmap(bytes + part.off, part.len, PROT_READ | (part.rw ? PROT_WRITE : 0),
             MAP_SHARED | MAP_FIXED, fd,
             static_cast<off_t>(part.off)) == MAP_FAILED) {
      absl::Status st = Errno("cannot map", path);
      munmap(base, geo.region_size);
      return st;
    }
  }
  *out = bytes;
  return geo.region_size;
}

}  // namespace

absl::StatusOr<MappedFile> MappedFile::Create(const std::string& path,
                                              size_t size) {
  Fd f{open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  if (f.fd < 0) return Errno("cannot create", path);
  if (ftruncate(f.fd, static_cast<off_t>(size)) != 0)
    return Errno("cannot size", path);
  auto p = Map(f.fd, size, true, path);
  if (!p.ok()) return p.status();
  return MappedFile(path, *p, size);
}

absl::StatusOr<MappedFile> MappedFile::Anonymous(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Errno("cannot map", "anonymous memory");
  return MappedFile("(memory)", static_cast<std::byte*>(p), size);
}

absl::StatusOr<MappedFile> MappedFile::Open(const std::string& path,
                                            Access access) {
  const bool writable = access != Access::kRead;
  Fd f{open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)};
  if (f.fd < 0) return Errno("cannot open", path);
  struct stat st;
  if (fstat(f.fd, &st) != 0) return Errno("cannot stat", path);
  if (S_ISCHR(st.st_mode)) {
    std::byte* data = nullptr;
    auto size = MapDevice(f.fd, writable, path, &data);
    if (!size.ok()) return size.status();
    return MappedFile(path, data, *size);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is neither a ring file nor the module's device"));
  }
  if (st.st_size <= 0)
    return absl::FailedPreconditionError(absl::StrCat(path, " is empty"));
  if (access == Access::kConsumer && flock(f.fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " is in use: another consumer (pmdcon) holds its lock"));
    }
    return Errno("cannot lock", path);
  }
  auto p = Map(f.fd, static_cast<size_t>(st.st_size), writable, path);
  if (!p.ok()) return p.status();
  const int lock_fd =
      access == Access::kConsumer ? std::exchange(f.fd, -1) : -1;
  return MappedFile(path, *p, static_cast<size_t>(st.st_size), lock_fd);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      lock_fd_(std::exchange(other.lock_fd_, -1)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

MappedFile::~MappedFile() { Release(); }

void MappedFile::Release() {
  if (data_) munmap(data_, size_);
  if (lock_fd_ >= 0) close(lock_fd_);  // drops the lock
  data_ = nullptr;
  lock_fd_ = -1;
}

}  // namespace pmdcon::io
