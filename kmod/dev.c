// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pmdcon: one consumer maps the ring (read-only, except the consumer
 * page) and reads its geometry by ioctl. Statistics are attributes of the
 * device in sysfs (/sys/class/misc/pmdcon/). An open file pins the module
 * (fops.owner), and a mapping pins its file, so the ring memory outlives every
 * user mapping: rmmod fails with EBUSY until the last one is gone.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "pmdcon.h"

static int pmdcon_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&pmdcon.consumers, 0, 1) != 0)
		return -EBUSY;
	return 0;
}

static int pmdcon_release(struct inode *inode, struct file *file)
{
	atomic_set(&pmdcon.consumers, 0);
	return 0;
}

static long pmdcon_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct pmdcon_geometry geo = {
		.abi_version = PMDCON_RING_ABI_VERSION,
		.mem_kind = pmdcon.mem_kind,
		.region_size = pmdcon.size,
		.data_size = pmdcon.ring.hdr->data_size,
		.cons_offset = PMDCON_CONS_OFFSET,
		.data_offset = PMDCON_DATA_OFFSET,
	};

	if (cmd != PMDCON_IOC_GEOMETRY)
		return -ENOTTY;
	if (copy_to_user((void __user *)arg, &geo, sizeof(geo)))
		return -EFAULT;
	return 0;
}

/*
 * Any page range of the region may be mapped read-only; only exactly the
 * consumer page may be mapped writable. VM_MAYWRITE is cleared on read-only
 * mappings so mprotect() cannot upgrade them later.
 */
static int pmdcon_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	bool cons = off == PMDCON_CONS_OFFSET && len == PMDCON_PAGE_SIZE;

	if (off > pmdcon.size || len > pmdcon.size - off)
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) && !cons)
		return -EPERM;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	if (!cons)
		vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_DONTCOPY);
#else
	if (!cons)
		vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_DONTCOPY;
#endif
	return remap_pfn_range(vma, vma->vm_start,
			       (pmdcon.phys + off) >> PAGE_SHIFT, len,
			       vma->vm_page_prot);
}

static const struct file_operations pmdcon_fops = {
	.owner = THIS_MODULE,
	.open = pmdcon_open,
	.release = pmdcon_release,
	.unlocked_ioctl = pmdcon_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pmdcon_mmap,
	.llseek = noop_llseek,
};

/* ---- statistics ------------------------------------------------------- */

static ssize_t records_show(struct device *d, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&pmdcon.records));
}
static DEVICE_ATTR_RO(records);

static ssize_t bytes_show(struct device *d, struct device_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&pmdcon.bytes));
}
static DEVICE_ATTR_RO(bytes);

/*
 * Records that never reached the ring: printk dropped them before the
 * console saw them (skipped), the ring was jammed, or not a record.
 */
static ssize_t lost_show(struct device *d, struct device_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)READ_ONCE(pmdcon.ring.hdr->dropped) +
				  atomic64_read(&pmdcon.unparsed) +
				  atomic64_read(&pmdcon.skipped));
}
static DEVICE_ATTR_RO(lost);

static ssize_t skipped_show(struct device *d, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&pmdcon.skipped));
}
static DEVICE_ATTR_RO(skipped);

/* The consumer's transmitted position, validated: userspace wrote it. */
static u64 pmdcon_tx_id(void)
{
	return pmdcon_ring_cursor_check(&pmdcon.ring,
					READ_ONCE(pmdcon.ring.cons->tx_id));
}

static ssize_t tx_id_show(struct device *d, struct device_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n", (unsigned long long)pmdcon_tx_id());
}
static DEVICE_ATTR_RO(tx_id);

/*
 * Records written but not yet sent by whoever sends now: the appliance (its
 * validated tx_id) or the module's fallback (kernel_tx_id). The sent side
 * first, then the head: the check keeps it at or before a head it read, so
 * a head read after cannot be behind it (read before, a sender that moved
 * past it in between made 2^32 - 1).
 */
static ssize_t unsent_show(struct device *d, struct device_attribute *a,
			   char *buf)
{
	struct pmdcon_ring_hdr *hdr = pmdcon.ring.hdr;
	u64 sent = smp_load_acquire(&hdr->sender) == PMDCON_SENDER_KERNEL ?
			   pmdcon_ring_cursor_check(&pmdcon.ring,
						    READ_ONCE(hdr->kernel_tx_id)) :
			   pmdcon_tx_id();
	u64 head = smp_load_acquire(&hdr->head);
	s32 ahead = pmdcon_pos_diff(pmdcon_id_rid(head), pmdcon_id_rid(sent));

	return sysfs_emit(buf, "%d\n", ahead > 0 ? ahead : 0);
}
static DEVICE_ATTR_RO(unsent);

/* Milliseconds since the consumer's heartbeat last changed. */
static ssize_t heartbeat_age_ms_show(struct device *d,
				     struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  jiffies_to_msecs(pmdcon_heartbeat_age()));
}
static DEVICE_ATTR_RO(heartbeat_age_ms);

/* Who sends now: off (no fallback=), appliance, takeover or panic. */
static ssize_t sender_show(struct device *d, struct device_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", pmdcon_fallback_mode());
}
static DEVICE_ATTR_RO(sender);

/* Records the module sent through netpoll. */
static ssize_t fallback_sent_show(struct device *d, struct device_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)pmdcon_fallback_sent());
}
static DEVICE_ATTR_RO(fallback_sent);

/* Packets the fallback's targets could not hand to their NIC. */
static ssize_t transmit_errors_show(struct device *d,
				    struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)pmdcon_tgt_transmit_errors());
}
static DEVICE_ATTR_RO(transmit_errors);

/* Where the ring lives and whose it is, for `pmdcon doctor`. */
static ssize_t ring_show(struct device *d, struct device_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s %s\n", pmdcon_mem_kind_name(),
			  pmdcon.origin ? pmdcon.origin : "new");
}
static DEVICE_ATTR_RO(ring);

static struct attribute *pmdcon_attrs[] = {
	&dev_attr_records.attr, &dev_attr_bytes.attr,
	&dev_attr_lost.attr,    &dev_attr_tx_id.attr,
	&dev_attr_unsent.attr,  &dev_attr_heartbeat_age_ms.attr,
	&dev_attr_skipped.attr, &dev_attr_sender.attr,
	&dev_attr_fallback_sent.attr, &dev_attr_transmit_errors.attr,
	&dev_attr_ring.attr, NULL,
};
ATTRIBUTE_GROUPS(pmdcon);

static struct miscdevice pmdcon_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pmdcon",
	.fops = &pmdcon_fops,
	.mode = 0600,
	.groups = pmdcon_groups,
};

int pmdcon_dev_register(void)
{
	return misc_register(&pmdcon_misc);
}

void pmdcon_dev_unregister(void)
{
	misc_deregister(&pmdcon_misc);
}
