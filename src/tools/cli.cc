#include "tools/cli.h"

#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pmdcon::tools {

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  uint64_t mult = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (digits.empty() || !absl::SimpleAtoi(std::string(digits), &n) ||
      n > UINT64_MAX / mult) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad size \"", std::string(text),
                     "\" (expected e.g. 65536, 64K, 16M)"));
  }
  return n * mult;
}

void ParseFlags(int argc, char** argv, std::string_view tool,
                const char* usage) {
  absl::SetProgramUsageMessage(usage);
  const auto extra = absl::ParseCommandLine(argc, argv);
  if (extra.size() > 1) {
    Die(tool,
        absl::InvalidArgumentError(
            absl::StrCat("unexpected argument \"", extra[1], "\"")),
        2);
  }
}

void Die(std::string_view tool, const absl::Status& status, int code) {
  std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(tool.size()),
               tool.data(), static_cast<int>(status.message().size()),
               status.message().data());
  std::exit(code);
}

}  // namespace pmdcon::tools
