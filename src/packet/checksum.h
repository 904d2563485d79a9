// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Pure functions over bytes; 32 bytes per step with SSE2, else 8.
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
  // 32 bytes a step into two accumulators: the words are added as
  // little-endian 32-bit lanes and the folded total is byte-swapped, which
  // the one's-complement sum allows (RFC 1071, 2.B). A round of at most 2^15
  // 16-byte blocks adds at most 2^15 words to a lane of each accumulator, so
  // their sum cannot overflow.
  while (len >= 16) {
    const __m128i zero = _mm_setzero_si128();
    size_t blocks = len / 16 < (size_t{1} << 15) ? len / 16 : size_t{1} << 15;
    len -= blocks * 16;
    __m128i lo = zero, hi = zero;
    for (; blocks >= 2; blocks -= 2, p += 32) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i b =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(a, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(a, zero));
      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(b, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(b, zero));
    }
    if (blocks) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(a, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(a, zero));
      p += 16;
    }
    uint32_t lanes[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi32(lo, hi));
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
