/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A user's identity as the policy sees it, looked up through NSS (so LDAP
 * and SSSD users and groups work): name, uid, primary gid, home, shell and
 * the names of every group from getgrouplist().
 */
#pragma once

#include <sys/types.h>

#include "policy.h"

typedef struct Identity {
	char *user;
	uid_t uid;
	gid_t gid;
	char *home;
	char *login_shell;
	char **groups;
	size_t n_groups;
	PolicyIdentity policy; /* points into the fields above */
} Identity;

/*
 * Look user up.  Returns 0, -ENOENT for an unknown user (or a lookup error,
 * reported as -ENOENT only when NSS says so; others -errno).  Groups whose
 * gid has no name are skipped.
 */
int identity_lookup(const char *user, Identity *ret);

/*
 * identity_lookup() without the groups: no getgrouplist(), which goes
 * through every NSS group source (and loads their modules) and is the
 * dearest part of a lookup.  For callers whose policy has no [group:NAME]
 * setting (policy_uses_groups()); n_groups is 0 and policy.groups_unknown
 * is set, so policy_resolve() refuses a policy that needs them.
 */
int identity_lookup_no_groups(const char *user, Identity *ret);

/* Free what identity_lookup() allocated. */
void identity_done(Identity *id);
