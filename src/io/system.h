// Facts read from the running system.
#ifndef PMDCON_IO_SYSTEM_H_
#define PMDCON_IO_SYSTEM_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/boot_id.h"

namespace pmdcon::io {

// A small text file (/proc, /sys) whole.
absl::StatusOr<std::string> ReadText(const std::string& path);

// A file a user names (a configuration, a flag file) whole, if it is a
// regular file of at most 1 MiB: not a directory, nor a device or a pipe
// that reads forever. Errors name the path and call it a `kind` ("flag
// file").
absl::StatusOr<std::string> ReadUserFile(const std::string& path,
                                         std::string_view kind);

// A key file (authenticated records) whole, if ReadUserFile takes it and
// neither its group nor others may read or write it: keys never leak
// through a mode. Errors name the path and say which mode would do.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

absl::StatusOr<BootId> ReadBootId(
    const std::string& path = "/proc/sys/kernel/random/boot_id");

// 64 random bits from the kernel (getrandom).
absl::StatusOr<uint64_t> RandomU64();

// CLOCK_MONOTONIC in microseconds, the clock printk timestamps use.
uint64_t MonotonicUsec();

// CLOCK_REALTIME in microseconds since the UNIX epoch.
uint64_t RealtimeUsec();

// This process's resident memory now, in bytes.
absl::StatusOr<uint64_t> ResidentBytes();

}  // namespace pmdcon::io

#endif  // PMDCON_IO_SYSTEM_H_
