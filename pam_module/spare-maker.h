/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spares on the maker's side (spare.h has the pool): run in "paddock
 * spare" (shell/cmd-spare.c) and in the admin commands that stop them,
 * never in a login.
 */
#pragma once

#include <stddef.h>

#include "holder-spawn.h"
#include "spare.h"

/* How long a maker stays after its last spare, watching the pool. */
#define SPARE_MAKER_LINGER_MS 10000
/* How long the maker waits after a claim before it makes the next spare. */
#define SPARE_MAKER_SETTLE_MS 10

/*
 * "paddock spare": make one spare of p's shape (p->uid, user, hostname,
 * kill_on_logout and linger unused) unless count of that shape exist,
 * from the helper helper_fd: move into the reaper leaf of p's cgroup
 * manager, create STATE_DIR/spare/KEY.ID.new/, start the holder there,
 * wait for it to be ready, rename the directory to KEY.ID/.  The caller
 * holds the shape's maker lock (spare_maker_lock()): the KEY.ID.new/ of a
 * maker of the shape that died are collected first (their holders killed),
 * and the KEY.ID/ whose holder is gone.
 * Returns 1 when a spare was made, 0 when none was needed, -errno (nothing
 * left).
 */
int spare_make(int helper_fd, const HolderParams *p, unsigned count, HolderStarted *ret);

/*
 * Stop every maker (SIGTERM: each finishes the spare it is making, then
 * exits) and every spare (whatever its shape), and wait for each to exit;
 * the dead ones' directories are removed.  Spares still being made are
 * left to their makers while they run; those of a dead maker are
 * collected.  Returns 0 or the first -errno, *ret_stopped how
 * many spares stopped.
 */
int spare_stop_all(int run_dir_fd, unsigned *ret_stopped);

/* For "paddock spare": move into the reaper leaf of p's cgroup manager,
 * then STATE_DIR/spare/ (made if missing), the private STATE_DIR mount
 * repaired first.  Returns 0 or -errno. */
int spare_maker_open_dir(const HolderParams *p, int *ret_fd);

/*
 * Take the maker lock of p's shape in spare_fd (held until the fd is
 * closed or the process exits).  Returns 0 and the lock's fd, -EBUSY when
 * another maker holds it, other -errno.
 */
int spare_maker_lock(int spare_fd, const HolderParams *p, int *ret_fd);

/*
 * The pidfds (O_CLOEXEC, the caller closes them) of the holders of the
 * ready spares of p's shape in spare_fd, at most max, into pidfds: a maker
 * polls them, so that a spare whose holder dies is collected and replaced
 * while the maker runs, not left counted as ready (threat 18).  Returns how
 * many were found.
 */
size_t spare_watch_ready(int spare_fd, const HolderParams *p, int *pidfds, size_t max);
