/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tier: the holder's one codec (pam_module/holder-params.h).  Every
 * field of HolderParams goes out through each command line and the claim
 * and comes back the same, hostile values included (spaces, newlines, '=',
 * bytes that are not UTF-8, the longest that fits); what a reader must
 * refuse (empty, out of range, not canonical, missing, twice) it refuses.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../conf/policy.h"
#include "../../conf/units.h"
#include "../../pam_module/cgroup.h"
#include "../../pam_module/holder-params.h"
#include "tap.h"

#define WORDS_MAX 64

static const HolderParams base = {
	.uid = 1000,
	.user = "alice",
	.hostname = "paddock-alice",
	.namespaces =
		POLICY_NS_MOUNT | POLICY_NS_PID | POLICY_NS_IPC | POLICY_NS_UTS | POLICY_NS_NET,
	.tmp_size = 64 << 20,
	.private_tmp = true,
	.private_ipc = true,
	.loopback = true,
	.kill_on_logout = false,
	.linger = 30,
	.cgroup_manager = "cgroupfs-v1",
	.cgroup_parent = "/paddock.slice",
};

static bool streq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_params(const HolderParams *a, const HolderParams *b, bool user_part)
{
	if (!holder_params_same_shape(a, b) || a->tmp_size != b->tmp_size)
		return false;
	if (!user_part)
		return true;
	return a->uid == b->uid && streq0(a->user, b->user) && streq0(a->hostname, b->hostname) &&
	       a->kill_on_logout == b->kill_on_logout && a->linger == b->linger;
}

/* The words of buf (n bytes, NUL-terminated each) into w. */
static int split(char *buf, int n, char **w)
{
	int k = 0;

	for (int i = 0; i < n; i += (int)strlen(buf + i) + 1) {
		if (k == WORDS_MAX)
			return -1;
		w[k++] = buf + i;
	}
	return k;
}

/* p out as a user's command line and back: 0 when it came back the same,
 * else the reader's -errno (or -EBADMSG for a different value). */
static int user_round_trip(const HolderParams *p)
{
	char buf[HOLDER_CMDLINE_MAX], *w[WORDS_MAX];
	HolderParams got;
	HolderArgvExtra x;
	int n, k, r;

	n = holder_params_argv(HOLDER_ARGV_USER, p, NULL, buf, sizeof(buf));
	if (n < 0)
		return n;
	k = split(buf, n, w);
	if (k < 2 || strcmp(w[0], "paddock") != 0 || strcmp(w[1], "holder") != 0)
		return -EBADMSG;
	r = holder_params_parse_argv(HOLDER_ARGV_USER, k - 2, w + 2, &got, &x, NULL);
	if (r < 0)
		return r;
	return same_params(p, &got, true) && !x.spare ? 0 : -EBADMSG;
}

static int claim_round_trip(const HolderParams *p)
{
	char buf[HOLDER_CLAIM_MAX];
	HolderParams got;
	int n, r;

	n = holder_params_claim(p, buf, sizeof(buf));
	if (n < 0)
		return n;
	r = holder_params_parse_claim(buf, (size_t)n, &got);
	if (r < 0)
		return r;
	return same_params(p, &got, true) ? 0 : -EBADMSG;
}

/* Both ways a user's paddock is described: its command line and a claim. */
static void both(const char *what, const HolderParams *p, int want)
{
	int a = user_round_trip(p), b = claim_round_trip(p);

	tap_ok(a == want, "command line, %s: %d (want %d)", what, a, want);
	tap_ok(b == want, "claim, %s: %d (want %d)", what, b, want);
}

/* One string field set to value: what the codec must do with it. */
static const struct {
	const char *what;
	size_t offset;
	const char *value;
	int want;
} strings[] = {
	{ "an empty user name is refused", offsetof(HolderParams, user), "", -EINVAL },
	{ "an empty manager is refused", offsetof(HolderParams, cgroup_manager), "", -EINVAL },
	{ "a relative cgroup parent is refused", offsetof(HolderParams, cgroup_parent), "relative",
	  -EINVAL },
	{ "a hostname with a space is refused", offsetof(HolderParams, hostname), "with space",
	  -EINVAL },
	{ "a hostname with '=' is refused", offsetof(HolderParams, hostname), "h=1", -EINVAL },
	{ "an empty hostname is refused", offsetof(HolderParams, hostname), "", -EINVAL },
	{ "a 63-letter hostname", offsetof(HolderParams, hostname),
	  "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc", 0 },
	{ "a 64-letter hostname is refused", offsetof(HolderParams, hostname),
	  "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd", -EINVAL },
};

