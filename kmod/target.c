// SPDX-License-Identifier: GPL-2.0
/*
 * Fallback targets: the device each one holds through netpoll, and the
 * frames it sends. The module builds its Ethernet + IP + UDP frames itself
 * (pmdcon/frame.h, the appliance's framing) and hands them to
 * netpoll_send_skb, the one netpoll call every kernel from 6.1 to 7.x has.
 *
 * A target holds its device only while ENABLED. NETDEV_UNREGISTER releases
 * it at once (DEACTIVATED): its records wait in the ring. A matching device
 * that registers again (by name, or by MAC when bound by MAC) or is renamed
 * to the target's name resumes it from a work item, and it sends what was
 * printed meanwhile. Joining a bond or bridge disables it (as netconsole).
 *
 * Locking: state changes happen under rtnl (setup, release, the notifier)
 * and pmdcon_tgt_lock; senders check the state under pmdcon_tgt_lock (the
 * panic path only tries it: the CPU that held it may have been stopped).
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>

#include "pmdcon.h"

DEFINE_SPINLOCK(pmdcon_tgt_lock);
struct pmdcon_tgt pmdcon_tgts[PMDCON_TARGETS];

/* One IPv4 ID counter for every target, as netpoll keeps one. */
static atomic_t pmdcon_ip_id;

/* How long an opened device may take to get a carrier (netpoll's default). */
#define PMDCON_CARRIER_MS 4000

/* The device a target names, under rtnl. */
static struct net_device *pmdcon_tgt_find(const struct pmdcon_tgt *t)
{
	struct net_device *dev;

	if (!t->cfg.by_mac)
		return __dev_get_by_name(&init_net, t->cfg.dev);
	for_each_netdev(&init_net, dev)
		if (dev->addr_len == ETH_ALEN &&
		    ether_addr_equal(dev->dev_addr, t->cfg.dev_mac))
			return dev;
	return NULL;
}

static bool pmdcon_tgt_matches(const struct pmdcon_tgt *t,
			       const struct net_device *dev)
{
	if (t->cfg.by_mac)
		return dev->addr_len == ETH_ALEN &&
		       ether_addr_equal(dev->dev_addr, t->cfg.dev_mac);
	return !strcmp(dev->name, t->cfg.dev);
}

/* The device's address of the target's family, under rtnl. */
static int pmdcon_tgt_source_ip(struct pmdcon_tgt *t, struct net_device *dev)
{
	static const u8 zero[16];

	if (memcmp(t->cfg.src_ip, zero, sizeof(zero)))
		return 0;
	if (t->cfg.family == 4) {
		struct in_device *in = __in_dev_get_rtnl(dev);
		const struct in_ifaddr *ifa = in ? rtnl_dereference(in->ifa_list) : NULL;

		if (!ifa)
			return -EDESTADDRREQ;
		memcpy(t->cfg.src_ip, &ifa->ifa_local, 4);
		return 0;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct in6_addr saddr;

		if (ipv6_dev_get_saddr(dev_net(dev), dev,
				       (struct in6_addr *)t->cfg.dst_ip, 0, &saddr))
			return -EDESTADDRREQ;
		memcpy(t->cfg.src_ip, &saddr, 16);
		return 0;
	}
#else
	return -EAFNOSUPPORT;
#endif
}

/* Headers from the configuration and the device (its MAC), under rtnl. */
static void pmdcon_tgt_frame(struct pmdcon_tgt *t, struct net_device *dev)
{
	struct pmdcon_frame_endpoints e = {
		.family = t->cfg.family,
		.src_port = t->cfg.src_port,
		.dst_port = t->cfg.dst_port,
	};

	memcpy(e.src_mac, dev->dev_addr, ETH_ALEN);
	memcpy(e.dst_mac, t->cfg.dst_mac, ETH_ALEN);
	memcpy(e.src_ip, t->cfg.src_ip, 16);
	memcpy(e.dst_ip, t->cfg.dst_ip, 16);
	pmdcon_frame_init(&t->frame, &e);
}

static void pmdcon_tgt_set_state(struct pmdcon_tgt *t,
				 enum pmdcon_tgt_state s)
{
	unsigned long flags;

	spin_lock_irqsave(&pmdcon_tgt_lock, flags);
	t->state = s;
	spin_unlock_irqrestore(&pmdcon_tgt_lock, flags);
}

