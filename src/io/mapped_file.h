// A file mapped shared into memory: the file-backed ring used by tests,
// benchmarks and the demo (e.g. /dev/shm/pmdcon.ring), or a device node.
#ifndef PMDCON_IO_MAPPED_FILE_H_
#define PMDCON_IO_MAPPED_FILE_H_

#include <cstddef>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace pmdcon::io {

class MappedFile {
 public:
  // Creates (or truncates to) `size` bytes and maps it read-write.
  static absl::StatusOr<MappedFile> Create(const std::string& path,
                                           size_t size);
  // Private zeroed memory of `size` bytes (a ring nobody else maps).
  static absl::StatusOr<MappedFile> Anonymous(size_t size);
  // Who maps a ring file: a consumer holds an exclusive lock on it (flock)
  // for as long as it is mapped, so a second consumer is refused, as the
  // module's device refuses a second open (EBUSY).
  enum class Access { kRead, kWrite, kConsumer };
  // Maps an existing file whole (writable unless kRead). A character device
  // is taken to be the module's /dev/pmdcon: mapped read-only but for the
  // consumer page, which is writable unless kRead.
  static absl::StatusOr<MappedFile> Open(const std::string& path,
                                         Access access);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, std::byte* data, size_t size, int lock_fd = -1)
      : path_(std::move(path)), data_(data), size_(size), lock_fd_(lock_fd) {}
  void Release();

  std::string path_;
  std::byte* data_ = nullptr;
  size_t size_ = 0;
  int lock_fd_ = -1;  // holds the consumer's flock while mapped
};

}  // namespace pmdcon::io

#endif  // PMDCON_IO_MAPPED_FILE_H_
