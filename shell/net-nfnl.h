/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's nftables table over nfnetlink itself (libnftnl, the nftables
 * project's netlink library, over libmnl): whether the table exists, one
 * paddock's set and map elements added or deleted in one batch (one
 * transaction), sets flushed, the table deleted.  That is all a login's
 * paddock-net does to the ruleset, so it maps neither libnftables nor its
 * parser and cache, which only make the table (net-nft.c).  Part of
 * paddock-net only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../conf/netaddr.h"

#define NFNL_NAME_MAX 16 /* a set's or a chain's name in table inet paddock */
#define NFNL_KEY_MAX  32 /* two IPv6 addresses, concatenated */

/*
 * One element as the kernel stores it: the key (addresses in network
 * order), for a concatenation with intervals also the key's end, and a
 * map's value: an address or a jump to a chain.
 */
typedef struct NfnlElem {
	char set[NFNL_NAME_MAX];
	uint8_t key[NFNL_KEY_MAX], key_end[NFNL_KEY_MAX];
	uint8_t key_len, key_end_len; /* key_end_len 0: no end */
	bool interval_end;	      /* the first address after an interval */
	bool interval_open;	      /* an interval up to the last address */
	uint8_t data[16];
	uint8_t data_len;	  /* 0: no address value */
	char jump[NFNL_NAME_MAX]; /* "": no verdict value */
} NfnlElem;

/* Whether table inet NET_NFT_TABLE exists: 1, 0, or -errno. */
int net_nfnl_table_exists(void);

/*
 * The element of set whose key has nftables' text form (what
 * net-nft.c records): "ADDR", or "ADDR . ADDR/PREFIX" (a concatenation
 * with an interval); value NULL, "jump CHAIN" or "ADDR" (a map's).
 * Returns 0, or -EINVAL for anything else.
 */
int net_nfnl_elem_parse(const char *set, const char *key, const char *value, NfnlElem *ret);

/*
 * The elements of the prefix c in an interval set, as nftables writes them
 * (the range's start and the address after it, or the start marked open
 * when it reaches the family's last address; before them an interval end
 * at address 0 when the range does not start there).  ret has room for 3.
 * Returns their number.
 */
unsigned net_nfnl_interval(const char *set, const NetCidr *c, NfnlElem *ret);

/*
 * Add (add) or delete the n elements e of table inet NET_NFT_TABLE in one
 * batch: all or none.  Adding one that exists with the same value is no
 * error.  Returns 0 or the first -errno the kernel answered.
 */
int net_nfnl_elems(bool add, const NfnlElem *e, size_t n);

/* Empty the n sets in one batch.  Returns 0 or -errno (-ENOENT: no table). */
int net_nfnl_flush_sets(const char *const *sets, size_t n);

/* Delete table inet NET_NFT_TABLE.  Returns 0 or -errno (-ENOENT: none). */
int net_nfnl_delete_table(void);
