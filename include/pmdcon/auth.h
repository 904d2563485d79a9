/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * pmdcon authenticated records and acknowledgements: a keyed MAC
 * (SipHash-2-4, 128-bit key, 64-bit tag) over every extended-format payload
 * and every ncrx response, carried as one more header field that netconsd,
 * ncrx and every other extended-format receiver skip (unknown "key=value").
 * Compiled unchanged in the kernel module (panic path: no allocation, no
 * locks) and in userspace. See docs/wire-format.md, "Authentication".
 *
 * A record payload "HDR;BODY" becomes
 * "HDR,ncmac=KK.BBBBBBBBBBBBBBBB.TTTTTTTTTTTTTTTT;BODY": KK the key id (hex), B
 * the sender's per-boot value, T the tag over boot (8 bytes, little endian) ||
 * the payload as it was before sealing. So the text, the seq, the fragment,
 * every header field and the boot are covered, and the receiver recomputes it
 * around the field. An ncrx response "ncrxN[ M]..." gets " ncmac=KK.B.T"
 * appended, the tag over boot || the response before it; B is the boot of the
 * records it answers.
 *
 *   struct pmdcon_auth_key k;                // id and 16 key bytes
 *   len = pmdcon_auth_seal(&k, boot, buf, len, cap);  // 0: no room / basic
 *   struct pmdcon_auth_field f;
 *   if (pmdcon_auth_find(buf, len, &f) == PMDCON_AUTH_OK &&
 *       pmdcon_auth_verify(&k, buf, len, &f)) ...
 */
#ifndef PMDCON_AUTH_H_
#define PMDCON_AUTH_H_

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <string.h>
#endif

#define PMDCON_AUTH_KEY_LEN 16u
/* ",ncmac=" + 2 + "." + 16 + "." + 16 */
#define PMDCON_AUTH_FIELD_LEN 43u
#define PMDCON_AUTH_TAG "ncmac="

/* A key and its id; the id travels, the key never does. */
struct pmdcon_auth_key {
  uint8_t id;
  uint8_t key[PMDCON_AUTH_KEY_LEN];
};

/* ---- SipHash-2-4, incremental ------------------------------------------ */

struct pmdcon_siphash {
  uint64_t v0, v1, v2, v3;
  uint64_t tail; /* up to 7 bytes not yet compressed, little endian */
  uint32_t ntail;
  uint32_t total; /* bytes fed (mod 256 is what counts) */
};

static inline uint64_t pmdcon__rotl64(uint64_t x, unsigned b) {
  return (x << b) | (x >> (64 - b));
}

