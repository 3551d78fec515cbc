/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Low-level helpers shared by every part of paddock: cleanup attributes,
 * ownership transfer and array sizes.  conf/ is the bottom layer of the
 * build (the engine and the helper both link it), so this header lives here.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _public_       __attribute__((visibility("default")))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _nonnull_      __attribute__((nonnull))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/*
 * One step of a sequence of privileged steps: name it in step_var, run
 * expr into r, and return r (a -errno) from the caller when it failed.
 * Each such sequence defines STEP(name, expr) with its own step variable.
 */
#define STEP_OR_RETURN(step_var, r, name, expr)                                                    \
	do {                                                                                       \
		(step_var) = (name);                                                               \
		(r) = (expr);                                                                      \
		if ((r) < 0)                                                                       \
			return (r);                                                                \
	} while (0)

/* Hand ownership of a pointer or fd out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p_ = (p);                                                           \
		(p) = NULL;                                                                        \
		_p_;                                                                               \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -EBADF;                                                                     \
		_fd_;                                                                              \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Close an fd, keeping errno; returns -EBADF so callers can reassign. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void closep(int *fd)
{
	*fd = safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Negative errno of the last failed libc call, never 0. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static inline int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}
