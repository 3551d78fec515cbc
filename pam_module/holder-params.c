/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "holder-params.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../conf/macro.h"
#include "../conf/namespaces.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "cgroup.h"
#include "net.h"
#include "spare.h"

/* Every word a command line or the claim may carry, by what it holds. */
typedef enum Field {
	F_UID,
	F_USER,
	F_HOSTNAME,
	F_NS,
	F_TMP_SIZE,
	F_PRIVATE_TMP,
	F_PRIVATE_IPC,
	F_LOOPBACK,
	F_KILL_ON_LOGOUT,
	F_LINGER,
	F_CGROUP_MANAGER,
	F_CGROUP_PARENT,
	F_SPARE,
	F_PAD,
	F_COUNT,
	F_NET,
	F_LIMITS,
	F_END,
} Field;

static const char *const option_names[F_END] = {
	[F_UID] = "--uid",
	[F_USER] = "--user",
	[F_HOSTNAME] = "--hostname",
	[F_NS] = "--ns",
	[F_TMP_SIZE] = "--tmp-size",
	[F_PRIVATE_TMP] = "--private-tmp",
	[F_PRIVATE_IPC] = "--private-ipc",
	[F_LOOPBACK] = "--loopback",
	[F_KILL_ON_LOGOUT] = "--kill-on-logout",
	[F_LINGER] = "--linger",
	[F_CGROUP_MANAGER] = "--cgroup-manager",
	[F_CGROUP_PARENT] = "--cgroup-parent",
	[F_SPARE] = "--spare",
	[F_PAD] = "--pad",
	[F_COUNT] = "--count",
	[F_NET] = "--net",
	[F_LIMITS] = "--limits",
};

/* The words of each command line, in holder-proto.h's order, and of the
 * claim (after "claim"); F_END ends a list. */
static const Field user_fields[] = {
	F_UID,	       F_USER,	   F_HOSTNAME,	     F_NS,     F_TMP_SIZE,	 F_PRIVATE_TMP,
	F_PRIVATE_IPC, F_LOOPBACK, F_KILL_ON_LOGOUT, F_LINGER, F_CGROUP_MANAGER, F_CGROUP_PARENT,
	F_END,
};
static const Field spare_fields[] = {
	F_SPARE,       F_NS,	   F_TMP_SIZE,	     F_PRIVATE_TMP,
	F_PRIVATE_IPC, F_LOOPBACK, F_CGROUP_MANAGER, F_CGROUP_PARENT,
	F_PAD,	       F_END,
};
static const Field maker_fields[] = {
	F_COUNT,
	F_NS,
	F_TMP_SIZE,
	F_PRIVATE_TMP,
	F_PRIVATE_IPC,
	F_LOOPBACK,
	F_CGROUP_MANAGER,
	F_CGROUP_PARENT,
	F_NET,
	F_LIMITS,
	F_END,
};
static const Field claim_fields[] = {
	F_UID, F_USER,	      F_HOSTNAME,    F_TMP_SIZE, F_KILL_ON_LOGOUT, F_LINGER,
	F_NS,  F_PRIVATE_TMP, F_PRIVATE_IPC, F_LOOPBACK, F_CGROUP_MANAGER, F_CGROUP_PARENT,
	F_END,
};

static const Field *fields_of(HolderArgvKind kind)
{
	switch (kind) {
	case HOLDER_ARGV_USER:
		return user_fields;
	case HOLDER_ARGV_SPARE:
		return spare_fields;
	default:
		return maker_fields;
	}
}

/* ---- writing ------------------------------------------------------------ */

typedef struct Out {
	char *buf;
	size_t len, n;
	int r;
} Out;

static void put(Out *o, const char *w)
{
	size_t k = strlen(w) + 1;

	if (o->r < 0)
		return;
	if (o->n + k > o->len) {
		o->r = -E2BIG;
		return;
	}
	memcpy(o->buf + o->n, w, k);
	o->n += k;
}

/* The value of field f; false when it has none (a maker without limits). */
static bool format_field(Field f, const HolderParams *p, const HolderArgvExtra *x, char *v,
			 size_t len)
{
	switch (f) {
	case F_UID:
		snprintf(v, len, "%u", (unsigned)p->uid);
		break;
	case F_USER:
		snprintf(v, len, "%s", p->user);
		break;
	case F_HOSTNAME:
		snprintf(v, len, "%s", p->hostname);
		break;
	case F_NS:
		snprintf(v, len, "%u", p->namespaces);
		break;
	case F_TMP_SIZE:
		snprintf(v, len, "%" PRIu64, p->tmp_size);
		break;
	case F_PRIVATE_TMP:
		snprintf(v, len, "%d", p->private_tmp);
		break;
	case F_PRIVATE_IPC:
		snprintf(v, len, "%d", p->private_ipc);
		break;
	case F_LOOPBACK:
		snprintf(v, len, "%d", p->loopback);
		break;
	case F_KILL_ON_LOGOUT:
		snprintf(v, len, "%d", p->kill_on_logout);
		break;
	case F_LINGER:
		snprintf(v, len, "%" PRIu64, p->linger);
		break;
	case F_CGROUP_MANAGER:
		snprintf(v, len, "%s", p->cgroup_manager);
		break;
	case F_CGROUP_PARENT:
		snprintf(v, len, "%s", p->cgroup_parent);
		break;
	case F_SPARE:
		snprintf(v, len, "%s", x->spare);
		break;
	case F_PAD:
		/* the room the claimed holder rewrites its command line in */
		memset(v, ' ', HOLDER_SPARE_PAD);
		v[HOLDER_SPARE_PAD] = '\0';
		break;
	case F_COUNT:
		snprintf(v, len, "%u", x->count);
		break;
	case F_NET:
		if (!p->spare_net)
			return false;
		snprintf(v, len, "%s", p->spare_net);
		break;
	default:
		if (!p->spare_limits)
			return false;
		spare_limits_format(p->spare_limits, v);
		break;
	}
	return true;
}

