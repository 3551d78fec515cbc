/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "counters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "state.h"

#define COUNTERS_NAME "counters"
/* One page: what a login maps. */
#define COUNTERS_SIZE 4096

/* The file's layout; the magic names it (and its counter count). */
typedef struct CountersFile {
	char magic[8];
	uint32_t n;
	uint32_t reserved;
	uint64_t v[COUNTER_N];
} CountersFile;

static const char counters_magic[8] = "PDKCNT1";

_Static_assert(sizeof(CountersFile) <= COUNTERS_SIZE, "the counters fit one page");

static bool counters_layout_ok(const CountersFile *f)
{
	return memcmp(f->magic, counters_magic, sizeof(counters_magic)) == 0 && f->n == COUNTER_N;
}

/* Root's own regular file of one page, nobody else's to read (0600). */
static int counters_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || st.st_nlink != 1)
		return -EPERM;
	/* A shorter file would fault (SIGBUS) in the caller, sshd. */
	return st.st_size == COUNTERS_SIZE ? 0 : -EBADMSG;
}

/*
 * A fresh file, zeroed, put in place by a rename: no login ever maps a
 * file shorter than a page.  replace: over one of another layout (an
 * upgrade on a running boot; its counts start again from 0).
 */
static int counters_create(int dir, bool replace)
{
	char page[COUNTERS_SIZE] = { 0 }, tmp[sizeof(COUNTERS_NAME) + 16];
	CountersFile *f = (CountersFile *)page;
	_cleanup_(closep) int fd = -EBADF;
	int r = 0;

	memcpy(f->magic, counters_magic, sizeof(counters_magic));
	f->n = COUNTER_N;
	snprintf(tmp, sizeof(tmp), COUNTERS_NAME ".%d", (int)getpid());
	(void)unlinkat(dir, tmp, 0); /* left by a writer of this pid that died */
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		r = -EIO;
	else if (replace ? renameat(dir, tmp, dir, COUNTERS_NAME) < 0
			 : renameat2(dir, tmp, dir, COUNTERS_NAME, RENAME_NOREPLACE) < 0)
		r = errno == EEXIST ? 0 : negative_errno();
	(void)unlinkat(dir, tmp, 0);
	return r;
}

/* Open, check and map the file (creating it as needed) into *ret. */
static int counters_map(int dir, int prot, CountersFile **ret)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_(closep) int fd = -EBADF;
		void *m;
		int r;

		fd = openat(dir, COUNTERS_NAME,
			    (prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT && prot & PROT_WRITE && attempt == 0) {
			r = counters_create(dir, false);
			if (r < 0)
				return r;
			continue;
		}
		if (fd < 0)
			return negative_errno();
		r = counters_check(fd);
		if (r < 0)
			return r;
		m = mmap(NULL, COUNTERS_SIZE, prot, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return negative_errno();
		if (counters_layout_ok(m)) {
			*ret = m;
			return 0;
		}
		munmap(m, COUNTERS_SIZE);
		if (!(prot & PROT_WRITE) || attempt > 0)
			return -EBADMSG;
		r = counters_create(dir, true);
		if (r < 0)
			return r;
	}
}

int counters_open(Counters **ret)
{
	_cleanup_(closep) int dir = -EBADF;
	CountersFile *f;
	int r;

	*ret = NULL;
	r = state_open_run_dir(&dir);
	if (r < 0)
		return r;
	r = counters_map(dir, PROT_READ | PROT_WRITE, &f);
	if (r < 0)
		return r;
	*ret = (Counters *)f;
	return 0;
}

void counters_bump(Counters *c, unsigned mask)
{
	CountersFile *f = (CountersFile *)c;

	for (unsigned i = 0; f && i < COUNTER_N; i++)
		if (mask & COUNTER_BIT(i))
			__atomic_fetch_add(&f->v[i], 1, __ATOMIC_RELAXED);
}

void counters_close(Counters *c)
{
	if (c)
		munmap(c, COUNTERS_SIZE);
}

int counters_read(int run_dir_fd, uint64_t ret[COUNTER_N])
{
	CountersFile *f;
	int r;

	r = counters_map(run_dir_fd, PROT_READ, &f);
	if (r == -ENOENT) {
		memset(ret, 0, COUNTER_N * sizeof(uint64_t));
		return 0;
	}
	if (r < 0)
		return r;
	for (unsigned c = 0; c < COUNTER_N; c++)
		ret[c] = __atomic_load_n(&f->v[c], __ATOMIC_RELAXED);
	munmap(f, COUNTERS_SIZE);
	return 0;
}
