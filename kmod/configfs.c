// SPDX-License-Identifier: GPL-2.0
/*
 * Fallback targets made at run time through configfs, under the names 7.x's
 * netconsole uses, so that its tooling carries over:
 *
 *   /sys/kernel/config/pmdcon/<target>/
 *     enabled dev_name local_port remote_port local_ip remote_ip remote_mac
 *     local_mac (read only) extended release transmit_errors (read only)
 *     auth_key (write only: "<key id> <32 hex digits>", or "none")
 *     userdata/{cpu_nr,taskname,release,msgid}_enabled
 *     userdata/<key>/value
 *
 * Addresses, ports, the device and the format change only while the target
 * is disabled (EBUSY otherwise, as netconsole). Userdata and the sysdata
 * switches change at any time: a sender encodes each record under the tx
 * lock and userdata is double buffered, so a record carries the old set or
 * the new one, never a mix. Every write is checked; a bad one fails with
 * EINVAL and a kernel message naming the attribute and the target.
 */
#define pr_fmt(fmt) "pmdcon: " fmt

#include <linux/configfs.h>
#include <linux/etherdevice.h>
#if __has_include(<linux/hex.h>) /* hex2bin: in kernel.h before 7.x */
#include <linux/hex.h>
#endif
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pmdcon.h"

/* Rendered userdata at most: every key at its longest, " key=value\n". */
#define PMDCON_CFS_UD_MAX                                                 \
	(PMDCON_WIRE_USERDATA_KEYS * (PMDCON_WIRE_USERDATA_KEY_MAX +      \
				      PMDCON_WIRE_USERDATA_VALUE_MAX + 3))

struct pmdcon_cfs_target {
	struct config_group group;
	struct config_group userdata;
	struct pmdcon_tgt *t;
	u8 local_family;	/* 0: local_ip not set: the device's address */
	struct list_head keys;	/* pmdcon_cfs_key, in creation order */
	unsigned int nkeys;
	char *ud[2];		/* rendered userdata; the sender reads ud[cur] */
	unsigned int ud_cur;
};

struct pmdcon_cfs_key {
	struct config_item item;
	struct list_head node;
	struct pmdcon_cfs_target *ct;
	char value[PMDCON_WIRE_USERDATA_VALUE_MAX + 1];
};

/* Serializes every configfs write (and enable, which sleeps). */
static DEFINE_MUTEX(pmdcon_cfs_mutex);

static struct pmdcon_cfs_target *to_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct pmdcon_cfs_target,
			    group);
}

static struct pmdcon_cfs_target *ud_to_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct pmdcon_cfs_target,
			    userdata);
}

static struct pmdcon_cfs_key *to_key(struct config_item *item)
{
	return container_of(item, struct pmdcon_cfs_key, item);
}

/* The written value without the one trailing newline echo adds. */
static size_t pmdcon_cfs_len(const char *buf, size_t count)
{
	return count && buf[count - 1] == '\n' ? count - 1 : count;
}

/* Parameters change only while the target holds nothing and sends nothing. */
static int pmdcon_cfs_busy(struct pmdcon_cfs_target *ct, const char *attr)
{
	if (READ_ONCE(ct->t->state) == PMDCON_TGT_DISABLED)
		return 0;
	pr_err("target %s: %s: the target is enabled; disable it to change its parameters\n",
	       ct->t->name, attr);
	return -EBUSY;
}

/* ---- the target's attributes ---- */

static ssize_t pmdcon_cfs_enabled_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_target(item)->t->state) ==
					       PMDCON_TGT_ENABLED);
}

/* Why t cannot be enabled as configured, or NULL. */
static const char *pmdcon_cfs_unready(struct pmdcon_cfs_target *ct)
{
	static const u8 zero[16];
	struct pmdcon_nc_target *c = &ct->t->cfg;

	if (!c->family || !memcmp(c->dst_ip, zero, sizeof(zero)))
		return "remote_ip is not set";
	if (ct->local_family && ct->local_family != c->family)
		return "local_ip and remote_ip are of different families";
	if (!c->dev[0])
		return "dev_name is not set";
	if (ct->t->auth && !c->extended)
		return "auth_key needs the extended format";
	return NULL;
}

