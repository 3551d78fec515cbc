/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock metrics: every live paddock's figures (usage.h) and the node's
 * login counters (pam_module/counters.h) in the Prometheus text exposition
 * format, version 0.0.4: HELP and TYPE lines, names prefixed paddock_,
 * bytes and seconds, counters ending in _total, each paddock's series
 * labelled user and uid.  A figure this host's cgroups do not keep is left
 * out, not written as 0.  --textfile DIR writes DIR/paddock.prom by a
 * rename, for node_exporter's textfile collector, which must never read a
 * half-written file.  paddock(8) lists every metric with its source.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/counters.h"
#include "../pam_module/spare.h"
#include "../pam_module/state.h"
#include "admin.h"
#include "commands.h"
#include "usage.h"

#define TEXTFILE_NAME "paddock.prom"

/* The per-paddock metrics with the labels user and uid alone. */
typedef enum Metric {
	M_MEMORY_USAGE,
	M_MEMORY_LIMIT,
	M_MEMORY_HIGH,
	M_MEMORY_SWAP,
	M_MEMORY_SWAP_LIMIT,
	M_MEMORY_OOM_KILLS,
	M_MEMORY_MAX_EVENTS,
	M_MEMORY_HIGH_EVENTS,
	M_CPU_USAGE,
	M_CPU_THROTTLED,
	M_CPU_PERIODS,
	M_CPU_THROTTLED_PERIODS,
	M_CPU_QUOTA,
	M_TASKS,
	M_TASKS_LIMIT,
	M_SESSIONS,
	M_PROCESSES,
	M_START_TIME,
	M_N,
} Metric;

static const struct {
	const char *name, *type, *help;
} metrics[M_N] = {
	[M_MEMORY_USAGE] = { "paddock_memory_usage_bytes", "gauge",
			     "Memory charged to the paddock's cgroup." },
	[M_MEMORY_LIMIT] = { "paddock_memory_limit_bytes", "gauge",
			     "Hard memory limit in force (memory_max); +Inf for none." },
	[M_MEMORY_HIGH] = { "paddock_memory_high_bytes", "gauge",
			    "Memory throttling threshold in force (memory_high); +Inf for none." },
	[M_MEMORY_SWAP] = { "paddock_memory_swap_bytes", "gauge",
			    "Swap used by the paddock's cgroup." },
	[M_MEMORY_SWAP_LIMIT] = { "paddock_memory_swap_limit_bytes", "gauge",
				  "Swap limit in force (memory_swap_max); +Inf for none." },
	[M_MEMORY_OOM_KILLS] = { "paddock_memory_oom_kills_total", "counter",
				 "Processes of the paddock killed by the OOM killer." },
	[M_MEMORY_MAX_EVENTS] = { "paddock_memory_limit_events_total", "counter",
				  "Times the paddock's memory hit its hard limit." },
	[M_MEMORY_HIGH_EVENTS] = { "paddock_memory_high_events_total", "counter",
				   "Times the paddock's memory went over memory_high." },
	[M_CPU_USAGE] = { "paddock_cpu_usage_seconds_total", "counter",
			  "CPU time used by the paddock's cgroup." },
	[M_CPU_THROTTLED] = { "paddock_cpu_throttled_seconds_total", "counter",
			      "Time the paddock's tasks were throttled by its CPU quota." },
	[M_CPU_PERIODS] = { "paddock_cpu_periods_total", "counter",
			    "CPU quota periods in which the paddock had runnable tasks." },
	[M_CPU_THROTTLED_PERIODS] = { "paddock_cpu_throttled_periods_total", "counter",
				      "CPU quota periods in which the paddock was throttled." },
	[M_CPU_QUOTA] = { "paddock_cpu_quota_cpus", "gauge",
			  "CPU quota in force, in CPUs (cpu_quota / 100); +Inf for none." },
	[M_TASKS] = { "paddock_tasks", "gauge", "Tasks (processes and threads) in the cgroup." },
	[M_TASKS_LIMIT] = { "paddock_tasks_limit", "gauge",
			    "Task limit in force (tasks_max); +Inf for none." },
	[M_SESSIONS] = { "paddock_sessions", "gauge",
			 "Connections open to the paddock's control socket: its sessions." },
	[M_PROCESSES] = { "paddock_processes", "gauge",
			  "Processes in the paddock's cgroup, its holder included." },
	[M_START_TIME] = { "paddock_start_time_seconds", "gauge",
			   "Start of the paddock's holder, seconds since the epoch." },
};

