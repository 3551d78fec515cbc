/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the policy parser and resolver (make fuzz).
 *
 * The input is one policy file.  Every accepted policy is resolved for a few
 * fixed identities (a plain user, one in several groups, root) and every
 * effective value is checked against the range paddock.conf(5) documents;
 * every refused one must carry an error that names the file.  A violation
 * aborts, which libFuzzer reports as a crash; leaks are found by its leak
 * checker (-detect_leaks=1).
 *
 * Two rewrites are checked against what they replace: the consistency
 * check (per section name, in one pass) against resolving the whole policy
 * for every section, result and error text alike; and a policy taken from
 * its memo against the policy parsed, for every identity.  The input read
 * as a memo must be refused or give a policy, never crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../conf/policy-internal.h"
#include "../../conf/policy.h"
#include "../../conf/units.h"

#define NAME "fuzz.conf"
#define MIB  (UINT64_C(1) << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-policy: violated: %s\n", what);
		abort();
	}
}

/* An error names the file: "NAME:LINE: ..." or "NAME: ...", with a message. */
static void check_error(const PolicyError *e)
{
	size_t n = strlen(NAME);

	check(strncmp(e->text, NAME, n) == 0, "error text starts with the file name");
	check(e->text[n] == ':', "error text has ':' after the file name");
	check(strlen(e->text) > n + 2, "error text has a message");
}

static int hostname_template_ok(const char *t)
{
	if (!*t || strlen(t) >= POLICY_HOSTNAME_TEMPLATE_MAX)
		return 0;
	for (const char *p = t; *p; p++) {
		if (*p == '%') {
			p++;
			if (*p != 'u' && *p != 'U' && *p != 'h' && *p != '%')
				return 0;
		} else if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
				   ".",
				   *p)) {
			return 0;
		}
	}
	return 1;
}

static int cgroup_parent_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) >= POLICY_PATH_MAX)
		return 0;
	while (*p == '/') {
		size_t n = strspn(++p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789._-");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
	}
	return *p == '\0';
}

static void check_sources(const PolicySource *src, int global)
{
	for (size_t k = 0; k < policy_key_count(); k++) {
		const PolicyKeyInfo *ki = policy_key_info(k);

		if (!!ki->global != global)
			continue;
		check(src[k].value != NULL, "every source has a value text");
		if (src[k].file) {
			check(strcmp(src[k].file, NAME) == 0, "source file is the policy's name");
			check(src[k].line >= 1, "source line >= 1");
			check(src[k].section && *src[k].section, "source section set");
		}
	}
}

static void check_global(const Policy *p)
{
	PolicySource src[64];
	PolicyGlobal g;

	policy_global(p, &g, src);
	check(g.cgroup_manager <= CGROUP_MANAGER_CGROUPFS, "cgroup_manager in range");
	check(g.on_error <= ON_ERROR_ALLOW, "on_error in range");
	check(g.audit <= AUDIT_MODE_OFF, "audit in range");
	check(g.linger <= 86400, "linger <= 86400");
	check(cgroup_parent_ok(g.cgroup_parent), "cgroup_parent absolute and clean");
	check_sources(src, 1);
}

