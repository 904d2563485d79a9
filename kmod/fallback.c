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
 * Payloads are built by the appliance's codec (pmdcon/wire.h), so the two
 * paths send the same bytes for the same record.
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
#include <linux/netpoll.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "pmdcon.h"
#include "pmdcon/nctarget.h"
#include "pmdcon/wire.h"

static char *fallback;
module_param(fallback, charp, 0444);
MODULE_PARM_DESC(fallback,
		 "netpoll targets in netconsole syntax, ';' separated: "
		 "[+][r][src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-mac]");

static unsigned int takeover_ms = 300;
module_param(takeover_ms, uint, 0444);
MODULE_PARM_DESC(takeover_ms,
		 "send through netpoll after the appliance's heartbeat stopped this long (10-60000, default 300)");

#define PMDCON_FB_TARGETS 4

enum pmdcon_fb_mode {
	PMDCON_FB_OFF,	     /* no fallback= targets */
	PMDCON_FB_APPLIANCE, /* the appliance sends */
	PMDCON_FB_TAKEOVER,  /* the worker sends */
	PMDCON_FB_PANIC,     /* the panicking CPU sends */
};

struct pmdcon_fb_target {
	struct netpoll np;
	struct pmdcon_wire_target wire;
	u32 msgid;
	bool stuck; /* its NIC once stayed full for PMDCON_FB_ROOM_US */
};

/* How long one packet may wait for room in the NIC's transmit queue. */
#define PMDCON_FB_ROOM_US 100000

/*
 * What one sending context owns: the worker has one and the panic path has
 * another, so a panic that interrupts the worker on its own CPU finds its
 * buffers intact.
 */
struct pmdcon_fb_ctx {
	void *rec;		    /* one record copied out (max_span) */
	char pkt[PMDCON_WIRE_CHUNK]; /* one payload */
	u32 lost;		    /* overwritten records not yet announced */
};

static struct {
	struct pmdcon_fb_target t[PMDCON_FB_TARGETS];
	unsigned int n;
	enum pmdcon_fb_mode mode; /* written by the worker, then by panic */
	u64 cursor;		  /* next record to send, in TAKEOVER/PANIC */
	struct pmdcon_fb_ctx *worker_ctx, *panic_ctx;
	struct task_struct *worker;
	atomic_t panic_sending;	  /* the panic path is inside pmdcon_fb_drain */
	u64 sent;		  /* records sent through netpoll */
} fb;

/* The module's own stats, for sysfs. */
u64 pmdcon_fallback_sent(void)
{
	return READ_ONCE(fb.sent);
}

const char *pmdcon_fallback_mode(void)
{
	static const char *const names[] = { "off", "appliance", "takeover",
					     "panic" };

	return names[READ_ONCE(fb.mode)];
}

/*
 * netpoll tries a full queue for one jiffy, then defers the packet to a work
 * item, and every later packet queues behind it. In a panic that work never
 * runs, so a backlog would stop at the first full queue. Wait for room
 * first, polling the NIC for completions. A NIC that stays full for
 * PMDCON_FB_ROOM_US is not waited for again (a panic must not hang on it).
 * Panic path only (the worker's deferred packets are sent by that work
 * item); interrupts are off.
 */
static void pmdcon_fb_wait_room(struct pmdcon_fb_target *t)
{
	struct net_device *dev = t->np.dev;
	unsigned int us, q;

	for (us = 0; !t->stuck; us++) {
		bool full = false;

		for (q = 0; q < dev->real_num_tx_queues; q++)
			full |= netif_xmit_stopped(netdev_get_tx_queue(dev, q));
		if (!full)
			return;
		if (us == PMDCON_FB_ROOM_US) {
			t->stuck = true;
			return;
		}
		netpoll_poll_dev(dev);
		udelay(1);
	}
}

static void pmdcon_fb_send(struct pmdcon_fb_ctx *x, const struct pmdcon_rec *rec,
			   const void *text, const void *dict)
{
	struct pmdcon_wire_enc e;
	unsigned long flags;
	unsigned int i;
	u32 len;

	for (i = 0; i < fb.n; i++) {
		pmdcon_wire_begin(&e, &fb.t[i].wire, &fb.t[i].msgid, rec, text,
				  dict);
		while ((len = pmdcon_wire_next(&e, x->pkt)) != 0) {
			/* netpoll runs with interrupts off, as in netconsole. */
			local_irq_save(flags);
			/* The worker's deferred packets go out with the
			 * work item; only the panic path must wait. */
			if (x == fb.panic_ctx)
				pmdcon_fb_wait_room(&fb.t[i]);
			netpoll_send_udp(&fb.t[i].np, x->pkt, len);
			local_irq_restore(flags);
		}
	}
}

/*
 * A notice for x->lost records overwritten before they were read, sent
 * before rec (the first that survived), whose seq bounds them.
 */
