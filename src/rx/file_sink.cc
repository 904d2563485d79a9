#include "rx/file_sink.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pmdcon::rx {
namespace {
constexpr size_t kStdioBuffer = 1 << 20;
constexpr size_t kGather = 64 << 10;  // a sink hands its lines over past this
// How long lines may wait in stdio's buffer: short enough for a live view of
// the file, long enough that a busy collector writes in large pieces.
constexpr uint64_t kFlushUs = 10'000;
// Standard output's buffer outlives every sink: stdio may still touch it at
// exit, after the sinks are gone.
char g_stdout_buffer[kStdioBuffer];
}  // namespace

absl::StatusOr<std::shared_ptr<LineFile>> LineFile::Open(
    const std::string& path) {
  FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return std::shared_ptr<LineFile>(new LineFile(f, path));
}

LineFile::LineFile(FILE* f, std::string path) : f_(f), path_(std::move(path)) {
  if (f_ == stdout) {
    static bool buffered = false;  // once: before any output
    if (!buffered) std::setvbuf(f_, g_stdout_buffer, _IOFBF, kStdioBuffer);
    buffered = true;
  } else {
    stdio_buf_.reset(new char[kStdioBuffer]);
    std::setvbuf(f_, stdio_buf_.get(), _IOFBF, kStdioBuffer);
  }
}

LineFile::~LineFile() {
  std::fflush(f_);
  if (f_ != stdout) std::fclose(f_);
}

std::string LineFile::Append(std::string_view lines) {
  if (std::fwrite(lines.data(), 1, lines.size(), f_) == lines.size()) return {};
  return absl::StrCat("write ", path_, ": ", std::strerror(errno));
}

std::string LineFile::Flush() {
  if (std::fflush(f_) == 0) return {};
  return absl::StrCat("write ", path_, ": ", std::strerror(errno));
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
  const bool handed = gathered_ > 0;
  Hand();
  if (handed && flush_at_ == 0) flush_at_ = now_us + kFlushUs;
  if (flush_at_ == 0 || now_us < flush_at_) {
    return flush_at_ ? flush_at_ : UINT64_MAX;
  }
  flush_at_ = 0;
  if (std::string err = file_->Flush(); !err.empty()) trouble_ = std::move(err);
  return UINT64_MAX;
}

}  // namespace pmdcon::rx
