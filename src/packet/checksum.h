// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Pure functions over bytes; 16 bytes per step with SSE2, else 8.
#ifndef PMDCON_PACKET_CHECKSUM_H_
#define PMDCON_PACKET_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace pmdcon::packet {

// One's-complement sum of `len` bytes (big-endian 16-bit words; an odd last
// byte is padded with zero) added to `sum`, not folded.
inline uint64_t SumBytes(const void* data, size_t len, uint64_t sum = 0) {
  const auto* p = static_cast<const uint8_t*>(data);
#ifdef __SSE2__
  // 16 bytes a step: the words are added as little-endian 32-bit lanes and
  // the folded total is byte-swapped, which the one's-complement sum allows
  // (RFC 1071, 2.B). At most 2^15 steps per round keep the lanes from
  // overflowing.
  while (len >= 16) {
    const __m128i zero = _mm_setzero_si128();
    __m128i acc = zero;
    for (size_t steps = 0; len >= 16 && steps < (1u << 15); ++steps) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      acc = _mm_add_epi32(acc, _mm_unpacklo_epi16(v, zero));
      acc = _mm_add_epi32(acc, _mm_unpackhi_epi16(v, zero));
      p += 16;
      len -= 16;
    }
    uint32_t lanes[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), acc);
    uint64_t le = uint64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
    while (le >> 16) le = (le & 0xffff) + (le >> 16);
    sum += __builtin_bswap16(static_cast<uint16_t>(le));
  }
#endif
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