/* Large enough for any value: a path, a name, the pad or the limits. */
#define VALUE_MAX (POLICY_PATH_MAX + HOLDER_SPARE_PAD + SPARE_LIMITS_MAX + NET_SPARE_TEXT_MAX)

/* A value cut to fit would be another value: refuse it instead. */
static void put_value(Out *o, const char *v, size_t len)
{
	if (strlen(v) >= len - 1)
		o->r = -E2BIG;
	put(o, v);
}

int holder_params_argv(HolderArgvKind kind, const HolderParams *p, const HolderArgvExtra *x,
		       char *buf, size_t len)
{
	static const HolderArgvExtra none = { 0 };
	Out o = { .buf = buf, .len = len };
	char v[VALUE_MAX];

	if (!x)
		x = &none;
	put(&o, "paddock");
	put(&o, kind == HOLDER_ARGV_MAKER ? "spare" : "holder");
	for (const Field *f = fields_of(kind); *f != F_END; f++) {
		if (!format_field(*f, p, x, v, sizeof(v)))
			continue;
		put(&o, option_names[*f]);
		put_value(&o, v, sizeof(v));
	}
	return o.r < 0 ? o.r : (int)o.n;
}

int holder_params_claim(const HolderParams *p, char *buf, size_t len)
{
	Out o = { .buf = buf, .len = len };
	char v[VALUE_MAX];

	put(&o, HOLDER_REQ_CLAIM);
	for (const Field *f = claim_fields; *f != F_END; f++) {
		(void)format_field(*f, p, NULL, v, sizeof(v));
		put_value(&o, v, sizeof(v));
	}
	return o.r < 0 ? o.r : (int)o.n;
}

/* ---- reading ------------------------------------------------------------ */

