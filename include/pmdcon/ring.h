/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * pmdcon record ring: the ABI shared by the kernel module (producer, panic
 * consumer) and the appliance (consumer). Compiled unchanged as kernel C,
 * userspace C and C++. See docs/ring-abi.md for the full description.
 *
 * Region layout (offsets, never pointers; the region may sit at any physical
 * address and be mapped at different virtual addresses by each side):
 *
 *   0x0000  struct pmdcon_ring_hdr    producers write, consumers read
 *   0x1000  struct pmdcon_cons_page   consumer writes, producer reads (hostile)
 *   0x2000  data[data_size]           producers write, consumers read
 *
 * Positions: a record is named by its id, the 64-bit value of `head` when it
 * was reserved: (rid << 32) | pos. `rid` counts reservations and `pos` counts
 * 8-byte units of data; both wrap at 2^32 and are compared with serial-number
 * arithmetic. The id is stored in the record, so a reader can tell "this
 * record", "not written yet" and "overwritten" apart without trusting offsets.
 *
 * Producer protocol (lockless, multi-producer safe, never waits):
 *   1. push `tail` past the oldest records until the new span fits (overwrite:
 *      newest wins). A record still being written is never overwritten: the
 *      new record is dropped and counted in `dropped` instead;
 *   2. CAS `head` from id to id + span;
 *   3. write commit = 0, the lengths, then id (release);
 *   4. fill the record, then commit = id ^ salt (release).
 * Consumer protocol: seen head (acquire) > cursor; id matches; commit matches
 * (acquire); copy; read barrier; re-read tail: if tail passed the cursor, the
 * copy may be torn and the records up to tail are counted as lost.
 *
 * Usage: pmdcon_ring_format() or pmdcon_ring_open() a region into a local
 * struct pmdcon_ring handle (geometry cached locally so shared memory is never
 * trusted for bounds), then pmdcon_ring_write() or reserve/commit to produce
 * and pmdcon_ring_read() to consume.
 */
#ifndef PMDCON_RING_H_
#define PMDCON_RING_H_

#ifdef __KERNEL__
#include <asm/barrier.h>
#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#define PMDCON_LOAD(p) READ_ONCE(*(p))
#define PMDCON_STORE(p, v) WRITE_ONCE(*(p), (v))
#define PMDCON_LOAD_ACQ(p) smp_load_acquire(p)
#define PMDCON_STORE_REL(p, v) smp_store_release((p), (v))
#define PMDCON_CAS(p, o, n) (cmpxchg((p), (o), (n)) == (o))
#define PMDCON_FETCH_ADD(p, v) ((void)atomic64_add((v), (atomic64_t*)(p)))
#define PMDCON_WMB() smp_wmb()
#define PMDCON_RMB() smp_rmb()
#define PMDCON_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#include <errno.h>
#include <stdint.h>
#include <string.h>
#define PMDCON_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define PMDCON_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define PMDCON_LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define PMDCON_STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define PMDCON_FETCH_ADD(p, v) \
  ((void)__atomic_fetch_add((p), (v), __ATOMIC_RELAXED))
#define PMDCON_WMB() __atomic_thread_fence(__ATOMIC_RELEASE)
#define PMDCON_RMB() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#ifdef __cplusplus
#define PMDCON_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define PMDCON_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
static inline int pmdcon_cas_u64(uint64_t* p, uint64_t expected,
                                 uint64_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_RELAXED);
}
#define PMDCON_CAS(p, o, n) pmdcon_cas_u64((p), (o), (n))
#endif

#ifdef __cplusplus
#define PMDCON_CAST(type, expr) reinterpret_cast<type>(expr)
#else
#define PMDCON_CAST(type, expr) ((type)(expr))
#endif

/* ------------------------------------------------------------------------ */
/* Constants                                                                 */

#define PMDCON_RING_MAGIC 0x474e495243444d50ULL /* "PMDCRING" little-endian */
#define PMDCON_RING_ABI_VERSION 1u
#define PMDCON_PAGE_SIZE 4096u
#define PMDCON_CONS_OFFSET PMDCON_PAGE_SIZE
#define PMDCON_DATA_OFFSET (2u * PMDCON_PAGE_SIZE)
#define PMDCON_DATA_MIN (4u * 1024u)            /* smallest data area */
#define PMDCON_DATA_MAX (1024u * 1024u * 1024u) /* largest data area */
#define PMDCON_BOOT_ID_LEN 16u
#define PMDCON_COMM_LEN 16u /* TASK_COMM_LEN */
#define PMDCON_TEXT_MAX 0xffffu
#define PMDCON_DICT_MAX 0xffffu

/* struct pmdcon_rec.flags */
#define PMDCON_REC_CONT 0x01u      /* continuation fragment (LOG_CONT) */
#define PMDCON_REC_CALLER 0x02u    /* caller_id is valid */
#define PMDCON_REC_CPU 0x04u       /* cpu is valid */
#define PMDCON_REC_COMM 0x08u      /* comm is valid */
#define PMDCON_REC_TRUNCATED 0x10u /* text or dict was cut to fit max_span */
/* Only in a consumer's copy, never in the ring: an earlier boot wrote it. */
#define PMDCON_REC_PREV_BOOT 0x20u

