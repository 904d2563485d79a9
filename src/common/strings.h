// String helpers every layer uses. Debian builds Abseil with
// ABSL_OPTION_USE_STD_STRING_VIEW=0, so absl::string_view is a distinct
// type: AsAbsl converts explicitly at the boundary.
#ifndef PMDCON_COMMON_STRINGS_H_
#define PMDCON_COMMON_STRINGS_H_

#include <cstdint>
#include <string_view>

#include "absl/strings/string_view.h"

namespace pmdcon {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Plain decimal, no sign, no spaces, no leading '+', at most 20 digits;
// false if empty, not digits, or beyond UINT64_MAX.
inline bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    // 19 digits always fit; only a 20th can overflow.
    if (s.size() == 20 && v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace pmdcon

#endif  // PMDCON_COMMON_STRINGS_H_
