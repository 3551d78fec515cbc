/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroupfs manager for the unified hierarchy (cgroup v2 mounted at
 * /sys/fs/cgroup): PARENT/user-UID with memory.max, memory.high,
 * memory.swap.max, cpu.max, cpu.weight and pids.max.
 *
 * v2 rules this file follows: a controller works in a cgroup only when its
 * parent lists it in cgroup.subtree_control, and a non-root cgroup with
 * controllers enabled for its children holds no processes.  So processes
 * live only in the leaves user-UID and reaper, and the memory, cpu and pids
 * controllers are enabled down the parent path: by this manager in the
 * cgroups it owns (cgroup_parent itself and those it creates), and by the
 * administrator or the container runtime everywhere above.
 */
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

static const char *const v2_controllers[] = { "memory", "cpu", "pids", NULL };

/*
 * Make the controllers reach the children of node fd.  A node that already
 * delegates them is left alone; a node this manager does not own must
 * already delegate them: writing there would change cgroups somebody else
 * manages.
 */
static int v2_delegate(int fd, bool ours)
{
	char buf[512];
	int r;

	r = cg_read(fd, "cgroup.subtree_control", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (cg_words_contain(buf, v2_controllers))
		return 0;
	if (!ours)
		return -EOPNOTSUPP;
	/* Fails with ENOENT when the node's own parent does not delegate them. */
	return cg_write(fd, "cgroup.subtree_control", "+memory +cpu +pids");
}

/*
 * Open (or create) parent, then leaf below it when leaf is set.  When
 * creating, the controllers are delegated down the parent path, top down:
 * the hierarchy root (never ours, even when parent is "/") is only checked,
 * before anything is created; cgroup_parent itself and the components made
 * now are ours; components that existed before must already delegate.
 */
static int v2_open(CgWalk *w, const char *parent, const char *leaf, bool create)
{
	int r;

	r = cg_walk_open_root(w, NULL, CGROUP2_SUPER_MAGIC);
	if (r < 0)
		return r;
	if (create) {
		r = v2_delegate(w->fd[0], false);
		if (r < 0)
			return r;
	}
	r = cg_walk_path(w, parent, create);
	if (r < 0)
		return r;
	if (create)
		for (size_t i = 1; i <= w->depth; i++) {
			r = v2_delegate(w->fd[i], w->created[i] || i == w->depth);
			if (r < 0)
				return r;
		}
	return leaf ? cg_walk_down(w, leaf, create) : 0;
}

static int v2_apply(int fd, const CgroupLimits *l)
{
	char buf[64];
	uint64_t quota;
	int r;

	r = cg_cpu_quota_us(l->cpu_quota, &quota);
	if (r < 0)
		return r;

	r = cg_write(fd, "memory.max", cg_limit_str(l->memory_max, "max", buf, sizeof(buf)));
	if (r < 0)
		return r;
	r = cg_write(fd, "memory.high", cg_limit_str(l->memory_high, "max", buf, sizeof(buf)));
	if (r < 0)
		return r;
	/*
	 * memory.swap.max exists only when the kernel accounts swap
	 * (CONFIG_MEMCG_SWAP, not swapaccount=0); without it swap cannot be
	 * capped per cgroup and the write is skipped.
	 */
	r = cg_write(fd, "memory.swap.max",
		     cg_limit_str(l->memory_swap_max, "max", buf, sizeof(buf)));
	if (r < 0 && r != -ENOENT)
		return r;

	if (quota == UNITS_MAX)
		snprintf(buf, sizeof(buf), "max %d", CG_CPU_PERIOD_US);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64 " %d", quota, CG_CPU_PERIOD_US);
	r = cg_write(fd, "cpu.max", buf);
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%" PRIu64, l->cpu_weight);
	r = cg_write(fd, "cpu.weight", buf);
	if (r < 0)
		return r;
	return cg_write(fd, "pids.max", cg_limit_str(l->tasks_max, "max", buf, sizeof(buf)));
}

/* The users' parent opened in w (nothing created) and the name of uid's
 * leaf below it into leaf, for the calls that only find the leaf. */
