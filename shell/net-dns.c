/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resolv.conf of a nat paddock (net-dns.h). */
#include "net-dns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"

typedef struct Plan {
	char *buf;
	size_t len, n;
	unsigned servers;
	NetCidr stub;
	bool has_stub;
	const NetAddrs *a;
} Plan;

/* Append a line: prefix (may be "") and text, then a newline. */
static void add_line(Plan *p, const char *prefix, const char *text)
{
	int k = snprintf(p->buf + p->n, p->len - p->n, "%s%s\n", prefix, text);

	if (k > 0 && (size_t)k < p->len - p->n)
		p->n += (size_t)k;
}

/* One server: a plain one as it is, the first IPv4 loopback one through
 * the gateway; an IPv6 loopback one cannot be translated from IPv4 and is
 * left out. */
static void add_server(Plan *p, const NetCidr *s)
{
	char text[64];

	if (p->servers >= NET_DNS_MAX)
		return;
	if (netaddr_is_loopback(s)) {
		if (s->family != AF_INET || p->has_stub)
			return;
		p->stub = *s;
		p->has_stub = true;
		netaddr_format(&p->a->host4, false, text, sizeof(text));
	} else {
		netaddr_format(s, false, text, sizeof(text));
	}
	add_line(p, "nameserver ", text);
	p->servers++;
}

int net_dns_plan(const PolicyDns *dns, const NetAddrs *a, const char *host_resolv, char *buf,
		 size_t len, NetCidr *ret_stub, bool *ret_has_stub)
{
	Plan p = { .buf = buf, .len = len, .a = a };
	char line[512];
	FILE *f;

	buf[0] = '\0';
	add_line(&p, "", "# written by paddock (network = nat); see paddock.conf(5)");
	if (!dns->auto_) {
		for (unsigned i = 0; i < dns->servers.n; i++)
			add_server(&p, &dns->servers.c[i]);
	} else {
		f = fopen(host_resolv, "re");
		if (!f)
			return negative_errno();
		while (fgets(line, sizeof(line), f)) {
			char word[16], arg[128];
			NetCidr s;

			if (sscanf(line, "%15s %127s", word, arg) != 2)
				continue;
			if (streq(word, "nameserver")) {
				/* A scoped IPv6 address (fe80::1%eth0) names a host
				 * interface: of no use inside. */
				if (netaddr_parse_cidr(arg, 0, &s) == 0)
					add_server(&p, &s);
			} else if (streq(word, "search") || streq(word, "domain") ||
				   streq(word, "options")) {
				line[strcspn(line, "\n")] = '\0';
				add_line(&p, "", line);
			}
		}
		fclose(f);
	}
	if (p.servers == 0)
		return -ENOENT;
	*ret_has_stub = p.has_stub;
	if (p.has_stub)
		*ret_stub = p.stub;
	return 0;
}

/* A detached mount of the file name of the tmpfs mnt.  Before Linux 6.15
 * open_tree() cannot clone from a detached mount (EINVAL): the tmpfs is
 * attached on /etc for as long as the clone takes.  Nobody sees it there:
 * no process of the user is in the paddock yet (paddock-net runs before
 * the first login joins), and the paddock's mounts are slaves of the
 * host's (holder_make_rslave()), so nothing propagates out. */
static int clone_file(int mnt, const char *name)
{
	int tree = open_tree(mnt, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r;

	if (tree >= 0 || errno != EINVAL)
		return tree < 0 ? negative_errno() : tree;
	if (move_mount(mnt, "", AT_FDCWD, "/etc", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return negative_errno();
	tree = open_tree(mnt, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	r = tree < 0 ? negative_errno() : tree;
	/* The topmost mount on /etc is the tmpfs just attached. */
	if (umount2("/etc", MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
		r = negative_errno();
		if (tree >= 0)
			close(tree);
	}
	return r;
}

/* In the paddock's mount namespace (a child of ours), entered by the
 * caller: a tmpfs of its own, never attached where a user sees it (see
 * clone_file()), holding the file; a read-only bind of that file over
 * /etc/resolv.conf.  /etc/resolv.conf may be a symlink (to
 * systemd-resolved's file): the mount goes over what it names, in the
 * paddock only.  Returns 0 or -errno. */
static int install_in(const char *text)
{
	_cleanup_(closep) int mnt = -EBADF, fd = -EBADF, tree = -EBADF;
	size_t n = strlen(text);

	mnt = fs_tmpfs_new(NULL, "16k", "0755",
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return mnt;
	fd = openat(mnt, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	if (write(fd, text, n) != (ssize_t)n)
		return errno ? negative_errno() : -EIO;
	tree = clone_file(mnt, "resolv.conf");
	if (tree < 0)
		return tree;
	if (mount_setattr(tree, "", AT_EMPTY_PATH,
			  &(struct mount_attr){ .attr_set = MOUNT_ATTR_RDONLY },
			  sizeof(struct mount_attr)) < 0 ||
	    move_mount(tree, "", AT_FDCWD, "/etc/resolv.conf",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
		return negative_errno();
	return 0;
}

int net_dns_install(int mnt_fd, const char *text)
{
	_cleanup_(closep) int self = -EBADF;
	int r;

	/* The file is made in the paddock's namespace (a detached mount made
	 * in ours cannot be attached there), by this process itself: a
	 * forked child would copy every mapping of libnftables first.  This
	 * process has one thread and shares no fs_struct, as setns() asks. */
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return negative_errno();
	if (setns(mnt_fd, CLONE_NEWNS) < 0)
		return negative_errno();
	r = install_in(text);
	/* Back to ours (root and cwd are set to its root): what follows
	 * names host paths. */
	if (setns(self, CLONE_NEWNS) < 0)
		return -ENOTRECOVERABLE;
	return r;
}
