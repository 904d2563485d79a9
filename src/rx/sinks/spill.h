// An output's overflow on disk: messages that did not fit its queue in
// memory wait in a file, in order, until the queue has room again (a peer
// such as rsyslog away for longer than the memory queue lasts). The file is
// unlinked as soon as it is made: it lengthens the queue, it does not
// outlive the process. It is a ring of max_bytes: what it takes on disk
// never exceeds that, however long the queue drains while it fills. Not
// thread-safe: one per output per worker.
//
//   auto spill = Spill::Create("/var/spool/pmdcon-rx", 1 << 30);
//   if (!queue_has_room || !(*spill)->empty()) (*spill)->Push(message);
//   std::string_view next;
//   while ((*spill)->Front(&next) && queue.Enqueue(next)) (*spill)->Pop();
#ifndef PMDCON_RX_SINKS_SPILL_H_
#define PMDCON_RX_SINKS_SPILL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pmdcon::rx {

class Spill {
 public:
  // A file in dir holding at most max_bytes of messages.
  static absl::StatusOr<std::unique_ptr<Spill>> Create(const std::string& dir,
                                                       uint64_t max_bytes);
  ~Spill();
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;

  // Appends one message; false if the file is full or a write failed
  // (trouble() says which): the caller counts the message as dropped.
  bool Push(std::string_view message);
  // The oldest message, valid until the next call; false if none (or a
  // read failed).
  bool Front(std::string_view* message);
  // Forgets the oldest message (after Front).
  void Pop();

  bool empty() const { return count_ == 0; }
  uint64_t count() const { return count_; }
  uint64_t bytes() const { return write_off_ - read_off_; }
  const std::string& trouble() const { return trouble_; }
  // Bytes the file takes on disk now (allocated blocks).
  uint64_t disk_bytes() const;

 private:
  Spill(int fd, uint64_t max_bytes) : fd_(fd), max_bytes_(max_bytes) {}
  // At logical offset `pos` (the file holds pos % max_bytes_ on).
  bool WriteAt(uint64_t pos, const char* p, size_t n);
  bool ReadAt(uint64_t pos, char* p, size_t n);
  template <typename Io>
  bool Transfer(uint64_t pos, char* p, size_t n, Io io);

  int fd_;
  uint64_t max_bytes_;
  uint64_t read_off_ = 0, write_off_ = 0, count_ = 0;
  std::string front_;   // the oldest message, once read
  std::string record_;  // Push's header and message, one span
  bool front_read_ = false;
  std::string trouble_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_SPILL_H_
