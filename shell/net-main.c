/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock-net: the network of a nat paddock, made by root in the network
 * namespace of the login that starts the paddock (the "host").  The module
 * runs it once per new paddock, before the join, and waits for its one
 * reply line; a joining login never runs it.  It is a program of its own so
 * that libmnl and libnftnl are mapped only while it runs: not in sshd (the
 * module), not in the holder (PID 1 of every paddock); libnftables only
 * while it makes the table (net-nft-dl.h).
 *
 *   paddock-net up --uid UID --user NAME --pid PID --pool CIDR [--pool6 CIDR]
 *                  --dns auto|"ADDR ..." [--hook PATH] --deny "CIDR ..."|none
 *                  --allow any|"CIDR ..." --host-access none|dns|all
 *       fd 3: where the reply goes, "ok ADDR HOST_IF\n" or "error STEP: TEXT\n"
 *       fd 4: a pidfd of the paddock's holder (PID PID)
 *   paddock-net up --spare KEY.ID --pid PID --pool ... (no --uid, --user, --hook)
 *                                 a spare's network, made ahead by its maker:
 *                                 host end pdksSLOT, records under KEY.ID,
 *                                 no ip netns name (the claim makes it)
 *   paddock-net down [--uid UID --user NAME] [--spare KEY.ID]
 *                                 the paddock's link, elements, address and name
 *   paddock-net flush             the whole table (paddock stop --all)
 *
 * Order of up, each step undone when a later one fails: the address (under
 * the pool's lock, which is held to the end), the veth pair, the ruleset's
 * elements, forwarding, the resolv.conf, the site's hook.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/ns.h"
#include "../pam_module/session.h"
#include "../pam_module/state.h"
#include "net-dns.h"
#include "net-link.h"
#include "net-nft.h"
#include "net-pool.h"

#define NET_FD_REPLY	 3
#define NET_FD_PIDFD	 4
#define HOOK_TIMEOUT_MS	 10000
#define HOST_RESOLV_CONF "/etc/resolv.conf"

typedef struct NetArgs {
	const char *cmd;
	uid_t uid;
	bool has_uid;
	const char *user;
	const char *spare; /* KEY.ID: a spare's network (net-pool.h) */
	pid_t pid;
	NetCidr pool, pool6;
	PolicyDns dns;
	const char *hook;
	NetCidrList deny, allow;
	HostAccess host_access;
} NetArgs;

static char reply_err[512];

_printf_(2, 3) static int failf(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reply_err, sizeof(reply_err), fmt, ap);
	va_end(ap);
	return r < 0 ? r : -EIO;
}

