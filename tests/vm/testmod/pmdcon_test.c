// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for the QEMU scenarios: each action is a write to one of its
 * parameters in /sys/module/pmdcon_test/parameters/, run in the writer's
 * process context, with results readable from the same directory.
 *
 *   flood_ms=MS   printk "pmdcon-flood RUN N ..." as fast as possible for MS
 *                 ms (RUN counts floods from 1); flood_count then holds N.
 *   bench=N       time N printk calls; bench_ns holds the total.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>

/* Pads every test line to a 100-byte text, the size the benchmarks use. */
#define PMDCON_TEST_PAD                                                        \
  ".........................................................................." \
  "......"

static unsigned long flood_count;
module_param(flood_count, ulong, 0444);
MODULE_PARM_DESC(flood_count, "records printed by the last flood");

static unsigned int flood_runs;

static unsigned long bench_ns;
module_param(bench_ns, ulong, 0444);
MODULE_PARM_DESC(bench_ns, "nanoseconds the last bench took");

static int flood_set(const char* val, const struct kernel_param* kp) {
  unsigned int ms;
  u64 end;
  unsigned long n = 0;
  int err = kstrtouint(val, 0, &ms);

  if (err) return err;
  if (ms > 60000) return -ERANGE;
  flood_runs++;
  end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
  do {
    pr_info("pmdcon-flood %u %lu %.*s\n", flood_runs, n, 82, PMDCON_TEST_PAD);
    if (!(++n & 255)) cond_resched();
  } while (ktime_get_ns() < end);
  flood_count = n;
  return 0;
}

static const struct kernel_param_ops flood_ops = {.set = flood_set};
module_param_cb(flood_ms, &flood_ops, NULL, 0200);
MODULE_PARM_DESC(flood_ms, "write: printk as fast as possible for this long");

static int bench_set(const char* val, const struct kernel_param* kp) {
  unsigned long i, n;
  u64 t0;
  int err = kstrtoul(val, 0, &n);

  if (err) return err;
  t0 = ktime_get_ns();
  for (i = 0; i < n; i++) {
    pr_info("pmdcon-bench %lu %.*s\n", i, 84, PMDCON_TEST_PAD);
    if (!(i & 255)) cond_resched();
  }
  bench_ns = ktime_get_ns() - t0;
  return 0;
}

static const struct kernel_param_ops bench_ops = {.set = bench_set};
module_param_cb(bench, &bench_ops, NULL, 0200);
MODULE_PARM_DESC(bench, "write N: time N printk calls into bench_ns");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pmdcon test helper: printk flood, printk cost, crashes");
