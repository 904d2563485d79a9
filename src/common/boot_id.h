// Boot identifiers: 16 bytes, shown as a UUID. A ring remembers the boot that
// wrote it, so records kept across a warm reboot are told apart.
#ifndef PMDCON_COMMON_BOOT_ID_H_
#define PMDCON_COMMON_BOOT_ID_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pmdcon {

using BootId = std::array<uint8_t, 16>;

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (one trailing newline allowed).
absl::StatusOr<BootId> ParseBootId(std::string_view text);
std::string FormatBootId(const BootId& id);

}  // namespace pmdcon

#endif  // PMDCON_COMMON_BOOT_ID_H_
