/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup managers behind one table of function pointers (crun style).
 * Callers never ask which backend is in use.
 *
 *   cgroup-v2.c      cgroupfs, unified hierarchy (memory.max, cpu.max, pids.max)
 *   cgroup-v1.c      cgroupfs, per-controller hierarchies (memory, cpu, pids)
 *   cgroup-systemd.c systemd as PID 1: limits on user-UID.slice over D-Bus
 *   cgroup.c         picking a manager, policy conversion, and the fd-relative
 *                    walk both cgroupfs managers use (cgroup-fs.h)
 *
 * The cgroupfs managers own the subtree PolicyGlobal.cgroup_parent (default
 * /paddock.slice) below the root of each hierarchy as mounted at
 * /sys/fs/cgroup, and create "user-UID" below it.  They never write any
 * cgroup they did not create.  The systemd manager writes no cgroup at all:
 * it ignores parent and asks systemd to set the limits on user-UID.slice,
 * the slice logind made for the user's sessions.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../conf/policy.h"

/* The limits the managers apply; a subset of UserPolicy, in kernel units. */
typedef struct CgroupLimits {
	uint64_t memory_max;	  /* bytes, UNITS_MAX = no limit */
	uint64_t memory_high;	  /* bytes, UNITS_MAX = no limit */
	uint64_t memory_swap_max; /* bytes, UNITS_MAX = no limit */
	uint64_t cpu_quota;	  /* percent of one CPU, UNITS_MAX = no limit */
	uint64_t cpu_weight;	  /* 1..10000 */
	uint64_t tasks_max;	  /* UNITS_MAX = no limit */
} CgroupLimits;

/* A live limit the kernel (or systemd) does not report: no such file here. */
#define CG_UNKNOWN (UINT64_MAX - 1)

/* The resources of the kernel's pressure stall information (PSI). */
typedef enum CgroupPressure {
	CG_PRESSURE_CPU,
	CG_PRESSURE_MEMORY,
	CG_PRESSURE_IO,
	CG_PRESSURE_N,
} CgroupPressure;

/*
 * Usage figures for paddock status, metrics and top, UINT64_MAX where
 * unknown (this kernel or manager has no such file), and the limits in
 * force as read back from the cgroup (CgroupLimits units: UNITS_MAX for
 * none, CG_UNKNOWN where this kernel has no such file).  The counters
 * count since the cgroup was made.
 */
typedef struct CgroupUsage {
	uint64_t memory_current;     /* bytes */
	uint64_t memory_swap;	     /* bytes swapped out */
	uint64_t memory_oom_kills;   /* processes the OOM killer killed */
	uint64_t memory_max_events;  /* times usage hit the hard limit */
	uint64_t memory_high_events; /* times usage went over memory_high (v2) */
	uint64_t cpu_usage_usec;
	uint64_t cpu_periods;	     /* CFS periods with runnable tasks */
	uint64_t nr_throttled;	     /* of those, periods throttled */
	uint64_t cpu_throttled_usec; /* time throttled */
	uint64_t tasks_current;
	uint64_t processes; /* in the cgroup (cgroup.procs), the holder included */
	uint64_t pressure_some_usec[CG_PRESSURE_N]; /* some task stalled (PSI "some" total) */
	uint64_t pressure_full_usec
		[CG_PRESSURE_N]; /* all stalled (PSI "full"); none for cpu on old kernels */
	CgroupLimits live;
} CgroupUsage;

/* A CgroupUsage with every figure unknown and no live limit known. */
void cg_usage_unknown(CgroupUsage *ret);

/*
 * The parent of the users' cgroups, opened once in every hierarchy for a
 * run of usage() calls (paddock metrics and top read every paddock in a
 * row), so that each call opens only the user's leaf below it.  The first
 * call given one fills it for its manager and parent; a call for another
 * manager or parent fills it anew.  Keep one no longer than a run: a
 * parent removed meanwhile stays open.  Opaque to the caller.
 */
typedef struct CgroupUsageCache CgroupUsageCache;

/* An empty cache, or NULL when out of memory (usage() works without one). */
CgroupUsageCache *cg_usage_cache_new(void);
void cg_usage_cache_free(CgroupUsageCache *c);
/* _cleanup_ form of cg_usage_cache_free(). */
void cg_usage_cache_freep(CgroupUsageCache **c);

/* The name of pressure resource p: "cpu", "memory", "io". */
const char *cg_pressure_name(CgroupPressure p);

/* Live limits of which nothing is known (none could be read back). */
#define CG_LIMITS_UNKNOWN                                                                          \
	((CgroupLimits){ CG_UNKNOWN, CG_UNKNOWN, CG_UNKNOWN, CG_UNKNOWN, CG_UNKNOWN, CG_UNKNOWN })

