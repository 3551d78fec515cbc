/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock stop and paddock reload: the live paddocks as an admin steers
 * them.  Paddocks are found through their control
 * sockets STATE_DIR/UID/ctl, never by scanning /proc (threat 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../pam_module/audit.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/holder-spawn.h"
#include "../pam_module/holder-ctl.h"
#include "../pam_module/ns.h"
#include "../pam_module/net.h"
#include "../pam_module/spare-maker.h"
#include "../pam_module/state.h"
#include "admin.h"
#include "commands.h"
#include "holder-net.h"
#include "limits.h"

/* paddock stop: how long the holder may take to kill and remove its state. */
#define STOP_WAIT_MS 20000

/* Wait until the holder behind pidfd has exited; false on timeout. */
static bool wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* The policy's audit setting; auto when there is no usable policy. */
static AuditMode policy_audit_mode(const char *conf)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	PolicyGlobal g;

	if (policy_load(conf, &p, NULL) < 0)
		return AUDIT_MODE_AUTO;
	policy_global(p, &g, NULL);
	return g.audit;
}

/* paddock-net flush: table inet paddock goes. */
static int net_flush(void)
{
	char *argv[] = { (char *)(uintptr_t)NET_HELPER_NAME, (char *)(uintptr_t) "flush", NULL };

	return holder_net_run(argv, -1, -1);
}

/* network = nat: what the killed holder's paddock-net down did not release
 * (its address, elements, netns name); nothing when it had none. */
static int net_down(uid_t uid, const char *user)
{
	NetDownArgs a;
	int r = net_down_args(uid, user, NULL, &a);

	return r <= 0 ? r : holder_net_run(a.argv, -1, -1);
}

/*
 * Under the user's lock, as a login collects a paddock that is not whole
 * (pam_paddock(8), RECOVERY): a holder that answered "stop" but did not
 * exit, a spare renamed to UID/ whose claim never came, a holder without
 * records, or UID/ without a holder.  Its holder (whatever root process
 * listens on UID/ctl) is killed, UID/ removed and its network released.  *ret_forced says
 * whether there was anything.  Returns 0 or -errno.
 */