/* pmdcon_ring_read() results */
#define PMDCON_READ_OK 0      /* a record was copied out */
#define PMDCON_READ_EMPTY 1   /* cursor == head: nothing to read */
#define PMDCON_READ_PENDING 2 /* next record reserved but not committed yet */
#define PMDCON_READ_LOST 3    /* records were overwritten; cursor moved on */
#define PMDCON_READ_CORRUPT 4 /* the record at the cursor is malformed */

/* ------------------------------------------------------------------------ */
/* Shared memory layout                                                      */

/*
 * Page 0. The identity block (up to hdr_csum) is written once by whoever
 * formats or adopts the ring, while nobody produces or consumes; afterwards it
 * is read-only. The producer block is written by producers only.
 */
struct pmdcon_ring_hdr {
  /* Identity and geometry, covered by hdr_csum. */
  uint64_t magic;        /* PMDCON_RING_MAGIC */
  uint32_t abi_version;  /* PMDCON_RING_ABI_VERSION */
  uint32_t hdr_size;     /* sizeof(struct pmdcon_ring_hdr) */
  uint64_t region_size;  /* bytes of the whole region */
  uint32_t cons_offset;  /* PMDCON_CONS_OFFSET */
  uint32_t data_offset;  /* PMDCON_DATA_OFFSET */
  uint64_t data_size;    /* power of two, PMDCON_DATA_MIN..PMDCON_DATA_MAX */
  uint32_t max_span;     /* largest record span in bytes */
  uint32_t rec_hdr_size; /* sizeof(struct pmdcon_rec) */
  uint64_t salt;         /* random, odd; commit = id ^ salt */
  uint8_t boot_id[PMDCON_BOOT_ID_LEN];      /* boot now writing the ring */
  uint8_t prev_boot_id[PMDCON_BOOT_ID_LEN]; /* boot before it, or zero */
  uint32_t boot_gen;    /* +1 whenever another boot adopts the ring */
  uint32_t flags;       /* reserved, zero */
  uint8_t reserved[28]; /* zero */
  uint32_t hdr_csum;    /* FNV-1a 32 of the bytes before this field */

  /* Producer block: written by producers (CAS / fetch-add), read by all.
   * head and tail on separate cache lines: a consumer that is caught up
   * reads head, while every burst reads tail. */
  uint64_t head; /* id of the next reservation */
  uint8_t pad_head[56];
  uint64_t tail;        /* id of the oldest record not yet overwritten */
  uint64_t dropped;     /* records refused: the ring was jammed */
  uint64_t dropped_seq; /* seq of the most recently refused record */
  uint8_t pad_producer[40];

  /* Sender block: written by the kernel module only, read by the consumer.
   * Who may put records on the wire now (docs/crash-path.md). The consumer
   * sends only while sender is PMDCON_SENDER_CONSUMER; when it gets the
   * ring back it resumes at kernel_tx_id if that is ahead of it. */
  uint32_t sender;       /* PMDCON_SENDER_* (release store) */
  uint32_t sender_gen;   /* +1 at every change of sender */
  uint64_t kernel_tx_id; /* id after the last record the kernel sent */
  uint8_t pad[PMDCON_PAGE_SIZE - 272];
};

/* hdr->sender. Zero (an older ring's padding) means the consumer. */
#define PMDCON_SENDER_CONSUMER 0u /* the appliance sends */
#define PMDCON_SENDER_KERNEL 1u   /* the module sends (takeover or panic) */

/*
 * Page 1, the only page a consumer may write. Every field is untrusted input
 * to the kernel: it is read only to be validated (see
 * pmdcon_ring_cursor_check) or reported, never used as an address.
 */
struct pmdcon_cons_page {
  /* id after the last record read. Consumer: relaxed store. Kernel: stats. */
  uint64_t read_id;
  /*
   * id after the last record handed to the NIC. Consumer: release store after
   * tx_burst returned. Kernel: acquire load, validated, in takeover/panic.
   */
  uint64_t tx_id;
  /* Incremented by the consumer at least every poll period. Kernel: compared
   * with its own clock to detect a dead consumer. */
  uint64_t heartbeat;
  uint32_t consumer_pid; /* informational */
  uint32_t owner;        /* reserved, zero */
  uint8_t pad[PMDCON_PAGE_SIZE - 32];
};

/*
 * One record in the data area, 8-byte aligned, followed by text[text_len],
 * dict[dict_len] (NUL-separated "KEY=VALUE" entries) and padding to 8 bytes.
 * A record never straddles the end of the data area: if it does not fit, the
 * reservation also takes the rest of the lap, the 8 bytes at its position
 * hold ~id (a wrap marker) and the record itself starts at offset 0.
 * Written by one producer between reserve and commit, read by all after.
 */
