/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spares on the login's side (spare.h has the pool): run in the caller's
 * root process (sshd, su) under the user's lock, from session.c.
 */
#pragma once

#include "holder-spawn.h"
#include "ns.h"
#include "spare.h"

/*
 * Claim a ready spare of p's shape for p->uid: rename it to UID/, send the
 * claim with the user's lock file, and check its namespaces against the
 * records its maker wrote in UID/ns/all.
 * Call it where holder_start() would be called (the per-user lock held,
 * no live paddock, run_dir_fd the private STATE_DIR mount).  Returns 0 and
 * fills *ret as holder_start() does; -ENOENT when no spare was ready; other
 * -errno when the claim failed (the spare is killed and UID/ removed: the
 * caller starts a holder with holder_start() instead).  With session (not
 * NULL) the claim's connection, which the claim made the login's session
 * (holder-proto.h), and the holder's pidfd: the caller enters through the
 * pidfd (ns_enter()) and keeps fd as it keeps ns_join()'s; both -EBADF
 * unless a spare was claimed.
 */
typedef struct SpareSession {
	int fd, pidfd;
	NsInodes inodes;	       /* of the claimed holder, checked against its records */
	char name[SPARE_KEY_LEN + 18]; /* the claimed spare's (KEY.ID) */
} SpareSession;

int spare_take(int run_dir_fd, const HolderParams *p, HolderStarted *ret, SpareSession *session);

/*
 * spare_take() in two steps, for a first login that found no UID/ at all
 * (under the per-user lock), with a manager that keeps spare cgroups
 * (CgroupManager.spare; else -EOPNOTSUPP): spare_pick() renames a
 * ready spare to UID/, then its spare cgroup to the user's cgroup
 * (spare_cgroup_name(); the login's enter() then finds it and writes the
 * limits unless *ret's stamp says they are there), and names it in *ret
 * (-ENOENT: none ready); spare_claim() sends the claim and checks the
 * namespaces, as
 * spare_take() does (on failure the spare is killed and UID/ removed).
 * spare_unpick() kills a picked spare and removes UID/ when the login fails
 * before the claim.
 */
typedef struct SparePick {
	char name[SPARE_KEY_LEN + 18];
	CgroupStamp stamp; /* of the cgroup now the user's, with its maker's limits; zero: none */
} SparePick;
int spare_pick(int run_dir_fd, const HolderParams *p, SparePick *ret);
int spare_claim(int run_dir_fd, const HolderParams *p, HolderStarted *ret, SpareSession *session);
void spare_unpick(int run_dir_fd, const HolderParams *p);

/*
 * If fewer than count spares of p's shape are ready or being made and no
 * maker of the shape runs, start "paddock spare" from helper_fd, detached,
 * to make them.  Does not wait for it.  Returns 1 when one was started, 0
 * when none was needed, -errno.
 */
int spare_replenish(int run_dir_fd, int helper_fd, const HolderParams *p, unsigned count);