static void pmdcon_fb_send_loss(struct pmdcon_fb_ctx *x,
				const struct pmdcon_rec *rec)
{
	struct pmdcon_wire_notice n;
	bool known = rec->seq >= x->lost && rec->seq > 0;

	pmdcon_wire_loss_notice(&n, x->lost, known, rec->seq - x->lost,
				rec->seq - 1, rec->ts_usec,
				"overwritten in the ring");
	pmdcon_fb_send(x, &n.rec, n.text, n.dict);
	x->lost = 0;
}

/*
 * Sends up to max records from fb.cursor and publishes the position after
 * each one (a panic that interrupts the worker resumes there). Returns how
 * many records it sent. Only the current sender calls this.
 */
static unsigned int pmdcon_fb_drain(struct pmdcon_fb_ctx *x, unsigned int max)
{
	struct pmdcon_rec *rec = x->rec;
	unsigned int n = 0;
	u32 lost;
	u64 c;

	while (n < max) {
		/* The worker yields to a panic on another CPU that did not stop. */
		if (x == fb.worker_ctx &&
		    READ_ONCE(fb.mode) != PMDCON_FB_TAKEOVER)
			return n;
		c = fb.cursor;
		switch (pmdcon_ring_read(&pmdcon.ring, &c, x->rec,
					 pmdcon.ring.max_span, &lost)) {
		case PMDCON_READ_OK:
			pmdcon_rec_mark_boot(&pmdcon.ring, rec);
			if (x->lost)
				pmdcon_fb_send_loss(x, rec);
			pmdcon_fb_send(x, rec, pmdcon_rec_text(rec),
				       pmdcon_rec_dict(rec));
			WRITE_ONCE(fb.sent, fb.sent + 1);
			n++;
			break;
		case PMDCON_READ_LOST:
			x->lost += lost;
			break;
		case PMDCON_READ_CORRUPT:
			/* Unreadable: move to the oldest record (never stuck). */
			c = pmdcon_ring_cursor_check(&pmdcon.ring,
						     READ_ONCE(pmdcon.ring.hdr->tail));
			if (c == fb.cursor)
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
			if (x != fb.panic_ctx ||
			    !pmdcon_ring_skip_pending(&pmdcon.ring, &c))
				return n;
			break;
		default: /* EMPTY */
			return n;
		}
		fb.cursor = c;
		smp_store_release(&pmdcon.ring.hdr->kernel_tx_id, c);
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

static int pmdcon_fb_worker(void *unused)
{
	unsigned long limit = msecs_to_jiffies(takeover_ms);

	while (!kthread_should_stop()) {
		bool alive = pmdcon_heartbeat_age() < limit;

		if (READ_ONCE(fb.mode) == PMDCON_FB_APPLIANCE && !alive) {
			fb.cursor = pmdcon_fb_start();
			WRITE_ONCE(pmdcon.ring.hdr->kernel_tx_id, fb.cursor);
			pmdcon_fb_set_sender(PMDCON_SENDER_KERNEL);
			WRITE_ONCE(fb.mode, PMDCON_FB_TAKEOVER);
			pr_info("no appliance heartbeat for %u ms: sending through netpoll\n",
				jiffies_to_msecs(pmdcon_heartbeat_age()));
		} else if (READ_ONCE(fb.mode) == PMDCON_FB_TAKEOVER && alive) {
			/* kernel_tx_id is final: the appliance resumes there. */
			pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
			WRITE_ONCE(fb.mode, PMDCON_FB_APPLIANCE);
			pr_info("appliance heartbeat is back: handed the ring back after %llu records\n",
				(unsigned long long)fb.sent);
		}
		if (READ_ONCE(fb.mode) == PMDCON_FB_TAKEOVER &&
		    pmdcon_fb_drain(fb.worker_ctx, 256) == 256)
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
	pmdcon_fb_drain(fb.panic_ctx, UINT_MAX);
	atomic_set(&fb.panic_sending, 0);
}

static int pmdcon_fb_panic(struct notifier_block *nb, unsigned long ev,
			   void *msg)
{
	if (fb.mode == PMDCON_FB_OFF)
		return NOTIFY_DONE;
	/* The appliance is frozen: resume from what it confirmed, or from
	 * where the worker got to if it was sending. */
	fb.cursor = pmdcon_fb_start();
	pmdcon_fb_set_sender(PMDCON_SENDER_KERNEL);
	WRITE_ONCE(fb.mode, PMDCON_FB_PANIC);
	pmdcon_fallback_flush();
	return NOTIFY_DONE;
}

static struct notifier_block pmdcon_fb_panic_nb = {
	.notifier_call = pmdcon_fb_panic,
	/* Early: before notifiers that may hang or reboot. */
	.priority = INT_MAX,
};

static int pmdcon_fb_setup(unsigned int i, const struct pmdcon_nc_target *t,
			   const char *text, size_t len)
{
	struct pmdcon_fb_target *ft = &fb.t[i];
	int err;

	ft->np.name = "pmdcon";
	strscpy(ft->np.dev_name, t->dev, sizeof(ft->np.dev_name));
	ft->np.local_ip.ip = htonl(t->src_ip);
	ft->np.remote_ip.ip = htonl(t->dst_ip);
	ft->np.ipv6 = false;
	ft->np.local_port = t->src_port;
	ft->np.remote_port = t->dst_port;
	memcpy(ft->np.remote_mac, t->dst_mac, ETH_ALEN);
	err = netpoll_setup(&ft->np);
	if (err) {
		pr_err("fallback target %u \"%.*s\": netpoll on %s failed (%d)\n",
		       i + 1, (int)len, text, t->dev, err);
		return err;
	}
	ft->wire.extended = t->extended;
	ft->wire.release = t->release;
	ft->wire.release_str = init_utsname()->release;
	ft->wire.release_len = strnlen(init_utsname()->release,
				       PMDCON_WIRE_RELEASE_MAX);
	return 0;
}

static void pmdcon_fb_ctx_free(struct pmdcon_fb_ctx **x)
{
	if (*x)
		kfree((*x)->rec);
	kfree(*x);
	*x = NULL;
}

static struct pmdcon_fb_ctx *pmdcon_fb_ctx_alloc(void)
{
	struct pmdcon_fb_ctx *x = kzalloc(sizeof(*x), GFP_KERNEL);

	if (x)
		x->rec = kmalloc(pmdcon.ring.max_span, GFP_KERNEL);
	if (x && !x->rec)
		pmdcon_fb_ctx_free(&x);
	return x;
}

static void pmdcon_fb_cleanup(void)
{
	while (fb.n)
		netpoll_cleanup(&fb.t[--fb.n].np);
	pmdcon_fb_ctx_free(&fb.worker_ctx);
	pmdcon_fb_ctx_free(&fb.panic_ctx);
}

int pmdcon_fallback_start(void)
{
	const char *p = fallback, *item, *why;
	struct pmdcon_nc_target t;
	size_t len;
	int err;

	fb.mode = PMDCON_FB_OFF;
	if (!fallback || !*fallback)
		return 0;
	if (takeover_ms < 10 || takeover_ms > 60000) {
		pr_err("takeover_ms=%u: must be 10 to 60000\n", takeover_ms);
		return -EINVAL;
	}
	/* Every target is checked before any netpoll is set up. */
	for (fb.n = 0; (len = pmdcon_nc_next(&p, &item)) != 0; fb.n++) {
		if (fb.n == PMDCON_FB_TARGETS) {
			pr_err("fallback: more than %d targets\n",
			       PMDCON_FB_TARGETS);
			return -EINVAL;
		}
		if (pmdcon_nc_parse(item, len, &t, &why) < 0) {
			pr_err("fallback target %u \"%.*s\": %s\n", fb.n + 1,
			       (int)len, item, why);
			return -EINVAL;
		}
	}
	fb.n = 0;
	fb.worker_ctx = pmdcon_fb_ctx_alloc();
	fb.panic_ctx = pmdcon_fb_ctx_alloc();
	if (!fb.worker_ctx || !fb.panic_ctx) {
		pmdcon_fb_cleanup();
		return -ENOMEM;
	}
	p = fallback;
	for (fb.n = 0; (len = pmdcon_nc_next(&p, &item)) != 0; fb.n++) {
		pmdcon_nc_parse(item, len, &t, &why);
		err = pmdcon_fb_setup(fb.n, &t, item, len);
		if (err) {
			pmdcon_fb_cleanup();
			return err;
		}
	}
	fb.mode = PMDCON_FB_APPLIANCE;
	/* A ring handed to us by an earlier load is the appliance's again. */
	pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
	atomic_notifier_chain_register(&panic_notifier_list, &pmdcon_fb_panic_nb);
	fb.worker = kthread_run(pmdcon_fb_worker, NULL, "pmdcon-fallback");
	if (IS_ERR(fb.worker)) {
		err = PTR_ERR(fb.worker);
		atomic_notifier_chain_unregister(&panic_notifier_list,
						 &pmdcon_fb_panic_nb);
		pmdcon_fb_cleanup();
		fb.mode = PMDCON_FB_OFF;
		return err;
	}
	pr_info("fallback: %u netpoll target(s), takeover after %u ms without a heartbeat\n",
		fb.n, takeover_ms);
	return 0;
}

void pmdcon_fallback_stop(void)
{
	if (fb.mode == PMDCON_FB_OFF)
		return;
	kthread_stop(fb.worker);
	atomic_notifier_chain_unregister(&panic_notifier_list,
					 &pmdcon_fb_panic_nb);
	pmdcon_fb_set_sender(PMDCON_SENDER_CONSUMER);
	fb.mode = PMDCON_FB_OFF;
	pmdcon_fb_cleanup();
}