/* One number field (uid, tmp_size, linger) set to value. */
static const struct {
	const char *what;
	size_t offset;
	uint64_t value;
	int want;
} numbers[] = {
	{ "uid 0", offsetof(HolderParams, uid), 0, 0 },
	{ "the largest uid", offsetof(HolderParams, uid), UINT32_MAX - 1, 0 },
	{ "uid -1 is refused", offsetof(HolderParams, uid), UINT32_MAX, -ERANGE },
	{ "a 1-byte tmpfs", offsetof(HolderParams, tmp_size), 1, 0 },
	{ "the largest tmpfs", offsetof(HolderParams, tmp_size), UINT64_MAX - 1, 0 },
	{ "no tmpfs size is refused", offsetof(HolderParams, tmp_size), 0, -EINVAL },
	{ "linger 0", offsetof(HolderParams, linger), 0, 0 },
	{ "the longest linger", offsetof(HolderParams, linger), HOLDER_LINGER_MAX, 0 },
	{ "a linger past a year is refused", offsetof(HolderParams, linger), HOLDER_LINGER_MAX + 1,
	  -ERANGE },
};

static void test_user_fields(void)
{
	static const char *const hostile[] = {
		"a user with spaces",	       "new\nline", "k=v", "--uid",
		"\xff\xfe not UTF-8 \xc3\x28", "tab\there", "-",
	};
	char longest[POLICY_NAME_MAX], path[POLICY_PATH_MAX];
	HolderParams p;

	both("a plain login", &base, 0);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(*hostile); i++) {
		p = base;
		p.user = hostile[i];
		both("a hostile user name", &p, 0);
		p = base;
		p.cgroup_manager = hostile[i];
		both("a hostile manager name", &p, 0);
		p = base;
		snprintf(path, sizeof(path), "/%s", hostile[i]);
		p.cgroup_parent = path;
		both("a hostile cgroup parent", &p, 0);
	}
	memset(longest, 'u', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	p = base;
	p.user = longest;
	both("the longest user name", &p, 0);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	p = base;
	p.cgroup_parent = path;
	both("the longest cgroup parent", &p, 0);

	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
		p = base;
		*(const char **)((char *)&p + strings[i].offset) = strings[i].value;
		both(strings[i].what, &p, strings[i].want);
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(*numbers); i++) {
		p = base;
		if (numbers[i].offset == offsetof(HolderParams, uid))
			p.uid = (uid_t)numbers[i].value;
		else
			*(uint64_t *)((char *)&p + numbers[i].offset) = numbers[i].value;
		both(numbers[i].what, &p, numbers[i].want);
	}
}

/* Every bool and every namespace mask a holder may have. */
static void test_shapes(void)
{
	unsigned good = 0, bad = 0, refused = 0;

	for (unsigned ns = 0; ns < 32; ns++)
		for (unsigned b = 0; b < 16; b++) {
			HolderParams p = base;
			bool ok = (ns & POLICY_NS_MOUNT) && (ns & POLICY_NS_PID) &&
				  (!(b & 4) || (ns & POLICY_NS_NET));

			p.namespaces = ns;
			p.private_tmp = b & 1;
			p.private_ipc = b & 2;
			p.loopback = b & 4;
			p.kill_on_logout = b & 8;
			if (ok)
				good += user_round_trip(&p) == 0 && claim_round_trip(&p) == 0;
			else
				refused += user_round_trip(&p) == -EINVAL &&
					   claim_round_trip(&p) == -EINVAL;
			bad += !ok;
		}
	tap_ok(good == 32 * 16 - bad, "every allowed mask and bool comes back (%u)", good);
	tap_ok(refused == bad, "every combination holder-proto.h forbids is refused (%u)", refused);
}

