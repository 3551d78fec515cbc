/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tier: the two file primitives of conf/fs-util.h.  The open follows
 * no symlink and, beneath, never leaves its directory; the small-file reader
 * reads whole files only, regular ones only, NUL-terminated.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../conf/fs-util.h"
#include "tap.h"
#include "tmpdir.h"

static void write_file(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		printf("Bail out! cannot write %s\n", name);
		exit(1);
	}
	close(fd);
}

int main(void)
{
	char buf[8], path[64];
	int dir, fd, r;

	umask(022);
	tmpdir_make("test-fs-util");
	dir = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || mkdirat(dir, "sub", 0755) < 0 || symlinkat("sub", dir, "link") < 0 ||
	    symlinkat("six", dir, "six-link") < 0) {
		printf("Bail out! cannot set up %s\n", tmpdir);
		return 1;
	}
	write_file(dir, "seven", "1234567");
	write_file(dir, "six", "123456");
	write_file(dir, "sub/file", "x");

	r = fs_read_file(dir, "six", buf, sizeof(buf));
	tap_ok(r == 6 && strcmp(buf, "123456") == 0, "a file that fits is read whole: %d", r);
	tap_ok(fs_read_file(dir, "seven", buf, sizeof(buf)) == -EFBIG,
	       "one that fills the buffer is -EFBIG, never cut");
	tap_ok(fs_read_file(dir, "sub", buf, sizeof(buf)) == -EBADFD,
	       "a directory is not a file to read: -EBADFD");
	tap_ok(fs_read_file(dir, "missing", buf, sizeof(buf)) == -ENOENT, "a missing one: -ENOENT");
	tap_ok(fs_read_file(dir, "six-link", buf, sizeof(buf)) == -ELOOP,
	       "a symlink is not followed: -ELOOP");

	fd = fs_open_beneath(dir, "sub/file", O_RDONLY);
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       "beneath: a path below opens, O_CLOEXEC");
	if (fd >= 0)
		close(fd);
	tap_ok(fs_open_beneath(dir, "link/file", O_RDONLY) == -ELOOP,
	       "beneath: a symlink on the way is refused");
	tap_ok(fs_open_beneath(dir, "sub/../../x", O_RDONLY) == -EXDEV,
	       "beneath: a path that leaves the directory is refused (-EXDEV)");
	snprintf(path, sizeof(path), "%s/six", tmpdir);
	tap_ok(fs_open_beneath(dir, path, O_RDONLY) == -EXDEV,
	       "beneath: an absolute path is refused (-EXDEV)");
	fd = fs_open(AT_FDCWD, path, O_RDONLY, 0, 0);
	tap_ok(fd >= 0, "fs_open without RESOLVE_BENEATH takes an absolute path");
	if (fd >= 0)
		close(fd);
	tap_ok(fs_open(dir, "six-link", O_RDONLY, 0, 0) == -ELOOP,
	       "... and still follows no symlink");
	fd = fs_open(dir, "made", O_WRONLY | O_CREAT | O_EXCL, 0600, 0);
	{
		struct stat st;

		tap_ok(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
		       "fs_open creates with the mode asked");
	}
	if (fd >= 0)
		close(fd);
	close(dir);
	tmpdir_rm();
	return tap_done();
}