static ssize_t pmdcon_cfs_enabled_store(struct config_item *item,
					const char *buf, size_t count)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	struct pmdcon_tgt *t = ct->t;
	const char *why;
	bool on;
	int err = kstrtobool(buf, &on);

	if (err) {
		pr_err("target %s: enabled: write 0 or 1\n", t->name);
		return err;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	if (!on) {
		if (t->state != PMDCON_TGT_DISABLED) {
			pmdcon_tgt_release(t, PMDCON_TGT_DISABLED);
			pr_info("target %s: disabled\n", t->name);
		}
		goto out;
	}
	if (t->state == PMDCON_TGT_ENABLED)
		goto out;
	why = pmdcon_cfs_unready(ct);
	if (why) {
		pr_err("target %s: not enabled: %s\n", t->name, why);
		err = -EINVAL;
		goto out;
	}
	/* Learnt again on every enable unless set: the device may differ. */
	if (!ct->local_family)
		memset(t->cfg.src_ip, 0, sizeof(t->cfg.src_ip));
	pmdcon_fb_format(t);
	pmdcon_fallback_join(t);
	err = pmdcon_tgt_enable(t, t->state); /* DISABLED or DEACTIVATED */
	if (err) {
		pr_err("target %s: not enabled: netpoll on %s failed (%d)\n",
		       t->name, t->cfg.dev, err);
		goto out;
	}
	pr_info("target %s: network logging started on %s\n", t->name,
		t->cfg.dev);
	pmdcon_fallback_kick();
out:
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

static ssize_t pmdcon_cfs_dev_name_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_target(item)->t->cfg.dev);
}

static ssize_t pmdcon_cfs_dev_name_store(struct config_item *item,
					 const char *buf, size_t count)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	size_t len = pmdcon_cfs_len(buf, count);
	int err;

	if (!len || len >= PMDCON_NC_DEV_LEN || memchr(buf, '/', len) ||
	    memchr(buf, ' ', len)) {
		pr_err("target %s: dev_name: not an interface name (1 to 15 bytes)\n",
		       ct->t->name);
		return -EINVAL;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, "dev_name");
	if (!err) {
		memcpy(ct->t->cfg.dev, buf, len);
		ct->t->cfg.dev[len] = '\0';
		ct->t->cfg.by_mac = 0;
	}
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

/* Ports: 1-65535. */
static ssize_t pmdcon_cfs_port_store(struct config_item *item, const char *buf,
				     size_t count, const char *attr, bool local)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	u16 port;
	int err = kstrtou16(buf, 10, &port);

	if (err || !port) {
		pr_err("target %s: %s: not a port (1 to 65535)\n", ct->t->name,
		       attr);
		return -EINVAL;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, attr);
	if (!err) {
		if (local)
			ct->t->cfg.src_port = port;
		else
			ct->t->cfg.dst_port = port;
	}
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

static ssize_t pmdcon_cfs_local_port_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_target(item)->t->cfg.src_port);
}

static ssize_t pmdcon_cfs_local_port_store(struct config_item *item,
					   const char *buf, size_t count)
{
	return pmdcon_cfs_port_store(item, buf, count, "local_port", true);
}

static ssize_t pmdcon_cfs_remote_port_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_target(item)->t->cfg.dst_port);
}

static ssize_t pmdcon_cfs_remote_port_store(struct config_item *item,
					    const char *buf, size_t count)
{
	return pmdcon_cfs_port_store(item, buf, count, "remote_port", false);
}

static ssize_t pmdcon_cfs_ip_show(char *buf, int family, const u8 *ip)
{
	if (family == 6)
		return sysfs_emit(buf, "%pI6c\n", ip);
	return sysfs_emit(buf, "%pI4\n", ip);
}

