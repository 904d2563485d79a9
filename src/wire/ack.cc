#include "wire/ack.h"

#include <cstring>

#include "wire/decoder.h"

namespace pmdcon::wire {

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

namespace {

// Decimal digits of v at out; returns their count.
size_t PutDecimal(uint64_t v, char* out) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return n;
}

}  // namespace

size_t FormatAck(uint64_t acked, std::span<const uint64_t> missing, char* out) {
  std::memcpy(out, "ncrx", 4);
  size_t len = 4 + PutDecimal(acked, out + 4);
  for (const uint64_t seq : missing) {
    char token[21];
    token[0] = ' ';
    const size_t n = 1 + PutDecimal(seq, token + 1);
    if (len + n > kAckMax) break;
    std::memcpy(out + len, token, n);
    len += n;
  }
  return len;
}

}  // namespace pmdcon::wire
