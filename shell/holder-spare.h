/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's options, shared by shell/holder.c (PID 1 of a paddock) and
 * shell/holder-spare.c (a spare holder: started ahead of demand, claimed
 * by a user's first login; pam_module/holder-proto.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../conf/policy.h"
#include "../pam_module/cgroup.h"
#include "../pam_module/holder-params.h"

typedef struct HolderOpts {
	HolderParams p;		  /* cgroup_manager: cgm's name, or "none" */
	const CgroupManager *cgm; /* NULL: "none" */
	/* A spare (--spare NAME) until it is claimed; NULL for a user's. */
	const char *spare;
	/* The spare we were made as, claimed or not (the owner of a network
	 * its maker made, pam_module/net.h); "" for a user's. */
	char made_as[40];
	/* Spare: the tmpfs's context (fspick), for the claim's size; -1. */
	int tmp_ctx;
	/* Our command line in memory (argv), rewritten by the claim. */
	char *arg_start;
	size_t arg_len;
} HolderOpts;

/*
 * Act on a claim (holder-proto.h), msg its n bytes and lock_fd the lock
 * file it carried: check it against o, move into the user's cgroup (from
 * the host's mount namespace, then back into ours), set the hostname,
 * resize the tmpfs, rewrite the command line and make o the user's.
 * processes: the live processes of our PID namespace but us (must be 0).
 * Returns 0, or -errno with *step naming what failed: the holder must
 * then exit, the claimer cleans up.
 */
int holder_claim(HolderOpts *o, const char *msg, size_t n, int lock_fd, unsigned processes,
		 const char **step);

/*
 * Spare teardown, in the host's mount namespace already: remove
 * STATE_DIR/spare/NAME, or NAME.new (a spare whose maker died before the
 * rename), if it is still our directory (fd 3).  Returns 0 (also when it
 * is gone: claimed) or -errno.
 */
int holder_spare_remove_state(int run_dir_fd, const char *name);

/*
 * Remove parent_fd/name (state_remove_at) if it is still our state
 * directory (fd 3): a module that found us dead may have built a new one
 * meanwhile.  Returns 0 (also when it is gone or another's) or -errno.
 */
int holder_remove_own_dir(int parent_fd, const char *name);

/*
 * An inotify fd that reads IN_MOVE_SELF whenever our directory (fd 3) is
 * renamed: by our maker (NAME.new to NAME), or by a login that claims us
 * (to STATE_DIR/UID).  Returns the fd or -errno.
 */
int holder_spare_watch(void);

/*
 * After a move: where our directory is now, found from fd 3 (its parent,
 * the entry with its inode).  Returns 1 when it is STATE_DIR/UID, with
 * *ret_uid and *ret_lock_fd (STATE_DIR/UID.lock, an open file description
 * of our own, not locked); 0 when it is still a spare's name; -errno.
 * A login renames a spare under the user's lock and holds it until the
 * claim is answered: once we hold that lock and no claim came, the login
 * died between the two (threat 18).
 */
int holder_spare_moved(uid_t *ret_uid, int *ret_lock_fd);
