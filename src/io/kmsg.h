// /dev/kmsg as a record source: each read returns one record,
// "prio,seq,ts_usec,flag[,...];text\n[ KEY=VALUE\n]...", escaped as the
// extended console is. KmsgReader copies them into a pmdcon ring (a private
// one, in memory), so the engine treats this source like any other. Without
// the kernel module there is no panic path: this is the "any host" mode.
#ifndef PMDCON_IO_KMSG_H_
#define PMDCON_IO_KMSG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "pmdcon/ring.h"

namespace pmdcon::io {

class KmsgReader {
 public:
  // Opens `path` (normally /dev/kmsg) from its oldest record or, with
  // from_newest, only for records written from now on.
  static absl::StatusOr<std::unique_ptr<KmsgReader>> Open(
      const std::string& path, bool from_newest, pmdcon_ring* ring);
  ~KmsgReader();

  // Copies records into the ring on a thread of its own until Stop().
  void Start();
  void Stop();

  uint64_t records() const { return records_.load(); }
  uint64_t missed() const { return missed_.load(); }  // overrun in the kernel
  uint64_t malformed() const { return malformed_.load(); }  // not parsed

 private:
  KmsgReader() = default;
  void Loop();

  int fd_ = -1;
  pmdcon_ring* ring_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> missed_{0};
  std::atomic<uint64_t> malformed_{0};
};

}  // namespace pmdcon::io

#endif  // PMDCON_IO_KMSG_H_