struct pmdcon_rec {
  uint64_t id;        /* identity: head at reservation (release store) */
  uint64_t commit;    /* id ^ salt once complete (release store), else not */
  uint32_t span;      /* bytes from this id's pos to the next id's pos */
  uint16_t text_len;  /* raw text, unescaped, no trailing newline */
  uint16_t dict_len;  /* bytes of dict */
  uint64_t seq;       /* printk sequence number */
  uint64_t ts_usec;   /* printk timestamp, usec since boot */
  uint32_t caller_id; /* printk caller id (bit 31: CPU, else task) */
  uint16_t cpu;       /* CPU of the printing context */
  uint8_t prio;       /* facility << 3 | level */
  uint8_t flags;      /* PMDCON_REC_* */
  char comm[PMDCON_COMM_LEN]; /* task name, NUL padded */
  uint32_t boot_gen;          /* hdr boot_gen of the writing boot */
  uint32_t reserved;          /* zero */
};

PMDCON_STATIC_ASSERT(sizeof(struct pmdcon_ring_hdr) == PMDCON_PAGE_SIZE,
                     "header is one page");
PMDCON_STATIC_ASSERT(sizeof(struct pmdcon_cons_page) == PMDCON_PAGE_SIZE,
                     "consumer page is one page");
PMDCON_STATIC_ASSERT(sizeof(struct pmdcon_rec) == 72, "record header size");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, boot_id) == 56,
                     "boot_id offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, hdr_csum) ==
                         124,
                     "hdr_csum offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, head) == 128,
                     "producer block starts on its own cache lines");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, tail) == 192,
                     "tail on a cache line of its own, apart from head");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, dropped_seq) ==
                         208,
                     "dropped_seq offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, sender) == 256,
                     "sender block on a cache line of its own");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_ring_hdr, kernel_tx_id) ==
                         264,
                     "kernel_tx_id offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_cons_page, tx_id) == 8,
                     "tx_id offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_cons_page, heartbeat) ==
                         16,
                     "heartbeat offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_rec, seq) == 24,
                     "seq offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_rec, comm) == 48,
                     "comm offset");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_rec, boot_gen) == 64,
                     "boot_gen offset");

/* ------------------------------------------------------------------------ */
/* Local handle: geometry validated once and cached, never re-read.          */

struct pmdcon_ring {
  struct pmdcon_ring_hdr* hdr;
  struct pmdcon_cons_page* cons;
  uint8_t* data;
  uint32_t units;    /* data_size / 8, a power of two */
  uint32_t max_span; /* bytes */
  uint64_t salt;
  uint32_t boot_gen;
};

/* ------------------------------------------------------------------------ */
/* Ids                                                                       */

static inline uint64_t pmdcon_id(uint32_t rid, uint32_t pos) {
  return ((uint64_t)rid << 32) | pos;
}
static inline uint32_t pmdcon_id_rid(uint64_t id) {
  return (uint32_t)(id >> 32);
}
static inline uint32_t pmdcon_id_pos(uint64_t id) { return (uint32_t)id; }
/* Serial-number distance a - b; valid while |a - b| < 2^31. */
static inline int32_t pmdcon_pos_diff(uint32_t a, uint32_t b) {
  return (int32_t)(a - b);
}
/* The id after the record named by id, whose span is `span` bytes. */
static inline uint64_t pmdcon_next_id(uint64_t id, uint32_t span) {
  return pmdcon_id(pmdcon_id_rid(id) + 1, pmdcon_id_pos(id) + span / 8);
}

static inline uint32_t pmdcon_align8(uint32_t n) { return (n + 7u) & ~7u; }

