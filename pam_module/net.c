/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's side of network = nat (net.h). */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup-fs.h"
#include "holder-spawn.h"
#include "session.h"
#include "state.h"

int net_open_helper(const char *helper_path, int *ret_fd)
{
	const char *slash = strrchr(helper_path, '/');
	char path[POLICY_PATH_MAX + sizeof(NET_HELPER_NAME)];

	if (!slash || (size_t)(slash - helper_path) + sizeof(NET_HELPER_NAME) + 1 > sizeof(path))
		return -EINVAL;
	snprintf(path, sizeof(path), "%.*s/" NET_HELPER_NAME, (int)(slash - helper_path),
		 helper_path);
	return session_open_root_exec(path, ret_fd);
}

/* A list of prefixes as one word, "A/L B/L", or "none"/"any". */
static void list_text(const NetCidrList *l, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (l->any) {
		snprintf(buf, len, "any");
		return;
	}
	if (l->n == 0) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned i = 0; i < l->n && n + 1 < len; i++) {
		if (i)
			buf[n++] = ' ';
		netaddr_format(&l->c[i], true, buf + n, len - n);
		n += strlen(buf + n);
	}
}

/* The options of paddock-net up that the policy gives, as words in cmd. */
static int policy_words(const PolicyGlobal *g, const UserPolicy *up, char *cmd, size_t len,
			size_t *n)
{
	static const char *const access[] = { "none", "dns", "all" };
	char pool[64], pool6[64], dns[160], deny[NET_CIDRS_MAX * 48], allow[NET_CIDRS_MAX * 48];
	int r = 0;

	netaddr_format(&g->nat_pool, true, pool, sizeof(pool));
	netaddr_format(&g->nat_pool6, true, pool6, sizeof(pool6));
	if (g->dns.auto_)
		snprintf(dns, sizeof(dns), "auto");
	else
		list_text(&g->dns.servers, dns, sizeof(dns));
	list_text(&up->egress_deny, deny, sizeof(deny));
	list_text(&up->egress_allow, allow, sizeof(allow));

	const char *const words[] = { "--pool",	       pool,
				      "--dns",	       dns,
				      "--deny",	       deny,
				      "--allow",       allow,
				      "--host-access", access[up->host_access] };
	for (size_t i = 0; i < ELEMENTSOF(words) && r >= 0; i++)
		r = holder_put_word(cmd, len, n, words[i]);
	if (r >= 0 && *pool6) {
		r = holder_put_word(cmd, len, n, "--pool6");
		if (r >= 0)
			r = holder_put_word(cmd, len, n, pool6);
	}
	return r;
}

/* Run paddock-net (fd) with the words of cmd and read its answer, "ok ADDR
 * HOST_IF" into ret. */
static int run_up(int fd, char *cmd, size_t n, int pidfd, NetStarted *ret)
{
	char reply[sizeof(ret->error) + 32];
	int r;

	r = holder_run_helper(fd, cmd, n, pidfd, NET_HELPER_TIMEOUT_MS, reply, sizeof(reply));
	if (r < 0) {
		snprintf(ret->error, sizeof(ret->error), "%s: %s", NET_HELPER_NAME, strerror(-r));
		return r;
	}
	if (strncmp(reply, "ok ", 3) == 0 &&
	    sscanf(reply + 3, "%63s %15s", ret->addr, ret->host_if) == 2)
		return 0;
	snprintf(ret->error, sizeof(ret->error), "%s",
		 strncmp(reply, "error ", 6) == 0 ? reply + 6
		 : *reply			  ? reply
						  : "paddock-net exited without an answer");
	return -EIO;
}

