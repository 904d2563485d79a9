#include "reliable/ack.h"

#include <algorithm>
#include <cstring>

#include "common/strings.h"
#include "pmdcon/text.h"

namespace pmdcon::reliable {

std::string_view AckErrorName(AckError e) {
  switch (e) {
    case AckError::kNone:
      return "none";
    case AckError::kTooLong:
      return "longer than 1000 bytes";
    case AckError::kNotNcrx:
      return "not an ncrx response";
    case AckError::kBadNumber:
      return "a token that is not a seq";
  }
  return "?";
}

AckError ParseAck(std::string_view d, Ack* out) {
  if (d.size() > kAckMax) return AckError::kTooLong;
  if (!d.empty() && d.back() == '\n') d.remove_suffix(1);
  if (d.substr(0, 4) != "ncrx") return AckError::kNotNcrx;
  d.remove_prefix(4);
  out->missing_count = 0;
  bool first = true;
  while (true) {
    const size_t space = d.find(' ');
    const std::string_view token = d.substr(0, space);
    uint64_t seq = 0;
    if (!ParseDecimal(token, &seq)) return AckError::kBadNumber;
    if (first) {
      out->acked = seq;
      first = false;
    } else if (out->missing_count < kAckMaxMissing) {
      out->missing[out->missing_count++] = seq;
    }
    if (space == std::string_view::npos) return AckError::kNone;
    d.remove_prefix(space + 1);
  }
}

size_t FormatAck(uint64_t acked, std::span<const uint64_t> missing, char* out,
                 size_t* written, size_t limit) {
  limit = std::min(limit, kAckMax);
  if (written) *written = 0;
  std::memcpy(out, "ncrx", 4);
  size_t len = 4 + pmdcon_utoa(out + 4, acked);
  if (len > limit) return 0;
  size_t n = 0;
  for (; n < missing.size(); ++n) {
    char token[1 + 24];  // pmdcon_utoa stores 8-byte blocks whole
    token[0] = ' ';
    const size_t t = 1 + pmdcon_utoa(token + 1, missing[n]);
    if (len + t > limit) break;
    std::memcpy(out + len, token, t);
    len += t;
  }
  if (written) *written = n;
  return len;
}

}  // namespace pmdcon::reliable
