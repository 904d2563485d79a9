#include "common/boot_id.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pmdcon {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDashColumn(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

absl::StatusOr<BootId> ParseBootId(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.size() != 36) {
    return absl::InvalidArgumentError(
        absl::StrCat("boot id: expected a 36-character UUID, got ", text.size(),
                     " characters"));
  }
  BootId id{};
  size_t nibble = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int v =
        IsDashColumn(i) ? (text[i] == '-' ? 0 : -1) : HexValue(text[i]);
    if (v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("boot id: unexpected character at column ", i + 1));
    }
    if (IsDashColumn(i)) continue;
    id[nibble / 2] = static_cast<uint8_t>(id[nibble / 2] << 4 | v);
    ++nibble;
  }
  return id;
}

std::string FormatBootId(const BootId& id) {
  std::string s;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    absl::StrAppendFormat(&s, "%02x", id[i]);
  }
  return s;
}

}  // namespace pmdcon