/*
 * What netpoll_setup did before 7.x removed it: find the device, bring it
 * up and wait (bounded) for its carrier, pick the source address, then
 * __netpoll_setup. The target becomes ENABLED if it still is in state from
 * (configfs and the resume work race; -EAGAIN if it moved, 0 if it is
 * already enabled). Process context; takes rtnl.
 */
int pmdcon_tgt_enable(struct pmdcon_tgt *t, enum pmdcon_tgt_state from)
{
	struct net_device *dev;
	unsigned long until;
	int err;

	rtnl_lock();
	if (t->state != from) {
		err = t->state == PMDCON_TGT_ENABLED ? 0 : -EAGAIN;
		goto unlock;
	}
	dev = pmdcon_tgt_find(t);
	if (!dev) {
		err = -ENODEV;
		goto unlock;
	}
	netdev_hold(dev, &t->np.dev_tracker, GFP_KERNEL);
	if (netdev_master_upper_dev_get(dev)) {
		err = -EBUSY;
		goto put;
	}
	if (!netif_running(dev)) {
		err = dev_open(dev, NULL);
		if (err)
			goto put;
		rtnl_unlock();
		until = jiffies + msecs_to_jiffies(PMDCON_CARRIER_MS);
		while (!netif_carrier_ok(dev) && time_before(jiffies, until))
			msleep(10);
		rtnl_lock();
		if (t->state != from) { /* enabled or released meanwhile */
			err = t->state == PMDCON_TGT_ENABLED ? 0 : -EAGAIN;
			goto put;
		}
		if (dev->reg_state != NETREG_REGISTERED) {
			err = -ENODEV;
			goto put;
		}
	}
	err = pmdcon_tgt_source_ip(t, dev);
	if (err)
		goto put;
	t->np.name = "pmdcon";
	err = __netpoll_setup(&t->np, dev); /* sets np.dev and np.dev_name */
	if (err)
		goto put;
	pmdcon_tgt_frame(t, dev);
	t->stuck = false;
	pmdcon_tgt_set_state(t, PMDCON_TGT_ENABLED);
	rtnl_unlock();
	return 0;
put:
	netdev_put(dev, &t->np.dev_tracker);
unlock:
	rtnl_unlock();
	return err;
}

/*
 * Stops sending and lets go of the device: no sender touches np after the
 * state changed under the lock. Under rtnl.
 */
static void pmdcon_tgt_release_locked(struct pmdcon_tgt *t,
				      enum pmdcon_tgt_state s)
{
	bool held = t->state == PMDCON_TGT_ENABLED;

	pmdcon_tgt_set_state(t, s);
	if (!held)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	do_netpoll_cleanup(&t->np);
#else
	__netpoll_cleanup(&t->np);
	netdev_put(t->np.dev, &t->np.dev_tracker);
	t->np.dev = NULL;
#endif
}

/*
 * netpoll tries a full queue for one jiffy, then defers the packet to a work
 * item, and every later packet queues behind it. In a panic that work never
 * runs, so a backlog would stop at the first full queue. Wait for room
 * first, polling the NIC for completions. A NIC that stays full for
 * PMDCON_ROOM_US is not waited for again (a panic must not hang on it).
 */
#define PMDCON_ROOM_US 100000

static void pmdcon_tgt_wait_room(struct pmdcon_tgt *t)
{
	struct net_device *dev = t->np.dev;
	unsigned int us, q;

	for (us = 0; !t->stuck; us++) {
		bool full = false;

		for (q = 0; q < dev->real_num_tx_queues; q++)
			full |= netif_xmit_stopped(netdev_get_tx_queue(dev, q));
		if (!full)
			return;
		if (us == PMDCON_ROOM_US) {
			t->stuck = true;
			return;
		}
		netpoll_poll_dev(dev);
		udelay(1);
	}
}

/*
 * In a panic the other CPUs are stopped, and one stopped while it held a
 * transmit queue's lock (the appliance sending through af_packet on this
 * NIC, netconsole's printing thread) holds it for good. netpoll would spin
 * on it: its NAPI poll takes that lock (virtio_net's TX poll does), and the
 * panic would never reach its reboot. Such a target is WEDGED: it sends
 * nothing more in this panic, and its records, from its position on, wait
 * in the ring for the appliance after a warm reboot. Panic path only.
 */
