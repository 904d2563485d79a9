// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Pure functions over bytes; 8 bytes per step.
#ifndef PMDCON_PACKET_CHECKSUM_H_
#define PMDCON_PACKET_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pmdcon::packet {

// One's-complement sum of `len` bytes (big-endian 16-bit words; an odd last
// byte is padded with zero) added to `sum`, not folded.
inline uint64_t SumBytes(const void* data, size_t len, uint64_t sum = 0) {
  const auto* p = static_cast<const uint8_t*>(data);
  // Sum 32-bit big-endian halves of each 8-byte word; carries stay in the
  // upper bits of the 64-bit accumulator until the fold.
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w = __builtin_bswap64(w);
    sum += (w >> 32) + (w & 0xffffffffu);
    p += 8;
    len -= 8;
  }
  while (len >= 2) {
    sum += static_cast<uint64_t>(p[0] << 8 | p[1]);
    p += 2;
    len -= 2;
  }
  if (len) sum += static_cast<uint64_t>(p[0] << 8);
  return sum;
}

// Folds a sum to 16 bits and complements it: the checksum field's value.
inline uint16_t Fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

inline uint16_t Checksum(const void* data, size_t len, uint64_t sum = 0) {
  return Fold(SumBytes(data, len, sum));
}

}  // namespace pmdcon::packet

#endif  // PMDCON_PACKET_CHECKSUM_H_
