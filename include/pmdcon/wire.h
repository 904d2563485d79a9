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
#include "pmdcon/text.h"

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

#include "pmdcon/wire_pvt.h"

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
      uint32_t k = pmdcon_utoa(digits, sec), i;

      e->prefix[n++] = '[';
      for (i = k; i < 5; i++) e->prefix[n++] = ' ';
      n += pmdcon__put(e->prefix + n, digits, k);
      e->prefix[n++] = '.';
      k = pmdcon_utoa(digits, usec);
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
  n += pmdcon_utoa(e->hdr + n, rec->prio);
  e->hdr[n++] = ',';
  n += pmdcon_utoa(e->hdr + n, rec->seq);
  e->hdr[n++] = ',';
  n += pmdcon_utoa(e->hdr + n, rec->ts_usec);
  e->hdr[n++] = ',';
  e->hdr[n++] = (rec->flags & PMDCON_REC_CONT) ? 'c' : '-';
  if (rec->flags & PMDCON_REC_CALLER) {
    n += pmdcon__put(e->hdr + n, ",caller=", 8);
    e->hdr[n++] = (rec->caller_id & 0x80000000u) ? 'C' : 'T';
    n += pmdcon_utoa(e->hdr + n, rec->caller_id & 0x7fffffffu);
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
  e->hdr_len += pmdcon_utoa(e->hdr + e->hdr_len, first);
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
  n += pmdcon_utoa(out + n, e->sent);
  out[n++] = '/';
  n += pmdcon_utoa(out + n, e->body_len);
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
  t += pmdcon_utoa(n->text + t, records);
  t += pmdcon__put(n->text + t, records == 1 ? " record" : " records",
                   records == 1 ? 7 : 8);
  d = pmdcon__put(n->dict, "PMDCON_LOST=", 12);
  d += pmdcon_utoa(n->dict + d, records);
  if (seq_known) {
    t += pmdcon__put(n->text + t, " (seq ", 6);
    t += pmdcon_utoa(n->text + t, first_seq);
    if (last_seq != first_seq) {
      n->text[t++] = '-';
      t += pmdcon_utoa(n->text + t, last_seq);
    }
    n->text[t++] = ')';
    n->dict[d++] = '\0'; /* separates dictionary entries */
    d += pmdcon__put(n->dict + d, "PMDCON_LOST_SEQ=", 16);
    d += pmdcon_utoa(n->dict + d, first_seq);
    n->dict[d++] = '-';
    d += pmdcon_utoa(n->dict + d, last_seq);
  }
  t += pmdcon__put(n->text + t, ": ", 2);
  while (*cause && t < sizeof(n->text)) n->text[t++] = *cause++;
  n->rec.text_len = (uint16_t)t;
  n->rec.dict_len = (uint16_t)d;
}

#endif /* PMDCON_WIRE_H_ */
