/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/net.h"
#include "../pam_module/state.h"

typedef struct UserName {
	uid_t uid;
	char *name;
} UserName;

struct UserNames {
	UserName *v;
	size_t n;
};

static int user_name_cmp(const void *a, const void *b)
{
	uid_t x = ((const UserName *)a)->uid, y = ((const UserName *)b)->uid;

	return x < y ? -1 : x > y;
}

UserNames *user_names_load(void)
{
	UserNames *t = calloc(1, sizeof(*t));
	size_t cap = 0;
	struct passwd *pw;

	if (!t)
		return NULL;
	setpwent();
	while ((pw = getpwent())) {
		if (t->n == cap) {
			UserName *m = realloc(t->v, (cap = cap ? cap * 2 : 256) * sizeof(*m));

			if (!m)
				break;
			t->v = m;
		}
		t->v[t->n].uid = pw->pw_uid;
		t->v[t->n].name = strdup(pw->pw_name);
		if (!t->v[t->n].name)
			break;
		t->n++;
	}
	endpwent();
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), user_name_cmp);
	return t;
}

void user_names_free(UserNames *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t);
}

void user_names_freep(UserNames **t)
{
	user_names_free(*t);
}

void user_names_get(UserNames *t, uid_t uid, char *buf, size_t len)
{
	UserName key = { .uid = uid }, *hit = NULL;
	struct passwd *pw;

	if (t && t->n)
		hit = bsearch(&key, t->v, t->n, sizeof(*t->v), user_name_cmp);
	if (hit) {
		snprintf(buf, len, "%s", hit->name);
		return;
	}
	/* Sources that do not enumerate (LDAP or SSSD without enumerate). */
	pw = getpwuid(uid);
	snprintf(buf, len, "%s", pw ? pw->pw_name : "");
}

/*
 * The holder's start in seconds since the epoch: /proc counts a process's
 * start in clock ticks after boot (CLOCK_BOOTTIME), so the boot is now on
 * the real-time clock minus the time since boot.
 */
static double start_time(uint64_t ticks)
{
	static long hz;
	struct timespec rt, bt;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || clock_gettime(CLOCK_REALTIME, &rt) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return 0;
	return (double)rt.tv_sec - (double)bt.tv_sec + (rt.tv_nsec - bt.tv_nsec) / 1e9 +
	       (double)ticks / (double)hz;
}

/* STATE_DIR/net/, paddock-net's records; -ENOENT before the first nat paddock. */
static int net_dir_open(int run_dir_fd)
{
	int fd = -EBADF, r = state_open_private_dir(run_dir_fd, NET_STATE_DIR, false, &fd);

	return r < 0 ? r : fd;
}

/* The host end of a nat paddock, from its record in net_fd (net_dir_open());
 * "" for a paddock without one. */
static void net_host_if(int net_fd, uid_t uid, char *buf, size_t len)
{
	NetRecord rec;

	buf[0] = '\0';
	if (net_fd < 0 || net_record_read(net_fd, uid, &rec) < 0)
		return;
	snprintf(buf, len, "%s", rec.host_if);
}

/* One counter of /sys/class/net/IF/statistics (the host's network namespace). */
static int net_stat(const char *ifname, const char *name, uint64_t *ret)
{
	char path[96], buf[32];
	int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, name);
	n = fs_read_file(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? n : -EBADMSG;
	buf[strcspn(buf, "\n")] = '\0';
	return units_parse_u64(buf, ret) < 0 ? -EBADMSG : 0;
}

/* The host end sends what the paddock receives: the directions swap. */
static void net_read(PaddockNet *net)
{
	if (!*net->host_if)
		return;
	if (net_stat(net->host_if, "tx_bytes", &net->rx_bytes) < 0 ||
	    net_stat(net->host_if, "tx_packets", &net->rx_packets) < 0 ||
	    net_stat(net->host_if, "rx_bytes", &net->tx_bytes) < 0 ||
	    net_stat(net->host_if, "rx_packets", &net->tx_packets) < 0)
		net->host_if[0] = '\0'; /* recorded but gone: no figures */
}

/* What usage_collect() adds to the holder's description; cache: NULL, or
 * the cgroup parents kept open for a run over many paddocks; net_fd:
 * net_dir_open()'s. */
static void usage_complete(int net_fd, UserNames *names, CgroupUsageCache *cache, PaddockUsage *u)
{
	uid_t uid = u->info.uid;

	user_names_get(names, uid, u->info.user, sizeof(u->info.user));
	u->have_usage = u->info.cgm &&
			u->info.cgm->usage(u->info.cgroup_parent, uid, cache, &u->usage) >= 0;
	if (!u->have_usage)
		cg_usage_unknown(&u->usage);
	u->start_time = start_time(u->info.holder_start_ticks);
	net_host_if(net_fd, uid, u->net.host_if, sizeof(u->net.host_if));
	net_read(&u->net);
}

/* The sessions of every paddock, or NULL (reported once) when this kernel
 * cannot list UNIX sockets: the counts are then unknown, not 0. */
static CtlConns *conns_dump(void)
{
	CtlConns *c = NULL;
	int r = ctl_conns_dump(&c);

	if (r < 0)
		fprintf(stderr, "paddock: sessions not counted: sock_diag of UNIX sockets: %s\n",
			strerror(-r));
	return c;
}

int usage_collect(int run_dir_fd, uid_t uid, UserNames *names, PaddockUsage *ret)
{
	_cleanup_(ctl_conns_freep) CtlConns *conns = conns_dump();
	_cleanup_(closep) int net_fd = -EBADF;
	PaddockUsage u = { 0 };
	int r;

	r = admin_paddock_read(run_dir_fd, uid, conns, &u.info);
	if (r < 0)
		return r;
	net_fd = net_dir_open(run_dir_fd);
	usage_complete(net_fd, names, NULL, &u);
	*ret = u;
	return 0;
}

int usage_collect_all(int run_dir_fd, UserNames *names, PaddockUsage **ret, size_t *ret_n,
		      size_t *ret_failed)
{
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(freep) PaddockUsage *v = NULL;
	_cleanup_(cg_usage_cache_freep) CgroupUsageCache *cache = cg_usage_cache_new();
	_cleanup_(ctl_conns_freep) CtlConns *conns = NULL;
	_cleanup_(closep) int net_fd = -EBADF;
	size_t n = 0, k = 0, failed = 0;
	int r;

	r = admin_list_uids(run_dir_fd, &uids, &n);
	if (r < 0)
		return r;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	conns = conns_dump();
	net_fd = net_dir_open(run_dir_fd);
	for (size_t i = 0; i < n; i++) {
		v[k] = (PaddockUsage){ 0 };
		r = admin_paddock_read(run_dir_fd, uids[i], conns, &v[k].info);
		if (r >= 0) {
			usage_complete(net_fd, names, cache, &v[k]);
			k++;
		} else if (r != -ESTALE) { /* dead or dying: collected by the next login */
			failed++;
		}
	}
	*ret = TAKE_PTR(v);
	*ret_n = k;
	*ret_failed = failed;
	return 0;
}

double usage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
