/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the module's parts. */
#ifndef PMDCON_KMOD_H_
#define PMDCON_KMOD_H_

#include <linux/atomic.h>
#include <linux/types.h>

#include <linux/netpoll.h>
#include <linux/spinlock.h>

#include "pmdcon/auth.h"
#include "pmdcon/dev.h"
#include "pmdcon/frame.h"
#include "pmdcon/nctarget.h"
#include "pmdcon/ring.h"
#include "pmdcon/wire.h"

/* The one ring this module produces into. */
struct pmdcon_state {
	struct pmdcon_ring ring;
	void *base;		/* kernel mapping of the region */
	phys_addr_t phys;	/* physical start, page aligned */
	u64 size;		/* bytes, page multiple */
	u32 mem_kind;		/* PMDCON_MEM_* */
	const char *origin;	/* the ring's: "new", "adopted", "reattached" */
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
const char *pmdcon_mem_kind_name(void); /* "reserve_mem", "memmap", "allocated" */

/* console.c */
int pmdcon_console_register(void);
void pmdcon_console_unregister(void);

/* dev.c: /dev/pmdcon and its sysfs statistics. */
int pmdcon_dev_register(void);
void pmdcon_dev_unregister(void);

/* main.c: jiffies since the consumer's heartbeat last changed. */
unsigned long pmdcon_heartbeat_age(void);

/* fallback.c: takeover and panic through the targets. */
int pmdcon_fallback_start(void);
void pmdcon_fallback_stop(void);
void pmdcon_fallback_flush(void); /* after each console record */
void pmdcon_fallback_kick(void);  /* a target came back */
u64 pmdcon_fallback_sent(void);
const char *pmdcon_fallback_mode(void);

/* target.c: fallback targets and the devices they hold. */
#define PMDCON_TARGETS 8

enum pmdcon_tgt_state {
	PMDCON_TGT_FREE,	/* slot unused */
	PMDCON_TGT_DISABLED,	/* configured, holds nothing, sends nothing */
	PMDCON_TGT_ENABLED,	/* holds its device and sends */
	PMDCON_TGT_DEACTIVATED, /* its device went away: waits for it to come
				 * back; its records wait in the ring */
	PMDCON_TGT_WEDGED,	/* panic: a CPU the panic stopped holds its
				 * NIC's transmit lock; sends nothing more, its
				 * records wait in the ring (warm reboot) */
};

struct pmdcon_tgt {
	enum pmdcon_tgt_state state; /* under rtnl and pmdcon_tgt_lock */
	struct pmdcon_nc_target cfg; /* src_ip filled in by the first enable */
	struct netpoll np;	     /* np.dev: held while ENABLED */
	struct pmdcon_frame frame;   /* headers, from cfg and the device */
	struct pmdcon_wire_target wire;
	char name[32];		     /* "fallback1", or the configfs name */
	bool resume;		     /* its device is back: resume it */
	bool stuck;		     /* its NIC once stayed full (panic) */
	/* configfs auth_key (write only), set while DISABLED: every payload
	 * is sealed (include/pmdcon/auth.h), as the appliance's are. */
	bool auth;
	struct pmdcon_auth_key auth_key;
	/* Owned by the current sender (worker or panic path): */
	u32 msgid;
	u32 lost;   /* records overwritten before it read them */
	u64 cursor; /* next record for it, in TAKEOVER and PANIC */
	u64 transmit_errors;
};

extern spinlock_t pmdcon_tgt_lock;
extern struct pmdcon_tgt pmdcon_tgts[PMDCON_TARGETS];

int pmdcon_tgt_init(void);
void pmdcon_tgt_exit(void);
struct pmdcon_tgt *pmdcon_tgt_claim(const char *name,
				    const struct pmdcon_nc_target *cfg);
int pmdcon_tgt_enable(struct pmdcon_tgt *t, enum pmdcon_tgt_state from);
void pmdcon_tgt_release(struct pmdcon_tgt *t, enum pmdcon_tgt_state s);
bool pmdcon_tgt_tx_lock(bool panic, unsigned long *flags);
void pmdcon_tgt_tx_unlock(bool locked, unsigned long flags);
void pmdcon_tgt_xmit(struct pmdcon_tgt *t, struct sk_buff *skb,
		     const char *payload, u32 len, bool panic);
bool pmdcon_tgt_panic_wedged(struct pmdcon_tgt *t);
u64 pmdcon_tgt_transmit_errors(void);

/* fallback.c, for targets made at run time. */
void pmdcon_fb_format(struct pmdcon_tgt *t);
void pmdcon_fallback_join(struct pmdcon_tgt *t);

/* configfs.c: /sys/kernel/config/pmdcon/<target>, netconsole's names. */
int pmdcon_cfs_register(void);
void pmdcon_cfs_unregister(void);

#endif /* PMDCON_KMOD_H_ */
