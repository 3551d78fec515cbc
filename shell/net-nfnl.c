/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* table inet paddock over nfnetlink itself (net-nfnl.h). */
#include "net-nfnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../conf/macro.h"
#include "net-nft.h"

/* One datagram of answers (libmnl's own size is not a constant). */
#define NFNL_BUF 8192
/* A batch: one paddock's elements are a few hundred bytes each way. */
#define NFNL_BATCH_LIMIT 32768

typedef struct Batch {
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	unsigned acks; /* messages whose answer we wait for */
	char buf[NFNL_BATCH_LIMIT * 2];
} Batch;

static void socket_closep(struct mnl_socket **nl)
{
	if (*nl)
		mnl_socket_close(*nl);
}

static int socket_open(struct mnl_socket **ret)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int one = 1;

	if (!nl)
		return negative_errno();
	/* Answers without a copy of the request: a batch's fit one buffer. */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = negative_errno();

		mnl_socket_close(nl);
		return r;
	}
	*ret = nl;
	return 0;
}

/*
 * Read the answers to what was just sent: the kernel handles a request
 * inside sendto(), so all of them are queued when it returns.  ret_found:
 * whether a message of type found came (NULL: none expected).  Returns the
 * first error answered, -EPROTO when fewer than want answers came, or 0.
 */
static int answers(struct mnl_socket *nl, unsigned want, uint16_t found, bool *ret_found)
{
	char buf[NFNL_BUF];
	unsigned got = 0;
	int first = 0;

	while (got < want) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return errno != EAGAIN ? negative_errno() : first ? first : -EPROTO;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (ret_found && h->nlmsg_type == found)
				*ret_found = true;
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			got++;
			if (e->error < 0 && first == 0)
				first = e->error;
		}
	}
	return first;
}

/* A batch, begun; NULL when out of memory. */
static Batch *batch_new(void)
{
	Batch *b = malloc(sizeof(Batch));

	if (!b)
		return NULL;
	b->b = mnl_nlmsg_batch_start(b->buf, NFNL_BATCH_LIMIT);
	b->seq = (uint32_t)time(NULL);
	b->acks = 0;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->b), b->seq++);
	mnl_nlmsg_batch_next(b->b);
	return b;
}

/* The next message of the batch, for table inet NET_NFT_TABLE. */
static struct nlmsghdr *batch_msg(Batch *b, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, b->seq++);
}

static int batch_next(Batch *b)
{
	b->acks++;
	return mnl_nlmsg_batch_next(b->b) ? 0 : -E2BIG;
}

static int batch_send(Batch *b)
{
	_cleanup_(socket_closep) struct mnl_socket *nl = NULL;
	int r;

	nftnl_batch_end(mnl_nlmsg_batch_current(b->b), b->seq++);
	if (!mnl_nlmsg_batch_next(b->b))
		return -E2BIG;
	r = socket_open(&nl);
	if (r < 0)
		return r;
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b->b), mnl_nlmsg_batch_size(b->b)) < 0)
		return negative_errno();
	return answers(nl, b->acks, 0, NULL);
}

int net_nfnl_table_exists(void)
{
	_cleanup_(socket_closep) struct mnl_socket *nl = NULL;
	char buf[NFNL_BUF];
	struct nlmsghdr *nlh;
	bool found = false;
	int r;

	/* Only the table's own description: "list table" would fetch every
	 * paddock's elements too. */
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK,
				    (uint32_t)time(NULL));
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NET_NFT_TABLE);
	r = socket_open(&nl);
	if (r < 0)
		return r;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return negative_errno();
	r = answers(nl, 1, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE, &found);
	return r == -ENOENT ? 0 : r < 0 ? r : found;
}

