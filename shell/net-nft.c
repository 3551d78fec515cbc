/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paddock's nftables table (net-nft.h). */
#include "net-nft.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../conf/macro.h"

/*
 * The table.  Every paddock's host end is called pdk...: paddock traffic
 * is recognised by interface name, its policy by source address in sets
 * and maps.  The filter chains run just before the filter priority, so a
 * host's own ruleset (iptables FORWARD, Docker's) sees only what paddock
 * let through.
 *
 * forward:  from a paddock -> egress; to a paddock, only replies.
 * egress:   never to another paddock (by interface and by pool), never to
 *           deny4/deny6 (egress_deny), then only any4/any6 (egress_allow =
 *           any) or allow4/allow6 (the prefixes of egress_allow).
 * input:    from a paddock to the host's own addresses -> host: the host's
 *           loopback never (but port 53 translated by stub4), then the
 *           paddock's host_access by source address (host4/host6).
 * prerouting (nat): a paddock's DNS query to its gateway goes to the
 *           host's loopback resolver named in stub4 (dns = auto with a stub).
 * postrouting (nat): masquerade what leaves the pools.
 * guard4/guard6: empty unless paddock-net turned forwarding on; then they
 *           drop every forwarded packet that is not a paddock's, as the
 *           host did before.
 */
static const char table_text[] =
	"table inet paddock {\n"
	"  set pool4 { type ipv4_addr; flags interval; }\n"
	"  set pool6 { type ipv6_addr; flags interval; }\n"
	"  map host4 { type ipv4_addr : verdict; }\n"
	"  map host6 { type ipv6_addr : verdict; }\n"
	"  set any4 { type ipv4_addr; }\n"
	"  set any6 { type ipv6_addr; }\n"
	"  set allow4 { type ipv4_addr . ipv4_addr; flags interval; }\n"
	"  set allow6 { type ipv6_addr . ipv6_addr; flags interval; }\n"
	"  set deny4 { type ipv4_addr . ipv4_addr; flags interval; }\n"
	"  set deny6 { type ipv6_addr . ipv6_addr; flags interval; }\n"
	"  map stub4 { type ipv4_addr : ipv4_addr; }\n"
	"  chain guard4 { type filter hook forward priority filter - 2; policy accept; }\n"
	"  chain guard6 { type filter hook forward priority filter - 2; policy accept; }\n"
	"  chain forward {\n"
	"    type filter hook forward priority filter - 1; policy accept;\n"
	"    iifname \"pdk*\" jump egress\n"
	"    oifname \"pdk*\" ct state established,related accept\n"
	"    oifname \"pdk*\" drop\n"
	"  }\n"
	"  chain egress {\n"
	"    oifname \"pdk*\" drop\n"
	"    ip daddr @pool4 drop\n"
	"    ip6 daddr @pool6 drop\n"
	"    ip saddr . ip daddr @deny4 drop\n"
	"    ip6 saddr . ip6 daddr @deny6 drop\n"
	"    ct state established,related accept\n"
	"    ip saddr @any4 accept\n"
	"    ip6 saddr @any6 accept\n"
	"    ip saddr . ip daddr @allow4 accept\n"
	"    ip6 saddr . ip6 daddr @allow6 accept\n"
	"    drop\n"
	"  }\n"
	"  chain input {\n"
	"    type filter hook input priority filter - 1; policy accept;\n"
	"    iifname \"pdk*\" jump host\n"
	"  }\n"
	"  chain host {\n"
	"    ip daddr 127.0.0.0/8 ct status & dnat != dnat drop\n"
	"    ct state established,related accept\n"
	"    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept\n"
	"    ip saddr vmap @host4\n"
	"    ip6 saddr vmap @host6\n"
	"    drop\n"
	"  }\n"
	"  chain host_none { drop; }\n"
	"  chain host_dns { meta l4proto { tcp, udp } th dport 53 accept; drop; }\n"
	"  chain host_all { accept; }\n"
	"  chain prerouting {\n"
	"    type nat hook prerouting priority dstnat; policy accept;\n"
	"    iifname \"pdk*\" meta l4proto { tcp, udp } th dport 53 dnat ip to ip daddr map "
	"@stub4\n"
	"  }\n"
	"  chain postrouting {\n"
	"    type nat hook postrouting priority srcnat; policy accept;\n"
	"    ip saddr @pool4 oifname != \"pdk*\" masquerade\n"
	"    ip6 saddr @pool6 oifname != \"pdk*\" masquerade\n"
	"  }\n"
	"}\n";

