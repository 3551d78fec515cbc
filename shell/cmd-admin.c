/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock status, paddock stop and paddock reload: the live paddocks as an
 * admin sees and steers them.  Paddocks are found through their control
 * sockets STATE_DIR/UID/ctl, never by scanning /proc (threat 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "../pam_module/audit.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/state.h"
#include "admin.h"
#include "commands.h"

/* paddock stop: how long the holder may take to kill, unpin and remove. */
#define STOP_WAIT_MS 20000

/* What status shows for one paddock besides PaddockInfo. */
typedef struct StatusRow {
	PaddockInfo info;
	bool have_usage;
	CgroupUsage usage;
	bool have_limits; /* the policy resolved for the user */
	CgroupLimits limits;
	const char *limits_error;
} StatusRow;

/* The user's limits under the current policy (what reload applies). */
static int policy_limits(const Policy *p, const char *user, CgroupLimits *ret)
{
	Identity id = { 0 };
	UserPolicy up;
	int r;

	if (!p || !*user)
		return -ENOENT;
	r = identity_lookup(user, &id);
	if (r < 0)
		return r;
	r = policy_resolve(p, &id.policy, &up, NULL, NULL);
	identity_done(&id);
	if (r < 0)
		return r;
	cg_limits_from_policy(&up, ret);
	return 0;
}

static void json_u64(FILE *f, const char *key, uint64_t v, bool known, bool comma)
{
	fprintf(f, "\"%s\": ", key);
	if (!known || v == UINT64_MAX)
		fprintf(f, "null");
	else
		fprintf(f, "%" PRIu64, v);
	if (comma)
		fprintf(f, ", ");
}

/* A limit: a number, "max" for none, null when unknown. */
static void json_limit(FILE *f, const char *key, uint64_t v, bool known, bool comma)
{
	fprintf(f, "\"%s\": ", key);
	if (!known)
		fprintf(f, "null");
	else if (v == UNITS_MAX)
		fprintf(f, "\"max\"");
	else
		fprintf(f, "%" PRIu64, v);
	if (comma)
		fprintf(f, ", ");
}

static void print_json(const StatusRow *rows, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const StatusRow *s = &rows[i];
		const PaddockInfo *p = &s->info;
		const CgroupUsage *u = &s->usage;
		const CgroupLimits *l = &s->limits;

		printf("%s\n  {\"user\": ", i ? "," : "");
		if (*p->user)
			admin_json_string(stdout, p->user);
		else
			printf("null");
		printf(", \"uid\": %u, \"holder_pid\": %d, \"sessions\": %u, \"processes\": %u,\n",
		       (unsigned)p->uid, (int)p->holder_pid, p->sessions, p->processes);
		printf("   \"namespaces\": {");
		for (unsigned k = 0; k < NS_COUNT; k++) {
			printf("%s\"%s\": ", k ? ", " : "", ns_name(k));
			if (p->ns.ino[k])
				printf("%" PRIu64, p->ns.ino[k]);
			else
				printf("null");
		}
		printf("},\n   \"cgroup\": {\"manager\": ");
		admin_json_string(stdout, p->cgroup_manager);
		printf(", \"path\": ");
		if (*p->cgroup)
			admin_json_string(stdout, p->cgroup);
		else
			printf("null");
		printf("},\n   \"memory\": {");
		json_u64(stdout, "current", u->memory_current, s->have_usage, true);
		json_limit(stdout, "max", l->memory_max, s->have_limits, true);
		json_limit(stdout, "high", l->memory_high, s->have_limits, false);
		printf("},\n   \"cpu\": {");
		json_u64(stdout, "usage_usec", u->cpu_usage_usec, s->have_usage, true);
		json_u64(stdout, "nr_throttled", u->nr_throttled, s->have_usage, true);
		json_limit(stdout, "quota_percent", l->cpu_quota, s->have_limits, true);
		json_limit(stdout, "weight", l->cpu_weight, s->have_limits, false);
		printf("},\n   \"tasks\": {");
		json_u64(stdout, "current", u->tasks_current, s->have_usage, true);
		json_limit(stdout, "max", l->tasks_max, s->have_limits, false);
		printf("}}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static const char *fmt_size(uint64_t v, bool known, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";
	double d = (double)v;
	int i = -1;

	if (!known || v == UINT64_MAX)
		return snprintf(buf, len, "%s", known ? "max" : "?"), buf;
	if (v < 1024)
		return snprintf(buf, len, "%" PRIu64 "B", v), buf;
	while (d >= 1024 && i < 3) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", d, suffix[i]);
	return buf;
}

static const char *fmt_count(uint64_t v, bool known, char *buf, size_t len)
{
	if (!known)
		snprintf(buf, len, "?");
	else if (v == UINT64_MAX)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static void print_table(const StatusRow *rows, size_t n)
{
	printf("%-20s %7s %8s %5s %5s %-17s %-18s %-11s %s\n", "USER", "UID", "HOLDER", "SESS",
	       "PROCS", "MEMORY(cur/max)", "CPU(time,thrott.)", "TASKS", "CGROUP");
	for (size_t i = 0; i < n; i++) {
		const StatusRow *s = &rows[i];
		const PaddockInfo *p = &s->info;
		const CgroupUsage *u = &s->usage;
		char a[16], b[16], mem[40], cpu[40], tasks[40], sec[24];

		snprintf(mem, sizeof(mem), "%s/%s",
			 fmt_size(u->memory_current, s->have_usage, a, sizeof(a)),
			 fmt_size(s->limits.memory_max, s->have_limits, b, sizeof(b)));
		if (s->have_usage && u->cpu_usage_usec != UINT64_MAX)
			snprintf(sec, sizeof(sec), "%.2fs", (double)u->cpu_usage_usec / 1e6);
		else
			snprintf(sec, sizeof(sec), "?");
		snprintf(cpu, sizeof(cpu), "%s,%s", sec,
			 fmt_count(u->nr_throttled, s->have_usage, a, sizeof(a)));
		snprintf(tasks, sizeof(tasks), "%s/%s",
			 fmt_count(u->tasks_current, s->have_usage, a, sizeof(a)),
			 fmt_count(s->limits.tasks_max, s->have_limits, b, sizeof(b)));
		printf("%-20s %7u %8d %5u %5u %-17s %-18s %-11s %s (%s)\n",
		       *p->user ? p->user : "?", (unsigned)p->uid, (int)p->holder_pid, p->sessions,
		       p->processes, mem, cpu, tasks, *p->cgroup ? p->cgroup : "-",
		       p->cgroup_manager);
		printf("%-20s namespaces", "");
		for (unsigned k = 0; k < NS_COUNT; k++)
			if (p->ns.ino[k])
				printf(" %s:%" PRIu64, ns_name(k), p->ns.ino[k]);
		printf("\n");
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "conf", required_argument, NULL, 'c' },
		{},
	};
	_cleanup_(policy_freep) Policy *policy = NULL;
	_cleanup_(closep) int run = -EBADF;
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(freep) StatusRow *rows = NULL;
	const char *conf = NULL;
	bool json = false, one = false;
	uid_t want = 0;
	size_t n = 0, k = 0;
	PolicyError err;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jc:", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'c')
			conf = optarg;
		else
			goto usage;
	}
	if (argc - optind > 1)
		goto usage;
	if (!admin_require_root("status"))
		return 1;
	if (argc - optind == 1) {
		if (admin_parse_user("status", argv[optind], &want) < 0)
			return 1;
		one = true;
	}
	/* Limits come from the policy; without one they show as unknown. */
	if (policy_load(conf, &policy, &err) < 0)
		fprintf(stderr, "paddock status: policy refused (limits not shown): %s\n",
			err.text);

	r = state_open_run_dir(&run);
	if (r >= 0)
		r = admin_list_uids(run, &uids, &n);
	if (r < 0) {
		fprintf(stderr, "paddock status: %s: %s\n", STATE_DIR, strerror(-r));
		return 1;
	}
	rows = calloc(n ? n : 1, sizeof(StatusRow));
	if (!rows)
		return 1;
	for (size_t i = 0; i < n; i++) {
		StatusRow *s = &rows[k];

		if (one && uids[i] != want)
			continue;
		r = admin_paddock_info(run, uids[i], &s->info);
		if (r == -ESTALE)
			continue; /* dead or dying: collected by the next login */
		if (r < 0) {
			fprintf(stderr, "paddock status: uid %u: %s\n", (unsigned)uids[i],
				strerror(-r));
			continue;
		}
		s->have_usage = s->info.cgm &&
				s->info.cgm->usage(s->info.cgroup_parent, uids[i], &s->usage) >= 0;
		s->have_limits = policy_limits(policy, s->info.user, &s->limits) >= 0;
		k++;
	}
	if (json)
		print_json(rows, k);
	else if (k > 0)
		print_table(rows, k);
	else if (!one)
		printf("no live paddock\n");
	if (one && k == 0) {
		fprintf(stderr, "paddock status: %s has no live paddock\n", argv[optind]);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: paddock status [--json] [--conf PATH] [USER]\n");
	return 2;
}

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

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{},
	};
	_cleanup_(closep) int run = -EBADF, pidfd = -EBADF;
	char reply[HOLDER_MSG_MAX], name[16];
	const char *conf = NULL, *user;
	PaddockInfo info;
	AdminEvent ev = { .op = "stop" };
	struct stat st;
	pid_t pid;
	uid_t uid;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:", opts, NULL)) != -1) {
		if (c != 'c')
			goto usage;
		conf = optarg;
	}
	if (argc - optind != 1)
		goto usage;
	user = argv[optind];
	if (!admin_require_root("stop"))
		return 1;
	if (admin_parse_user("stop", user, &uid) < 0)
		return 1;
	ev.user = user;
	ev.uid = uid;
	r = state_open_run_dir(&run);
	if (r >= 0)
		r = admin_paddock_info(run, uid, &info);
	if (r == -ESTALE) {
		fprintf(stderr, "paddock stop: %s has no live paddock\n", user);
		return 1;
	}
	if (r >= 0) {
		ev.info = &info;
		r = admin_ctl(run, uid, "stop", reply, sizeof(reply), &pid, &pidfd);
	}
	if (r >= 0 && !streq(reply, "ok"))
		r = -EPROTO;
	if (r == -ESTALE) {
		fprintf(stderr, "paddock stop: %s has no live paddock\n", user);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "paddock stop: %s: %s\n", user, strerror(-r));
		ev.r = r;
		admin_audit(&ev, policy_audit_mode(conf));
		return 1;
	}
	/* The holder kills everything, unpins, and removes UID/ and the
	 * cgroup before it exits: its exit is "the state is gone". */
	if (!wait_exit(pidfd, STOP_WAIT_MS)) {
		fprintf(stderr,
			"paddock stop: %s: the holder (pid %d) has not finished after %d s\n", user,
			(int)pid, STOP_WAIT_MS / 1000);
		ev.r = -ETIMEDOUT;
		admin_audit(&ev, policy_audit_mode(conf));
		return 1;
	}
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (fstatat(run, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		_cleanup_(closep) int again = -EBADF;

		/* A new login may have started a fresh paddock meanwhile. */
		r = admin_ctl(run, uid, "status", reply, sizeof(reply), &pid, &again);
		if (r < 0) {
			fprintf(stderr, "paddock stop: %s: state left in %s/%s\n", user, STATE_DIR,
				name);
			ev.r = -ENOTEMPTY;
			admin_audit(&ev, policy_audit_mode(conf));
			return 1;
		}
	}
	printf("stopped the paddock of %s (uid %u)\n", user, (unsigned)uid);
	admin_audit(&ev, policy_audit_mode(conf));
	return 0;
usage:
	fprintf(stderr, "usage: paddock stop [--conf PATH] USER\n");
	return 2;
}

