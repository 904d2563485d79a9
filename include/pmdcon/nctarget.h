/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * Netconsole target syntax, as upstream's netconsole= parameter takes it:
 *
 *   [+][r][src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-mac]
 *
 * '+' selects the extended format, 'r' prepends the kernel release (extended
 * only). Defaults: src-port 6665, tgt-port 6666, dev "eth0", src-ip taken
 * from the device, tgt-mac broadcast. IPv4 only. Several targets are
 * separated by ';' (pmdcon_nc_next). Pure C with no I/O: the kernel module
 * parses its fallback= parameter with it and the unit tests check it.
 *
 * Usage:
 *   const char *p = param, *why;
 *   struct pmdcon_nc_target t;
 *   while ((len = pmdcon_nc_next(&p, &item)) != 0)
 *     if (pmdcon_nc_parse(item, len, &t, &why) < 0) refuse(why);
 */
#ifndef PMDCON_NCTARGET_H_
#define PMDCON_NCTARGET_H_

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

#include "pmdcon/ext.h" /* pmdcon__ext_hex */

#define PMDCON_NC_DEV_LEN 16 /* IFNAMSIZ */

struct pmdcon_nc_target {
  uint8_t extended;
  uint8_t release;
  uint16_t src_port;
  uint16_t dst_port;
  uint32_t src_ip; /* host order; 0: the device's address */
  uint32_t dst_ip; /* host order */
  char dev[PMDCON_NC_DEV_LEN];
  uint8_t dst_mac[6];
};

/*
 * The next ';'-separated item of *p: sets *item and returns its length, or
 * returns 0 at the end. Empty items (";;", a trailing ';') are skipped.
 */
static inline size_t pmdcon_nc_next(const char** p, const char** item) {
  const char* s = *p;
  size_t n;

  while (*s == ';' || *s == ' ' || *s == '\n') s++;
  n = 0;
  while (s[n] && s[n] != ';' && s[n] != '\n') n++;
  *item = s;
  *p = s + n;
  return n;
}

/* Decimal in [lo, hi] over exactly [s, end). */
static inline int pmdcon__nc_num(const char* s, const char* end, uint32_t lo,
                                 uint32_t hi, uint32_t* out) {
  uint32_t v = 0;

  if (s == end || end - s > 10) return -EINVAL;
  for (; s < end; s++) {
    if (*s < '0' || *s > '9') return -EINVAL;
    v = v * 10 + (uint32_t)(*s - '0');
    if (v > hi) return -EINVAL;
  }
  if (v < lo) return -EINVAL;
  *out = v;
  return 0;
}

static inline int pmdcon__nc_ipv4(const char* s, const char* end,
                                  uint32_t* out) {
  uint32_t ip = 0, octet;
  int i;

  for (i = 0; i < 4; i++) {
    const char* dot = s;

    while (dot < end && *dot != '.') dot++;
    if ((i < 3) != (dot < end)) return -EINVAL;
    if (pmdcon__nc_num(s, dot, 0, 255, &octet) < 0) return -EINVAL;
    ip = ip << 8 | octet;
    s = dot + 1;
  }
  *out = ip;
  return 0;
}

static inline int pmdcon__nc_mac(const char* s, const char* end,
                                 uint8_t mac[6]) {
  int i;

  if (end - s != 17) return -EINVAL;
  for (i = 0; i < 6; i++, s += 3) {
    int hi = pmdcon__ext_hex(s[0]), lo = pmdcon__ext_hex(s[1]);

    if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':')) return -EINVAL;
    mac[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

/* The first c in [s, end), or end. */
static inline const char* pmdcon__nc_find(const char* s, const char* end,
                                          char c) {
  while (s < end && *s != c) s++;
  return s;
}

/*
 * "[port]@ip/" at s, ending before end: sets *port and *ip if given (the
 * target's ip is required), and returns the '/' (or end), else NULL with
 * *why.
 */
static inline const char* pmdcon__nc_endpoint(const char* s, const char* end,
                                              uint16_t* port, uint32_t* ip,
                                              int target, const char** why) {
  const char *at = pmdcon__nc_find(s, end, '@'), *slash;
  uint32_t v;

  if (at == end) {
    *why = !target ? "no '@' in the source part" : "no '@' in the target part";
    return NULL;
  }
  if (at != s) {
    if (pmdcon__nc_num(s, at, 1, 65535, &v) < 0) {
      *why = !target ? "bad source port" : "bad target port";
      return NULL;
    }
    *port = (uint16_t)v;
  }
  slash = pmdcon__nc_find(at + 1, end, '/');
  if ((target || slash != at + 1) &&
      (pmdcon__nc_ipv4(at + 1, slash, ip) < 0 || (target && !*ip))) {
    *why = !target ? "bad source IPv4 address"
                   : "bad or missing target IPv4 address";
    return NULL;
  }
  return slash;
}

/*
 * Parses one target from [s, s + len). Returns 0, or -EINVAL with *why
 * naming the part that is wrong.
 */
static inline int pmdcon_nc_parse(const char* s, size_t len,
                                  struct pmdcon_nc_target* t,
                                  const char** why) {
  const char* end = s + len;
  const char *slash, *comma;

  memset(t, 0, sizeof(*t));
  t->src_port = 6665;
  t->dst_port = 6666;
  memcpy(t->dev, "eth0", 5);
  memset(t->dst_mac, 0xff, 6);
  for (; s < end && (*s == '+' || *s == 'r'); s++) {
    if (*s == '+') t->extended = 1;
    if (*s == 'r') t->release = 1;
  }
  if (t->release && !t->extended) {
    *why = "'r' (release) needs the extended format ('+')";
    return -EINVAL;
  }
  comma = pmdcon__nc_find(s, end, ',');
  if (comma == end) {
    *why = "no ',' between the source and the target";
    return -EINVAL;
  }
  /* Source: [src-port]@[src-ip]/[dev] */
  slash = pmdcon__nc_endpoint(s, comma, &t->src_port, &t->src_ip, 0, why);
  if (!slash) return -EINVAL;
  if (slash == comma) {
    *why = "no '/' before the device name";
    return -EINVAL;
  }
  if (comma - slash - 1 >= PMDCON_NC_DEV_LEN) {
    *why = "device name longer than 15 bytes";
    return -EINVAL;
  }
  if (comma != slash + 1) {
    memcpy(t->dev, slash + 1, (size_t)(comma - slash - 1));
    t->dev[comma - slash - 1] = '\0';
  }
  /* Target: [tgt-port]@<tgt-ip>/[tgt-mac] */
  slash = pmdcon__nc_endpoint(comma + 1, end, &t->dst_port, &t->dst_ip, 1, why);
  if (!slash) return -EINVAL;
  if (slash + 1 < end && pmdcon__nc_mac(slash + 1, end, t->dst_mac) < 0) {
    *why = "bad target MAC (want aa:bb:cc:dd:ee:ff)";
    return -EINVAL;
  }
  return 0;
}

#endif /* PMDCON_NCTARGET_H_ */