static int v2_open_users(CgWalk *w, const char *parent, uid_t uid, char *leaf, size_t len)
{
	int r = cg_user_name(uid, leaf, len);

	return r < 0 ? r : v2_open(w, parent, NULL, false);
}

/*
 * create() with create, set_limits() without: open the user's leaf (made
 * when missing and create) and write the limits.
 */
static int v2_write_limits(const char *parent, uid_t uid, const CgroupLimits *limits, bool create)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	char leaf[32];
	int r;

	r = cg_user_leaf(uid, limits, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	r = v2_open(&w, parent, leaf, create);
	if (r >= 0)
		r = v2_apply(cg_walk_fd(&w), limits);
	/* A half-made cgroup would be joined by the next login (threats.md 13). */
	if (r < 0 && create)
		cg_walk_rollback(&w);
	return r;
}

static int v2_create(const char *parent, uid_t uid, const CgroupLimits *limits)
{
	return v2_write_limits(parent, uid, limits, true);
}

static int v2_set_limits(const char *parent, uid_t uid, const CgroupLimits *limits)
{
	return v2_write_limits(parent, uid, limits, false);
}

static int v2_attach_self(const char *parent, uid_t uid)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	char leaf[32];
	int r;

	r = v2_open_users(&w, parent, uid, leaf, sizeof(leaf));
	if (r >= 0)
		r = cg_walk_down(&w, leaf, false);
	if (r < 0)
		return r;
	/* "0" is the writing process, with all its threads. */
	return cg_write(cg_walk_fd(&w), "cgroup.procs", "0");
}

static int v2_destroy(const char *parent, uid_t uid)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	char leaf[32];
	int r;

	r = v2_open_users(&w, parent, uid, leaf, sizeof(leaf));
	if (r >= 0 && unlinkat(cg_walk_fd(&w), leaf, AT_REMOVEDIR) < 0)
		r = negative_errno();
	return r == -ENOENT ? 0 : r;
}

static int v2_leave(const char *parent)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	int r;

	r = v2_open(&w, parent, CG_REAPER_NAME, true);
	if (r >= 0)
		r = cg_write(cg_walk_fd(&w), "cgroup.procs", "0");
	if (r < 0)
		cg_walk_rollback(&w);
	return r;
}

