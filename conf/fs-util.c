/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fs-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

/* What RESOLVE_BENEATH refuses that openat cannot: a path that leaves dirfd
 * by its own names (a symlink below is O_NOFOLLOW's, for the last name). */
static bool leaves_dir(const char *path)
{
	if (path[0] == '/')
		return true;
	for (const char *p = path; *p; p += strcspn(p, "/"), p += *p == '/') {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return true;
	}
	return false;
}

int fs_open(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) {
		if ((resolve & RESOLVE_BENEATH) && leaves_dir(path))
			return -EXDEV;
		fd = openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW, mode);
	}
	return fd < 0 ? negative_errno() : (int)fd;
}

int fs_read_fd(int fd, char *buf, size_t len)
{
	size_t have = 0;

	if (len == 0)
		return -EINVAL;
	for (;;) {
		ssize_t k;

		if (have == len - 1)
			return -EFBIG;
		k = read(fd, buf + have, len - 1 - have);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		have += (size_t)k;
	}
	buf[have] = '\0';
	return (int)have;
}

int fs_read_file(int dirfd, const char *path, char *buf, size_t len)
{
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;

	if (len == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	return fs_read_fd(fd, buf, len);
}

int fs_fd_path(char *buf, size_t len, int fd, const char *name)
{
	int n = name ? snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name)
		     : snprintf(buf, len, "/proc/self/fd/%d", fd);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int fs_tmpfs_new(const char *source, const char *size, const char *mode, unsigned attrs)
{
	_cleanup_(closep) int fs = -EBADF;
	int mnt;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return negative_errno();
	if ((source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0) ||
	    (size && fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0) ||
	    (mode && fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	return mnt < 0 ? negative_errno() : mnt;
}