static int stop_forced(int run, uid_t uid, const char *user, bool *ret_forced)
{
	_cleanup_(closep) int lock = -EBADF, fd = -EBADF, pidfd = -EBADF;
	char name[16];
	struct stat st;
	pid_t pid;
	int r;

	*ret_forced = false;
	r = state_lock_user(run, uid, &lock);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (fstatat(run, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	r = holder_ctl_connect(run, uid, NULL, &fd, &pid, &pidfd);
	if (r < 0 && r != -ESTALE)
		return r;
	*ret_forced = true;
	r = holder_collect(run, uid, pidfd);
	if (r >= 0)
		r = net_down(uid, user);
	return r;
}

/* paddock stop --spares: every spare paddock (pam_module/spare.h). */
static int stop_spares(void)
{
	_cleanup_(closep) int run = -EBADF;
	unsigned n = 0;
	int r;

	r = state_open_run_dir(&run);
	if (r >= 0)
		r = spare_stop_all(run, &n);
	printf("stopped %u spare paddock%s\n", n, n == 1 ? "" : "s");
	if (r < 0) {
		fprintf(stderr, "paddock stop: spares: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

/*
 * The user's cgroup once the holder is gone.  The holder removes it itself,
 * unless a session's caller (su, sshd) was still in it when it gave up:
 * such a caller waits for the holder's answer to its "close", which comes
 * when the holder exits, and is gone soon after.  -ENOENT is success.
 */
static int remove_cgroup(const PaddockInfo *info)
{
	for (unsigned waited = 0; waited < STOP_WAIT_MS; waited += 10) {
		int r = info->cgm->destroy(info->cgroup_parent, info->uid);

		if (r >= 0 || r == -ENOENT)
			return 0;
		if (r != -EBUSY)
			return r;
		(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -EBUSY;
}

/*
 * End uid's paddock (user: how to name it in messages) and wait until its
 * holder has removed its state.  Returns 0, -ESTALE when it has no live
 * paddock (nothing printed), other -errno with the error printed.
 */
static int stop_one(int run, uid_t uid, const char *user, AuditMode mode)
{
	_cleanup_(closep) int pidfd = -EBADF;
	char reply[HOLDER_MSG_MAX], name[16];
	AdminEvent ev = { .op = "stop", .user = user, .uid = uid };
	PaddockInfo info;
	bool forced = false, have_info;
	struct stat st;
	pid_t pid;
	int r;

	r = admin_paddock_info(run, uid, &info);
	have_info = r >= 0;
	if (r >= 0) {
		ev.info = &info;
		r = admin_ctl(run, uid, HOLDER_REQ_STOP, reply, sizeof(reply), &pid, &pidfd);
		if (r >= 0 && !streq(reply, HOLDER_REPLY_OK))
			r = -EPROTO;
		/* The holder kills everything and removes UID/ and the
		 * cgroup before it exits: its exit is "the state is gone". */
		if (r >= 0 && !wait_exit(pidfd, STOP_WAIT_MS))
			r = -ETIMEDOUT;
	}
	if (r < 0) {
		/* No holder that stops as asked: whatever is there goes all
		 * the same, as the next login would remove it. */
		int k = stop_forced(run, uid, user, &forced);

		if (k < 0 || forced)
			r = k;
		else if (r == -ESTALE)
			return r;
	}
	if (r < 0) {
		fprintf(stderr, "paddock stop: %s: %s\n", user, strerror(-r));
		ev.r = r;
		admin_audit(&ev, mode);
		return r;
	}
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (fstatat(run, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		_cleanup_(closep) int again = -EBADF;

		/* A new login may have started a fresh paddock meanwhile. */
		r = admin_ctl(run, uid, HOLDER_REQ_STATUS, reply, sizeof(reply), &pid, &again);
		if (r < 0) {
			fprintf(stderr, "paddock stop: %s: state left in %s/%s\n", user, STATE_DIR,
				name);
			ev.r = -ENOTEMPTY;
			admin_audit(&ev, mode);
			return ev.r;
		}
	} else if (have_info && info.cgm && (r = remove_cgroup(&info)) < 0) {
		fprintf(stderr, "paddock stop: %s: the cgroup %s is left: %s\n", user, info.cgroup,
			strerror(-r));
		ev.r = r;
		admin_audit(&ev, mode);
		return r;
	}
	if (forced)
		printf("%s (uid %u): the paddock was not whole (half-built or half-claimed): "
		       "its holder was killed and its state removed\n",
		       user, (unsigned)uid);
	printf("stopped the paddock of %s (uid %u)\n", user, (unsigned)uid);
	admin_audit(&ev, mode);
	return 0;
}

/*
 * paddock stop --all: every paddock, then every spare, then the host-wide
 * state they shared.  Used to roll paddock back (README): what a paddock
 * added to the host goes with it, so its steps are listed here in order.
 */
static int stop_all(const char *conf)
{
	_cleanup_(closep) int run = -EBADF;
	_cleanup_(freep) uid_t *uids = NULL;
	AuditMode mode = policy_audit_mode(conf);
	size_t n = 0;
	unsigned stopped = 0;
	int ret = 0, r;

	if (admin_list_paddocks("stop", &run, &uids, &n) < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		char num[16], user[POLICY_NAME_MAX];
		struct passwd *pw = getpwuid(uids[i]);

		snprintf(num, sizeof(num), "%u", (unsigned)uids[i]);
		snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : num);
		r = stop_one(run, uids[i], user, mode);
		if (r >= 0)
			stopped++;
		else if (r != -ESTALE)
			ret = 1;
	}
	printf("stopped %u paddock%s\n", stopped, stopped == 1 ? "" : "s");
	/* The spares' makers first, then the spares (stop_spares). */
	if (stop_spares() != 0)
		ret = 1;
	/* Host-wide state shared by every paddock is removed here, after the
	 * last paddock that used it: network = nat's table. */
	r = net_flush();
	if (r < 0) {
		fprintf(stderr,
			"paddock stop: removing table inet paddock (paddock-net flush): %s\n",
			strerror(-r));
		ret = 1;
	}
	return ret;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "spares", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(closep) int run = -EBADF;
	bool spares = false, all = false;
	const char *conf = NULL, *user;
	uid_t uid;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (c == 'h')
			return command_help("stop");
		if (c == 'a')
			all = true;
		else if (c == 's')
			spares = true;
		else if (c == 'c')
			conf = optarg;
		else
			return command_usage_error("stop");
	}
	if ((spares || all) && argc == optind && !(spares && all))
		return !admin_require_root("stop") ? 1 : all ? stop_all(conf) : stop_spares();
	if (spares || all || argc - optind != 1)
		return command_usage_error("stop");
	user = argv[optind];
	if (!admin_require_root("stop"))
		return 1;
	if (admin_parse_user("stop", user, &uid) < 0)
		return 1;
	r = state_open_run_dir(&run);
	if (r < 0) {
		fprintf(stderr, "paddock stop: %s: %s\n", STATE_DIR, strerror(-r));
		return 1;
	}
	r = stop_one(run, uid, user, policy_audit_mode(conf));
	if (r == -ESTALE)
		fprintf(stderr, "paddock stop: %s has no live paddock\n", user);
	return r < 0 ? 1 : 0;
}

/* One live paddock and what reload will do to it. */
typedef struct ReloadItem {
	PaddockInfo info;
	CgroupLimits limits;
	bool apply;
} ReloadItem;

int cmd_reload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(policy_freep) Policy *policy = NULL;
	_cleanup_(closep) int run = -EBADF;
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(freep) ReloadItem *items = NULL;
	const char *conf = NULL;
	PolicyError err;
	PolicyGlobal g;
	size_t n = 0, k = 0;
	int c, r, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (c == 'h')
			return command_help("reload");
		if (c != 'c')
			return command_usage_error("reload");
		conf = optarg;
	}
	if (optind != argc)
		return command_usage_error("reload");
	if (!admin_require_root("reload"))
		return 1;

	/* 1. The whole policy, validated, before anything is touched. */
	r = policy_load(conf, &policy, &err);
	if (r >= 0)
		r = policy_check_consistent(policy, &err);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.text);
		fprintf(stderr, "paddock reload: policy refused; nothing changed\n");
		admin_audit(
			&(AdminEvent){
				.op = "reload", .uid = AUDIT_NO_UID, .detail = err.text, .r = r },
			AUDIT_MODE_AUTO);
		return 1;
	}
	policy_global(policy, &g, NULL);

	/* 2. Every live paddock's new limits, all computed before any is applied. */
	if (admin_list_paddocks("reload", &run, &uids, &n) < 0)
		return 1;
	items = calloc(n ? n : 1, sizeof(ReloadItem));
	if (!items)
		return 1;
	for (size_t i = 0; i < n; i++) {
		ReloadItem *it = &items[k];
		Identity id = { 0 };
		UserPolicy up;

		r = admin_paddock_info(run, uids[i], &it->info);
		if (r == -ESTALE)
			continue;
		if (r < 0) {
			fprintf(stderr, "paddock reload: uid %u: %s\n", (unsigned)uids[i],
				strerror(-r));
			ret = 1;
			continue;
		}
		k++;
		if (!*it->info.user || identity_lookup(it->info.user, &id) < 0) {
			printf("uid %u: no such user any more; limits unchanged\n",
			       (unsigned)uids[i]);
			continue;
		}
		r = policy_resolve(policy, &id.policy, &up, NULL, &err);
		identity_done(&id);
		if (r < 0) {
			fprintf(stderr, "%s\n", err.text);
			fprintf(stderr, "paddock reload: policy refused; nothing changed\n");
			admin_audit(&(AdminEvent){ .op = "reload",
						   .user = it->info.user,
						   .uid = uids[i],
						   .detail = err.text,
						   .r = r },
				    g.audit);
			return 1;
		}
		if (!up.isolate) {
			printf("%s (uid %u): no longer isolated by the policy; limits unchanged "
			       "(new sessions are left alone)\n",
			       it->info.user, (unsigned)uids[i]);
			continue;
		}
		if (!it->info.cgm) {
			printf("%s (uid %u): no cgroup manager (%s); nothing to apply\n",
			       it->info.user, (unsigned)uids[i], it->info.cgroup_manager);
			continue;
		}
		cg_limits_from_policy(&up, &it->limits);
		it->apply = true;
	}

	/* 3. Apply; the namespaces are never rebuilt. */
	for (size_t i = 0; i < k; i++) {
		ReloadItem *it = &items[i];
		const CgroupManager *cgm = it->info.cgm;
		CgroupUsage before, after;
		char diff[512], text[256];

		if (!it->apply)
			continue;
		/* What is in force now, to report the change; unknown if unreadable. */
		if (cgm->usage(it->info.cgroup_parent, it->info.uid, NULL, &before) < 0)
			before.live = CG_LIMITS_UNKNOWN;
		r = cgm->set_limits(it->info.cgroup_parent, it->info.uid, &it->limits);
		/* The stamp of the last login no longer says what the cgroup
		 * has (even after a failure: limits may be half-written); the
		 * next login writes them all again. */
		if (state_user_record_forget(run, it->info.uid) < 0 && r >= 0)
			fprintf(stderr,
				"paddock reload: %s (uid %u): cannot drop the login's cgroup "
				"stamp; the next login may not rewrite the limits\n",
				it->info.user, (unsigned)it->info.uid);
		if (r < 0) {
			fprintf(stderr, "paddock reload: %s (uid %u): %s: %s\n", it->info.user,
				(unsigned)it->info.uid, it->info.cgroup, strerror(-r));
			ret = 1;
		} else if (limits_diff(&before.live, &it->limits, diff, sizeof(diff)) > 0) {
			printf("%s (uid %u): %s: %s\n", it->info.user, (unsigned)it->info.uid,
			       it->info.cgroup, diff);
		} else {
			limits_format(&it->limits, text, sizeof(text));
			printf("%s (uid %u): %s: unchanged (%s)\n", it->info.user,
			       (unsigned)it->info.uid, it->info.cgroup, text);
		}
		/* Read back: the kernel may hold something else than was written. */
		if (r >= 0 && cgm->usage(it->info.cgroup_parent, it->info.uid, NULL, &after) >= 0 &&
		    limits_diff(&after.live, &it->limits, diff, sizeof(diff)) > 0) {
			fprintf(stderr,
				"paddock reload: %s (uid %u): the cgroup holds other limits than "
				"written (live -> policy): %s\n",
				it->info.user, (unsigned)it->info.uid, diff);
			ret = 1;
		}
		admin_audit(&(AdminEvent){ .op = "reload",
					   .user = it->info.user,
					   .uid = it->info.uid,
					   .info = &it->info,
					   .limits = &it->limits,
					   .r = r },
			    g.audit);
		if (!streq(it->info.cgroup_parent, g.cgroup_parent))
			printf("%s (uid %u): note: cgroup_parent is now %s; it applies to new "
			       "paddocks only\n",
			       it->info.user, (unsigned)it->info.uid, g.cgroup_parent);
	}
	if (k == 0)
		printf("no live paddock; the policy is valid\n");
	/* Spares were made for the old policy's shapes and sizes: the next
	 * first logins make new ones. */
	{
		unsigned stopped = 0;

		r = spare_stop_all(run, &stopped);
		if (stopped > 0)
			printf("stopped %u spare paddock%s (made under the old policy)\n", stopped,
			       stopped == 1 ? "" : "s");
		if (r < 0) {
			fprintf(stderr, "paddock reload: spares: %s\n", strerror(-r));
			ret = 1;
		}
	}
	return ret;
}
