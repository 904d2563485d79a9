// The command line of every pmdcon binary: flags, sizes and fatal errors.
#ifndef PMDCON_CLI_FLAGS_H_
#define PMDCON_CLI_FLAGS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pmdcon::cli {

// "4096", "64K", "16M", "1G" (powers of 1024).
absl::StatusOr<uint64_t> ParseSize(std::string_view text);

// Parses the tool's flags (--name=value, --name value, --bool, --nobool;
// a dash in a name stands for an underscore: --check-config).
// A list flag given twice adds to its list; --flagfile=FILE reads flags from
// a file, one per line (dashes optional, '#' comments), in its place among
// the others. --help prints `usage` and the tool's own flags, and exits 0;
// an unknown flag, a bad value or a stray argument is a usage error: a
// message that names it (and the file's line), and exit 2.
void ParseFlags(int argc, char** argv, std::string_view tool,
                const char* usage);

// Prints "<tool>: <message>" to stderr and exits with `code` (2 for usage).
// A message about a flag ("--format: ...") whose value came from a flag
// file is prefixed with that file and line.
[[noreturn]] void Die(std::string_view tool, const absl::Status& status,
                      int code = 1);

}  // namespace pmdcon::cli

#endif  // PMDCON_CLI_FLAGS_H_