static void test_spare_and_maker(void)
{
	const CgroupLimits lim = { 300 << 20, UNITS_MAX, 0, 50, 100, 77 };
	char buf[HOLDER_CMDLINE_MAX], *w[WORDS_MAX];
	HolderParams p = base, got;
	HolderArgvExtra x;
	CgroupLimits back;
	int n, k;

	n = holder_params_argv(HOLDER_ARGV_SPARE, &p,
			       &(HolderArgvExtra){ .spare = "0123456789abcdef.0011223344556677" },
			       buf, sizeof(buf));
	k = split(buf, n, w);
	tap_ok(k > 2 && strcmp(w[1], "holder") == 0 && strcmp(w[2], "--spare") == 0,
	       "a spare's command line starts paddock holder --spare");
	tap_ok(strspn(w[k - 1], " ") == HOLDER_SPARE_PAD && strcmp(w[k - 2], "--pad") == 0,
	       "... and ends with --pad and the room for the claim");
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_SPARE, k - 2, w + 2, &got, &x, NULL) == 0 &&
		       same_params(&p, &got, false) &&
		       strcmp(x.spare, "0123456789abcdef.0011223344556677") == 0 &&
		       got.uid == (uid_t)-1 && !got.user && !got.hostname,
	       "... and comes back: the shape, the name, no user");
	w[k - 1][0] = 'x';
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_SPARE, k - 2, w + 2, &got, &x, NULL) == -EINVAL,
	       "... a pad that is not all spaces is refused");
	n = holder_params_argv(HOLDER_ARGV_SPARE, &p, &(HolderArgvExtra){ .spare = "../x" }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_SPARE, k - 2, w + 2, &got, &x, NULL) == -EINVAL,
	       "... a spare name with '/' or a leading '.' is refused");

	p.spare_limits = &lim;
	n = holder_params_argv(HOLDER_ARGV_MAKER, &p, &(HolderArgvExtra){ .count = 64 }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(k > 3 && strcmp(w[1], "spare") == 0 && strcmp(w[2], "--count") == 0,
	       "the maker's command line starts paddock spare --count");
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_MAKER, k - 2, w + 2, &got, &x, &back) == 0 &&
		       same_params(&p, &got, false) && x.count == 64 && got.spare_limits == &back &&
		       memcmp(&back, &lim, sizeof(lim)) == 0,
	       "... and comes back: the shape, the count, the limits");
	p.spare_net = "a network text, with spaces\nand a newline";
	n = holder_params_argv(HOLDER_ARGV_MAKER, &p, &(HolderArgvExtra){ .count = 2 }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_MAKER, k - 2, w + 2, &got, &x, &back) == 0 &&
		       same_params(&p, &got, false) && got.spare_net &&
		       strcmp(got.spare_net, p.spare_net) == 0 && got.spare_limits == &back,
	       "... with --net, its text comes back too");
	p.namespaces &= ~(unsigned)POLICY_NS_NET;
	p.loopback = false;
	n = holder_params_argv(HOLDER_ARGV_MAKER, &p, &(HolderArgvExtra){ .count = 2 }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_MAKER, k - 2, w + 2, &got, &x, &back) ==
		       -EINVAL,
	       "... a network made ahead without a network namespace is refused");
	p = base;
	p.spare_limits = NULL;
	n = holder_params_argv(HOLDER_ARGV_MAKER, &p, &(HolderArgvExtra){ .count = 1 }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_MAKER, k - 2, w + 2, &got, &x, &back) == 0 &&
		       !got.spare_limits && x.count == 1,
	       "... without --limits, none come back");
	n = holder_params_argv(HOLDER_ARGV_MAKER, &p,
			       &(HolderArgvExtra){ .count = POLICY_PRESTART_MAX + 1 }, buf,
			       sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_MAKER, k - 2, w + 2, &got, &x, &back) ==
		       -ERANGE,
	       "... a count above prestart's bound is refused");
}