/* The last address of c into out (the host bits set). */
static void prefix_last(const NetCidr *c, uint8_t *out)
{
	unsigned bits = c->family == AF_INET ? 32 : 128;

	memcpy(out, c->addr, bits / 8);
	for (unsigned i = c->prefix; i < bits; i++)
		out[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static int addr_parse(const char *s, size_t n, NetCidr *ret)
{
	char text[64];

	if (n == 0 || n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n);
	text[n] = '\0';
	return netaddr_parse_cidr(text, 0, ret);
}

static int name_copy(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= NFNL_NAME_MAX)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

int net_nfnl_elem_parse(const char *set, const char *key, const char *value, NfnlElem *ret)
{
	const char *dot = strstr(key, " . ");
	NfnlElem e = { 0 };
	NetCidr a, b;
	size_t len;

	if (name_copy(e.set, set) < 0 ||
	    addr_parse(key, dot ? (size_t)(dot - key) : strlen(key), &a) < 0)
		return -EINVAL;
	len = a.family == AF_INET ? 4 : 16;
	if (a.prefix != len * 8)
		return -EINVAL;
	memcpy(e.key, a.addr, len);
	e.key_len = (uint8_t)len;
	if (dot) {
		/* ADDR . PREFIX: from ADDR . first to ADDR . last address. */
		if (addr_parse(dot + 3, strlen(dot + 3), &b) < 0 || b.family != a.family)
			return -EINVAL;
		memcpy(e.key_end, a.addr, len);
		memcpy(e.key + len, b.addr, len);
		prefix_last(&b, e.key_end + len);
		e.key_len = e.key_end_len = (uint8_t)(2 * len);
	}
	if (value && strncmp(value, "jump ", 5) == 0) {
		if (name_copy(e.jump, value + 5) < 0)
			return -EINVAL;
	} else if (value) {
		if (addr_parse(value, strlen(value), &b) < 0 ||
		    b.prefix != (b.family == AF_INET ? 32 : 128))
			return -EINVAL;
		e.data_len = b.family == AF_INET ? 4 : 16;
		memcpy(e.data, b.addr, e.data_len);
	}
	*ret = e;
	return 0;
}

unsigned net_nfnl_interval(const char *set, const NetCidr *c, NfnlElem *ret)
{
	uint8_t len = c->family == AF_INET ? 4 : 16, zero[16] = { 0 };
	NfnlElem e = { .key_len = len };
	unsigned n = 0;
	int i;

	(void)name_copy(e.set, set);
	if (memcmp(c->addr, zero, len) != 0) {
		ret[n] = e;
		ret[n++].interval_end = true;
	}
	ret[n] = e;
	memcpy(ret[n++].key, c->addr, len);
	/* The end: the first address after the range. */
	prefix_last(c, e.key);
	for (i = len - 1; i >= 0 && ++e.key[i] == 0; i--)
		;
	if (i < 0) {
		ret[n - 1].interval_open = true;
		return n;
	}
	e.interval_end = true;
	ret[n++] = e;
	return n;
}

static int elem_put(struct nftnl_set *s, const NfnlElem *e, bool add)
{
	struct nftnl_set_elem *x = nftnl_set_elem_alloc();

	if (!x)
		return -ENOMEM;
	nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, e->key, e->key_len);
	if (e->key_end_len)
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY_END, e->key_end, e->key_end_len);
	if (e->interval_end)
		nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	if (add && e->data_len)
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_DATA, e->data, e->data_len);
	if (add && *e->jump) {
		nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, e->jump);
	}
	if (add && e->interval_open) {
		/* What nft lists as a prefix up to the last address. */
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(16);

		if (!u || !nftnl_udata_put_u32(u, NFTNL_UDATA_SET_ELEM_FLAGS,
					       NFTNL_SET_ELEM_F_INTERVAL_OPEN)) {
			if (u)
				nftnl_udata_buf_free(u);
			nftnl_set_elem_free(x);
			return -ENOMEM;
		}
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	nftnl_set_elem_add(s, x);
	return 0;
}

int net_nfnl_elems(bool add, const NfnlElem *e, size_t n)
{
	_cleanup_(freep) Batch *b = NULL;
	int r = 0;

	b = batch_new();
	if (!b)
		return -ENOMEM;
	/* One message per run of elements of the same set. */
	for (size_t i = 0; i < n && r >= 0;) {
		struct nftnl_set *s = nftnl_set_alloc();
		struct nlmsghdr *nlh;
		size_t j;

		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NET_NFT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, e[i].set);
		for (j = i; j < n && streq(e[j].set, e[i].set) && r >= 0; j++)
			r = elem_put(s, &e[j], add);
		if (r >= 0) {
			nlh = batch_msg(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
					add ? NLM_F_CREATE : 0);
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			r = batch_next(b);
		}
		nftnl_set_free(s);
		i = j;
	}
	if (r < 0 || b->acks == 0)
		return r;
	return batch_send(b);
}

int net_nfnl_flush_sets(const char *const *sets, size_t n)
{
	_cleanup_(freep) Batch *b = NULL;
	int r = 0;

	b = batch_new();
	if (!b)
		return -ENOMEM;
	/* A delete without elements empties the set. */
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_DELSETELEM, 0);

		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NET_NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, sets[i]);
		r = batch_next(b);
	}
	return r < 0 ? r : batch_send(b);
}

int net_nfnl_delete_table(void)
{
	_cleanup_(freep) Batch *b = NULL;
	struct nlmsghdr *nlh;
	int r;

	b = batch_new();
	if (!b)
		return -ENOMEM;
	nlh = batch_msg(b, NFT_MSG_DELTABLE, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NET_NFT_TABLE);
	r = batch_next(b);
	return r < 0 ? r : batch_send(b);
}
