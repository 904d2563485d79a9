// Records as lines in a file (or standard output): dmesg-like text, JSON
// objects or RFC 5424 syslog lines (rx/format/output.h). Several workers may
// write one file, each through its own FileSink: a sink gathers its lines and
// hands them over whole, so lines never interleave and each source's stay
// in order (a source belongs to one worker).
#ifndef PMDCON_RX_SINKS_FILE_SINK_H_
#define PMDCON_RX_SINKS_FILE_SINK_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rx/format/output.h"
#include "rx/sinks/sink.h"

namespace pmdcon::rx {

// An open file, shared by the sinks writing it; thread-safe.
class LineFile {
 public:
  // path "-": standard output. Truncates an existing file.
  static absl::StatusOr<std::shared_ptr<LineFile>> Open(
      const std::string& path);
  ~LineFile();
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;

  // Writes whole lines, all of them before any other sink's. Empty on
  // success, else what went wrong.
  std::string Append(std::string_view lines);
  // Opens the path again, appending (logrotate moved the file away, or
  // truncated it); the old descriptor closes once no write holds it.
  // Standard output stays. On error the old file stays in use.
  absl::Status Reopen();
  const std::string& path() const { return path_; }

 private:
  LineFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_;  // guarded by mu_
  const std::string path_;
  std::mutex mu_;  // one Append at a time
};

class FileSink : public Sink {
 public:
  FileSink(std::shared_ptr<LineFile> file, Format format);
  ~FileSink() override;

  void Write(const wire::Message& m, uint64_t unix_us) override;
  // Hands the gathered lines to the file once they are 64 KiB or 10 ms old.
  uint64_t Poll(uint64_t now_us) override;
  uint64_t pending() const override { return gathered_; }
  const SinkStats& stats() const override { return stats_; }
  const std::string& name() const override { return file_->path(); }
  const std::string& trouble() const override { return trouble_; }

 private:
  void Hand();

  std::shared_ptr<LineFile> file_;
  Format format_;
  std::string lines_;      // gathered, not yet handed to the file
  uint64_t gathered_ = 0;  // records in lines_
  uint64_t hand_at_ = 0;   // when lines_ goes out at the latest (0: empty)
  SinkStats stats_;
  std::string trouble_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_FILE_SINK_H_