/* An IPv4 or IPv6 address; it sets the family of its side. */
static ssize_t pmdcon_cfs_ip_store(struct config_item *item, const char *buf,
				   size_t count, const char *attr, bool local)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	struct pmdcon_nc_target *c = &ct->t->cfg;
	size_t len = pmdcon_cfs_len(buf, count);
	u8 ip[16];
	int family = pmdcon_nc_ip(buf, buf + len, ip), err;

	if (family < 0) {
		pr_err("target %s: %s: not an IPv4 or IPv6 address\n",
		       ct->t->name, attr);
		return -EINVAL;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, attr);
	if (!err && local) {
		static const u8 any[16];

		/* 0.0.0.0 or :: : the device's address, as when unset. */
		memcpy(c->src_ip, ip, sizeof(ip));
		ct->local_family = memcmp(ip, any, sizeof(ip)) ? family : 0;
	} else if (!err) {
		memcpy(c->dst_ip, ip, sizeof(ip));
		c->family = family;
	}
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

static ssize_t pmdcon_cfs_local_ip_show(struct config_item *item, char *buf)
{
	struct pmdcon_cfs_target *ct = to_target(item);

	return pmdcon_cfs_ip_show(buf, ct->local_family ?: ct->t->cfg.family,
				  ct->t->cfg.src_ip);
}

static ssize_t pmdcon_cfs_local_ip_store(struct config_item *item,
					 const char *buf, size_t count)
{
	return pmdcon_cfs_ip_store(item, buf, count, "local_ip", true);
}

static ssize_t pmdcon_cfs_remote_ip_show(struct config_item *item, char *buf)
{
	struct pmdcon_tgt *t = to_target(item)->t;

	return pmdcon_cfs_ip_show(buf, t->cfg.family, t->cfg.dst_ip);
}

static ssize_t pmdcon_cfs_remote_ip_store(struct config_item *item,
					  const char *buf, size_t count)
{
	return pmdcon_cfs_ip_store(item, buf, count, "remote_ip", false);
}

static ssize_t pmdcon_cfs_remote_mac_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%pM\n", to_target(item)->t->cfg.dst_mac);
}

static ssize_t pmdcon_cfs_remote_mac_store(struct config_item *item,
					   const char *buf, size_t count)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	size_t len = pmdcon_cfs_len(buf, count);
	u8 mac[ETH_ALEN];
	int err;

	if (pmdcon_nc_mac(buf, buf + len, mac) < 0) {
		pr_err("target %s: remote_mac: not a MAC address (aa:bb:cc:dd:ee:ff)\n",
		       ct->t->name);
		return -EINVAL;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, "remote_mac");
	if (!err)
		memcpy(ct->t->cfg.dst_mac, mac, ETH_ALEN);
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

/* The device's address while the target holds it, else broadcast. */
static ssize_t pmdcon_cfs_local_mac_show(struct config_item *item, char *buf)
{
	struct pmdcon_tgt *t = to_target(item)->t;
	u8 mac[ETH_ALEN];

	mutex_lock(&pmdcon_cfs_mutex);
	rtnl_lock();
	if (t->state == PMDCON_TGT_ENABLED)
		ether_addr_copy(mac, t->np.dev->dev_addr);
	else
		eth_broadcast_addr(mac);
	rtnl_unlock();
	mutex_unlock(&pmdcon_cfs_mutex);
	return sysfs_emit(buf, "%pM\n", mac);
}

static ssize_t pmdcon_cfs_flag_store(struct config_item *item, const char *buf,
				     size_t count, bool release)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	struct pmdcon_nc_target *c = &ct->t->cfg;
	const char *attr = release ? "release" : "extended";
	bool on;
	int err = kstrtobool(buf, &on);

	if (err) {
		pr_err("target %s: %s: write 0 or 1\n", ct->t->name, attr);
		return err;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, attr);
	if (!err && (release ? on && !c->extended : !on && c->release)) {
		pr_err("target %s: %s: release needs the extended format\n",
		       ct->t->name, attr);
		err = -EINVAL;
	}
	if (!err && release)
		c->release = on;
	else if (!err)
		c->extended = on;
	mutex_unlock(&pmdcon_cfs_mutex);
	return err ? err : count;
}

