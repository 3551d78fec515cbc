/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pool of spare paddocks, as both sides see it: the login that claims
 * a spare (spare-claim.c) and "paddock spare" that makes them
 * (spare-maker.c).  spare.h has the layout.
 */
#include "spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup.h"
#include "state.h"

static bool has_key(const char *name, const char *key)
{
	return strncmp(name, key, SPARE_KEY_LEN) == 0 && name[SPARE_KEY_LEN] == '.';
}

bool spare_is_new(const char *name)
{
	size_t n = strlen(name), k = strlen(SPARE_NEW_SUFFIX);

	return n > k && streq(name + n - k, SPARE_NEW_SUFFIX);
}

void spare_cgroup_name(const char *spare_name, char buf[static SPARE_CGROUP_NAME_MAX])
{
	const char *dot = strchr(spare_name, '.');
	const char *id = dot ? dot + 1 : spare_name;
	size_t n = strcspn(id, ".");

	snprintf(buf, SPARE_CGROUP_NAME_MAX, CG_SPARE_PREFIX "%.*s", (int)n, id);
}

void spare_limits_format(const CgroupLimits *l, char buf[static SPARE_LIMITS_MAX])
{
	snprintf(buf, SPARE_LIMITS_MAX,
		 "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		 l->memory_max, l->memory_high, l->memory_swap_max, l->cpu_quota, l->cpu_weight,
		 l->tasks_max);
}

int spare_limits_parse(const char *s, CgroupLimits *ret)
{
	uint64_t *f[] = { &ret->memory_max, &ret->memory_high, &ret->memory_swap_max,
			  &ret->cpu_quota,  &ret->cpu_weight,  &ret->tasks_max };
	char buf[24];

	*ret = (CgroupLimits){ 0 };
	for (size_t i = 0; i < ELEMENTSOF(f); i++) {
		size_t n = strcspn(s, ",");

		/* Six fields, none empty, a comma between each two. */
		if (n == 0 || n >= sizeof(buf) || (s[n] == ',') != (i + 1 < ELEMENTSOF(f)))
			return -EINVAL;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (units_parse_u64(buf, f[i]) < 0)
			return -EINVAL;
		s += n + (s[n] == ',');
	}
	return 0;
}

static bool not_named(const char *name, void *data)
{
	return !streq(name, data);
}

int spare_cgroup_remove(const CgroupManager *cgm, const char *parent, const char *spare_name)
{
	char cg_name[SPARE_CGROUP_NAME_MAX];

	if (!cgm || !cgm->spare)
		return 0;
	spare_cgroup_name(spare_name, cg_name);
	return cgm->spare->sweep(parent, not_named, cg_name);
}

const CgroupManager *spare_cgroups_of(const HolderParams *p)
{
	const CgroupManager *cgm = cg_manager_by_name(p->cgroup_manager);

	return cgm && cgm->spare ? cgm : NULL;
}

int spare_open_dir(int run_dir_fd, bool create, int *ret_fd)
{
	return state_open_private_dir(run_dir_fd, HOLDER_SPARE_DIR, create, ret_fd);
}

int spare_each_entry(int spare_fd, bool (*match)(const char *name, const char *arg),
		     const char *arg, int (*fn)(const char *name, void *data), void *data)
{
	int fd = fcntl(spare_fd, F_DUPFD_CLOEXEC, 3), r = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	/* The duplicate shares spare_fd's offset: from the start. */
	rewinddir(d);
	while (r <= 0 && (de = readdir(d)))
		if (match(de->d_name, arg))
			r = fn(de->d_name, data);
	closedir(d);
	return r;
}

/* ---- the makers' locks (spare-maker.c takes and stops them) ------------- */

void spare_maker_name(const char *key, char buf[static SPARE_MAKER_NAME_MAX])
{
	snprintf(buf, SPARE_MAKER_NAME_MAX, SPARE_MAKER_PREFIX "%s", key);
}

pid_t spare_maker_pid(int spare_fd, const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	_cleanup_(closep) int fd = fs_open_beneath(spare_fd, name, O_RDWR | O_NOCTTY);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fcntl(fd, F_GETLK, &fl) < 0)
		return negative_errno();
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

static bool of_key(const char *name, const char *key)
{
	return key ? has_key(name, key) : name[0] != '.';
}

/* ---- counting ---------------------------------------------------------- */

int spare_each_of_key(int spare_fd, const char *key, int (*fn)(const char *name, void *data),
		      void *data)
{
	return spare_each_entry(spare_fd, of_key, key, fn, data);
}

static int count_one(const char *name, void *data)
{
	(*(unsigned *)data)++;
	return 0;
}

unsigned spare_count_matching(int spare_fd, bool (*match)(const char *name, const char *arg),
			      const char *arg)
{
	unsigned n = 0;

	(void)spare_each_entry(spare_fd, match, arg, count_one, &n);
	return n;
}

unsigned spare_count_of_key(int spare_fd, const char *key)
{
	return spare_count_matching(spare_fd, of_key, key);
}

unsigned spare_count_of(int spare_fd, const HolderParams *p)
{
	char key[SPARE_KEY_LEN + 1];

	spare_key(p, key);
	return spare_count_of_key(spare_fd, key);
}

static int count_ready(const char *name, void *data)
{
	if (!spare_is_new(name))
		(*(unsigned *)data)++;
	return 0;
}

unsigned spare_count_ready(int run_dir_fd)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	unsigned n = 0;

	if (spare_open_dir(run_dir_fd, false, &spare_fd) >= 0)
		(void)spare_each_of_key(spare_fd, NULL, count_ready, &n);
	return n;
}
