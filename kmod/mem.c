// SPDX-License-Identifier: GPL-2.0
/*
 * Ring memory: a reserve_mem= region by name (6.12+), a memmap= region by
 * address and size, or ordinary pages. Reserved regions keep their records
 * across a warm reboot, so a valid ring found there is adopted, not wiped.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/fs.h>
#include <linux/gfp.h>
#if __has_include(<linux/hex.h>)
#include <linux/hex.h> /* hex2bin, on its own since 7.x */
#endif
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/version.h>

#include "pmdcon.h"

static char *mem_name;
module_param(mem_name, charp, 0444);
MODULE_PARM_DESC(mem_name, "reserve_mem= region holding the ring (6.12+)");

static unsigned long mem_address;
module_param(mem_address, ulong, 0444);
MODULE_PARM_DESC(mem_address, "physical start of a memmap= region");

static unsigned long mem_size;
module_param(mem_size, ulong, 0444);
MODULE_PARM_DESC(mem_size, "bytes of the memmap= region at mem_address");

static unsigned int alloc_size = 1 << 20;
module_param(alloc_size, uint, 0444);
MODULE_PARM_DESC(alloc_size,
		 "ring bytes when no reserved region is given (default 1 MiB)");

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/*
 * The boot's id as userspace sees it (a UUID in procfs), so that records of
 * this boot and earlier ones are told apart the same way on both sides.
 */
static void pmdcon_boot_id(u8 id[PMDCON_BOOT_ID_LEN])
{
	char text[37] = "";
	struct file *f;
	loff_t pos = 0;
	ssize_t n = -ENOENT;
	int i = 0;
	const char *p;

	f = filp_open(BOOT_ID_PATH, O_RDONLY, 0);
	if (!IS_ERR(f)) {
		n = kernel_read(f, text, sizeof(text) - 1, &pos);
		filp_close(f, NULL);
	}
	for (p = text; n > 0 && *p && i < PMDCON_BOOT_ID_LEN; p++) {
		if (*p == '-')
			continue;
		if (hex2bin(&id[i], p, 1))
			break;
		i++;
		p++;
	}
	if (i != PMDCON_BOOT_ID_LEN) {
		pr_warn("cannot read %s (%zd): using a random boot id\n",
			BOOT_ID_PATH, n);
		get_random_bytes(id, PMDCON_BOOT_ID_LEN);
	}
}

static int pmdcon_mem_find(void)
{
	if (mem_name && *mem_name) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
		phys_addr_t start, size;

		if (!reserve_mem_find_by_name(mem_name, &start, &size)) {
			pr_err("no reserve_mem region \"%s\" (boot with reserve_mem=SIZE:4096:%s)\n",
			       mem_name, mem_name);
			return -ENOENT;
		}
		pmdcon.phys = start;
		pmdcon.size = size;
		pmdcon.mem_kind = PMDCON_MEM_RESERVE;
		return 0;
#else
		pr_err("mem_name=%s: reserve_mem needs Linux 6.12 or later; use mem_address= and mem_size= with memmap=\n",
		       mem_name);
		return -EINVAL;
#endif
	}
	if (mem_address || mem_size) {
		if (!mem_address || !mem_size) {
			pr_err("mem_address= and mem_size= go together\n");
			return -EINVAL;
		}
		if (!PAGE_ALIGNED(mem_address) || !PAGE_ALIGNED(mem_size)) {
			pr_err("mem_address=%#lx mem_size=%#lx: both must be page aligned\n",
			       mem_address, mem_size);
			return -EINVAL;
		}
		/* Memory the kernel uses would be overwritten: refuse it. */
		if (region_intersects(mem_address, mem_size,
				      IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT) {
			pr_err("[%#lx, +%#lx) is System RAM in use: reserve it with memmap=%#lx$%#lx\n",
			       mem_address, mem_size, mem_size, mem_address);
			return -EINVAL;
		}
		pmdcon.phys = mem_address;
		pmdcon.size = mem_size;
		pmdcon.mem_kind = PMDCON_MEM_MEMMAP;
		return 0;
	}
	pmdcon.size = PAGE_ALIGN(alloc_size);
	pmdcon.mem_kind = PMDCON_MEM_ALLOC;
	return 0;
}

