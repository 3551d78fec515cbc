/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The key table of paddock.conf: every key's name, scope, built-in default
 * and value parser.  This file is the single place where a key is defined;
 * paddock.conf(5) documents the same table (tests/unit checks they agree).
 */
#include "policy-keys.h"

#include <errno.h>
#include <sys/socket.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "units.h"

#define G(field) offsetof(PolicyGlobal, field)
#define U(field) offsetof(UserPolicy, field)

/* Parse one word of a small closed set into an enum-sized int. */
static int parse_word(const char *v, const char *const *words, size_t n, int *dst)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v, words[i])) {
			*dst = (int)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_cgroup_manager(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "auto", "systemd", "cgroupfs" };
	int i, r;

	*why = "expected auto, systemd or cgroupfs";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(CgroupManagerKind *)dst = (CgroupManagerKind)i;
	return r;
}

static int parse_on_error(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "deny", "allow" };
	int i, r;

	*why = "expected deny or allow";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(OnError *)dst = (OnError)i;
	return r;
}

static int parse_audit(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "auto", "required", "off" };
	int i, r;

	*why = "expected auto, required or off";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(AuditMode *)dst = (AuditMode)i;
	return r;
}

static int parse_network(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "loopback", "host", "nat" };
	int i, r;

	*why = "expected nat, loopback or host";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(NetworkMode *)dst = (NetworkMode)i;
	return r;
}

static int parse_user_namespaces(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "allow", "deny" };
	int i, r;

	*why = "expected allow or deny";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(UserNsMode *)dst = (UserNsMode)i;
	return r;
}

static int parse_bool(const char *v, void *dst, const char **why)
{
	*why = "expected yes or no";
	return units_parse_bool(v, (bool *)dst);
}

/* A cgroup path below the hierarchy root: /a/b, each component [A-Za-z0-9._-]. */
static int parse_cgroup_parent(const char *v, void *dst, const char **why)
{
	const char *p = v;

	*why = "expected an absolute cgroup path below the root such as /paddock.slice "
	       "(components of letters, digits, '.', '_', '-'; no '.' or '..')";
	if (*p != '/' || strlen(v) >= POLICY_PATH_MAX)
		return -EINVAL;
	while (*p == '/') {
		size_t n;

		p++;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += n;
	}
	if (*p != '\0')
		return -EINVAL;
	strcpy((char *)dst, v);
	return 0;
}

static int parse_linger(const char *v, void *dst, const char **why)
{
	uint64_t s;
	int r;

	*why = "expected a number of seconds from 0 to 86400";
	r = units_parse_u64(v, &s);
	if (r < 0)
		return r;
	if (s > 86400)
		return -ERANGE;
	*(uint64_t *)dst = s;
	return 0;
}

static int parse_prestart(const char *v, void *dst, const char **why)
{
	uint64_t n;
	int r;

	*why = "expected a number of spare paddocks from 0 to 64";
	r = units_parse_u64(v, &n);
	if (r < 0)
		return r;
	if (n > POLICY_PRESTART_MAX)
		return -ERANGE;
	*(unsigned *)dst = (unsigned)n;
	return 0;
}

static int parse_namespaces(const char *v, void *dst, const char **why)
{
	unsigned mask = 0;
	const char *p = v;

	*why = "expected a space-separated list of mount, pid, ipc, uts, net (each once), or none";
	if (streq(v, "none")) {
		*(unsigned *)dst = 0;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, " \t");
		unsigned bit = 0;

		for (unsigned b = 1; b <= POLICY_NS_NET; b <<= 1) {
			const char *name = policy_ns_name(b);

			if (strlen(name) == n && strncmp(p, name, n) == 0)
				bit = b;
		}
		if (bit == 0 || (mask & bit))
			return -EINVAL;
		mask |= bit;
		p += n;
		p += strspn(p, " \t");
	}
	if (mask == 0)
		return -EINVAL;
	*(unsigned *)dst = mask;
	return 0;
}

