/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_paddock.so: the PAM entry points.  This layer decides (policy, user,
 * caller), converts errors to PAM codes and logs; the privileged work is in
 * session.c.  Module arguments:
 *
 *   conf=PATH     the main policy file (default /etc/security/paddock.conf)
 *   helper=PATH   the paddock helper (default SBINDIR/paddock)
 *   debug         extra detail in syslog
 *
 * Every decision is logged at info level (authpriv); debug only adds detail.
 */
#include <dirent.h>
#include <errno.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "session.h"

#ifndef PADDOCK_HELPER_PATH
#define PADDOCK_HELPER_PATH "/usr/sbin/paddock"
#endif

#define DATA_NAME "pam_paddock_session"

typedef struct Args {
	const char *conf;
	const char *helper;
	bool debug;
	const char *bad; /* first unknown argument */
} Args;

/* What close_session needs, kept as PAM data. */
typedef struct SessionData {
	int fd;
	pid_t owner; /* the process that opened it: cleanup in forks does nothing */
} SessionData;

static void parse_args(int argc, const char **argv, Args *a)
{
	*a = (Args){ .helper = PADDOCK_HELPER_PATH };
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5])
			a->conf = argv[i] + 5;
		else if (strncmp(argv[i], "helper=", 7) == 0 && argv[i][7] == '/')
			a->helper = argv[i] + 7;
		else if (streq(argv[i], "debug"))
			a->debug = true;
		else if (!a->bad)
			a->bad = argv[i];
	}
}

/* The one place errno values become PAM codes. */
static int errno_to_pam(int r)
{
	switch (r) {
	case 0:
		return PAM_SUCCESS;
	case -ENOMEM:
		return PAM_BUF_ERR;
	case -ENOENT:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_SESSION_ERR;
	}
}

/* Threads share namespaces and credentials: setns() and cgroup moves of a
 * multi-threaded caller would be partial.  Counted from /proc before any
 * setns, while /proc is still the host's. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void session_data_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	SessionData *sd = data;

	/* In a forked child (PAM_DATA_SILENT from pam_end) the session belongs
	 * to the parent: only drop our copy of the descriptor. */
	if (sd->fd >= 0)
		close(sd->fd);
	free(sd);
}

/* Fail according to on_error: deny, or let the user in unisolated (audited
 * choice of the admin). */
static int fail(pam_handle_t *pamh, const PolicyGlobal *g, const char *user, const char *step,
		int r)
{
	if (g && g->on_error == ON_ERROR_ALLOW) {
		pam_syslog(pamh, LOG_WARNING,
			   "user %s: %s failed: %s; on_error = allow: session NOT isolated", user,
			   step, strerror(-r));
		return PAM_SUCCESS;
	}
	pam_syslog(pamh, LOG_ERR, "user %s: %s failed: %s; session denied", user, step,
		   strerror(-r));
	return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
}

_public_ int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	_cleanup_(policy_freep) Policy *policy = NULL;
	const char *user = NULL, *step = NULL;
	SessionInfo info = { 0 };
	SessionRequest req;
	PolicyGlobal g;
	UserPolicy up;
	PolicyError err;
	Identity id = { 0 };
	SessionData *sd;
	Args a;
	int r, fd = -EBADF, threads, ret;

	parse_args(argc, argv, &a);

	/* 1. Decide, without side effects. */
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user ||
	    !*user) {
		pam_syslog(pamh, LOG_ERR, "no user name; session denied");
		return PAM_SESSION_ERR;
	}
	r = identity_lookup(user, &id);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user %s: lookup failed: %s; session denied", user,
			   r == -ENOENT ? "no such user" : strerror(-r));
		return errno_to_pam(r);
	}
	if (a.bad) {
		/* A typo in the PAM line must not silently weaken isolation. */
		pam_syslog(pamh, LOG_ERR, "unknown module argument '%s'", a.bad);
		ret = id.uid == 0 ? PAM_IGNORE : PAM_SESSION_ERR;
		goto out;
	}
	r = policy_load(a.conf, &policy, &err);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "policy refused: %s", err.text);
		if (id.uid == 0) {
			pam_syslog(pamh, LOG_NOTICE,
				   "user root: exempt by the built-in rule despite the broken policy");
			ret = PAM_IGNORE;
		} else {
			pam_syslog(pamh, LOG_ERR, "user %s: session denied (broken policy)", user);
			ret = PAM_SESSION_ERR;
		}
		goto out;
	}
	policy_global(policy, &g, NULL);
	r = policy_resolve(policy, &id.policy, &up, NULL, &err);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user %s: policy cannot be applied: %s", user, err.text);
		ret = id.uid == 0 ? PAM_IGNORE : PAM_SESSION_ERR;
		goto out;
	}
	if (!up.isolate) {
		pam_syslog(pamh, LOG_INFO, "user %s: not isolated by policy", user);
		ret = PAM_IGNORE;
		goto out;
	}

	/* Unusual callers: refuse before any side effect (threat 16). */
	if (geteuid() != 0) {
		ret = fail(pamh, &g, user, "caller check", -EPERM);
		goto out;
	}
	threads = count_threads();
	if (threads != 1) {
		ret = fail(pamh, &g, user, "caller check (single-threaded caller)",
			   threads < 0 ? threads : -EBUSY);
		goto out;
	}

	/* 2-6. The privileged steps. */
	req = (SessionRequest){ .id = &id, .up = &up, .global = &g, .helper_path = a.helper };
	r = session_open(&req, &fd, &info, &step);
	if (r < 0) {
		ret = fail(pamh, &g, user, step, r);
		goto out;
	}

	sd = calloc(1, sizeof(*sd));
	if (!sd) {
		close(fd);
		ret = fail(pamh, &g, user, "record session", -ENOMEM);
		goto out;
	}
	sd->fd = fd;
	sd->owner = getpid();
	if (pam_set_data(pamh, DATA_NAME, sd, session_data_cleanup) != PAM_SUCCESS) {
		close(fd);
		free(sd);
		ret = fail(pamh, &g, user, "record session", -ENOMEM);
		goto out;
	}
	pam_syslog(pamh, LOG_INFO,
		   "user %s (uid %u): %s paddock, holder pid %d, cgroup %s (%s), "
		   "mnt:%llu pid:%llu ipc:%llu uts:%llu net:%llu",
		   user, (unsigned)id.uid, info.created ? "started" : "joined", info.holder_pid,
		   info.cgroup, info.cgroup_manager, info.ns_ino[0], info.ns_ino[1],
		   info.ns_ino[2], info.ns_ino[3], info.ns_ino[4]);
	ret = PAM_SUCCESS;
out:
	identity_done(&id);
	return ret;
}

_public_ int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	const char *user = NULL;
	SessionData *sd;

	/* No /proc/self, no path: the caller lives in the user's namespaces now. */
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	/* pam_get_data hands out const; the data is ours to update. */
	memcpy(&sd, &data, sizeof(sd));
	(void)pam_get_item(pamh, PAM_USER, (const void **)&user);
	if (sd->owner != getpid())
		return PAM_IGNORE;
	/* Closing the session socket is the end of this session; the holder
	 * tears the paddock down when the last one is gone. */
	if (sd->fd >= 0) {
		close(sd->fd);
		sd->fd = -EBADF;
	}
	pam_syslog(pamh, LOG_INFO, "user %s: session closed", user ? user : "?");
	return PAM_SUCCESS;
}
