/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A spare holder becomes a user's: the claim of pam_module/holder-proto.h.
 * Everything a spare could not know before a user logged in happens here,
 * in the order that keeps the paddock whole if a step fails (the holder
 * then exits; the claimer kills it and removes UID/).
 */
#include "holder-spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/holder-spawn.h"
#include "../pam_module/spare.h"
#include "../pam_module/state.h"

/* What the claim makes of us; o's strings point here afterwards. */
static char claimed_user[POLICY_NAME_MAX];
static char claimed_hostname[64];
static char claimed_parent[POLICY_PATH_MAX];

/* The cgroup move is made from the host's mount namespace: ours shows
 * the cgroup tree read-only (holder.c, mount_sys).  A spare made in a
 * spare cgroup that did not become the user's leaves it empty: removed. */
static int attach_from_host(const HolderOpts *o, uid_t uid)
{
	_cleanup_(closep) int own = -EBADF;
	int r;

	/* A spare forked in its spare cgroup, which the claiming login
	 * renamed to the user's (pam_module/spare.h), is there already. */
	if (!o->cgm || (o->cgm->spare && o->cgm->spare->holds_self(o->p.cgroup_parent, uid)))
		return 0;
	own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return negative_errno();
	if (setns(HOLDER_FD_HOST_MNT, CLONE_NEWNS) < 0)
		return negative_errno();
	r = o->cgm->attach_self(o->p.cgroup_parent, uid);
	if (r >= 0)
		(void)spare_cgroup_remove(o->cgm, o->p.cgroup_parent, o->spare);
	/* Never stay in the host's mount namespace: nothing to fall back on. */
	if (setns(own, CLONE_NEWNS) < 0)
		_exit(1);
	return r;
}

