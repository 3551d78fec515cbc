/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The privileged steps of opening a session, in order, written once.
 * Everything resolved by name or path happens before the join, in the host
 * namespaces (threat 6); after ns_join() the caller lives in the user's
 * namespaces and this file touches nothing by path.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "cgroup.h"
#include "holder-spawn.h"
#include "net.h"
#include "holder-ctl.h"
#include "ns.h"
#include "spare-claim.h"
#include "state.h"

/*
 * The helper is exec'd as root into the new namespaces: it must be a
 * root-owned regular file nobody else can write, opened here in the host
 * mount namespace and exec'd from the fd (no path lookup later).
 */
int session_open_root_exec(const char *path, int *ret_fd)
{
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;

	fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    !(st.st_mode & S_IXUSR))
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* sshd runs at oom_score_adj -1000, which its children inherit: the user's
 * processes must be killable by the OOM killer (threat 10). */
static int reset_oom_score_adj(void)
{
	_cleanup_(closep) int fd = -EBADF;

	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	if (write(fd, "0", 1) != 1)
		return negative_errno();
	return 0;
}

static void holder_params(const SessionRequest *req, const CgroupManager *cg,
			  const CgroupLimits *limits, char *hostname, size_t len,
			  char net[static NET_SPARE_TEXT_MAX], HolderParams *ret)
{
	const UserPolicy *up = req->up;
	struct sysinfo si = { 0 };
	struct utsname u;

	(void)sysinfo(&si);
	if (uname(&u) < 0 || policy_expand_hostname(up->hostname, req->id->user, req->id->uid,
						    u.nodename, hostname, len) < 0)
		snprintf(hostname, len, "paddock");
	*ret = (HolderParams){
		.uid = req->id->uid,
		.user = req->id->user,
		.hostname = hostname,
		.namespaces = up->namespaces,
		.tmp_size = policy_tmp_bytes(up, (uint64_t)si.totalram * si.mem_unit),
		.private_tmp = up->private_tmp,
		.private_ipc = up->private_ipc,
		.loopback = up->network == NETWORK_LOOPBACK,
		.kill_on_logout = up->kill_on_logout,
		.linger = req->global->linger,
		.cgroup_manager = cg->name,
		.cgroup_parent = req->global->cgroup_parent,
		.spare_limits = limits,
		/* Spares of network = nat get their network ahead (net.h). */
		.spare_net =
			req->global->prestart && net_spare_text(req->global, up, net) ? net : NULL,
	};
}

/*
 * The manager's enter() with the stamp kept under the user's lock (kept,
 * read by the caller), or the one given with a spare's cgroup that is the
 * user's now (spare.h): a login into a cgroup that already has the
 * policy's limits writes none of them.
 * A stamp that cannot be read is no stamp (the limits are written); one
 * that cannot be written is dropped, never left stale; with half-written
 * limits enter() returns none.
 */
static int cgroup_enter(const CgroupManager *cg, const char *parent, uid_t uid, int lock_fd,
			const CgroupStamp *kept, const CgroupStamp *given,
			const CgroupLimits *limits, bool *ret_attaching, bool *ret_written)
{
	CgroupStamp stamp = given ? *given : *kept, before = stamp;
	int r;

	r = cg_enter(cg, parent, uid, limits, &stamp, ret_attaching);
	/* A stamp that comes back as it went in named this cgroup with these
	 * limits: none was written. */
	*ret_written = before.magic == 0 || memcmp(&stamp, &before, sizeof(stamp)) != 0;
	if (memcmp(&stamp, kept, sizeof(stamp)) != 0) {
		if (stamp.magic == 0)
			(void)state_user_record_drop(lock_fd);
		else
			(void)state_user_record_set(lock_fd, &stamp, sizeof(stamp));
	}
	return r;
}

