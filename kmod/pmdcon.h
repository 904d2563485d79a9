/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the module's parts. */
#ifndef PMDCON_KMOD_H_
#define PMDCON_KMOD_H_

#include <linux/atomic.h>
#include <linux/types.h>

#include "pmdcon/dev.h"
#include "pmdcon/ring.h"

/* The one ring this module produces into. */
struct pmdcon_state {
	struct pmdcon_ring ring;
	void *base;		/* kernel mapping of the region */
	phys_addr_t phys;	/* physical start, page aligned */
	u64 size;		/* bytes, page multiple */
	u32 mem_kind;		/* PMDCON_MEM_* */
	atomic64_t records;	/* written by the console */
	atomic64_t bytes;	/* text + dict bytes of those */
	atomic64_t unparsed;	/* console lines that were not records */
	atomic64_t skipped;	/* records printk dropped before the console */
	u64 next_seq;		/* printk seq the console expects next */
	bool have_seq;		/* next_seq is set (a record was seen) */
	atomic_t consumers;	/* open files on /dev/pmdcon: 0 or 1 */
	u64 hb_seen;		/* last heartbeat value read from userspace */
	unsigned long hb_jiffies; /* when it last changed */
};

extern struct pmdcon_state pmdcon;

/* mem.c: find, map and attach (validate, adopt or format) the region. */
int pmdcon_mem_attach(void);
void pmdcon_mem_detach(void);

/* console.c */
int pmdcon_console_register(void);
void pmdcon_console_unregister(void);

/* dev.c: /dev/pmdcon and its sysfs statistics. */
int pmdcon_dev_register(void);
void pmdcon_dev_unregister(void);

/* main.c: jiffies since the consumer's heartbeat last changed. */
unsigned long pmdcon_heartbeat_age(void);

/* fallback.c: netpoll targets (fallback=), takeover and panic. */
int pmdcon_fallback_start(void);
void pmdcon_fallback_stop(void);
void pmdcon_fallback_flush(void); /* after each console record */
u64 pmdcon_fallback_sent(void);
const char *pmdcon_fallback_mode(void);

#endif /* PMDCON_KMOD_H_ */
