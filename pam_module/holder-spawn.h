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

#include "holder-proto.h"

/* What the holder is told (its argv); see holder-proto.h. */
typedef struct HolderParams {
	uid_t uid;
	const char *user;     /* shown in ps on the host */
	const char *hostname; /* already expanded (policy_expand_hostname) */
	unsigned namespaces;  /* POLICY_NS_*: must contain MOUNT and PID */
	uint64_t tmp_size;    /* bytes of the private tmpfs, > 0 */
	bool private_tmp;
	bool private_ipc;
	bool loopback; /* bring lo up; needs POLICY_NS_NET */
	bool kill_on_logout;
	uint64_t linger;	    /* seconds */
	const char *cgroup_manager; /* CgroupManager.name, or "none" */
	const char *cgroup_parent;
	/* paddock spare: the limits written into its spare cgroups (spare.h),
	 * those of the login that started it; NULL: none */
	const struct CgroupLimits *spare_limits;
	/* spares of network = nat: the network made ahead for each, as
	 * net_spare_text() has it (net.h); NULL: none, or not a spare */
	const char *spare_net;
} HolderParams;

typedef struct HolderStarted {
	pid_t pid;		    /* the holder, in the host PID namespace */
	char error[HOLDER_MSG_MAX]; /* the holder's "error STEP: MESSAGE", or "" */
} HolderStarted;

/*
 * The command line of the holder for p, as exec'd and as /proc/PID/cmdline
 * shows it: "paddock\0holder\0--uid\0UID\0...", every word NUL-terminated,
 * the options in holder-proto.h's order.  Returns its length or -E2BIG.
 */
int holder_cmdline(const HolderParams *p, char *buf, size_t len);

/*
 * The command line of a spare holder of p's shape (uid, user, hostname,
 * kill_on_logout and linger unused) called name: "paddock holder --spare
 * NAME" and the shape, then "--pad" and HOLDER_SPARE_PAD spaces, the room
 * the claimed holder rewrites its command line in.  Returns its length or
 * -E2BIG.
 */
int holder_spare_cmdline(const HolderParams *p, const char *name, char *buf, size_t len);

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
