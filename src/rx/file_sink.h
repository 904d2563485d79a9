// Records as lines in a file (or standard output): dmesg-like text, JSON
// objects or RFC 5424 syslog lines (rx/output.h). Written through stdio's
// buffer; delivered once written.
#ifndef PMDCON_RX_FILE_SINK_H_
#define PMDCON_RX_FILE_SINK_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rx/output.h"
#include "rx/sink.h"

namespace pmdcon::rx {

class FileSink : public Sink {
 public:
  // path "-": standard output. Truncates an existing file.
  static absl::StatusOr<std::unique_ptr<FileSink>> Open(const std::string& path,
                                                        Format format);
  ~FileSink() override;

  void Write(const wire::Message& m, uint64_t unix_us) override;
  // Flushes: records appear as they arrive (live views of the file).
  uint64_t Poll(uint64_t now_us) override;
  uint64_t pending() const override { return 0; }
  const SinkStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const std::string& trouble() const override { return trouble_; }

 private:
  FileSink(FILE* f, std::string name, Format format);

  FILE* f_;
  std::string name_;
  Format format_;
  std::string buf_;
  std::unique_ptr<char[]> stdio_buf_;
  SinkStats stats_;
  std::string trouble_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_FILE_SINK_H_
