// SPDX-License-Identifier: GPL-2.0
/*
 * The console: every extended record printk hands it is parsed and written
 * straight into the ring (one copy, no lock, no wait). On 6.12+ it is an nbcon
 * console, on older kernels a legacy CON_EXTENDED one; both call
 * pmdcon_console_emit(), the one body of logic.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/console.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>

#include "pmdcon.h"
#include "pmdcon/ext.h"
#include "pmdcon/wire.h"

/*
 * printk overwrote records [first, last] before this console printed them (a
 * flood faster than the console): count them and put a loss notice in their
 * place, so that every receiver sees the loss announced, not a silent gap.
 */
static void pmdcon_console_skipped(u64 first, u64 last, u64 ts_usec)
{
	struct pmdcon_wire_notice n;

	atomic64_add(last - first + 1, &pmdcon.skipped);
	pmdcon_wire_loss_notice(&n, last - first + 1, 1, first, last, ts_usec,
				"dropped by printk before the console");
	pmdcon_ring_write(&pmdcon.ring, &n.rec, n.text, n.rec.text_len, n.dict,
			  n.rec.dict_len);
}

/*
 * Calls are serialized by printk (console_lock, or nbcon ownership).
 * cpu and comm name the task that called printk where the kernel says so
 * (7.x's CONFIG_PRINTK_EXECUTION_CTX, as its netconsole's sysdata does);
 * elsewhere the context running the console (docs/kmod.md).
 */
static void pmdcon_console_emit(const char *text, unsigned int len, int cpu,
				const char *comm)
{
	struct pmdcon_rec meta, *rec;
	const char *why;
	u32 text_len, dict_len;
	s32 body;
	int fit;

	body = pmdcon_ext_header(text, len, &meta, &why);
	if (body < 0) {
		atomic64_inc(&pmdcon.unparsed);
		return;
	}
	if (pmdcon.have_seq && meta.seq > pmdcon.next_seq)
		pmdcon_console_skipped(pmdcon.next_seq, meta.seq - 1, meta.ts_usec);
	/* A lower seq is a re-print after an nbcon takeover, not a loss. */
	if (!pmdcon.have_seq || meta.seq >= pmdcon.next_seq)
		pmdcon.next_seq = meta.seq + 1;
	pmdcon.have_seq = true;
	rec = pmdcon_ring_reserve(&pmdcon.ring, len - body, 0, meta.seq);
	if (!rec)
		return; /* counted in the ring's dropped */
	fit = pmdcon_ext_body(text + body, text + len, pmdcon_rec_text(rec),
			      rec->text_len, &text_len, &dict_len);
	rec->text_len = (u16)text_len;
	rec->dict_len = (u16)dict_len;
	meta.cpu = (u16)cpu;
	meta.flags |= PMDCON_REC_CPU | PMDCON_REC_COMM;
	strscpy_pad(meta.comm, comm, sizeof(meta.comm));
	pmdcon_rec_set_meta(rec, &meta, !fit);
	pmdcon_ring_commit(&pmdcon.ring, rec);
	atomic64_inc(&pmdcon.records);
	atomic64_add(text_len + dict_len, &pmdcon.bytes);
	pmdcon_fallback_flush(); /* in a panic, it goes out now */
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)

/* Nothing but this console uses the "device" (the ring is lockless). */
static DEFINE_SPINLOCK(pmdcon_device_lock);

static void pmdcon_write(struct console *con, struct nbcon_write_context *wctxt)
{
	/* Unsafe: a takeover must not find a half-filled record. */
	if (!nbcon_enter_unsafe(wctxt))
		return;
#ifdef CONFIG_PRINTK_EXECUTION_CTX
	pmdcon_console_emit(wctxt->outbuf, wctxt->len, wctxt->cpu, wctxt->comm);
#else
	pmdcon_console_emit(wctxt->outbuf, wctxt->len, raw_smp_processor_id(),
			    current->comm);
#endif
	nbcon_exit_unsafe(wctxt);
}

static void pmdcon_lock(struct console *con, unsigned long *flags)
{
	spin_lock_irqsave(&pmdcon_device_lock, *flags);
}

static void pmdcon_unlock(struct console *con, unsigned long flags)
{
	spin_unlock_irqrestore(&pmdcon_device_lock, flags);
}

static struct console pmdcon_console = {
	.name = "pmdcon",
	.flags = CON_NBCON | CON_EXTENDED | CON_ENABLED | CON_PRINTBUFFER,
	.write_atomic = pmdcon_write,
	.write_thread = pmdcon_write,
	.device_lock = pmdcon_lock,
	.device_unlock = pmdcon_unlock,
	.index = -1,
};

#else

static void pmdcon_write(struct console *con, const char *text,
			 unsigned int len)
{
	pmdcon_console_emit(text, len, raw_smp_processor_id(), current->comm);
}

static struct console pmdcon_console = {
	.name = "pmdcon",
	.flags = CON_EXTENDED | CON_ENABLED | CON_PRINTBUFFER,
	.write = pmdcon_write,
	.index = -1,
};

#endif

int pmdcon_console_register(void)
{
	register_console(&pmdcon_console);
	if (!(pmdcon_console.flags & CON_ENABLED)) {
		pr_err("the console could not be enabled\n");
		return -ENODEV;
	}
	return 0;
}

void pmdcon_console_unregister(void)
{
	unregister_console(&pmdcon_console);
}