typedef struct Buf {
	char *p;
	size_t len, n;
	bool overflow;
} Buf;

_printf_(2, 3) static void put(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->len - b->n) {
		b->overflow = true;
		return;
	}
	b->n += (size_t)k;
}

static struct nft_ctx *ctx_new(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft)
		return NULL;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	return nft;
}

static void ctx_freep(struct nft_ctx **nft)
{
	if (*nft)
		nft_ctx_free(*nft);
}

/* One datagram of answers (libmnl's own size is not a constant). */
#define NFT_NL_BUF 8192

/* Whether table inet paddock exists: one NFT_MSG_GETTABLE over netlink.
 * Asking libnftables ("list table") would fetch and print the whole table,
 * every paddock's elements included, on every login. */
static int table_exists(void)
{
	char buf[NFT_NL_BUF];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	unsigned portid, seq = (unsigned)time(NULL);
	ssize_t n;
	int r;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NET_NFT_TABLE);

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return negative_errno();
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = negative_errno();
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	/* The table's description, then the ack; or the error alone. */
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			r = negative_errno();
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	} while (r == MNL_CB_OK);
	r = r == MNL_CB_STOP ? 1 : errno == ENOENT ? 0 : negative_errno();
out:
	mnl_socket_close(nl);
	return r;
}

/* Run cmd; on failure copy libnftables' first error line into err. */
static int run(struct nft_ctx *nft, const char *cmd, char *err, size_t err_len)
{
	const char *e;

	if (nft_run_cmd_from_buffer(nft, cmd) == 0)
		return 0;
	e = nft_ctx_get_error_buffer(nft);
	if (err && err_len)
		snprintf(err, err_len, "%.*s", (int)strcspn(e ? e : "", "\n"), e ? e : "");
	return -EIO;
}

/* Delete each line "SET KEY" of elems on its own: one gone already (the
 * table was removed meanwhile) must not stop the others. */
static void delete_elems(struct nft_ctx *nft, const char *elems)
{
	char batch[NET_NFT_ELEMS_MAX * 2];
	Buf b = { .p = batch, .len = sizeof(batch) };

	/* One transaction for all of them: each command of libnftables reads
	 * the whole table first, which grows with the number of paddocks.  One
	 * by one only when the batch fails (an element already gone). */
	for (const char *e = elems; e && *e;) {
		size_t n = strcspn(e, "\n"), s = strcspn(e, " ");

		if (s < n)
			put(&b, "delete element inet " NET_NFT_TABLE " %.*s { %.*s }\n", (int)s, e,
			    (int)(n - s - 1), e + s + 1);
		e += n;
		e += *e == '\n';
	}
	if (!b.overflow && b.n > 0 && run(nft, batch, NULL, 0) == 0)
		return;
	while (elems && *elems) {
		size_t n = strcspn(elems, "\n"), s = strcspn(elems, " ");
		char cmd[512];

		if (s < n && n < 400) {
			snprintf(cmd, sizeof(cmd),
				 "delete element inet " NET_NFT_TABLE " %.*s { %.*s }", (int)s,
				 elems, (int)(n - s - 1), elems + s + 1);
			(void)run(nft, cmd, NULL, 0);
		}
		elems += n;
		elems += *elems == '\n';
	}
}

/* One element: the add command into cmd, the delete line into rec. */
static void elem(Buf *cmd, Buf *rec, const char *set, const char *key, const char *value)
{
	put(cmd, "add element inet " NET_NFT_TABLE " %s { %s%s%s }\n", set, key, value ? " : " : "",
	    value ? value : "");
	put(rec, "%s %s\n", set, key);
}

static void egress_elems(Buf *cmd, Buf *rec, const char *set4, const char *set6, const char *a4,
			 const char *a6, const NetCidrList *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		char c[64], key[160];
		bool v4 = l->c[i].family == AF_INET;

		if (!v4 && !*a6)
			continue; /* no IPv6 in this paddock: nothing to reach anyway */
		netaddr_format(&l->c[i], true, c, sizeof(c));
		snprintf(key, sizeof(key), "%s . %s", v4 ? a4 : a6, c);
		elem(cmd, rec, v4 ? set4 : set6, key, NULL);
	}
}

