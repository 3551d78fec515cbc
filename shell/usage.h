/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place a live paddock's figures are collected for paddock status,
 * metrics and top, none of which wakes a holder: its records and /proc
 * (admin.h), the connections to its control socket (ctl-conns.h), what
 * its cgroup's manager reads (CgroupManager.usage: memory, swap, OOM
 * kills, CPU and throttling, tasks, processes, pressure, the limits in
 * force), the holder's start and the traffic of its host-side network
 * interface.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "admin.h"

/* Traffic of a paddock's own interface, as the paddock sees it. */
typedef struct PaddockNet {
	char host_if[IF_NAMESIZE];     /* the host-side end ("" none: no figures) */
	uint64_t rx_bytes, rx_packets; /* received by the paddock (sent by the host end) */
	uint64_t tx_bytes, tx_packets; /* sent by the paddock */
} PaddockNet;

typedef struct PaddockUsage {
	PaddockInfo info;
	bool have_usage; /* usage: read from the cgroup */
	CgroupUsage usage;
	double start_time; /* the holder's start, seconds since the epoch; 0 unknown */
	PaddockNet net;
} PaddockUsage;

/* A uid -> name table for many paddocks at once (one pass over the passwd
 * database instead of one lookup per paddock). */
typedef struct UserNames UserNames;

/*
 * Load the table: every entry getpwent() lists (where the sources allow
 * enumeration); other uids are looked up one by one when asked.  Returns
 * NULL when out of memory (then every uid is looked up one by one).
 */
UserNames *user_names_load(void);
void user_names_free(UserNames *n);
/* _cleanup_ form of user_names_free(). */
void user_names_freep(UserNames **n);

/* The name of uid into buf ("" when it has none); names may be NULL. */
void user_names_get(UserNames *names, uid_t uid, char *buf, size_t len);

/*
 * Collect uid's figures into *ret without waking its holder: the paddock's
 * description (admin_paddock_read(), sessions from one ctl-conns dump), the
 * user's name from names, the cgroup's usage (have_usage false when it
 * cannot be read), the holder's start and the network traffic.  Returns 0,
 * -ESTALE when there is no live paddock, other -errno.
 */
int usage_collect(int run_dir_fd, uid_t uid, UserNames *names, PaddockUsage *ret);

/*
 * usage_collect() for every live paddock (admin_list_uids()), ascending by
 * uid, into a malloc'd array, with one ctl-conns dump for all; paddocks
 * that go away meanwhile are left out, *ret_failed counts those that could
 * not be read otherwise.  Returns 0 or -errno.
 */
int usage_collect_all(int run_dir_fd, UserNames *names, PaddockUsage **ret, size_t *ret_n,
		      size_t *ret_failed);

/* CLOCK_MONOTONIC in seconds: how long a collection took, when a sample was taken. */
double usage_now(void);
