/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node's login counters (paddock metrics): how many logins the module
 * saw end in each way since boot.  They live in STATE_DIR/counters, root's
 * file (0600) on /run: a holder's exit does not touch them, a reboot
 * clears them (Prometheus takes a counter that starts again from 0 as a
 * reset).  Each login adds with atomic adds on a shared mapping of the
 * file, so concurrent logins of sshd's many monitor processes lose no
 * count and take no lock.
 */
#pragma once

#include <stdint.h>

/* One counter; paddock(8) names each as a metric. */
typedef enum Counter {
	COUNTER_STARTED,	/* a new paddock (spare claims included) */
	COUNTER_SPARE,		/* of those, a spare paddock claimed */
	COUNTER_JOINED,		/* joined a live paddock */
	COUNTER_EXEMPT,		/* not isolated: the policy leaves the user alone, or root */
	COUNTER_UNISOLATED,	/* setup failed, on_error = allow let the user in */
	COUNTER_DENIED_POLICY,	/* denied: the policy or the module line is broken */
	COUNTER_DENIED_USER,	/* denied: no user name, or NSS does not know it */
	COUNTER_DENIED_AUDIT,	/* denied: audit = required and no record */
	COUNTER_DENIED_CALLER,	/* denied: an unusual caller (non-root, threads, systemd-user) */
	COUNTER_DENIED_SETUP,	/* denied: the paddock could not be set up */
	COUNTER_SETUP_FAILURES, /* the session steps failed (denied or let in unisolated) */
	COUNTER_N,
} Counter;

#define COUNTER_BIT(c) (1u << (c))

/* The counters mapped for one PAM call (opaque). */
typedef struct Counters Counters;

/*
 * Map STATE_DIR/counters, creating it when it is missing or of another
 * layout, into *ret.  Done once at the start of a session's opening, in
 * the host's mount namespace: the outcomes are counted through the
 * mapping, also after the join, when no path of the host may be used
 * (threat 6).  Returns 0 or -errno (*ret NULL: nothing is counted; a
 * login never fails for its counters).
 */
int counters_open(Counters **ret);

/* Add one to every counter in mask (COUNTER_BIT()s), with atomic adds;
 * c may be NULL (not mapped: nothing happens). */
void counters_bump(Counters *c, unsigned mask);

/* Unmap c (NULL: nothing). */
void counters_close(Counters *c);

/*
 * Read the counters into ret (all 0 when the file does not exist yet:
 * nothing counted since boot).  run_dir_fd: STATE_DIR.  Returns 0 or
 * -errno (-EBADMSG: a file of another layout).
 */
int counters_read(int run_dir_fd, uint64_t ret[COUNTER_N]);
