/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * Ethernet + IPv4/IPv6 + UDP framing of netconsole payloads, and the Internet
 * checksum (RFC 1071), as upstream netconsole frames them: IPv4 TOS 0, TTL 64,
 * no DF, the ID from one counter the caller keeps; IPv6 traffic class and
 * flow label 0, hop limit 32; the UDP checksum always, a computed 0 sent as
 * 0xffff. Compiled unchanged in the kernel module (the netpoll fallback) and
 * in the appliance (src/packet wraps it), so the two paths build the same
 * frames. Pure: no allocation, no I/O.
 *
 * Usage:
 *   struct pmdcon_frame f;
 *   pmdcon_frame_init(&f, &endpoints);             // once per target
 *   len = pmdcon_frame_build(&f, buf, payload_len, ip_id, 0);
 *   // buf + f.hdr_len held the payload; buf[0, len) is the whole frame
 */
#ifndef PMDCON_FRAME_H_
#define PMDCON_FRAME_H_

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

#if defined(__SSE2__) && !defined(__KERNEL__)
#include <emmintrin.h>
#define PMDCON__FRAME_SSE2 1
#endif

#define PMDCON_FRAME_ETH 14u
#define PMDCON_FRAME_IPV4 20u
#define PMDCON_FRAME_IPV6 40u
#define PMDCON_FRAME_UDP 8u
#define PMDCON_FRAME_HDR_MAX \
  (PMDCON_FRAME_ETH + PMDCON_FRAME_IPV6 + PMDCON_FRAME_UDP)

/* pmdcon_frame_build flags: the NIC computes these checksums. The fields are
 * then left as NICs expect: IPv4 header checksum 0, UDP checksum the folded
 * pseudo-header sum, not complemented. */
#define PMDCON_FRAME_OFFLOAD_IP 0x1u
#define PMDCON_FRAME_OFFLOAD_UDP 0x2u

/* One target's addresses. Written once by whoever sets the target up. */
struct pmdcon_frame_endpoints {
  uint8_t src_mac[6];
  uint8_t dst_mac[6];
  uint8_t family;     /* 4 or 6; both addresses are of this family */
  uint8_t src_ip[16]; /* network order; IPv4 in the first 4 bytes */
  uint8_t dst_ip[16];
  uint16_t src_port; /* host order */
  uint16_t dst_port;
};

/* A target's prepared headers; read-only while frames are built. */
struct pmdcon_frame {
  uint8_t tmpl[PMDCON_FRAME_HDR_MAX]; /* headers, per-packet fields zero */
  uint8_t ipv6;
  uint8_t hdr_len;     /* bytes before the payload: 42 or 62 */
  uint64_t pseudo_sum; /* addresses, protocol, ports: the constant part */
  uint64_t ipv4_sum;   /* IPv4 header without length, ID and checksum */
};

/* ------------------------------------------------------------------------ */

/*
 * One's-complement sum of len bytes (big-endian 16-bit words; an odd last
 * byte padded with zero) added to sum, not folded.
 */
static inline uint64_t pmdcon_csum_add(const void* data, size_t len,
                                       uint64_t sum) {
  const uint8_t* p = (const uint8_t*)data;

#ifdef PMDCON__FRAME_SSE2
  /*
   * 32 bytes a step into two accumulators: the words are added as
   * little-endian 32-bit lanes and the folded total is byte-swapped, which
   * the one's-complement sum allows (RFC 1071, 2.B). A round of at most 2^15
   * 16-byte blocks adds at most 2^15 words to a lane of each accumulator, so
   * their sum cannot overflow.
   */
  while (len >= 16) {
    const __m128i zero = _mm_setzero_si128();
    size_t blocks = len / 16 < ((size_t)1 << 15) ? len / 16 : (size_t)1 << 15;
    __m128i lo = zero, hi = zero;
    uint32_t lanes[4];
    uint64_t le;

    len -= blocks * 16;
    for (; blocks >= 2; blocks -= 2, p += 32) {
      const __m128i a = _mm_loadu_si128((const __m128i*)p);
      const __m128i b = _mm_loadu_si128((const __m128i*)(p + 16));

      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(a, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(a, zero));
      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(b, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(b, zero));
    }
    if (blocks) {
      const __m128i a = _mm_loadu_si128((const __m128i*)p);

      lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(a, zero));
      hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(a, zero));
      p += 16;
    }
    _mm_storeu_si128((__m128i*)lanes, _mm_add_epi32(lo, hi));
    le = (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
    while (le >> 16) le = (le & 0xffff) + (le >> 16);
    sum += __builtin_bswap16((uint16_t)le);
  }
#endif
  /* 32-bit big-endian halves of each 8-byte word; carries stay in the upper
   * bits of the 64-bit accumulator until the fold. */
  while (len >= 8) {
    uint64_t w;

    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    sum += (w >> 32) + (w & 0xffffffffu);
    p += 8;
    len -= 8;
  }
  while (len >= 2) {
    sum += (uint64_t)(p[0] << 8 | p[1]);
    p += 2;
    len -= 2;
  }
  if (len) sum += (uint64_t)(p[0] << 8);
  return sum;
}

