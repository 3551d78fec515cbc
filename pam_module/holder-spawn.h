/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a user's holder (the module side of holder-proto.h): its command
 * line, the intermediate process that spawns it in new namespaces, its ready
 * line, and the records of its namespaces.  The state directory it lives in
 * is state.c's.  Runs in the caller's root process, in the host namespaces,
 * with the per-user lock held.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "holder-params.h"
#include "holder-proto.h"

typedef struct HolderStarted {
	pid_t pid;		    /* the holder, in the host PID namespace */
	char error[HOLDER_MSG_MAX]; /* the holder's "error STEP: MESSAGE", or "" */
} HolderStarted;

/*
 * Bind dir_fd/ctl and start a holder with the words of cmdline (len bytes,
 * NUL-separated; modified in place) in new namespaces of mask, its state
 * directory dir_fd and its lock file lock_fd (-1: /dev/null, a spare's),
 * through the intermediate; wait up to HOLDER_START_TIMEOUT_MS for its
 * ready line.  Returns 0 with ret->pid and *ret_pidfd; on failure -errno
 * (-EIO with ret->error when the holder reported one), the holder killed.
 * The caller removes dir_fd's contents on failure.
 */
int holder_spawn(int dir_fd, int lock_fd, int helper_fd, char *cmdline, size_t len, unsigned mask,
		 HolderStarted *ret, int *ret_pidfd);

/*
 * Start the helper with the words of cmdline in the caller's namespaces,
 * fds 0-2 /dev/null and 3 helper_fd (the rest closed), as nobody's child in
 * the caller (the intermediate exits at once), and do not wait for it.
 * Returns 0 once it runs, or -errno.
 */
int holder_spawn_detached(int helper_fd, char *cmdline, size_t len);

/* Append one NUL-terminated word w to the command line buf (len bytes, *n
 * used so far).  Returns 0 or -E2BIG. */
int holder_put_word(char *buf, size_t len, size_t *n, const char *w);

/*
 * Run the helper with the words of cmdline in the caller's namespaces, fds
 * 0-2 /dev/null, 3 a pipe it answers on, 4 extra_fd (-1: /dev/null), as
 * nobody's child in the caller, and wait up to timeout_ms for its one
 * reply line (into reply, without the newline; "" when it closed the pipe
 * without one).  Returns 0, or -errno (-ETIMEDOUT: it was killed).
 */
int holder_run_helper(int helper_fd, char *cmdline, size_t len, int extra_fd, int timeout_ms,
		      char *reply, size_t reply_len);

/*
 * Record the namespaces of mask of the live holder behind pidfd (pid in
 * our PID namespace) in ns_dir_fd (UID/ns/): see holder-proto.h.
 * Returns 0 or -errno (-EPERM: one of them is the caller's own).
 */
int holder_record(int ns_dir_fd, pid_t pid, int pidfd, unsigned mask);

/* SIGKILL the holder behind pidfd (-1: none) and wait up to 1 s for it. */
void holder_kill(int pidfd);

/*
 * A paddock that is not whole (ns_join_or_stale() said -EUCLEAN, or
 * paddock stop found no holder it could stop): its holder killed through
 * pidfd (-1: none alive) and UID/ removed.  Call it with the per-user lock
 * held.  Returns state_remove_user()'s result.
 */
int holder_collect(int run_dir_fd, uid_t uid, int pidfd);

/*
 * Start uid's holder: remove the stale state of a dead paddock if any,
 * create UID/ (0700), UID/ns/ and bind UID/ctl, start the holder in new
 * namespaces through an intermediate process (so it is not the caller's
 * child), wait up to HOLDER_START_TIMEOUT_MS for its ready line, and record
 * the inode of each of its namespaces in UID/ns/all.  helper_fd: the paddock binary, opened
 * O_PATH|O_CLOEXEC in the host namespaces.  run_dir_fd: the private STATE_DIR
 * mount root (-EINVAL otherwise).
 *
 * Returns 0 and fills *ret (may be NULL).  On failure returns -errno (-EIO
 * when the holder reported an error: ret->error has its line), the holder is
 * killed and nothing of UID/ is left.  The caller then joins with ns_join().
 */
int holder_start(int run_dir_fd, int helper_fd, const HolderParams *p, HolderStarted *ret);
