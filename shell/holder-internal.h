/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's state, shared by shell/holder.c (main, setup, the loop),
 * holder-sessions.c and holder-teardown.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../conf/namespaces.h"
#include "holder-spare.h"

typedef enum Phase {
	PHASE_RUN,     /* sessions > 0 */
	PHASE_LINGER,  /* no session; the linger timer runs */
	PHASE_EXPIRED, /* no session for the linger time: tear down when we may */
} Phase;

typedef struct Holder {
	HolderOpts *o;
	int ep, sig, timer, proc, root;
	int ns_files[NS_COUNT]; /* keep_ns_files(); -EBADF: not ours */
	unsigned sessions;
	Phase phase;
	bool stop;
	int moved;   /* a spare: holder_spare_watch(), -EBADF for a user's */
	bool orphan; /* a spare renamed to UID/ (fd 7 that user's lock) */
	const char *reason;
} Holder;

/* epoll data: fd in the low 32 bits, then the kind and connection flags. */
enum {
	TAG_CTL = 1,
	TAG_SIG,
	TAG_TIMER,
	TAG_MOVED,
	TAG_CONN,
};
#define CONN_DONE    (UINT64_C(1) << 40) /* its one datagram was acted on */
#define CONN_SESSION (UINT64_C(1) << 41) /* counted as a live session */

static inline uint64_t ev_data(int fd, unsigned tag, uint64_t flags)
{
	return (uint64_t)(uint32_t)fd | (uint64_t)tag << 32 | flags;
}

/* The live processes of our PID namespace other than us; proc is an fd of
 * our /proc. */
unsigned holder_count_processes(int proc);

/* Reap every exited child (orphans of the PID namespace are ours). */
void holder_reap_all(void);
