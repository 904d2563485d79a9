// Where the engine reads records: the module's device or a ring file,
// mapped; or, for a kmsg source, a private ring in memory that a reader
// thread fills from /dev/kmsg. A ring that is not one is refused here, by
// its path, before any engine.
//
//   PMDCON_ASSIGN_OR_RETURN(std::unique_ptr<Source> s, OpenSource(config));
//   s->Start(); ... Engine::Create(s->file.bytes(), s->boot, s->start, ...)
#ifndef PMDCON_APP_SOURCE_H_
#define PMDCON_APP_SOURCE_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "common/boot_id.h"
#include "config/config.h"
#include "io/kmsg.h"
#include "io/mapped_file.h"
#include "pmdcon/ring.h"
#include "ring/ring.h"

namespace pmdcon::app {

struct Source {
  explicit Source(io::MappedFile f) : file(std::move(f)) {}

  io::MappedFile file;
  BootId boot{};
  ring::StartAt start = ring::StartAt::kTransmitted;  // the first engine's
  // kmsg only: the ring it fills (it must not move: held by pointer).
  pmdcon_ring kmsg_ring{};
  std::unique_ptr<io::KmsgReader> kmsg;

  // The file to watch for changes under the engine, or nullptr (kmsg).
  const io::MappedFile* watched() const { return kmsg ? nullptr : &file; }
  void Start() {
    if (kmsg) kmsg->Start();
  }
  // At SIGINT/SIGTERM: the kmsg reader stops; the engine drains its ring.
  void Stop() {
    if (kmsg) kmsg->Stop();
  }
  void LogStats() const;
};

absl::StatusOr<std::unique_ptr<Source>> OpenSource(const config::Config& c);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_SOURCE_H_
