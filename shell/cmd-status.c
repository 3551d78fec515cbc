/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock status: every live paddock, its usage and the limits the kernel
 * enforces on it now, set against what the current policy says.  Paddocks
 * are found through their control sockets STATE_DIR/UID/ctl, never by
 * scanning /proc (threat 1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "../pam_module/spare.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/net.h"
#include "../pam_module/state.h"
#include "admin.h"
#include "commands.h"
#include "json.h"
#include "limits.h"
#include "usage.h"

/* What status shows for one paddock besides its figures (usage.h). */
typedef struct StatusRow {
	PaddockUsage u;
	bool have_policy; /* the limits the current policy sets for the user */
	CgroupLimits policy;
	bool have_net; /* network = nat: paddock-net's record */
	NetRecord net;
} StatusRow;

/* nat (paddock-net's record), loopback (own network namespace), host. */
static const char *net_mode(const StatusRow *s)
{
	return s->have_net ? "nat" : (s->u.info.ns_mask & POLICY_NS_NET) ? "loopback" : "host";
}

static void json_str_or_null(const char *key, const char *v, bool comma)
{
	printf("\"%s\": ", key);
	if (v && *v)
		json_string(stdout, v);
	else
		printf("null");
	if (comma)
		printf(", ");
}

/* The user's limits under the current policy (what reload would apply). */
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
	if (!up.isolate)
		return -ENOENT;
	cg_limits_from_policy(&up, ret);
	return 0;
}

/* A usage figure: a number, null when unknown. */
static void json_u64(const char *key, uint64_t v, bool known, bool comma)
{
	printf("\"%s\": ", key);
	if (!known || v == UINT64_MAX)
		printf("null");
	else
		printf("%" PRIu64, v);
	if (comma)
		printf(", ");
}

/* A limit: a number, "max" for none, null when unknown. */
static void json_limit(const char *key, uint64_t v, bool known, bool comma)
{
	printf("\"%s\": ", key);
	if (!known || v == CG_UNKNOWN)
		printf("null");
	else if (v == UNITS_MAX)
		printf("\"max\"");
	else
		printf("%" PRIu64, v);
	if (comma)
		printf(", ");
}

