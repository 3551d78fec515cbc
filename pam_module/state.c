/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "holder-proto.h"

/* No symlink anywhere in path (fs_open()). */
static int open_nofollow(int dirfd, const char *path, int flags, mode_t mode)
{
	return fs_open(dirfd, path, flags | O_NOFOLLOW, mode, 0);
}

int state_open_run_dir(int *ret_fd)
{
	return state_open_private_dir(AT_FDCWD, STATE_DIR, true, ret_fd);
}

int state_open_private_dir(int dirfd, const char *path, bool create, int *ret_fd)
{
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;

	/* Open first: it exists on every call but the first. */
	fd = open_nofollow(dirfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd == -ENOENT && create) {
		if (mkdirat(dirfd, path, 0700) < 0 && errno != EEXIST)
			return negative_errno();
		fd = open_nofollow(dirfd, path, O_RDONLY | O_DIRECTORY, 0);
	}
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	/* A directory someone else could write or read is not ours to trust. */
	if (st.st_uid != 0 || (st.st_mode & 077))
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int state_open_user_lock(int run_dir_fd, uid_t uid, bool create, int *ret_fd)
{
	_cleanup_(closep) int fd = -EBADF;
	char name[32];
	struct stat st;

	snprintf(name, sizeof(name), "%u.lock", (unsigned)uid);
	fd = open_nofollow(run_dir_fd, name, O_RDWR | O_NOCTTY | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int lock_ex(int fd)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return negative_errno();
	return 0;
}

int state_lock_user(int run_dir_fd, uid_t uid, int *ret_fd)
{
	_cleanup_(closep) int fd = -EBADF;
	int r;

	r = state_open_user_lock(run_dir_fd, uid, true, &fd);
	if (r < 0)
		return r;
	r = lock_ex(fd);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

#define USER_RECORD_XATTR "trusted.paddock.cgroup"

int state_user_record_get(int lock_fd, void *buf, size_t len)
{
	char tmp[256];
	ssize_t n;

	if (len > sizeof(tmp))
		return -EINVAL;
	/* Read into tmp: a record of another size (another build) is not ours. */
	n = fgetxattr(lock_fd, USER_RECORD_XATTR, tmp, sizeof(tmp));
	if (n < 0)
		return errno == ERANGE ? -EBADMSG : negative_errno();
	if ((size_t)n != len)
		return -EBADMSG;
	memcpy(buf, tmp, len);
	return 0;
}

int state_user_record_drop(int lock_fd)
{
	if (fremovexattr(lock_fd, USER_RECORD_XATTR) < 0 && errno != ENODATA && errno != EOPNOTSUPP)
		return negative_errno();
	return 0;
}

int state_user_record_set(int lock_fd, const void *buf, size_t len)
{
	int r;

	if (fsetxattr(lock_fd, USER_RECORD_XATTR, buf, len, 0) >= 0)
		return 0;
	r = negative_errno();
	(void)state_user_record_drop(lock_fd);
	return r;
}

int state_user_record_forget(int run_dir_fd, uid_t uid)
{
	_cleanup_(closep) int fd = -EBADF;
	int r;

	r = state_open_user_lock(run_dir_fd, uid, false, &fd);
	if (r == -ENOENT)
		return 0;
	if (r >= 0)
		r = lock_ex(fd);
	if (r < 0)
		return r;
	return state_user_record_drop(fd);
}

#define POLICY_MEMO_NAME "policy.memo"

/* Root's own regular file in STATE_DIR (0700: only root makes one there). */
static int memo_get(void *userdata, void **ret_buf, size_t *ret_len)
{
	_cleanup_(closep) int fd = -EBADF;
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	ssize_t n;

	(void)userdata;
	fd = open_nofollow(AT_FDCWD, STATE_DIR "/" POLICY_MEMO_NAME, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || st.st_nlink != 1)
		return -EPERM;
	if (st.st_size <= 0 || st.st_size > POLICY_MEMO_MAX)
		return -EFBIG;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size)
		return n < 0 ? negative_errno() : -EIO;
	*ret_buf = TAKE_PTR(buf);
	*ret_len = (size_t)n;
	return 0;
}

/* Into a STATE_DIR that is there already (making it is the session's
 * step), by a rename: a reader finds the old memo or the new one. */
static void memo_put(void *userdata, const void *buf, size_t len)
{
	_cleanup_(closep) int dir = -EBADF;
	char tmp[sizeof(POLICY_MEMO_NAME) + 16];
	bool ok;
	int fd;

	struct statx sx;

	(void)userdata;
	if (state_open_private_dir(AT_FDCWD, STATE_DIR, false, &dir) < 0)
		return;
	/* Only into the state mount: a memo left in the directory below it
	 * would be seen from inside every paddock (state_make_private). */
	if (statx(dir, "", AT_EMPTY_PATH, STATX_TYPE, &sx) < 0 ||
	    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return;
	snprintf(tmp, sizeof(tmp), POLICY_MEMO_NAME ".%d", (int)getpid());
	fd = open_nofollow(dir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -EEXIST) {
		/* Left by a writer of this pid that died: no live one has it. */
		(void)unlinkat(dir, tmp, 0);
		fd = open_nofollow(dir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	}
	if (fd < 0)
		return;
	ok = write(fd, buf, len) == (ssize_t)len;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dir, tmp, dir, POLICY_MEMO_NAME) < 0)
		(void)unlinkat(dir, tmp, 0);
}

const PolicyMemoIO state_policy_memo = { .get = memo_get, .put = memo_put };

static void uid_dir_name(uid_t uid, char buf[static 16])
{
	snprintf(buf, 16, "%u", (unsigned)uid);
}

static int is_mount_root(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &sx) < 0)
		return negative_errno();
	if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return -EOPNOTSUPP;
	return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* A mount of its own filesystem, not a bind of the directory it sits on:
 * detaching a copy of such a bind would show the very same directory. */
static int is_own_mount(int fd)
{
	struct stat st, up;
	int r = is_mount_root(fd);

	if (r <= 0)
		return r;
	if (fstat(fd, &st) < 0 || fstatat(fd, "..", &up, 0) < 0)
		return negative_errno();
	return st.st_dev != up.st_dev;
}

static int set_private(int mount_fd)
{
	char path[64];
	int r = fs_fd_path(path, sizeof(path), mount_fd, NULL);

	if (r < 0)
		return r;
	if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0)
		return negative_errno();
	return 0;
}

