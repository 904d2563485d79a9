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
 * Unescapes [s, end) to w (w <= s: output never outgrows input) and returns
 * the bytes written. A malformed escape is kept as it is.
 */
static inline uint32_t pmdcon__ext_unescape(char* w, const char* s,
                                            const char* end) {
  char* w0 = w;

  while (s != end) {
    if (*s == '\\' && end - s >= 4 && s[1] == 'x' &&
        pmdcon__ext_hex(s[2]) >= 0 && pmdcon__ext_hex(s[3]) >= 0) {
      *w++ = (char)(pmdcon__ext_hex(s[2]) << 4 | pmdcon__ext_hex(s[3]));
      s += 4;
    } else {
      *w++ = *s++;
    }
  }
  return (uint32_t)(w - w0);
}

static inline const char* pmdcon__ext_find(const char* s, const char* end,
                                           char c) {
  while (s != end && *s != c) ++s;
  return s;
}

/*
 * Parses buf[0, len) in place (text and dict are unescaped over it). Returns
 * 0, or -EINVAL with *why naming the malformed part. A missing trailing
 * newline is accepted; lines that do not start with ' ' are ignored.
 */
static inline int pmdcon_ext_parse(char* buf, uint32_t len,
                                   struct pmdcon_ext* out, const char** why) {
  const char* end = buf + len;
  const char* semi = pmdcon__ext_find(buf, end, ';');
  const char* p = buf;
  const char* line;
  uint64_t prio, v;
  char* w;

  memset(out, 0, sizeof(*out));
  if (semi == end) {
    *why = "no ';' after the header";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &prio) || prio > 255 || *p++ != ',') {
    *why = "bad priority";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &out->meta.seq) || *p++ != ',') {
    *why = "bad sequence number";
    return -EINVAL;
  }
  if (!pmdcon__ext_u64(&p, semi, &out->meta.ts_usec) || *p++ != ',') {
    *why = "bad timestamp";
    return -EINVAL;
  }
  if (p == semi || (p + 1 != semi && p[1] != ',')) {
    *why = "bad flag";
    return -EINVAL;
  }
  out->meta.prio = (uint8_t)prio;
  if (*p == 'c') out->meta.flags |= PMDCON_REC_CONT;
  /* Optional fields: only caller= is known; others are skipped. */
  for (++p; p < semi; p = pmdcon__ext_find(p, semi, ',')) {
    const char* f = ++p;

    if (semi - f > 8 && !memcmp(f, "caller=", 7) &&
        (f[7] == 'T' || f[7] == 'C')) {
      p = f + 8;
      if (pmdcon__ext_u64(&p, semi, &v) && v <= 0x7fffffff &&
          (p == semi || *p == ',')) {
        out->meta.caller_id = (uint32_t)v | (f[7] == 'C' ? 0x80000000u : 0);
        out->meta.flags |= PMDCON_REC_CALLER;
      }
    }
  }

  line = semi + 1;
  p = pmdcon__ext_find(line, end, '\n');
  out->text = w = buf + (semi + 1 - buf);
  out->text_len = pmdcon__ext_unescape(w, line, p);
  w += out->text_len;
  out->dict = w;
  while (p != end) {
    line = p + 1;
    p = pmdcon__ext_find(line, end, '\n');
    if (line == p || *line != ' ') continue;
    if (w != out->dict) *w++ = '\0';
    w += pmdcon__ext_unescape(w, line + 1, p);
  }
  out->dict_len = (uint32_t)(w - out->dict);
  return 0;
}

#endif /* PMDCON_EXT_H_ */