static int resize_tmp(int ctx, uint64_t bytes)
{
	char size[24];

	if (ctx < 0)
		return 0;
	snprintf(size, sizeof(size), "%" PRIu64, bytes);
	if (fsconfig(ctx, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
	    fsconfig(ctx, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

#define STEP(name, expr) STEP_OR_RETURN(*step, r, name, expr)

int holder_claim(HolderOpts *o, const char *msg, size_t n, int lock_fd, unsigned processes,
		 const char **step)
{
	char cmdline[HOLDER_CMDLINE_MAX];
	HolderParams c, p;
	struct stat st;
	int len, r;

	/* 1. Everything checked before anything changes. */
	*step = "claim";
	if (!o->spare)
		return -EALREADY;
	if (lock_fd < 0)
		return -EBADF;
	r = holder_params_parse_claim(msg, n, &c);
	if (r < 0)
		return -EINVAL;
	if (strlen(c.user) >= sizeof(claimed_user) ||
	    strlen(c.hostname) >= sizeof(claimed_hostname))
		return -EINVAL;
	*step = "claim shape";
	if (!holder_params_same_shape(&c, &o->p))
		return -EMEDIUMTYPE;
	*step = "claim processes";
	if (processes > 0)
		return -EBUSY;
	*step = "claim lock";
	if (fstat(lock_fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	/* The new command line must fit where the old one was. */
	*step = "claim command line";
	snprintf(claimed_user, sizeof(claimed_user), "%s", c.user);
	snprintf(claimed_hostname, sizeof(claimed_hostname), "%s", c.hostname);
	snprintf(claimed_parent, sizeof(claimed_parent), "%s", o->p.cgroup_parent);
	p = o->p;
	p.uid = c.uid;
	p.user = claimed_user;
	p.hostname = claimed_hostname;
	p.tmp_size = c.tmp_size;
	p.kill_on_logout = c.kill_on_logout;
	p.linger = c.linger;
	p.cgroup_parent = claimed_parent;
	len = holder_params_argv(HOLDER_ARGV_USER, &p, NULL, cmdline, sizeof(cmdline));
	if (len < 0)
		return len;
	if ((size_t)len > o->arg_len)
		return -E2BIG;

	/* 2. The user's from here on. */
	STEP("claim lock", dup3(lock_fd, HOLDER_FD_LOCK, O_CLOEXEC) < 0 ? negative_errno() : 0);
	/* 9, 10: charged to the user's cgroup before any process of theirs */
	STEP("claim cgroup", attach_from_host(o, p.uid));
	if (o->p.namespaces & POLICY_NS_UTS)
		STEP("claim hostname", sethostname(claimed_hostname, strlen(claimed_hostname)) < 0
					       ? negative_errno()
					       : 0);
	/* 10: the tmpfs bound by the user's tmp_size */
	STEP("claim tmp", resize_tmp(o->tmp_ctx, p.tmp_size));
	o->tmp_ctx = safe_close(o->tmp_ctx);
	/* ps, paddock status and the shell guard read who we are there */
	memset(o->arg_start, 0, o->arg_len);
	memcpy(o->arg_start, cmdline, (size_t)len);

	o->p = p;
	o->spare = NULL;
	return 0;
}

int holder_remove_own_dir(int parent_fd, const char *name)
{
	_cleanup_(closep) int dir = -EBADF;
	struct stat a, b;

	dir = fs_open_beneath(parent_fd, name, O_PATH | O_DIRECTORY);
	if (dir < 0)
		return dir == -ENOENT ? 0 : dir;
	if (fstat(dir, &a) < 0 || fstat(HOLDER_FD_STATE, &b) < 0)
		return negative_errno();
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return 0;
	return state_remove_at(parent_fd, name);
}

int holder_spare_remove_state(int run_dir_fd, const char *name)
{
	_cleanup_(closep) int spare_fd = -EBADF;

	char tmp_name[SPARE_KEY_LEN + 24];
	int r;

	spare_fd = fs_open_beneath(run_dir_fd, HOLDER_SPARE_DIR, O_RDONLY | O_DIRECTORY);
	if (spare_fd < 0)
		return spare_fd == -ENOENT ? 0 : spare_fd;
	r = holder_remove_own_dir(spare_fd, name);
	/* Never renamed: its maker died before reading our ready line. */
	snprintf(tmp_name, sizeof(tmp_name), "%s" SPARE_NEW_SUFFIX, name);
	if (r >= 0)
		r = holder_remove_own_dir(spare_fd, tmp_name);
	return r;
}

int holder_spare_watch(void)
{
	_cleanup_(closep) int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	char path[32];

	if (fd < 0)
		return negative_errno();
	/* Our directory itself, wherever it is renamed to. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", HOLDER_FD_STATE);
	if (inotify_add_watch(fd, path, IN_MOVE_SELF | IN_ONLYDIR) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* Our directory's name in parent_fd (its inode is fd 3's), into name. */
static int own_name(int parent_fd, char *name, size_t len)
{
	int fd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 3), r = -ENOENT;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (fd < 0 || fstat(HOLDER_FD_STATE, &st) < 0) {
		safe_close(fd);
		return negative_errno();
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(d)))
		if (de->d_ino == st.st_ino && strlen(de->d_name) < len) {
			snprintf(name, len, "%s", de->d_name);
			r = 0;
			break;
		}
	closedir(d);
	return r;
}

int holder_spare_moved(uid_t *ret_uid, int *ret_lock_fd)
{
	_cleanup_(closep) int parent = -EBADF, lock = -EBADF;
	char name[32];
	struct stat ps;
	unsigned long v;
	char *end;
	int r;

	/* Our parent now: still STATE_DIR/spare/ (made ready by the maker),
	 * or STATE_DIR (a login's claim), through fd 3 alone: nothing by a
	 * path of the host. */
	parent = openat(HOLDER_FD_STATE, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return negative_errno();
	if (fstat(parent, &ps) < 0)
		return negative_errno();
	if (ps.st_uid != 0 || (ps.st_mode & 077))
		return -EPERM;
	r = own_name(parent, name, sizeof(name));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (name[0] < '0' || name[0] > '9' || *end || errno || v >= UINT32_MAX)
		return 0;
	r = state_open_user_lock(parent, (uid_t)v, false, &lock);
	if (r < 0)
		return r;
	*ret_uid = (uid_t)v;
	*ret_lock_fd = TAKE_FD(lock);
	return 1;
}
