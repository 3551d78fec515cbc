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
#include "holder-start.h"
#include "session.h"

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

int net_start(const char *helper_path, const char *user, uid_t uid, pid_t pid, int pidfd,
	      const PolicyGlobal *g, const UserPolicy *up, NetStarted *ret)
{
	static const char *const access[] = { "none", "dns", "all" };
	_cleanup_(closep) int fd = -EBADF;
	char cmd[2048], reply[sizeof(ret->error) + 32], uid_s[16], pid_s[16], pool[64], pool6[64];
	char dns[160], deny[NET_CIDRS_MAX * 48], allow[NET_CIDRS_MAX * 48];
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
	netaddr_format(&g->nat_pool, true, pool, sizeof(pool));
	netaddr_format(&g->nat_pool6, true, pool6, sizeof(pool6));
	if (g->dns.auto_)
		snprintf(dns, sizeof(dns), "auto");
	else
		list_text(&g->dns.servers, dns, sizeof(dns));
	list_text(&up->egress_deny, deny, sizeof(deny));
	list_text(&up->egress_allow, allow, sizeof(allow));

	const char *const words[] = { NET_HELPER_NAME, "up",
				      "--uid",	       uid_s,
				      "--user",	       user,
				      "--pid",	       pid_s,
				      "--pool",	       pool,
				      "--dns",	       dns,
				      "--hook",	       g->network_hook,
				      "--deny",	       deny,
				      "--allow",       allow,
				      "--host-access", access[up->host_access] };
	for (size_t i = 0; i < ELEMENTSOF(words) && r >= 0; i++)
		r = holder_put_word(cmd, sizeof(cmd), &n, words[i]);
	if (r >= 0 && *pool6) {
		r = holder_put_word(cmd, sizeof(cmd), &n, "--pool6");
		if (r >= 0)
			r = holder_put_word(cmd, sizeof(cmd), &n, pool6);
	}
	if (r < 0)
		return r;
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

int net_open_helper_self(int *ret_fd)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return negative_errno();
	exe[n] = '\0';
	return net_open_helper(exe, ret_fd);
}

int net_down_args(uid_t uid, const char *user, NetDownArgs *a)
{
	char rec[64];
	struct stat st;

	snprintf(rec, sizeof(rec), STATE_DIR "/" NET_STATE_DIR "/u-%u", (unsigned)uid);
	if (lstat(rec, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	*a = (NetDownArgs){ .argv = { (char *)(uintptr_t)NET_HELPER_NAME,
				      (char *)(uintptr_t) "down", (char *)(uintptr_t) "--uid", NULL,
				      (char *)(uintptr_t) "--user", (char *)(uintptr_t)user,
				      NULL } };
	snprintf(a->uid_s, sizeof(a->uid_s), "%u", (unsigned)uid);
	a->argv[3] = a->uid_s;
	return 1;
}

int net_record_format(const NetRecord *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s %s %s\n", r->host_if, r->address, r->peer,
			 *r->address6 ? r->address6 : "-");

	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}

int net_record_read(int net_dir_fd, uid_t uid, NetRecord *ret)
{
	char name[32], buf[256];
	NetRecord r = { 0 };
	int n;

	snprintf(name, sizeof(name), NET_RECORD_PREFIX "%u", (unsigned)uid);
	n = cg_read(net_dir_fd, name, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (sscanf(buf, "%15s %63s %63s %63s", r.host_if, r.address, r.peer, r.address6) != 4)
		return -EBADMSG;
	if (streq(r.address6, "-"))
		r.address6[0] = '\0';
	*ret = r;
	return 0;
}
