/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroupfs manager for cgroup v1 and hybrid hosts: the user's cgroup exists
 * once in each of the memory, cpu and pids hierarchies mounted below
 * /sys/fs/cgroup, and in cpuacct's where it is a hierarchy of its own, as
 * PARENT/user-UID, with the v1 file names.  v1 has no
 * "no internal processes" rule, but the layout is the v2 one (processes only
 * in user-UID and reaper leaves) so both managers behave the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup-fs.h"
#include "cgroup.h"

/*
 * memory, cpu and pids are required: without any of them there is no v1
 * manager.  cpuacct only counts CPU time (paddock status, metrics, top):
 * co-mounted with cpu ("cpu,cpuacct"), the cpu hierarchy has its files;
 * mounted on its own, the user's cgroup is made and joined there as well,
 * or the user's CPU time would be counted nowhere but in the root cgroup;
 * not mounted at all, the figure stays unknown.
 */
enum { V1_MEMORY, V1_CPU, V1_PIDS, V1_REQUIRED, V1_CPUACCT = V1_REQUIRED, V1_N };

static const char *const names_memory[] = { "memory", NULL };
/* cpu is often co-mounted with cpuacct; "cpu" is then a symlink, which is skipped. */
static const char *const names_cpu[] = { "cpu", "cpu,cpuacct", "cpuacct,cpu", NULL };
static const char *const names_pids[] = { "pids", NULL };
/* A symlink (cpuacct -> cpu,cpuacct) is skipped: the cpu walk covers it. */
static const char *const names_cpuacct[] = { "cpuacct", NULL };
static const char *const *const v1_names[V1_N] = {
	[V1_MEMORY] = names_memory,
	[V1_CPU] = names_cpu,
	[V1_PIDS] = names_pids,
	[V1_CPUACCT] = names_cpuacct,
};

/* One walk per hierarchy, for _cleanup_. */
typedef struct V1Walks {
	CgWalk w[V1_N];
} V1Walks;

static void v1_walks_done(V1Walks *s)
{
	for (size_t i = 0; i < V1_N; i++)
		cg_walk_done(&s->w[i]);
}

static void v1_walks_rollback(V1Walks *s)
{
	for (size_t i = 0; i < V1_N; i++)
		cg_walk_rollback(&s->w[i]);
}

/* Whether hierarchy i is walked (an optional one may be absent). */
static bool v1_has(const V1Walks *s, size_t i)
{
	return s->w[i].open;
}

/*
 * Open (or create) parent, and leaf below it when leaf is set, in every
 * hierarchy.  An optional hierarchy that is not mounted, is the cpu
 * hierarchy under another name (the same superblock), or lacks the
 * directories when nothing is to be created (a paddock made before it was
 * mounted) is left unwalked: v1_has() is false.
 */