/* "memory_max=1G tasks_max=512 ..." for humans and the audit line. */
static void format_limits(const CgroupLimits *l, char *buf, size_t len)
{
	char mm[24], mh[24], ms[24], cq[24], tm[24];

	if (l->cpu_quota == UNITS_MAX)
		snprintf(cq, sizeof(cq), "max");
	else
		snprintf(cq, sizeof(cq), "%" PRIu64 "%%", l->cpu_quota);
	snprintf(buf, len,
		 "memory_max=%s memory_high=%s memory_swap_max=%s cpu_quota=%s cpu_weight=%" PRIu64
		 " tasks_max=%s",
		 units_format_size(l->memory_max, mm, sizeof(mm)),
		 units_format_size(l->memory_high, mh, sizeof(mh)),
		 units_format_size(l->memory_swap_max, ms, sizeof(ms)), cq, l->cpu_weight,
		 fmt_count(l->tasks_max, true, tm, sizeof(tm)));
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
	while ((c = getopt_long(argc, argv, "+c:", opts, NULL)) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: paddock reload [--conf PATH]\n");
			return 2;
		}
		conf = optarg;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: paddock reload [--conf PATH]\n");
		return 2;
	}
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
	r = state_open_run_dir(&run);
	if (r >= 0)
		r = admin_list_uids(run, &uids, &n);
	if (r < 0) {
		fprintf(stderr, "paddock reload: %s: %s\n", STATE_DIR, strerror(-r));
		return 1;
	}
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
		char text[256];

		if (!it->apply)
			continue;
		format_limits(&it->limits, text, sizeof(text));
		r = it->info.cgm->set_limits(it->info.cgroup_parent, it->info.uid, &it->limits);
		if (r < 0) {
			fprintf(stderr, "paddock reload: %s (uid %u): %s: %s\n", it->info.user,
				(unsigned)it->info.uid, it->info.cgroup, strerror(-r));
			ret = 1;
		} else {
			printf("%s (uid %u): %s: %s\n", it->info.user, (unsigned)it->info.uid,
			       it->info.cgroup, text);
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
	return ret;
}
