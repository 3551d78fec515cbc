/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What cgroup-v1.c and cgroup-v2.c share (implemented in cgroup.c); not part
 * of the manager interface in cgroup.h.
 *
 * Every cgroup directory is reached through a CgWalk: /sys/fs/cgroup is
 * opened from "/" one component at a time, then the hierarchy, then each
 * component of cgroup_parent, always with O_NOFOLLOW|O_DIRECTORY, and each
 * directory must be owned by root and not writable by group or others, and
 * every directory below the hierarchy root must be on the hierarchy's own
 * mount (threats.md 3 and 9).  Files are opened relative to those fds.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../conf/fs-util.h"
#include "../conf/policy.h"
#include "cgroup.h"

/* cpu.max / cpu.cfs_period_us: the scheduling period every manager uses. */
#define CG_CPU_PERIOD_US 100000
/* Directories below a hierarchy root, cgroup_parent's and the leaf together. */
#define CG_DEPTH_MAX 32

/* The leaf below cgroup_parent that leave() moves the last process into. */
#define CG_REAPER_NAME "reaper"

/*
 * An open path in one hierarchy: fd[0] is the hierarchy root, fd[i] the
 * i-th directory below it.  Zero-initialise ({0}) before use; release with
 * cg_walk_done() (or _cleanup_(cg_walk_done)).
 */
typedef struct CgWalk {
	bool open;
	size_t depth;
	dev_t dev;
	int fd[CG_DEPTH_MAX + 1];
	ino_t ino[CG_DEPTH_MAX + 1];	   /* the inode of fd[i] (a CgroupStamp's key) */
	bool created[CG_DEPTH_MAX + 1];	   /* made by this walk's mkdirat() */
	size_t name_off[CG_DEPTH_MAX + 1]; /* name of fd[i], i >= 1, in buf */
	char buf[POLICY_PATH_MAX + CG_DEPTH_MAX + 64];
	size_t used;
} CgWalk;

/*
 * Open the hierarchy root: /sys/fs/cgroup itself when names is NULL, else
 * /sys/fs/cgroup/NAME for the first of names (NULL-terminated) that is a
 * directory on a file system with the given statfs magic.  A name that is a
 * symlink is skipped, not followed (RHEL links "cpu" to "cpu,cpuacct").
 * Returns 0, -ENOENT when no candidate is such a mount, -EPERM when the
 * directory is not root's alone, other -errno.
 */
int cg_walk_open_root(CgWalk *w, const char *const *names, unsigned long magic);

/* /sys/fs/cgroup opened in one openat2 that refuses symlinks (paths under
 * /sys only root can change), the directory root's alone: an fd (O_CLOEXEC)
 * or -errno. */
int cg_open_base(void);

/* cg_walk_open_root() below base, an fd from cg_open_base(), so that one
 * open of /sys/fs/cgroup serves several hierarchies. */
int cg_walk_open_root_at(CgWalk *w, int base, const char *const *names, unsigned long magic);

/*
 * Open path (relative, below base, an fd from cg_open_base()) in one openat2
 * that stays beneath base and refuses symlinks, as the directory a walk
 * found before: device dev and inode ino (so the same hierarchy and not
 * made anew since), still root's alone.  Returns an fd (O_CLOEXEC), -ESTALE
 * when it is another directory, -EPERM when
 * it is no longer root's alone, other -errno (-ENOENT: gone, or a symlink
 * on the way: -ELOOP).
 */
int cg_open_known(int base, const char *path, uint64_t dev, uint64_t ino);

/*
 * Descend into (create == true: first mkdirat() with mode 0755) the
 * directory name below the current one.  Returns 0 or -errno; on failure the
 * walk is unchanged and a directory made by this call is removed again.
 */
int cg_walk_down(CgWalk *w, const char *name, bool create);

/*
 * Open the directory name below the walk's deepest one as cg_walk_down()
 * does (no symlink, root's alone, on the hierarchy's own mount) without
 * descending into it: the walk stays as it is, for the next name.
 * Returns an fd (O_CLOEXEC) or -errno.
 */