/*
 * What enter() left in a user's cgroup: which directories (a cgroup made
 * anew never matches: its inodes are new) and the limits written into
 * them.  The caller keeps it in root-only state between logins and hands
 * it back, so that a joining login rewrites no limit the cgroup already
 * has from the same policy.  Opaque to the caller; all zero: nothing known.
 */
#define CG_STAMP_DIRS 4
typedef struct CgroupStamp {
	uint32_t magic; /* the manager's own; 0: no stamp */
	uint32_t n_dirs;
	uint64_t dev[CG_STAMP_DIRS];
	uint64_t ino[CG_STAMP_DIRS];
	CgroupLimits limits;
} CgroupStamp;

/*
 * Spare cgroups: empty leaves named CG_SPARE_PREFIX + an id below parent,
 * made ahead of demand next to the spare paddocks (spare.h), so that a
 * first login renames one to its user's cgroup instead of making one (a
 * memory cgroup's mkdir is most of a first login's cgroup step).  Only v1
 * can rename a cgroup: the others leave CgroupManager.spare NULL.  A
 * manager that has the table fills in every member.
 */
typedef struct CgroupSpareOps {
	/*
	 * Create leaf name (and parent) in every hierarchy, write
	 * limits into it (NULL: none) and with enter move the calling process
	 * (single-threaded) into it: the spare's holder is forked there, so
	 * that what it is made of is charged to the cgroup that becomes its
	 * user's.  *ret_stamp: what enter() takes for these directories with
	 * these limits (zero without limits), so that a login whose user has
	 * the same limits writes none.  A half-made one is removed.  Returns 0
	 * or -errno (the caller may then sit in the leaf in some hierarchies:
	 * leave() takes it out).
	 */
	int (*make)(const char *parent, const char *name, const CgroupLimits *limits, bool enter,
		    CgroupStamp *ret_stamp);

	/*
	 * Make the user's cgroup from spare leaf name, in every
	 * hierarchy where the user's leaf does not exist yet (rename(2) never
	 * replaces a cgroup); where it does, name is removed instead.  The
	 * limits are enter()'s to write.  Returns how many hierarchies renamed
	 * (0: name is gone, another login took it), or -errno (what was renamed
	 * stays the user's, a cgroup without limits yet: enter() writes them).
	 */
	int (*adopt)(const char *parent, const char *name, uid_t uid);

	/*
	 * Remove every spare leaf below parent for which
	 * keep(name, data) is false (an empty one: a cgroup with processes
	 * stays).  keep NULL: every spare leaf.  Returns how many went, or
	 * -errno.
	 */
	int (*sweep)(const char *parent, bool (*keep)(const char *name, void *data), void *data);

	/*
	 * Whether the calling process already is in the
	 * user's cgroup in every hierarchy (/proc/self/cgroup, the kernel's
	 * word; read in any mount namespace): a spare's holder whose spare
	 * cgroup the claiming login renamed to the user's.
	 */
	bool (*holds_self)(const char *parent, uid_t uid);
} CgroupSpareOps;