/* Decimal as the writer writes it: digits, no sign, no leading zero. */
static int parse_num(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r;

	if (s[0] == '0' && s[1])
		return -EINVAL;
	r = units_parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_01(const char *s, bool *ret)
{
	if (!streq(s, "0") && !streq(s, "1"))
		return -EINVAL;
	*ret = s[0] == '1';
	return 0;
}

/* What sethostname() and every reader of the name take: letters, digits
 * and '-', 1 to 63 of them. */
static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 63 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int parse_field(Field f, const char *a, HolderParams *p, HolderArgvExtra *x,
		       CgroupLimits *limits)
{
	uint64_t v = 0;
	int r;

	switch (f) {
	case F_UID:
		r = parse_num(a, UINT32_MAX - 1, &v);
		p->uid = (uid_t)v;
		return r;
	case F_USER:
		p->user = a;
		return *a ? 0 : -EINVAL;
	case F_HOSTNAME:
		p->hostname = a;
		return valid_hostname(a) ? 0 : -EINVAL;
	case F_NS:
		r = parse_num(a, (1u << NS_COUNT) - 1, &v);
		p->namespaces = (unsigned)v;
		return r;
	case F_TMP_SIZE:
		r = parse_num(a, UINT64_MAX - 1, &p->tmp_size);
		return r < 0 ? r : p->tmp_size == 0 ? -EINVAL : 0;
	case F_PRIVATE_TMP:
		return parse_01(a, &p->private_tmp);
	case F_PRIVATE_IPC:
		return parse_01(a, &p->private_ipc);
	case F_LOOPBACK:
		return parse_01(a, &p->loopback);
	case F_KILL_ON_LOGOUT:
		return parse_01(a, &p->kill_on_logout);
	case F_LINGER:
		return parse_num(a, HOLDER_LINGER_MAX, &p->linger);
	case F_CGROUP_MANAGER:
		p->cgroup_manager = a;
		return *a ? 0 : -EINVAL;
	case F_CGROUP_PARENT:
		p->cgroup_parent = a;
		return *a == '/' ? 0 : -EINVAL;
	case F_SPARE:
		x->spare = a;
		return *a && !strchr(a, '/') && a[0] != '.' ? 0 : -EINVAL;
	case F_PAD:
		return strlen(a) == HOLDER_SPARE_PAD && strspn(a, " ") == HOLDER_SPARE_PAD
			       ? 0
			       : -EINVAL;
	case F_COUNT:
		r = parse_num(a, POLICY_PRESTART_MAX, &v);
		x->count = (unsigned)v;
		return r < 0 ? r : v == 0 ? -ERANGE : 0;
	case F_NET:
		/* paddock-net checks the options themselves. */
		p->spare_net = a;
		return *a && strlen(a) < NET_SPARE_TEXT_MAX ? 0 : -EINVAL;
	default:
		if (!limits)
			return -EINVAL;
		p->spare_limits = limits;
		return spare_limits_parse(a, limits);
	}
}

/* The combinations holder-proto.h forbids, whoever reads them. */
static int check_shape(const HolderParams *p)
{
	unsigned need = POLICY_NS_MOUNT | POLICY_NS_PID;

	if ((p->namespaces & need) != need || p->tmp_size == 0 ||
	    ((p->loopback || p->spare_net) && !(p->namespaces & POLICY_NS_NET)))
		return -EINVAL;
	return 0;
}

int holder_params_parse_argv(HolderArgvKind kind, int argc, char *const *argv, HolderParams *p,
			     HolderArgvExtra *x, CgroupLimits *limits)
{
	const Field *fields = fields_of(kind);
	uint32_t seen = 0, want = 0;
	int r;

	*p = (HolderParams){ .uid = (uid_t)-1 };
	*x = (HolderArgvExtra){ 0 };
	for (const Field *f = fields; *f != F_END; f++)
		if (*f != F_LIMITS && *f != F_NET)
			want |= 1u << *f;
	if (argc % 2 != 0)
		return -EINVAL;
	for (int i = 0; i < argc; i += 2) {
		const Field *f = fields;

		while (*f != F_END && !streq(argv[i], option_names[*f]))
			f++;
		if (*f == F_END || (seen & (1u << *f)))
			return -EINVAL;
		seen |= 1u << *f;
		r = parse_field(*f, argv[i + 1], p, x, limits);
		if (r < 0)
			return r;
	}
	if ((seen & want) != want)
		return -EINVAL;
	return check_shape(p);
}

int holder_params_parse_cmdline(char *buf, size_t n, HolderParams *p)
{
	char *words[HOLDER_CMDLINE_MAX / 2];
	HolderArgvExtra x;
	int argc = 0;

	*p = (HolderParams){ .uid = (uid_t)-1 };
	if (n == 0 || buf[n - 1] != '\0')
		return -EINVAL;
	for (size_t i = 0; i < n && buf[i]; i += strlen(buf + i) + 1) {
		if ((size_t)argc == ELEMENTSOF(words))
			return -EINVAL;
		words[argc++] = buf + i;
	}
	if (argc < 2 || !streq(words[0], "paddock") || !streq(words[1], "holder"))
		return -EINVAL;
	return holder_params_parse_argv(HOLDER_ARGV_USER, argc - 2, words + 2, p, &x, NULL);
}

int holder_params_parse_claim(const char *msg, size_t n, HolderParams *p)
{
	const Field *f = claim_fields;
	HolderArgvExtra x;
	size_t i;
	int r;

	*p = (HolderParams){ .uid = (uid_t)-1 };
	if (n == 0 || msg[n - 1] != '\0' || !streq(msg, HOLDER_REQ_CLAIM))
		return -EINVAL;
	for (i = strlen(msg) + 1; i < n && *f != F_END; i += strlen(msg + i) + 1, f++) {
		r = parse_field(*f, msg + i, p, &x, NULL);
		if (r < 0)
			return r;
	}
	if (i != n || *f != F_END)
		return -EINVAL;
	return check_shape(p);
}

bool holder_params_same_shape(const HolderParams *a, const HolderParams *b)
{
	return a->namespaces == b->namespaces && a->private_tmp == b->private_tmp &&
	       a->private_ipc == b->private_ipc && a->loopback == b->loopback &&
	       streq(a->cgroup_manager, b->cgroup_manager) &&
	       streq(a->cgroup_parent, b->cgroup_parent);
}

int holder_params_check(const HolderParams *p)
{
	if (!p->user || !*p->user || !p->hostname || !*p->hostname || !p->cgroup_manager ||
	    !*p->cgroup_manager || !p->cgroup_parent || !*p->cgroup_parent)
		return -EINVAL;
	if (p->namespaces >= (1u << NS_COUNT) || check_shape(p) < 0)
		return -EINVAL;
	if (p->uid == (uid_t)-1)
		return -EINVAL;
	return 0;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *c = data;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void spare_key(const HolderParams *p, char buf[static SPARE_KEY_LEN + 1])
{
	char shape[64];
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int n = snprintf(shape, sizeof(shape), "%u %d %d %d", p->namespaces, p->private_tmp,
			 p->private_ipc, p->loopback);

	h = fnv1a(h, shape, (size_t)n + 1);
	h = fnv1a(h, p->cgroup_manager, strlen(p->cgroup_manager) + 1);
	h = fnv1a(h, p->cgroup_parent, strlen(p->cgroup_parent) + 1);
	/* Only a login whose network policy is the spare's takes its network. */
	if (p->spare_net)
		h = fnv1a(h, p->spare_net, strlen(p->spare_net) + 1);
	snprintf(buf, SPARE_KEY_LEN + 1, "%016" PRIx64, h);
}