int net_start(const char *helper_path, const char *user, uid_t uid, pid_t pid, int pidfd,
	      const PolicyGlobal *g, const UserPolicy *up, NetStarted *ret)
{
	_cleanup_(closep) int fd = -EBADF;
	char cmd[2048], uid_s[16], pid_s[16];
	size_t n = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	r = net_open_helper(helper_path, &fd);
	if (r < 0) {
		snprintf(ret->error, sizeof(ret->error), "%s beside %s: %s", NET_HELPER_NAME,
			 helper_path, strerror(-r));
		return r;
	}
	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);

	const char *const words[] = { NET_HELPER_NAME, "up",	       "--uid", uid_s,
				      "--user",	       user,	       "--pid", pid_s,
				      "--hook",	       g->network_hook };
	for (size_t i = 0; i < ELEMENTSOF(words) && r >= 0; i++)
		r = holder_put_word(cmd, sizeof(cmd), &n, words[i]);
	if (r >= 0)
		r = policy_words(g, up, cmd, sizeof(cmd), &n);
	if (r < 0)
		return r;
	return run_up(fd, cmd, n, pidfd, ret);
}

int net_spare_text(const PolicyGlobal *g, const UserPolicy *up, char buf[static NET_SPARE_TEXT_MAX])
{
	size_t n = 0;

	buf[0] = '\0';
	if (up->network != NETWORK_NAT || *g->network_hook ||
	    policy_words(g, up, buf, NET_SPARE_TEXT_MAX, &n) < 0 || n == 0) {
		buf[0] = '\0';
		return 0;
	}
	/* No word has a ';' (prefixes, addresses, keywords). */
	for (size_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ';';
	return 1;
}

int net_spare_up(const char *spare, pid_t pid, int pidfd, const char *text, char *err,
		 size_t err_len)
{
	_cleanup_(closep) int fd = -EBADF;
	char cmd[2048], pid_s[16];
	NetStarted ns = { 0 };
	size_t n = 0, k;
	int r = 0;

	r = net_open_helper_self(&fd);
	if (r < 0) {
		snprintf(err, err_len, "%s: %s", NET_HELPER_NAME, strerror(-r));
		return r;
	}
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);

	const char *const words[] = { NET_HELPER_NAME, "up", "--spare", spare, "--pid", pid_s };
	for (size_t i = 0; i < ELEMENTSOF(words) && r >= 0; i++)
		r = holder_put_word(cmd, sizeof(cmd), &n, words[i]);
	k = strlen(text) + 1;
	if (r < 0 || n + k > sizeof(cmd))
		return -E2BIG;
	for (size_t i = 0; i < k; i++)
		cmd[n + i] = text[i] == ';' ? '\0' : text[i];
	n += k;
	r = run_up(fd, cmd, n, pidfd, &ns);
	if (r < 0)
		snprintf(err, err_len, "%s", ns.error);
	return r;
}

