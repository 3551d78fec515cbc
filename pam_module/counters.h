/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node's login counters (paddock metrics): how many logins the module
 * saw end in each way since boot.  They live in STATE_DIR/counters, root's
 * file (0600) on /run: a holder's exit does not touch them, a reboot
 * clears them (Prometheus takes a counter that starts again from 0 as a
 * reset).  A login adds under an exclusive flock of the file, one read and
 * one write, so concurrent logins of sshd's many monitor processes lose no
 * count; a process that dies holding the lock releases it.  A shared
 * mapping with atomic adds needs no lock, but its page fault and munmap
 * cost a login more (tests/bench/RESULTS.md).
 */
#pragma once

#include <errno.h>
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

/* The counters opened for one PAM call: the file, or -EBADF (nothing counted). */
typedef struct Counters {
	int fd;
} Counters;

/*
 * Open STATE_DIR/counters (O_CLOEXEC), creating it (and STATE_DIR's private mount) when
 * it is missing or of another layout, into *ret.  Done once at the start
 * of a session's opening, in the host's mount namespace: the outcomes are
 * counted through the fd, also after the join, when no path of the host
 * may be used (threat 6).  Returns 0 or -errno (ret->fd -EBADF: nothing is
 * counted; a login never fails for its counters).
 */
int counters_open(Counters *ret);

/* Add one to every counter in mask (COUNTER_BIT()s) under the file's lock;
 * nothing when c is not open. */
void counters_bump(Counters *c, unsigned mask);

/* Close c (before the call returns: no session inherits it). */
void counters_close(Counters *c);

/*
 * Read the counters into ret (all 0 when the file does not exist yet:
 * nothing counted since boot).  run_dir_fd: STATE_DIR.  Returns 0 or
 * -errno (-EBADMSG: a file of another layout).
 */
int counters_read(int run_dir_fd, uint64_t ret[COUNTER_N]);
