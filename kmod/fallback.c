// SPDX-License-Identifier: GPL-2.0
/*
 * The fallback: records leave through the kernel's own netpoll when the
 * appliance cannot send them. See docs/crash-path.md for the state machine
 * and who owns the transmitted position when.
 *
 *   APPLIANCE  the appliance sends; the module only watches its heartbeat.
 *   TAKEOVER   the heartbeat stopped for takeover_ms (or never started): the
 *              worker thread sends from the appliance's confirmed position,
 *              in process context, until the heartbeat returns; then it
 *              publishes where it stopped and hands the ring back.
 *   PANIC      from the panic notifier on: the backlog from the last
 *              confirmed position, then every record as the console writes
 *              it, sent from the panicking CPU. Never left.
 *
 * Payloads are built by the appliance's codec (pmdcon/wire.h) and framed by
 * its framing (pmdcon/frame.h, in target.c), so the two paths send the same
 * bytes for the same record. Each target keeps its own position: one whose
 * device went away (DEACTIVATED) resumes where it stopped, and the position
 * handed back to the appliance is the least of them.
 *
 * Contexts: netpoll is set up at load, in process context. Sending happens in
 * the worker (process context, TAKEOVER) or on the panicking CPU after the
 * other CPUs were stopped (PANIC), never from printk's context otherwise. A
 * CPU stopped while it held the NIC's transmit lock makes netpoll queue the
 * packet instead of sending it, as it does for netconsole.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "pmdcon.h"
#include "pmdcon/wire.h"

static char *fallback;
module_param(fallback, charp, 0444);
MODULE_PARM_DESC(fallback,
		 "netpoll targets in netconsole syntax, ';' separated: "
		 "[+][r][src-port]@[src-ip]/[dev|dev-mac],[tgt-port]@<tgt-ip>/[tgt-mac]");

static unsigned int takeover_ms = 300;
module_param(takeover_ms, uint, 0444);
MODULE_PARM_DESC(takeover_ms,
		 "send through netpoll after the appliance's heartbeat stopped this long (10-60000, default 300)");

enum pmdcon_fb_mode {
	PMDCON_FB_APPLIANCE, /* the appliance sends (or nothing does) */
	PMDCON_FB_TAKEOVER,  /* the worker sends */
	PMDCON_FB_PANIC,     /* the panicking CPU sends */
};

/* Buffers the panic path takes before it allocates (the allocator may be
 * what broke). */
#define PMDCON_FB_PANIC_SKBS 32
#define PMDCON_FB_SKB_LEN \
	(LL_MAX_HEADER + PMDCON_FRAME_HDR_MAX + PMDCON_WIRE_CHUNK + 64)

/*
 * What one sending context owns: the worker has one and the panic path has
 * another, so a panic that interrupts the worker on its own CPU finds its
 * buffers intact.
 */
struct pmdcon_fb_ctx {
	void *rec;		     /* one record copied out (max_span) */
	char pkt[PMDCON_WIRE_CHUNK]; /* one payload */
	bool panic;
	struct sk_buff *skbs[PMDCON_FB_PANIC_SKBS]; /* panic: preallocated */
	unsigned int nskbs;
};

static struct {
	enum pmdcon_fb_mode mode; /* written by the worker, then by panic */
	struct pmdcon_fb_ctx *worker_ctx, *panic_ctx;
	struct task_struct *worker;
	atomic_t panic_sending;	  /* the panic path is inside a drain */
	u64 sent;		  /* records sent through netpoll */
} fb;

u64 pmdcon_fallback_sent(void)
{
	return READ_ONCE(fb.sent);
}

/* A target that may send: it holds its device or waits for it. */
static bool pmdcon_fb_live(const struct pmdcon_tgt *t)
{
	enum pmdcon_tgt_state s = READ_ONCE(t->state);

	return s == PMDCON_TGT_ENABLED || s == PMDCON_TGT_DEACTIVATED ||
	       s == PMDCON_TGT_WEDGED;
}

static bool pmdcon_fb_any_live(void)
{
	unsigned int i;

	for (i = 0; i < PMDCON_TARGETS; i++)
		if (pmdcon_fb_live(&pmdcon_tgts[i]))
			return true;
	return false;
}

