/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * pmdcon wire codec, encoder side: ring record -> netconsole UDP payloads,
 * byte for byte what upstream drivers/net/netconsole.c sends for the same
 * record and settings (extended or basic, release prepend, userdata, sysdata,
 * ncfrag fragmentation). Compiled unchanged in the kernel module (panic path)
 * and in the appliance, so the two paths cannot drift. No allocation, no I/O:
 * payloads are written into caller buffers. See docs/wire-format.md.
 *
 * Usage:
 *   struct pmdcon_wire_enc e;
 *   pmdcon_wire_begin(&e, &target, &msgid, rec, text, dict);
 *   while ((len = pmdcon_wire_next(&e, buf)) != 0)   // buf: 1000 bytes
 *     send(buf, len);
 */
#ifndef PMDCON_WIRE_H_
#define PMDCON_WIRE_H_

#include "pmdcon/ring.h"

#if defined(__SSE2__) && !defined(__KERNEL__)
#include <emmintrin.h>
#define PMDCON__SSE2 1
#endif

#define PMDCON_WIRE_CHUNK 1000u     /* MAX_PRINT_CHUNK: largest UDP payload */
#define PMDCON_WIRE_RELEASE_MAX 64u /* __NEW_UTS_LEN */
#define PMDCON_WIRE_USERDATA_KEYS 256u
#define PMDCON_WIRE_USERDATA_KEY_MAX 53u
#define PMDCON_WIRE_USERDATA_VALUE_MAX 200u

/* Sysdata fields (appended in this order when enabled). */
#define PMDCON_SYSDATA_CPU 0x1u
#define PMDCON_SYSDATA_TASKNAME 0x2u
#define PMDCON_SYSDATA_RELEASE 0x4u
#define PMDCON_SYSDATA_MSGID 0x8u

/* A target's format settings: constant while the target runs. */
struct pmdcon_wire_target {
  uint8_t extended;        /* extended (+) format, else basic */
  uint8_t release;         /* prepend "<release>," (extended only) */
  uint8_t time_prefix;     /* basic: "[%5lu.%06lu] " per line (printk.time) */
  uint8_t sysdata;         /* PMDCON_SYSDATA_* (extended only) */
  const char* release_str; /* utsname release, at most 64 bytes */
  uint32_t release_len;
  const char* userdata; /* rendered " key=value\n" entries, in order */
  uint32_t userdata_len;
  uint32_t chunk; /* largest payload; 0: PMDCON_WIRE_CHUNK (upstream's) */
};

/* One piece of the body stream. */
struct pmdcon__piece {
  const uint8_t* p;
  uint32_t len;
  uint8_t escape; /* emit bytes < 0x20, >= 0x7f and '\\' as \xNN */
};

/* Encoder state for one record; lives on the caller's stack. */
struct pmdcon_wire_enc {
  const struct pmdcon_wire_target* t;
  /* "[rel,]prio,seq,ts,flag[,caller][,ncemg=1][,ncfirst=N]" */
  char hdr[PMDCON_WIRE_RELEASE_MAX + 128];
  uint32_t hdr_len;
  char sys[PMDCON_WIRE_RELEASE_MAX + PMDCON_COMM_LEN + 96]; /* sysdata */
  uint32_t sys_len;
  char prefix[24]; /* basic: time prefix */
  uint32_t prefix_len;
  uint32_t chunk;     /* largest payload */
  uint32_t body_len;  /* extended: bytes after ';' (msgbody+userdata+sysdata) */
  uint32_t sent;      /* body bytes emitted so far */
  uint8_t fragmented; /* the record goes out in ncfrag fragments */
  uint8_t mode;       /* PMDCON__TRY_ONE, PMDCON__SENT_ONE, PMDCON__FRAGMENTS */
  uint8_t phase;
  uint8_t pend_len, pend_off;
  char pend[4]; /* the rest of an escape cut by a packet boundary */
  struct pmdcon__piece cur;
  const struct pmdcon_rec* rec;
  const uint8_t* text_start; /* the record's text and dict, for rewinding */
  const uint8_t* dict_start;
  const uint8_t* text;
  uint32_t text_len;
  const uint8_t* dict; /* remaining dict entries */
  uint32_t dict_len;
  const uint8_t* entry; /* the dict entry being emitted */
  uint32_t entry_len;
  const uint8_t* line_end; /* basic: end of the current line */
};

