/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Choosing a cgroup manager, converting the policy into CgroupLimits, and
 * the fd-relative file system walk every cgroupfs backend goes through
 * (cgroup-fs.h says what it guarantees).
 */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup-fs.h"

#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/*
 * Root acts only in directories nobody else can change under it: a tenant
 * who could write into one could plant or rename entries (threats.md 3), and
 * a cgroup chowned to a user is one whose limits the user controls (9).
 */
static int check_root_dir(int fd, struct stat *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if (ret)
		*ret = st;
	return 0;
}

/*
 * Open the directory path (below dirfd) refusing symlinks, with resolve
 * (fs_open()).  Kernels without openat2 check only the last name: each
 * caller then checks the directory it got.
 */
static int open_dir_resolved(int dirfd, const char *path, uint64_t resolve)
{
	return fs_open(dirfd, path, OPEN_DIR_FLAGS, 0, resolve);
}

/*
 * Open an absolute path of fixed, trusted names (below /sys or /run, which
 * only root can change) without symlinks, as state_open_run_dir() does for
 * STATE_DIR, and check the directory it ends in.
 */
static int open_fixed_path(const char *path)
{
	_cleanup_(closep) int fd = open_dir_resolved(AT_FDCWD, path, 0);
	int r;

	if (fd < 0)
		return fd;
	r = check_root_dir(fd, NULL);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

static bool fs_is(int fd, unsigned long magic)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

/* A name the kernel and /proc/PID/cgroup readers agree on: no '/', no control characters. */
static bool name_ok(const char *name, size_t n)
{
	if (n == 0 || n > NAME_MAX)
		return false;
	if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || (unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

int cg_parent_check(const char *parent)
{
	size_t depth = 0;
	const char *p;

	if (!parent || parent[0] != '/' || strlen(parent) >= POLICY_PATH_MAX)
		return -EINVAL;
	if (streq(parent, "/"))
		return 0;
	for (p = parent + 1;;) {
		size_t n = strcspn(p, "/");

		if (!name_ok(p, n))
			return -EINVAL;
		depth++;
		if (!p[n])
			break;
		p += n + 1;
	}
	/* Room for the leaf (user-UID or reaper) below the parent. */
	return depth < CG_DEPTH_MAX ? 0 : -EINVAL;
}

int cg_user_name(uid_t uid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "user-%" PRIu32, (uint32_t)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cg_user_leaf(uid_t uid, const CgroupLimits *limits, char *buf, size_t len)
{
	int r = cg_limits_check(limits);

	return r < 0 ? r : cg_user_name(uid, buf, len);
}

int cg_user_path(const char *parent, uid_t uid, char *buf, size_t len)
{
	int n, r;

	r = cg_parent_check(parent);
	if (r < 0)
		return r;
	/* "/" as parent puts the users directly below the hierarchy root. */
	n = snprintf(buf, len, "%s/user-%" PRIu32, streq(parent, "/") ? "" : parent, (uint32_t)uid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

#define CG_BASE "/sys/fs/cgroup"

int cg_open_base(void)
{
	return open_fixed_path(CG_BASE);
}

int cg_base_has(const char *name, unsigned long magic)
{
	char path[sizeof(CG_BASE) + NAME_MAX + 1];
	struct statfs sfs;

	if (!name_ok(name, strlen(name)))
		return -EINVAL;
	snprintf(path, sizeof(path), CG_BASE "/%s", name);
	if (statfs(path, &sfs) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
	return (unsigned long)sfs.f_type == magic;
}

int cg_open_known(int base, const char *path, uint64_t dev, uint64_t ino)
{
	_cleanup_(closep) int fd = open_dir_resolved(base, path, RESOLVE_BENEATH);
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	/* Its identity, not the way to it, makes it the directory walked before. */
	r = check_root_dir(fd, &st);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
		return -ESTALE;
	return TAKE_FD(fd);
}

int cg_walk_open_root_at(CgWalk *w, int base, const char *const *names, unsigned long magic)
{
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;
	int r;

	cg_walk_done(w);
	if (!names) {
		if (!fs_is(base, magic))
			return -ENOENT;
		fd = fcntl(base, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return negative_errno();
	} else {
		for (; *names; names++) {
			fd = openat(base, *names, OPEN_DIR_FLAGS);
			if (fd < 0) {
				/* Absent, or a symlink: try the next spelling. */
				if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
					continue;
				return negative_errno();
			}
			/* An unmounted directory on the tmpfs is not the hierarchy. */
			if (fs_is(fd, magic))
				break;
			fd = safe_close(fd);
		}
		if (fd < 0)
			return -ENOENT;
	}
	r = check_root_dir(fd, &st);
	if (r < 0)
		return r;
	w->fd[0] = TAKE_FD(fd);
	w->ino[0] = st.st_ino;
	w->dev = st.st_dev;
	w->open = true;
	return 0;
}

int cg_walk_open_root(CgWalk *w, const char *const *names, unsigned long magic)
{
	_cleanup_(closep) int base = cg_open_base();

	cg_walk_done(w);
	if (base < 0)
		return base;
	return cg_walk_open_root_at(w, base, names, magic);
}

/* A directory below a walk: root's alone and on the hierarchy's mount
 * (something mounted inside the hierarchy is not a cgroup we manage). */
static int check_child_dir(const CgWalk *w, int fd, struct stat *ret)
{
	int r = check_root_dir(fd, ret);

	if (r < 0)
		return r;
	return ret->st_dev == w->dev ? 0 : -EXDEV;
}

int cg_walk_open_child(const CgWalk *w, const char *name)
{
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;
	int r;

	if (!w->open)
		return -EBADF;
	if (!name_ok(name, strlen(name)))
		return -EINVAL;
	fd = openat(w->fd[w->depth], name, OPEN_DIR_FLAGS);
	if (fd < 0)
		return negative_errno();
	r = check_child_dir(w, fd, &st);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

int cg_walk_down(CgWalk *w, const char *name, bool create)
{
	size_t n = strlen(name);
	int parent, r;
	bool made = false;
	struct stat st;
	_cleanup_(closep) int fd = -EBADF;

	if (!w->open)
		return -EBADF;
	if (!name_ok(name, n))
		return -EINVAL;
	if (w->depth >= CG_DEPTH_MAX || w->used + n + 1 > sizeof(w->buf))
		return -ENAMETOOLONG;
	parent = w->fd[w->depth];

	/* Open first: on a login the directories nearly always exist already. */
	fd = openat(parent, name, OPEN_DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent, name, 0755) >= 0)
			made = true;
		else if (errno != EEXIST) /* EEXIST: a concurrent login made it */
			return negative_errno();
		fd = openat(parent, name, OPEN_DIR_FLAGS);
	}
	if (fd < 0) {
		r = negative_errno();
		goto undo;
	}
	/* The caller's umask (pam_umask may have set 077) does not decide the mode. */
	if (made && fchmod(fd, 0755) < 0) {
		r = negative_errno();
		goto undo;
	}
	r = check_child_dir(w, fd, &st);
	if (r < 0)
		goto undo;

	w->depth++;
	w->fd[w->depth] = TAKE_FD(fd);
	w->ino[w->depth] = st.st_ino;
	w->created[w->depth] = made;
	w->name_off[w->depth] = w->used;
	memcpy(w->buf + w->used, name, n + 1);
	w->used += n + 1;
	return 0;

undo:
	fd = safe_close(fd);
	if (made)
		(void)unlinkat(parent, name, AT_REMOVEDIR);
	return r;
}

int cg_walk_path(CgWalk *w, const char *parent, bool create)
{
	char comp[NAME_MAX + 1];
	const char *p;
	int r;

	r = cg_parent_check(parent);
	if (r < 0)
		return r;
	if (streq(parent, "/"))
		return 0;
	for (p = parent + 1;;) {
		size_t n = strcspn(p, "/");

		memcpy(comp, p, n);
		comp[n] = '\0';
		r = cg_walk_down(w, comp, create);
		if (r < 0)
			return r;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

void cg_walk_done(CgWalk *w)
{
	if (w->open)
		for (size_t i = 0; i <= w->depth; i++)
			safe_close(w->fd[i]);
	memset(w, 0, sizeof(*w));
}

void cg_walk_rollback(CgWalk *w)
{
	if (!w->open)
		return;
	for (size_t i = w->depth; i > 0; i--) {
		w->fd[i] = safe_close(w->fd[i]);
		/*
		 * Best effort: rmdir fails harmlessly (EBUSY, ENOTEMPTY) when
		 * another login began to use the directory meanwhile.
		 */
		if (w->created[i])
			(void)unlinkat(w->fd[i - 1], w->buf + w->name_off[i], AT_REMOVEDIR);
	}
	cg_walk_done(w);
}

int cg_limits_check(const CgroupLimits *l)
{
	if (l->cpu_weight < 1 || l->cpu_weight > 10000)
		return -EINVAL;
	if (l->cpu_quota == 0)
		return -EINVAL;
	return 0;
}

int cg_cpu_quota_us(uint64_t percent, uint64_t *ret)
{
	/* Q percent of one CPU is Q/100 * 100000 us per 100000 us period. */
	if (percent == UNITS_MAX) {
		*ret = UNITS_MAX;
		return 0;
	}
	if (__builtin_mul_overflow(percent, (uint64_t)CG_CPU_PERIOD_US / 100, ret))
		return -ERANGE;
	return 0;
}

const char *cg_limit_str(uint64_t v, const char *max_word, char *buf, size_t len)
{
	if (v == UNITS_MAX)
		snprintf(buf, len, "%s", max_word);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int cg_write(int dirfd, const char *name, const char *value)
{
	_cleanup_(closep) int fd = -EBADF;
	size_t n = strlen(value);
	ssize_t k;

	/* No fstat: dirfd is a directory of the cgroup filesystem (a walk
	 * checks the device at every step, cg_open_known() the identity),
	 * where nothing but the kernel's control files and the cgroups'
	 * directories exist (no mknod, no symlink), and O_WRONLY refuses a
	 * directory. */
	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	/* Control files take a value in one write; a short write means it was not applied. */
	k = write(fd, value, n);
	if (k < 0)
		return negative_errno();
	return (size_t)k == n ? 0 : -EIO;
}

int cg_read(int dirfd, const char *name, char *buf, size_t len)
{
	_cleanup_(closep) int fd = -EBADF;
	ssize_t k;

	if (len < 2)
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	do
		k = read(fd, buf, len - 1);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return negative_errno();
	if ((size_t)k == len - 1)
		return -EFBIG;
	buf[k] = '\0';
	return (int)k;
}

int cg_read_u64(int dirfd, const char *name, uint64_t *ret)
{
	char buf[64];
	int r;

	r = cg_read(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (streq(buf, "max")) {
		*ret = UNITS_MAX;
		return 0;
	}
	return units_parse_u64(buf, ret);
}

int cg_count_procs(int dirfd, uint64_t *ret)
{
	_cleanup_(closep) int fd = -EBADF;
	char buf[4096];
	uint64_t n = 0;
	ssize_t k;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	while ((k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + k - p))); p++)
			n++;
	}
	*ret = n;
	return 0;
}

int cg_read_keys(int dirfd, const char *name, const char *const *keys, uint64_t *vals, size_t n)
{
	char buf[4096];
	char *line, *save = NULL;
	int r;

	for (size_t i = 0; i < n; i++)
		vals[i] = UINT64_MAX;
	r = cg_read(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t klen = strcspn(line, " ");

		for (size_t i = 0; i < n; i++)
			if (strlen(keys[i]) == klen && strncmp(line, keys[i], klen) == 0 &&
			    line[klen] == ' ' && units_parse_u64(line + klen + 1, &vals[i]) < 0)
				return -EBADMSG;
	}
	return 0;
}

int cg_read_key_u64(int dirfd, const char *name, const char *key, uint64_t *ret)
{
	int r = cg_read_keys(dirfd, name, &key, ret, 1);

	return r < 0 ? r : *ret == UINT64_MAX ? -ENODATA : 0;
}

int cg_read_pressure(int dirfd, const char *name, uint64_t *ret_some, uint64_t *ret_full)
{
	char buf[256];
	char *line, *save = NULL;
	int r;

	*ret_some = *ret_full = UINT64_MAX;
	r = cg_read(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=123" and a "full" line. */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *total = strstr(line, " total=");
		uint64_t *v = strncmp(line, "some ", 5) == 0   ? ret_some
			      : strncmp(line, "full ", 5) == 0 ? ret_full
							       : NULL;

		if (v && total && units_parse_u64(total + 7, v) < 0)
			return -EBADMSG;
	}
	return 0;
}

bool cg_words_contain(const char *text, const char *const *want)
{
	for (; *want; want++) {
		size_t n = strlen(*want);
		bool found = false;

		for (const char *p = text; *p;) {
			size_t k;

			p += strspn(p, " \t\n");
			k = strcspn(p, " \t\n");
			if (k == n && strncmp(p, *want, n) == 0) {
				found = true;
				break;
			}
			p += k;
		}
		if (!found)
			return false;
	}
	return true;
}

void cg_limits_from_policy(const UserPolicy *up, CgroupLimits *ret)
{
	*ret = (CgroupLimits){
		.memory_max = up->memory_max,
		.memory_high = up->memory_high,
		.memory_swap_max = up->memory_swap_max,
		.cpu_quota = up->cpu_quota,
		.cpu_weight = up->cpu_weight,
		.tasks_max = up->tasks_max,
	};
}

bool cg_limit_is(uint64_t live, uint64_t want, bool memory)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (live == CG_UNKNOWN || live == want)
		return true;
	if (!memory || live == UNITS_MAX || want == UNITS_MAX)
		return false;
	return live / page == want / page;
}

/* sd_booted(): systemd is PID 1 when /run/systemd/system is a directory
 * (one lstat, as sd_booted() does; root's, since /run/systemd is). */
static bool systemd_booted(void)
{
	struct stat st;

	return fstatat(AT_FDCWD, "/run/systemd/system", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode) && st.st_uid == 0;
}

int cg_enter(const CgroupManager *m, const char *parent, uid_t uid, const CgroupLimits *limits,
	     CgroupStamp *stamp, bool *ret_attach)
{
	int r;

	if (m->enter)
		return m->enter(parent, uid, limits, stamp, ret_attach);
	*ret_attach = false;
	*stamp = (CgroupStamp){ 0 };
	r = m->create(parent, uid, limits);
	if (r < 0)
		return r;
	*ret_attach = true;
	return m->attach_self(parent, uid);
}

static const CgroupManager *const all_managers[] = {
	&cgroup_manager_v2,
	&cgroup_manager_v1,
	&cgroup_manager_systemd,
};

int cg_manager_pick(CgroupManagerKind kind, const CgroupStamp *stamp, const CgroupManager **ret)
{
	_cleanup_(closep) int base = -EBADF;
	int r;

	switch (kind) {
	case CGROUP_MANAGER_SYSTEMD:
		if (!systemd_booted())
			return -EOPNOTSUPP;
		*ret = &cgroup_manager_systemd;
		return 0;
	case CGROUP_MANAGER_AUTO:
		/* systemd must stay the only writer of its tree (architecture.md). */
		if (systemd_booted()) {
			*ret = &cgroup_manager_systemd;
			return 0;
		}
		break;
	case CGROUP_MANAGER_CGROUPFS:
		break;
	default:
		return -EINVAL;
	}

	/* A joining login: the manager that stamped the user's cgroup. */
	for (size_t i = 0; stamp && stamp->magic != 0 && i < ELEMENTSOF(all_managers); i++)
		if (all_managers[i]->stamp_magic == stamp->magic) {
			*ret = all_managers[i];
			return 0;
		}
	/* v2 from the root checked as every walk checks it; v1 by one
	 * statfs per hierarchy (the walk checks the roots it opens). */
	base = cg_open_base();
	if (base < 0)
		return base;
	r = cg_v2_available_at(base);
	if (r < 0)
		return r;
	if (r > 0) {
		*ret = &cgroup_manager_v2;
		return 0;
	}
	r = cg_v1_available();
	if (r < 0)
		return r;
	if (r > 0) {
		*ret = &cgroup_manager_v1;
		return 0;
	}
	return -ENOENT;
}

const CgroupManager *cg_manager_by_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(all_managers); i++)
		if (streq(name, all_managers[i]->name))
			return all_managers[i];
	return NULL;
}

CgroupUsageCache *cg_usage_cache_new(void)
{
	return calloc(1, sizeof(CgroupUsageCache));
}

static void usage_cache_clear(CgroupUsageCache *c)
{
	for (size_t i = 0; i < CG_CACHE_WALKS; i++)
		cg_walk_done(&c->w[i]);
	c->m = NULL;
}

void cg_usage_cache_free(CgroupUsageCache *c)
{
	if (!c)
		return;
	usage_cache_clear(c);
	free(c);
}

void cg_usage_cache_freep(CgroupUsageCache **c)
{
	cg_usage_cache_free(*c);
}

const CgWalk *cg_usage_cache_get(const CgroupUsageCache *c, const CgroupManager *m,
				 const char *parent)
{
	return c->m == m && streq(c->parent, parent) ? c->w : NULL;
}

const CgWalk *cg_usage_cache_set(CgroupUsageCache *c, const CgroupManager *m, const char *parent,
				 CgWalk *w, size_t n)
{
	usage_cache_clear(c);
	for (size_t i = 0; i < n && i < CG_CACHE_WALKS; i++) {
		c->w[i] = w[i];
		memset(&w[i], 0, sizeof(w[i]));
	}
	snprintf(c->parent, sizeof(c->parent), "%s", parent);
	c->m = m;
	return c->w;
}

void cg_usage_unknown(CgroupUsage *ret)
{
	memset(ret, 0xff, offsetof(CgroupUsage, live));
	ret->live = CG_LIMITS_UNKNOWN;
}

const char *cg_pressure_name(CgroupPressure p)
{
	static const char *const names[CG_PRESSURE_N] = { "cpu", "memory", "io" };

	return names[p];
}
