/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The wire encoder's private helpers (pmdcon__*): the piece walker, the
 * body's escaping and fragment bookkeeping. Only pmdcon/wire.h includes
 * this, after its structures; nothing else calls these.
 */
#ifndef PMDCON_WIRE_PVT_H_
#define PMDCON_WIRE_PVT_H_

#ifndef PMDCON_WIRE_H_
#error "include pmdcon/wire.h, not pmdcon/wire_pvt.h"
#endif

static inline uint32_t pmdcon__escaped_len(const uint8_t* p, uint32_t len) {
  uint32_t n = 0, run;

  for (;;) {
    run = pmdcon_clean_run(p, len);
    n += run;
    if (run == len) return n;
    n += 4; /* one byte as \xNN */
    p += run + 1;
    len -= run + 1;
  }
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
      uint32_t run = pmdcon_clean_run(e->cur.p, room);
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
    n += pmdcon_utoa(s + n, rec->cpu);
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
    n += pmdcon_utoa(s + n, *msgid);
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
    uint32_t run = pmdcon_clean_run(p, len);

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

#endif /* PMDCON_WIRE_PVT_H_ */