int net_nft_up(const NetRules *r, const char *old_elems, bool guard4, bool guard6, char *ret_elems,
	       size_t len, char *err, size_t err_len)
{
	static const char *const host_chain[] = { "jump host_none", "jump host_dns",
						  "jump host_all" };
	_cleanup_(ctx_freep) struct nft_ctx *nft = NULL;
	char cmdbuf[NET_NFT_ELEMS_MAX * 2 + sizeof(table_text)], a4[64], a6[64], g4[64], p[64];
	Buf cmd = { .p = cmdbuf, .len = sizeof(cmdbuf) }, rec = { .p = ret_elems, .len = len };
	int k;

	*err = '\0';
	k = table_exists();
	if (k < 0) {
		snprintf(err, err_len, "asking for table inet " NET_NFT_TABLE ": %s", strerror(-k));
		return k;
	}
	nft = ctx_new();
	if (!nft)
		return -ENOMEM;
	delete_elems(nft, old_elems);
	/* The table (when missing) and this paddock's elements: one
	 * transaction, one cache fill in libnftables. */
	if (k == 0)
		put(&cmd, "%s", table_text);

	netaddr_format(&r->addrs->peer4, false, a4, sizeof(a4));
	netaddr_format(&r->addrs->peer6, false, a6, sizeof(a6));
	netaddr_format(&r->addrs->host4, false, g4, sizeof(g4));
	netaddr_format(r->pool, true, p, sizeof(p));
	put(&cmd, "add element inet " NET_NFT_TABLE " pool4 { %s }\n", p);
	if (r->pool6 && r->pool6->family) {
		netaddr_format(r->pool6, true, p, sizeof(p));
		put(&cmd, "add element inet " NET_NFT_TABLE " pool6 { %s }\n", p);
	}
	if (guard4)
		put(&cmd,
		    "flush chain inet " NET_NFT_TABLE " guard4\n"
		    "add rule inet " NET_NFT_TABLE " guard4 meta nfproto ipv4 iifname != \"pdk*\" "
		    "oifname != \"pdk*\" drop\n");
	if (guard6)
		put(&cmd,
		    "flush chain inet " NET_NFT_TABLE " guard6\n"
		    "add rule inet " NET_NFT_TABLE " guard6 meta nfproto ipv6 iifname != \"pdk*\" "
		    "oifname != \"pdk*\" drop\n");

	elem(&cmd, &rec, "host4", a4, host_chain[r->host_access]);
	if (*a6)
		elem(&cmd, &rec, "host6", a6, host_chain[r->host_access]);
	if (r->allow->any) {
		elem(&cmd, &rec, "any4", a4, NULL);
		if (*a6)
			elem(&cmd, &rec, "any6", a6, NULL);
	}
	egress_elems(&cmd, &rec, "allow4", "allow6", a4, a6, r->allow);
	egress_elems(&cmd, &rec, "deny4", "deny6", a4, a6, r->deny);
	if (r->dns_stub) {
		char s[64];

		netaddr_format(r->dns_stub, false, s, sizeof(s));
		elem(&cmd, &rec, "stub4", g4, s);
	}
	if (cmd.overflow || rec.overflow) {
		snprintf(err, err_len, "too many egress prefixes");
		return -E2BIG;
	}
	return run(nft, cmdbuf, err, err_len);
}

int net_nft_down(const char *elems, char *err, size_t err_len)
{
	_cleanup_(ctx_freep) struct nft_ctx *nft = ctx_new();

	if (!nft)
		return -ENOMEM;
	delete_elems(nft, elems);
	return 0;
}

void net_nft_pools_clear(void)
{
	_cleanup_(ctx_freep) struct nft_ctx *nft = ctx_new();

	if (nft && run(nft, "list table inet " NET_NFT_TABLE, NULL, 0) == 0)
		(void)run(nft,
			  "flush set inet " NET_NFT_TABLE " pool4\n"
			  "flush set inet " NET_NFT_TABLE " pool6\n",
			  NULL, 0);
}

int net_nft_remove_table(char *err, size_t err_len)
{
	_cleanup_(ctx_freep) struct nft_ctx *nft = NULL;
	int k = table_exists();

	if (k <= 0) {
		if (k < 0)
			snprintf(err, err_len, "asking for table inet " NET_NFT_TABLE ": %s",
				 strerror(-k));
		return k;
	}
	nft = ctx_new();
	if (!nft)
		return -ENOMEM;
	return run(nft, "delete table inet " NET_NFT_TABLE, err, err_len);
}