static inline uint32_t pmdcon_csum(const void* p, uint32_t len) {
  const uint8_t* b = PMDCON_CAST(const uint8_t*, p);
  uint32_t h = 2166136261u;
  uint32_t i;

  for (i = 0; i < len; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

static inline uint32_t pmdcon_hdr_csum(const struct pmdcon_ring_hdr* hdr) {
  return pmdcon_csum(
      hdr, (uint32_t) __builtin_offsetof(struct pmdcon_ring_hdr, hdr_csum));
}

static inline char* pmdcon_rec_text(struct pmdcon_rec* rec) {
  return PMDCON_CAST(char*, rec + 1);
}
static inline char* pmdcon_rec_dict(struct pmdcon_rec* rec) {
  return pmdcon_rec_text(rec) + rec->text_len;
}

/* ------------------------------------------------------------------------ */
/* Region setup (single-threaded: nobody produces or consumes meanwhile)      */

/* Largest usable data size for a region of region_size bytes, or 0. */
static inline uint64_t pmdcon_ring_data_size_for(uint64_t region_size) {
  uint64_t n = PMDCON_DATA_MAX;

  if (region_size < PMDCON_DATA_OFFSET + PMDCON_DATA_MIN) return 0;
  while (n > region_size - PMDCON_DATA_OFFSET) n >>= 1;
  return n;
}

static inline uint32_t pmdcon_ring_max_span_for(uint64_t data_size) {
  uint64_t cap = pmdcon_align8((uint32_t)sizeof(struct pmdcon_rec) +
                               PMDCON_TEXT_MAX + PMDCON_DICT_MAX);

  return (uint32_t)(data_size / 4 < cap ? data_size / 4 : cap);
}

/*
 * Validate the identity block of a region. Returns 0, or -EINVAL with *why
 * naming the first problem. Never reads beyond the first page.
 */
static inline int pmdcon_ring_validate(const void* base, uint64_t region_size,
                                       const char** why) {
  const struct pmdcon_ring_hdr* hdr =
      PMDCON_CAST(const struct pmdcon_ring_hdr*, base);
  const char* w = 0;

  if (region_size < PMDCON_DATA_OFFSET + PMDCON_DATA_MIN)
    w = "region too small for a ring";
  else if (hdr->magic != PMDCON_RING_MAGIC)
    w = "bad magic (not a pmdcon ring)";
  else if (hdr->hdr_csum != pmdcon_hdr_csum(hdr))
    w = "header checksum mismatch";
  else if (hdr->abi_version != PMDCON_RING_ABI_VERSION)
    w = "unsupported ABI version";
  else if (hdr->hdr_size != sizeof(struct pmdcon_ring_hdr) ||
           hdr->rec_hdr_size != sizeof(struct pmdcon_rec))
    w = "structure sizes differ from this build";
  else if (hdr->cons_offset != PMDCON_CONS_OFFSET ||
           hdr->data_offset != PMDCON_DATA_OFFSET)
    w = "unexpected page offsets";
  else if (hdr->region_size != region_size)
    w = "region size differs from the mapping";
  else if (hdr->data_size < PMDCON_DATA_MIN ||
           hdr->data_size > PMDCON_DATA_MAX ||
           (hdr->data_size & (hdr->data_size - 1)) != 0 ||
           hdr->data_size > region_size - PMDCON_DATA_OFFSET)
    w = "bad data size";
  else if (hdr->max_span != pmdcon_ring_max_span_for(hdr->data_size))
    w = "bad max_span";
  else if ((hdr->salt & 1) == 0)
    w = "bad salt";
  if (w) {
    if (why) *why = w;
    return -EINVAL;
  }
  return 0;
}

/* Fill a handle from a validated region; caches geometry. */
static inline int pmdcon_ring_open(struct pmdcon_ring* r, void* base,
                                   uint64_t region_size, const char** why) {
  struct pmdcon_ring_hdr* hdr = PMDCON_CAST(struct pmdcon_ring_hdr*, base);
  int err = pmdcon_ring_validate(base, region_size, why);

  if (err) return err;
  r->hdr = hdr;
  r->cons = PMDCON_CAST(struct pmdcon_cons_page*,
                        PMDCON_CAST(uint8_t*, base) + PMDCON_CONS_OFFSET);
  r->data = PMDCON_CAST(uint8_t*, base) + PMDCON_DATA_OFFSET;
  r->units = (uint32_t)(hdr->data_size / 8);
  r->max_span = hdr->max_span;
  r->salt = hdr->salt;
  r->boot_gen = hdr->boot_gen;
  return 0;
}

/*
 * Initialise a new, empty ring over region_size bytes at base. The data area
 * is left as it is: nothing below head is ever read, so stale bytes are inert.
 */
static inline int pmdcon_ring_format(struct pmdcon_ring* r, void* base,
                                     uint64_t region_size,
                                     const uint8_t boot_id[PMDCON_BOOT_ID_LEN],
                                     uint64_t salt) {
  struct pmdcon_ring_hdr* hdr = PMDCON_CAST(struct pmdcon_ring_hdr*, base);
  uint64_t data_size = pmdcon_ring_data_size_for(region_size);

  if (!data_size) return -EINVAL;
  memset(base, 0, PMDCON_DATA_OFFSET);
  hdr->magic = PMDCON_RING_MAGIC;
  hdr->abi_version = PMDCON_RING_ABI_VERSION;
  hdr->hdr_size = sizeof(struct pmdcon_ring_hdr);
  hdr->region_size = region_size;
  hdr->cons_offset = PMDCON_CONS_OFFSET;
  hdr->data_offset = PMDCON_DATA_OFFSET;
  hdr->data_size = data_size;
  hdr->max_span = pmdcon_ring_max_span_for(data_size);
  hdr->rec_hdr_size = sizeof(struct pmdcon_rec);
  hdr->salt = salt | 1;
  memcpy(hdr->boot_id, boot_id, PMDCON_BOOT_ID_LEN);
  hdr->hdr_csum = pmdcon_hdr_csum(hdr);
  PMDCON_WMB();
  return pmdcon_ring_open(r, base, region_size, 0);
}

/* ------------------------------------------------------------------------ */
/* Record lookup shared by producers, consumers and recovery                 */

/*
 * The record named by id, if the memory at id's position says so: either the
 * record itself or a wrap marker (~id) whose record sits at offset 0. Returns
 * 0 when the position holds anything else (not written yet, or overwritten).
 * The offset is masked, so any id yields an in-bounds address.
 */
static inline struct pmdcon_rec* pmdcon__rec_at(const struct pmdcon_ring* r,
                                                uint64_t id, int* wrapped) {
  uint32_t off = pmdcon_id_pos(id) & (r->units - 1);
  uint64_t* word = PMDCON_CAST(uint64_t*, r->data + (uint64_t)off * 8);
  uint64_t w = PMDCON_LOAD_ACQ(word);

  *wrapped = 0;
  if (w == ~id) {
    *wrapped = 1;
    word = PMDCON_CAST(uint64_t*, r->data);
    w = PMDCON_LOAD_ACQ(word);
  }
  return w == id ? PMDCON_CAST(struct pmdcon_rec*, word) : 0;
}

/*
 * Is span (bytes) plausible for a record at id's position? A wrapped span
 * covers the rest of the lap plus the record at offset 0.
 */
static inline int pmdcon__span_ok(const struct pmdcon_ring* r, uint64_t id,
                                  int wrapped, uint32_t span) {
  uint32_t off = pmdcon_id_pos(id) & (r->units - 1);
  uint32_t room = (r->units - off) * 8;
  uint32_t len;

  if (span & 7) return 0;
  if (!wrapped)
    return span >= sizeof(struct pmdcon_rec) && span <= room &&
           span <= r->max_span;
  if (span <= room) return 0;
  len = span - room;
  return len >= sizeof(struct pmdcon_rec) && len <= r->max_span;
}

/* Bytes of the record proper (header, text, dict), from its own fields. */
static inline uint32_t pmdcon_rec_len(uint32_t text_len, uint32_t dict_len) {
  return pmdcon_align8((uint32_t)sizeof(struct pmdcon_rec) + text_len +
                       dict_len);
}

/* ------------------------------------------------------------------------ */
/* Producer                                                                   */

/*
 * Make room up to pos `target`: advance tail past complete records until it
 * is at or after target. Returns 0 if an unfinished record (its writer still
 * at work, or dead) blocks the tail: the caller must not overwrite it.
 */
static inline int pmdcon__push_tail(struct pmdcon_ring* r, uint32_t target) {
  struct pmdcon_ring_hdr* hdr = r->hdr;
  uint64_t t = PMDCON_LOAD_ACQ(&hdr->tail);

  while (pmdcon_pos_diff(pmdcon_id_pos(t), target) < 0) {
    struct pmdcon_rec* rec;
    uint32_t span = 0;
    int wrapped;
    int ok = 0;

    rec = pmdcon__rec_at(r, t, &wrapped);
    if (rec && PMDCON_LOAD_ACQ(&rec->commit) == (t ^ r->salt)) {
      span = PMDCON_LOAD(&rec->span);
      ok = pmdcon__span_ok(r, t, wrapped, span);
    }
    if (ok) {
      (void)PMDCON_CAS(&hdr->tail, t, pmdcon_next_id(t, span));
    } else if (PMDCON_LOAD_ACQ(&hdr->tail) == t) {
      return 0; /* not raced by another producer: truly blocked */
    }
    t = PMDCON_LOAD_ACQ(&hdr->tail);
  }
  return 1;
}

/*
 * Reserve a record for text_len + dict_len bytes (cut to fit max_span; the
 * cut lengths are stored in the record and PMDCON_REC_TRUNCATED is set).
 * Returns the record with id, span and lengths set; the caller fills the
 * other fields, text and dict, then calls pmdcon_ring_commit(). Returns 0 and
 * counts a drop if the ring is jammed by an unfinished record.
 * Safe from any context, including NMI; never waits.
 */
static inline struct pmdcon_rec* pmdcon_ring_reserve(struct pmdcon_ring* r,
                                                     uint32_t text_len,
                                                     uint32_t dict_len,
                                                     uint64_t seq) {
  struct pmdcon_ring_hdr* hdr = r->hdr;
  uint32_t room_max = r->max_span - (uint32_t)sizeof(struct pmdcon_rec);
  struct pmdcon_rec* rec;
  uint64_t h;
  uint32_t units, off, span;

  if (text_len > PMDCON_TEXT_MAX) text_len = PMDCON_TEXT_MAX;
  if (text_len > room_max) text_len = room_max;
  if (dict_len > PMDCON_DICT_MAX) dict_len = PMDCON_DICT_MAX;
  if (dict_len > room_max - text_len) dict_len = room_max - text_len;
  units = pmdcon_rec_len(text_len, dict_len) / 8;

  for (;;) {
    h = PMDCON_LOAD_ACQ(&hdr->head);
    off = pmdcon_id_pos(h) & (r->units - 1);
    span = r->units - off >= units ? units : r->units - off + units;
    if (!pmdcon__push_tail(r, pmdcon_id_pos(h) + span - r->units)) {
      PMDCON_FETCH_ADD(&hdr->dropped, 1);
      PMDCON_STORE(&hdr->dropped_seq, seq);
      return 0;
    }
    if (PMDCON_CAS(&hdr->head, h,
                   pmdcon_id(pmdcon_id_rid(h) + 1, pmdcon_id_pos(h) + span)))
      break;
  }
  /* Pairs with the reader's RMB before it re-reads tail: whoever sees our
   * bytes in overwritten memory also sees the tail we pushed. */
  PMDCON_WMB();

  if (span != units) {
    PMDCON_STORE(PMDCON_CAST(uint64_t*, r->data + (uint64_t)off * 8), ~h);
    off = 0;
  }
  rec = PMDCON_CAST(struct pmdcon_rec*, r->data + (uint64_t)off * 8);
  PMDCON_STORE(&rec->commit, 0);
  rec->span = span * 8;
  rec->text_len = (uint16_t)text_len;
  rec->dict_len = (uint16_t)dict_len;
  rec->seq = seq;
  rec->flags = 0;
  rec->boot_gen = r->boot_gen;
  rec->reserved = 0;
  PMDCON_STORE_REL(&rec->id, h);
  return rec;
}

/* Publish a reserved record. */
static inline void pmdcon_ring_commit(struct pmdcon_ring* r,
                                      struct pmdcon_rec* rec) {
  PMDCON_STORE_REL(&rec->commit, rec->id ^ r->salt);
}

/*
 * Fill a reserved record's fields after seq (ts_usec..comm) and flags from
 * meta; `cut` adds PMDCON_REC_TRUNCATED. For producers that fill text and
 * dict themselves between reserve and commit.
 */
static inline void pmdcon_rec_set_meta(struct pmdcon_rec* rec,
                                       const struct pmdcon_rec* meta, int cut) {
  rec->ts_usec = meta->ts_usec;
  rec->caller_id = meta->caller_id;
  rec->cpu = meta->cpu;
  rec->prio = meta->prio;
  rec->flags = (uint8_t)(meta->flags | (cut ? PMDCON_REC_TRUNCATED : 0));
  memcpy(rec->comm, meta->comm, PMDCON_COMM_LEN);
}

/*
 * Copy one record in: meta supplies every field after seq (ts_usec..comm) and
 * flags; text and dict are copied as given (cut to fit if needed).
 * Returns 1 if written, 0 if dropped (counted in hdr->dropped).
 */
static inline int pmdcon_ring_write(struct pmdcon_ring* r,
                                    const struct pmdcon_rec* meta,
                                    const void* text, uint32_t text_len,
                                    const void* dict, uint32_t dict_len) {
  struct pmdcon_rec* rec =
      pmdcon_ring_reserve(r, text_len, dict_len, meta->seq);

  if (!rec) return 0;
  pmdcon_rec_set_meta(rec, meta,
                      rec->text_len < text_len || rec->dict_len < dict_len);
  /* memcpy from NULL is undefined even for 0 bytes; empty fields may be. */
  if (rec->text_len) memcpy(pmdcon_rec_text(rec), text, rec->text_len);
  if (rec->dict_len) memcpy(pmdcon_rec_dict(rec), dict, rec->dict_len);
  pmdcon_ring_commit(r, rec);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Consumer                                                                   */

/* Internal: the buffer cannot take the next record (burst reads stop). */
#define PMDCON__READ_FULL 5

/*
 * Copy the record named by c (which must be before head) to dst: the header,
 * text and dict, 8-byte aligned, *len bytes in all. Returns OK, PENDING (not
 * written or not complete: or overwritten, which only a later tail check can
 * tell), CORRUPT (complete but malformed) or PMDCON__READ_FULL. The copy is
 * trustworthy only once a tail check after it shows c was not overwritten.
 */
static inline int pmdcon__copy(const struct pmdcon_ring* r, uint64_t c,
                               void* dst, uint32_t cap, uint32_t* len) {
  struct pmdcon_rec* out = PMDCON_CAST(struct pmdcon_rec*, dst);
  const struct pmdcon_rec* rec;
  uint32_t room = (r->units - (pmdcon_id_pos(c) & (r->units - 1))) * 8;
  int wrapped;

  rec = pmdcon__rec_at(r, c, &wrapped);
  if (!rec || PMDCON_LOAD_ACQ(&rec->commit) != (c ^ r->salt))
    return PMDCON_READ_PENDING;
  if (cap < sizeof(*out)) return PMDCON__READ_FULL;
  memcpy(out, rec, sizeof(*out));
  *len = pmdcon_rec_len(out->text_len, out->dict_len);
  if (out->id != c || !pmdcon__span_ok(r, c, wrapped, out->span) ||
      *len > (wrapped ? out->span - room : out->span))
    return PMDCON_READ_CORRUPT;
  if (*len > cap) return PMDCON__READ_FULL;
  memcpy(out + 1, rec + 1, *len - sizeof(*out));
  return PMDCON_READ_OK;
}

/*
 * Read the record at *cursor into buf (cap >= max_span bytes). On OK the
 * record header, text and dict are in buf and *cursor names the next record.
 * On LOST, *lost is the number of records overwritten before they were read
 * and *cursor is the oldest surviving record. EMPTY and PENDING leave the
 * cursor alone (retry later); CORRUPT too (the caller decides how to resync).
 * Lockless; any number of readers, each with its own cursor. For throughput
 * prefer pmdcon_ring_read_burst().
 */
static inline int pmdcon_ring_read(const struct pmdcon_ring* r,
                                   uint64_t* cursor, void* buf, uint32_t cap,
                                   uint32_t* lost) {
  uint64_t c = *cursor;
  uint64_t h = PMDCON_LOAD_ACQ(&r->hdr->head);
  uint64_t t;
  uint32_t len = 0;
  int rc;

  if (c == h)
    rc = PMDCON_READ_EMPTY;
  else if (pmdcon_pos_diff(pmdcon_id_pos(c), pmdcon_id_pos(h)) > 0)
    rc = PMDCON_READ_CORRUPT; /* cursor beyond head */
  else
    rc = pmdcon__copy(r, c, buf, cap, &len);
  PMDCON_RMB();
  t = PMDCON_LOAD(&r->hdr->tail);
  if (pmdcon_pos_diff(pmdcon_id_pos(c), pmdcon_id_pos(t)) < 0) {
    *lost = pmdcon_id_rid(t) - pmdcon_id_rid(c);
    *cursor = t;
    return PMDCON_READ_LOST;
  }
  if (rc == PMDCON__READ_FULL) return PMDCON_READ_CORRUPT; /* cap too small */
  if (rc == PMDCON_READ_OK)
    *cursor = pmdcon_next_id(c, PMDCON_CAST(struct pmdcon_rec*, buf)->span);
  return rc;
}

/*
 * Moves *cursor past the record there that was reserved but never committed
 * (PMDCON_READ_PENDING) when its writer can no longer finish it: a CPU that
 * panic() stopped. Returns 1 if the record's id and span were readable (it
 * was skipped), 0 if not (the writer stopped before writing its id).
 */
static inline int pmdcon_ring_skip_pending(const struct pmdcon_ring* r,
                                           uint64_t* cursor) {
  int wrapped;
  struct pmdcon_rec* rec = pmdcon__rec_at(r, *cursor, &wrapped);
  uint32_t span;

  if (!rec) return 0;
  span = PMDCON_LOAD(&rec->span);
  if (!pmdcon__span_ok(r, *cursor, wrapped, span)) return 0;
  *cursor = pmdcon_next_id(*cursor, span);
  return 1;
}

/*
 * Marks a copied record (from pmdcon_ring_read or _read_burst) that an earlier
 * boot wrote, so that the codec labels it (PMDCON_BOOT=previous).
 */
static inline void pmdcon_rec_mark_boot(const struct pmdcon_ring* r,
                                        struct pmdcon_rec* copy) {
  if (copy->boot_gen != r->boot_gen) copy->flags |= PMDCON_REC_PREV_BOOT;
}

/*
 * Read up to max records from *cursor into buf, back to back (each a struct
 * pmdcon_rec, text and dict, padded to 8 bytes), validated together by one
 * tail check: one barrier and one shared cache line per burst, not per record.
 * *head_hint caches head between calls (start it equal to *cursor).
 *
 * Returns how many valid records start at buf + *skip; *lost counts records
 * overwritten before they could be read (they come before the returned ones);
 * *cursor names the record after the last returned one. *stop says why the
 * burst ended: OK (max reached or buf full), EMPTY, PENDING or CORRUPT (the
 * record at *cursor is malformed). cap must be >= max_span.
 */
static inline uint32_t pmdcon_ring_read_burst(const struct pmdcon_ring* r,
                                              uint64_t* cursor,
                                              uint64_t* head_hint, void* buf,
                                              uint32_t cap, uint32_t max,
                                              uint32_t* skip, uint32_t* lost,
                                              int* stop) {
  uint8_t* out = PMDCON_CAST(uint8_t*, buf);
  uint64_t start = *cursor, c = start, t;
  uint32_t off = 0, n = 0, len = 0;
  int rc = PMDCON_READ_OK;

  while (n < max) {
    /* The hint is stale once c reaches it, or passes it (after a jump to
     * the tail); only then is head read again. */
    if (pmdcon_pos_diff(pmdcon_id_pos(c), pmdcon_id_pos(*head_hint)) >= 0) {
      *head_hint = PMDCON_LOAD_ACQ(&r->hdr->head);
      if (c == *head_hint) {
        rc = PMDCON_READ_EMPTY;
        break;
      }
      if (pmdcon_pos_diff(pmdcon_id_pos(c), pmdcon_id_pos(*head_hint)) > 0) {
        rc = PMDCON_READ_CORRUPT; /* cursor beyond head */
        break;
      }
    }
    rc = pmdcon__copy(r, c, out + off, cap - off, &len);
    if (rc != PMDCON_READ_OK) break;
    c = pmdcon_next_id(c, PMDCON_CAST(struct pmdcon_rec*, out + off)->span);
    off += len;
    n++;
  }
  if (rc == PMDCON__READ_FULL) rc = n ? PMDCON_READ_OK : PMDCON_READ_CORRUPT;

  PMDCON_RMB();
  t = PMDCON_LOAD(&r->hdr->tail);
  *skip = 0;
  *lost = 0;
  if (pmdcon_pos_diff(pmdcon_id_pos(start), pmdcon_id_pos(t)) < 0) {
    /* Records copied from before the tail may be torn: drop them. */
    while (n &&
           pmdcon_pos_diff(
               pmdcon_id_pos(PMDCON_CAST(struct pmdcon_rec*, out + *skip)->id),
               pmdcon_id_pos(t)) < 0) {
      struct pmdcon_rec* rec = PMDCON_CAST(struct pmdcon_rec*, out + *skip);

      *skip += pmdcon_rec_len(rec->text_len, rec->dict_len);
      n--;
    }
    *lost = pmdcon_id_rid(t) - pmdcon_id_rid(start);
    /* c came from the last copy's span: trustworthy only if that record
     * survived. If none did, that span may be torn: resume at the tail. */
    if (!n) {
      c = t;
      rc = PMDCON_READ_OK;
    }
  }
  *cursor = c;
  *stop = rc;
  return n;
}

/*
 * Turn an untrusted id (e.g. cons->tx_id, written by userspace) into a safe
 * cursor: the id itself if it names head or a complete record between tail
 * and head, else the tail (the oldest record: duplicates, never a gap).
 */
static inline uint64_t pmdcon_ring_cursor_check(const struct pmdcon_ring* r,
                                                uint64_t untrusted) {
  uint64_t h = PMDCON_LOAD_ACQ(&r->hdr->head);
  uint64_t t = PMDCON_LOAD_ACQ(&r->hdr->tail);
  uint32_t p = pmdcon_id_pos(untrusted);
  int wrapped;

  if (untrusted == h) return h;
  if (pmdcon_pos_diff(p, pmdcon_id_pos(t)) < 0 ||
      pmdcon_pos_diff(p, pmdcon_id_pos(h)) >= 0 ||
      pmdcon_id_rid(untrusted) - pmdcon_id_rid(t) >
          pmdcon_id_rid(h) - pmdcon_id_rid(t) ||
      !pmdcon__rec_at(r, untrusted, &wrapped))
    return t;
  return untrusted;
}

/* ------------------------------------------------------------------------ */
/* Recovery and adoption (single-threaded, at attach time)                   */

/*
 * Check head and tail and every record between them; cut head back to the
 * first record that is not complete and well formed (a writer that died
 * mid-record). *cut is the number of reservations removed. Returns -EINVAL
 * if head and tail themselves are inconsistent (the ring is garbage).
 */
/*
 * Can head and tail belong together? At most one lap apart, and no more
 * records between them than the smallest record size allows.
 */
static inline int pmdcon_ring_bounds_ok(const struct pmdcon_ring* r,
                                        uint64_t head, uint64_t tail) {
  uint32_t used = pmdcon_id_pos(head) - pmdcon_id_pos(tail);
  uint32_t nrec = pmdcon_id_rid(head) - pmdcon_id_rid(tail);

  return used <= r->units && nrec <= used / (sizeof(struct pmdcon_rec) / 8);
}

static inline int pmdcon_ring_recover(struct pmdcon_ring* r, uint32_t* cut) {
  struct pmdcon_ring_hdr* hdr = r->hdr;
  uint64_t h = hdr->head;
  uint64_t c = hdr->tail;

  *cut = 0;
  if (!pmdcon_ring_bounds_ok(r, h, c)) return -EINVAL;
  while (c != h) {
    struct pmdcon_rec* rec;
    int wrapped;
    uint32_t off = pmdcon_id_pos(c) & (r->units - 1);
    uint32_t room = (r->units - off) * 8;

    rec = pmdcon__rec_at(r, c, &wrapped);
    if (!rec || rec->commit != (c ^ r->salt) ||
        !pmdcon__span_ok(r, c, wrapped, rec->span) ||
        pmdcon_rec_len(rec->text_len, rec->dict_len) >
            (wrapped ? rec->span - room : rec->span) ||
        pmdcon_id_pos(h) - pmdcon_id_pos(c) < rec->span / 8 ||
        pmdcon_id_rid(h) == pmdcon_id_rid(c))
      break;
    c = pmdcon_id(pmdcon_id_rid(c) + 1, pmdcon_id_pos(c) + rec->span / 8);
  }
  if (c != h) {
    *cut = pmdcon_id_rid(h) - pmdcon_id_rid(c);
    hdr->head = c;
  }
  return 0;
}

/*
 * Take over a ring written by an earlier boot (boot_id differs): remember the
 * old boot, bump boot_gen so new records are told apart from old ones.
 */
static inline void pmdcon_ring_adopt(
    struct pmdcon_ring* r, const uint8_t boot_id[PMDCON_BOOT_ID_LEN]) {
  struct pmdcon_ring_hdr* hdr = r->hdr;

  if (!memcmp(hdr->boot_id, boot_id, PMDCON_BOOT_ID_LEN)) return;
  memcpy(hdr->prev_boot_id, hdr->boot_id, PMDCON_BOOT_ID_LEN);
  memcpy(hdr->boot_id, boot_id, PMDCON_BOOT_ID_LEN);
  hdr->boot_gen++;
  hdr->hdr_csum = pmdcon_hdr_csum(hdr);
  PMDCON_WMB();
  r->boot_gen = hdr->boot_gen;
}

#endif /* PMDCON_RING_H_ */
