/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving a loaded policy for one user, and the checks that need the
 * resolved combination of keys.  No I/O here: NSS lookups are the caller's.
 */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The entry deciding each key for who (NULL: the built-in default), in one
 * pass over n entries: for each key, the last matching [user:NAME] entry,
 * else the last matching [group:NAME] one, else the last of [default] (or
 * [global]).  Root's isolate comes from [user:root] only.
 */
static void decide_all(const PolicyEntry *entries, size_t n, const PolicyIdentity *who,
		       const PolicyEntry *ret[POLICY_KEYS_MAX])
{
	const PolicyEntry *user[POLICY_KEYS_MAX] = { 0 }, *group[POLICY_KEYS_MAX] = { 0 },
			  *def[POLICY_KEYS_MAX] = { 0 };
	bool root = who && who->uid == 0;
	int isolate = policy_key_find("isolate");

	for (size_t i = 0; i < n; i++) {
		const PolicyEntry *e = &entries[i];
		bool exempt = root && (int)e->key == isolate;

		switch (e->kind) {
		case SECTION_GLOBAL:
			def[e->key] = e;
			break;
		case SECTION_DEFAULT:
			if (!exempt)
				def[e->key] = e;
			break;
		case SECTION_GROUP:
			if (who && !exempt && in_groups(who, e->target))
				group[e->key] = e;
			break;
		case SECTION_USER:
			if (who && who->user && streq(who->user, e->target))
				user[e->key] = e;
			break;
		}
	}
	for (size_t k = 0; k < policy_n_keys; k++)
		ret[k] = user[k] ? user[k] : group[k] ? group[k] : def[k];
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
	const PolicyEntry *decided[POLICY_KEYS_MAX];

	memset(ret, 0, sizeof(*ret));
	decide_all(p->entries, p->n_entries, NULL, decided);
	for (size_t k = 0; k < policy_n_keys; k++) {
		const PolicyEntry *e = decided[k];

		if (!policy_keys[k].info.global)
			continue;
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
	if (up->network == NETWORK_NAT && !(up->namespaces & POLICY_NS_NET)) {
		describe(a, sizeof(a), &src[net], "network");
		describe(b, sizeof(b), &src[ns], "namespaces");
		s = blame(p, &src[net], &src[ns]);
		policy_error(err, s->file ? s->file : "built-in", s->line,
			     "network = nat needs 'net' in namespaces (%s; %s)", a, b);
		return -EINVAL;
	}
	if (up->network != NETWORK_NAT &&
	    (up->network == NETWORK_LOOPBACK) != !!(up->namespaces & POLICY_NS_NET)) {
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

bool policy_uses_nat(const Policy *p)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (streq(policy_key_info(p->entries[i].key)->name, "network") &&
		    streq(p->entries[i].value, "nat"))
			return true;
	return false;
}

/* policy_resolve() over n of p's entries (all of them, or a view's). */
static int resolve_entries(const Policy *p, const PolicyEntry *entries, size_t n,
			   const PolicyIdentity *who, UserPolicy *ret, PolicySource *sources)
{
	const PolicyEntry *decided[POLICY_KEYS_MAX];

	memset(ret, 0, sizeof(*ret));
	decide_all(entries, n, who, decided);
	for (size_t k = 0; k < policy_n_keys; k++) {
		const char *builtin = policy_keys[k].info.builtin;
		const PolicyEntry *e = decided[k];

		if (policy_keys[k].info.global)
			continue;
		/* Built-in rule, needs no policy: root is exempt unless [user:root]. */
		if (!e && who->uid == 0 && streq(policy_keys[k].info.name, "isolate"))
			builtin = "no";
		apply(k, e ? e->value : builtin, ret);
		set_source(&sources[k], p, e, builtin);
		if (!e && builtin != policy_keys[k].info.builtin)
			sources[k].section = "built-in rule: root is exempt";
	}
	return 0;
}

int policy_resolve(const Policy *p, const PolicyIdentity *who, UserPolicy *ret,
		   PolicySource *sources, PolicyError *err)
{
	PolicySource local[POLICY_KEYS_MAX];
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
	resolve_entries(p, p->entries, p->n_entries, who, ret, src);
	return check_combination(p, ret, src, err);
}

/* The order sections and entries are sorted in here: kind, name, then file order. */
static int cmp_place(SectionKind ka, const char *ta, size_t ia, SectionKind kb, const char *tb,
		     size_t ib)
{
	int c;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	c = strcmp(ta, tb);
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* Indices of entries, by section. */
static int cmp_by_section(const void *a, const void *b, void *userdata)
{
	const PolicyEntry *entries = userdata;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;

	return cmp_place(entries[ia].kind, entries[ia].target, ia, entries[ib].kind,
			 entries[ib].target, ib);
}

/* The first of the sorted entries of section (kind, target): its position in by, or n. */
static size_t find_section(const Policy *p, const size_t *by, size_t n, SectionKind kind,
			   const char *target)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const PolicyEntry *e = &p->entries[by[mid]];

		/* Position 0 sorts before every entry of the same name. */
		if (cmp_place(e->kind, e->target, 1, kind, target, 0) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * What a user matched by section s alone gets is decided by the entries of
 * the sections of that name and of [default] only (a user section's user
 * has no group, a group section's none of the users named): in view, those
 * entries in file order ([default]'s are the d sorted ones from d_at).
 * Returns how many.
 */
static size_t section_view(const Policy *p, const size_t *by, size_t d_at, size_t d,
			   const PolicySection *s, PolicyEntry *view)
{
	size_t n = 0, g = s ? find_section(p, by, p->n_entries, s->kind, s->target) : 0;
	size_t g_end = g;

	while (s && g_end < p->n_entries && p->entries[by[g_end]].kind == s->kind &&
	       streq(p->entries[by[g_end]].target, s->target))
		g_end++;
	/* Merge the two runs, each in file order already. */
	for (size_t i = g, j = d_at; i < g_end || j < d_at + d;) {
		if (j >= d_at + d || (i < g_end && by[i] < by[j]))
			view[n++] = p->entries[by[i++]];
		else
			view[n++] = p->entries[by[j++]];
	}
	return n;
}

/* Indices of sections, by kind and name. */
static int cmp_sections(const void *a, const void *b, void *userdata)
{
	const PolicySection *sections = userdata;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;

	return cmp_place(sections[ia].kind, sections[ia].target, ia, sections[ib].kind,
			 sections[ib].target, ib);
}

/* again[i]: an earlier section has the name of section i. */
static void mark_repeated(const Policy *p, size_t *order, bool *again)
{
	for (size_t i = 0; i < p->n_sections; i++)
		order[i] = i;
	qsort_r(order, p->n_sections, sizeof(*order), cmp_sections, p->sections);
	for (size_t i = 1; i < p->n_sections; i++) {
		const PolicySection *a = &p->sections[order[i - 1]], *b = &p->sections[order[i]];

		again[order[i]] = a->kind == b->kind && streq(a->target, b->target);
	}
}

int policy_check_consistent(const Policy *p, PolicyError *err)
{
	size_t n_alloc = (p->n_entries > p->n_sections ? p->n_entries : p->n_sections) + 1;
	_cleanup_(freep) size_t *by = NULL;
	_cleanup_(freep) PolicyEntry *view = NULL;
	_cleanup_(freep) bool *again = NULL;
	PolicySource src[POLICY_KEYS_MAX];
	size_t d_at, d = 0;
	UserPolicy up;
	int r;

	by = malloc(n_alloc * sizeof(*by));
	view = malloc(n_alloc * sizeof(*view));
	again = calloc(n_alloc, sizeof(*again));
	if (!by || !view || !again) {
		policy_error(err, p->n_files ? p->files[0] : "policy", 0, "out of memory");
		return -ENOMEM;
	}
	mark_repeated(p, by, again);
	for (size_t i = 0; i < p->n_entries; i++)
		by[i] = i;
	qsort_r(by, p->n_entries, sizeof(*by), cmp_by_section, p->entries);
	d_at = find_section(p, by, p->n_entries, SECTION_DEFAULT, "default");
	while (d_at + d < p->n_entries && p->entries[by[d_at + d]].kind == SECTION_DEFAULT)
		d++;

	/* [default] alone, then each section as if it were the only match;
	 * a name seen before gave the same answer then. */
	for (size_t i = 0; i <= p->n_sections; i++) {
		const PolicySection *s = i < p->n_sections ? &p->sections[i] : NULL;
		const char *group[1];
		PolicyIdentity who = { .user = "", .uid = 65534 };
		size_t n;

		if (s && (s->kind == SECTION_GLOBAL || again[i]))
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
		n = section_view(p, by, d_at, d, s && s->kind != SECTION_DEFAULT ? s : NULL, view);
		resolve_entries(p, view, n, &who, &up, src);
		r = check_combination(p, &up, src, err);
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