static int parse_args(int argc, char **argv, NetArgs *a)
{
	uint64_t v;

	if (argc < 1)
		return -EINVAL;
	a->cmd = argv[0];
	a->dns.auto_ = true;
	a->allow.any = true;
	a->host_access = HOST_ACCESS_DNS;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0;

		if (!val)
			return -EINVAL;
		if (streq(k, "--uid")) {
			r = units_parse_u64(val, &v);
			if (r >= 0 && v >= UINT32_MAX)
				r = -ERANGE;
			a->uid = (uid_t)v;
			a->has_uid = true;
		} else if (streq(k, "--spare")) {
			/* KEY.ID of pam_module/spare.h: hex digits and one dot. */
			if (strlen(val) >= NET_OWNER_MAX ||
			    strspn(val, "0123456789abcdef.") != strlen(val) ||
			    !net_pool_is_spare(val) || val[0] == '.')
				r = -EINVAL;
			a->spare = val;
		} else if (streq(k, "--pid")) {
			r = units_parse_u64(val, &v);
			if (r >= 0 && (v == 0 || v > INT32_MAX))
				r = -ERANGE;
			a->pid = (pid_t)v;
		} else if (streq(k, "--user")) {
			a->user = val;
		} else if (streq(k, "--pool")) {
			r = netaddr_parse_cidr(val, AF_INET, &a->pool);
		} else if (streq(k, "--pool6")) {
			r = netaddr_parse_cidr(val, AF_INET6, &a->pool6);
		} else if (streq(k, "--dns")) {
			a->dns = (PolicyDns){ .auto_ = streq(val, "auto") };
			if (!a->dns.auto_)
				r = netaddr_parse_list(val, false, NET_DNS_MAX, &a->dns.servers);
		} else if (streq(k, "--hook")) {
			a->hook = *val ? val : NULL;
		} else if (streq(k, "--deny")) {
			a->deny = (NetCidrList){ 0 };
			if (!streq(val, "none"))
				r = netaddr_parse_list(val, false, NET_CIDRS_MAX, &a->deny);
		} else if (streq(k, "--allow")) {
			r = netaddr_parse_list(val, true, NET_CIDRS_MAX, &a->allow);
		} else if (streq(k, "--host-access")) {
			a->host_access = streq(val, "none")  ? HOST_ACCESS_NONE
					 : streq(val, "all") ? HOST_ACCESS_ALL
							     : HOST_ACCESS_DNS;
		} else {
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_text(int dir, const char *name, char *buf, size_t len)
{
	_cleanup_(closep) int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, len - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return 0;
}

static int write_text(int dir, const char *name, const char *text)
{
	_cleanup_(closep) int fd = -EBADF;
	size_t n = strlen(text);

	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	return write(fd, text, n) == (ssize_t)n ? 0 : negative_errno();
}

/* A sysctl of the caller's network namespace (/proc/sys/net is per namespace). */
static int sysctl_get(const char *path, char *ret)
{
	char buf[8];
	_cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? negative_errno() : -EIO;
	*ret = buf[0];
	return 0;
}

static int sysctl_set(const char *path, const char *v)
{
	_cleanup_(closep) int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	return write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : negative_errno();
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the site's hook with the paddock's facts in its environment, fds
 * 0-2 /dev/null, for at most HOOK_TIMEOUT_MS.  Returns 0 for exit 0. */
static int hook_run(const NetArgs *a, const char *addr, const char *host_if)
{
	char e_user[300], e_uid[32], e_addr[80], e_if[40], e_ns[64];
	char *envp[] = { (char *)(uintptr_t) "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			 e_user,
			 e_uid,
			 e_addr,
			 e_if,
			 e_ns,
			 NULL };
	char *argv[] = { (char *)(uintptr_t)a->hook, NULL };
	int64_t deadline = now_ms() + HOOK_TIMEOUT_MS;
	_cleanup_(closep) int fd = -EBADF;
	int pidfd, status, r;
	pid_t pid;

	/* Checked and run from the same fd: the file that was checked runs. */
	r = session_open_root_exec(a->hook, &fd);
	if (r < 0)
		return failf(
			r, "network_hook %s: not a root-owned executable that only root may write",
			a->hook);
	snprintf(e_user, sizeof(e_user), "PADDOCK_USER=%s", a->user ? a->user : "");
	snprintf(e_uid, sizeof(e_uid), "PADDOCK_UID=%u", (unsigned)a->uid);
	snprintf(e_addr, sizeof(e_addr), "PADDOCK_ADDR=%s", addr);
	snprintf(e_if, sizeof(e_if), "PADDOCK_HOST_IF=%s", host_if);
	snprintf(e_ns, sizeof(e_ns), "PADDOCK_NETNS=/proc/%d/ns/net", (int)a->pid);
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDWR);

		/* The hook's fd goes to 3 without close-on-exec: a script's
		 * interpreter opens it again as /dev/fd/3. */
		if (null_fd < 0 || dup2(fd, 3) < 0 || dup2(null_fd, 0) < 0 ||
		    dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0 || close_range(4, ~0U, 0) < 0)
			_exit(127);
		execveat(3, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	pidfd = pidfd_open(pid, 0);
	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int64_t left = deadline - now_ms();

		if (pidfd < 0 || left <= 0 || poll(&p, 1, (int)left) == 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			if (pidfd >= 0)
				close(pidfd);
			return failf(-ETIMEDOUT, "network_hook %s: no exit within %d s", a->hook,
				     HOOK_TIMEOUT_MS / 1000);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	close(pidfd);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return failf(-EIO, "network_hook %s: failed (%s %d)", a->hook,
			     WIFEXITED(status) ? "exit status" : "signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

/* The host end of owner's veth: pdkUID, or a spare's by its slot. */
static void host_if_name(const char *owner, uint32_t slot, char buf[static NET_IF_NAME_MAX])
{
	if (net_pool_is_spare(owner))
		net_pool_spare_if(slot, buf);
	else
		snprintf(buf, NET_IF_NAME_MAX, "pdk%s", owner);
}

/* Undo what up made for owner: link, elements, the slot, its record.  A
 * spare's link is known by its slot only while the slot is its own. */
static void down_owner(int net_fd, const char *owner)
{
	char host_if[NET_IF_NAME_MAX], name[NET_OWNER_MAX + 4], elems[NET_NFT_ELEMS_MAX];
	bool has_slot;
	uint32_t slot;

	has_slot = net_pool_find(net_fd, owner, &slot) >= 0;
	if (has_slot || !net_pool_is_spare(owner)) {
		host_if_name(owner, has_slot ? slot : 0, host_if);
		(void)net_link_remove(host_if);
	}
	if (has_slot) {
		snprintf(name, sizeof(name), "e-%u", (unsigned)slot);
		if (read_text(net_fd, name, elems, sizeof(elems)) >= 0) {
			net_nft_down(elems);
			(void)unlinkat(net_fd, name, 0);
		}
	}
	(void)net_pool_release(net_fd, owner);
	snprintf(name, sizeof(name), NET_RECORD_PREFIX "%s", owner);
	(void)unlinkat(net_fd, name, 0);
}

/* paddock-net down: uid's paddock (made by paddock-net up --uid, or a
 * claimed spare's: its record a-UID names the spare), and the spare's. */
static void do_down(int net_fd, const NetArgs *a)
{
	NetRecord rec;
	char uid_s[16];

	if (a->has_uid) {
		snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)a->uid);
		if (net_record_read(net_fd, a->uid, &rec) >= 0 && *rec.spare &&
		    !(a->spare && streq(a->spare, rec.spare)))
			down_owner(net_fd, rec.spare);
		down_owner(net_fd, uid_s);
		net_netns_name_remove(a->user);
	}
	if (a->spare)
		down_owner(net_fd, a->spare);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The names of NET_NETNS_DIR whose namespace is gone (a holder killed before
 * its paddock-net down): a dangling symlink into /proc. */
static void netns_names_collect(void)
{
	_cleanup_(closedirp) DIR *d = opendir(NET_NETNS_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char target[64];
		struct stat st;
		ssize_t n;

		if (strncmp(de->d_name, NET_NETNS_PREFIX, strlen(NET_NETNS_PREFIX)) != 0)
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "/proc/", 6) == 0 && stat(target, &st) < 0 && errno == ENOENT)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
}

/* Whether name is a uid in decimal. */
static bool is_uid(const char *name)
{
	uint64_t v;

	return *name >= '0' && *name <= '9' && units_parse_u64(name, &v) >= 0 && v < UINT32_MAX;
}

/* What a paddock or spare that ended without its paddock-net down left (its
 * holder was killed, or its down timed out): the slot, the ruleset's
 * elements and the record of every owner other than self and self2 (or
 * NULL) that is gone
 * (net_pool_owner_alive()), the records of claimed spares (a-UID) whose
 * STATE_DIR/UID is gone, and then the dangling netns names (only then:
 * their check costs a lookup in /proc per live paddock, at every up and
 * down).  Called under the pool's lock.  Returns the number of other
 * owners that still have an address. */
static unsigned collect_stale(int run_fd, int net_fd, const char *self, const char *self2)
{
	unsigned live = 0, collected = 0;
	_cleanup_(closedirp) DIR *d = NULL;
	int fd = fcntl(net_fd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;

	if (fd < 0)
		return 1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 1;
	}
	while ((de = readdir(d))) {
		const char *owner = de->d_name + 2;
		uint32_t slot = 0;
		struct stat st;

		if (strncmp(de->d_name, NET_RECORD_PREFIX, 2) == 0 && is_uid(owner) &&
		    !streq(owner, self) && fstatat(run_fd, owner, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT) {
			(void)unlinkat(net_fd, de->d_name, 0);
			collected++;
			continue;
		}
		if (strncmp(de->d_name, "u-", 2) != 0 || streq(owner, self) ||
		    (self2 && streq(owner, self2)))
			continue;
		if (!is_uid(owner) && !net_pool_is_spare(owner)) {
			live++;
			continue;
		}
		if (net_pool_is_spare(owner) && net_pool_find(net_fd, owner, &slot) < 0)
			continue;
		if (net_pool_owner_alive(run_fd, owner, slot)) {
			live++;
			continue;
		}
		syslog(LOG_NOTICE, "%s %s: collecting the network of an ended paddock",
		       net_pool_is_spare(owner) ? "spare" : "uid", owner);
		down_owner(net_fd, owner);
		collected++;
	}
	if (collected > 0)
		netns_names_collect();
	return live;
}

/* net/a-OWNER for paddock status (NetRecord). */
static int write_record(int net_fd, const char *owner, const NetAddrs *a, const char *host_if)
{
	NetRecord rec = { 0 };
	char name[NET_OWNER_MAX + 4], line[320];
	int r;

	snprintf(rec.host_if, sizeof(rec.host_if), "%s", host_if);
	netaddr_format(&a->peer4, false, rec.address, sizeof(rec.address));
	netaddr_format(&a->host4, false, rec.peer, sizeof(rec.peer));
	netaddr_format(&a->peer6, false, rec.address6, sizeof(rec.address6));
	if (net_pool_is_spare(owner))
		snprintf(rec.spare, sizeof(rec.spare), "%s", owner);
	r = net_record_format(&rec, line, sizeof(line));
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), NET_RECORD_PREFIX "%s", owner);
	return write_text(net_fd, name, line);
}

#define STEP(name, expr)                                                                           \
	do {                                                                                       \
		*step = (name);                                                                    \
		r = (expr);                                                                        \
		if (r < 0)                                                                         \
			goto fail;                                                                 \
	} while (0)

static int do_up(const NetArgs *a, int run_fd, int net_fd, char *ok, size_t ok_len,
		 const char **step)
{
	_cleanup_(closep) int netns = -EBADF, mntns = -EBADF, self = -EBADF;
	char host_if[NET_IF_NAME_MAX], name[24], old[NET_NFT_ELEMS_MAX], elems[NET_NFT_ELEMS_MAX],
		err[256];
	char resolv[NET_RESOLV_MAX], addr[64], owner[NET_OWNER_MAX], fwd = '1', fwd6 = '1';
	struct stat st_self, st_ns;
	bool has_stub = false, linked = false, ruled = false;
	NetCidr stub;
	NetAddrs addrs;
	uint32_t slot;
	int r;

	*step = "namespaces";
	netns = ns_open_of(NET_FD_PIDFD, a->pid, NS_NET, NULL);
	mntns = ns_open_of(NET_FD_PIDFD, a->pid, NS_MNT, NULL);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns < 0 || mntns < 0 || self < 0)
		return failf(netns < 0	 ? netns
			     : mntns < 0 ? mntns
					 : -errno,
			     "the holder's namespaces cannot be opened");
	if (fstat(self, &st_self) < 0 || fstat(netns, &st_ns) < 0)
		return negative_errno();
	if (st_self.st_ino == st_ns.st_ino && st_self.st_dev == st_ns.st_dev)
		return failf(-EPERM, "the holder has no network namespace of its own");
	if (pidfd_send_signal(NET_FD_PIDFD, 0, NULL, 0) < 0)
		return failf(-ESTALE, "the holder is gone");

	if (a->spare)
		snprintf(owner, sizeof(owner), "%s", a->spare);
	else
		snprintf(owner, sizeof(owner), "%u", (unsigned)a->uid);
	*step = "address";
	r = net_pool_take(run_fd, net_fd, &a->pool, owner, &slot);
	if (r == -ENOSPC) {
		netaddr_format(&a->pool, true, addr, sizeof(addr));
		failf(r, "nat_pool %s is full (%u paddocks)", addr,
		      (unsigned)net_pool_slots(&a->pool));
	}
	if (r < 0)
		goto fail;
	STEP("address", net_pool_addrs(&a->pool, &a->pool6, slot, &addrs));
	host_if_name(owner, slot, host_if);
	netaddr_format(&addrs.peer4, false, addr, sizeof(addr));

	STEP("dns", net_dns_plan(&a->dns, &addrs, HOST_RESOLV_CONF, resolv, sizeof(resolv), &stub,
				 &has_stub));
	STEP("link", net_link_up(host_if, netns, &addrs));
	linked = true;
	if (has_stub) {
		char path[96];

		/* Only on this link: the gateway's port 53 may be translated to
		 * the host's loopback resolver; the ruleset drops every other
		 * packet for 127/8 from a paddock. */
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", host_if);
		STEP("dns", sysctl_set(path, "1"));
	}

	(void)sysctl_get("/proc/sys/net/ipv4/ip_forward", &fwd);
	if (a->pool6.family)
		(void)sysctl_get("/proc/sys/net/ipv6/conf/all/forwarding", &fwd6);
	snprintf(name, sizeof(name), "e-%u", (unsigned)slot);
	(void)read_text(net_fd, name, old, sizeof(old));
	*step = "nftables";
	r = net_nft_up(&(NetRules){ .addrs = &addrs,
				    .deny = &a->deny,
				    .allow = &a->allow,
				    .host_access = a->host_access,
				    .pool = &a->pool,
				    .pool6 = &a->pool6,
				    .dns_stub = has_stub ? &stub : NULL },
		       old, fwd == '0', fwd6 == '0', elems, sizeof(elems), err, sizeof(err));
	if (r < 0) {
		failf(r, "%s", err);
		goto fail;
	}
	ruled = true;
	STEP("nftables", write_text(net_fd, name, elems));
	if (fwd == '0') {
		STEP("forwarding", sysctl_set("/proc/sys/net/ipv4/ip_forward", "1"));
		syslog(LOG_NOTICE,
		       "turned IPv4 forwarding on for network = nat; table inet paddock drops "
		       "every other forwarded packet (chain guard4), as before");
	}
	if (fwd6 == '0') {
		STEP("forwarding", sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1"));
		syslog(LOG_NOTICE, "turned IPv6 forwarding on for network = nat (nat_pool6); table "
				   "inet paddock "
				   "drops every other forwarded packet (chain guard6), as before");
	}
	STEP("dns", net_dns_install(mntns, resolv));
	/* A spare's: the login that claims it names it (net_claim()). */
	if (!a->spare)
		STEP("ip netns name", net_netns_name_add(a->user, a->pid));
	if (a->hook)
		STEP("network_hook", hook_run(a, addr, host_if));
	STEP("record", write_record(net_fd, owner, &addrs, host_if));
	snprintf(ok, ok_len, "ok %s %s\n", addr, host_if);
	return 0;
fail:
	if (!*reply_err)
		failf(r, "%s", strerror(-r));
	if (ruled || linked) {
		down_owner(net_fd, owner);
		if (!a->spare)
			net_netns_name_remove(a->user);
	} else {
		(void)net_pool_release(net_fd, owner);
	}
	return r;
}

static void reply(const char *line)
{
	(void)!write(NET_FD_REPLY, line, strlen(line));
}

int main(int argc, char **argv)
{
	_cleanup_(closep) int run_fd = -EBADF, net_fd = -EBADF, lock_fd = -EBADF;
	char line[700], ok[160];
	const char *step = "arguments";
	NetArgs a = { 0 };
	char self[16] = "";
	unsigned live = 1;
	int r;

	openlog("paddock-net", LOG_PID, LOG_AUTHPRIV);
	r = parse_args(argc - 1, argv + 1, &a);
	if (r < 0) {
		fprintf(stderr,
			"paddock-net: usage: paddock-net up|down|flush OPTIONS (see the source)\n");
		snprintf(line, sizeof(line), "error arguments: %s\n", strerror(-r));
		reply(line);
		return 2;
	}
	if (streq(a.cmd, "flush")) {
		char err[256] = "";

		/* The records of whatever ended without its down (paddock stop
		 * --all stopped every paddock and spare before). */
		if (state_open_run_dir(&run_fd) >= 0 &&
		    net_pool_open_locked(run_fd, &net_fd, &lock_fd) >= 0)
			(void)collect_stale(run_fd, net_fd, "", NULL);
		r = net_nft_remove_table(err, sizeof(err));
		if (r < 0)
			fprintf(stderr, "paddock-net: removing table inet paddock: %s\n", err);
		return r < 0 ? 1 : 0;
	}
	step = "state directory";
	r = state_open_run_dir(&run_fd);
	if (r >= 0) {
		step = "address";
		r = net_pool_open_locked(run_fd, &net_fd, &lock_fd);
	}
	if (a.has_uid)
		snprintf(self, sizeof(self), "%u", (unsigned)a.uid);
	if (r >= 0)
		live = collect_stale(run_fd, net_fd, self, a.spare);
	if (r >= 0 && streq(a.cmd, "down")) {
		do_down(net_fd, &a);
		/* The last paddock gone: the pools' elements too (the table
		 * stays, for the next one). */
		if (live == 0)
			net_nft_pools_clear();
	} else if (r >= 0 && streq(a.cmd, "up") && a.pid && !a.has_uid != !a.spare &&
		   !(a.spare && a.hook))
		r = do_up(&a, run_fd, net_fd, ok, sizeof(ok), &step);
	else if (r >= 0)
		r = -EINVAL;
	if (r < 0) {
		snprintf(line, sizeof(line), "error %s: %s\n", step,
			 *reply_err ? reply_err : strerror(-r));
		syslog(LOG_ERR, "%s %s: %s", a.spare ? "spare" : "uid", a.spare ? a.spare : self,
		       line);
		reply(line);
		if (streq(a.cmd, "down"))
			fprintf(stderr, "paddock-net: %s", line);
		return 1;
	}
	if (streq(a.cmd, "up"))
		reply(ok);
	return 0;
}
