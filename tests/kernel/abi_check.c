// SPDX-License-Identifier: GPL-2.0
/*
 * Compile check: the shared ABI headers (ring.h, wire.h) as kernel C, built
 * against Debian's kernel headers with W=1 by scripts/test. Every producer,
 * reader, recovery and encoder entry point is used, so all of them are
 * instantiated. Loading it runs a short self-check (not possible on the
 * build machine, which has no module support; the QEMU tests can).
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "pmdcon/ring.h"
#include "pmdcon/wire.h"

#define ABI_CHECK_REGION (PMDCON_DATA_OFFSET + 8192)

static int __init abi_check_init(void)
{
	static const uint8_t boot[PMDCON_BOOT_ID_LEN];
	static const struct pmdcon_wire_target target = { .extended = 1 };
	static char payload[PMDCON_WIRE_CHUNK];
	struct pmdcon_rec meta = { .seq = 1, .prio = 6 };
	struct pmdcon_wire_enc *enc;
	struct pmdcon_ring ring;
	uint64_t cursor, hint;
	uint32_t lost, skip, cut, msgid = 0, n;
	void *mem, *buf;
	int stop, err = -ENOMEM;

	mem = kzalloc(ABI_CHECK_REGION, GFP_KERNEL);
	buf = kzalloc(8192, GFP_KERNEL);
	enc = kzalloc(sizeof(*enc), GFP_KERNEL);
	if (!mem || !buf || !enc)
		goto out;
	err = pmdcon_ring_format(&ring, mem, ABI_CHECK_REGION, boot, 1);
	if (err)
		goto out;
	pmdcon_ring_write(&ring, &meta, "hello", 5, "K=V", 3);
	cursor = ring.hdr->tail;
	hint = cursor;
	n = pmdcon_ring_read_burst(&ring, &cursor, &hint, buf, 8192, 4, &skip,
				   &lost, &stop);
	cursor = pmdcon_ring_cursor_check(&ring, ring.hdr->tail);
	err = pmdcon_ring_read(&ring, &cursor, buf, 8192, &lost);
	pmdcon_ring_recover(&ring, &cut);
	pmdcon_ring_adopt(&ring, boot);
	pmdcon_wire_begin(enc, &target, &msgid, buf, pmdcon_rec_text(buf),
			  pmdcon_rec_dict(buf));
	n = pmdcon_wire_next(enc, payload);
	pr_info("pmdcon abi_check: read %d, payload %u bytes: %.*s", err, n,
		(int)n, payload);
	err = (err == PMDCON_READ_OK && n > 0) ? 0 : -EINVAL;
out:
	kfree(enc);
	kfree(buf);
	kfree(mem);
	return err;
}

static void __exit abi_check_exit(void)
{
}

module_init(abi_check_init);
module_exit(abi_check_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pmdcon: shared ABI headers compiled as kernel C");
