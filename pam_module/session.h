/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening a session in the caller's root process: the ordered list of
 * privileged steps (lock, cgroup, holder, join) that architecture.md
 * describes.  Called by the PAM glue after the policy decided to isolate.
 */
#pragma once

#include <stdbool.h>

#include "../conf/identity.h"
#include "../conf/policy.h"

typedef struct SessionRequest {
	const Identity *id;
	const UserPolicy *up;
	const PolicyGlobal *global;
	const char *helper_path; /* the paddock helper, root-owned */
} SessionRequest;

/* What happened, for syslog and audit. */
typedef struct SessionInfo {
	bool created;			     /* a new paddock was started */
	const char *cgroup_manager;	     /* "cgroupfs-v1", ... */
	char cgroup[256];		     /* "/paddock.slice/user-1001" */
	unsigned long long ns_ino[NS_COUNT]; /* by NsIndex; 0 = not used */
	int holder_pid;			     /* in the host PID namespace */
	bool from_spare;		     /* created: a spare was claimed */
	char spare_error[128];		     /* why a spare's claim failed, or "" */
	int spare_started;		     /* 1: a spare is being made, 0: none needed, -errno */
	bool limits_written;  /* this login wrote the cgroup's limits (not a stamp's) */
	bool stale_collected; /* a paddock that was not whole was killed and removed */
	const char *seccomp;  /* the filter the caller runs under (syscall-filter.h) */
	char net_addr[64];    /* network = nat, created: eth0's address, else "" */
	char net_if[16];      /* network = nat, created: the host end, else "" */
	char net_step[300];   /* the failed step with paddock-net's reason */
} SessionInfo;

/*
 * Put the calling process into the user's paddock, creating it if needed.
 * On success returns 0 and the session fd (O_CLOEXEC; the session lasts until
 * it is closed).  On failure returns -errno, sets *ret_step to the name of the
 * step that failed, and leaves no paddock half-built.
 */
int session_open(const SessionRequest *req, int *ret_session_fd, SessionInfo *info,
		 const char **ret_step);

/*
 * Open path (O_PATH, O_CLOEXEC, the last component not a symlink) for an
 * exec as root from the fd: a regular file owned by root, executable, that
 * neither group nor others may write (the helper, paddock-net, a
 * network_hook).  Returns 0 with *ret_fd, -EPERM for another file, other
 * -errno.
 */
int session_open_root_exec(const char *path, int *ret_fd);
