#include "rx/file_sink.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pmdcon::rx {
namespace {
constexpr size_t kStdioBuffer = 1 << 20;
// Standard output's buffer outlives every sink: stdio may still touch it at
// exit, after the sinks are gone.
char g_stdout_buffer[kStdioBuffer];
}  // namespace

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Open(
    const std::string& path, Format format) {
  FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<FileSink>(new FileSink(f, path, format));
}

FileSink::FileSink(FILE* f, std::string name, Format format)
    : f_(f), name_(std::move(name)), format_(format) {
  if (f_ == stdout) {
    static bool buffered = false;  // once: before any output
    if (!buffered) std::setvbuf(f_, g_stdout_buffer, _IOFBF, kStdioBuffer);
    buffered = true;
  } else {
    stdio_buf_.reset(new char[kStdioBuffer]);
    std::setvbuf(f_, stdio_buf_.get(), _IOFBF, kStdioBuffer);
  }
}

FileSink::~FileSink() {
  std::fflush(f_);
  if (f_ != stdout) std::fclose(f_);
}

void FileSink::Write(const wire::Message& m, uint64_t unix_us) {
  ++stats_.written;
  buf_.clear();
  if (format_ == Format::kSyslog) {
    AppendSyslog(&buf_, m, unix_us);
    buf_.push_back('\n');
  } else {
    AppendMessage(&buf_, format_, m);
  }
  if (std::fwrite(buf_.data(), 1, buf_.size(), f_) == buf_.size()) {
    ++stats_.delivered;
  } else {
    ++stats_.dropped;
    trouble_ = absl::StrCat("write ", name_, ": ", std::strerror(errno));
  }
}

uint64_t FileSink::Poll(uint64_t) {
  if (std::fflush(f_) != 0) {
    trouble_ = absl::StrCat("write ", name_, ": ", std::strerror(errno));
  }
  return UINT64_MAX;
}

}  // namespace pmdcon::rx
