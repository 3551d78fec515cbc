/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The links of a nat paddock, over rtnetlink (libmnl): the veth pair whose
 * host end lives in the caller's network namespace and whose peer, eth0, is
 * created straight in the paddock's (IFLA_NET_NS_FD: it never exists on the
 * host), the addresses of both ends and the paddock's default route.
 * Part of paddock-net only: neither the module nor the holder links libmnl.
 */
#pragma once

#include "../conf/netaddr.h"

#define NET_PEER_NAME "eth0"

/* The addresses of one paddock: the host end (gateway) and eth0. */
typedef struct NetAddrs {
	NetCidr host4, peer4; /* /31 */
	NetCidr host6, peer6; /* /64 from nat_pool6; family 0: none */
} NetAddrs;

/*
 * Create the veth host_if <-> eth0 (in the namespace behind netns_fd), put
 * the addresses on both ends, bring both up (and the paddock's lo) and add
 * the default route(s) inside.  A link called host_if left by an earlier
 * paddock is replaced.  Returns 0 or -errno; on failure the pair is
 * removed again.
 */
int net_link_up(const char *host_if, int netns_fd, const NetAddrs *a);

/* Remove the link host_if of the caller's namespace (its peer goes with
 * it).  Returns 0, also when there is none, or -errno. */
int net_link_remove(const char *host_if);

/* Rename the link from to to in the caller's namespace.  Returns 0 or -errno. */
int net_link_rename(const char *from, const char *to);
