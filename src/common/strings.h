// Debian builds Abseil with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a distinct type: convert explicitly at the boundary.
#ifndef PMDCON_COMMON_STRINGS_H_
#define PMDCON_COMMON_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace pmdcon {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace pmdcon

#endif  // PMDCON_COMMON_STRINGS_H_
