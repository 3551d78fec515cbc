/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A scratch directory for a unit test program (header-only): made under
 * $TMPDIR (or /tmp) by tmpdir_make(), reached without symlinks (the policy
 * trust rules refuse them), removed with everything in it at exit.
 */
#pragma once

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmpdir[PATH_MAX];

static int tmpdir_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void tmpdir_rm(void)
{
	if (tmpdir[0])
		nftw(tmpdir, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir = a new directory NAME.XXXXXX (mode 0755); bails out when it cannot be made. */
static void tmpdir_make(const char *name)
{
	const char *base = getenv("TMPDIR");
	char tmpl[PATH_MAX], *real;

	snprintf(tmpl, sizeof(tmpl), "%s/%s.XXXXXX", base && *base ? base : "/tmp", name);
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755) < 0) {
		printf("Bail out! mkdtemp %s: %s\n", tmpl, strerror(errno));
		exit(1);
	}
	real = realpath(tmpl, NULL);
	snprintf(tmpdir, sizeof(tmpdir), "%s", real ? real : tmpl);
	free(real);
	atexit(tmpdir_rm);
}
