#include "io/system.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "common/strings.h"

namespace pmdcon::io {
namespace {

uint64_t ClockUsec(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u +
         static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::string> ReadUserFile(const std::string& path,
                                         std::string_view kind) {
  constexpr uintmax_t kMaxBytes = 1 << 20;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", ec.message()));
  }
  if (std::filesystem::is_directory(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is a directory, not a ", AsAbsl(kind)));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a regular file"));
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is ", size, " bytes; a ", AsAbsl(kind), " is at most 1 MiB"));
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " grew past 1 MiB while it was read"));
  }
  return text;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & 0066) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: a key file must not be readable or writable by group or others "
        "(mode %04o); chmod 600 it",
        path, st.st_mode & 07777));
  }
  return ReadUserFile(path, "key file");
}

absl::StatusOr<BootId> ReadBootId(const std::string& path) {
  PMDCON_ASSIGN_OR_RETURN(auto text, ReadText(path));
  auto id = ParseBootId(text);
  if (!id.ok()) {
    return absl::Status(id.status().code(),
                        absl::StrCat(path, ": ", id.status().message()));
  }
  return id;
}

absl::StatusOr<uint64_t> RandomU64() {
  uint64_t v;
  if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
    return absl::ErrnoToStatus(errno, "getrandom");
  }
  return v;
}

uint64_t MonotonicUsec() { return ClockUsec(CLOCK_MONOTONIC); }

uint64_t RealtimeUsec() { return ClockUsec(CLOCK_REALTIME); }

absl::StatusOr<uint64_t> ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) {
    return absl::NotFoundError("cannot read /proc/self/statm");
  }
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace pmdcon::io