static void check_user(const Policy *p, const PolicyIdentity *who)
{
	PolicySource src[64];
	PolicyError e;
	UserPolicy up;
	char host[64];
	int r;

	memset(&e, 0, sizeof(e));
	r = policy_resolve(p, who, &up, src, &e);
	if (r < 0) {
		/* Only combinations of several sections can fail here. */
		check(r == -EINVAL, "policy_resolve fails with -EINVAL only");
		check_error(&e);
		return;
	}
	check(up.memory_max >= MIB, "memory_max >= 1M or max");
	check(up.memory_high >= MIB, "memory_high >= 1M or max");
	check(up.cpu_weight >= 1 && up.cpu_weight <= 10000, "cpu_weight 1..10000");
	check(up.cpu_quota == UNITS_MAX || (up.cpu_quota >= 1 && up.cpu_quota <= 100000),
	      "cpu_quota 1..100000 or max");
	check(up.tasks_max == UNITS_MAX || (up.tasks_max >= 1 && up.tasks_max <= 4194304),
	      "tasks_max 1..4194304 or max");
	check((up.namespaces & ~0x1fu) == 0, "namespaces within the 5 bits");
	check(up.network <= NETWORK_HOST, "network in range");
	check(hostname_template_ok(up.hostname), "hostname template valid");
	check(up.shell[0] == '/' && strlen(up.shell) < POLICY_PATH_MAX &&
		      !strpbrk(up.shell, " \t\"'\\"),
	      "shell absolute, no spaces or quotes");
	if (up.tmp_size.percent)
		check(up.tmp_size.value >= 1 && up.tmp_size.value <= 100, "tmp_size 1%..100%");
	else
		check(up.tmp_size.value >= MIB && up.tmp_size.value != UNITS_MAX, "tmp_size >= 1M");
	if (up.isolate) {
		check((up.namespaces & (POLICY_NS_MOUNT | POLICY_NS_PID)) ==
			      (POLICY_NS_MOUNT | POLICY_NS_PID),
		      "isolated: mount and pid");
		check(!up.private_ipc || (up.namespaces & POLICY_NS_IPC),
		      "isolated: private_ipc needs ipc");
		check((up.network == NETWORK_LOOPBACK) == !!(up.namespaces & POLICY_NS_NET),
		      "isolated: network matches net");
	}
	if (who->uid == 0 && up.isolate) {
		size_t k = 0;

		while (strcmp(policy_key_info(k)->name, "isolate") != 0)
			k++;
		check(src[k].file && strncmp(src[k].section, "user:", 5) == 0,
		      "uid 0 isolated only by a [user:NAME] section");
	}
	check_sources(src, 0);

	/* The derived values the module computes from it. */
	(void)policy_tmp_bytes(&up, UINT64_C(8) << 30);
	(void)policy_tmp_bytes(&up, UINT64_MAX - 1);
	r = policy_expand_hostname(up.hostname, who->user, who->uid, "node-1.example.org", host,
				   sizeof(host));
	check(r == 0, "hostname expands into 64 bytes");
	check(strlen(host) >= 1 && strlen(host) <= 63, "expanded hostname 1..63 bytes");
	check(strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") ==
		      strlen(host),
	      "expanded hostname characters valid");
}

/*
 * The consistency check as it was first written: each section (and
 * [default] alone) resolved against the whole policy for a user only that
 * section names; the first refusal, with the section added to its text.
 */
static int reference_consistent(const Policy *p, PolicyError *err)
{
	UserPolicy up;

	for (size_t i = 0; i <= p->n_sections; i++) {
		const PolicySection *s = i < p->n_sections ? &p->sections[i] : NULL;
		const char *group[1];
		PolicyIdentity who = { .user = "", .uid = 65534 };
		char msg[sizeof(err->text)];

		if (s && s->kind == SECTION_GLOBAL)
			continue;
		if (s && s->kind == SECTION_USER) {
			who.user = s->target;
			who.uid = strcmp(s->target, "root") == 0 ? 0 : 65534;
		}
		if (s && s->kind == SECTION_GROUP) {
			group[0] = s->target;
			who.groups = group;
			who.n_groups = 1;
		}
		if (policy_resolve(p, &who, &up, NULL, err) == 0)
			continue;
		if (s) {
			snprintf(msg, sizeof(msg), "%s (for a user matched by [%s] at %s:%u)",
				 err->text, s->section, p->files[s->file], s->line);
			memcpy(err->text, msg, sizeof(msg));
		}
		return -EINVAL;
	}
	return 0;
}