int pmdcon_mem_attach(void)
{
	u8 boot_id[PMDCON_BOOT_ID_LEN];
	const char *why = NULL;
	u32 cut;
	int err;

	err = pmdcon_mem_find();
	if (err)
		return err;
	if (!pmdcon_ring_data_size_for(pmdcon.size)) {
		pr_err("%llu bytes cannot hold a ring (at least %u)\n",
		       pmdcon.size, PMDCON_DATA_OFFSET + PMDCON_DATA_MIN);
		return -EINVAL;
	}
	if (pmdcon.mem_kind == PMDCON_MEM_ALLOC) {
		pmdcon.base = alloc_pages_exact(pmdcon.size,
						GFP_KERNEL | __GFP_ZERO);
		if (!pmdcon.base)
			return -ENOMEM;
		pmdcon.phys = virt_to_phys(pmdcon.base);
		pr_warn("no reserved memory given: the ring is in ordinary memory and will not survive a reboot (see mem_name=, mem_address=)\n");
	} else {
		pmdcon.base = memremap(pmdcon.phys, pmdcon.size, MEMREMAP_WB);
		if (!pmdcon.base) {
			pr_err("cannot map [%pa, +%llu)\n", &pmdcon.phys,
			       pmdcon.size);
			return -ENOMEM;
		}
	}

	pmdcon_boot_id(boot_id);
	if (pmdcon_ring_open(&pmdcon.ring, pmdcon.base, pmdcon.size, &why)) {
		if (pmdcon.mem_kind != PMDCON_MEM_ALLOC)
			pr_notice("no valid ring at %pa (%s): formatting a new one\n",
				  &pmdcon.phys, why);
	} else if (pmdcon_ring_recover(&pmdcon.ring, &cut)) {
		pr_notice("ring at %pa has inconsistent positions: formatting a new one\n",
			  &pmdcon.phys);
		why = "positions";
	} else {
		if (cut)
			pr_notice("dropped %u unfinished records at the ring's head\n",
				  cut);
		if (memcmp(pmdcon.ring.hdr->boot_id, boot_id,
			   PMDCON_BOOT_ID_LEN)) {
			pmdcon_ring_adopt(&pmdcon.ring, boot_id);
			pmdcon.origin = "adopted";
			pr_info("adopted the ring of the previous boot (generation %u)\n",
				pmdcon.ring.boot_gen);
		} else {
			pmdcon.origin = "reattached";
			pr_info("reattached to this boot's ring\n");
		}
	}
	if (why) {
		err = pmdcon_ring_format(&pmdcon.ring, pmdcon.base, pmdcon.size,
					 boot_id, get_random_u64());
		if (err) {
			pmdcon_mem_detach();
			return err;
		}
		pmdcon.origin = "new";
	}
	pr_info("ring at %pa: %llu bytes, %llu of data (%s)\n", &pmdcon.phys,
		pmdcon.size, pmdcon.ring.hdr->data_size, pmdcon_mem_kind_name());
	return 0;
}

const char *pmdcon_mem_kind_name(void)
{
	return pmdcon.mem_kind == PMDCON_MEM_RESERVE ? "reserve_mem" :
	       pmdcon.mem_kind == PMDCON_MEM_MEMMAP  ? "memmap" :
						       "allocated";
}

void pmdcon_mem_detach(void)
{
	if (!pmdcon.base)
		return;
	if (pmdcon.mem_kind == PMDCON_MEM_ALLOC)
		free_pages_exact(pmdcon.base, pmdcon.size);
	else
		memunmap(pmdcon.base);
	pmdcon.base = NULL;
}
