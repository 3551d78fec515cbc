/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving a loaded policy for one user, and the checks that need the
 * resolved combination of keys.  No I/O here: NSS lookups are the caller's.
 */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "policy-internal.h"
#include "policy-keys.h"
#include "units.h"

/* Apply value text to the key's field; the text was validated at load time. */
static void apply(size_t key, const char *value, void *base)
{
	const char *why;

	(void)policy_keys[key].parse(value, (char *)base + policy_keys[key].offset, &why);
}

static bool in_groups(const PolicyIdentity *who, const char *group)
{
	for (size_t i = 0; i < who->n_groups; i++)
		if (streq(who->groups[i], group))
			return true;
	return false;
}

/* The entry deciding key for who, or NULL for the built-in default. */
static const PolicyEntry *decide(const Policy *p, const PolicyIdentity *who, size_t key)
{
	const PolicyEntry *user = NULL, *group = NULL, *def = NULL;
	bool root = who && who->uid == 0;

	for (size_t i = 0; i < p->n_entries; i++) {
		const PolicyEntry *e = &p->entries[i];

		if (e->key != key)
			continue;
		switch (e->kind) {
		case SECTION_GLOBAL:
			def = e;
			break;
		case SECTION_DEFAULT:
			if (!(root && streq(policy_keys[key].info.name, "isolate")))
				def = e;
			break;
		case SECTION_GROUP:
			if (who && in_groups(who, e->target) &&
			    !(root && streq(policy_keys[key].info.name, "isolate")))
				group = e;
			break;
		case SECTION_USER:
			if (who && who->user && streq(who->user, e->target))
				user = e;
			break;
		}
	}
	return user ? user : group ? group : def;
}

static void set_source(PolicySource *src, const Policy *p, const PolicyEntry *e,
		       const char *builtin)
{
	if (!src)
		return;
	if (e)
		*src = (PolicySource){
			.file = p->files[e->file],
			.line = e->line,
			.section = e->section,
			.value = e->value,
		};
	else
		*src = (PolicySource){ .value = builtin };
}

void policy_global(const Policy *p, PolicyGlobal *ret, PolicySource *sources)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t k = 0; k < policy_n_keys; k++) {
		const PolicyEntry *e;

		if (!policy_keys[k].info.global)
			continue;
		e = decide(p, NULL, k);
		apply(k, e ? e->value : policy_keys[k].info.builtin, ret);
		set_source(sources ? &sources[k] : NULL, p, e, policy_keys[k].info.builtin);
	}
}

static void describe(char *buf, size_t len, const PolicySource *s, const char *key)
{
	if (s->file)
		snprintf(buf, len, "%s = %s from %s:%u [%s]", key, s->value, s->file, s->line,
			 s->section);
	else
		snprintf(buf, len, "%s = %s, the built-in default", key, s->value);
}

/* Position of a source's file in load order; 0 for a built-in default. */
static size_t file_rank(const Policy *p, const char *file)
{
	for (size_t i = 0; file && i < p->n_files; i++)
		if (p->files[i] == file)
			return i + 1;
	return 0;
}

/*
 * Where to point an error about a combination: the later of the two
 * settings in load order (files as read, then lines), the one that made the
 * combination; a key set in a file beats a built-in default.
 */
static const PolicySource *blame(const Policy *p, const PolicySource *a, const PolicySource *b)
{
	size_t ra = file_rank(p, a->file), rb = file_rank(p, b->file);

	if (ra != rb)
		return ra > rb ? a : b;
	return (a->line >= b->line) ? a : b;
}

/*
 * Combinations the holder cannot honour: the holder is PID 1 of its own PID
 * namespace with its own /proc, so mount and pid are always needed; network
 * needs the net namespace and vice versa; a private /dev/shm without the IPC
 * namespace would be half a promise.
 */
static int check_combination(const Policy *p, const UserPolicy *up, const PolicySource *src,
			     PolicyError *err)
{
	int ns = policy_key_find("namespaces"), net = policy_key_find("network");
	int pipc = policy_key_find("private_ipc");
	char a[POLICY_LINE_MAX], b[POLICY_LINE_MAX];
	const PolicySource *s;

	if (!up->isolate)
		return 0;
	if ((up->namespaces & (POLICY_NS_MOUNT | POLICY_NS_PID)) !=
	    (POLICY_NS_MOUNT | POLICY_NS_PID)) {
		s = &src[ns];
		describe(a, sizeof(a), s, "namespaces");
		policy_error(err, s->file ? s->file : "built-in", s->line,
			     "namespaces must include mount and pid: a paddock is a PID namespace "
			     "whose PID 1 is its holder, with its own /proc (%s)",
			     a);
		return -EINVAL;
	}
	if (up->private_ipc && !(up->namespaces & POLICY_NS_IPC)) {
		describe(a, sizeof(a), &src[pipc], "private_ipc");
		describe(b, sizeof(b), &src[ns], "namespaces");
		s = blame(p, &src[pipc], &src[ns]);
		policy_error(err, s->file ? s->file : "built-in", s->line,
			     "private_ipc = yes needs 'ipc' in namespaces (%s; %s)", a, b);
		return -EINVAL;
	}
	if ((up->network == NETWORK_LOOPBACK) != !!(up->namespaces & POLICY_NS_NET)) {
		describe(a, sizeof(a), &src[net], "network");
		describe(b, sizeof(b), &src[ns], "namespaces");
		s = blame(p, &src[net], &src[ns]);
		policy_error(err, s->file ? s->file : "built-in", s->line,
			     "network = loopback goes with 'net' in namespaces, network = host "
			     "without it (%s; %s)",
			     a, b);
		return -EINVAL;
	}
	return 0;
}