/* Sizes of at least 1M (a cgroup cannot usefully run below that), or max. */
static int parse_memory(const char *v, void *dst, const char **why)
{
	uint64_t s;
	int r;

	*why = "expected a size of at least 1M with K, M, G or T (powers of 1024), or max";
	r = units_parse_size(v, true, &s);
	if (r < 0)
		return r;
	if (s < (UINT64_C(1) << 20))
		return -ERANGE;
	*(uint64_t *)dst = s;
	return 0;
}

static int parse_swap(const char *v, void *dst, const char **why)
{
	*why = "expected a size with K, M, G or T (powers of 1024), 0, or max";
	return units_parse_size(v, true, (uint64_t *)dst);
}

static int parse_cpu_quota(const char *v, void *dst, const char **why)
{
	uint64_t p;
	int r;

	*why = "expected a percentage of one CPU from 1% to 100000%, or max";
	if (streq(v, "max")) {
		*(uint64_t *)dst = UNITS_MAX;
		return 0;
	}
	r = units_parse_percent(v, &p);
	if (r < 0)
		return r;
	if (p < 1 || p > 100000)
		return -ERANGE;
	*(uint64_t *)dst = p;
	return 0;
}

static int parse_cpu_weight(const char *v, void *dst, const char **why)
{
	uint64_t w;
	int r;

	*why = "expected a number from 1 to 10000";
	r = units_parse_u64(v, &w);
	if (r < 0)
		return r;
	if (w < 1 || w > 10000)
		return -ERANGE;
	*(uint64_t *)dst = w;
	return 0;
}

static int parse_tasks_max(const char *v, void *dst, const char **why)
{
	uint64_t t;
	int r;

	*why = "expected a number from 1 to 4194304, or max";
	if (streq(v, "max")) {
		*(uint64_t *)dst = UNITS_MAX;
		return 0;
	}
	r = units_parse_u64(v, &t);
	if (r < 0)
		return r;
	if (t < 1 || t > 4194304)
		return -ERANGE;
	*(uint64_t *)dst = t;
	return 0;
}

/* A hostname template: [A-Za-z0-9.-] and the escapes %u %U %h %%. */
static int parse_hostname(const char *v, void *dst, const char **why)
{
	*why = "expected letters, digits, '-', '.' and %u, %U, %h, %% (at most 127 bytes)";
	if (*v == '\0' || strlen(v) >= POLICY_HOSTNAME_TEMPLATE_MAX)
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		if (*p == '%') {
			p++;
			if (*p != 'u' && *p != 'U' && *p != 'h' && *p != '%')
				return -EINVAL;
			continue;
		}
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.", *p))
			return -EINVAL;
	}
	strcpy((char *)dst, v);
	return 0;
}

static int parse_tmp_size(const char *v, void *dst, const char **why)
{
	TmpSize *t = dst;
	uint64_t n;
	int r;

	*why = "expected a size of at least 1M with K, M, G or T, or a percentage of memory_max "
	       "from 1% to 100%";
	if (v[0] && v[strlen(v) - 1] == '%') {
		r = units_parse_percent(v, &n);
		if (r < 0)
			return r;
		if (n < 1 || n > 100)
			return -ERANGE;
		t->percent = true;
		t->value = n;
		return 0;
	}
	r = units_parse_size(v, false, &n);
	if (r < 0)
		return r;
	if (n < (UINT64_C(1) << 20))
		return -ERANGE;
	t->percent = false;
	t->value = n;
	return 0;
}

/* An absolute path without spaces or quotes, shorter than POLICY_PATH_MAX. */
static int parse_path(const char *v, void *dst)
{
	if (v[0] != '/' || strlen(v) >= POLICY_PATH_MAX || strpbrk(v, " \t\"'\\"))
		return -EINVAL;
	strcpy((char *)dst, v);
	return 0;
}

static int parse_shell(const char *v, void *dst, const char **why)
{
	*why = "expected an absolute path without spaces (at most 255 bytes)";
	return parse_path(v, dst);
}

/* "none", or "" (the built-in): an optional key left unset. */
static bool is_none(const char *v)
{
	return *v == '\0' || streq(v, "none");
}

/* Prefixes a pool must not take: this network, loopback, link-local
 * (cloud metadata lives there), multicast and the reserved range. */
