/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * Netconsole target syntax, as upstream's netconsole= parameter takes it:
 *
 *   [+][r][src-port]@[src-ip]/[<dev>|<dev-mac>],[tgt-port]@<tgt-ip>/[tgt-mac]
 *
 * '+' selects the extended format, 'r' prepends the kernel release (extended
 * only). Defaults: src-port 6665, tgt-port 6666, dev "eth0", src-ip taken
 * from the device, tgt-mac broadcast. Addresses are IPv4 or IPv6 (no
 * embedded IPv4 form); a source address, if given, is of the target's
 * family. The interface is named, or given by its MAC (aa:bb:cc:dd:ee:ff)
 * as 7.x's netconsole allows. Several targets are separated by ';'
 * (pmdcon_nc_next). Pure C with no I/O: the kernel module parses its
 * fallback= parameter and its configfs attributes with it, and the unit
 * tests check it.
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
  uint8_t family; /* 4 or 6: the target's address family */
  uint8_t by_mac; /* the interface is dev_mac, not dev */
  uint16_t src_port;
  uint16_t dst_port;
  uint8_t src_ip[16]; /* network order, IPv4 in the first 4; all zero: the
                         device's address */
  uint8_t dst_ip[16];
  char dev[PMDCON_NC_DEV_LEN];
  uint8_t dev_mac[6];
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

/* The first c in [s, end), or end. */
static inline const char* pmdcon__nc_find(const char* s, const char* end,
                                          char c) {
  while (s < end && *s != c) s++;
  return s;
}

static inline int pmdcon__nc_ipv4(const char* s, const char* end,
                                  uint8_t out[16]) {
  uint32_t octet;
  int i;

  for (i = 0; i < 4; i++) {
    const char* dot = s;

    while (dot < end && *dot != '.') dot++;
    if ((i < 3) != (dot < end)) return -EINVAL;
    if (pmdcon__nc_num(s, dot, 0, 255, &octet) < 0) return -EINVAL;
    out[i] = (uint8_t)octet;
    s = dot + 1;
  }
  memset(out + 4, 0, 12);
  return 0;
}

/* RFC 4291 text form: eight groups of 1-4 hex digits, one "::" at most. */
static inline int pmdcon__nc_ipv6(const char* s, const char* end,
                                  uint8_t out[16]) {
  uint16_t w[8];
  int n = 0, gap = -1, i;

  if (end - s >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    s += 2;
  }
  while (s < end) {
    const char* g = s;
    uint32_t v = 0;

    while (s < end && s - g < 4 && pmdcon__ext_hex(*s) >= 0)
      v = v << 4 | (uint32_t)pmdcon__ext_hex(*s++);
    if (s == g || n == 8) return -EINVAL;
    w[n++] = (uint16_t)v;
    if (s == end) break;
    if (*s++ != ':' || s == end) return -EINVAL;
    if (*s == ':') {
      if (gap >= 0) return -EINVAL;
      gap = n;
      s++;
    }
  }
  if (gap < 0 ? n != 8 : n > 7) return -EINVAL;
  memset(out, 0, 16);
  for (i = 0; i < n; i++) {
    int at = gap >= 0 && i >= gap ? 8 - (n - i) : i;

    out[2 * at] = (uint8_t)(w[i] >> 8);
    out[2 * at + 1] = (uint8_t)w[i];
  }
  return 0;
}

/* An IPv4 or IPv6 address over exactly [s, end): returns its family. */
static inline int pmdcon_nc_ip(const char* s, const char* end,
                               uint8_t out[16]) {
  if (pmdcon__nc_find(s, end, ':') != end)
    return pmdcon__nc_ipv6(s, end, out) < 0 ? -EINVAL : 6;
  return pmdcon__nc_ipv4(s, end, out) < 0 ? -EINVAL : 4;
}

static inline int pmdcon_nc_mac(const char* s, const char* end,
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

/*
 * "[port]@ip/" at s, ending before end: sets *port and ip if given, and
 * returns the '/' (or end), else NULL with *why. Returns the address's
 * family in *family (0: none given).
 */
static inline const char* pmdcon__nc_endpoint(const char* s, const char* end,
                                              uint16_t* port, uint8_t ip[16],
                                              uint8_t* family, int target,
                                              const char** why) {
  const char *at = pmdcon__nc_find(s, end, '@'), *slash;
  static const uint8_t zero[16] = {0};
  uint32_t v;
  int f;

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
  /* An IPv6 address has ':' but never '/': the first '/' ends it. */
  slash = pmdcon__nc_find(at + 1, end, '/');
  *family = 0;
  if (!target && slash == at + 1) return slash;
  f = pmdcon_nc_ip(at + 1, slash, ip);
  if (f < 0 || (target && !memcmp(ip, zero, f == 4 ? 4 : 16))) {
    *why =
        !target ? "bad source IP address" : "bad or missing target IP address";
    return NULL;
  }
  *family = (uint8_t)f;
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
  uint8_t src_family;

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
  /* The source part ends at the first ',' (no address has one). */
  comma = pmdcon__nc_find(s, end, ',');
  if (comma == end) {
    *why = "no ',' between the source and the target";
    return -EINVAL;
  }
  /* Source: [src-port]@[src-ip]/[dev|dev-mac] */
  slash = pmdcon__nc_endpoint(s, comma, &t->src_port, t->src_ip, &src_family, 0,
                              why);
  if (!slash) return -EINVAL;
  if (slash == comma) {
    *why = "no '/' before the device name";
    return -EINVAL;
  }
  if (comma - slash - 1 == 17 &&
      pmdcon_nc_mac(slash + 1, comma, t->dev_mac) == 0) {
    t->by_mac = 1;
    t->dev[0] = '\0';
  } else if (comma - slash - 1 >= PMDCON_NC_DEV_LEN) {
    *why = "device name longer than 15 bytes";
    return -EINVAL;
  } else if (comma != slash + 1) {
    memcpy(t->dev, slash + 1, (size_t)(comma - slash - 1));
    t->dev[comma - slash - 1] = '\0';
  }
  /* Target: [tgt-port]@<tgt-ip>/[tgt-mac] */
  slash = pmdcon__nc_endpoint(comma + 1, end, &t->dst_port, t->dst_ip,
                              &t->family, 1, why);
  if (!slash) return -EINVAL;
  if (src_family && src_family != t->family) {
    *why = "the source and target addresses are of different families";
    return -EINVAL;
  }
  if (slash + 1 < end && pmdcon_nc_mac(slash + 1, end, t->dst_mac) < 0) {
    *why = "bad target MAC (want aa:bb:cc:dd:ee:ff)";
    return -EINVAL;
  }
  return 0;
}

#endif /* PMDCON_NCTARGET_H_ */