static ssize_t pmdcon_cfs_extended_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->t->cfg.extended);
}

static ssize_t pmdcon_cfs_extended_store(struct config_item *item,
					 const char *buf, size_t count)
{
	return pmdcon_cfs_flag_store(item, buf, count, false);
}

static ssize_t pmdcon_cfs_release_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->t->cfg.release);
}

static ssize_t pmdcon_cfs_release_store(struct config_item *item,
					const char *buf, size_t count)
{
	return pmdcon_cfs_flag_store(item, buf, count, true);
}

/*
 * The key that seals the target's payloads (docs/security.md): write only,
 * so it never reads back; "none" removes it. Never logged.
 */
static ssize_t pmdcon_cfs_auth_key_store(struct config_item *item,
					 const char *buf, size_t count)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	struct pmdcon_auth_key k = {};
	size_t len = pmdcon_cfs_len(buf, count);
	const char *sp = memchr(buf, ' ', len);
	char id[4];
	bool on = true;
	int err = 0;

	if (len == 4 && !memcmp(buf, "none", 4)) {
		on = false;
	} else if (!sp || sp - buf > 3 ||
		   len - (sp - buf) - 1 != 2 * PMDCON_AUTH_KEY_LEN) {
		err = -EINVAL;
	} else {
		memcpy(id, buf, sp - buf);
		id[sp - buf] = 0;
		if (kstrtou8(id, 10, &k.id) ||
		    hex2bin(k.key, sp + 1, PMDCON_AUTH_KEY_LEN))
			err = -EINVAL;
	}
	if (err) {
		pr_err("target %s: auth_key: write \"<key id 0-255> <32 hex digits>\" or \"none\"\n",
		       ct->t->name);
		memzero_explicit(&k, sizeof(k));
		return err;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	err = pmdcon_cfs_busy(ct, "auth_key");
	if (!err) {
		ct->t->auth = on;
		ct->t->auth_key = k;
	}
	mutex_unlock(&pmdcon_cfs_mutex);
	memzero_explicit(&k, sizeof(k));
	return err ? err : count;
}

static ssize_t pmdcon_cfs_transmit_errors_show(struct config_item *item,
					       char *buf)
{
	return sysfs_emit(buf, "%llu\n", (unsigned long long)READ_ONCE(
						 to_target(item)->t->transmit_errors));
}

CONFIGFS_ATTR(pmdcon_cfs_, enabled);
CONFIGFS_ATTR(pmdcon_cfs_, dev_name);
CONFIGFS_ATTR(pmdcon_cfs_, local_port);
CONFIGFS_ATTR(pmdcon_cfs_, remote_port);
CONFIGFS_ATTR(pmdcon_cfs_, local_ip);
CONFIGFS_ATTR(pmdcon_cfs_, remote_ip);
CONFIGFS_ATTR(pmdcon_cfs_, remote_mac);
CONFIGFS_ATTR_RO(pmdcon_cfs_, local_mac);
CONFIGFS_ATTR(pmdcon_cfs_, extended);
CONFIGFS_ATTR(pmdcon_cfs_, release);
CONFIGFS_ATTR_RO(pmdcon_cfs_, transmit_errors);
CONFIGFS_ATTR_WO(pmdcon_cfs_, auth_key);

static struct configfs_attribute *pmdcon_cfs_target_attrs[] = {
	&pmdcon_cfs_attr_enabled,     &pmdcon_cfs_attr_dev_name,
	&pmdcon_cfs_attr_local_port,  &pmdcon_cfs_attr_remote_port,
	&pmdcon_cfs_attr_local_ip,    &pmdcon_cfs_attr_remote_ip,
	&pmdcon_cfs_attr_remote_mac,  &pmdcon_cfs_attr_local_mac,
	&pmdcon_cfs_attr_extended,    &pmdcon_cfs_attr_release,
	&pmdcon_cfs_attr_transmit_errors, &pmdcon_cfs_attr_auth_key,
	NULL,
};

/* ---- userdata: one directory per key, and the sysdata switches ---- */

