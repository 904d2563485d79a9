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

  // A regular file can change under its mapping. Reading past the end of a
  // truncated file raises SIGBUS; for a mapped ring file pmdcon's handler
  // maps zeros there instead (the read goes on, the ring's identity no longer
  // matches) and Check() reports it. Devices and anonymous memory are always
  // kIntact.
  enum class FileState {
    kIntact,
    kTruncated,  // shorter than mapped (or a read faulted)
    kReplaced,   // the path names another file now
    kRemoved,    // the path names nothing now
  };
  // Two stat calls: for the control path, not the hot path.
  FileState Check() const;
  // "truncated to 4096 bytes (was 1052672)", "replaced (inode 12 -> 13)".
  // A file grown past its mapping is kIntact: the mapped part is unharmed.
  std::string Describe(FileState s) const;

 private:
  MappedFile(std::string path, std::byte* data, size_t size, int fd = -1);
  void Release();

  std::string path_;
  std::byte* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;     // a regular file's (holds the consumer's flock)
  int guard_ = -1;  // its slot in the SIGBUS guard, if any
};

}  // namespace pmdcon::io

#endif  // PMDCON_IO_MAPPED_FILE_H_
