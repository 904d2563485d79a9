// pmdcon-rx's outputs by name, as --output and --sink give them:
// "json:FILE", "relp://HOST:PORT", "journal", ... Files several workers
// write are opened once and shared (whole lines, one writer at a time).
//
//   rx::SinkFactory f({.queue_bytes = q, .spill_dir = d, .spill_bytes = s});
//   for (const auto& spec : rx::SinkSpecs(flag_values))
//     auto sink = f.Open(spec);                 // one per worker
#ifndef PMDCON_RX_SINKS_OPEN_SINK_H_
#define PMDCON_RX_SINKS_OPEN_SINK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rx/format/output.h"
#include "rx/sinks/file_sink.h"
#include "rx/sinks/sink.h"

namespace pmdcon::rx {

class SinkFactory {
 public:
  struct Options {
    uint64_t queue_bytes = 0;  // each peer output's queue
    std::string spill_dir;     // TCP and RELP outputs spill here past it
    uint64_t spill_bytes = 0;
  };
  explicit SinkFactory(Options o) : o_(std::move(o)) {}

  // relp://, syslog+tcp://, nats://, journal[:SOCKET] or FORMAT:FILE; an
  // error names what is accepted (InvalidArgument: a bad spec).
  absl::StatusOr<std::unique_ptr<Sink>> Open(const std::string& spec);
  // FILE ("-": standard output) in `format`.
  absl::StatusOr<std::unique_ptr<Sink>> OpenFile(const std::string& path,
                                                 Format format);
  // The files opened so far, by path (SIGHUP reopens them).
  const std::map<std::string, std::shared_ptr<LineFile>>& files() const {
    return files_;
  }

 private:
  Options o_;
  std::map<std::string, std::shared_ptr<LineFile>> files_;
};

// --sink's values as given: absl splits a list flag at every ',', and a
// file name may hold one ("json:/tmp/a,b.json"). A piece that opens no
// output is the rest of the one before.
std::vector<std::string> SinkSpecs(const std::vector<std::string>& pieces);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_OPEN_SINK_H_
