/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's nftables table, "inet paddock": made once through libnftables
 * (on the first nat paddock, under the pool's lock), then only set and map
 * elements change, one group of them per paddock address, so that the
 * ruleset evaluates in the same few lookups for one paddock or ten
 * thousand; those go over nfnetlink itself (net-nfnl.c), in one batch per
 * paddock.  Part of paddock-net only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../conf/policy.h"
#include "net-link.h"

#define NET_NFT_TABLE	  "paddock"
#define NET_NFT_ELEMS_MAX 8192 /* bytes of element text per paddock */
#define NET_NFT_ELEMS_N	  48   /* elements per paddock: both egress lists full, pools */

/* What the ruleset needs to know about one paddock. */
typedef struct NetRules {
	const NetAddrs *addrs;
	const NetCidrList *deny, *allow;
	HostAccess host_access;
	const NetCidr *pool, *pool6;
	const NetCidr *dns_stub; /* a loopback resolver the gateway's port 53 goes to, or NULL */
} NetRules;

/*
 * Make the table when it is missing, then replace the elements of the
 * paddock at r->addrs: old_elems (the text net_nft_up() returned for the
 * same address earlier, or "") is deleted first, in the same transaction.
 * ret_elems (len bytes) receives the text of the elements added, for
 * net_nft_down().  guard4: also drop every forwarded packet that is not a
 * paddock's (IPv4; IPv6 with guard6), because paddock-net turns forwarding
 * on.  err: the message on failure (libnftables' when making the table).
 * Returns 0 or -errno.
 */
int net_nft_up(const NetRules *r, const char *old_elems, bool guard4, bool guard6, char *ret_elems,
	       size_t len, char *err, size_t err_len);

/* Delete elems (from net_nft_up()), errors ignored when gone already. */
void net_nft_down(const char *elems);

/* Empty sets pool4 and pool6 (the last paddock went); nothing when the
 * table is absent. */
void net_nft_pools_clear(void);

/* Remove the whole table (paddock stop --all).  Returns 0, also when none. */
int net_nft_remove_table(char *err, size_t err_len);