bool pmdcon_tgt_panic_wedged(struct pmdcon_tgt *t)
{
	struct net_device *dev;
	int cpu = smp_processor_id(), owner = -1;
	unsigned int q;

	if (READ_ONCE(t->state) == PMDCON_TGT_WEDGED)
		return true;
	if (READ_ONCE(t->state) != PMDCON_TGT_ENABLED)
		return false;
	dev = t->np.dev;
	for (q = 0; q < dev->num_tx_queues && owner == -1; q++) {
		struct netdev_queue *txq = netdev_get_tx_queue(dev, q);

		owner = READ_ONCE(txq->xmit_lock_owner);
		if (owner == cpu)
			owner = -1;
		/*
		 * __netif_tx_lock() records its owner only after it took the
		 * lock: a CPU stopped between the two holds it with no owner
		 * shown (a 6.12 panic hung so once, in netpoll's NAPI poll).
		 */
		else if (owner == -1 && spin_is_locked(&txq->_xmit_lock))
			owner = nr_cpu_ids;
	}
	if (owner == -1)
		return false;
	WRITE_ONCE(t->state, PMDCON_TGT_WEDGED);
	if (owner == nr_cpu_ids)
		pr_emerg("target %s: a stopped CPU holds %s's transmit lock: nothing more is sent there; its records stay in the ring\n",
			 t->name, dev->name);
	else
		pr_emerg("target %s: CPU %d stopped holding %s's transmit lock: nothing more is sent there; its records stay in the ring\n",
			 t->name, owner, dev->name);
	return true;
}

/*
 * A sender encodes and sends a whole record under pmdcon_tgt_lock, so a
 * configfs change to the target's format or a release of its device lands
 * between records. The panic path only tries the lock: the CPU that held it
 * may have been stopped. Returns whether the lock is held.
 */
bool pmdcon_tgt_tx_lock(bool panic, unsigned long *flags)
{
	local_irq_save(*flags);
	if (panic)
		return spin_trylock(&pmdcon_tgt_lock);
	spin_lock(&pmdcon_tgt_lock);
	return true;
}

void pmdcon_tgt_tx_unlock(bool locked, unsigned long flags)
{
	if (locked)
		spin_unlock(&pmdcon_tgt_lock);
	local_irq_restore(flags);
}

/*
 * Frames one payload for t (ENABLED; the caller holds the tx lock) and hands
 * it to netpoll. skb: a preallocated buffer (the panic path's), or NULL to
 * allocate one. A packet that could not be sent counts in transmit_errors.
 */
void pmdcon_tgt_xmit(struct pmdcon_tgt *t, struct sk_buff *skb,
		     const char *payload, u32 len, bool panic)
{
	struct net_device *dev = t->np.dev;
	u32 head = LL_RESERVED_SPACE(dev), flen = t->frame.hdr_len + len;
	u8 *data;

	if (panic)
		pmdcon_tgt_wait_room(t);
	if (skb && skb_tailroom(skb) < head + flen + dev->needed_tailroom) {
		consume_skb(skb);
		skb = NULL;
	}
	if (!skb)
		skb = alloc_skb(head + flen + dev->needed_tailroom, GFP_ATOMIC);
	if (!skb) {
		t->transmit_errors++;
		return;
	}
	skb_reserve(skb, head);
	data = skb_put(skb, flen);
	memcpy(data + t->frame.hdr_len, payload, len);
	pmdcon_frame_build(&t->frame, data, len,
			   (u16)atomic_inc_return(&pmdcon_ip_id), 0);
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb_set_transport_header(skb, t->frame.hdr_len - PMDCON_FRAME_UDP);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb->dev = dev;
	if (netpoll_send_skb(&t->np, skb) != NETDEV_TX_OK)
		t->transmit_errors++;
}

/* Lets go of t's device, under rtnl: it becomes DISABLED, or FREE. */
void pmdcon_tgt_release(struct pmdcon_tgt *t, enum pmdcon_tgt_state s)
{
	rtnl_lock();
	pmdcon_tgt_release_locked(t, s);
	rtnl_unlock();
}

/*
 * A FREE slot for a new target named name, DISABLED, with cfg and a format
 * of nothing yet; NULL if all PMDCON_TARGETS are in use.
 */
struct pmdcon_tgt *pmdcon_tgt_claim(const char *name,
				    const struct pmdcon_nc_target *cfg)
{
	struct pmdcon_tgt *t = NULL;
	unsigned int i;

	rtnl_lock();
	for (i = 0; i < PMDCON_TARGETS && !t; i++)
		if (pmdcon_tgts[i].state == PMDCON_TGT_FREE)
			t = &pmdcon_tgts[i];
	if (t) {
		memset(t, 0, sizeof(*t));
		t->cfg = *cfg;
		strscpy(t->name, name, sizeof(t->name));
		pmdcon_tgt_set_state(t, PMDCON_TGT_DISABLED);
	}
	rtnl_unlock();
	return t;
}