/*
 * A sample value: v / div exactly, div 1 (a count, bytes), 100 (percent
 * as CPUs) or 1000000 (microseconds as seconds); UNITS_MAX is no limit.
 */
typedef struct Value {
	uint64_t v;
	uint64_t div;
} Value;

/* A usage figure (CgroupUsage: UINT64_MAX unknown) as a Value; false: unknown. */
static bool figure(uint64_t v, uint64_t div, Value *ret)
{
	if (v == UINT64_MAX)
		return false;
	*ret = (Value){ v, div };
	return true;
}

/* A limit in force (CgroupLimits: CG_UNKNOWN unknown, UNITS_MAX none). */
static bool limit(uint64_t v, uint64_t div, Value *ret)
{
	if (v == CG_UNKNOWN)
		return false;
	*ret = (Value){ v, div };
	return true;
}

static bool metric_value(const PaddockUsage *p, Metric m, Value *ret)
{
	const CgroupUsage *u = &p->usage;

	switch (m) {
	case M_SESSIONS:
		return p->info.sessions != ADMIN_UNKNOWN && figure(p->info.sessions, 1, ret);
	case M_START_TIME:
		return p->start_time > 0 && figure((uint64_t)(p->start_time * 1e6), 1000000, ret);
	default:
		break;
	}
	if (!p->have_usage)
		return false;
	switch (m) {
	case M_MEMORY_USAGE:
		return figure(u->memory_current, 1, ret);
	case M_MEMORY_LIMIT:
		return limit(u->live.memory_max, 1, ret);
	case M_MEMORY_HIGH:
		return limit(u->live.memory_high, 1, ret);
	case M_MEMORY_SWAP:
		return figure(u->memory_swap, 1, ret);
	case M_MEMORY_SWAP_LIMIT:
		return limit(u->live.memory_swap_max, 1, ret);
	case M_MEMORY_OOM_KILLS:
		return figure(u->memory_oom_kills, 1, ret);
	case M_MEMORY_MAX_EVENTS:
		return figure(u->memory_max_events, 1, ret);
	case M_MEMORY_HIGH_EVENTS:
		return figure(u->memory_high_events, 1, ret);
	case M_CPU_USAGE:
		return figure(u->cpu_usage_usec, 1000000, ret);
	case M_CPU_THROTTLED:
		return figure(u->cpu_throttled_usec, 1000000, ret);
	case M_CPU_PERIODS:
		return figure(u->cpu_periods, 1, ret);
	case M_CPU_THROTTLED_PERIODS:
		return figure(u->nr_throttled, 1, ret);
	case M_CPU_QUOTA:
		return limit(u->live.cpu_quota, 100, ret);
	case M_TASKS:
		return figure(u->tasks_current, 1, ret);
	case M_TASKS_LIMIT:
		return limit(u->live.tasks_max, 1, ret);
	case M_PROCESSES:
		return figure(u->processes, 1, ret);
	default:
		return false;
	}
}

