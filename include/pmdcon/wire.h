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
  char
      hdr[PMDCON_WIRE_RELEASE_MAX + 96]; /* "[rel,]prio,seq,ts,flag[,caller]" */
  uint32_t hdr_len;
  char sys[PMDCON_WIRE_RELEASE_MAX + PMDCON_COMM_LEN + 64]; /* sysdata */
  uint32_t sys_len;
  char prefix[24]; /* basic: time prefix */
  uint32_t prefix_len;
  uint32_t chunk;    /* largest payload */
  uint32_t body_len; /* extended: bytes after ';' (msgbody+userdata+sysdata) */
  uint32_t sent;     /* body bytes emitted so far */
  uint8_t fragmented;
  uint8_t phase;
  uint8_t pend_len, pend_off;
  char pend[4]; /* the rest of an escape cut by a packet boundary */
  struct pmdcon__piece cur;
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

static inline uint32_t pmdcon__escaped_len(const uint8_t* p, uint32_t len) {
  uint32_t n = len, i;

  for (i = 0; i < len; i++) n += pmdcon__needs_escape(p[i]) ? 3 : 0;
  return n;
}

/* Decimal digits of v into out (no NUL); returns the count. */
static inline uint32_t pmdcon__utoa(char* out, uint64_t v) {
  char tmp[20];
  uint32_t n = 0, i;

  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

static inline uint32_t pmdcon__put(char* out, const char* s, uint32_t len) {
  memcpy(out, s, len);
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
    while (n < cap && e->cur.len) {
      uint8_t c = *e->cur.p++;

      e->cur.len--;
      if (!pmdcon__needs_escape(c)) {
        out[n++] = (char)c;
        continue;
      }
      e->pend[0] = '\\';
      e->pend[1] = 'x';
      e->pend[2] = hex[c >> 4];
      e->pend[3] = hex[c & 15];
      e->pend_len = 4;
      e->pend_off = 0;
      break; /* drained by the pend branch, across packets if need be */
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

  if (t->sysdata & PMDCON_SYSDATA_CPU) {
    n += pmdcon__put(s + n, " cpu=", 5);
    n += pmdcon__utoa(s + n, rec->cpu);
    s[n++] = '\n';
  }
  if (t->sysdata & PMDCON_SYSDATA_TASKNAME) {
    uint32_t len = 0;

    while (len < PMDCON_COMM_LEN && rec->comm[len]) len++;
    n += pmdcon__put(s + n, " taskname=", 10);
    n += pmdcon__put(s + n, rec->comm, len);
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
  uint32_t n = 0, msg_len;
  const uint8_t* d;
  const uint8_t* entry;
  uint32_t dl, len;

  e->t = t;
  e->chunk = t->chunk ? t->chunk : PMDCON_WIRE_CHUNK;
  e->sent = 0;
  e->pend_len = 0;
  e->text = PMDCON_CAST(const uint8_t*, text);
  e->text_len = rec->text_len;
  e->dict = PMDCON_CAST(const uint8_t*, dict);
  e->dict_len = rec->dict_len;

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

  /* Body length: escaped text, '\n', " entry\n" per dict entry, extradata. */
  e->body_len = pmdcon__escaped_len(e->text, e->text_len) + 1;
  d = e->dict;
  dl = e->dict_len;
  while ((len = pmdcon__dict_next(&d, &dl, &entry)) != 0)
    e->body_len += pmdcon__escaped_len(entry, len) + 2;
  e->body_len += t->userdata_len + e->sys_len;

  /* Upstream: unfragmented while msg + release + userdata + sysdata fit. */
  msg_len = e->hdr_len + 1 + e->body_len;
  e->fragmented = msg_len > e->chunk;
  e->phase = PMDCON__TEXT;
  pmdcon__set(e, e->text, e->text_len, 1);
}

/*
 * Write the next payload of the record into out (the target's chunk size,
 * PMDCON_WIRE_CHUNK by default). Returns its length, 0 when the record is
 * complete.
 */
static inline uint32_t pmdcon_wire_next(struct pmdcon_wire_enc* e, char* out) {
  uint32_t n;

  if (!e->t->extended) return pmdcon__emit(e, out, e->chunk);
  if (!e->fragmented) {
    if (e->sent || e->phase == PMDCON__DONE) return 0;
    n = pmdcon__put(out, e->hdr, e->hdr_len);
    out[n++] = ';';
    n += pmdcon__emit(e, out + n, e->chunk - n);
    e->phase = PMDCON__DONE;
    return n;
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

/*
 * Text of the notice sent in place of records lost before reaching the wire
 * (see docs/wire-format.md). Returns its length (at most 160).
 */
static inline uint32_t pmdcon_wire_loss_text(char* out, uint64_t records,
                                             uint64_t first_seq,
                                             uint64_t last_seq, int seq_known,
                                             const char* cause) {
  uint32_t n = pmdcon__put(out, "pmdcon: lost ", 13);

  n += pmdcon__utoa(out + n, records);
  n += pmdcon__put(out + n, records == 1 ? " record" : " records",
                   records == 1 ? 7 : 8);
  if (seq_known) {
    n += pmdcon__put(out + n, " (seq ", 6);
    n += pmdcon__utoa(out + n, first_seq);
    if (last_seq != first_seq) {
      out[n++] = '-';
      n += pmdcon__utoa(out + n, last_seq);
    }
    out[n++] = ')';
  }
  n += pmdcon__put(out + n, ": ", 2);
  while (*cause && n < 150) out[n++] = *cause++;
  return n;
}

#endif /* PMDCON_WIRE_H_ */