/* Folds a sum to 16 bits and complements it: the checksum field's value. */
static inline uint16_t pmdcon_csum_fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)(~sum & 0xffff);
}

static inline void pmdcon__put16(uint8_t* p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Prepares the headers of target e. */
static inline void pmdcon_frame_init(struct pmdcon_frame* f,
                                     const struct pmdcon_frame_endpoints* e) {
  uint8_t *p = f->tmpl, *ip = p + PMDCON_FRAME_ETH, *udp;
  uint32_t alen;

  memset(f, 0, sizeof(*f));
  f->ipv6 = e->family == 6;
  alen = f->ipv6 ? 16 : 4;
  memcpy(p, e->dst_mac, 6);
  memcpy(p + 6, e->src_mac, 6);
  pmdcon__put16(p + 12, f->ipv6 ? 0x86dd : 0x0800);
  if (f->ipv6) {
    ip[0] = 0x60; /* version 6, traffic class 0, flow label 0 */
    ip[6] = 17;   /* next header: UDP */
    ip[7] = 32;   /* hop limit, as netconsole */
    memcpy(ip + 8, e->src_ip, 16);
    memcpy(ip + 24, e->dst_ip, 16);
    udp = ip + PMDCON_FRAME_IPV6;
  } else {
    ip[0] = 0x45; /* version 4, 20-byte header; TOS 0; no DF */
    ip[8] = 64;   /* TTL */
    ip[9] = 17;   /* UDP */
    memcpy(ip + 12, e->src_ip, 4);
    memcpy(ip + 16, e->dst_ip, 4);
    f->ipv4_sum = pmdcon_csum_add(ip, PMDCON_FRAME_IPV4, 0);
    udp = ip + PMDCON_FRAME_IPV4;
  }
  pmdcon__put16(udp, e->src_port);
  pmdcon__put16(udp + 2, e->dst_port);
  f->hdr_len = (uint8_t)(udp + PMDCON_FRAME_UDP - p);
  f->pseudo_sum = pmdcon_csum_add(e->src_ip, alen, 0) +
                  pmdcon_csum_add(e->dst_ip, alen, 0) + 17 +
                  pmdcon_csum_add(udp, 4, 0); /* the ports */
}

/* A new destination MAC (after ARP/NDP resolution). */
static inline void pmdcon_frame_set_dst_mac(struct pmdcon_frame* f,
                                            const uint8_t mac[6]) {
  memcpy(f->tmpl, mac, 6);
}

/*
 * Writes the headers in front of the payload_len bytes of payload already at
 * frame + f->hdr_len, with IPv4 ID ip_id (unused for IPv6) and the checksums
 * unless flags offload them. Returns the frame's length.
 */
static inline uint32_t pmdcon_frame_build(const struct pmdcon_frame* f,
                                          uint8_t* frame, uint32_t payload_len,
                                          uint16_t ip_id, unsigned flags) {
  uint8_t *ip = frame + PMDCON_FRAME_ETH, *udp;
  uint16_t udp_len = (uint16_t)(PMDCON_FRAME_UDP + payload_len);
  uint64_t sum;

  /* Two constant sizes: inlined moves, not a memcpy call per packet. */
  if (f->ipv6) {
    memcpy(frame, f->tmpl,
           PMDCON_FRAME_ETH + PMDCON_FRAME_IPV6 + PMDCON_FRAME_UDP);
    pmdcon__put16(ip + 4, udp_len);
    udp = ip + PMDCON_FRAME_IPV6;
  } else {
    uint16_t ip_len = (uint16_t)(PMDCON_FRAME_IPV4 + udp_len);

    memcpy(frame, f->tmpl,
           PMDCON_FRAME_ETH + PMDCON_FRAME_IPV4 + PMDCON_FRAME_UDP);
    pmdcon__put16(ip + 2, ip_len);
    pmdcon__put16(ip + 4, ip_id);
    pmdcon__put16(ip + 10,
                  (flags & PMDCON_FRAME_OFFLOAD_IP)
                      ? 0
                      : pmdcon_csum_fold(f->ipv4_sum + ip_len + ip_id));
    udp = ip + PMDCON_FRAME_IPV4;
  }
  pmdcon__put16(udp + 4, udp_len);
  if (flags & PMDCON_FRAME_OFFLOAD_UDP) {
    /* The pseudo-header alone: addresses, protocol and length. */
    sum = f->pseudo_sum - pmdcon_csum_add(udp, 4, 0) + udp_len;
    pmdcon__put16(udp + 6, (uint16_t)~pmdcon_csum_fold(sum));
  } else {
    uint16_t c;

    /* The UDP length counts twice: in the pseudo-header and the header. */
    sum = f->pseudo_sum + 2u * udp_len;
    c = pmdcon_csum_fold(
        pmdcon_csum_add(udp + PMDCON_FRAME_UDP, payload_len, sum));
    pmdcon__put16(udp + 6, c == 0 ? 0xffff : c); /* 0 means "none" */
  }
  return f->hdr_len + payload_len;
}

#endif /* PMDCON_FRAME_H_ */