int cg_walk_open_child(const CgWalk *w, const char *name);

/* cg_walk_down() for every component of the absolute path parent. */
int cg_walk_path(CgWalk *w, const char *parent, bool create);

/* The fd of the deepest directory reached. */
static inline int cg_walk_fd(const CgWalk *w)
{
	return w->fd[w->depth];
}

/* Close every fd of the walk; the walk may be reused (zeroed). */
void cg_walk_done(CgWalk *w);

/* Walks a CgroupUsageCache keeps: one per hierarchy of a manager. */
#define CG_CACHE_WALKS 4

struct CgroupUsageCache {
	const CgroupManager *m; /* whose walks these are; NULL: none yet */
	char parent[POLICY_PATH_MAX];
	CgWalk w[CG_CACHE_WALKS];
};

/* The walks c holds for manager m and parent, or NULL: none (then the
 * caller opens them and hands them over with cg_usage_cache_set()). */
const CgWalk *cg_usage_cache_get(const CgroupUsageCache *c, const CgroupManager *m,
				 const char *parent);

/* Hand the n walks w over to c (they are zeroed) as m's for parent; what
 * c held before is closed.  Returns c's copy. */
const CgWalk *cg_usage_cache_set(CgroupUsageCache *c, const CgroupManager *m, const char *parent,
				 CgWalk *w, size_t n);

/*
 * Remove, deepest first, every directory this walk created, then
 * cg_walk_done().  Never recursive: a directory that something else started
 * to use in the meantime (another user's first login) stays.
 */
void cg_walk_rollback(CgWalk *w);

/*
 * Check cgroup_parent: absolute, no empty, "." or ".." components, no
 * control characters, short enough to leave room for the leaf.
 * Returns 0 or -EINVAL.
 */
int cg_parent_check(const char *parent);

/* "user-UID" into buf.  Returns 0 or -ENAMETOOLONG. */
int cg_user_name(uid_t uid, char *buf, size_t len);

/*
 * What writing limits into a user's cgroup begins with: cg_limits_check()
 * on limits, then cg_user_name() into buf.  Returns 0, -EINVAL for bad
 * limits, -ENAMETOOLONG.
 */
int cg_user_leaf(uid_t uid, const CgroupLimits *limits, char *buf, size_t len);

/*
 * "PARENT/user-UID" into buf, the same in every hierarchy (the managers'
 * path()).  Returns 0, -EINVAL for a bad parent, -ENAMETOOLONG.
 */
int cg_user_path(const char *parent, uid_t uid, char *buf, size_t len);

/*
 * Check limits before anything is created: cpu_weight 1..10000, cpu_quota
 * not 0 (the kernel refuses quotas below 1 ms).  Returns 0 or -EINVAL.
 */
int cg_limits_check(const CgroupLimits *l);

/*
 * cpu_quota (percent of one CPU) as microseconds per CG_CPU_PERIOD_US;
 * UNITS_MAX stays UNITS_MAX.  Returns 0 or -ERANGE.
 */
int cg_cpu_quota_us(uint64_t percent, uint64_t *ret);

/*
 * A limit as the kernel wants it: decimal, or max_word ("max" on v2, "-1"
 * on v1) for UNITS_MAX.  Returns buf.
 */
const char *cg_limit_str(uint64_t v, const char *max_word, char *buf, size_t len);

/*
 * Write value to the file name in dirfd, a cgroup directory (a walk's or
 * cg_open_known()'s: nothing but control files and directories there), with
 * O_WRONLY|O_NOFOLLOW in one write().  Returns 0 or -errno (the kernel's
 * verdict on the value comes back from write()).
 */
int cg_write(int dirfd, const char *name, const char *value);

/*
 * Read the control file name in dirfd, a cgroup directory, into buf,
 * NUL-terminated: openat with O_NOFOLLOW and one read().  A cgroup's file
 * is one seq_file record, which the kernel shows whole to the first read
 * that has room for it, and cgroupfs holds no FIFO or device: so neither
 * the fstat nor the read to EOF of fs_read_file().  Returns the length,
 * -EFBIG when it does not fit in len - 1 bytes, or -errno.
 */
