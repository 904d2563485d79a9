/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * /dev/pmdcon, the kernel module's ring device, as userspace sees it.
 *
 *   fd = open("/dev/pmdcon", O_RDWR);       // one consumer at a time: EBUSY
 *   ioctl(fd, PMDCON_IOC_GEOMETRY, &geo);  // region size, ABI version
 *   base = mmap(0, geo.region_size, PROT_READ, MAP_SHARED, fd, 0);
 *   mmap(base + geo.cons_offset, PMDCON_PAGE_SIZE, PROT_READ | PROT_WRITE,
 *        MAP_SHARED | MAP_FIXED, fd, geo.cons_offset);
 *
 * Only the consumer page may be mapped writable; any other writable mapping
 * is refused with EPERM.
 */
#ifndef PMDCON_DEV_H_
#define PMDCON_DEV_H_

#include <linux/ioctl.h>

#include "pmdcon/ring.h"

/* Where the module's ring memory came from. */
#define PMDCON_MEM_RESERVE 1 /* reserve_mem= (survives a warm reboot) */
#define PMDCON_MEM_MEMMAP 2  /* memmap= (survives a warm reboot) */
#define PMDCON_MEM_ALLOC 3   /* ordinary memory (lost on reboot) */

/* Written by the kernel, read by userspace. */
struct pmdcon_geometry {
  uint32_t abi_version; /* PMDCON_RING_ABI_VERSION of the module */
  uint32_t mem_kind;    /* PMDCON_MEM_* */
  uint64_t region_size; /* bytes to map */
  uint64_t data_size;
  uint32_t cons_offset; /* the one page that may be mapped writable */
  uint32_t data_offset;
};

PMDCON_STATIC_ASSERT(sizeof(struct pmdcon_geometry) == 32, "geometry size");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_geometry, region_size) ==
                         8,
                     "geometry layout");
PMDCON_STATIC_ASSERT(__builtin_offsetof(struct pmdcon_geometry, cons_offset) ==
                         24,
                     "geometry layout");

#define PMDCON_IOC_GEOMETRY _IOR('p', 1, struct pmdcon_geometry)

#endif /* PMDCON_DEV_H_ */