typedef struct CgroupManager {
	const char *name;     /* "cgroupfs-v2", "cgroupfs-v1", "systemd" */
	uint32_t stamp_magic; /* CgroupStamp.magic of its stamps; 0: it keeps none */

	/*
	 * Create (or reuse) the user's cgroup below parent with limits applied.
	 * Idempotent: calling it again on an existing cgroup rewrites the
	 * limits.  Returns 0 or -errno; on failure nothing new stays created.
	 */
	int (*create)(const char *parent, uid_t uid, const CgroupLimits *limits);

	/* Rewrite the limits of an existing user cgroup (paddock reload). */
	int (*set_limits)(const char *parent, uid_t uid, const CgroupLimits *limits);

	/*
	 * Move the calling process (single-threaded) into the user's cgroup,
	 * in every hierarchy.  Returns 0 or -errno; -ENOENT when the cgroup
	 * does not exist (nothing is created).  After a failure the process
	 * may sit in the user's cgroup of some v1 hierarchies only: the caller
	 * fails the session.  systemd: moves nothing, returns 0 when the caller
	 * already is in user-UID.slice (pam_systemd put it into its
	 * session-N.scope), else -EOPNOTSUPP.
	 */
	int (*attach_self)(const char *parent, uid_t uid);

	/*
	 * What a login does, create() then attach_self(), with one walk of
	 * the hierarchies where the manager can.  stamp: on entry the stamp
	 * kept from an earlier login (zero: none); when it names this very
	 * cgroup with these limits, the limits are not written again.  On
	 * return (also on failure) the stamp to keep: the cgroup and the
	 * limits now in force, or zero when the manager keeps none (v2,
	 * systemd) or the limits may be half-written.  Returns 0 or -errno;
	 * *ret_attach says which half failed: false, the cgroup or its
	 * limits (as create(): nothing new stays created); true, the move
	 * (as attach_self(); the cgroup stays).  NULL: the manager has no
	 * shared walk and keeps no stamp; cg_enter() calls create() then
	 * attach_self().  Call it through cg_enter().
	 */
	int (*enter)(const char *parent, uid_t uid, const CgroupLimits *limits, CgroupStamp *stamp,
		     bool *ret_attach);

	/*
	 * Remove the user's cgroup if it is empty.  Returns 0 when it is gone
	 * (or was never there), -EBUSY while processes remain, other -errno.
	 * systemd: 0, the slice is left to logind.
	 */
	int (*destroy)(const char *parent, uid_t uid);

	/*
	 * Move the calling process into the manager's "reaper" leaf below
	 * parent (created on demand) so that the user's cgroup can be removed
	 * by the process that was last in it (the holder at teardown).
	 * systemd: 0, nothing moves.
	 */
	int (*leave)(const char *parent);

	/*
	 * Read usage figures and the limits in force (paddock status and
	 * reload).  cache: NULL, or the parents kept open across calls
	 * (CgroupUsageCache).  Returns 0 or -errno.  systemd on a host without
	 * the unified hierarchy: the live limits are all CG_UNKNOWN.
	 */
	int (*usage)(const char *parent, uid_t uid, CgroupUsageCache *cache, CgroupUsage *ret);

	/*
	 * The user's cgroup path for humans and audit records, e.g.
	 * "/paddock.slice/user-1001" (relative to the hierarchy root);
	 * systemd: "/user.slice/user-1001.slice".
	 */
	int (*path)(const char *parent, uid_t uid, char *buf, size_t len);

	/*
	 * Whether leave() has a reaper leaf to move into.  A holder made
	 * ahead of demand (a spare paddock, spare.h) waits there until a
	 * login claims it, so prestart needs one.  false: systemd, whose
	 * leave() moves nothing.
	 */
	bool has_reaper;

	/*
	 * The step a refused attach_self() (-EOPNOTSUPP) names, saying what
	 * the manager needs from the login; NULL: the plain "cgroup attach".
	 */
	const char *attach_unsupported_step;

	/* Spare cgroups (CgroupSpareOps); NULL: the manager keeps none. */
	const struct CgroupSpareOps *spare;
} CgroupManager;

/* The name of a spare leaf: this prefix, then the spare's id. */
#define CG_SPARE_PREFIX "spare-"

extern const CgroupManager cgroup_manager_v2;
extern const CgroupManager cgroup_manager_v1;
extern const CgroupManager cgroup_manager_systemd;

/* Convert the effective policy's values into CgroupLimits. */
void cg_limits_from_policy(const UserPolicy *up, CgroupLimits *ret);

/*
 * Whether limit field want (a value from the policy) is what the kernel
 * reports as live: memory sizes are compared in whole pages, as the kernel
 * keeps them.  An unknown live value (CG_UNKNOWN) counts as equal: there
 * is nothing to tell.
 */
bool cg_limit_is(uint64_t live, uint64_t want, bool memory);

/*
 * Choose the manager for kind on this machine: cgroupfs picks v2 when
 * /sys/fs/cgroup is a cgroup2 mount with the memory, cpu and pids
 * controllers available, else v1 when the memory, cpu and pids v1
 * hierarchies are mounted.  systemd is the systemd manager when systemd is
 * PID 1 (sd_booted(): /run/systemd/system is a directory).  auto is
 * systemd when systemd is PID 1, else cgroupfs.  No D-Bus call is made
 * here: an unreachable bus fails the manager's create().  stamp (NULL:
 * none) is the last login's stamp of the user's cgroup, from this boot
 * (STATE_DIR is on /run): a cgroupfs manager's stamp names that manager,
 * taken without probing the hierarchies again, since its enter() takes the
 * stamped leaves only while they are the very directories stamped and else
 * walks, checking every root it opens.  Returns 0 and sets *ret,
 * -EOPNOTSUPP for systemd when systemd is not PID 1, -ENOENT when no usable
 * hierarchy exists.
 */
int cg_manager_pick(CgroupManagerKind kind, const CgroupStamp *stamp, const CgroupManager **ret);

/*
 * m->enter(), or for a manager without one create() then attach_self()
 * with a zero stamp (the limits always written).  Same contract as
 * CgroupManager.enter.
 */
int cg_enter(const CgroupManager *m, const char *parent, uid_t uid, const CgroupLimits *limits,
	     CgroupStamp *stamp, bool *ret_attach);

/*
 * The manager called name (CgroupManager.name), for the holder, which gets
 * the name the module picked on its command line.  Returns NULL for an
 * unknown name.
 */
const CgroupManager *cg_manager_by_name(const char *name);