/* The same answers, to the byte, from a and b for who. */
static void check_same(const Policy *a, const Policy *b, const PolicyIdentity *who)
{
	PolicySource sa[64], sb[64];
	PolicyError ea, eb;
	UserPolicy ua, ub;
	PolicyGlobal ga, gb;
	int ra, rb;

	memset(&ea, 0, sizeof(ea));
	memset(&eb, 0, sizeof(eb));
	memset(sa, 0, sizeof(sa));
	memset(sb, 0, sizeof(sb));
	ra = policy_resolve(a, who, &ua, sa, &ea);
	rb = policy_resolve(b, who, &ub, sb, &eb);
	check(ra == rb && strcmp(ea.text, eb.text) == 0, "memo: the same resolution result");
	check(ra < 0 || memcmp(&ua, &ub, sizeof(ua)) == 0, "memo: the same effective policy");
	policy_global(a, &ga, NULL);
	policy_global(b, &gb, NULL);
	check(memcmp(&ga, &gb, sizeof(ga)) == 0, "memo: the same [global]");
	for (size_t k = 0; ra == 0 && k < policy_key_count(); k++) {
		if (policy_key_info(k)->global)
			continue; /* resolve() leaves those to policy_global() */
		check(!sa[k].file == !sb[k].file && sa[k].line == sb[k].line,
		      "memo: the same source file and line");
		check(strcmp(sa[k].value, sb[k].value) == 0, "memo: the same source value");
		check(!sa[k].section == !sb[k].section &&
			      (!sa[k].section || strcmp(sa[k].section, sb[k].section) == 0),
		      "memo: the same source section");
	}
}

/* The input as a memo of itself: refused, or a policy (never a crash). */
static void memo_garbage(const uint8_t *data, size_t size)
{
	PolicyInput in = { .path = (char *)NAME, .buf = (char *)data, .len = size };
	void *buf = malloc(size ? size : 1);
	Policy *p = NULL;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (policy_memo_decode(buf, size, &in, 1, &p) < 0)
		free(buf);
	policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const none[] = { NULL };
	static const char *const many[] = {
		"users", "students", "staff", "a", "b", "wheel", "hpc"
	};
	static const char *const rootg[] = { "root", "wheel", "a" };
	const PolicyIdentity who[] = {
		{ .user = "alice", .uid = 1000, .groups = none, .n_groups = 0 },
		{ .user = "bob", .uid = 1001, .groups = many, .n_groups = 7 },
		{ .user = "root", .uid = 0, .groups = rootg, .n_groups = 3 },
		{ .user = "toor", .uid = 0, .groups = none, .n_groups = 0 },
	};
	PolicyInput in = { .path = (char *)NAME, .buf = (char *)data, .len = size };
	Policy *p = NULL, *m = NULL;
	PolicyError e, ref;
	size_t memo_len;
	void *memo;
	int r, rr;

	memo_garbage(data, size);
	memset(&e, 0, sizeof(e));
	memset(&ref, 0, sizeof(ref));
	r = policy_parse_buffer(NAME, (const char *)data, size, &p, &e);
	if (r == 0) {
		r = policy_check_consistent(p, &e);
		rr = reference_consistent(p, &ref);
		check(r == rr, "consistency: the same verdict as the reference");
		check(r == 0 || strcmp(e.text, ref.text) == 0,
		      "consistency: the same error as the reference");
		if (r < 0) {
			policy_free(p);
			p = NULL;
		}
	}
	if (r < 0) {
		check(p == NULL, "no policy on error");
		check_error(&e);
		return 0;
	}
	check(r == 0 && p != NULL, "a policy on success");
	check(policy_file_count(p) == 1 && strcmp(policy_file_path(p, 0), NAME) == 0,
	      "one file, named");
	check(policy_check_consistent(p, NULL) == 0, "an accepted policy is consistent");
	check_global(p);
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++)
		check_user(p, &who[i]);

	r = policy_memo_encode(p, &in, 1, &memo, &memo_len);
	check(r == 0 || r == -EFBIG, "memo: made");
	if (r == 0) {
		r = policy_memo_decode(memo, memo_len, &in, 1, &m);
		check(r == 0, "memo: taken back for the same input");
		for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++)
			check_same(p, m, &who[i]);
		if (size > 0) {
			/* One byte more or less of the input: not its memo. */
			PolicyInput shorter = { .path = (char *)NAME,
						.buf = (char *)data,
						.len = size - 1 };
			Policy *none = NULL;

			check(policy_memo_decode(memo, memo_len, &shorter, 1, &none) == -ESTALE &&
				      !none,
			      "memo: refused for other input");
		}
		policy_free(m);
	}
	policy_free(p);
	return 0;
}