int cg_read(int dirfd, const char *name, char *buf, size_t len);

/* Read a file holding one number ("max" gives UNITS_MAX).  Returns 0 or -errno. */
int cg_read_u64(int dirfd, const char *name, uint64_t *ret);

/* The processes of the cgroup dirfd: the lines of its cgroup.procs (the
 * kernel lists no exited one).  Returns 0 or -errno. */
int cg_count_procs(int dirfd, uint64_t *ret);

/* Read "key value" from a flat-keyed file (cpu.stat).  Returns 0,
 * -ENODATA when key is absent, or -errno. */
int cg_read_key_u64(int dirfd, const char *name, const char *key, uint64_t *ret);

/*
 * Read n keys of a flat-keyed file (cpu.stat, memory.events) in one read:
 * vals[i] is the value of keys[i], UINT64_MAX where the file lacks the key.
 * Returns 0 or -errno (-EBADMSG for a value that is no number).
 */
int cg_read_keys(int dirfd, const char *name, const char *const *keys, uint64_t *vals, size_t n);

/*
 * Read the "total=" (microseconds stalled) of the some and full lines of
 * a pressure file (cpu.pressure, memory.pressure, io.pressure);
 * UINT64_MAX for a line the file lacks.  Returns 0 or -errno.
 */
int cg_read_pressure(int dirfd, const char *name, uint64_t *ret_some, uint64_t *ret_full);

/* Whether every word of want (NULL-terminated) is a word of the
 * space-separated list text (cgroup.controllers, cgroup.subtree_control). */
bool cg_words_contain(const char *text, const char *const *want);

/*
 * Finish reading one usage figure: r is the read's result, v its target.  A
 * file this kernel lacks (-ENOENT, -ENODATA) leaves the figure unknown
 * (UINT64_MAX) instead of failing paddock status.
 */
static inline int cg_usage_figure(int r, uint64_t *v)
{
	if (r == -ENOENT || r == -ENODATA) {
		*v = UINT64_MAX;
		return 0;
	}
	return r;
}

/*
 * A limit read back from a cgroup file: the result r of cg_read_u64 (which
 * turns "max" into UNITS_MAX) and the value.  A file this kernel lacks
 * gives CG_UNKNOWN; values from (1 << 62) up are v1's spelling of "no
 * limit" (PAGE_COUNTER_MAX pages, LONG_MAX rounded) and give UNITS_MAX.
 */
static inline int cg_live_figure(int r, uint64_t *v)
{
	if (r == -ENOENT || r == -ENODATA) {
		*v = CG_UNKNOWN;
		return 0;
	}
	if (r >= 0 && *v >= (UINT64_C(1) << 62))
		*v = UNITS_MAX;
	return r;
}

/* A CFS quota and period in microseconds as percent of one CPU, rounded. */
static inline uint64_t cg_quota_percent(uint64_t quota_us, uint64_t period_us)
{
	if (quota_us == UNITS_MAX || period_us == 0)
		return UNITS_MAX;
	return (quota_us * 100 + period_us / 2) / period_us;
}

/*
 * Usage and live limits from the files of one unified-hierarchy cgroup
 * (the cgroupfs v2 manager's user-UID, systemd's user-UID.slice).
 */
int cg_v2_read_usage(int fd, CgroupUsage *ret);

/* Whether this machine has a usable hierarchy for each backend (0 or 1), or -errno. */
int cg_v1_available(void);
int cg_v2_available(void);
/* The same, below base (an fd from cg_open_base()). */
int cg_v2_available_at(int base);

/*
 * Whether the filesystem at /sys/fs/cgroup/name (symlinks followed) is of
 * type magic: 1, 0 (another type, or no such name), or -errno.  Detection
 * only: nothing is opened through it.
 */
int cg_base_has(const char *name, unsigned long magic);