static void print_json_row(const StatusRow *s)
{
	const PaddockInfo *p = &s->u.info;
	const CgroupUsage *u = &s->u.usage;
	const CgroupLimits *l = &u->live;
	bool have_usage = s->u.have_usage;
	char diff[512];

	printf("  {\"user\": ");
	if (*p->user)
		json_string(stdout, p->user);
	else
		printf("null");
	printf(", \"uid\": %u, \"holder_pid\": %d, ", (unsigned)p->uid, (int)p->holder_pid);
	json_u64("sessions", p->sessions, p->sessions != ADMIN_UNKNOWN, true);
	json_u64("processes", u->processes, have_usage, false);
	printf(",\n");
	printf("   \"namespaces\": {");
	for (unsigned k = 0; k < NS_COUNT; k++) {
		printf("%s\"%s\": ", k ? ", " : "", ns_name(k));
		if (p->ns.ino[k])
			printf("%" PRIu64, p->ns.ino[k]);
		else
			printf("null");
	}
	printf("},\n   \"network\": {");
	json_str_or_null("mode", net_mode(s), true);
	json_str_or_null("host_if", s->have_net ? s->net.host_if : NULL, true);
	json_str_or_null("address", s->have_net ? s->net.address : NULL, true);
	json_str_or_null("peer", s->have_net ? s->net.peer : NULL, true);
	json_str_or_null("address6", s->have_net ? s->net.address6 : NULL, false);
	if (*s->u.net.host_if)
		printf(", \"rx_bytes\": %" PRIu64 ", \"rx_packets\": %" PRIu64
		       ", \"tx_bytes\": %" PRIu64 ", \"tx_packets\": %" PRIu64,
		       s->u.net.rx_bytes, s->u.net.rx_packets, s->u.net.tx_bytes,
		       s->u.net.tx_packets);
	printf("},\n   \"cgroup\": {\"manager\": ");
	json_string(stdout, p->cgroup_manager);
	printf(", \"path\": ");
	if (*p->cgroup)
		json_string(stdout, p->cgroup);
	else
		printf("null");
	printf("},\n   \"memory\": {");
	json_u64("current", u->memory_current, have_usage, true);
	json_limit("max", l->memory_max, have_usage, true);
	json_limit("high", l->memory_high, have_usage, true);
	json_limit("swap_max", l->memory_swap_max, have_usage, true);
	json_u64("swap", u->memory_swap, have_usage, true);
	json_u64("oom_kills", u->memory_oom_kills, have_usage, true);
	json_u64("max_events", u->memory_max_events, have_usage, true);
	json_u64("high_events", u->memory_high_events, have_usage, false);
	printf("},\n   \"cpu\": {");
	json_u64("usage_usec", u->cpu_usage_usec, have_usage, true);
	json_u64("nr_throttled", u->nr_throttled, have_usage, true);
	json_limit("quota_percent", l->cpu_quota, have_usage, true);
	json_limit("weight", l->cpu_weight, have_usage, true);
	json_u64("throttled_usec", u->cpu_throttled_usec, have_usage, true);
	json_u64("nr_periods", u->cpu_periods, have_usage, false);
	printf("},\n   \"tasks\": {");
	json_u64("current", u->tasks_current, have_usage, true);
	json_limit("max", l->tasks_max, have_usage, false);
	printf("},\n   \"pressure\": {");
	for (CgroupPressure k = 0; k < CG_PRESSURE_N; k++) {
		printf("%s\"%s\": {", k ? ", " : "", cg_pressure_name(k));
		json_u64("some_usec", u->pressure_some_usec[k], have_usage, true);
		json_u64("full_usec", u->pressure_full_usec[k], have_usage, false);
		printf("}");
	}
	printf("},\n   \"start_time\": ");
	if (s->u.start_time > 0)
		printf("%.2f", s->u.start_time);
	else
		printf("null");
	printf(",\n   \"policy\": ");
	if (!s->have_policy) {
		printf("null, \"matches_policy\": null}");
		return;
	}
	printf("{");
	for (LimitField f = 0; f < LIMIT_N; f++)
		json_limit(limit_key(f), limit_get(&s->policy, f), true, f + 1 < LIMIT_N);
	printf("}, \"matches_policy\": ");
	if (!have_usage)
		printf("null}");
	else
		printf("%s}", limits_diff(l, &s->policy, diff, sizeof(diff)) ? "false" : "true");
}

static void print_json(const StatusRow *rows, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", i ? "," : "");
		print_json_row(&rows[i]);
	}
	printf("%s]\n", n ? "\n" : "");
}