const char *pmdcon_fallback_mode(void)
{
	switch (READ_ONCE(fb.mode)) {
	case PMDCON_FB_TAKEOVER:
		return "takeover";
	case PMDCON_FB_PANIC:
		return "panic";
	default:
		return pmdcon_fb_any_live() ? "appliance" : "off";
	}
}

/* The boot's value in sealed payloads: the first 8 bytes of the boot id
 * the ring holds (the appliance reads the same from /proc), little endian. */
static u64 pmdcon_fb_boot(void)
{
	const u8 *id = pmdcon.ring.hdr->boot_id;
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | id[i];
	return v;
}

static void pmdcon_fb_send(struct pmdcon_fb_ctx *x, struct pmdcon_tgt *t,
			   const struct pmdcon_rec *rec, const void *text,
			   const void *dict)
{
	struct pmdcon_wire_enc e;
	unsigned long flags;
	bool locked = pmdcon_tgt_tx_lock(x->panic, &flags);
	u32 len;

	if (READ_ONCE(t->state) == PMDCON_TGT_ENABLED) {
		pmdcon_wire_begin(&e, &t->wire, &t->msgid, rec, text, dict);
		while ((len = pmdcon_wire_next(&e, x->pkt)) != 0) {
			/* wire.chunk left room for the field */
			if (t->auth)
				len = pmdcon_auth_seal(&t->auth_key,
						       pmdcon_fb_boot(), x->pkt,
						       len, sizeof(x->pkt));
			if (len) /* 0: basic format, refused at enable */
				pmdcon_tgt_xmit(t,
						x->nskbs ? x->skbs[--x->nskbs] :
							   NULL,
						x->pkt, len, x->panic);
		}
	}
	pmdcon_tgt_tx_unlock(locked, flags);
}

/*
 * A notice for t->lost records overwritten before they were read, sent
 * before rec (the first that survived), whose seq bounds them.
 */
static void pmdcon_fb_send_loss(struct pmdcon_fb_ctx *x, struct pmdcon_tgt *t,
				const struct pmdcon_rec *rec)
{
	struct pmdcon_wire_notice n;
	bool known = rec->seq >= t->lost && rec->seq > 0;

	pmdcon_wire_loss_notice(&n, t->lost, known, rec->seq - t->lost,
				rec->seq - 1, rec->ts_usec,
				"overwritten in the ring");
	pmdcon_fb_send(x, t, &n.rec, n.text, n.dict);
	t->lost = 0;
}

/* The earliest position of the live targets (cursor if there is none). */
static u64 pmdcon_fb_least(u64 cursor)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < PMDCON_TARGETS; i++) {
		const struct pmdcon_tgt *t = &pmdcon_tgts[i];

		if (!pmdcon_fb_live(t))
			continue;
		if (!any || (s32)(pmdcon_id_rid(t->cursor) -
				  pmdcon_id_rid(cursor)) < 0)
			cursor = t->cursor;
		any = true;
	}
	return cursor;
}

/*
 * Sends up to max records from t's position and publishes the least position
 * after each one (a panic that interrupts the worker resumes there). Returns
 * how many records it sent. Only the current sender calls this.
 */
static unsigned int pmdcon_fb_drain(struct pmdcon_fb_ctx *x,
				    struct pmdcon_tgt *t, unsigned int max)
{
	struct pmdcon_rec *rec = x->rec;
	unsigned int n = 0;
	u32 lost;
	u64 c;

