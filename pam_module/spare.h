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
 *
 * Split by the process that runs the code: spare-claim.h in the login
 * (sshd, su: the module), spare-maker.h in "paddock spare" and the admin
 * commands; this file has what both see of the pool.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "holder-spawn.h"
#include "ns.h"

/* The name of a spare's directory while it is being made: KEY.ID.new */
#define SPARE_NEW_SUFFIX ".new"
/* "spare-" and the 16 hex digits of a spare's id */
#define SPARE_CGROUP_NAME_MAX 32

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

/* How many spares are ready to be claimed (any shape). */
unsigned spare_count_ready(int run_dir_fd);

/* How many spares of p's shape are ready or being made in spare_fd. */
unsigned spare_count_of(int spare_fd, const HolderParams *p);

/* Whether the spare directory entry name is a spare being made
 * (SPARE_NEW_SUFFIX). */
bool spare_is_new(const char *name);

/* STATE_DIR/spare/, root-only, below run_dir_fd; created when create is
 * set.  Returns 0 and *ret_fd, or -errno (-ENOENT: none yet). */
int spare_open_dir(int run_dir_fd, bool create, int *ret_fd);

/*
 * Call fn for each entry of the spare directory spare_fd that
 * match(name, arg) accepts; stop at the first fn() that returns > 0 (and
 * return it).  Returns that, 0 when none did, or -errno.
 */
int spare_each_entry(int spare_fd, bool (*match)(const char *name, const char *arg),
		     const char *arg, int (*fn)(const char *name, void *data), void *data);

/* spare_each_entry() over the spares whose name starts with key (NULL:
 * every spare, ready or being made). */
int spare_each_of_key(int spare_fd, const char *key, int (*fn)(const char *name, void *data),
		      void *data);

/* How many entries of spare_fd match(name, arg) accepts. */
unsigned spare_count_matching(int spare_fd, bool (*match)(const char *name, const char *arg),
			      const char *arg);

/* How many spares of shape key are ready or being made in spare_fd. */
unsigned spare_count_of_key(int spare_fd, const char *key);

/* The manager of p when it keeps spare cgroups, else NULL. */
const CgroupManager *spare_cgroups_of(const HolderParams *p);

/* STATE_DIR/spare/.maker.KEY: locked (fcntl, F_WRLCK) by the "paddock
 * spare" that serves the shape KEY while it runs.  A dot name: no spare. */
#define SPARE_MAKER_PREFIX   ".maker."
#define SPARE_MAKER_NAME_MAX (sizeof(SPARE_MAKER_PREFIX) + SPARE_KEY_LEN)
/* The lock's name for shape key. */
void spare_maker_name(const char *key, char buf[static SPARE_MAKER_NAME_MAX]);
/* The pid of the process that holds the lock spare_fd/name (in our PID
 * namespace), 0 when nobody does, -errno. */
pid_t spare_maker_pid(int spare_fd, const char *name);