bool policy_uses_groups(const Policy *p)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].kind == SECTION_GROUP)
			return true;
	return false;
}

int policy_resolve(const Policy *p, const PolicyIdentity *who, UserPolicy *ret,
		   PolicySource *sources, PolicyError *err)
{
	PolicySource local[64];
	PolicySource *src = sources ? sources : local;

	_Static_assert(ELEMENTSOF(local) >= 20, "source array too small");
	memset(ret, 0, sizeof(*ret));
	/* A [group:NAME] section silently skipped would be a weaker policy. */
	if (who->groups_unknown && policy_uses_groups(p)) {
		policy_error(err, p->n_files ? p->files[0] : "policy", 0,
			     "the groups of user %s were not looked up, but the policy has "
			     "[group:NAME] settings",
			     who->user ? who->user : "?");
		return -EINVAL;
	}
	for (size_t k = 0; k < policy_n_keys; k++) {
		const char *builtin = policy_keys[k].info.builtin;
		const PolicyEntry *e;

		if (policy_keys[k].info.global)
			continue;
		e = decide(p, who, k);
		/* Built-in rule, needs no policy: root is exempt unless [user:root]. */
		if (!e && who->uid == 0 && streq(policy_keys[k].info.name, "isolate"))
			builtin = "no";
		apply(k, e ? e->value : builtin, ret);
		set_source(&src[k], p, e, builtin);
		if (!e && builtin != policy_keys[k].info.builtin)
			src[k].section = "built-in rule: root is exempt";
	}
	return check_combination(p, ret, src, err);
}

int policy_check_consistent(const Policy *p, PolicyError *err)
{
	UserPolicy up;
	int r;

	/* [default] alone, then each section as if it were the only match. */
	for (size_t i = 0; i <= p->n_sections; i++) {
		const PolicySection *s = i < p->n_sections ? &p->sections[i] : NULL;
		const char *group[1];
		PolicyIdentity who = { .user = "", .uid = 65534 };

		if (s && s->kind == SECTION_GLOBAL)
			continue;
		if (s && s->kind == SECTION_USER) {
			who.user = s->target;
			who.uid = streq(s->target, "root") ? 0 : 65534;
		}
		if (s && s->kind == SECTION_GROUP) {
			group[0] = s->target;
			who.groups = group;
			who.n_groups = 1;
		}
		r = policy_resolve(p, &who, &up, NULL, err);
		if (r < 0) {
			if (s && err) {
				char msg[sizeof(err->text)];

				snprintf(msg, sizeof(msg),
					 "%s (for a user matched by [%s] at %s:%u)", err->text,
					 s->section, p->files[s->file], s->line);
				memcpy(err->text, msg, sizeof(msg));
			}
			return r;
		}
	}
	return 0;
}

int policy_expand_hostname(const char *tmpl, const char *user, uid_t uid, const char *host,
			   char *buf, size_t len)
{
	char out[POLICY_HOSTNAME_TEMPLATE_MAX * 8] = "";
	size_t n = 0, hl;
	char uidbuf[16];

	hl = strcspn(host, ".");
	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	for (const char *p = tmpl; *p && n < sizeof(out) - 1; p++) {
		const char *add = NULL;
		size_t alen = 0;

		if (*p == '%' && p[1]) {
			p++;
			switch (*p) {
			case 'u':
				add = user, alen = strlen(user);
				break;
			case 'U':
				add = uidbuf, alen = strlen(uidbuf);
				break;
			case 'h':
				add = host, alen = hl;
				break;
			default:
				add = p, alen = 1;
				break;
			}
		} else {
			add = p, alen = 1;
		}
		for (size_t i = 0; i < alen && n < sizeof(out) - 1; i++) {
			char c = add[i];
			bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9') || c == '-' || c == '.';

			out[n++] = okc ? c : '-';
		}
	}
	out[n] = '\0';
	/* A UTS hostname is at most 64 bytes; RFC 1123 labels at most 63. */
	if (n > 63)
		out[63] = '\0';
	if (out[0] == '\0')
		snprintf(out, sizeof(out), "paddock");
	if (strlen(out) + 1 > len)
		return -ENAMETOOLONG;
	snprintf(buf, len, "%s", out);
	return 0;
}

uint64_t policy_tmp_bytes(const UserPolicy *up, uint64_t ram_bytes)
{
	uint64_t base;

	if (!up->tmp_size.percent)
		return up->tmp_size.value;
	base = up->memory_max == UNITS_MAX ? ram_bytes : up->memory_max;
	/* Split to stay exact and overflow-free: 25% of 2G is 512M. */
	return base / 100 * up->tmp_size.value + base % 100 * up->tmp_size.value / 100;
}