static bool pool_reserved(const NetCidr *c)
{
	static const char *const reserved[] = { "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
						"224.0.0.0/3" };

	for (size_t i = 0; i < ELEMENTSOF(reserved); i++) {
		NetCidr r;

		if (netaddr_parse_cidr(reserved[i], AF_INET, &r) == 0 &&
		    (netaddr_contains(&r, c) || netaddr_contains(c, &r)))
			return true;
	}
	return false;
}

static int parse_nat_pool(const char *v, void *dst, const char **why)
{
	NetCidr c;

	*why = "expected an IPv4 network address with a prefix from /8 to /24 such as "
	       "10.200.0.0/16 (no host bits set; not in 0/8, 127/8, 169.254/16 or 224/3)";
	if (!strchr(v, '/') || netaddr_parse_cidr(v, AF_INET, &c) < 0)
		return -EINVAL;
	if (c.prefix < 8 || c.prefix > 24 || pool_reserved(&c))
		return -ERANGE;
	*(NetCidr *)dst = c;
	return 0;
}

static int parse_nat_pool6(const char *v, void *dst, const char **why)
{
	NetCidr c, ula;

	*why = "expected none, or an IPv6 unique local (fc00::/7) network address with a "
	       "prefix from /8 to /64 such as fd42:7:7::/48 (no host bits set)";
	if (is_none(v)) {
		*(NetCidr *)dst = (NetCidr){ 0 };
		return 0;
	}
	if (!strchr(v, '/') || netaddr_parse_cidr(v, AF_INET6, &c) < 0)
		return -EINVAL;
	if (netaddr_parse_cidr("fc00::/7", AF_INET6, &ula) < 0 || !netaddr_contains(&ula, &c) ||
	    c.prefix < 8 || c.prefix > 64)
		return -ERANGE;
	*(NetCidr *)dst = c;
	return 0;
}

static int parse_dns(const char *v, void *dst, const char **why)
{
	PolicyDns d = { 0 };
	int r;

	*why = "expected auto, or one to three IPv4 or IPv6 addresses separated by spaces";
	if (streq(v, "auto")) {
		d.auto_ = true;
		*(PolicyDns *)dst = d;
		return 0;
	}
	r = netaddr_parse_list(v, false, NET_DNS_MAX, &d.servers);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < d.servers.n; i++)
		if (d.servers.c[i].prefix != (d.servers.c[i].family == AF_INET ? 32 : 128))
			return -EINVAL;
	*(PolicyDns *)dst = d;
	return 0;
}

/* The path only: the file itself (root's, not writable by others) is
 * checked where it is run, every time, and by paddock check --system. */
static int parse_network_hook(const char *v, void *dst, const char **why)
{
	*why = "expected none, or an absolute path without spaces (at most 255 bytes)";
	if (is_none(v)) {
		*(char *)dst = '\0';
		return 0;
	}
	return parse_path(v, dst);
}

/* The cloud metadata services, which hand the instance's credentials to
 * whoever asks: link-local (AWS, GCP, Azure, OpenStack and most others on
 * 169.254.169.254), Alibaba Cloud's 100.100.100.200, and the IPv6
 * endpoints of AWS (fd00:ec2::254) and GCP (fd20:ce::254), which a paddock
 * reaches once nat_pool6 gives it IPv6. */
#define EGRESS_DENY_DEFAULT "169.254.0.0/16 100.100.100.200 fd00:ec2::254 fd20:ce::254"

static int parse_egress_deny(const char *v, void *dst, const char **why)
{
	*why = "expected none, or one to 16 IPv4 or IPv6 prefixes (ADDR or ADDR/LEN, no host "
	       "bits set) separated by spaces";
	if (streq(v, "none")) {
		*(NetCidrList *)dst = (NetCidrList){ 0 };
		return 0;
	}
	return netaddr_parse_list(v, false, NET_CIDRS_MAX, dst);
}

static int parse_egress_allow(const char *v, void *dst, const char **why)
{
	*why = "expected any, or one to 16 IPv4 or IPv6 prefixes (ADDR or ADDR/LEN, no host "
	       "bits set) separated by spaces";
	return netaddr_parse_list(v, true, NET_CIDRS_MAX, dst);
}