/* No UID/ at all: under the per-user lock, no paddock alive or stale. */
static bool no_user_dir(int run_fd, uid_t uid)
{
	char name[16];
	struct stat st;

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return fstatat(run_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* The first failed claim, for the module's syslog line. */
static void note_spare_error(SessionInfo *info, int r, const HolderStarted *started)
{
	if (r < 0 && r != -ENOENT && !*info->spare_error)
		snprintf(info->spare_error, sizeof(info->spare_error), "%s%s%s", strerror(-r),
			 *started->error ? ": " : "", started->error);
}

#define STEP(name, expr) STEP_OR_RETURN(*ret_step, r, name, expr)

/* network = nat: the new paddock's network, from the host's namespaces
 * (so before the join); paddock-net's reason goes into the step.  spare:
 * the claimed spare whose network its maker made, which becomes the user's
 * (net_claim(): a rename and a symlink, nothing exec'd); NULL: paddock-net
 * up now. */
static int network_up(const SessionRequest *req, int run_fd, const char *spare, pid_t pid,
		      int pidfd, SessionInfo *info, const char **ret_step)
{
	_cleanup_(closep) int own = -EBADF;
	NetStarted ns;
	int r;

	if (spare) {
		r = net_claim(run_fd, spare, req->id->uid, req->id->user, pid, &ns);
	} else {
		if (pidfd < 0) {
			own = pidfd = pidfd_open(pid, 0);
			if (pidfd < 0)
				return negative_errno();
		}
		r = net_start(req->helper_path, req->id->user, req->id->uid, pid, pidfd,
			      req->global, req->up, &ns);
	}
	if (r < 0) {
		snprintf(info->net_step, sizeof(info->net_step), "network (%s)", ns.error);
		*ret_step = info->net_step;
		return r;
	}
	snprintf(info->net_addr, sizeof(info->net_addr), "%s", ns.addr);
	snprintf(info->net_if, sizeof(info->net_if), "%s", ns.host_if);
	return 0;
}

/* No paddock alive: the picked spare, else one from the pool, else a new
 * holder; then the join.  Never leaves a paddock nobody joined (threat 13). */
static int start_and_join(const SessionRequest *req, int run_fd, int helper_fd,
			  const HolderParams *hp, unsigned prestart, const SparePick *pick,
			  int *ret_fd, NsInodes *ret_ino, SessionInfo *info, const char **ret_step)
{
	HolderStarted started = { 0 };
	SpareSession ss = { .fd = -EBADF, .pidfd = -EBADF };
	const char *spare = NULL;
	int r;

	r = -ENOENT;
	if (pick) {
		r = spare_claim(run_fd, hp, &started, &ss);
		note_spare_error(info, r, &started);
		spare = pick->name;
	}
	/* From the pool (the picked one's claim failed: that one is gone). */
	if (r < 0 && prestart) {
		int k = spare_take(run_fd, hp, &started, &ss);

		note_spare_error(info, k, &started);
		if (k != -ENOENT)
			r = k;
		spare = ss.name;
	}
	info->from_spare = r >= 0;
	if (r < 0)
		STEP("holder", holder_start(run_fd, helper_fd, hp, &started));
	/* The next one, made while this user works, from the host's
	 * namespaces: so before the join. */
	info->spare_started = spare_replenish(run_fd, helper_fd, hp, prestart);
	info->created = true;
	info->holder_pid = started.pid;
	*ret_step = "network";
	if (req->up->network == NETWORK_NAT)
		r = network_up(req, run_fd, info->from_spare && hp->spare_net ? spare : NULL,
			       started.pid, info->from_spare ? ss.pidfd : -EBADF, info, ret_step);
	if (r < 0) {
		safe_close(ss.fd);
		safe_close(ss.pidfd);
	} else if (info->from_spare) {
		*ret_step = "join";
		/* The claim's connection is the session, its namespaces just
		 * checked against the records through this pidfd. */
		if (ret_ino)
			*ret_ino = ss.inodes;
		r = ns_enter(ss.pidfd, req->up->namespaces);
		if (r >= 0)
			*ret_fd = TAKE_FD(ss.fd);
		safe_close(ss.fd);
		safe_close(ss.pidfd);
	} else {
		*ret_step = "join";
		r = ns_join(run_fd, req->id->uid, req->up->namespaces, ret_fd, ret_ino);
	}
	if (r < 0) {
		char reply[HOLDER_MSG_MAX];

		(void)holder_ctl_request(run_fd, req->id->uid, HOLDER_REQ_STOP, reply,
					 sizeof(reply));
	}
	return r;
}

int session_open(const SessionRequest *req, int *ret_session_fd, SessionInfo *info,
		 const char **ret_step)
{
	_cleanup_(closep) int run_fd = -EBADF, lock_fd = -EBADF, helper_fd = -EBADF;
	const char *parent = req->global->cgroup_parent;
	uid_t uid = req->id->uid;
	unsigned mask = req->up->namespaces, prestart;
	const CgroupManager *cg = NULL;
	CgroupStamp kept = { 0 };
	char hostname[POLICY_HOSTNAME_TEMPLATE_MAX], net[NET_SPARE_TEXT_MAX];
	CgroupLimits limits;
	HolderParams hp;
	SparePick pick;
	NsInodes ino = { 0 };
	bool attaching = false, picked = false, have_hp = false;
	int r, fd = -EBADF;

	memset(info, 0, sizeof(*info));
	cg_limits_from_policy(req->up, &limits);

	/* Resolve the helper by path now, in the host mount namespace (threat 6). */
	STEP("helper", session_open_root_exec(req->helper_path, &helper_fd));
	/* Root-only state, private mount, no symlinks (threats 3, 7). */
	STEP("state directory", state_open_mount(&run_fd));
	/* One paddock per user even for concurrent first logins (threat 13). */
	STEP("lock", state_lock_user(run_fd, uid, &lock_fd));
	if (state_user_record_get(lock_fd, &kept, sizeof(kept)) < 0)
		kept = (CgroupStamp){ 0 };
	/* Detect what the kernel offers before touching any cgroup (threat
	 * 15); a joining login's stamp names the manager that made it. */
	STEP("cgroup manager", cg_manager_pick(req->global->cgroup_manager, &kept, &cg));
	/* A spare's holder waits in the manager's reaper leaf (spare.h). */
	prestart = cg->has_reaper ? req->global->prestart : 0;
	if (prestart && cg->spare && no_user_dir(run_fd, uid)) {
		holder_params(req, cg, &limits, hostname, sizeof(hostname), net, &hp);
		have_hp = true;
		/* A spare now, and its cgroup as the user's (spare.h):
		 * enter() below writes the limits into it. */
		picked = spare_pick(run_fd, &hp, &pick) >= 0;
	}
	/* Limits first, then the caller: every later fork is charged (threats 9, 10). */
	*ret_step = "cgroup";
	r = cgroup_enter(cg, parent, uid, lock_fd, &kept,
			 picked && pick.stamp.magic ? &pick.stamp : NULL, &limits, &attaching,
			 &info->limits_written);
	if (attaching)
		*ret_step = "cgroup attach";
	if (r == -EOPNOTSUPP && attaching && cg->attach_unsupported_step)
		*ret_step = cg->attach_unsupported_step;
	if (r >= 0) {
		*ret_step = "oom_score_adj";
		r = reset_oom_score_adj();
	}
	if (r < 0) {
		if (picked)
			spare_unpick(run_fd, &hp);
		return r;
	}
	if (picked) {
		r = start_and_join(req, run_fd, helper_fd, &hp, prestart, &pick, &fd, &ino, info,
				   ret_step);
	} else {
		/* Join a live paddock, verified through its holder (threats 1, 2). */
		_cleanup_(closep) int stale = -EBADF;

		*ret_step = "join";
		r = ns_join_or_stale(run_fd, uid, mask, &fd, &ino, &stale);
		if (r == -EUCLEAN) {
			/* Half-built or half-claimed by a login that died
			 * (threat 18): gone, under our lock, and a new one. */
			*ret_step = "stale paddock";
			info->stale_collected = true;
			r = holder_collect(run_fd, uid, stale);
			if (r >= 0)
				r = -ESTALE;
		}
		if (r == -ESTALE) {
			/* None alive: take a spare made ahead of demand, or start
			 * one (stale state is collected by either). */
			if (!have_hp)
				holder_params(req, cg, &limits, hostname, sizeof(hostname), net,
					      &hp);
			r = start_and_join(req, run_fd, helper_fd, &hp, prestart, NULL, &fd, &ino,
					   info, ret_step);
		}
	}
	if (r < 0)
		return r;

	info->cgroup_manager = cg->name;
	if (cg->path(parent, uid, info->cgroup, sizeof(info->cgroup)) < 0)
		snprintf(info->cgroup, sizeof(info->cgroup), "?");
	for (unsigned i = 0; i < NS_COUNT; i++)
		info->ns_ino[i] = ino.ino[i];
	*ret_session_fd = fd;
	*ret_step = NULL;
	return 0;
}