static int v1_open(V1Walks *s, const char *parent, const char *leaf, bool create)
{
	_cleanup_(closep) int base = cg_open_base();
	int r;

	if (base < 0)
		return base;
	for (size_t i = 0; i < V1_N; i++) {
		bool optional = i >= V1_REQUIRED;

		r = cg_walk_open_root_at(&s->w[i], base, v1_names[i], CGROUP_SUPER_MAGIC);
		if (r == -ENOENT && optional)
			continue;
		if (r < 0)
			return r;
		if (optional && s->w[i].dev == s->w[V1_CPU].dev) {
			cg_walk_done(&s->w[i]);
			continue;
		}
		r = cg_walk_path(&s->w[i], parent, create);
		if (r >= 0 && leaf)
			r = cg_walk_down(&s->w[i], leaf, create);
		if (r == -ENOENT && optional && !create) {
			cg_walk_done(&s->w[i]);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_set_memory(int fd, const CgroupLimits *l)
{
	char limit[32], memsw[32], soft[32];
	uint64_t cur, total;
	bool has_memsw;
	int r;

	cg_limit_str(l->memory_max, "-1", limit, sizeof(limit));
	/*
	 * v1 has no swap-only limit: memory.memsw.limit_in_bytes caps memory
	 * plus swap, so memory_swap_max becomes memory_max + memory_swap_max.
	 * The file exists only when the kernel accounts swap (swapaccount=1);
	 * without it v1 cannot cap swap at all and the write is skipped.
	 */
	has_memsw = faccessat(fd, "memory.memsw.limit_in_bytes", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (l->memory_max == UNITS_MAX || l->memory_swap_max == UNITS_MAX ||
	    __builtin_add_overflow(l->memory_max, l->memory_swap_max, &total))
		total = UNITS_MAX;
	cg_limit_str(total, "-1", memsw, sizeof(memsw));

	r = cg_read_u64(fd, "memory.limit_in_bytes", &cur);
	if (r < 0)
		return r;
	/*
	 * The kernel refuses any write that would leave limit_in_bytes above
	 * memsw.limit_in_bytes: raise memsw first when the limit goes up, lower
	 * the limit first when it goes down.
	 */
	if (has_memsw && l->memory_max > cur) {
		r = cg_write(fd, "memory.memsw.limit_in_bytes", memsw);
		if (r >= 0)
			r = cg_write(fd, "memory.limit_in_bytes", limit);
	} else {
		r = cg_write(fd, "memory.limit_in_bytes", limit);
		if (r >= 0 && has_memsw)
			r = cg_write(fd, "memory.memsw.limit_in_bytes", memsw);
	}
	if (r < 0)
		return r;

	/*
	 * memory_high approximated by the soft limit: v1 has no throttling
	 * threshold.  The soft limit only makes the group the first target of
	 * reclaim when the whole machine runs short of memory; it neither
	 * throttles nor caps the group on an idle machine.
	 */
	r = cg_write(fd, "memory.soft_limit_in_bytes",
		     cg_limit_str(l->memory_high, "-1", soft, sizeof(soft)));
	/* PREEMPT_RT kernels refuse soft limits; with memory_high = max nothing was asked. */
	if (r == -EOPNOTSUPP && l->memory_high == UNITS_MAX)
		r = 0;
	return r;
}

static int v1_set_cpu(int fd, const CgroupLimits *l)
{
	char buf[32];
	uint64_t quota, shares;
	int r;

	r = cg_cpu_quota_us(l->cpu_quota, &quota);
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%d", CG_CPU_PERIOD_US);
	r = cg_write(fd, "cpu.cfs_period_us", buf);
	if (r < 0)
		return r;
	r = cg_write(fd, "cpu.cfs_quota_us", cg_limit_str(quota, "-1", buf, sizeof(buf)));
	if (r < 0)
		return r;
	/*
	 * cpu.weight to cpu.shares as systemd converts it: the default weight
	 * 100 is the default 1024 shares, clamped to the kernel's 2..262144.
	 */
	shares = l->cpu_weight * 1024 / 100;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	snprintf(buf, sizeof(buf), "%" PRIu64, shares);
	return cg_write(fd, "cpu.shares", buf);
}

static int v1_set_pids(int fd, const CgroupLimits *l)
{
	char buf[32];

	return cg_write(fd, "pids.max", cg_limit_str(l->tasks_max, "max", buf, sizeof(buf)));
}

static int v1_apply(V1Walks *s, const CgroupLimits *l)
{
	int r;

	r = v1_set_memory(cg_walk_fd(&s->w[V1_MEMORY]), l);
	if (r < 0)
		return r;
	r = v1_set_cpu(cg_walk_fd(&s->w[V1_CPU]), l);
	if (r < 0)
		return r;
	return v1_set_pids(cg_walk_fd(&s->w[V1_PIDS]), l);
}

/*
 * create() with create, set_limits() without: open the user's leaf in every
 * hierarchy (made where missing when create) and write the limits.
 */
static int v1_write_limits(const char *parent, uid_t uid, const CgroupLimits *limits, bool create)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	char leaf[32];
	int r;

	r = cg_user_leaf(uid, limits, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	r = v1_open(&s, parent, leaf, create);
	if (r >= 0)
		r = v1_apply(&s, limits);
	/* A half-made cgroup would be joined by the next login (threats.md 13). */
	if (r < 0 && create)
		v1_walks_rollback(&s);
	return r;
}

static int v1_create(const char *parent, uid_t uid, const CgroupLimits *limits)
{
	return v1_write_limits(parent, uid, limits, true);
}

static int v1_set_limits(const char *parent, uid_t uid, const CgroupLimits *limits)
{
	return v1_write_limits(parent, uid, limits, false);
}

/*
 * Move the caller into leaf of every hierarchy.  "0" written to tasks moves
 * the writing thread: writing a pid to cgroup.procs on v1 stalls now and
 * then (tests/bench/RESULTS.md), while a single-threaded process writing 0
 * to tasks does not.  The caller is single-threaded (cgroup.h), so the
 * thread is the whole process.
 */
static int v1_move_self(V1Walks *s)
{
	int r;

	for (size_t i = 0; i < V1_N; i++) {
		if (!v1_has(s, i))
			continue;
		r = cg_write(cg_walk_fd(&s->w[i]), "tasks", "0");
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_attach_self(const char *parent, uid_t uid)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	char leaf[32];
	int r;

	r = cg_user_name(uid, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	r = v1_open(&s, parent, leaf, false);
	if (r < 0)
		return r;
	return v1_move_self(&s);
}

/* "PDv1": a stamp of this manager. */
#define V1_STAMP_MAGIC 0x31764450u

/* The stamp of the user's cgroup as walked now, with limits: slot i is
 * hierarchy i, zero for an optional one not walked; n_dirs counts the
 * others. */
static CgroupStamp v1_stamp(const V1Walks *s, const CgroupLimits *limits)
{
	CgroupStamp st = { .magic = V1_STAMP_MAGIC, .limits = *limits };

	_Static_assert(V1_N <= CG_STAMP_DIRS, "CgroupStamp too small for v1");
	for (size_t i = 0; i < V1_N; i++) {
		if (!v1_has(s, i))
			continue;
		st.dev[i] = s->w[i].dev;
		st.ino[i] = s->w[i].ino[s->w[i].depth];
		st.n_dirs++;
	}
	return st;
}

/* Whether a leaf was made by this walk: its limits are the kernel's defaults. */
static bool v1_leaf_made(const V1Walks *s)
{
	for (size_t i = 0; i < V1_N; i++)
		if (s->w[i].created[s->w[i].depth])
			return true;
	return false;
}

/*
 * A joining login's way in: the stamp kept from the login that walked the
 * user's cgroup names its leaves and the limits written there.  Each
 * leaf is opened in one call (cg_open_known(): below /sys/fs/cgroup, no
 * symlinks, that very directory, still root's alone) instead of a walk
 * through every parent, and the caller moves in.  -ESTALE (nothing done)
 * when the stamp is another's, the limits differ, or any leaf is not the
 * stamped one: the caller walks.  Else the move's result, as attach_self().
 */
static int v1_enter_known(const char *parent, uid_t uid, const CgroupLimits *limits,
			  const CgroupStamp *stamp)
{
	_cleanup_(closep) int base = -EBADF;
	int fd[V1_N];
	char user_path[POLICY_PATH_MAX + 32], path[POLICY_PATH_MAX + 64];
	int r;

	if (stamp->magic != V1_STAMP_MAGIC || stamp->n_dirs < V1_REQUIRED ||
	    memcmp(&stamp->limits, limits, sizeof(*limits)) != 0)
		return -ESTALE;
	for (size_t i = 0; i < V1_N; i++)
		fd[i] = -EBADF;
	r = cg_user_path(parent, uid, user_path, sizeof(user_path));
	if (r < 0)
		return r;
	base = cg_open_base();
	if (base < 0)
		return base;
	r = 0;
	for (size_t i = 0; i < V1_N && r >= 0; i++) {
		/* An optional hierarchy the walk did not find (zero slot). */
		if (i >= V1_REQUIRED && stamp->dev[i] == 0 && stamp->ino[i] == 0)
			continue;
		for (const char *const *n = v1_names[i]; *n && fd[i] < 0; n++) {
			snprintf(path, sizeof(path), "%s%s", *n, user_path);
			fd[i] = cg_open_known(base, path, stamp->dev[i], stamp->ino[i]);
		}
		/* Whatever the reason, the walk finds it again (and says why). */
		if (fd[i] < 0)
			r = -ESTALE;
	}
	for (size_t i = 0; i < V1_N && r >= 0; i++)
		if (fd[i] >= 0)
			r = cg_write(fd[i], "tasks", "0");
	for (size_t i = 0; i < V1_N; i++)
		safe_close(fd[i]);
	return r;
}

/*
 * create() and attach_self() on one set of walks: half the opens of a
 * login.  A live paddock's cgroup already has the limits when the stamp
 * kept from the login that wrote them names these very directories (same
 * device and inode: not made anew since) and the same limits: the eight
 * writes are skipped.  A limit changed by hand in the cgroup is not seen
 * here: paddock status shows it, paddock reload puts the policy back (and
 * drops the stamp).
 */
static int v1_enter(const char *parent, uid_t uid, const CgroupLimits *limits, CgroupStamp *stamp,
		    bool *ret_attach)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	CgroupStamp now;
	char leaf[32];
	int r;

	*ret_attach = false;
	r = cg_user_leaf(uid, limits, leaf, sizeof(leaf));
	if (r < 0)
		goto fail;
	r = v1_enter_known(parent, uid, limits, stamp);
	if (r != -ESTALE) {
		/* The leaves were the stamped ones: r is the move's. */
		*ret_attach = true;
		return r;
	}
	r = v1_open(&s, parent, leaf, true);
	if (r < 0)
		goto rollback;
	now = v1_stamp(&s, limits);
	if (v1_leaf_made(&s) || memcmp(&now, stamp, sizeof(now)) != 0) {
		r = v1_apply(&s, limits);
		if (r < 0)
			goto rollback;
	}
	*stamp = now;
	*ret_attach = true;
	return v1_move_self(&s);

rollback:
	/* A half-made cgroup would be joined by the next login (threats.md 13). */
	v1_walks_rollback(&s);
fail:
	*stamp = (CgroupStamp){ 0 };
	return r;
}

static int v1_destroy(const char *parent, uid_t uid)
{
	char leaf[32];
	int r, ret = 0;

	r = cg_user_name(uid, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	/* Every hierarchy, even after a failure, so that a later call has less left to do. */
	for (size_t i = 0; i < V1_N; i++) {
		_cleanup_(cg_walk_done) CgWalk w = { 0 };

		r = cg_walk_open_root(&w, v1_names[i], CGROUP_SUPER_MAGIC);
		if (r >= 0)
			r = cg_walk_path(&w, parent, false);
		if (r >= 0 && unlinkat(cg_walk_fd(&w), leaf, AT_REMOVEDIR) < 0)
			r = negative_errno();
		if (r == -ENOENT)
			r = 0;
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int v1_leave(const char *parent)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	int r;

	r = v1_open(&s, parent, CG_REAPER_NAME, true);
	if (r >= 0)
		r = v1_move_self(&s);
	if (r < 0)
		v1_walks_rollback(&s);
	return r;
}

/* ---- spare cgroups (cgroup.h) ----------------------------------------- */

static bool spare_name_ok(const char *name)
{
	size_t n = strlen(CG_SPARE_PREFIX);

	return strncmp(name, CG_SPARE_PREFIX, n) == 0 && name[n] && !strchr(name, '/');
}

static int v1_spare_make(const char *parent, const char *name, const CgroupLimits *limits,
			 bool enter, CgroupStamp *ret_stamp)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	int r;

	*ret_stamp = (CgroupStamp){ 0 };
	if (!spare_name_ok(name))
		return -EINVAL;
	r = limits ? cg_limits_check(limits) : 0;
	if (r >= 0)
		r = v1_open(&s, parent, name, true);
	if (r >= 0 && limits)
		r = v1_apply(&s, limits);
	if (r >= 0 && enter)
		r = v1_move_self(&s);
	if (r < 0) {
		v1_walks_rollback(&s);
		return r;
	}
	if (limits)
		*ret_stamp = v1_stamp(&s, limits);
	return 0;
}

static int v1_spare_adopt(const char *parent, const char *name, uid_t uid)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	char leaf[32];
	int r, n = 0;

	if (!spare_name_ok(name))
		return -EINVAL;
	r = cg_user_name(uid, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	r = v1_open(&s, parent, NULL, false);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; i < V1_N; i++) {
		int fd = cg_walk_fd(&s.w[i]);

		if (!v1_has(&s, i))
			continue;
		/* cgroupfs renames within one parent and never over an
		 * existing cgroup (EEXIST). */
		if (renameat(fd, name, fd, leaf) == 0)
			n++;
		else if (errno == EEXIST)
			(void)unlinkat(fd, name, AT_REMOVEDIR);
		else if (errno != ENOENT)
			return n > 0 ? n : negative_errno();
	}
	return n;
}

static int v1_spare_sweep(const char *parent, bool (*keep)(const char *name, void *data),
			  void *data)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	int r, gone = 0;

	r = v1_open(&s, parent, NULL, false);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; i < V1_N; i++) {
		int fd = cg_walk_fd(&s.w[i]), dup_fd;
		struct dirent *de;
		DIR *d;

		if (!v1_has(&s, i))
			continue;
		dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (dup_fd < 0)
			return negative_errno();
		d = fdopendir(dup_fd);
		if (!d) {
			r = negative_errno();
			close(dup_fd);
			return r;
		}
		while ((de = readdir(d)))
			if (de->d_type == DT_DIR && spare_name_ok(de->d_name) &&
			    !(keep && keep(de->d_name, data)) &&
			    unlinkat(fd, de->d_name, AT_REMOVEDIR) == 0)
				gone++;
		closedir(d);
	}
	return gone;
}

/* Whether controller c is in the comma-separated list ctl. */
static bool has_controller(const char *ctl, const char *c)
{
	size_t n = strlen(c);

	for (const char *p = ctl; *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, c, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool v1_spare_holds_self(const char *parent, uid_t uid)
{
	/* The controller of each hierarchy: the first of its names. */
	char want[POLICY_PATH_MAX + 32], line[POLICY_PATH_MAX + 128];
	unsigned seen = 0;
	bool ok = true;
	FILE *f;

	if (cg_user_path(parent, uid, want, sizeof(want)) < 0)
		return false;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	while (ok && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (size_t i = 0; i < V1_N; i++)
			if (has_controller(ctl + 1, v1_names[i][0])) {
				ok = streq(path, want);
				seen |= 1u << i;
			}
	}
	fclose(f);
	/* cpuacct, where the process has one, was compared above. */
	return ok && (seen & ((1u << V1_REQUIRED) - 1)) == (1u << V1_REQUIRED) - 1;
}

/* cpu.cfs_quota_us: microseconds, or -1 for none (UNITS_MAX). */
static int v1_read_quota(int fd, uint64_t *ret)
{
	char buf[32];
	int r;

	r = cg_read(fd, "cpu.cfs_quota_us", buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (streq(buf, "-1")) {
		*ret = UNITS_MAX;
		return 0;
	}
	return units_parse_u64(buf, ret) < 0 ? -EBADMSG : 0;
}

/*
 * The limits in force, in CgroupLimits units: the inverse of v1_apply
 * (memsw minus the memory limit is the swap limit, the soft limit stands
 * for memory_high, shares go back to a weight rounded to the nearest).
 */
static int v1_read_live(const int *fd, CgroupLimits *ret)
{
	int mem = fd[V1_MEMORY], cpu = fd[V1_CPU];
	uint64_t memsw, quota, period, shares;
	CgroupLimits l = { 0 };
	int r;

	r = cg_live_figure(cg_read_u64(mem, "memory.limit_in_bytes", &l.memory_max), &l.memory_max);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(mem, "memory.soft_limit_in_bytes", &l.memory_high),
				   &l.memory_high);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(mem, "memory.memsw.limit_in_bytes", &memsw), &memsw);
	if (r < 0)
		return r;
	if (memsw == CG_UNKNOWN || memsw == UNITS_MAX || l.memory_max == UNITS_MAX)
		l.memory_swap_max = memsw;
	else
		l.memory_swap_max = memsw > l.memory_max ? memsw - l.memory_max : 0;

	r = cg_read_u64(cpu, "cpu.cfs_period_us", &period);
	if (r >= 0)
		r = v1_read_quota(cpu, &quota);
	if (r < 0)
		return r;
	l.cpu_quota = cg_quota_percent(quota, period);
	r = cg_read_u64(cpu, "cpu.shares", &shares);
	if (r < 0)
		return r;
	l.cpu_weight = (shares * 100 + 512) / 1024;

	r = cg_live_figure(cg_read_u64(fd[V1_PIDS], "pids.max", &l.tasks_max), &l.tasks_max);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

/* The keys of cpu.stat read for CgroupUsage (throttled_time in ns). */
static const char *const v1_cpu_keys[] = { "nr_periods", "nr_throttled", "throttled_time" };
static const char *const v1_oom_key = "oom_kill";

/* The user's leaf in every hierarchy, for _cleanup_; -EBADF where not open. */
typedef struct V1Leaves {
	int fd[V1_N];
} V1Leaves;

static void v1_leaves_close(V1Leaves *l)
{
	for (size_t i = 0; i < V1_N; i++)
		safe_close(l->fd[i]);
}

/* Usage and live limits from the user's leaves (fd[V1_CPUACCT] may be -EBADF). */
static int v1_read_usage(const int *fd, CgroupUsage *ret)
{
	int mem = fd[V1_MEMORY], cpu = fd[V1_CPU],
	    acct = fd[V1_CPUACCT] >= 0 ? fd[V1_CPUACCT] : cpu;
	CgroupUsage u;
	uint64_t ns, memsw, st[ELEMENTSOF(v1_cpu_keys)];
	int r;

	cg_usage_unknown(&u);

	r = cg_usage_figure(cg_read_u64(mem, "memory.usage_in_bytes", &u.memory_current),
			    &u.memory_current);
	if (r >= 0)
		r = cg_usage_figure(cg_read_u64(mem, "memory.memsw.usage_in_bytes", &memsw),
				    &memsw);
	/* v1 counts memory and swap together in memsw (swap accounting on). */
	if (r >= 0 && memsw != UINT64_MAX && u.memory_current != UINT64_MAX)
		u.memory_swap = memsw > u.memory_current ? memsw - u.memory_current : 0;
	if (r >= 0)
		r = cg_usage_figure(cg_read_keys(mem, "memory.oom_control", &v1_oom_key,
						 &u.memory_oom_kills, 1),
				    &u.memory_oom_kills);
	/* The charges refused at the limit: v1's nearest to v2's "max" events. */
	if (r >= 0)
		r = cg_usage_figure(cg_read_u64(mem, "memory.failcnt", &u.memory_max_events),
				    &u.memory_max_events);
	if (r < 0)
		return r;
	/* CPU time is cpuacct's, in ns: its own hierarchy, or cpu's when
	 * co-mounted; unknown without cpuacct. */
	r = cg_usage_figure(cg_read_u64(acct, "cpuacct.usage", &ns), &ns);
	if (r < 0)
		return r;
	u.cpu_usage_usec = ns == UINT64_MAX ? UINT64_MAX : ns / 1000;
	r = cg_usage_figure(cg_read_keys(cpu, "cpu.stat", v1_cpu_keys, st, ELEMENTSOF(st)), &st[0]);
	if (r < 0)
		return r;
	u.cpu_periods = st[0];
	u.nr_throttled = st[1];
	u.cpu_throttled_usec = st[2] == UINT64_MAX ? UINT64_MAX : st[2] / 1000;
	r = cg_usage_figure(cg_read_u64(fd[V1_PIDS], "pids.current", &u.tasks_current),
			    &u.tasks_current);
	if (r >= 0)
		r = cg_usage_figure(cg_count_procs(fd[V1_PIDS], &u.processes), &u.processes);
	if (r < 0)
		return r;
	r = v1_read_live(fd, &u.live);
	if (r < 0)
		return r;
	*ret = u;
	return 0;
}

/*
 * The parents opened once per cache (cgroup.h), then only the user's leaf
 * below each: a paddock's figures cost the leaves' opens, not a walk from
 * /sys/fs/cgroup through every component of the parent.
 */
static int v1_usage(const char *parent, uid_t uid, CgroupUsageCache *cache, CgroupUsage *ret)
{
	_cleanup_(v1_walks_done) V1Walks s = { 0 };
	_cleanup_(v1_leaves_close) V1Leaves l;
	const CgWalk *p = cache ? cg_usage_cache_get(cache, &cgroup_manager_v1, parent) : NULL;
	char leaf[32];
	int r;

	_Static_assert(V1_N <= CG_CACHE_WALKS, "CgroupUsageCache too small for v1");
	for (size_t i = 0; i < V1_N; i++)
		l.fd[i] = -EBADF;
	r = cg_user_name(uid, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	if (!p) {
		r = v1_open(&s, parent, NULL, false);
		if (r < 0)
			return r;
		p = cache ? cg_usage_cache_set(cache, &cgroup_manager_v1, parent, s.w, V1_N) : s.w;
	}
	for (size_t i = 0; i < V1_N; i++) {
		if (!p[i].open)
			continue;
		l.fd[i] = cg_walk_open_child(&p[i], leaf);
		/* cpuacct mounted after the paddock was made: no figure from it. */
		if (l.fd[i] == -ENOENT && i >= V1_REQUIRED)
			continue;
		if (l.fd[i] < 0)
			return l.fd[i];
	}
	return v1_read_usage(l.fd, ret);
}

/*
 * Detection only (cg_manager_pick(), every login): one statfs per spelling,
 * so a spelling that is a symlink on root's tmpfs (cpu -> cpu,cpuacct) is
 * followed here.  What uses a hierarchy opens and checks its root without
 * symlinks (cg_walk_open_root_at()), or takes the stamped leaves by their
 * identity (v1_enter_known()).
 */
int cg_v1_available(void)
{
	for (size_t i = 0; i < V1_REQUIRED; i++) {
		int r = 0;

		for (const char *const *n = v1_names[i]; *n && r == 0; n++)
			r = cg_base_has(*n, CGROUP_SUPER_MAGIC);
		if (r <= 0)
			return r;
	}
	return 1;
}

static const CgroupSpareOps v1_spare_ops = {
	.make = v1_spare_make,
	.adopt = v1_spare_adopt,
	.sweep = v1_spare_sweep,
	.holds_self = v1_spare_holds_self,
};

const CgroupManager cgroup_manager_v1 = {
	.name = "cgroupfs-v1",
	.stamp_magic = V1_STAMP_MAGIC,
	.create = v1_create,
	.set_limits = v1_set_limits,
	.attach_self = v1_attach_self,
	.enter = v1_enter,
	.destroy = v1_destroy,
	.leave = v1_leave,
	.usage = v1_usage,
	.path = cg_user_path,
	.has_reaper = true,
	.spare = &v1_spare_ops,
};
