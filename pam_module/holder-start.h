/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a user's holder (the module side of holder-proto.h) and the
 * per-user state it lives in: STATE_DIR made a private mount, UID/ built and
 * removed, the namespaces recorded.  Runs in the caller's root process, in the
 * host namespaces, with the per-user lock held.
 */
#pragma once

#include <stdbool.h>
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
} HolderParams;

typedef struct HolderStarted {
	pid_t pid;		    /* the holder, in the host PID namespace */
	char error[HOLDER_MSG_MAX]; /* the holder's "error STEP: MESSAGE", or "" */
} HolderStarted;

/*
 * Open path below dirfd: no symlinks, no magic links, not above dirfd
 * (openat2 RESOLVE_BENEATH).  O_CLOEXEC and O_NOFOLLOW are added.
 * Returns the fd or -errno.
 */
int holder_state_open(int dirfd, const char *path, int flags);

/*
 * Make the STATE_DIR directory behind run_dir_fd a private mount of its own
 * (like ip-netns does for /run/netns, but private), so that each holder can
 * detach its copy (no paddock sees STATE_DIR, not even as root) and nothing
 * mounted below it propagates anywhere.  Idempotent; a directory that is a
 * mount root already is left as it is (holder_start() makes it private
 * again before it uses it).  If the directory was not yet a mount root it
 * is bind-mounted onto itself and made private: run_dir_fd then still names the
 * directory *under* the new mount, so the caller must use *ret_fd (a new
 * O_DIRECTORY|O_CLOEXEC fd on the mount root) from now on.  Returns 0 or
 * -errno.
 */
int holder_state_make_private(int run_dir_fd, int *ret_fd);

/*
 * Remove the state of uid's paddock: unlink ctl and every namespace record
 * (detaching first the nsfs pin an older version may have mounted there),
 * remove ns/ and UID/.  Only for a paddock known dead
 * (ns_join said -ESTALE, under the lock) or by its own holder at teardown.
 * Never removes anything it does not know (-ENOTEMPTY then).  Returns 0
 * (also when there was nothing), or the first -errno.
 */
int holder_state_remove(int run_dir_fd, uid_t uid);

/*
 * Start uid's holder: remove the stale state of a dead paddock if any,
 * create UID/ (0700), UID/ns/ and bind UID/ctl, start the holder in new
 * namespaces through an intermediate process (so it is not the caller's
 * child), wait up to HOLDER_START_TIMEOUT_MS for its ready line, and record
 * the inode of each of its namespaces in UID/ns/NAME.  helper_fd: the paddock binary, opened
 * O_PATH|O_CLOEXEC in the host namespaces.  run_dir_fd: the private STATE_DIR
 * mount root (-EINVAL otherwise).
 *
 * Returns 0 and fills *ret (may be NULL).  On failure returns -errno (-EIO
 * when the holder reported an error: ret->error has its line), the holder is
 * killed and nothing of UID/ is left.  The caller then joins with ns_join().
 */
int holder_start(int run_dir_fd, int helper_fd, const HolderParams *p, HolderStarted *ret);
