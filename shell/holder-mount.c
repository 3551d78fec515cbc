/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's mounts: a fresh /proc, /sys, private /tmp, /var/tmp,
 * /dev/shm and /dev/mqueue in the paddock's mount namespace, made with the
 * new mount API on targets opened beneath our root.
 */
#include "holder-mount.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../pam_module/holder-spawn.h"

/* Our root: the anchor every mount target is opened beneath. */
int holder_open_root(void)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? negative_errno() : fd;
}

int holder_make_rslave(void)
{
	return mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ? negative_errno() : 0;
}

/* A new superblock of fstype, mounted on root/path (no symlinks followed). */
static int mount_fresh(int root, const char *path, const char *fstype, unsigned attrs)
{
	_cleanup_(closep) int fs = -EBADF, mnt = -EBADF, target = -EBADF;

	target = fs_open_beneath(root, path, O_PATH | O_DIRECTORY);
	if (target < 0)
		return target;
	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return negative_errno();
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return negative_errno();
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* Detach the host's view mounted at a top-level directory of our copy of
 * the host's mount tree (nothing of it needs to stay reachable). */
static int detach_top(const char *path)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return negative_errno();
	return 0;
}

int holder_mount_proc(int root)
{
	int r = detach_top("/proc");

	if (r < 0)
		return r;
	return mount_fresh(root, "proc", "proc",
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* Our copy of the private STATE_DIR mount shows every paddock's control
 * socket and records: detaching it leaves no state visible in ours, not
 * even to root (threat 1). */
int holder_detach_state_dir(int root)
{
	_cleanup_(closep) int fd = -EBADF;
	char path[64];

	fd = fs_open_beneath(root, STATE_DIR + 1, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (umount2(path, MNT_DETACH) < 0)
		return negative_errno();
	return 0;
}

/* A sysfs of our network namespace, with the host's cgroup tree (read-only)
 * kept at /sys/fs/cgroup for the user's tools. */
int holder_mount_sys(int root)
{
	_cleanup_(closep) int cg = -EBADF, cg_dir = -EBADF, target = -EBADF;
	struct mount_attr ro = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC,
	};
	struct statx sx;
	int r;

	cg_dir = fs_open_beneath(root, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	if (cg_dir >= 0 && statx(cg_dir, "", AT_EMPTY_PATH, STATX_TYPE, &sx) == 0 &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		cg = open_tree(cg_dir, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
		if (cg < 0)
			return negative_errno();
		if (mount_setattr(cg, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0 &&
		    errno != ENOSYS)
			return negative_errno();
	}
	cg_dir = safe_close(cg_dir);

	r = detach_top("/sys");
	if (r < 0)
		return r;
	r = mount_fresh(root, "sys", "sysfs",
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (r < 0 || cg < 0)
		return r;
	target = fs_open_beneath(root, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	if (target < 0)
		return target;
	if (move_mount(cg, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* One directory of the shared tmpfs and the mount point it is bound on. */
typedef struct TmpBind {
	const char *dir, *target;
	bool noexec, wanted;
	int target_fd, clone_fd;
} TmpBind;

#define TMP_BINDS 3

static void tmp_binds_close(TmpBind (*b)[TMP_BINDS])
{
	for (size_t i = 0; i < TMP_BINDS; i++) {
		(*b)[i].target_fd = safe_close((*b)[i].target_fd);
		(*b)[i].clone_fd = safe_close((*b)[i].clone_fd);
	}
}

/* Clone dir of the backing tmpfs into a detached mount of its own. */
static int tmp_clone(int backing, const char *dir)
{
	int fd = open_tree(backing, dir,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW |
				   AT_NO_AUTOMOUNT);

	return fd < 0 ? negative_errno() : fd;
}

/* Before Linux 6.15 open_tree() cannot clone a detached mount (EINVAL):
 * attach the backing tmpfs on target for as long as the clones take.  No
 * process of the user exists yet (the namespaces are pinned only once we
 * are ready), so nobody can see its root meanwhile. */
static int tmp_attach_backing(int backing, int target)
{
	if (move_mount(backing, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return negative_errno();
	return 0;
}

static int tmp_detach_backing(int backing)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", backing);
	return umount2(path, MNT_DETACH) < 0 ? negative_errno() : 0;
}

/*
 * The private /tmp, /var/tmp and /dev/shm: directories of ONE tmpfs of
 * tmp_size, each bound on its mount point, instead of a tmpfs each.  Every
 * superblock has a memcg-aware shrinker, and every memory cgroup keeps
 * state for every shrinker id up to the most ever alive, per cgroup and
 * NUMA node: each superblock of a user makes every user's cgroup bigger
 * (tests/bench/RESULTS.md).  The tmpfs root (0700, the three
 * directories side by side) is never attached where a user could reach
 * it: only the binds of its subdirectories are, and rename or link across
 * them fails with EXDEV (different mounts).
 */
int holder_mount_private_tmp(int root, HolderOpts *o)
{
	_cleanup_(tmp_binds_close) TmpBind binds[TMP_BINDS] = {
		{ "tmp", "tmp", false, o->p.private_tmp, -EBADF, -EBADF },
		{ "var-tmp", "var/tmp", false, o->p.private_tmp, -EBADF, -EBADF },
		{ "shm", "dev/shm", true, o->p.private_ipc, -EBADF, -EBADF },
	};
	_cleanup_(closep) int backing = -EBADF;
	struct mount_attr noexec = { .attr_set = MOUNT_ATTR_NOEXEC };
	bool attached = false;
	char size[24];
	int r;

	snprintf(size, sizeof(size), "%" PRIu64, o->p.tmp_size);
	/* Every mount point first: nothing is created if one is missing. */
	for (size_t i = 0; i < TMP_BINDS; i++) {
		TmpBind *b = &binds[i];

		if (!b->wanted)
			continue;
		b->target_fd = fs_open_beneath(root, b->target, O_PATH | O_DIRECTORY);
		if (b->target_fd < 0)
			return b->target_fd;
	}

	backing = fs_tmpfs_new(NULL, size, "0700", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (backing < 0)
		return backing;

	for (size_t i = 0; i < TMP_BINDS; i++) {
		_cleanup_(closep) int dir = -EBADF;
		TmpBind *b = &binds[i];

		if (!b->wanted)
			continue;
		if (mkdirat(backing, b->dir, 0700) < 0)
			return negative_errno();
		dir = openat(backing, b->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* Explicitly: mkdir's mode passes through the umask. */
		if (dir < 0 || fchmod(dir, 01777) < 0)
			return negative_errno();
		b->clone_fd = tmp_clone(backing, b->dir);
		if (b->clone_fd == -EINVAL && !attached) {
			r = tmp_attach_backing(backing, b->target_fd);
			if (r < 0)
				return r;
			attached = true;
			b->clone_fd = tmp_clone(backing, b->dir);
		}
		if (b->clone_fd < 0)
			return b->clone_fd;
		if (b->noexec &&
		    mount_setattr(b->clone_fd, "", AT_EMPTY_PATH, &noexec, sizeof(noexec)) < 0)
			return negative_errno();
	}
	/* A spare keeps a handle on the superblock: the claim sets its size. */
	if (o->spare) {
		o->tmp_ctx = fspick(backing, "", FSPICK_CLOEXEC | FSPICK_EMPTY_PATH);
		if (o->tmp_ctx < 0)
			return negative_errno();
	}
	if (attached) {
		r = tmp_detach_backing(backing);
		if (r < 0)
			return r;
	}

	for (size_t i = 0; i < TMP_BINDS; i++) {
		TmpBind *b = &binds[i];

		if (b->wanted && move_mount(b->clone_fd, "", b->target_fd, "",
					    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return negative_errno();
	}
	return 0;
}

/* A fresh mqueue of our IPC namespace, where the host has one. */
int holder_mount_mqueue(int root, const HolderOpts *o)
{
	_cleanup_(closep) int dir = -EBADF;

	if (!(o->p.namespaces & POLICY_NS_IPC))
		return 0;
	dir = fs_open_beneath(root, "dev/mqueue", O_PATH | O_DIRECTORY);
	if (dir == -ENOENT)
		return 0;
	if (dir < 0)
		return dir;
	return mount_fresh(root, "dev/mqueue", "mqueue",
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}
