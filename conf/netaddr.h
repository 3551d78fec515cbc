/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses and prefixes of the network keys of paddock.conf (nat_pool,
 * nat_pool6, dns, egress_deny, egress_allow): parsed strictly (inet_pton,
 * no host bits below the prefix, no trailing garbage) and formatted back
 * in the one canonical form the helper hands to nftables.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 prefix; family 0: none (an empty nat_pool6). */
typedef struct NetCidr {
	uint8_t family; /* AF_INET, AF_INET6 or 0 */
	uint8_t prefix; /* 0..32 or 0..128 */
	uint8_t addr[16];
} NetCidr;

#define NET_CIDRS_MAX 16 /* prefixes per egress key; the parser's message says 16 */
#define NET_DNS_MAX   3	 /* resolv.conf's MAXNS */

/* A list of prefixes; any: the word "any" (egress_allow), n is then 0. */
typedef struct NetCidrList {
	bool any;
	uint8_t n;
	NetCidr c[NET_CIDRS_MAX];
} NetCidrList;

/*
 * Parse "ADDR" or "ADDR/PREFIX" of family (AF_INET, AF_INET6, or 0 for
 * either).  A bare address is a host prefix (/32, /128).  Bits set below
 * the prefix are refused: "10.0.0.1/8" is a typo of something.  Returns 0,
 * or -EINVAL.
 */
int netaddr_parse_cidr(const char *s, int family, NetCidr *ret);

/*
 * Parse a space-separated list of at most max prefixes (see
 * netaddr_parse_cidr) into ret; with allow_any the single word "any" sets
 * ret->any.  Returns 0, -EINVAL on syntax, -ERANGE for more than max.
 */
int netaddr_parse_list(const char *s, bool allow_any, unsigned max, NetCidrList *ret);

/* "ADDR/PREFIX" (with_prefix) or "ADDR" into buf; "" for family 0. */
void netaddr_format(const NetCidr *c, bool with_prefix, char *buf, size_t len);

/* Whether a contains b (same family, a's prefix no longer, b's bits match). */
bool netaddr_contains(const NetCidr *a, const NetCidr *b);

/* Whether a (family AF_INET, AF_INET6) is in 127.0.0.0/8 or is ::1. */
bool netaddr_is_loopback(const NetCidr *a);
