/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the admin commands (status, enter, stop, reload) share: the root
 * check, finding live paddocks through their control sockets (never by
 * scanning /proc), what a holder says about its paddock, and the one place
 * admin actions are audited.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../conf/policy.h"
#include "../pam_module/cgroup.h"
#include "../pam_module/ns.h"
#include "ctl-conns.h"

/* One live paddock as its holder describes it. */
/* A count that could not be read. */
#define ADMIN_UNKNOWN UINT_MAX

typedef struct PaddockInfo {
	uid_t uid;
	char user[POLICY_NAME_MAX]; /* from NSS now; "" when the uid has no name */
	pid_t holder_pid;	    /* in our PID namespace */
	unsigned sessions;	    /* connections open to its ctl (ctl-conns.h); ADMIN_UNKNOWN */
	unsigned ns_mask;	    /* POLICY_NS_*, the holder's --ns */
	NsInodes ns;		    /* 0 where not in ns_mask */
	const CgroupManager *cgm;   /* NULL: the holder has none, or an unknown one */
	char cgroup_manager[32];    /* the holder's --cgroup-manager */
	char cgroup_parent[POLICY_PATH_MAX];
	char cgroup[POLICY_PATH_MAX + 32]; /* "PARENT/user-UID", "" without a manager */
	uint64_t holder_start_ticks;	   /* the holder's start, clock ticks after boot */
} PaddockInfo;

/* Refuse (message on stderr, returns false) unless real and effective uid are 0. */
bool admin_require_root(const char *command);

/*
 * Resolve a USER argument: a user name through NSS, or a decimal uid (for a
 * paddock whose account is gone).  Prints the error.  Returns 0 or -errno.
 */
int admin_parse_user(const char *command, const char *arg, uid_t *ret_uid);

/*
 * The uids that have a control socket STATE_DIR/UID/ctl, ascending, into a
 * malloc'd array.  No STATE_DIR means none.  Returns 0 or -errno.
 */
int admin_list_uids(int run_dir_fd, uid_t **ret, size_t *ret_n);

/*
 * Open STATE_DIR into *ret_run_dir_fd and list its uids (admin_list_uids);
 * on failure prints "paddock COMMAND: STATE_DIR: reason".  Returns 0 or -errno.
 */
int admin_list_paddocks(const char *command, int *ret_run_dir_fd, uid_t **ret, size_t *ret_n);

/*
 * Connect to uid's holder and exchange one message (holder-proto.h).  The
 * socket must be root's, in STATE_DIR/UID/ (no symlink), and its peer root.
 * Returns the reply length with *ret_pid and *ret_pidfd (O_CLOEXEC; the
 * caller closes it) set; -ESTALE when there is no live holder, -ETIMEDOUT,
 * -EPERM, other -errno.
 */
int admin_ctl(int run_dir_fd, uid_t uid, const char *msg, char *reply, size_t len, pid_t *ret_pid,
	      int *ret_pidfd);

/*
 * Describe uid's paddock to act on it (stop, reload, enter): "status"
 * through the control socket (the holder answers, so it is alive and
 * whole), the options the holder was started with and its start (its
 * command line and stat, read through the peer pid and checked against its
 * pidfd afterwards), the recorded namespace inodes, the user's name.
 * sessions as the holder counts them.  Returns 0, -ESTALE when there is no live
 * paddock, other -errno.
 */
int admin_paddock_info(int run_dir_fd, uid_t uid, PaddockInfo *ret);

/*
 * Describe uid's paddock to look at it (status, metrics, top) without
 * waking its holder: the holder's pid and namespaces from the records
 * (ns_read_holder()), checked to be the live holder's (its PID namespace
 * is the recorded one), then read as admin_paddock_info() does; sessions
 * from conns (ADMIN_UNKNOWN when conns is NULL).  The user's name is left
 * "".  Returns 0, -ESTALE when there is no live paddock, other -errno.
 */
int admin_paddock_read(int run_dir_fd, uid_t uid, const CtlConns *conns, PaddockInfo *ret);

/* One admin action, for admin_audit(). */
typedef struct AdminEvent {
	const char *op;		    /* "stop", "reload" */
	const char *user;	    /* may be NULL */
	uid_t uid;		    /* AUDIT_NO_UID when unknown */
	const PaddockInfo *info;    /* the paddock acted on, may be NULL */
	const CgroupLimits *limits; /* reload: the limits applied */
	const char *detail;	    /* a failure's text (policy error), may be NULL */
	int r;			    /* the action's result: 0 or -errno */
} AdminEvent;

/*
 * The single place admin actions are recorded: a syslog line (authpriv)
 * and an audit record (pam_module/audit.h, the module's record format:
 * stop is op=end reason=admin-stop, reload op=limits reason=reload, a
 * refused policy op=policy-error).  mode is the policy's audit setting.
 * Never fails the action: an unwritable record is reported on stderr.
 */
void admin_audit(const AdminEvent *e, AuditMode mode);