/* What only a broken or hostile writer sends. */
static void test_refused_words(void)
{
	char buf[HOLDER_CMDLINE_MAX], *w[WORDS_MAX + 2];
	HolderParams got;
	HolderArgvExtra x;
	int n, k;
	static char not_canonical[][8] = { "01000", "+1000", " 1000", "1000 ", "", "1e3" };
	char count[] = "--count";

	n = holder_params_argv(HOLDER_ARGV_USER, &base, NULL, buf, sizeof(buf));
	k = split(buf, n, w);
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_USER, k - 3, w + 2, &got, &x, NULL) == -EINVAL,
	       "an option without its value is refused");
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_USER, k - 4, w + 4, &got, &x, NULL) == -EINVAL,
	       "a missing option (--uid) is refused");
	w[k] = w[2];
	w[k + 1] = w[3];
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_USER, k, w + 2, &got, &x, NULL) == -EINVAL,
	       "an option given twice is refused");
	w[2] = count;
	tap_ok(holder_params_parse_argv(HOLDER_ARGV_USER, k - 2, w + 2, &got, &x, NULL) == -EINVAL,
	       "an option of another command line is refused");
	for (size_t i = 0; i < sizeof(not_canonical) / sizeof(*not_canonical); i++) {
		n = holder_params_argv(HOLDER_ARGV_USER, &base, NULL, buf, sizeof(buf));
		k = split(buf, n, w);
		w[3] = not_canonical[i];
		tap_ok(holder_params_parse_argv(HOLDER_ARGV_USER, k - 2, w + 2, &got, &x, NULL) ==
			       -EINVAL,
		       "a uid written \"%s\" is refused", not_canonical[i]);
	}

	n = holder_params_claim(&base, buf, sizeof(buf));
	tap_ok(holder_params_parse_claim(buf, (size_t)n - 1, &got) == -EINVAL,
	       "a claim without its last NUL is refused");
	tap_ok(holder_params_parse_claim(buf, (size_t)n - 1 - strlen(base.cgroup_parent), &got) ==
		       -EINVAL,
	       "a claim a word short is refused");
	memcpy(buf + n, "x", 2);
	tap_ok(holder_params_parse_claim(buf, (size_t)n + 2, &got) == -EINVAL,
	       "a claim a word long is refused");
	memcpy(buf, "clam", 4);
	tap_ok(holder_params_parse_claim(buf, (size_t)n, &got) == -EINVAL,
	       "a message that is not a claim is refused");
	tap_ok(holder_params_parse_claim(buf, 0, &got) == -EINVAL, "an empty claim is refused");

	tap_ok(holder_params_argv(HOLDER_ARGV_USER, &base, NULL, buf, 40) == -E2BIG,
	       "a command line longer than the buffer: -E2BIG");
	tap_ok(holder_params_claim(&base, buf, 20) == -E2BIG,
	       "a claim longer than the buffer: -E2BIG");
}

/* What paddock status and the login-shell guard read: /proc/PID/cmdline. */
static void test_cmdline(void)
{
	char buf[HOLDER_CMDLINE_MAX];
	HolderParams got;
	int n;

	memset(buf, 0, sizeof(buf));
	n = holder_params_argv(HOLDER_ARGV_USER, &base, NULL, buf, sizeof(buf));
	tap_ok(holder_params_parse_cmdline(buf, (size_t)n, &got) == 0 &&
		       same_params(&base, &got, true),
	       "a holder's /proc/PID/cmdline comes back");
	tap_ok(holder_params_parse_cmdline(buf, sizeof(buf), &got) == 0 &&
		       same_params(&base, &got, true),
	       "... also padded with NULs, as a claimed spare's is");
	memcpy(buf, "paddocx", 7);
	tap_ok(holder_params_parse_cmdline(buf, (size_t)n, &got) == -EINVAL,
	       "... another program's is refused");
	n = holder_params_argv(HOLDER_ARGV_MAKER, &base, &(HolderArgvExtra){ .count = 1 }, buf,
			       sizeof(buf));
	tap_ok(holder_params_parse_cmdline(buf, (size_t)n, &got) == -EINVAL,
	       "... and so is the maker's");
	tap_ok(holder_params_parse_cmdline(buf, 0, &got) == -EINVAL, "... and an empty one");
}

static void test_key(void)
{
	char a[SPARE_KEY_LEN + 1], b[SPARE_KEY_LEN + 1];
	HolderParams p = base;

	spare_key(&base, a);
	tap_ok(strlen(a) == SPARE_KEY_LEN && strspn(a, "0123456789abcdef") == SPARE_KEY_LEN,
	       "a spare key is %d hex digits: %s", SPARE_KEY_LEN, a);
	p.uid = 2000;
	p.user = "bob";
	p.hostname = "other";
	p.tmp_size = 1;
	p.linger = 0;
	p.kill_on_logout = true;
	spare_key(&p, b);
	tap_ok(strcmp(a, b) == 0, "... the same for every user of the shape");
	p = base;
	p.cgroup_parent = "/paddock.slice2";
	spare_key(&p, b);
	tap_ok(strcmp(a, b) != 0, "... another for another cgroup parent");
	p = base;
	p.loopback = false;
	spare_key(&p, b);
	tap_ok(strcmp(a, b) != 0, "... another for another network shape");
}

int main(void)
{
	test_user_fields();
	test_shapes();
	test_spare_and_maker();
	test_refused_words();
	test_cmdline();
	test_key();
	return tap_done();
}