/* cpu.max: "QUOTA PERIOD" or "max PERIOD", as percent of one CPU. */
static int v2_read_cpu_max(int fd, uint64_t *ret)
{
	char buf[64], *sep;
	uint64_t quota, period;
	int r;

	r = cg_read(fd, "cpu.max", buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	sep = strchr(buf, ' ');
	if (!sep)
		return -EBADMSG;
	*sep++ = '\0';
	if (streq(buf, "max"))
		quota = UNITS_MAX;
	else if (units_parse_u64(buf, &quota) < 0)
		return -EBADMSG;
	if (units_parse_u64(sep, &period) < 0)
		return -EBADMSG;
	*ret = cg_quota_percent(quota, period);
	return 0;
}

/* The keys of cpu.stat and memory.events read for CgroupUsage. */
static const char *const v2_cpu_keys[] = { "usage_usec", "nr_periods", "nr_throttled",
					   "throttled_usec" };
static const char *const v2_memory_event_keys[] = { "oom_kill", "max", "high" };
static const char *const v2_pressure_files[CG_PRESSURE_N] = { "cpu.pressure", "memory.pressure",
							      "io.pressure" };

int cg_v2_read_usage(int fd, CgroupUsage *ret)
{
	CgroupUsage u;
	CgroupLimits *l = &u.live;
	uint64_t cpu[ELEMENTSOF(v2_cpu_keys)], ev[ELEMENTSOF(v2_memory_event_keys)];
	int r;

	cg_usage_unknown(&u);
	r = cg_usage_figure(cg_read_u64(fd, "memory.current", &u.memory_current),
			    &u.memory_current);
	if (r >= 0)
		r = cg_usage_figure(cg_read_u64(fd, "memory.swap.current", &u.memory_swap),
				    &u.memory_swap);
	if (r >= 0)
		r = cg_usage_figure(
			cg_read_keys(fd, "memory.events", v2_memory_event_keys, ev, ELEMENTSOF(ev)),
			&ev[0]);
	if (r >= 0)
		r = cg_usage_figure(cg_read_keys(fd, "cpu.stat", v2_cpu_keys, cpu, ELEMENTSOF(cpu)),
				    &cpu[0]);
	if (r >= 0)
		r = cg_usage_figure(cg_read_u64(fd, "pids.current", &u.tasks_current),
				    &u.tasks_current);
	if (r >= 0)
		r = cg_usage_figure(cg_count_procs(fd, &u.processes), &u.processes);
	for (CgroupPressure p = 0; r >= 0 && p < CG_PRESSURE_N; p++) {
		r = cg_read_pressure(fd, v2_pressure_files[p], &u.pressure_some_usec[p],
				     &u.pressure_full_usec[p]);
		/* Without CONFIG_PSI, or with psi=0 (EOPNOTSUPP on read). */
		if (r == -ENOENT || r == -EOPNOTSUPP)
			r = 0;
	}
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(fd, "memory.max", &l->memory_max), &l->memory_max);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(fd, "memory.high", &l->memory_high),
				   &l->memory_high);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(fd, "memory.swap.max", &l->memory_swap_max),
				   &l->memory_swap_max);
	if (r >= 0)
		r = cg_live_figure(v2_read_cpu_max(fd, &l->cpu_quota), &l->cpu_quota);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(fd, "cpu.weight", &l->cpu_weight), &l->cpu_weight);
	if (r >= 0)
		r = cg_live_figure(cg_read_u64(fd, "pids.max", &l->tasks_max), &l->tasks_max);
	if (r < 0)
		return r;
	u.memory_oom_kills = ev[0];
	u.memory_max_events = ev[1];
	u.memory_high_events = ev[2];
	u.cpu_usage_usec = cpu[0];
	u.cpu_periods = cpu[1];
	u.nr_throttled = cpu[2];
	u.cpu_throttled_usec = cpu[3];
	*ret = u;
	return 0;
}

/* As v1_usage(): the parent opened once per cache, then only the leaf. */
static int v2_usage(const char *parent, uid_t uid, CgroupUsageCache *cache, CgroupUsage *ret)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	_cleanup_(closep) int fd = -EBADF;
	const CgWalk *p = cache ? cg_usage_cache_get(cache, &cgroup_manager_v2, parent) : NULL;
	char leaf[32];
	int r;

	r = cg_user_name(uid, leaf, sizeof(leaf));
	if (r < 0)
		return r;
	if (!p) {
		r = v2_open(&w, parent, NULL, false);
		if (r < 0)
			return r;
		p = cache ? cg_usage_cache_set(cache, &cgroup_manager_v2, parent, &w, 1) : &w;
	}
	fd = cg_walk_open_child(p, leaf);
	if (fd < 0)
		return fd;
	return cg_v2_read_usage(fd, ret);
}

int cg_v2_available(void)
{
	_cleanup_(closep) int base = cg_open_base();

	if (base == -ENOENT)
		return 0;
	if (base < 0)
		return base;
	return cg_v2_available_at(base);
}

int cg_v2_available_at(int base)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	char buf[512];
	int r;

	r = cg_walk_open_root_at(&w, base, NULL, CGROUP2_SUPER_MAGIC);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = cg_read(cg_walk_fd(&w), "cgroup.controllers", buf, sizeof(buf));
	if (r < 0)
		return r;
	return cg_words_contain(buf, v2_controllers);
}

const CgroupManager cgroup_manager_v2 = {
	.name = "cgroupfs-v2",
	.create = v2_create,
	.set_limits = v2_set_limits,
	.attach_self = v2_attach_self,
	.destroy = v2_destroy,
	.leave = v2_leave,
	.usage = v2_usage,
	.path = cg_user_path,
	.has_reaper = true,
};