static inline void pmdcon__sipround(struct pmdcon_siphash* s) {
  s->v0 += s->v1;
  s->v1 = pmdcon__rotl64(s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = pmdcon__rotl64(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = pmdcon__rotl64(s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = pmdcon__rotl64(s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = pmdcon__rotl64(s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = pmdcon__rotl64(s->v2, 32);
}

static inline uint64_t pmdcon__le64(const uint8_t* p) {
  uint64_t v = 0;
  unsigned i;

  for (i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static inline void pmdcon__sip_block(struct pmdcon_siphash* s, uint64_t m) {
  s->v3 ^= m;
  pmdcon__sipround(s);
  pmdcon__sipround(s);
  s->v0 ^= m;
}

static inline void pmdcon_siphash_init(struct pmdcon_siphash* s,
                                       const uint8_t key[16]) {
  const uint64_t k0 = pmdcon__le64(key), k1 = pmdcon__le64(key + 8);

  s->v0 = 0x736f6d6570736575ull ^ k0;
  s->v1 = 0x646f72616e646f6dull ^ k1;
  s->v2 = 0x6c7967656e657261ull ^ k0;
  s->v3 = 0x7465646279746573ull ^ k1;
  s->tail = 0;
  s->ntail = 0;
  s->total = 0;
}

static inline void pmdcon_siphash_update(struct pmdcon_siphash* s,
                                         const void* data, uint32_t len) {
  const uint8_t* p = (const uint8_t*)data;

  s->total += len;
  while (len && s->ntail) {
    s->tail |= (uint64_t)*p++ << (8 * s->ntail);
    len--;
    if (++s->ntail == 8) {
      pmdcon__sip_block(s, s->tail);
      s->tail = 0;
      s->ntail = 0;
    }
  }
  for (; len >= 8; len -= 8, p += 8) pmdcon__sip_block(s, pmdcon__le64(p));
  while (len--) s->tail |= (uint64_t)*p++ << (8 * s->ntail++);
}

static inline uint64_t pmdcon_siphash_final(struct pmdcon_siphash* s) {
  pmdcon__sip_block(s, s->tail | ((uint64_t)(s->total & 0xff) << 56));
  s->v2 ^= 0xff;
  pmdcon__sipround(s);
  pmdcon__sipround(s);
  pmdcon__sipround(s);
  pmdcon__sipround(s);
  return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* ---- the field ---------------------------------------------------------- */

/* Writes v's low `digits` nibbles (an even number) as lowercase hex. */
static inline void pmdcon__hex(char* out, uint64_t v, unsigned digits) {
  static const char hex[] = "0123456789abcdef";

  while (digits) {
    const unsigned b = (unsigned)(v & 0xff);

    out[--digits] = hex[b & 15];
    out[--digits] = hex[b >> 4];
    v >>= 8;
  }
}

/* Parses `digits` lowercase hex digits; -1 on anything else. */
static inline int pmdcon_unhex(const char* p, unsigned digits, uint64_t* v) {
  *v = 0;
  while (digits--) {
    char c = *p++;
    unsigned d;

    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (unsigned)(c - 'a' + 10);
    else
      return -1;
    *v = (*v << 4) | d;
  }
  return 0;
}

static inline uint64_t pmdcon__auth_tag(const struct pmdcon_auth_key* k,
                                        uint64_t boot, const char* a,
                                        uint32_t alen, const char* b,
                                        uint32_t blen) {
  struct pmdcon_siphash s;
  uint8_t le[8];
  unsigned i;

  for (i = 0; i < 8; i++) le[i] = (uint8_t)(boot >> (8 * i));
  pmdcon_siphash_init(&s, k->key);
  pmdcon_siphash_update(&s, le, 8);
  pmdcon_siphash_update(&s, a, alen);
  pmdcon_siphash_update(&s, b, blen);
  return pmdcon_siphash_final(&s);
}

/* Writes ",ncmac=KK.B.T" (PMDCON_AUTH_FIELD_LEN bytes) into out. */
static inline void pmdcon__auth_field(char* out, uint8_t id, uint64_t boot,
                                      uint64_t tag) {
  memcpy(out, "," PMDCON_AUTH_TAG, 7);
  pmdcon__hex(out + 7, id, 2);
  out[9] = '.';
  pmdcon__hex(out + 10, boot, 16);
  out[26] = '.';
  pmdcon__hex(out + 27, tag, 16);
}

/*
 * Seals an extended-format record payload of len bytes in buf (room for
 * cap): the field goes in before the first ';'. Returns the new length,
 * 0 if it would not fit in cap or buf holds no ';' (a basic-format
 * payload, which has no header to carry it).
 */
static inline uint32_t pmdcon_auth_seal(const struct pmdcon_auth_key* k,
                                        uint64_t boot, char* buf, uint32_t len,
                                        uint32_t cap) {
  const char* semi = (const char*)memchr(buf, ';', len);
  uint32_t h;
  uint64_t tag;

  if (!semi || len + PMDCON_AUTH_FIELD_LEN > cap) return 0;
  h = (uint32_t)(semi - buf);
  tag = pmdcon__auth_tag(k, boot, buf, len, 0, 0);
  memmove(buf + h + PMDCON_AUTH_FIELD_LEN, buf + h, len - h);
  pmdcon__auth_field(buf + h, k->id, boot, tag);
  return len + PMDCON_AUTH_FIELD_LEN;
}

/*
 * Appends " ncmac=KK.B.T" to an ncrx response of len bytes in buf (room for
 * cap; the field's ',' becomes ' ', a token ncrx's senders never parse).
 * Returns the new length, 0 if it does not fit.
 */
static inline uint32_t pmdcon_auth_seal_ack(const struct pmdcon_auth_key* k,
                                            uint64_t boot, char* buf,
                                            uint32_t len, uint32_t cap) {
  uint64_t tag;

  if (len + PMDCON_AUTH_FIELD_LEN > cap) return 0;
  tag = pmdcon__auth_tag(k, boot, buf, len, 0, 0);
  pmdcon__auth_field(buf + len, k->id, boot, tag);
  buf[len] = ' ';
  return len + PMDCON_AUTH_FIELD_LEN;
}

enum pmdcon_auth_result {
  PMDCON_AUTH_OK = 0,
  PMDCON_AUTH_NONE,      /* no field: an unauthenticated datagram */
  PMDCON_AUTH_MALFORMED, /* a field, but not KK.B.T in lowercase hex, or two */
};

/* Where the field is in a datagram, and what it says. */
struct pmdcon_auth_field {
  uint32_t off; /* of the ',' (record) or ' ' (response) before "ncmac=" */
  uint8_t id;
  uint64_t boot;
  uint64_t tag;
};

/*
 * Finds the field: in a record's header (before the first ';'), or as the
 * last token of an ncrx response (a datagram starting "ncrx"). Only the
 * header is searched, so text that mentions ncmac= is just text.
 */
static inline enum pmdcon_auth_result pmdcon_auth_find(
    const char* buf, uint32_t len, struct pmdcon_auth_field* f) {
  const char* semi = (const char*)memchr(buf, ';', len);
  uint32_t end, i, found = 0;
  uint64_t id;

  if (len >= 4 && !memcmp(buf, "ncrx", 4)) {
    if (len < PMDCON_AUTH_FIELD_LEN + 5) return PMDCON_AUTH_NONE;
    i = len - PMDCON_AUTH_FIELD_LEN;
    if (buf[i] != ' ' || memcmp(buf + i + 1, PMDCON_AUTH_TAG, 6))
      return PMDCON_AUTH_NONE;
    f->off = i;
    found = 1;
  } else {
    end = semi ? (uint32_t)(semi - buf) : 0;
    for (i = 0; i + 7 <= end; i++) {
      if (buf[i] == ',' && !memcmp(buf + i + 1, PMDCON_AUTH_TAG, 6)) {
        if (found++) return PMDCON_AUTH_MALFORMED;
        f->off = i;
      }
    }
    if (!found) return PMDCON_AUTH_NONE;
    if (f->off + PMDCON_AUTH_FIELD_LEN != end) return PMDCON_AUTH_MALFORMED;
  }
  i = f->off;
  if (buf[i + 9] != '.' || buf[i + 26] != '.' ||
      pmdcon_unhex(buf + i + 7, 2, &id) ||
      pmdcon_unhex(buf + i + 10, 16, &f->boot) ||
      pmdcon_unhex(buf + i + 27, 16, &f->tag))
    return PMDCON_AUTH_MALFORMED;
  f->id = (uint8_t)id;
  return PMDCON_AUTH_OK;
}

/* Whether f's tag is k's over the datagram without the field. Constant
 * time in the tag (no early exit on the first differing bit). */
static inline int pmdcon_auth_verify(const struct pmdcon_auth_key* k,
                                     const char* buf, uint32_t len,
                                     const struct pmdcon_auth_field* f) {
  const uint32_t after = f->off + PMDCON_AUTH_FIELD_LEN;
  const uint64_t tag =
      pmdcon__auth_tag(k, f->boot, buf, f->off, buf + after, len - after);

  return k->id == f->id && (tag ^ f->tag) == 0;
}

/* The length of the datagram without the field (what a receiver that
 * strips it passes on: byte for byte the unauthenticated payload). */
static inline uint32_t pmdcon_auth_strip(char* buf, uint32_t len,
                                         const struct pmdcon_auth_field* f) {
  const uint32_t after = f->off + PMDCON_AUTH_FIELD_LEN;

  memmove(buf + f->off, buf + after, len - after);
  return len - PMDCON_AUTH_FIELD_LEN;
}

#endif /* PMDCON_AUTH_H_ */
