/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connections to the holders' control sockets, one sock_diag dump (ctl-conns.h). */
#include "ctl-conns.h"

#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../conf/macro.h"

/* A listener or a connection it accepted: the socket file it is bound to. */
typedef struct CtlConn {
	uint64_t dev, ino;
	bool listener;
} CtlConn;

struct CtlConns {
	CtlConn *v; /* sorted by dev, then ino */
	size_t n, cap;
};

static int conn_cmp(const void *a, const void *b)
{
	const CtlConn *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* unix_diag_vfs.udiag_vfs_dev is the kernel's dev_t: 12 bits of major above
 * 20 of minor, not the encoding stat() gives. */
static uint64_t kernel_dev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/* One answer of the dump into c; 1 when it was the last, 0 to go on. */
static int take(CtlConns *c, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	int len;

	if (h->nlmsg_type == NLMSG_DONE)
		return 1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ? -EPROTO : e->error ? e->error : 1;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    m->udiag_type != SOCK_SEQPACKET)
		return 0;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		const struct unix_diag_vfs *vfs = RTA_DATA(a);

		if (a->rta_type != UNIX_DIAG_VFS || RTA_PAYLOAD(a) < (int)sizeof(*vfs))
			continue;
		if (c->n == c->cap) {
			CtlConn *v =
				realloc(c->v, (c->cap = c->cap ? c->cap * 2 : 256) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->v = v;
		}
		c->v[c->n++] = (CtlConn){ kernel_dev(vfs->udiag_vfs_dev), vfs->udiag_vfs_ino,
					  m->udiag_state == TCP_LISTEN };
	}
	return 0;
}

static int dump(int fd, CtlConns *c)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_UNIX,
		       .udiag_states = 1u << TCP_ESTABLISHED | 1u << TCP_LISTEN,
		       .udiag_show = UDIAG_SHOW_VFS },
	};
	static char buf[1 << 16] __attribute__((aligned(8)));

	if (send(fd, &req, sizeof(req), 0) < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int len, r = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EPROTO;
		len = (int)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)(void *)buf;
		     r == 0 && NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len))
			r = take(c, h);
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

int ctl_conns_dump(CtlConns **ret)
{
	_cleanup_(closep) int fd = -EBADF;
	CtlConns *c;
	int r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return negative_errno();
	c = calloc(1, sizeof(*c));
	r = c ? dump(fd, c) : -ENOMEM;
	if (r < 0) {
		ctl_conns_free(c);
		return r;
	}
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), conn_cmp);
	*ret = c;
	return 0;
}

void ctl_conns_free(CtlConns *c)
{
	if (!c)
		return;
	free(c->v);
	free(c);
}

void ctl_conns_freep(CtlConns **c)
{
	ctl_conns_free(*c);
}

unsigned ctl_conns_count(const CtlConns *c, dev_t dev, uint64_t ino)
{
	CtlConn key = { dev, ino, false };
	size_t lo = 0, hi = c->n;
	unsigned n = 0;
	bool listener = false;

	/* The first not below key, then every equal one after it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (conn_cmp(&c->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->n && conn_cmp(&c->v[lo], &key) == 0; lo++) {
		if (c->v[lo].listener)
			listener = true;
		else
			n++;
	}
	return listener ? n : UINT_MAX;
}
