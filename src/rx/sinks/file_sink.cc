#include "rx/sinks/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pmdcon::rx {
namespace {
constexpr size_t kGather = 64 << 10;  // a sink hands its lines over past this
// How long lines may wait: short enough for a live view of the file, long
// enough that a busy collector writes in large pieces.
constexpr uint64_t kHandUs = 10'000;
}  // namespace

absl::StatusOr<std::shared_ptr<LineFile>> LineFile::Open(
    const std::string& path) {
  const int fd =
      path == "-"
          ? STDOUT_FILENO
          : open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return std::shared_ptr<LineFile>(new LineFile(fd, path));
}

LineFile::~LineFile() {
  if (fd_ != STDOUT_FILENO) close(fd_);
}

absl::Status LineFile::Reopen() {
  if (path_ == "-") return absl::OkStatus();
  const int fd =
      open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot reopen ", path_, ": ", std::strerror(errno)));
  }
  std::lock_guard lock(mu_);
  close(fd_);
  fd_ = fd;
  return absl::OkStatus();
}

std::string LineFile::Append(std::string_view lines) {
  std::lock_guard lock(mu_);
  while (!lines.empty()) {
    const ssize_t n = write(fd_, lines.data(), lines.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::StrCat("write ", path_, ": ", std::strerror(errno));
    lines.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

FileSink::FileSink(std::shared_ptr<LineFile> file, Format format)
    : file_(std::move(file)), format_(format) {}

FileSink::~FileSink() { Hand(); }

void FileSink::Write(const wire::Message& m, uint64_t unix_us) {
  ++stats_.written;
  ++gathered_;
  if (format_ == Format::kSyslog) {
    AppendSyslog(&lines_, m, unix_us);
    lines_.push_back('\n');
  } else {
    AppendMessage(&lines_, format_, m);
  }
  if (lines_.size() >= kGather) Hand();
}

void FileSink::Hand() {
  hand_at_ = 0;
  if (gathered_ == 0) return;
  if (std::string err = file_->Append(lines_); err.empty()) {
    stats_.delivered += gathered_;
  } else {
    stats_.dropped += gathered_;
    trouble_ = std::move(err);
  }
  lines_.clear();
  gathered_ = 0;
}

uint64_t FileSink::Poll(uint64_t now_us) {
  if (gathered_ == 0) return UINT64_MAX;
  if (hand_at_ == 0) hand_at_ = now_us + kHandUs;
  if (now_us < hand_at_) return hand_at_;
  Hand();
  return UINT64_MAX;
}

}  // namespace pmdcon::rx
