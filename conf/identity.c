/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* getpwnam_r/getgrgid_r with a growing buffer. */
static int grow(char **buf, size_t *len)
{
	char *n;

	if (*len > (1u << 20))
		return -ERANGE;
	*len = *len ? *len * 2 : 4096;
	n = realloc(*buf, *len);
	if (!n)
		return -ENOMEM;
	*buf = n;
	return 0;
}

/*
 * One step of a getpwnam_r/getgrgid_r lookup: rc is the last call's result
 * (ERANGE before the first), res its entry.  True: grow() succeeded, call
 * again.  False: done, *ret is 0 for an entry found, -ENOENT for none,
 * else -errno (of the call or of grow()).
 */
static bool nss_again(int rc, const void *res, char **buf, size_t *len, int *ret)
{
	if (rc == ERANGE) {
		*ret = grow(buf, len);
		return *ret == 0;
	}
	*ret = rc != 0 ? -rc : res ? 0 : -ENOENT;
	return false;
}

static int group_name(gid_t gid, char **ret)
{
	_cleanup_(freep) char *buf = NULL;
	struct group gr, *res = NULL;
	size_t len = 0;
	int r;

	for (int rc = ERANGE; nss_again(rc, res, &buf, &len, &r);)
		rc = getgrgid_r(gid, &gr, buf, len, &res);
	if (r < 0)
		return r;
	*ret = strdup(gr.gr_name);
	return *ret ? 0 : -ENOMEM;
}

/* The passwd entry of user into id (the fields but groups and policy). */
static int lookup_passwd(const char *user, Identity *id)
{
	_cleanup_(freep) char *buf = NULL;
	struct passwd pw, *res = NULL;
	size_t len = 0;
	int r;

	for (int rc = ERANGE; nss_again(rc, res, &buf, &len, &r);)
		rc = getpwnam_r(user, &pw, buf, len, &res);
	if (r < 0)
		return r;

	id->user = strdup(pw.pw_name);
	id->home = strdup(pw.pw_dir ? pw.pw_dir : "/");
	id->login_shell = strdup(pw.pw_shell ? pw.pw_shell : "");
	id->uid = pw.pw_uid;
	id->gid = pw.pw_gid;
	if (!id->user || !id->home || !id->login_shell)
		return -ENOMEM;
	return 0;
}

/* The names of every group of id->user (getgrouplist) into id->groups. */
static int lookup_groups(Identity *id)
{
	_cleanup_(freep) gid_t *gids = NULL;
	int ngroups = 64, r;

	for (;;) {
		int n = ngroups;
		gid_t *g = realloc(gids, sizeof(gid_t) * (size_t)n);

		if (!g)
			return -ENOMEM;
		gids = g;
		if (getgrouplist(id->user, id->gid, gids, &n) >= 0) {
			ngroups = n;
			break;
		}
		if (n <= ngroups || n > 65536)
			return -E2BIG;
		ngroups = n;
	}

	id->groups = calloc((size_t)ngroups + 1, sizeof(char *));
	if (!id->groups)
		return -ENOMEM;
	for (int i = 0; i < ngroups; i++) {
		r = group_name(gids[i], &id->groups[id->n_groups]);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		id->n_groups++;
	}
	return 0;
}

static int lookup(const char *user, bool groups, Identity *ret)
{
	Identity id = { 0 };
	int r;

	r = lookup_passwd(user, &id);
	if (r >= 0 && groups)
		r = lookup_groups(&id);
	if (r < 0) {
		identity_done(&id);
		return r;
	}
	*ret = id;
	ret->policy = (PolicyIdentity){
		.user = ret->user,
		.uid = ret->uid,
		.groups = (const char *const *)ret->groups,
		.n_groups = ret->n_groups,
		.groups_unknown = !groups,
	};
	return 0;
}

int identity_lookup(const char *user, Identity *ret)
{
	return lookup(user, true, ret);
}

int identity_lookup_no_groups(const char *user, Identity *ret)
{
	return lookup(user, false, ret);
}

void identity_done(Identity *id)
{
	free(id->user);
	free(id->home);
	free(id->login_shell);
	for (size_t i = 0; id->groups && i < id->n_groups; i++)
		free(id->groups[i]);
	free(id->groups);
	memset(id, 0, sizeof(*id));
}