	while (n < max && READ_ONCE(t->state) == PMDCON_TGT_ENABLED) {
		/* The worker yields to a panic on another CPU that did not stop. */
		if (!x->panic && READ_ONCE(fb.mode) != PMDCON_FB_TAKEOVER)
			return n;
		/* Its position stays: what it cannot send waits in the ring. */
		if (x->panic && pmdcon_tgt_panic_wedged(t))
			return n;
		c = t->cursor;
		switch (pmdcon_ring_read(&pmdcon.ring, &c, x->rec,
					 pmdcon.ring.max_span, &lost)) {
		case PMDCON_READ_OK:
			pmdcon_rec_mark_boot(&pmdcon.ring, rec);
			if (t->lost)
				pmdcon_fb_send_loss(x, t, rec);
			pmdcon_fb_send(x, t, rec, pmdcon_rec_text(rec),
				       pmdcon_rec_dict(rec));
			n++;
			break;
		case PMDCON_READ_LOST:
			t->lost += lost;
			break;
		case PMDCON_READ_CORRUPT:
			/* Unreadable: move to the oldest record (never stuck). */
			c = pmdcon_ring_cursor_check(&pmdcon.ring,
						     READ_ONCE(pmdcon.ring.hdr->tail));
			if (c == t->cursor)
				return n;
			break;
		case PMDCON_READ_PENDING:
			/*
			 * A writer is mid-record. In a panic it may be a CPU
			 * that panic() stopped and that will never finish:
			 * skip it rather than stop here. printk advances a
			 * console's position only after its write returned,
			 * so the panic's console flush writes it again.
			 */
			if (!x->panic ||
			    !pmdcon_ring_skip_pending(&pmdcon.ring, &c))
				return n;
			break;
		default: /* EMPTY */
			return n;
		}
		t->cursor = c;
		smp_store_release(&pmdcon.ring.hdr->kernel_tx_id,
				  pmdcon_fb_least(c));
	}
	return n;
}

/* Every enabled target, up to max records each; the total sent. */
static unsigned int pmdcon_fb_drain_all(struct pmdcon_fb_ctx *x,
					unsigned int max)
{
	unsigned int i, n = 0, k;

	for (i = 0; i < PMDCON_TARGETS; i++) {
		k = pmdcon_fb_drain(x, &pmdcon_tgts[i], max);
		n += k;
		WRITE_ONCE(fb.sent, fb.sent + k);
	}
	return n;
}

/* Where the appliance confirmed it got to, or where the module did. */
static u64 pmdcon_fb_start(void)
{
	u64 app = pmdcon_ring_cursor_check(
		&pmdcon.ring, smp_load_acquire(&pmdcon.ring.cons->tx_id));
	u64 mine = pmdcon_ring_cursor_check(
		&pmdcon.ring, READ_ONCE(pmdcon.ring.hdr->kernel_tx_id));

	return (s32)(pmdcon_id_rid(mine) - pmdcon_id_rid(app)) > 0 ? mine :
								      app;
}

static void pmdcon_fb_set_sender(u32 sender)
{
	struct pmdcon_ring_hdr *hdr = pmdcon.ring.hdr;

	WRITE_ONCE(hdr->sender_gen, hdr->sender_gen + 1);
	smp_store_release(&hdr->sender, sender);
}

/* Every live target starts at pos, the appliance's confirmed position. */
static void pmdcon_fb_take(u64 pos)
{
	unsigned int i;

	for (i = 0; i < PMDCON_TARGETS; i++) {
		pmdcon_tgts[i].cursor = pos;
		pmdcon_tgts[i].lost = 0;
	}
	WRITE_ONCE(pmdcon.ring.hdr->kernel_tx_id, pos);
	pmdcon_fb_set_sender(PMDCON_SENDER_KERNEL);
}

/* Something changed for the worker: a target came back. */
void pmdcon_fallback_kick(void)
{
	if (fb.worker)
		wake_up_process(fb.worker);
}

static int pmdcon_fb_worker(void *unused)
{
	unsigned long limit = msecs_to_jiffies(takeover_ms);

	while (!kthread_should_stop()) {
		bool alive = pmdcon_heartbeat_age() < limit;
		bool live = pmdcon_fb_any_live();

		if (READ_ONCE(fb.mode) == PMDCON_FB_APPLIANCE && !alive && live) {
			pmdcon_fb_take(pmdcon_fb_start());
			WRITE_ONCE(fb.mode, PMDCON_FB_TAKEOVER);
			pr_info("no appliance heartbeat for %u ms: sending through netpoll\n",
				jiffies_to_msecs(pmdcon_heartbeat_age()));
		} else if (READ_ONCE(fb.mode) == PMDCON_FB_TAKEOVER &&
			   (alive || !live)) {
			/* kernel_tx_id is final: the appliance resumes there. */
			pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
			WRITE_ONCE(fb.mode, PMDCON_FB_APPLIANCE);
			pr_info("%s: handed the ring back after %llu records\n",
				alive ? "appliance heartbeat is back" :
					"no fallback target left",
				(unsigned long long)fb.sent);
		}
		if (READ_ONCE(fb.mode) == PMDCON_FB_TAKEOVER &&
		    pmdcon_fb_drain_all(fb.worker_ctx, 256) >= 256)
			cond_resched();
		else
			schedule_timeout_interruptible(msecs_to_jiffies(10));
	}
	return 0;
}