/*
 * Renders every key with a value, in creation order, into the buffer the
 * sender does not read, then swaps the two under the tx lock. Under
 * pmdcon_cfs_mutex.
 */
static void pmdcon_cfs_userdata_update(struct pmdcon_cfs_target *ct)
{
	struct pmdcon_tgt *t = ct->t;
	struct pmdcon_cfs_key *k;
	unsigned long flags;
	char *out;
	u32 n = 0;
	bool locked;

	if (!ct->ud[0])
		return;
	out = ct->ud[!ct->ud_cur];
	list_for_each_entry(k, &ct->keys, node) {
		const char *key = config_item_name(&k->item);
		size_t kl = strlen(key), vl = strlen(k->value);

		if (!vl)
			continue;
		out[n++] = ' ';
		memcpy(out + n, key, kl);
		n += kl;
		out[n++] = '=';
		memcpy(out + n, k->value, vl);
		n += vl;
		out[n++] = '\n';
	}
	locked = pmdcon_tgt_tx_lock(false, &flags);
	t->wire.userdata = n ? out : NULL;
	t->wire.userdata_len = n;
	ct->ud_cur = !ct->ud_cur;
	pmdcon_tgt_tx_unlock(locked, flags);
}

static ssize_t pmdcon_cfs_key_value_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_key(item)->value);
}

static ssize_t pmdcon_cfs_key_value_store(struct config_item *item,
					  const char *buf, size_t count)
{
	struct pmdcon_cfs_key *k = to_key(item);
	size_t len = pmdcon_cfs_len(buf, count);

	if (len > PMDCON_WIRE_USERDATA_VALUE_MAX) {
		pr_err("target %s: userdata %s: value longer than %u bytes\n",
		       k->ct->t->name, config_item_name(item),
		       PMDCON_WIRE_USERDATA_VALUE_MAX);
		return -EMSGSIZE;
	}
	if (memchr(buf, '\n', len) || memchr(buf, '\0', len)) {
		pr_err("target %s: userdata %s: a value is one line\n",
		       k->ct->t->name, config_item_name(item));
		return -EINVAL;
	}
	mutex_lock(&pmdcon_cfs_mutex);
	memcpy(k->value, buf, len);
	k->value[len] = '\0';
	pmdcon_cfs_userdata_update(k->ct);
	mutex_unlock(&pmdcon_cfs_mutex);
	return count;
}

CONFIGFS_ATTR(pmdcon_cfs_key_, value);

static struct configfs_attribute *pmdcon_cfs_key_attrs[] = {
	&pmdcon_cfs_key_attr_value, NULL,
};

static void pmdcon_cfs_key_release(struct config_item *item)
{
	kfree(to_key(item));
}

static struct configfs_item_operations pmdcon_cfs_key_ops = {
	.release = pmdcon_cfs_key_release,
};

static const struct config_item_type pmdcon_cfs_key_type = {
	.ct_item_ops = &pmdcon_cfs_key_ops,
	.ct_attrs = pmdcon_cfs_key_attrs,
	.ct_owner = THIS_MODULE,
};

/* A key name: printable, no '=' (it ends the key on the wire). */
static bool pmdcon_cfs_key_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len > PMDCON_WIRE_USERDATA_KEY_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == '=')
			return false;
	return true;
}

