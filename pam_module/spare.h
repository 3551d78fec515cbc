/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spare paddocks (PolicyGlobal.prestart): holders made ahead of demand, so
 * that a first login takes one that is ready instead of building its own
 * (issue 7: the namespaces, proc, sysfs, tmpfs and lo cost most of a first
 * login, and every superblock made during a login grows every memory
 * cgroup's shrinker state).  holder-proto.h has the protocol.
 *
 *   STATE_DIR/spare/               root-only, 0700
 *   STATE_DIR/spare/KEY.ID.new/    a spare being made (ctl, ns/)
 *   STATE_DIR/spare/KEY.ID/        a spare ready to be claimed, its
 *                                  namespaces recorded in ns/ by its maker
 *   PARENT/spare-ID                (v1) the cgroup its holder was forked
 *                                  in, with the limits of the login that
 *                                  started the maker (HolderParams.
 *                                  spare_limits): its stamp is the xattr of
 *                                  KEY.ID/ (state_user_record_set())
 *
 * KEY names the shape (spare_key()): only a user whose paddock would have
 * the same namespaces, private /tmp and IPC, network, cgroup manager and
 * parent, and with network = nat the same network policy
 * (HolderParams.spare_net), takes it.  Such a spare's network is made by
 * its maker before it is ready (net_spare_up()); its claim only renames
 * the network's record (net_claim()).  A claim is a rename of KEY.ID/ to UID/ (atomic: one
 * login wins), then the claim message, whose connection becomes the
 * login's session.  A first login that finds no UID/ at all takes its
 * spare before the cgroup step (spare_pick()): KEY.ID/ to UID/, then the
 * spare's cgroup to the user's (a memory cgroup's mkdir is most of that
 * step; a maker's sweep never removes a cgroup a holder is in).  The spares
 * are made by "paddock
 * spare" (spare_make()), started detached by a first login
 * (spare_replenish()) unless one already runs for the shape: it stays
 * SPARE_MAKER_LINGER_MS after its last spare, watching STATE_DIR/spare/,
 * and tops the pool up after every claim (SPARE_MAKER_SETTLE_MS after it:
 * the claiming login's cgroup steps first), so logins that come in a burst
 * do not each start one; then it exits (no daemon).  Its lock:
 *
 *   STATE_DIR/spare/.maker.KEY     fcntl write lock of the running maker
 *
 * cgroupfs managers only (the systemd manager has no reaper leaf); with
 * v2, which cannot rename a cgroup, a spare waits in the manager's reaper
 * leaf and the claim moves it into the user's cgroup.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "holder-spawn.h"
#include "ns.h"

/* The name of a spare's directory while it is being made: KEY.ID.new */
#define SPARE_NEW_SUFFIX      ".new"
#define SPARE_MAKER_LINGER_MS 10000
/* How long the maker waits after a claim before it makes the next spare. */
#define SPARE_MAKER_SETTLE_MS 10
/* "spare-" and the 16 hex digits of a spare's id */
#define SPARE_CGROUP_NAME_MAX 32

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
 * (CgroupManager.spare_adopt; else -EOPNOTSUPP): spare_pick() renames a
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
 * The name of the spare cgroup made for the spare spare_name (KEY.ID, or
 * KEY.ID.new): CG_SPARE_PREFIX and ID, below the policy's cgroup_parent,
 * made by spare_make() with managers that can rename a cgroup (v1).
 */
void spare_cgroup_name(const char *spare_name, char buf[static SPARE_CGROUP_NAME_MAX]);

/*
 * HolderParams.spare_limits on paddock spare's command line (--limits):
 * the six CgroupLimits fields in decimal, comma-separated.  parse returns
 * 0 or -EINVAL.
 */
#define SPARE_LIMITS_MAX 128
void spare_limits_format(const CgroupLimits *l, char buf[static SPARE_LIMITS_MAX]);
int spare_limits_parse(const char *s, CgroupLimits *ret);

/* Remove the spare cgroup of spare_name below parent if it is there and
 * empty (cgm NULL or without spare cgroups: nothing).  Returns how many
 * directories went, or -errno. */
int spare_cgroup_remove(const CgroupManager *cgm, const char *parent, const char *spare_name);

/*
 * If fewer than count spares of p's shape are ready or being made and no
 * maker of the shape runs, start "paddock spare" from helper_fd, detached,
 * to make them.  Does not wait for it.  Returns 1 when one was started, 0
 * when none was needed, -errno.
 */
int spare_replenish(int run_dir_fd, int helper_fd, const HolderParams *p, unsigned count);

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

/* How many spares are ready to be claimed (any shape). */
unsigned spare_count_ready(int run_dir_fd);

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

/* How many spares of p's shape are ready or being made in spare_fd. */
unsigned spare_count_of(int spare_fd, const HolderParams *p);

/*
 * The pidfds (O_CLOEXEC, the caller closes them) of the holders of the
 * ready spares of p's shape in spare_fd, at most max, into pidfds: a maker
 * polls them, so that a spare whose holder dies is collected and replaced
 * while the maker runs, not left counted as ready (threat 18).  Returns how
 * many were found.
 */
size_t spare_watch_ready(int spare_fd, const HolderParams *p, int *pidfds, size_t max);
