/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "counters.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "holder-spawn.h"
#include "state.h"

#define COUNTERS_NAME "counters"

/* The file's layout; the magic names it (and its counter count). */
typedef struct CountersFile {
	char magic[8];
	uint32_t n;
	uint32_t reserved;
	uint64_t v[COUNTER_N];
} CountersFile;

static const char counters_magic[8] = "PDKCNT1";

static bool counters_layout_ok(const CountersFile *f)
{
	return memcmp(f->magic, counters_magic, sizeof(counters_magic)) == 0 && f->n == COUNTER_N;
}

/* Root's own regular file, nobody else's to read (0600). */
static int counters_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || st.st_nlink != 1)
		return -EPERM;
	return st.st_size == (off_t)sizeof(CountersFile) ? 0 : -EBADMSG;
}

/*
 * A fresh file, zeroed, put in place by a rename: no reader ever finds a
 * short one.  replace: over one of another layout (an upgrade on a running
 * boot; its counts start again from 0).
 */
static int counters_create(int dir, bool replace)
{
	CountersFile f = { .n = COUNTER_N };
	_cleanup_(closep) int fd = -EBADF;
	char tmp[sizeof(COUNTERS_NAME) + 16];
	int r = 0;

	memcpy(f.magic, counters_magic, sizeof(counters_magic));
	snprintf(tmp, sizeof(tmp), COUNTERS_NAME ".%d", (int)getpid());
	(void)unlinkat(dir, tmp, 0); /* left by a writer of this pid that died */
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	if (write(fd, &f, sizeof(f)) != (ssize_t)sizeof(f))
		r = -EIO;
	else if (replace ? renameat(dir, tmp, dir, COUNTERS_NAME) < 0
			 : renameat2(dir, tmp, dir, COUNTERS_NAME, RENAME_NOREPLACE) < 0)
		r = errno == EEXIST ? 0 : negative_errno();
	(void)unlinkat(dir, tmp, 0);
	return r;
}

static int lock(int fd, int op)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return negative_errno();
	return 0;
}

/* Read the whole file (the caller holds the lock); -EBADMSG: another layout. */
static int counters_load(int fd, CountersFile *f)
{
	ssize_t n = pread(fd, f, sizeof(*f), 0);

	if (n < 0)
		return negative_errno();
	return n == (ssize_t)sizeof(*f) && counters_layout_ok(f) ? 0 : -EBADMSG;
}

/* Open and check the file (creating it when write is set). */
static int counters_open_at(int dir, bool write, int *ret_fd)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_(closep) int fd = -EBADF;
		CountersFile f;
		int r;

		fd = openat(dir, COUNTERS_NAME,
			    (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT && write && attempt == 0) {
			r = counters_create(dir, false);
			if (r < 0)
				return r;
			continue;
		}
		if (fd < 0)
			return negative_errno();
		r = counters_check(fd);
		/* The layout is checked when a login opens it, not at each add. */
		if (r >= 0 && write)
			r = counters_load(fd, &f);
		if (r >= 0) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
		if (r != -EBADMSG || !write || attempt > 0)
			return r;
		r = counters_create(dir, true);
		if (r < 0)
			return r;
	}
}

int counters_open(Counters *ret)
{
	_cleanup_(closep) int dir = -EBADF;
	int r;

	ret->fd = -EBADF;
	/* The private STATE_DIR mount, made here if this is the first login since
	 * boot: a file written below it first would stay in /run's directory,
	 * where a paddock that detaches the mount would find it. */
	r = state_open_mount(&dir);
	if (r < 0)
		return r;
	return counters_open_at(dir, true, &ret->fd);
}

void counters_bump(Counters *c, unsigned mask)
{
	CountersFile f;

	if (c->fd < 0 || lock(c->fd, LOCK_EX) < 0)
		return;
	if (counters_load(c->fd, &f) >= 0) {
		for (unsigned i = 0; i < COUNTER_N; i++)
			if (mask & COUNTER_BIT(i))
				f.v[i]++;
		(void)!pwrite(c->fd, f.v, sizeof(f.v), offsetof(CountersFile, v));
	}
	(void)lock(c->fd, LOCK_UN);
}

void counters_close(Counters *c)
{
	c->fd = safe_close(c->fd);
}

int counters_read(int run_dir_fd, uint64_t ret[COUNTER_N])
{
	_cleanup_(closep) int fd = -EBADF;
	CountersFile f;
	int r;

	r = counters_open_at(run_dir_fd, false, &fd);
	if (r == -ENOENT) {
		memset(ret, 0, COUNTER_N * sizeof(uint64_t));
		return 0;
	}
	if (r >= 0)
		r = lock(fd, LOCK_SH);
	if (r >= 0)
		r = counters_load(fd, &f);
	if (r < 0)
		return r;
	memcpy(ret, f.v, sizeof(f.v));
	return 0;
}