/*
 * Console hook: a record was just written. In PANIC it goes out now (and
 * whatever is still before it).
 */
void pmdcon_fallback_flush(void)
{
	if (READ_ONCE(fb.mode) != PMDCON_FB_PANIC)
		return;
	/* Never netpoll from NMI: the next record (or the notifier) sends. */
	if (in_nmi())
		return;
	if (atomic_cmpxchg(&fb.panic_sending, 0, 1) != 0)
		return; /* a send on this path is printing: no recursion */
	pmdcon_fb_drain_all(fb.panic_ctx, UINT_MAX);
	atomic_set(&fb.panic_sending, 0);
}

static int pmdcon_fb_panic(struct notifier_block *nb, unsigned long ev,
			   void *msg)
{
	unsigned int i;
	u64 app;

	if (!pmdcon_fb_any_live())
		return NOTIFY_DONE;
	/* The appliance is frozen: resume from what it confirmed, or from
	 * where each target got to if the worker was sending. */
	if (fb.mode == PMDCON_FB_TAKEOVER) {
		app = pmdcon_ring_cursor_check(
			&pmdcon.ring, smp_load_acquire(&pmdcon.ring.cons->tx_id));
		for (i = 0; i < PMDCON_TARGETS; i++) {
			struct pmdcon_tgt *t = &pmdcon_tgts[i];

			t->cursor = pmdcon_ring_cursor_check(&pmdcon.ring,
							     t->cursor);
			if ((s32)(pmdcon_id_rid(app) -
				  pmdcon_id_rid(t->cursor)) > 0)
				t->cursor = app;
		}
		pmdcon_fb_set_sender(PMDCON_SENDER_KERNEL);
	} else {
		pmdcon_fb_take(pmdcon_fb_start());
	}
	WRITE_ONCE(fb.mode, PMDCON_FB_PANIC);
	pmdcon_fallback_flush();
	return NOTIFY_DONE;
}

static struct notifier_block pmdcon_fb_panic_nb = {
	.notifier_call = pmdcon_fb_panic,
	/* Early: before notifiers that may hang or reboot. */
	.priority = INT_MAX,
};

static void pmdcon_fb_ctx_free(struct pmdcon_fb_ctx **x)
{
	if (*x) {
		while ((*x)->nskbs)
			kfree_skb((*x)->skbs[--(*x)->nskbs]);
		kfree((*x)->rec);
	}
	kfree(*x);
	*x = NULL;
}

static struct pmdcon_fb_ctx *pmdcon_fb_ctx_alloc(bool panic)
{
	struct pmdcon_fb_ctx *x = kzalloc(sizeof(*x), GFP_KERNEL);

	if (!x)
		return NULL;
	x->panic = panic;
	x->rec = kmalloc(pmdcon.ring.max_span, GFP_KERNEL);
	while (panic && x->nskbs < PMDCON_FB_PANIC_SKBS) {
		x->skbs[x->nskbs] = alloc_skb(PMDCON_FB_SKB_LEN, GFP_KERNEL);
		if (!x->skbs[x->nskbs])
			break;
		x->nskbs++;
	}
	if (!x->rec || (panic && x->nskbs < PMDCON_FB_PANIC_SKBS))
		pmdcon_fb_ctx_free(&x);
	return x;
}

/*
 * A target's format from its configuration; its userdata and sysdata
 * switches (configfs) stay. Under the tx lock: a sender may be encoding.
 */
void pmdcon_fb_format(struct pmdcon_tgt *t)
{
	unsigned long flags;
	bool locked = pmdcon_tgt_tx_lock(false, &flags);

	t->wire.extended = t->cfg.extended;
	t->wire.release = t->cfg.release;
	t->wire.release_str = init_utsname()->release;
	t->wire.release_len = strnlen(init_utsname()->release,
				      PMDCON_WIRE_RELEASE_MAX);
	t->wire.chunk = t->auth ? PMDCON_WIRE_CHUNK - PMDCON_AUTH_FIELD_LEN : 0;
	pmdcon_tgt_tx_unlock(locked, flags);
}