/* Packets every target failed to send, for sysfs. */
u64 pmdcon_tgt_transmit_errors(void)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < PMDCON_TARGETS; i++)
		n += READ_ONCE(pmdcon_tgts[i].transmit_errors);
	return n;
}

/* Resumes DEACTIVATED targets whose device came back. */
static void pmdcon_tgt_resume_work(struct work_struct *w)
{
	unsigned int i;
	int err;

	for (i = 0; i < PMDCON_TARGETS; i++) {
		struct pmdcon_tgt *t = &pmdcon_tgts[i];

		if (!xchg(&t->resume, false) ||
		    READ_ONCE(t->state) != PMDCON_TGT_DEACTIVATED)
			continue;
		err = pmdcon_tgt_enable(t, PMDCON_TGT_DEACTIVATED);
		if (err == -EAGAIN)
			continue; /* disabled or removed meanwhile */
		if (err)
			pr_warn("target %s: resume on its device failed (%d); it waits for the device\n",
				t->name, err);
		else
			pr_info("target %s: network logging resumed on %s\n",
				t->name, t->np.dev_name);
		pmdcon_fallback_kick();
	}
}

static DECLARE_WORK(pmdcon_tgt_resume, pmdcon_tgt_resume_work);

static int pmdcon_tgt_netdev_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	bool resume = false;
	unsigned int i;

	for (i = 0; i < PMDCON_TARGETS; i++) {
		struct pmdcon_tgt *t = &pmdcon_tgts[i];

		switch (READ_ONCE(t->state)) {
		case PMDCON_TGT_ENABLED:
			if (t->np.dev != dev)
				break;
			switch (event) {
			case NETDEV_UNREGISTER:
				pmdcon_tgt_release_locked(t, PMDCON_TGT_DEACTIVATED);
				pr_info("target %s: network logging stopped on interface %s as it unregistered; its records wait in the ring\n",
					t->name, dev->name);
				break;
			case NETDEV_JOIN:
			case NETDEV_RELEASE:
				pmdcon_tgt_release_locked(t, PMDCON_TGT_DISABLED);
				pr_info("target %s: disabled: %s joined or left a master device\n",
					t->name, dev->name);
				break;
			case NETDEV_CHANGENAME:
				if (!t->cfg.by_mac)
					strscpy(t->cfg.dev, dev->name,
						sizeof(t->cfg.dev));
				strscpy(t->np.dev_name, dev->name,
					sizeof(t->np.dev_name));
				break;
			case NETDEV_CHANGEADDR: {
				unsigned long flags;

				spin_lock_irqsave(&pmdcon_tgt_lock, flags);
				pmdcon_tgt_frame(t, dev);
				spin_unlock_irqrestore(&pmdcon_tgt_lock, flags);
				break;
			}
			}
			break;
		case PMDCON_TGT_DEACTIVATED:
			if ((event == NETDEV_REGISTER ||
			     event == NETDEV_CHANGENAME) &&
			    pmdcon_tgt_matches(t, dev)) {
				WRITE_ONCE(t->resume, true);
				resume = true;
			}
			break;
		default:
			break;
		}
	}
	if (resume)
		schedule_work(&pmdcon_tgt_resume);
	return NOTIFY_DONE;
}

static struct notifier_block pmdcon_tgt_netdev_nb = {
	.notifier_call = pmdcon_tgt_netdev_event,
};

int pmdcon_tgt_init(void)
{
	return register_netdevice_notifier(&pmdcon_tgt_netdev_nb);
}

/*
 * Every target lets go of its device, then the notifier goes (its removal
 * replays NETDEV_UNREGISTER, which then finds nothing held) and no resume
 * runs after this.
 */
void pmdcon_tgt_exit(void)
{
	unsigned int i;

	rtnl_lock();
	for (i = 0; i < PMDCON_TARGETS; i++)
		if (pmdcon_tgts[i].state != PMDCON_TGT_FREE)
			pmdcon_tgt_release_locked(&pmdcon_tgts[i],
						  PMDCON_TGT_FREE);
	rtnl_unlock();
	unregister_netdevice_notifier(&pmdcon_tgt_netdev_nb);
	cancel_work_sync(&pmdcon_tgt_resume);
}
