// SPDX-License-Identifier: GPL-2.0
/*
 * pmdcon: copies every printk record into a lockless ring in reserved memory
 * and lets the pmdcon appliance map it through /dev/pmdcon. See docs/kmod.md.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include "pmdcon.h"

struct pmdcon_state pmdcon;

/*
 * Samples the heartbeat (userspace writes it: it is only compared) and
 * returns how long it has not changed. Callers race harmlessly.
 */
unsigned long pmdcon_heartbeat_age(void)
{
	u64 hb = READ_ONCE(pmdcon.ring.cons->heartbeat);
	unsigned long now = jiffies;

	if (hb != READ_ONCE(pmdcon.hb_seen)) {
		WRITE_ONCE(pmdcon.hb_seen, hb);
		WRITE_ONCE(pmdcon.hb_jiffies, now);
	}
	return now - READ_ONCE(pmdcon.hb_jiffies);
}

static int __init pmdcon_init(void)
{
	int err;

	pmdcon.hb_jiffies = jiffies;
	err = pmdcon_mem_attach();
	if (err)
		return err;
	err = pmdcon_dev_register();
	if (err)
		goto detach;
	err = pmdcon_fallback_start();
	if (err)
		goto unregister;
	err = pmdcon_console_register();
	if (err)
		goto stop;
	return 0;

stop:
	pmdcon_fallback_stop();
unregister:
	pmdcon_dev_unregister();
detach:
	pmdcon_mem_detach();
	return err;
}

/* Runs only when no file (hence no mapping) holds the module. */
static void __exit pmdcon_exit(void)
{
	pmdcon_console_unregister();
	pmdcon_fallback_stop();
	pmdcon_dev_unregister();
	pmdcon_mem_detach();
	pr_info("unloaded after %lld records\n",
		(long long)atomic64_read(&pmdcon.records));
}

module_init(pmdcon_init);
module_exit(pmdcon_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pmdcon: printk records into a ring in reserved memory");
