#include "io/mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
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

// The SIGBUS guard: mapped ring files by address range. A fault inside one
// (the file was truncated) maps private zeros over that range and marks it;
// any other SIGBUS goes to the previous handler, as if there were no guard.
struct GuardSlot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> faulted{false};
};
constexpr int kGuardSlots = 8;
GuardSlot g_guards[kGuardSlots];
struct sigaction g_previous_sigbus;

void OnSigbus(int sig, siginfo_t* info, void* ctx) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (GuardSlot& g : g_guards) {
    const uintptr_t begin = g.begin.load(std::memory_order_acquire);
    const uintptr_t end = g.end.load(std::memory_order_acquire);
    if (at >= begin && at < end) {
      // mmap is a plain system call here; the faulting read then repeats.
      mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      g.faulted.store(true, std::memory_order_release);
      return;
    }
  }
  if (g_previous_sigbus.sa_flags & SA_SIGINFO) {
    g_previous_sigbus.sa_sigaction(sig, info, ctx);
  } else if (g_previous_sigbus.sa_handler != SIG_IGN &&
             g_previous_sigbus.sa_handler != SIG_DFL) {
    g_previous_sigbus.sa_handler(sig);
  } else {
    signal(SIGBUS, SIG_DFL);  // the fault repeats and ends the process
  }
}

int Guard(std::byte* data, size_t size) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction sa {};
    sa.sa_sigaction = OnSigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &g_previous_sigbus);
  });
  for (int i = 0; i < kGuardSlots; ++i) {
    uintptr_t free = 0;
    if (g_guards[i].end.compare_exchange_strong(free, 1)) {
      g_guards[i].faulted.store(false);
      g_guards[i].begin.store(reinterpret_cast<uintptr_t>(data));
      g_guards[i].end.store(reinterpret_cast<uintptr_t>(data) + size);
      return i;
    }
  }
  return -1;  // more mapped files than slots: unguarded
}

}  // namespace

MappedFile::MappedFile(std::string path, std::byte* data, size_t size, int fd)
    : path_(std::move(path)), data_(data), size_(size), fd_(fd) {
  if (fd_ >= 0) guard_ = Guard(data_, size_);
}

MappedFile::FileState MappedFile::Check() const {
  if (fd_ < 0) return FileState::kIntact;
  struct stat mine {
  }, named{};
  fstat(fd_, &mine);  // our own open descriptor
  if ((guard_ >= 0 && g_guards[guard_].faulted.load()) ||
      static_cast<size_t>(mine.st_size) < size_) {
    return FileState::kTruncated;
  }
  if (stat(path_.c_str(), &named) != 0) return FileState::kRemoved;
  if (named.st_dev != mine.st_dev || named.st_ino != mine.st_ino) {
    return FileState::kReplaced;
  }
  return FileState::kIntact;
}

std::string MappedFile::Describe(FileState s) const {
  struct stat mine {
  }, named{};
  fstat(fd_, &mine);
  switch (s) {
    case FileState::kIntact:
      return "intact";
    case FileState::kTruncated:
      // A read faulted, yet the file is as long as mapped again (truncated,
      // then extended): its bytes there are zeros now, not the ring's.
      if (static_cast<size_t>(mine.st_size) >= size_) {
        return absl::StrCat("truncated under the reader and extended again to ",
                            mine.st_size, " bytes (was ", size_, ")");
      }
      return absl::StrCat("truncated to ", mine.st_size, " bytes (was ", size_,
                          ")");
    case FileState::kReplaced:
      stat(path_.c_str(), &named);
      return absl::StrCat("replaced (inode ", mine.st_ino, " -> ", named.st_ino,
                          ")");
    case FileState::kRemoved:
      return "removed";
  }
  return "?";
}

absl::StatusOr<MappedFile> MappedFile::Create(const std::string& path,
                                              size_t size) {
  Fd f{open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  if (f.fd < 0) return Errno("cannot create", path);
  if (ftruncate(f.fd, static_cast<off_t>(size)) != 0)
    return Errno("cannot size", path);
  PMDCON_ASSIGN_OR_RETURN(auto p, Map(f.fd, size, true, path));
  return MappedFile(path, p, size, std::exchange(f.fd, -1));
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
    PMDCON_ASSIGN_OR_RETURN(auto size, MapDevice(f.fd, writable, path, &data));
    return MappedFile(path, data, size);
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
  PMDCON_ASSIGN_OR_RETURN(
      auto p, Map(f.fd, static_cast<size_t>(st.st_size), writable, path));
  return MappedFile(path, p, static_cast<size_t>(st.st_size),
                    std::exchange(f.fd, -1));
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      guard_(std::exchange(other.guard_, -1)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    fd_ = std::exchange(other.fd_, -1);
    guard_ = std::exchange(other.guard_, -1);
  }
  return *this;
}

MappedFile::~MappedFile() { Release(); }

void MappedFile::Release() {
  if (guard_ >= 0) {
    g_guards[guard_].begin.store(0);
    g_guards[guard_].end.store(0);  // frees the slot
  }
  if (data_) munmap(data_, size_);
  if (fd_ >= 0) close(fd_);  // drops the lock
  data_ = nullptr;
  fd_ = guard_ = -1;
}

}  // namespace pmdcon::io
