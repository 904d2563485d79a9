// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for the QEMU scenarios: each action is a write to one of its
 * parameters in /sys/module/pmdcon_test/parameters/, run in the writer's
 * process context, with results readable from the same directory.
 *
 *   flood_ms=MS     printk "pmdcon-flood RUN N ..." as fast as possible for
 *                   MS ms (RUN counts floods from 1); flood_count then
 *                   holds N.
 *   bench=N         time N printk calls; bench_ns holds the total.
 *   oops_kthread=1  a kthread dereferences NULL (with panic_on_oops: panic).
 *   panic_timer=1   a timer callback panics (softirq context).
 *   hold_txlock=DEV a kthread on another CPU takes DEV's first transmit
 *                   queue lock and spins holding it, as a CPU in the middle
 *                   of a send does; returns once it holds it. For a panic
 *                   that stops that CPU with the lock held.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define timer_delete_sync del_timer_sync /* renamed in 6.15 */
#endif

/* Pads every test line to a 100-byte text, the size the benchmarks use. */
#define PMDCON_TEST_PAD \
	"........................................" \
	"........................................" \
	"........"

static unsigned long flood_count;
module_param(flood_count, ulong, 0444);
MODULE_PARM_DESC(flood_count, "records printed by the last flood");

static unsigned int flood_runs;

static unsigned long bench_ns;
module_param(bench_ns, ulong, 0444);
MODULE_PARM_DESC(bench_ns, "nanoseconds the last bench took");

static int flood_set(const char *val, const struct kernel_param *kp)
{
	unsigned long n = 0;
	unsigned int ms;
	u64 end;
	int err = kstrtouint(val, 0, &ms);

	if (err)
		return err;
	if (ms > 60000)
		return -ERANGE;
	flood_runs++;
	end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	do {
		pr_info("pmdcon-flood %u %lu %.*s\n", flood_runs, n, 82,
			PMDCON_TEST_PAD);
		if (!(++n & 255))
			cond_resched();
	} while (ktime_get_ns() < end);
	flood_count = n;
	return 0;
}

static const struct kernel_param_ops flood_ops = { .set = flood_set };
module_param_cb(flood_ms, &flood_ops, NULL, 0200);
MODULE_PARM_DESC(flood_ms, "write: printk as fast as possible for this long");

static int bench_set(const char *val, const struct kernel_param *kp)
{
	unsigned long i, n;
	u64 t0;
	int err = kstrtoul(val, 0, &n);

	if (err)
		return err;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		pr_info("pmdcon-bench %lu %.*s\n", i, 84, PMDCON_TEST_PAD);
		if (!(i & 255))
			cond_resched();
	}
	bench_ns = ktime_get_ns() - t0;
	return 0;
}

static const struct kernel_param_ops bench_ops = { .set = bench_set };
module_param_cb(bench, &bench_ops, NULL, 0200);
MODULE_PARM_DESC(bench, "write N: time N printk calls into bench_ns");

/* Hidden from the compiler, so the dereference is not optimized away. */
static int *volatile pmdcon_test_null;

static int oops_fn(void *unused)
{
	*pmdcon_test_null = 1;
	return 0;
}

static int oops_set(const char *val, const struct kernel_param *kp)
{
	struct task_struct *t = kthread_run(oops_fn, NULL, "pmdcon-oops");

	return PTR_ERR_OR_ZERO(t);
}

static const struct kernel_param_ops oops_ops = { .set = oops_set };
module_param_cb(oops_kthread, &oops_ops, NULL, 0200);
MODULE_PARM_DESC(oops_kthread, "write: oops in a new kthread");

static struct timer_list panic_timer;
static bool panic_timer_set_up;

static void panic_timer_fn(struct timer_list *t)
{
	panic("pmdcon_test: panic from a timer");
}

static int panic_timer_set(const char *val, const struct kernel_param *kp)
{
	timer_setup(&panic_timer, panic_timer_fn, 0);
	panic_timer_set_up = true;
	mod_timer(&panic_timer, jiffies + 1);
	return 0;
}

static const struct kernel_param_ops panic_timer_ops = {
	.set = panic_timer_set
};
module_param_cb(panic_timer, &panic_timer_ops, NULL, 0200);
MODULE_PARM_DESC(panic_timer, "write: panic from a timer callback");

static struct net_device *txlock_dev;
static atomic_t txlock_held;

static int txlock_fn(void *unused)
{
	struct netdev_queue *txq = netdev_get_tx_queue(txlock_dev, 0);

	local_bh_disable();
	__netif_tx_lock(txq, smp_processor_id());
	atomic_set(&txlock_held, 1);
	while (!kthread_should_stop())
		cpu_relax();
	__netif_tx_unlock(txq);
	local_bh_enable();
	return 0;
}

static int hold_txlock_set(const char *val, const struct kernel_param *kp)
{
	char name[IFNAMSIZ];
	struct task_struct *t;
	int cpu;

	if (txlock_dev)
		return -EBUSY;
	strscpy(name, val, sizeof(name));
	strim(name);
	txlock_dev = dev_get_by_name(&init_net, name);
	if (!txlock_dev)
		return -ENODEV;
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	t = kthread_create(txlock_fn, NULL, "pmdcon-txlock");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	while (!atomic_read(&txlock_held))
		cond_resched();
	pr_info("pmdcon_test: CPU %d holds %s's transmit lock\n", cpu, name);
	return 0;
}

static const struct kernel_param_ops hold_txlock_ops = {
	.set = hold_txlock_set
};
module_param_cb(hold_txlock, &hold_txlock_ops, NULL, 0200);
MODULE_PARM_DESC(hold_txlock, "write DEV: another CPU holds DEV's transmit lock");

static void __exit pmdcon_test_exit(void)
{
	if (panic_timer_set_up)
		timer_delete_sync(&panic_timer);
}
module_exit(pmdcon_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pmdcon test helper: printk flood, printk cost, crashes");
