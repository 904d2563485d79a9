/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * Text helpers of the wire codec that userspace uses too: which bytes
 * printk's extended format escapes (\xNN), how long a run needs none, and
 * fast decimal formatting. Compiled unchanged in the kernel module.
 *
 *   n = pmdcon_clean_run(p, len);      // bytes before the first to escape
 *   n = pmdcon_utoa(out, v);           // out: room for 20 bytes, always
 */
#ifndef PMDCON_TEXT_H_
#define PMDCON_TEXT_H_

#include "pmdcon/ring.h"

#if defined(__SSE2__) && !defined(__KERNEL__)
#include <emmintrin.h>
#define PMDCON__SSE2 1
#endif

static inline int pmdcon_needs_escape(uint8_t c) {
  return c < 0x20 || c >= 0x7f || c == '\\';
}

#ifdef PMDCON__SSE2
/* Bit k set: p[k] needs escaping, for 16 bytes. As signed bytes, "< 0x20"
 * also catches every byte >= 0x80. */
static inline unsigned pmdcon__dirty16(const uint8_t* p) {
  __m128i x = _mm_loadu_si128(PMDCON_CAST(const __m128i*, p));
  __m128i bad =
      _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)),
                                _mm_cmpeq_epi8(x, _mm_set1_epi8(0x5c))));

  return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/*
 * Length of the leading run of p[0..len) that needs no escaping, 8 bytes at a
 * time: a word is clean unless a byte is < 0x20, > 0x7e or '\\' (the "has
 * less than", "has more than" and "has zero byte" word tests are exact for
 * "any byte").
 */
static inline uint32_t pmdcon_clean_run(const uint8_t* p, uint32_t len) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint32_t i = 0;

#ifdef PMDCON__SSE2
  /* Userspace: 16 bytes a step, then the tail as the last 16 bytes minus
   * those already checked. */
  for (; i + 16 <= len; i += 16) {
    unsigned m = pmdcon__dirty16(p + i);

    if (m) return i + (uint32_t)__builtin_ctz(m);
  }
  if (i < len && len >= 16) {
    unsigned m = pmdcon__dirty16(p + len - 16) >> (i - (len - 16));

    return m ? i + (uint32_t)__builtin_ctz(m) : len;
  }
#endif
  for (; i + 8 <= len; i += 8) {
    uint64_t x, bsl;

    memcpy(&x, p + i, 8);
    bsl = x ^ (ones * 0x5c);
    /* any byte < 0x20 | any byte > 0x7e | any byte == '\\' */
    if (((x - ones * 0x20) & ~x & highs) | (((x + ones) | x) & highs) |
        ((bsl - ones) & ~bsl & highs))
      break;
  }
  while (i < len && !pmdcon_needs_escape(p[i])) i++;
  return i;
}

/*
 * The 8 decimal digits of v < 10^8, leading zeros included, as the bytes of
 * a word in little-endian order (byte 0: the most significant digit), not
 * yet ASCII. SWAR: the halves v / 10^4 and v % 10^4 sit in 32-bit lanes and
 * are split into 16-bit lanes (/100), then 8-bit ones (/10), with
 * multiply-shift divisions exact for these ranges (y < 10^4: y * 10486 >>
 * 20; y < 100: y * 103 >> 10). No lane's product reaches the next lane.
 */
static inline uint64_t pmdcon__digits8(uint32_t v) {
  uint64_t x = (v / 10000) | ((uint64_t)(v % 10000) << 32);
  uint64_t q = ((x * 10486) >> 20) & 0x0000007f0000007full;

  x = q | ((x - q * 100) << 16);
  q = ((x * 103) >> 10) & 0x000f000f000f000full;
  return q | ((x - q * 10) << 8);
}

/* Stores 8 digit bytes (pmdcon__digits8 order) at out as ASCII. */
static inline void pmdcon__store8(char* out, uint64_t digits) {
  digits |= 0x3030303030303030ull;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  digits = __builtin_bswap64(digits);
#endif
  memcpy(out, &digits, 8);
}

/* Exactly 8 digits of v < 10^8. */
static inline void pmdcon__put8(char* out, uint32_t v) {
  pmdcon__store8(out, pmdcon__digits8(v));
}

/* Decimal digits of v < 10^8 at out; returns the count. Always stores 8
 * bytes: those after the digits are scratch for the caller to overwrite. */
static inline uint32_t pmdcon__utoa8(char* out, uint32_t v) {
  uint64_t d = pmdcon__digits8(v);
  /* Leading zero digits are the low zero bytes (v == 0 keeps one). */
  uint32_t zeros = v ? (uint32_t)__builtin_ctzll(d) / 8 : 7;

  pmdcon__store8(out, d >> (8 * zeros));
  return 8 - zeros;
}

/* Decimal digits of v into out (no NUL); returns the count. Every record
 * formats ~40 digits (seq, timestamp, msgid...). out must have room for 20
 * bytes (the longest uint64) whatever v is: blocks of 8 are stored whole. */
static inline uint32_t pmdcon_utoa(char* out, uint64_t v) {
  uint32_t n;

  if (v < 10) { /* priorities, CPUs: one digit */
    out[0] = (char)('0' + v);
    return 1;
  }
  if (v < 100000000u) return pmdcon__utoa8(out, (uint32_t)v);
  if (v < 10000000000000000ull) {
    n = pmdcon__utoa8(out, (uint32_t)(v / 100000000u));
  } else {
    n = pmdcon__utoa8(out, (uint32_t)(v / 10000000000000000ull));
    pmdcon__put8(out + n, (uint32_t)(v / 100000000u % 100000000u));
    n += 8;
  }
  pmdcon__put8(out + n, (uint32_t)(v % 100000000u));
  return n + 8;
}

#endif /* PMDCON_TEXT_H_ */
