/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two file primitives every part of paddock uses on paths root
 * touches: an open that follows no symlink (threat 3), and the reader of
 * small files (cgroup control files, /proc, state records).  In conf/, the
 * bottom layer of the build, because the policy loader needs them too.
 */
#pragma once

#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Open path below dirfd with openat2: flags | O_CLOEXEC, mode when O_CREAT,
 * resolve (RESOLVE_BENEATH, ...) plus RESOLVE_NO_SYMLINKS and
 * RESOLVE_NO_MAGICLINKS always.  On kernels without openat2 (before 5.6)
 * it falls back to openat with O_NOFOLLOW, which checks the last name
 * only; RESOLVE_BENEATH then still refuses (-EXDEV) an absolute path and
 * any ".." in it.  Returns the fd or -errno.
 */
int fs_open(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/*
 * fs_open() of path below dirfd and never above it (RESOLVE_BENEATH), with
 * O_NOFOLLOW: the open of every name in STATE_DIR, /proc and the holder's
 * own directories.  Returns the fd or -errno.
 */
static inline int fs_open_beneath(int dirfd, const char *path, int flags)
{
	return fs_open(dirfd, path, flags | O_NOFOLLOW, 0, RESOLVE_BENEATH);
}

/*
 * Read fd to its end into buf and NUL-terminate it.  Returns the length
 * (the bytes read, which may hold NULs of their own), -EFBIG when it does
 * not fit in len - 1 bytes, or -errno.
 */
int fs_read_fd(int fd, char *buf, size_t len);

/*
 * Read the regular file path in dirfd (openat with O_NOFOLLOW: the last
 * name is no symlink; the directories above are the caller's to trust)
 * into buf, NUL-terminated: fs_read_fd() of it.  Returns the length,
 * -EBADFD for anything but a regular file, -EFBIG when it does not fit,
 * or -errno.
 */
int fs_read_file(int dirfd, const char *path, char *buf, size_t len);

/*
 * "/proc/self/fd/FD" or, with name, "/proc/self/fd/FD/NAME" into buf: how
 * root names an fd-relative path for the syscalls that take only paths
 * (mount, umount2, bind, connect).  Returns 0 or -ENAMETOOLONG.
 */
int fs_fd_path(char *buf, size_t len, int fd, const char *name);

/*
 * A new tmpfs, attached nowhere yet, mounted with attrs (MOUNT_ATTR_*),
 * with the options given (NULL: the kernel's default): source (what
 * mountinfo shows), size and mode of its root.  Every privileged tmpfs of
 * paddock is made here, so that none is missed when one changes.  Returns
 * the mount's fd (O_CLOEXEC), for move_mount() or openat(), or -errno.
 */
int fs_tmpfs_new(const char *source, const char *size, const char *mode, unsigned attrs);