static struct config_item *pmdcon_cfs_key_make(struct config_group *group,
					       const char *name)
{
	struct pmdcon_cfs_target *ct = ud_to_target(&group->cg_item);
	struct pmdcon_cfs_key *k;
	int err = 0;

	if (!pmdcon_cfs_key_ok(name)) {
		pr_err("target %s: userdata key \"%s\": 1 to %u printable bytes without '=' or spaces\n",
		       ct->t->name, name, PMDCON_WIRE_USERDATA_KEY_MAX);
		return ERR_PTR(-EINVAL);
	}
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&pmdcon_cfs_mutex);
	if (ct->nkeys == PMDCON_WIRE_USERDATA_KEYS) {
		pr_err("target %s: userdata: at most %u keys\n", ct->t->name,
		       PMDCON_WIRE_USERDATA_KEYS);
		err = -ENOSPC;
	} else if (!ct->ud[0]) {
		ct->ud[0] = kvmalloc(PMDCON_CFS_UD_MAX, GFP_KERNEL);
		ct->ud[1] = kvmalloc(PMDCON_CFS_UD_MAX, GFP_KERNEL);
		if (!ct->ud[0] || !ct->ud[1]) {
			kvfree(ct->ud[0]);
			kvfree(ct->ud[1]);
			ct->ud[0] = ct->ud[1] = NULL;
			err = -ENOMEM;
		}
	}
	if (!err) {
		config_item_init_type_name(&k->item, name, &pmdcon_cfs_key_type);
		k->ct = ct;
		list_add_tail(&k->node, &ct->keys);
		ct->nkeys++;
	}
	mutex_unlock(&pmdcon_cfs_mutex);
	if (err) {
		kfree(k);
		return ERR_PTR(err);
	}
	return &k->item;
}

static void pmdcon_cfs_key_drop(struct config_group *group,
				struct config_item *item)
{
	struct pmdcon_cfs_key *k = to_key(item);

	mutex_lock(&pmdcon_cfs_mutex);
	list_del(&k->node);
	k->ct->nkeys--;
	pmdcon_cfs_userdata_update(k->ct);
	mutex_unlock(&pmdcon_cfs_mutex);
	config_item_put(item);
}

static ssize_t pmdcon_cfs_sysdata_show(struct config_item *item, char *buf,
				       u8 bit)
{
	return sysfs_emit(buf, "%d\n",
			  !!(READ_ONCE(ud_to_target(item)->t->wire.sysdata) & bit));
}

static ssize_t pmdcon_cfs_sysdata_store(struct config_item *item,
					const char *buf, size_t count, u8 bit)
{
	struct pmdcon_tgt *t = ud_to_target(item)->t;
	unsigned long flags;
	bool on, locked;

	if (kstrtobool(buf, &on)) {
		pr_err("target %s: userdata: the sysdata switches take 0 or 1\n",
		       t->name);
		return -EINVAL;
	}
	locked = pmdcon_tgt_tx_lock(false, &flags);
	if (on)
		t->wire.sysdata |= bit;
	else
		t->wire.sysdata &= ~bit;
	pmdcon_tgt_tx_unlock(locked, flags);
	return count;
}

#define PMDCON_CFS_SYSDATA(name, bit)                                          \
	static ssize_t pmdcon_cfs_##name##_show(struct config_item *item,     \
						char *buf)                      \
	{                                                                      \
		return pmdcon_cfs_sysdata_show(item, buf, bit);               \
	}                                                                      \
	static ssize_t pmdcon_cfs_##name##_store(struct config_item *item,    \
						 const char *buf, size_t count) \
	{                                                                      \
		return pmdcon_cfs_sysdata_store(item, buf, count, bit);       \
	}                                                                      \
	CONFIGFS_ATTR(pmdcon_cfs_, name)

PMDCON_CFS_SYSDATA(cpu_nr_enabled, PMDCON_SYSDATA_CPU);
PMDCON_CFS_SYSDATA(taskname_enabled, PMDCON_SYSDATA_TASKNAME);
PMDCON_CFS_SYSDATA(release_enabled, PMDCON_SYSDATA_RELEASE);
PMDCON_CFS_SYSDATA(msgid_enabled, PMDCON_SYSDATA_MSGID);

static struct configfs_attribute *pmdcon_cfs_userdata_attrs[] = {
	&pmdcon_cfs_attr_cpu_nr_enabled, &pmdcon_cfs_attr_taskname_enabled,
	&pmdcon_cfs_attr_release_enabled, &pmdcon_cfs_attr_msgid_enabled,
	NULL,
};

static struct configfs_group_operations pmdcon_cfs_userdata_group_ops = {
	.make_item = pmdcon_cfs_key_make,
	.drop_item = pmdcon_cfs_key_drop,
};

