/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * Parser for printk's extended record text, the form both the extended
 * console (what a CON_EXTENDED console's write() or an nbcon console's
 * outbuf receives) and /dev/kmsg reads produce:
 *
 *   prio,seq,ts_usec,flag[,caller=T123|C4][,...];text\n[ KEY=VALUE\n]...
 *
 * with bytes < 0x20, >= 0x7f and '\\' in text and values written as \xNN.
 * Used by the kernel module's console and the appliance's kmsg source, so
 * both fill ring records the same way. No allocation, no I/O.
 *
 * Usage:
 *   struct pmdcon_ext ext;
 *   if (pmdcon_ext_parse(buf, len, &ext, &why) == 0)
 *     pmdcon_ring_write(ring, &ext.meta, ext.text, ext.text_len,
 *                       ext.dict, ext.dict_len);
 */
#ifndef PMDCON_EXT_H_
#define PMDCON_EXT_H_

#include "pmdcon/ring.h"

/* One parsed record; text and dict point into the caller's buffer. */
struct pmdcon_ext {
  struct pmdcon_rec meta; /* seq, ts_usec, prio, flags (CONT, CALLER) */
  char* text;             /* unescaped */
  uint32_t text_len;
  char* dict; /* unescaped, NUL-separated KEY=VALUE */
  uint32_t dict_len;
};

/* Parses decimal digits at *p (< end) into *out; 0 if none or overflow. */
static inline int pmdcon__ext_u64(const char** p, const char* end,
                                  uint64_t* out) {
  const char* s = *p;
  uint64_t v = 0;

  if (s == end || *s < '0' || *s > '9') return 0;
  for (; s != end && *s >= '0' && *s <= '9'; ++s) {
    uint64_t d = (uint64_t)(*s - '0');

    if (v > (~(uint64_t)0 - d) / 10) return 0;
    v = v * 10 + d;
  }
  *p = s;
  *out = v;
  return 1;
}

static inline int pmdcon__ext_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/*
 * Unescapes [s, end) to w (w <= s, or a separate buffer), writing at most
 * cap bytes; a malformed escape is kept as it is. Returns the bytes written;
 * *s is advanced past what was consumed.
 */
static inline uint32_t pmdcon_ext_unescape(char* w, const char** s,
                                           const char* end, uint32_t cap) {
  const char* r = *s;
  uint32_t n = 0;

  for (; r != end && n < cap; ++n) {
    if (*r == '\\' && end - r >= 4 && r[1] == 'x' &&
        pmdcon__ext_hex(r[2]) >= 0 && pmdcon__ext_hex(r[3]) >= 0) {
      w[n] = (char)(pmdcon__ext_hex(r[2]) << 4 | pmdcon__ext_hex(r[3]));
      r += 4;
    } else {
      w[n] = *r++;
    }
  }
  *s = r;
  return n;
}

static inline const char* pmdcon__ext_find(const char* s, const char* end,
                                           char c) {
  while (s != end && *s != c) ++s;
  return s;
}

/*
 * Parses the header of buf[0, len) into meta (seq, ts_usec, prio, flags CONT
 * and CALLER). Returns the offset of the body (after ';'), or -EINVAL with
 * *why naming the malformed part.
 */
static inline int32_t pmdcon_ext_header(const char* buf, uint32_t len,
                                        struct pmdcon_rec* meta,
                                        const char** why) {
  const char* end = buf + len;
  const char* semi = pmdcon__ext_find(buf, end, ';');
  const char* p = buf;
  uint64_t prio, v;

  memset(meta, 0, sizeof(*meta));
  if (len > 0x7fffffff) {
    *why = "record too long";
    return -EINVAL;
  }
  if (semi == end) {
    *why = "no ';' after the header";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &prio) || prio > 255 || *p++ != ',') {
    *why = "bad priority";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &meta->seq) || *p++ != ',') {
    *why = "bad sequence number";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &meta->ts_usec) || *p++ != ',') {
    *why = "bad timestamp";
    return -EINVAL;
  }
  if (p == semi || (p + 1 != semi && p[1] != ',')) {
    *why = "bad flag";
    return -EINVAL;
  }
  meta->prio = (uint8_t)prio;
  if (*p == 'c') meta->flags |= PMDCON_REC_CONT;
  /* Optional fields: only caller= is known; others are skipped. */
  for (++p; p < semi; p = pmdcon__ext_find(p, semi, ',')) {
    const char* f = ++p;

    if (semi - f > 8 && !memcmp(f, "caller=", 7) &&
        (f[7] == 'T' || f[7] == 'C')) {
      p = f + 8;
      if (pmdcon__ext_u64(&p, semi, &v) && v <= 0x7fffffff &&
          (p == semi || *p == ',')) {
        meta->caller_id = (uint32_t)v | (f[7] == 'C' ? 0x80000000u : 0);
        meta->flags |= PMDCON_REC_CALLER;
      }
    }
  }
  return (int32_t)(semi + 1 - buf);
}

/*
 * Unescapes the body [body, end) ("text\n[ KEY=VALUE\n]...") into out: the
 * text, then the dictionary as NUL-separated entries, at most cap bytes in
 * all (out may be body itself: output never outgrows input). Lines that do
 * not start with ' ' are ignored. Returns 1 if everything fit, else 0.
 */
static inline int pmdcon_ext_body(const char* body, const char* end, char* out,
                                  uint32_t cap, uint32_t* text_len,
                                  uint32_t* dict_len) {
  const char* p = pmdcon__ext_find(body, end, '\n');
  const char* r = body;
  uint32_t n = pmdcon_ext_unescape(out, &r, p, cap);
  uint32_t d = 0;
  int fit = r == p;

  *text_len = n;
  while (fit && p != end) {
    const char* line = p + 1;

    p = pmdcon__ext_find(line, end, '\n');
    if (line == p || *line != ' ') continue;
    if (d) {
      if (n + d == cap) {
        fit = 0;
        break;
      }
      out[n + d++] = '\0';
    }
    r = line + 1;
    d += pmdcon_ext_unescape(out + n + d, &r, p, cap - n - d);
    fit = r == p;
  }
  *dict_len = d;
  return fit;
}

/*
 * Parses buf[0, len) in place: text and dict are unescaped over the body.
 * Returns 0, or -EINVAL with *why naming the malformed part.
 */
static inline int pmdcon_ext_parse(char* buf, uint32_t len,
                                   struct pmdcon_ext* out, const char** why) {
  int32_t body = pmdcon_ext_header(buf, len, &out->meta, why);

  if (body < 0) return body;
  out->text = buf + body;
  pmdcon_ext_body(out->text, buf + len, out->text, len - (uint32_t)body,
                  &out->text_len, &out->dict_len);
  out->dict = out->text + out->text_len;
  return 0;
}

#endif /* PMDCON_EXT_H_ */