int net_netns_name_add(const char *user, pid_t pid)
{
	char path[128], target[48];

	if (!user || !*user || strchr(user, '/') || user[0] == '.')
		return -EINVAL;
	snprintf(path, sizeof(path), NET_NETNS_DIR "/" NET_NETNS_PREFIX "%s", user);
	if (mkdir(NET_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	snprintf(target, sizeof(target), "/proc/%d/ns/net", (int)pid);
	(void)unlink(path);
	return symlink(target, path) < 0 ? negative_errno() : 0;
}

void net_netns_name_remove(const char *user)
{
	char path[128], target[64];
	ssize_t n;

	if (!user || !*user || strchr(user, '/') || user[0] == '.')
		return;
	snprintf(path, sizeof(path), NET_NETNS_DIR "/" NET_NETNS_PREFIX "%s", user);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (strncmp(target, "/proc/", 6) == 0)
		(void)unlink(path);
}

int net_claim(int run_dir_fd, const char *spare, uid_t uid, const char *user, pid_t pid,
	      NetStarted *ret)
{
	_cleanup_(closep) int net_fd = -EBADF;
	char from[NET_OWNER_MAX + 4], to[32];
	NetRecord rec;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = state_open_private_dir(run_dir_fd, NET_STATE_DIR, false, &net_fd);
	snprintf(from, sizeof(from), NET_RECORD_PREFIX "%s", spare);
	snprintf(to, sizeof(to), NET_RECORD_PREFIX "%u", (unsigned)uid);
	/* Replaces the record of an earlier paddock of uid that ended
	 * without its paddock-net down: that one has no address now. */
	if (r >= 0 && renameat(net_fd, from, net_fd, to) < 0)
		r = negative_errno();
	if (r >= 0)
		r = net_record_read(net_fd, uid, &rec);
	if (r >= 0 && !streq(rec.spare, spare))
		r = -EBADMSG;
	if (r < 0) {
		snprintf(ret->error, sizeof(ret->error), "the record of spare %s: %s", spare,
			 strerror(-r));
		return r;
	}
	r = net_netns_name_add(user, pid);
	if (r < 0) {
		snprintf(ret->error, sizeof(ret->error), "ip netns name: %s", strerror(-r));
		return r;
	}
	snprintf(ret->addr, sizeof(ret->addr), "%s", rec.address);
	snprintf(ret->host_if, sizeof(ret->host_if), "%s", rec.host_if);
	return 0;
}

int net_open_helper_self(int *ret_fd)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return negative_errno();
	exe[n] = '\0';
	return net_open_helper(exe, ret_fd);
}

/* Whether the record net/PREFIX + owner exists. */
static bool has_record(const char *prefix, const char *owner)
{
	char rec[96];
	struct stat st;

	snprintf(rec, sizeof(rec), STATE_DIR "/" NET_STATE_DIR "/%s%s", prefix, owner);
	return lstat(rec, &st) == 0;
}

int net_down_args(uid_t uid, const char *user, const char *spare, NetDownArgs *a)
{
	char uid_s[16];
	size_t k = 2;

	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
	if (!(uid != (uid_t)-1 &&
	      (has_record("u-", uid_s) || has_record(NET_RECORD_PREFIX, uid_s))) &&
	    !(spare && has_record("u-", spare)))
		return 0;
	*a = (NetDownArgs){ .argv = { (char *)(uintptr_t)NET_HELPER_NAME,
				      (char *)(uintptr_t) "down" } };
	snprintf(a->uid_s, sizeof(a->uid_s), "%s", uid_s);
	if (uid != (uid_t)-1) {
		a->argv[k++] = (char *)(uintptr_t) "--uid";
		a->argv[k++] = a->uid_s;
		if (user) {
			a->argv[k++] = (char *)(uintptr_t) "--user";
			a->argv[k++] = (char *)(uintptr_t)user;
		}
	}
	if (spare) {
		a->argv[k++] = (char *)(uintptr_t) "--spare";
		a->argv[k++] = (char *)(uintptr_t)spare;
	}
	return 1;
}

int net_record_format(const NetRecord *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s %s %s%s%s\n", r->host_if, r->address, r->peer,
			 *r->address6 ? r->address6 : "-", *r->spare ? " " : "", r->spare);

	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}

int net_record_read(int net_dir_fd, uid_t uid, NetRecord *ret)
{
	char name[32];

	snprintf(name, sizeof(name), NET_RECORD_PREFIX "%u", (unsigned)uid);
	return net_record_read_name(net_dir_fd, name, ret);
}

int net_record_read_name(int net_dir_fd, const char *name, NetRecord *ret)
{
	char buf[320];
	NetRecord r = { 0 };
	int n;

	n = fs_read_file(net_dir_fd, name, buf, sizeof(buf));
	if (n < 0)
		return n;
	n = sscanf(buf, "%15s %63s %63s %63s %39s", r.host_if, r.address, r.peer, r.address6,
		   r.spare);
	if (n != 4 && n != 5)
		return -EBADMSG;
	if (streq(r.address6, "-"))
		r.address6[0] = '\0';
	*ret = r;
	return 0;
}