/* Bytes in use for humans: "1.5M". */
static const char *fmt_bytes(uint64_t v, bool known, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";
	double d = (double)v;
	int i = -1;

	if (!known || v == UINT64_MAX)
		return snprintf(buf, len, "?"), buf;
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
	if (!known || v == UINT64_MAX)
		snprintf(buf, len, "?");
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
		const PaddockInfo *p = &s->u.info;
		const CgroupUsage *u = &s->u.usage;
		const CgroupLimits *l = &u->live;
		bool have_usage = s->u.have_usage;
		char a[24], b[24], c[24], d[24], mem[48], cpu[40], tasks[48], sec[24], diff[512];
		char sess[24], procs[24];

		snprintf(mem, sizeof(mem), "%s/%s",
			 fmt_bytes(u->memory_current, have_usage, a, sizeof(a)),
			 have_usage ? limit_format(LIMIT_MEMORY_MAX, l->memory_max, b, sizeof(b))
				    : "?");
		if (have_usage && u->cpu_usage_usec != UINT64_MAX)
			snprintf(sec, sizeof(sec), "%.2fs", (double)u->cpu_usage_usec / 1e6);
		else
			snprintf(sec, sizeof(sec), "?");
		snprintf(cpu, sizeof(cpu), "%s,%s", sec,
			 fmt_count(u->nr_throttled, have_usage, a, sizeof(a)));
		snprintf(tasks, sizeof(tasks), "%s/%s",
			 fmt_count(u->tasks_current, have_usage, a, sizeof(a)),
			 have_usage ? limit_format(LIMIT_TASKS_MAX, l->tasks_max, b, sizeof(b))
				    : "?");
		printf("%-20s %7u %8d %5s %5s %-17s %-18s %-11s %s (%s)\n",
		       *p->user ? p->user : "?", (unsigned)p->uid, (int)p->holder_pid,
		       fmt_count(p->sessions, p->sessions != ADMIN_UNKNOWN, sess, sizeof(sess)),
		       fmt_count(u->processes, have_usage, procs, sizeof(procs)), mem, cpu, tasks,
		       *p->cgroup ? p->cgroup : "-", p->cgroup_manager);
		printf("%-20s namespaces", "");
		for (unsigned k = 0; k < NS_COUNT; k++)
			if (p->ns.ino[k])
				printf(" %s:%" PRIu64, ns_name(k), p->ns.ino[k]);
		printf("\n");
		if (u->cpu_throttled_usec != UINT64_MAX)
			snprintf(sec, sizeof(sec), "%.2fs", (double)u->cpu_throttled_usec / 1e6);
		else
			snprintf(sec, sizeof(sec), "?");
		printf("%-20s events oom-kills:%s memory-max:%s throttled:%s in %s of %s periods\n",
		       "", fmt_count(u->memory_oom_kills, have_usage, a, sizeof(a)),
		       fmt_count(u->memory_max_events, have_usage, b, sizeof(b)), sec,
		       fmt_count(u->nr_throttled, have_usage, c, sizeof(c)),
		       fmt_count(u->cpu_periods, have_usage, d, sizeof(d)));
		if (s->have_net)
			printf("%-20s network nat: eth0 %s%s%s via %s (%s)\n", "", s->net.address,
			       *s->net.address6 ? " " : "", s->net.address6, s->net.host_if,
			       s->net.peer);
		if (have_usage && s->have_policy &&
		    limits_diff(l, &s->policy, diff, sizeof(diff)) > 0)
			printf("%-20s differs from the policy (live -> policy): %s; "
			       "paddock reload applies it\n",
			       "", diff);
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
	_cleanup_(closep) int run = -EBADF, net_fd = -EBADF;
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(freep) StatusRow *rows = NULL;
	_cleanup_(user_names_freep) UserNames *names = NULL;
	const char *conf = NULL;
	bool json = false, one = false;
	uid_t want = 0;
	size_t n = 0, k = 0;
	PolicyError err;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jc:h", opts, NULL)) != -1) {
		if (c == 'h')
			return command_help("status");
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
	/* The policy is only compared against; without one nothing is compared. */
	if (policy_load(conf, &policy, &err) < 0)
		fprintf(stderr, "paddock status: policy refused (not compared): %s\n", err.text);

	if (admin_list_paddocks("status", &run, &uids, &n) < 0)
		return 1;
	rows = calloc(n ? n : 1, sizeof(StatusRow));
	if (!rows)
		return 1;
	/* One pass over the passwd database when there are many to name. */
	if (!one && n > 16)
		names = user_names_load();
	/* No net/ (no nat paddock since boot): no records. */
	if (state_open_private_dir(run, NET_STATE_DIR, false, &net_fd) < 0)
		net_fd = -EBADF;
	for (size_t i = 0; i < n; i++) {
		StatusRow *s = &rows[k];

		if (one && uids[i] != want)
			continue;
		r = usage_collect(run, uids[i], names, &s->u);
		if (r >= 0 && net_fd >= 0)
			s->have_net = net_record_read(net_fd, uids[i], &s->net) >= 0;
		if (r == -ESTALE)
			continue; /* dead or dying: collected by the next login */
		if (r < 0) {
			fprintf(stderr, "paddock status: uid %u: %s\n", (unsigned)uids[i],
				strerror(-r));
			continue;
		}
		s->have_policy = policy_limits(policy, s->u.info.user, &s->policy) >= 0;
		k++;
	}
	if (json)
		print_json(rows, k);
	else if (k > 0)
		print_table(rows, k);
	else if (!one)
		printf("no live paddock\n");
	if (!json && !one) {
		unsigned spares = spare_count_ready(run);

		if (spares > 0)
			printf("%u spare paddock%s ready (prestart)\n", spares,
			       spares == 1 ? "" : "s");
	}
	if (one && k == 0) {
		fprintf(stderr, "paddock status: %s has no live paddock\n", argv[optind]);
		return 1;
	}
	return 0;
usage:
	return command_usage_error("status");
}