int state_make_private(int run_dir_fd, int *ret_fd)
{
	_cleanup_(closep) int tree = -EBADF, fd = -EBADF;
	int r;

	r = is_own_mount(run_dir_fd);
	if (r < 0)
		return r;
	if (r > 0) {
		/* Already a mount of its own.  holder_start() makes it private
		 * again (repairing an admin's "mount --make-shared") before it
		 * builds anything there; a joining login mounts nothing, and
		 * takes no global mount lock for it. */
		fd = fcntl(run_dir_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return negative_errno();
		*ret_fd = TAKE_FD(fd);
		return 0;
	}

	/* A tmpfs of its own, not a bind of the directory onto itself: a
	 * holder that detaches its copy then finds the empty directory of
	 * /run below it, not the same directory again.  No size bound: only
	 * root writes there, and a bound would cap the number of paddocks.
	 * The new mount may briefly be shared with the parent's peers, then
	 * it is made private before any state is placed under it. */
	tree = fs_tmpfs_new("paddock", NULL, "0700",
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (tree < 0)
		return tree;
	if (move_mount(tree, "", run_dir_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	r = set_private(tree);
	if (r < 0)
		return r;
	fd = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int state_repair(int run_dir_fd)
{
	int r = is_own_mount(run_dir_fd);

	if (r == 0)
		return -EINVAL; /* not the private STATE_DIR mount */
	return r < 0 ? r : set_private(run_dir_fd);
}

static void keep_first(int *r, int e)
{
	if (*r == 0 && e < 0)
		*r = e;
}

int state_remove_user(int run_dir_fd, uid_t uid)
{
	char name[16];

	uid_dir_name(uid, name);
	return state_remove_at(run_dir_fd, name);
}

int state_remove_at(int run_dir_fd, const char *name)
{
	_cleanup_(closep) int uid_fd = -EBADF, ns_fd = -EBADF;
	int r = 0;

	uid_fd = fs_open_beneath(run_dir_fd, name, O_RDONLY | O_DIRECTORY);
	if (uid_fd == -ENOENT)
		return 0;
	if (uid_fd < 0)
		return uid_fd;

	if (unlinkat(uid_fd, HOLDER_CTL_NAME, 0) < 0 && errno != ENOENT)
		keep_first(&r, negative_errno());

	ns_fd = fs_open_beneath(uid_fd, HOLDER_NS_DIR, O_RDONLY | O_DIRECTORY);
	if (ns_fd >= 0) {
		if (unlinkat(ns_fd, HOLDER_NS_RECORDS, 0) < 0 && errno != ENOENT)
			keep_first(&r, negative_errno());
		if (unlinkat(ns_fd, HOLDER_NS_RECORDS_NEW, 0) < 0 && errno != ENOENT)
			keep_first(&r, negative_errno());
		if (unlinkat(uid_fd, HOLDER_NS_DIR, AT_REMOVEDIR) < 0)
			keep_first(&r, negative_errno());
	} else if (ns_fd != -ENOENT)
		keep_first(&r, ns_fd);

	if (unlinkat(run_dir_fd, name, AT_REMOVEDIR) < 0)
		keep_first(&r, negative_errno());
	return r;
}

/* UID/ and UID/ns/, fresh.  A leftover UID/ is the state of a dead paddock
 * (the caller holds the lock and found no live holder): collect it. */
int state_create_user(int run_dir_fd, uid_t uid, int *ret_uid_fd, int *ret_ns_fd)
{
	_cleanup_(closep) int uid_fd = -EBADF, ns_fd = -EBADF;
	char name[16];
	int r;

	uid_dir_name(uid, name);
	if (mkdirat(run_dir_fd, name, 0700) < 0) {
		if (errno != EEXIST)
			return negative_errno();
		r = state_remove_user(run_dir_fd, uid);
		if (r < 0)
			return r;
		if (mkdirat(run_dir_fd, name, 0700) < 0)
			return negative_errno();
	}
	uid_fd = fs_open_beneath(run_dir_fd, name, O_RDONLY | O_DIRECTORY);
	if (uid_fd < 0)
		return uid_fd;
	if (mkdirat(uid_fd, HOLDER_NS_DIR, 0700) < 0)
		return negative_errno();
	ns_fd = fs_open_beneath(uid_fd, HOLDER_NS_DIR, O_RDONLY | O_DIRECTORY);
	if (ns_fd < 0)
		return ns_fd;
	*ret_uid_fd = TAKE_FD(uid_fd);
	*ret_ns_fd = TAKE_FD(ns_fd);
	return 0;
}

int state_open_mount(int *ret_fd)
{
	_cleanup_(closep) int lock_fd = -EBADF, run_fd = -EBADF;
	int r;

	r = state_open_run_dir(&lock_fd);
	if (r < 0)
		return r;
	/* Nearly every login: the private mount exists, no global lock. */
	r = is_own_mount(lock_fd);
	if (r > 0) {
		*ret_fd = TAKE_FD(lock_fd);
		return 0;
	}
	/* The first since boot makes it, under a lock on the directory
	 * below: a concurrent one, once it holds the lock, opens again and
	 * finds the mount. */
	while (flock(lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return negative_errno();
	r = state_open_run_dir(&run_fd);
	if (r >= 0)
		r = state_make_private(run_fd, ret_fd);
	(void)flock(lock_fd, LOCK_UN);
	return r;
}
