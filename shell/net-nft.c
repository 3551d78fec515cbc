/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paddock's nftables table (net-nft.h). */
#include "net-nft.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../conf/macro.h"
#include "net-nfnl.h"
#include "net-nft-dl.h"

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

/* cmd in nftables' language, through libnftables (loaded now); on failure
 * its first error line into err. */
static int run_text(const char *cmd, char *err, size_t err_len)
{
	const NftLib *nft;
	struct nft_ctx *ctx;
	const char *e;
	int r;

	r = nft_lib_dl(&nft);
	if (r < 0) {
		snprintf(err, err_len, "cannot load libnftables.so.1");
		return r;
	}
	ctx = nft->ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	nft->ctx_buffer_output(ctx);
	nft->ctx_buffer_error(ctx);
	r = nft->run_cmd_from_buffer(ctx, cmd) == 0 ? 0 : -EIO;
	if (r < 0) {
		e = nft->ctx_get_error_buffer(ctx);
		snprintf(err, err_len, "%.*s", (int)strcspn(e ? e : "", "\n"), e ? e : "");
	}
	nft->ctx_free(ctx);
	return r;
}

/* The lines "SET KEY" of a record, as elements, at most max (a line that
 * is not one is passed over).  Returns their number. */
static size_t record_parse(const char *rec, NfnlElem *ret, size_t max)
{
	size_t n = 0;

	while (rec && *rec && n < max) {
		size_t len = strcspn(rec, "\n"), s = strcspn(rec, " ");
		char set[NFNL_NAME_MAX], key[160];

		if (s < len && s < sizeof(set) && len - s - 1 < sizeof(key)) {
			memcpy(set, rec, s);
			set[s] = '\0';
			memcpy(key, rec + s + 1, len - s - 1);
			key[len - s - 1] = '\0';
			n += net_nfnl_elem_parse(set, key, NULL, &ret[n]) == 0;
		}
		rec += len;
		rec += *rec == '\n';
	}
	return n;
}

/* Delete the elements of a record (from net_nft_up()): in one batch, or,
 * when that fails (one is gone already: the table was removed meanwhile),
 * each on its own, so that one gone does not keep the others. */
static void delete_elems(const char *rec)
{
	NfnlElem e[NET_NFT_ELEMS_N];
	size_t n = record_parse(rec, e, ELEMENTSOF(e));

	if (n == 0 || net_nfnl_elems(false, e, n) == 0)
		return;
	for (size_t i = 0; i < n; i++)
		(void)net_nfnl_elems(false, &e[i], 1);
}

typedef struct Elems {
	NfnlElem e[NET_NFT_ELEMS_N];
	size_t n;
	Buf rec;
	bool overflow;
} Elems;

/* One element, and its line "SET KEY" in the record. */
static void elem(Elems *l, const char *set, const char *key, const char *value)
{
	if (l->n == ELEMENTSOF(l->e) || net_nfnl_elem_parse(set, key, value, &l->e[l->n]) < 0) {
		l->overflow = true;
		return;
	}
	l->n++;
	put(&l->rec, "%s %s\n", set, key);
}

static void interval(Elems *l, const char *set, const NetCidr *c)
{
	if (l->n + 3 > ELEMENTSOF(l->e)) {
		l->overflow = true;
		return;
	}
	l->n += net_nfnl_interval(set, c, &l->e[l->n]);
}

static void egress_elems(Elems *l, const char *set4, const char *set6, const char *a4,
			 const char *a6, const NetCidrList *cl)
{
	for (unsigned i = 0; i < cl->n; i++) {
		char c[64], key[160];
		bool v4 = cl->c[i].family == AF_INET;

		if (!v4 && !*a6)
			continue; /* no IPv6 in this paddock: nothing to reach anyway */
		netaddr_format(&cl->c[i], true, c, sizeof(c));
		snprintf(key, sizeof(key), "%s . %s", v4 ? a4 : a6, c);
		elem(l, v4 ? set4 : set6, key, NULL);
	}
}

/* The table when missing, and the guards asked for: nftables' language,
 * the one path that loads libnftables. */
static int table_make(bool missing, bool guard4, bool guard6, char *err, size_t err_len)
{
	char cmdbuf[sizeof(table_text) + 512];
	Buf cmd = { .p = cmdbuf, .len = sizeof(cmdbuf) };

	if (missing)
		put(&cmd, "%s", table_text);
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
	if (cmd.overflow)
		return -E2BIG;
	return cmd.n > 0 ? run_text(cmdbuf, err, err_len) : 0;
}

int net_nft_up(const NetRules *r, const char *old_elems, bool guard4, bool guard6, char *ret_elems,
	       size_t len, char *err, size_t err_len)
{
	static const char *const host_chain[] = { "jump host_none", "jump host_dns",
						  "jump host_all" };
	Elems elems = { .rec = { .p = ret_elems, .len = len } }, *l = &elems;
	char a4[64], a6[64], g4[64];
	int k;

	*err = '\0';
	k = net_nfnl_table_exists();
	if (k < 0) {
		snprintf(err, err_len, "asking for table inet " NET_NFT_TABLE ": %s", strerror(-k));
		return k;
	}
	k = table_make(k == 0, guard4, guard6, err, err_len);
	if (k < 0)
		return k;
	delete_elems(old_elems);

	netaddr_format(&r->addrs->peer4, false, a4, sizeof(a4));
	netaddr_format(&r->addrs->peer6, false, a6, sizeof(a6));
	netaddr_format(&r->addrs->host4, false, g4, sizeof(g4));
	interval(l, "pool4", r->pool);
	if (r->pool6 && r->pool6->family)
		interval(l, "pool6", r->pool6);
	elem(l, "host4", a4, host_chain[r->host_access]);
	if (*a6)
		elem(l, "host6", a6, host_chain[r->host_access]);
	if (r->allow->any) {
		elem(l, "any4", a4, NULL);
		if (*a6)
			elem(l, "any6", a6, NULL);
	}
	egress_elems(l, "allow4", "allow6", a4, a6, r->allow);
	egress_elems(l, "deny4", "deny6", a4, a6, r->deny);
	if (r->dns_stub) {
		char s[64];

		netaddr_format(r->dns_stub, false, s, sizeof(s));
		elem(l, "stub4", g4, s);
	}
	if (l->overflow || l->rec.overflow) {
		snprintf(err, err_len, "too many egress prefixes");
		return -E2BIG;
	}
	k = net_nfnl_elems(true, l->e, l->n);
	if (k < 0)
		snprintf(err, err_len, "adding the elements of %s: %s", a4, strerror(-k));
	return k;
}

void net_nft_down(const char *elems)
{
	delete_elems(elems);
}

void net_nft_pools_clear(void)
{
	static const char *const pools[] = { "pool4", "pool6" };

	(void)net_nfnl_flush_sets(pools, ELEMENTSOF(pools));
}

int net_nft_remove_table(char *err, size_t err_len)
{
	int k = net_nfnl_delete_table();

	if (k < 0 && k != -ENOENT) {
		snprintf(err, err_len, "deleting table inet " NET_NFT_TABLE ": %s", strerror(-k));
		return k;
	}
	return 0;
}