/* A label value: backslash, double quote and newline escaped (0.0.4). */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* A sample value and the end of its line; +Inf for no limit. */
static void put_value(FILE *f, Value x)
{
	if (x.v == UNITS_MAX)
		fputs("+Inf\n", f);
	else if (x.div == 1)
		fprintf(f, "%" PRIu64 "\n", x.v);
	else
		fprintf(f, "%" PRIu64 ".%0*" PRIu64 "\n", x.v / x.div, x.div == 100 ? 2 : 6,
			x.v % x.div);
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME{user="...",uid="..." followed by the caller's extra labels and "} ". */
static void put_series(FILE *f, const char *name, const PaddockUsage *p)
{
	fprintf(f, "%s{user=\"", name);
	put_label(f, p->info.user);
	fprintf(f, "\",uid=\"%u\"", (unsigned)p->info.uid);
}

static void put_paddock_metrics(FILE *f, const PaddockUsage *v, size_t n)
{
	static const struct {
		const char *name, *help, *stat;
		bool packets, rx;
	} net[] = {
		{ "paddock_network_receive_bytes_total", "Bytes the paddock received.", "rx_bytes",
		  false, true },
		{ "paddock_network_transmit_bytes_total", "Bytes the paddock sent.", "tx_bytes",
		  false, false },
		{ "paddock_network_receive_packets_total", "Packets the paddock received.",
		  "rx_packets", true, true },
		{ "paddock_network_transmit_packets_total", "Packets the paddock sent.",
		  "tx_packets", true, false },
	};
	bool any;

	for (Metric m = 0; m < M_N; m++) {
		Value x;

		any = false;
		for (size_t i = 0; i < n; i++) {
			if (!metric_value(&v[i], m, &x))
				continue;
			if (!any)
				put_header(f, metrics[m].name, metrics[m].type, metrics[m].help);
			any = true;
			put_series(f, metrics[m].name, &v[i]);
			fputs("} ", f);
			put_value(f, x);
		}
	}

	put_header(f, "paddock_info", "gauge",
		   "Always 1: the paddock's cgroup manager and cgroup, as labels.");
	for (size_t i = 0; i < n; i++) {
		put_series(f, "paddock_info", &v[i]);
		fputs(",cgroup_manager=\"", f);
		put_label(f, v[i].info.cgroup_manager);
		fputs("\",cgroup=\"", f);
		put_label(f, v[i].info.cgroup);
		fputs("\"} 1\n", f);
	}

	for (int full = 0; full <= 1; full++) {
		const char *name = full ? "paddock_pressure_full_seconds_total"
					: "paddock_pressure_some_seconds_total";

		any = false;
		for (size_t i = 0; i < n; i++)
			for (CgroupPressure k = 0; k < CG_PRESSURE_N; k++) {
				uint64_t us = full ? v[i].usage.pressure_full_usec[k]
						   : v[i].usage.pressure_some_usec[k];
				Value x;

				if (!v[i].have_usage || !figure(us, 1000000, &x))
					continue;
				if (!any)
					put_header(
						f, name, "counter",
						full ? "Time all of the paddock's runnable tasks "
						       "stalled on the resource (PSI full)."
						     : "Time some of the paddock's tasks stalled "
						       "on the resource (PSI some).");
				any = true;
				put_series(f, name, &v[i]);
				fprintf(f, ",resource=\"%s\"} ", cg_pressure_name(k));
				put_value(f, x);
			}
	}

	for (size_t j = 0; j < ELEMENTSOF(net); j++) {
		any = false;
		for (size_t i = 0; i < n; i++) {
			const PaddockNet *pn = &v[i].net;
			uint64_t x = net[j].packets ? (net[j].rx ? pn->rx_packets : pn->tx_packets)
						    : (net[j].rx ? pn->rx_bytes : pn->tx_bytes);

			if (!*pn->host_if)
				continue;
			if (!any)
				put_header(f, net[j].name, "counter", net[j].help);
			any = true;
			put_series(f, net[j].name, &v[i]);
			fputs(",interface=\"", f);
			put_label(f, pn->host_if);
			fprintf(f, "\"} %" PRIu64 "\n", x);
		}
	}
}

/* The node-wide figures: paddocks, spares, the module's login counters. */
static void put_node_metrics(FILE *f, int run, size_t paddocks, size_t failed, double seconds)
{
	static const struct {
		Counter c;
		const char *label;
	} logins[] = {
		{ COUNTER_STARTED, "started" },
		{ COUNTER_JOINED, "joined" },
		{ COUNTER_EXEMPT, "exempt" },
		{ COUNTER_UNISOLATED, "unisolated" },
	}, denied[] = {
		{ COUNTER_DENIED_POLICY, "policy" }, { COUNTER_DENIED_USER, "user" },
		{ COUNTER_DENIED_AUDIT, "audit" },   { COUNTER_DENIED_CALLER, "caller" },
		{ COUNTER_DENIED_SETUP, "setup" },
	};
	uint64_t c[COUNTER_N];
	int r;

	put_header(f, "paddock_paddocks", "gauge", "Live paddocks on the node.");
	fprintf(f, "paddock_paddocks %zu\n", paddocks);
	put_header(f, "paddock_spares", "gauge", "Spare paddocks ready to be claimed (prestart).");
	fprintf(f, "paddock_spares %u\n", spare_count_ready(run));
	put_header(f, "paddock_scrape_errors", "gauge",
		   "Live paddocks whose figures could not be read by this scrape.");
	fprintf(f, "paddock_scrape_errors %zu\n", failed);
	put_header(f, "paddock_scrape_duration_seconds", "gauge",
		   "Time this scrape took to read every paddock.");
	fprintf(f, "paddock_scrape_duration_seconds %.6f\n", seconds);

	r = counters_read(run, c);
	if (r < 0) {
		fprintf(stderr, "paddock metrics: %s/counters: %s (login counters left out)\n",
			STATE_DIR, strerror(-r));
		return;
	}
	put_header(f, "paddock_logins_total", "counter",
		   "Sessions the module opened since boot, by result: started a paddock, joined "
		   "one, exempt (not isolated), unisolated (on_error = allow).");
	for (size_t i = 0; i < ELEMENTSOF(logins); i++)
		fprintf(f, "paddock_logins_total{result=\"%s\"} %" PRIu64 "\n", logins[i].label,
			c[logins[i].c]);
	put_header(f, "paddock_logins_denied_total", "counter",
		   "Sessions the module denied since boot, by reason.");
	for (size_t i = 0; i < ELEMENTSOF(denied); i++)
		fprintf(f, "paddock_logins_denied_total{reason=\"%s\"} %" PRIu64 "\n",
			denied[i].label, c[denied[i].c]);
	put_header(f, "paddock_spare_claims_total", "counter",
		   "Paddocks started since boot by claiming a spare.");
	fprintf(f, "paddock_spare_claims_total %" PRIu64 "\n", c[COUNTER_SPARE]);
	put_header(f, "paddock_setup_failures_total", "counter",
		   "Sessions whose paddock could not be set up since boot (denied or unisolated).");
	fprintf(f, "paddock_setup_failures_total %" PRIu64 "\n", c[COUNTER_SETUP_FAILURES]);
}

/* The exposition into f. */
static int metrics_write(FILE *f, int run)
{
	_cleanup_(user_names_freep) UserNames *names = NULL;
	_cleanup_(freep) PaddockUsage *v = NULL;
	size_t n = 0, failed = 0;
	double t0 = usage_now();
	int r;

	names = user_names_load();
	r = usage_collect_all(run, names, &v, &n, &failed);
	if (r < 0)
		return r;
	put_paddock_metrics(f, v, n);
	put_node_metrics(f, run, n, failed, usage_now() - t0);
	return 0;
}

/*
 * DIR/paddock.prom, whole or not at all: written to a hidden name the
 * collector ignores (it reads *.prom only), flushed, then renamed over the
 * old one.  Readable by all (0644): node_exporter runs as its own user.
 */
static int textfile_write(const char *dir, int run)
{
	_cleanup_(closep) int dfd = -EBADF;
	_cleanup_(fclosep) FILE *f = NULL;
	char tmp[64];
	int fd, r;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	snprintf(tmp, sizeof(tmp), "." TEXTFILE_NAME ".%d", (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	f = fdopen(fd, "w");
	if (!f) {
		r = negative_errno();
		close(fd);
		goto fail;
	}
	r = metrics_write(f, run);
	if (r >= 0 && (fflush(f) != 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = negative_errno();
	if (r >= 0 && renameat(dfd, tmp, dfd, TEXTFILE_NAME) < 0)
		r = negative_errno();
	if (r >= 0)
		return 0;
fail:
	(void)unlinkat(dfd, tmp, 0);
	return r;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "textfile", required_argument, NULL, 't' },
		{},
	};
	static char buf[1 << 16];
	_cleanup_(closep) int run = -EBADF;
	const char *textfile = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c == 't')
			textfile = optarg;
		else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (!admin_require_root("metrics"))
		return 1;
	/* Made (root's, 0700) when nothing ran since boot: an empty node. */
	r = state_open_run_dir(&run);
	if (r < 0) {
		fprintf(stderr, "paddock metrics: %s: %s\n", STATE_DIR, strerror(-r));
		return 1;
	}
	if (textfile) {
		r = textfile_write(textfile, run);
		if (r < 0) {
			fprintf(stderr, "paddock metrics: %s/%s: %s\n", textfile, TEXTFILE_NAME,
				strerror(-r));
			return 1;
		}
		return 0;
	}
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	r = metrics_write(stdout, run);
	if (r < 0) {
		fprintf(stderr, "paddock metrics: %s\n", strerror(-r));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: paddock metrics [--textfile DIR]\n");
	return 2;
}