/* ------------------------------------------------------------------------ */

static inline int pmdcon__needs_escape(uint8_t c) {
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
static inline uint32_t pmdcon__clean_run(const uint8_t* p, uint32_t len) {
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
  while (i < len && !pmdcon__needs_escape(p[i])) i++;
  return i;
}

static inline uint32_t pmdcon__escaped_len(const uint8_t* p, uint32_t len) {
  uint32_t n = 0, run;

  for (;;) {
    run = pmdcon__clean_run(p, len);
    n += run;
    if (run == len) return n;
    n += 4; /* one byte as \xNN */
    p += run + 1;
    len -= run + 1;
  }
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
static inline uint32_t pmdcon__utoa(char* out, uint64_t v) {
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

static inline uint32_t pmdcon__put(char* out, const char* s, uint32_t len) {
  if (len) memcpy(out, s, len); /* s may be NULL when len is 0 */
  return len;
}

/* The next dict entry (NUL separated, empty entries skipped), or 0. */
static inline uint32_t pmdcon__dict_next(const uint8_t** p, uint32_t* left,
                                         const uint8_t** entry) {
  while (*left) {
    const uint8_t* end = PMDCON_CAST(const uint8_t*, memchr(*p, 0, *left));
    uint32_t len = end ? (uint32_t)(end - *p) : *left;

    *entry = *p;
    *p += len + (end ? 1 : 0);
    *left -= len + (end ? 1 : 0);
    if (len) return len;
  }
  return 0;
}

/* Body phases: extended text, '\n', dict " entry\n"..., userdata, sysdata;
 * basic: per line prefix, line, '\n'. */
enum {
  PMDCON__TEXT,
  PMDCON__TEXT_NL,
  PMDCON__DICT_SP,
  PMDCON__DICT,
  PMDCON__DICT_NL,
  PMDCON__USERDATA,
  PMDCON__SYSDATA,
  PMDCON__B_PREFIX,
  PMDCON__B_LINE,
  PMDCON__B_NL,
  PMDCON__DONE
};

/* How the current record goes out. */
enum { PMDCON__TRY_ONE, PMDCON__SENT_ONE, PMDCON__FRAGMENTS };

static inline void pmdcon__set(struct pmdcon_wire_enc* e, const void* p,
                               uint32_t len, uint8_t escape) {
  e->cur.p = PMDCON_CAST(const uint8_t*, p);
  e->cur.len = len;
  e->cur.escape = escape;
}

/* Advance to the next piece of the body; returns 0 at the end. */
static inline int pmdcon__next_piece(struct pmdcon_wire_enc* e) {
  static const char nl = '\n', sp = ' ';
  const uint8_t* entry;
  uint32_t len;

  for (;;) {
    switch (e->phase) {
      case PMDCON__TEXT: /* text was set by begin */
        e->phase = PMDCON__TEXT_NL;
        pmdcon__set(e, &nl, 1, 0);
        return 1;
      case PMDCON__TEXT_NL:
      case PMDCON__DICT_NL:
        len = pmdcon__dict_next(&e->dict, &e->dict_len, &entry);
        if (len) {
          e->phase = PMDCON__DICT_SP;
          pmdcon__set(e, &sp, 1, 0);
          e->entry = entry;
          e->entry_len = len;
          return 1;
        }
        e->phase = PMDCON__USERDATA;
        pmdcon__set(e, e->t->userdata, e->t->userdata_len, 0);
        return 1;
      case PMDCON__DICT_SP:
        e->phase = PMDCON__DICT;
        pmdcon__set(e, e->entry, e->entry_len, 1);
        return 1;
      case PMDCON__DICT:
        e->phase = PMDCON__DICT_NL;
        pmdcon__set(e, &nl, 1, 0);
        return 1;
      case PMDCON__USERDATA:
        e->phase = PMDCON__SYSDATA;
        pmdcon__set(e, e->sys, e->sys_len, 0);
        return 1;
      case PMDCON__B_PREFIX: {
        const uint8_t* end = e->text + e->text_len;
        const uint8_t* nlp =
            PMDCON_CAST(const uint8_t*, memchr(e->text, '\n', e->text_len));

        e->line_end = nlp ? nlp : end;
        e->phase = PMDCON__B_LINE;
        pmdcon__set(e, e->text, (uint32_t)(e->line_end - e->text), 0);
        return 1;
      }
      case PMDCON__B_LINE:
        e->phase = PMDCON__B_NL;
        pmdcon__set(e, &nl, 1, 0);
        return 1;
      case PMDCON__B_NL:
        if (e->line_end == e->text + e->text_len) {
          e->phase = PMDCON__DONE;
          return 0;
        }
        /* An embedded newline starts a new line with the same prefix. */
        e->text_len -= (uint32_t)(e->line_end + 1 - e->text);
        e->text = e->line_end + 1;
        e->phase = PMDCON__B_PREFIX;
        pmdcon__set(e, e->prefix, e->prefix_len, 0);
        return 1;
      default:
        e->phase = PMDCON__DONE;
        return 0;
    }
  }
}

/* Emit up to cap bytes of the body stream into out; returns bytes written. */
static inline uint32_t pmdcon__emit(struct pmdcon_wire_enc* e, char* out,
                                    uint32_t cap) {
  static const char hex[] = "0123456789abcdef";
  uint32_t n = 0;

  while (n < cap) {
    if (e->pend_len) {
      out[n++] = e->pend[e->pend_off++];
      e->pend_len--;
      continue;
    }
    if (!e->cur.len) {
      if (e->phase == PMDCON__DONE || !pmdcon__next_piece(e)) break;
      continue;
    }
    if (!e->cur.escape) {
      uint32_t k = cap - n < e->cur.len ? cap - n : e->cur.len;

      memcpy(out + n, e->cur.p, k);
      n += k;
      e->cur.p += k;
      e->cur.len -= k;
      continue;
    }
    {
      uint32_t room = cap - n < e->cur.len ? cap - n : e->cur.len;
      uint32_t run = pmdcon__clean_run(e->cur.p, room);
      uint8_t c;

      memcpy(out + n, e->cur.p, run);
      n += run;
      e->cur.p += run;
      e->cur.len -= run;
      if (run == room) continue;
      c = *e->cur.p++; /* needs escaping */
      e->cur.len--;
      e->pend[0] = '\\';
      e->pend[1] = 'x';
      e->pend[2] = hex[c >> 4];
      e->pend[3] = hex[c & 15];
      e->pend_len = 4;
      e->pend_off = 0; /* drained by the pend branch, across packets */
    }
  }
  e->sent += n;
  return n;
}

/* ------------------------------------------------------------------------ */

/*
 * Render the sysdata lines for rec into e->sys, in upstream's order. msgid is
 * the target's counter: incremented first, so the first record carries 1.
 */
static inline void pmdcon__sysdata(struct pmdcon_wire_enc* e,
                                   const struct pmdcon_rec* rec,
                                   uint32_t* msgid) {
  const struct pmdcon_wire_target* t = e->t;
  char* s = e->sys;
  uint32_t n = 0;

  /* Kept across a warm reboot: receivers must not take it for this boot's
   * (docs/wire-format.md). */
  if ((rec->flags & PMDCON_REC_PREV_BOOT) && t->extended)
    n += pmdcon__put(s, " PMDCON_BOOT=previous\n", 22);
  if (t->sysdata & PMDCON_SYSDATA_CPU) {
    n += pmdcon__put(s + n, " cpu=", 5);
    n += pmdcon__utoa(s + n, rec->cpu);
    s[n++] = '\n';
  }
  if (t->sysdata & PMDCON_SYSDATA_TASKNAME) {
    uint32_t len = 0;

    while (len < PMDCON_COMM_LEN && rec->comm[len]) len++;
    n += pmdcon__put(s + n, " taskname=", 10);
    memcpy(s + n, rec->comm, PMDCON_COMM_LEN); /* fixed size: inlined */
    n += len;
    s[n++] = '\n';
  }
  if (t->sysdata & PMDCON_SYSDATA_RELEASE) {
    n += pmdcon__put(s + n, " release=", 9);
    n += pmdcon__put(s + n, t->release_str, t->release_len);
    s[n++] = '\n';
  }
  if (t->sysdata & PMDCON_SYSDATA_MSGID) {
    *msgid += 1; /* wraps at 2^32, as upstream */
    n += pmdcon__put(s + n, " msgid=", 7);
    n += pmdcon__utoa(s + n, *msgid);
    s[n++] = '\n';
  }
  e->sys_len = n;
}

/*
 * Copy one of the encoder's own buffers (hdr, sys: at least 64 readable
 * bytes) into out, which has room for `room` bytes. Short ones are copied as
 * a fixed 64 bytes, which the compiler inlines; the surplus is overwritten.
 */
static inline uint32_t pmdcon__put_own(char* out, const char* s, uint32_t len,
                                       uint32_t room) {
  if (len <= 64 && room >= 64) {
    memcpy(out, s, 64);
    return len;
  }
  return pmdcon__put(out, s, len);
}

/* Appends p[0..len) escaped at out[*n..cap); 0 if it does not fit. */
static inline int pmdcon__put_escaped(char* out, uint32_t* n, uint32_t cap,
                                      const uint8_t* p, uint32_t len) {
  static const char hex[] = "0123456789abcdef";

  for (;;) {
    uint32_t run = pmdcon__clean_run(p, len);

    if (*n + run > cap) return 0;
    if (run) memcpy(out + *n, p, run); /* p may be NULL when len is 0 */
    *n += run;
    if (run == len) return 1;
    if (*n + 4 > cap) return 0;
    out[(*n)++] = '\\';
    out[(*n)++] = 'x';
    out[(*n)++] = hex[p[run] >> 4];
    out[(*n)++] = hex[p[run] & 15];
    p += run + 1;
    len -= run + 1;
  }
}

/*
 * The whole body written straight into out[n..cap) when it fits (the common
 * case, without the resumable emitter); returns the new length or 0.
 */
static inline uint32_t pmdcon__put_body(struct pmdcon_wire_enc* e, char* out,
                                        uint32_t n, uint32_t cap) {
  const uint8_t* d = e->dict_start;
  const uint8_t* entry;
  uint32_t dl = e->rec->dict_len, len;

  if (!pmdcon__put_escaped(out, &n, cap, e->text_start, e->rec->text_len) ||
      n + 1 > cap)
    return 0;
  out[n++] = '\n';
  while ((len = pmdcon__dict_next(&d, &dl, &entry)) != 0) {
    if (n + 1 > cap) return 0;
    out[n++] = ' ';
    if (!pmdcon__put_escaped(out, &n, cap, entry, len) || n + 1 > cap) return 0;
    out[n++] = '\n';
  }
  if (n + e->t->userdata_len + e->sys_len > cap) return 0;
  n += pmdcon__put(out + n, e->t->userdata, e->t->userdata_len);
  return n + pmdcon__put_own(out + n, e->sys, e->sys_len, cap - n);
}

/* Back to the start of the record's body. */
static inline void pmdcon__rewind(struct pmdcon_wire_enc* e) {
  e->sent = 0;
  e->pend_len = 0;
  e->text = e->text_start;
  e->text_len = e->rec->text_len;
  e->dict = e->dict_start;
  e->dict_len = e->rec->dict_len;
  e->phase = PMDCON__TEXT;
  pmdcon__set(e, e->text, e->text_len, 1);
}

/* Exact body length (escaped text, '\n', " entry\n" per dict entry,
 * userdata, sysdata): the ncfrag total. Switches to fragments. */
static inline void pmdcon__measure(struct pmdcon_wire_enc* e) {
  const uint8_t* d = e->dict;
  const uint8_t* entry;
  uint32_t dl = e->dict_len, len;

  e->body_len = pmdcon__escaped_len(e->text, e->text_len) + 1;
  while ((len = pmdcon__dict_next(&d, &dl, &entry)) != 0)
    e->body_len += pmdcon__escaped_len(entry, len) + 2;
  e->body_len += e->t->userdata_len + e->sys_len;
  e->mode = PMDCON__FRAGMENTS;
  e->fragmented = 1;
}

/*
 * Start encoding one record for target t. msgid is the target's sysdata
 * counter (updated here). text and dict are the record's bytes (for a ring
 * record: pmdcon_rec_text/pmdcon_rec_dict). The target's release and
 * userdata must already be within upstream's limits.
 */
static inline void pmdcon_wire_begin(struct pmdcon_wire_enc* e,
                                     const struct pmdcon_wire_target* t,
                                     uint32_t* msgid,
                                     const struct pmdcon_rec* rec,
                                     const void* text, const void* dict) {
  uint32_t n = 0, raw;
  const uint8_t* d;
  const uint8_t* entry;
  uint32_t dl, len;

  e->t = t;
  e->chunk = t->chunk ? t->chunk : PMDCON_WIRE_CHUNK;
  e->rec = rec;
  e->text_start = PMDCON_CAST(const uint8_t*, text);
  e->dict_start = PMDCON_CAST(const uint8_t*, dict);
  pmdcon__rewind(e);

  if (!t->extended) {
    /* Basic: each line "[%5lu.%06lu] " + line + "\n", sliced into chunks. */
    e->prefix_len = 0;
    if (t->time_prefix) {
      uint64_t sec = rec->ts_usec / 1000000, usec = rec->ts_usec % 1000000;
      char digits[20];
      uint32_t k = pmdcon__utoa(digits, sec), i;

      e->prefix[n++] = '[';
      for (i = k; i < 5; i++) e->prefix[n++] = ' ';
      n += pmdcon__put(e->prefix + n, digits, k);
      e->prefix[n++] = '.';
      k = pmdcon__utoa(digits, usec);
      for (i = k; i < 6; i++) e->prefix[n++] = '0';
      n += pmdcon__put(e->prefix + n, digits, k);
      e->prefix[n++] = ']';
      e->prefix[n++] = ' ';
      e->prefix_len = n;
    }
    e->hdr_len = 0;
    e->fragmented = 0;
    e->phase = PMDCON__B_PREFIX;
    pmdcon__set(e, e->prefix, e->prefix_len, 0);
    return;
  }

  /* Extended header: [release,]prio,seq,ts_usec,flag[,caller=..] */
  if (t->release) {
    n += pmdcon__put(e->hdr, t->release_str, t->release_len);
    e->hdr[n++] = ',';
  }
  n += pmdcon__utoa(e->hdr + n, rec->prio);
  e->hdr[n++] = ',';
  n += pmdcon__utoa(e->hdr + n, rec->seq);
  e->hdr[n++] = ',';
  n += pmdcon__utoa(e->hdr + n, rec->ts_usec);
  e->hdr[n++] = ',';
  e->hdr[n++] = (rec->flags & PMDCON_REC_CONT) ? 'c' : '-';
  if (rec->flags & PMDCON_REC_CALLER) {
    n += pmdcon__put(e->hdr + n, ",caller=", 8);
    e->hdr[n++] = (rec->caller_id & 0x80000000u) ? 'C' : 'T';
    n += pmdcon__utoa(e->hdr + n, rec->caller_id & 0x7fffffffu);
  }
  e->hdr_len = n;

  pmdcon__sysdata(e, rec, msgid);

  /* Upstream sends one payload while msg + release + userdata + sysdata fit
   * in a chunk. Escaping only adds bytes, so if the raw bytes do not fit, it
   * fragments for sure; otherwise next() tries one payload and rewinds to
   * fragments only if the escaped bytes overflow it. */
  raw = e->hdr_len + 1 + e->text_len + 1 + t->userdata_len + e->sys_len;
  d = e->dict;
  dl = e->dict_len;
  while ((len = pmdcon__dict_next(&d, &dl, &entry)) != 0) raw += len + 2;
  if (raw > e->chunk) {
    pmdcon__measure(e);
  } else {
    e->mode = PMDCON__TRY_ONE;
    e->fragmented = 0;
  }
}

/*
 * Marks the record just begun as an emergency resend of the acknowledgement
 * protocol (netconsd's nctx): ",ncemg=1" joins the extended header, before
 * any ",ncfrag=", so that the receiver acks at once. Call before the first
 * pmdcon_wire_next(). Basic (non-extended) records carry no header: no-op.
 * A record that no longer fits one payload with the longer header goes out
 * in fragments.
 */
static inline void pmdcon_wire_mark_emergency(struct pmdcon_wire_enc* e) {
  if (!e->t->extended) return;
  e->hdr_len += pmdcon__put(e->hdr + e->hdr_len, ",ncemg=1", 8);
}

/*
 * Marks the record just begun as one of the first of a reliable stream that
 * began at seq `first`: ",ncfirst=N" joins the extended header (before any
 * ",ncfrag="), so that a receiver whose first record arrived after `first`
 * knows what it missed and asks for it (docs/wire-format.md, "Stream
 * start"). Same rules as pmdcon_wire_mark_emergency; call after it.
 */
static inline void pmdcon_wire_mark_first(struct pmdcon_wire_enc* e,
                                          uint64_t first) {
  if (!e->t->extended) return;
  e->hdr_len += pmdcon__put(e->hdr + e->hdr_len, ",ncfirst=", 9);
  e->hdr_len += pmdcon__utoa(e->hdr + e->hdr_len, first);
}

/*
 * Write the next payload of the record into out (the target's chunk size,
 * PMDCON_WIRE_CHUNK by default). Returns its length, 0 when the record is
 * complete.
 */
static inline uint32_t pmdcon_wire_next(struct pmdcon_wire_enc* e, char* out) {
  uint32_t n;

  if (!e->t->extended) return pmdcon__emit(e, out, e->chunk);
  if (e->mode == PMDCON__SENT_ONE) return 0;
  if (e->mode == PMDCON__TRY_ONE) {
    n = pmdcon__put_own(out, e->hdr, e->hdr_len, e->chunk);
    out[n++] = ';';
    n = pmdcon__put_body(e, out, n, e->chunk);
    if (n) {
      e->mode = PMDCON__SENT_ONE;
      return n;
    }
    pmdcon__measure(e); /* escaping made it overflow: fragment after all */
  }
  if (e->sent >= e->body_len) return 0;
  n = pmdcon__put(out, e->hdr, e->hdr_len);
  n += pmdcon__put(out + n, ",ncfrag=", 8);
  n += pmdcon__utoa(out + n, e->sent);
  out[n++] = '/';
  n += pmdcon__utoa(out + n, e->body_len);
  out[n++] = ';';
  if (n >= e->chunk) return 0; /* header alone fills the chunk: refuse */
  return n + pmdcon__emit(e, out + n, e->chunk - n);
}

/* A loss notice: a record that stands for records lost before the wire. */
struct pmdcon_wire_notice {
  struct pmdcon_rec rec; /* seq, ts_usec, prio, comm, text_len, dict_len */
  char text[160];
  char dict[96]; /* PMDCON_LOST=N, then PMDCON_LOST_SEQ=A-B if known */
};

/*
 * Builds the notice sent in place of `records` lost records (see
 * docs/wire-format.md): it takes the seq of the last lost one. Used by the
 * appliance for ring losses and by the module for records printk dropped
 * before its console saw them. `cause` is at most 100 bytes.
 */
static inline void pmdcon_wire_loss_notice(struct pmdcon_wire_notice* n,
                                           uint64_t records, int seq_known,
                                           uint64_t first_seq,
                                           uint64_t last_seq, uint64_t ts_usec,
                                           const char* cause) {
  uint32_t t, d;

  memset(n, 0, sizeof(*n));
  n->rec.seq = last_seq;
  n->rec.ts_usec = ts_usec;
  n->rec.prio = 4; /* kernel facility, KERN_WARNING */
  memcpy(n->rec.comm, "pmdcon", 6);
  t = pmdcon__put(n->text, "pmdcon: lost ", 13);
  t += pmdcon__utoa(n->text + t, records);
  t += pmdcon__put(n->text + t, records == 1 ? " record" : " records",
                   records == 1 ? 7 : 8);
  d = pmdcon__put(n->dict, "PMDCON_LOST=", 12);
  d += pmdcon__utoa(n->dict + d, records);
  if (seq_known) {
    t += pmdcon__put(n->text + t, " (seq ", 6);
    t += pmdcon__utoa(n->text + t, first_seq);
    if (last_seq != first_seq) {
      n->text[t++] = '-';
      t += pmdcon__utoa(n->text + t, last_seq);
    }
    n->text[t++] = ')';
    n->dict[d++] = '\0'; /* separates dictionary entries */
    d += pmdcon__put(n->dict + d, "PMDCON_LOST_SEQ=", 16);
    d += pmdcon__utoa(n->dict + d, first_seq);
    n->dict[d++] = '-';
    d += pmdcon__utoa(n->dict + d, last_seq);
  }
  t += pmdcon__put(n->text + t, ": ", 2);
  while (*cause && t < sizeof(n->text)) n->text[t++] = *cause++;
  n->rec.text_len = (uint16_t)t;
  n->rec.dict_len = (uint16_t)d;
}

#endif /* PMDCON_WIRE_H_ */
