/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "holder-proto.h"

/* No symlink anywhere in path (fs_open()). */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
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
	fd = open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd == -ENOENT && create) {
		if (mkdirat(dirfd, path, 0700) < 0 && errno != EEXIST)
			return negative_errno();
		fd = open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY, 0);
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
	fd = open_beneath(run_dir_fd, name, O_RDWR | O_NOCTTY | (create ? O_CREAT : 0), 0600);
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
	fd = open_beneath(AT_FDCWD, STATE_DIR "/" POLICY_MEMO_NAME, O_RDONLY | O_NONBLOCK, 0);
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
	 * would be seen from inside every paddock (holder-start.h). */
	if (statx(dir, "", AT_EMPTY_PATH, STATX_TYPE, &sx) < 0 ||
	    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return;
	snprintf(tmp, sizeof(tmp), POLICY_MEMO_NAME ".%d", (int)getpid());
	fd = open_beneath(dir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -EEXIST) {
		/* Left by a writer of this pid that died: no live one has it. */
		(void)unlinkat(dir, tmp, 0);
		fd = open_beneath(dir, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	}
	if (fd < 0)
		return;
	ok = write(fd, buf, len) == (ssize_t)len;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dir, tmp, dir, POLICY_MEMO_NAME) < 0)
		(void)unlinkat(dir, tmp, 0);
}

const PolicyMemoIO state_policy_memo = { .get = memo_get, .put = memo_put };
