/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The caller's descriptors and the session (threats.md 20).  A root caller
 * may hold descriptors without close-on-exec (a script's "exec 7</" before
 * su, a daemon's sockets); the user's processes are exec'd children of the
 * caller, and a directory descriptor of the host's tree would let them walk
 * it from inside the paddock.  The module cannot close the caller's
 * descriptors (the caller still uses them), but it can mark them
 * close-on-exec: the caller and its forks keep them, nothing it execs does.
 */
#pragma once

/*
 * Mark every descriptor above 2 of the calling process close-on-exec
 * (close_range, CLOSE_RANGE_CLOEXEC).  The standard three stay as they
 * are: they are the session's terminal or pipes.  Returns 0 or -errno.
 */
int caller_fds_cloexec(void);