/*
 * A target enabled at run time starts where the slowest live target is (in
 * TAKEOVER, what the appliance has not confirmed and the others not yet
 * sent): it misses nothing they will send. Before it becomes ENABLED.
 */
void pmdcon_fallback_join(struct pmdcon_tgt *t)
{
	t->cursor = pmdcon_ring_cursor_check(
		&pmdcon.ring, READ_ONCE(pmdcon.ring.hdr->kernel_tx_id));
	t->lost = 0;
}

/* fallback=: every target is checked before any is set up. */
static int pmdcon_fb_param_targets(void)
{
	const char *p = fallback, *item, *why;
	struct pmdcon_nc_target t;
	unsigned int n;
	size_t len;
	int err;

	for (n = 0; (len = pmdcon_nc_next(&p, &item)) != 0; n++) {
		if (n == PMDCON_TARGETS) {
			pr_err("fallback: more than %d targets\n", PMDCON_TARGETS);
			return -EINVAL;
		}
		if (pmdcon_nc_parse(item, len, &t, &why) < 0) {
			pr_err("fallback target %u \"%.*s\": %s\n", n + 1,
			       (int)len, item, why);
			return -EINVAL;
		}
	}
	p = fallback;
	for (n = 0; (len = pmdcon_nc_next(&p, &item)) != 0; n++) {
		struct pmdcon_tgt *tg;
		char name[16];

		pmdcon_nc_parse(item, len, &t, &why);
		snprintf(name, sizeof(name), "fallback%u", n + 1);
		tg = pmdcon_tgt_claim(name, &t); /* n < PMDCON_TARGETS: a slot */
		pmdcon_fb_format(tg);
		err = pmdcon_tgt_enable(tg, PMDCON_TGT_DISABLED);
		if (err) {
			pr_err("fallback target %u \"%.*s\": netpoll on %s failed (%d)\n",
			       n + 1, (int)len, item,
			       tg->cfg.by_mac ? "the device by MAC" : tg->cfg.dev,
			       err);
			return err;
		}
	}
	if (n)
		pr_info("fallback: %u netpoll target(s), takeover after %u ms without a heartbeat\n",
			n, takeover_ms);
	return 0;
}

int pmdcon_fallback_start(void)
{
	int err;

	fb.mode = PMDCON_FB_APPLIANCE;
	if (takeover_ms < 10 || takeover_ms > 60000) {
		pr_err("takeover_ms=%u: must be 10 to 60000\n", takeover_ms);
		return -EINVAL;
	}
	fb.worker_ctx = pmdcon_fb_ctx_alloc(false);
	fb.panic_ctx = pmdcon_fb_ctx_alloc(true);
	err = fb.worker_ctx && fb.panic_ctx ? pmdcon_tgt_init() : -ENOMEM;
	if (err)
		goto free;
	if (fallback && *fallback) {
		err = pmdcon_fb_param_targets();
		if (err)
			goto targets;
	}
	err = pmdcon_cfs_register();
	if (err)
		goto targets;
	/* A ring handed to us by an earlier load is the appliance's again. */
	pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
	atomic_notifier_chain_register(&panic_notifier_list, &pmdcon_fb_panic_nb);
	fb.worker = kthread_run(pmdcon_fb_worker, NULL, "pmdcon-fallback");
	if (IS_ERR(fb.worker)) {
		err = PTR_ERR(fb.worker);
		fb.worker = NULL;
		atomic_notifier_chain_unregister(&panic_notifier_list,
						 &pmdcon_fb_panic_nb);
		goto configfs;
	}
	return 0;
configfs:
	pmdcon_cfs_unregister();
targets:
	pmdcon_tgt_exit();
free:
	pmdcon_fb_ctx_free(&fb.worker_ctx);
	pmdcon_fb_ctx_free(&fb.panic_ctx);
	return err;
}

void pmdcon_fallback_stop(void)
{
	kthread_stop(fb.worker);
	fb.worker = NULL;
	atomic_notifier_chain_unregister(&panic_notifier_list,
					 &pmdcon_fb_panic_nb);
	pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
	fb.mode = PMDCON_FB_APPLIANCE;
	pmdcon_cfs_unregister(); /* empty: each target pins the module */
	pmdcon_tgt_exit();
	pmdcon_fb_ctx_free(&fb.worker_ctx);
	pmdcon_fb_ctx_free(&fb.panic_ctx);
}