static const struct config_item_type pmdcon_cfs_userdata_type = {
	.ct_group_ops = &pmdcon_cfs_userdata_group_ops,
	.ct_attrs = pmdcon_cfs_userdata_attrs,
	.ct_owner = THIS_MODULE,
};

/* ---- the targets ---- */

static void pmdcon_cfs_target_release(struct config_item *item)
{
	struct pmdcon_cfs_target *ct = to_target(item);

	kvfree(ct->ud[0]);
	kvfree(ct->ud[1]);
	kfree(ct);
}

static struct configfs_item_operations pmdcon_cfs_target_ops = {
	.release = pmdcon_cfs_target_release,
};

static const struct config_item_type pmdcon_cfs_target_type = {
	.ct_item_ops = &pmdcon_cfs_target_ops,
	.ct_attrs = pmdcon_cfs_target_attrs,
	.ct_owner = THIS_MODULE,
};

/* mkdir: a disabled target with netconsole's defaults. */
static struct config_group *pmdcon_cfs_target_make(struct config_group *group,
						   const char *name)
{
	struct pmdcon_nc_target cfg = {
		.src_port = 6665,
		.dst_port = 6666,
		.dev = "eth0",
	};
	struct pmdcon_cfs_target *ct = kzalloc(sizeof(*ct), GFP_KERNEL);

	if (!ct)
		return ERR_PTR(-ENOMEM);
	eth_broadcast_addr(cfg.dst_mac);
	mutex_lock(&pmdcon_cfs_mutex);
	ct->t = pmdcon_tgt_claim(name, &cfg);
	mutex_unlock(&pmdcon_cfs_mutex);
	if (!ct->t) {
		pr_err("target %s: at most %d fallback targets\n", name,
		       PMDCON_TARGETS);
		kfree(ct);
		return ERR_PTR(-ENOSPC);
	}
	INIT_LIST_HEAD(&ct->keys);
	config_group_init_type_name(&ct->group, name, &pmdcon_cfs_target_type);
	config_group_init_type_name(&ct->userdata, "userdata",
				    &pmdcon_cfs_userdata_type);
	configfs_add_default_group(&ct->userdata, &ct->group);
	return &ct->group;
}

/* rmdir: the target lets go of its device and its slot. */
static void pmdcon_cfs_target_drop(struct config_group *group,
				   struct config_item *item)
{
	struct pmdcon_cfs_target *ct = to_target(item);
	unsigned long flags;
	bool locked;

	mutex_lock(&pmdcon_cfs_mutex);
	pmdcon_tgt_release(ct->t, PMDCON_TGT_FREE);
	locked = pmdcon_tgt_tx_lock(false, &flags);
	ct->t->wire.userdata = NULL;
	ct->t->wire.userdata_len = 0;
	ct->t->auth = false;
	memzero_explicit(&ct->t->auth_key, sizeof(ct->t->auth_key));
	pmdcon_tgt_tx_unlock(locked, flags);
	pr_info("target %s: removed\n", ct->t->name);
	mutex_unlock(&pmdcon_cfs_mutex);
	config_item_put(item);
}

static struct configfs_group_operations pmdcon_cfs_group_ops = {
	.make_group = pmdcon_cfs_target_make,
	.drop_item = pmdcon_cfs_target_drop,
};

static const struct config_item_type pmdcon_cfs_root_type = {
	.ct_group_ops = &pmdcon_cfs_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem pmdcon_cfs_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "pmdcon",
			.ci_type = &pmdcon_cfs_root_type,
		},
	},
};

int pmdcon_cfs_register(void)
{
	int err;

	config_group_init(&pmdcon_cfs_subsys.su_group);
	mutex_init(&pmdcon_cfs_subsys.su_mutex);
	err = configfs_register_subsystem(&pmdcon_cfs_subsys);
	if (err)
		pr_err("configfs: registering pmdcon failed (%d)\n", err);
	return err;
}

void pmdcon_cfs_unregister(void)
{
	configfs_unregister_subsystem(&pmdcon_cfs_subsys);
}