static int parse_host_access(const char *v, void *dst, const char **why)
{
	static const char *const w[] = { "none", "dns", "all" };
	int i, r;

	*why = "expected none, dns or all";
	r = parse_word(v, w, ELEMENTSOF(w), &i);
	if (r == 0)
		*(HostAccess *)dst = (HostAccess)i;
	return r;
}

const PolicyKey policy_keys[] = {
	{ { "cgroup_manager", true, "auto" }, parse_cgroup_manager, G(cgroup_manager) },
	{ { "cgroup_parent", true, "/paddock.slice" }, parse_cgroup_parent, G(cgroup_parent) },
	{ { "on_error", true, "deny" }, parse_on_error, G(on_error) },
	{ { "audit", true, "auto" }, parse_audit, G(audit) },
	{ { "linger", true, "0" }, parse_linger, G(linger) },
	{ { "prestart", true, "0" }, parse_prestart, G(prestart) },
	{ { "nat_pool", true, "10.200.0.0/16" }, parse_nat_pool, G(nat_pool) },
	{ { "nat_pool6", true, "" }, parse_nat_pool6, G(nat_pool6) },
	{ { "dns", true, "auto" }, parse_dns, G(dns) },
	{ { "network_hook", true, "" }, parse_network_hook, G(network_hook) },
	{ { "enforce", true, "yes" }, parse_bool, G(enforce) },
	{ { "isolate", false, "yes" }, parse_bool, U(isolate) },
	{ { "namespaces", false, "mount pid ipc uts net" }, parse_namespaces, U(namespaces) },
	{ { "memory_max", false, "2G" }, parse_memory, U(memory_max) },
	{ { "memory_high", false, "max" }, parse_memory, U(memory_high) },
	{ { "memory_swap_max", false, "0" }, parse_swap, U(memory_swap_max) },
	{ { "cpu_quota", false, "100%" }, parse_cpu_quota, U(cpu_quota) },
	{ { "cpu_weight", false, "100" }, parse_cpu_weight, U(cpu_weight) },
	{ { "tasks_max", false, "512" }, parse_tasks_max, U(tasks_max) },
	{ { "hostname", false, "%u-%h" }, parse_hostname, U(hostname) },
	{ { "network", false, "loopback" }, parse_network, U(network) },
	{ { "egress_deny", false, EGRESS_DENY_DEFAULT }, parse_egress_deny, U(egress_deny) },
	{ { "egress_allow", false, "any" }, parse_egress_allow, U(egress_allow) },
	{ { "host_access", false, "dns" }, parse_host_access, U(host_access) },
	{ { "private_tmp", false, "yes" }, parse_bool, U(private_tmp) },
	{ { "private_ipc", false, "yes" }, parse_bool, U(private_ipc) },
	{ { "tmp_size", false, "25%" }, parse_tmp_size, U(tmp_size) },
	{ { "kill_on_logout", false, "yes" }, parse_bool, U(kill_on_logout) },
	{ { "shell", false, "/bin/bash" }, parse_shell, U(shell) },
	{ { "user_namespaces", false, "allow" }, parse_user_namespaces, U(user_namespaces) },
};

const size_t policy_n_keys = ELEMENTSOF(policy_keys);
_Static_assert(ELEMENTSOF(policy_keys) <= POLICY_KEYS_MAX, "raise POLICY_KEYS_MAX");

int policy_key_find(const char *name)
{
	for (size_t i = 0; i < policy_n_keys; i++)
		if (streq(policy_keys[i].info.name, name))
			return (int)i;
	return -ENOENT;
}

size_t policy_key_count(void)
{
	return policy_n_keys;
}

const PolicyKeyInfo *policy_key_info(size_t i)
{
	return i < policy_n_keys ? &policy_keys[i].info : NULL;
}

const char *policy_ns_name(unsigned bit)
{
	for (unsigned i = 0; i < NS_COUNT; i++)
		if (bit == 1u << i)
			return ns_types[i].policy_word;
	return "?";
}
