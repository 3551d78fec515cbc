/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy memo (conf/policy-memo.c, policy_load_memo()): a policy taken
 * from its memo is the policy the parser makes, to the byte, for every
 * identity; any change of the files (an edit that keeps size and times, a
 * drop-in added, removed or renamed, another path) is parsed anew; a memo
 * cut short or with a changed header or file byte is refused; a broken
 * policy is never memoized and its error is the parser's.  Real files in a
 * temporary directory, so as root (the trust rules want root's files; CI
 * runs the suite as root, elsewhere the cases fail, they do not skip).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../conf/policy.h"
#include "tap.h"
#include "tmpdir.h"

#define GIB (UINT64_C(1) << 30)

/* ------------------------------------------------------------------ */
/* a memo kept in memory, counting the calls                           */

typedef struct Store {
	void *buf;
	size_t len;
	unsigned gets, puts;
	int fail; /* get() returns this when set */
} Store;

static int store_get(void *userdata, void **ret_buf, size_t *ret_len)
{
	Store *s = userdata;

	s->gets++;
	if (s->fail)
		return s->fail;
	if (!s->buf)
		return -ENODATA;
	*ret_buf = malloc(s->len);
	if (!*ret_buf)
		abort();
	memcpy(*ret_buf, s->buf, s->len);
	*ret_len = s->len;
	return 0;
}

static void store_put(void *userdata, const void *buf, size_t len)
{
	Store *s = userdata;

	s->puts++;
	free(s->buf);
	s->buf = malloc(len);
	if (!s->buf)
		abort();
	memcpy(s->buf, buf, len);
	s->len = len;
}

static void store_reset(Store *s)
{
	free(s->buf);
	*s = (Store){ 0 };
}

/* ------------------------------------------------------------------ */
/* files                                                               */

static void write_at(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) < 0 ||
	    close(fd) < 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* tmpdir/NAME, written. */
static const char *file(const char *name, const char *text)
{
	static char path[4][PATH_MAX];
	static unsigned n;
	char *p = path[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	if (text)
		write_at(p, text);
	return p;
}

/* ------------------------------------------------------------------ */
/* comparing two policies                                              */

static bool same_sources(const PolicySource *a, const PolicySource *b, bool global)
{
	for (size_t k = 0; k < policy_key_count(); k++) {
		if (policy_key_info(k)->global != global)
			continue;
		if (!a[k].file != !b[k].file || (a[k].file && strcmp(a[k].file, b[k].file)) ||
		    a[k].line != b[k].line || strcmp(a[k].value, b[k].value) ||
		    !a[k].section != !b[k].section ||
		    (a[k].section && strcmp(a[k].section, b[k].section)))
			return false;
	}
	return true;
}

/* The same answers from a and b for each of the identities, to the byte. */
static bool same_policy(const Policy *a, const Policy *b)
{
	static const char *const staff[] = { "staff", "users" };
	static const char *const none[] = { NULL };
	const PolicyIdentity who[] = {
		{ .user = "alice", .uid = 1000, .groups = staff, .n_groups = 2 },
		{ .user = "bob", .uid = 1001, .groups = none, .n_groups = 0 },
		{ .user = "root", .uid = 0, .groups = none, .n_groups = 0 },
		{ .user = "carol", .uid = 1002, .groups = staff + 1, .n_groups = 1 },
	};
	PolicySource sa[64], sb[64];
	PolicyGlobal ga, gb;

	if (policy_file_count(a) != policy_file_count(b) ||
	    policy_uses_groups(a) != policy_uses_groups(b))
		return false;
	for (size_t i = 0; i < policy_file_count(a); i++)
		if (strcmp(policy_file_path(a, i), policy_file_path(b, i)) != 0)
			return false;
	policy_global(a, &ga, sa);
	policy_global(b, &gb, sb);
	if (memcmp(&ga, &gb, sizeof(ga)) != 0 || !same_sources(sa, sb, true))
		return false;
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		PolicyError ea = { { 0 } }, eb = { { 0 } };
		UserPolicy ua, ub;
		int ra, rb;

		memset(sa, 0, sizeof(sa));
		memset(sb, 0, sizeof(sb));
		ra = policy_resolve(a, &who[i], &ua, sa, &ea);
		rb = policy_resolve(b, &who[i], &ub, sb, &eb);
		if (ra != rb || strcmp(ea.text, eb.text) != 0)
			return false;
		if (ra == 0 && (memcmp(&ua, &ub, sizeof(ua)) != 0 || !same_sources(sa, sb, false)))
			return false;
	}
	return true;
}

/* memory_max of alice (in staff) under p. */
static uint64_t alice_memory(const Policy *p)
{
	static const char *const staff[] = { "staff" };
	PolicyIdentity who = { .user = "alice", .uid = 1000, .groups = staff, .n_groups = 1 };
	UserPolicy up;

	return policy_resolve(p, &who, &up, NULL, NULL) == 0 ? up.memory_max : 0;
}

/* ------------------------------------------------------------------ */
/* cases                                                               */

static const char MAIN[] = "[global]\n"
			   "linger = 5\n"
			   "[default]\n"
			   "memory_max = 2G\n"
			   "cpu_quota = 100%\n"
			   "[group:staff]\n"
			   "memory_max = 4G   ; staff get more\n"
			   "[user:bob]\n"
			   "tasks_max = 64\n"
			   "[user:root]\n"
			   "isolate = no\n";

/* The memo of main/paddock.d as loaded now, and the plain load beside it. */
static int load_both(const char *main_path, Store *s, Policy **ret_memo, Policy **ret_plain,
		     PolicyError *err)
{
	PolicyMemoIO io = { .get = store_get, .put = store_put, .userdata = s };
	PolicyError e2 = { { 0 } };
	int r, r2;

	*ret_memo = *ret_plain = NULL;
	memset(err, 0, sizeof(*err));
	r = policy_load_memo(main_path, &io, ret_memo, err);
	r2 = policy_load(main_path, ret_plain, &e2);
	if (r != r2 || strcmp(err->text, e2.text) != 0) {
		tap_diag("memo load %d '%s', plain load %d '%s'", r, err->text, r2, e2.text);
		return -EPROTO;
	}
	return r;
}

static void roundtrip_tests(const char *main_path, Store *s)
{
	PolicyMemoIO io = { .get = store_get, .put = store_put, .userdata = s };
	Policy *m = NULL, *p = NULL;
	PolicyError e;
	int r;

	r = load_both(main_path, s, &m, &p, &e);
	tap_ok(r == 0 && s->gets == 1 && s->puts == 1 && s->len > 0,
	       "memo: the first load parses and keeps a memo (%zu bytes)", s->len);
	tap_ok(r == 0 && same_policy(m, p), "memo: ... the policy is the parser's");
	policy_free(m);
	policy_free(p);

	r = load_both(main_path, s, &m, &p, &e);
	tap_ok(r == 0 && s->gets == 2 && s->puts == 1,
	       "memo: the next load takes the memo (no parse, no new memo)");
	tap_ok(r == 0 && same_policy(m, p),
	       "memo: ... it answers every identity as the parser's policy: values, sources, "
	       "[global], files");
	tap_ok(r == 0 && alice_memory(m) == 4 * GIB, "memo: ... alice (staff) has 4G");
	policy_free(m);
	policy_free(p);

	r = policy_load_memo(main_path, NULL, &m, &e);
	tap_ok(r == 0 && alice_memory(m) == 4 * GIB, "memo: without an io it is policy_load()");
	policy_free(m);

	s->fail = -EIO;
	r = policy_load_memo(main_path, &io, &m, &e);
	tap_ok(r == 0 && alice_memory(m) == 4 * GIB && s->puts == 2,
	       "memo: a memo that cannot be read: parsed (and kept anew)");
	s->fail = 0;
	policy_free(m);
}

/* One load through s: 1 when the memo served it, 0 when it was parsed, -1 on error. */
static int served(const char *main_path, Store *s, uint64_t *ret_memory, PolicyError *e)
{
	PolicyMemoIO io = { .get = store_get, .put = store_put, .userdata = s };
	unsigned puts = s->puts;
	Policy *p = NULL;
	int r;

	memset(e, 0, sizeof(*e));
	r = policy_load_memo(main_path, &io, &p, e);
	if (r < 0)
		return -1;
	if (ret_memory)
		*ret_memory = alice_memory(p);
	policy_free(p);
	return s->puts == puts ? 1 : 0;
}

static void change_tests(const char *main_path, const char *dropins, Store *s)
{
	char edited[sizeof(MAIN)], path[PATH_MAX];
	struct stat before, after;
	struct timespec times[2];
	uint64_t mem = 0;
	PolicyError e;
	char *at;

	tap_ok(served(main_path, s, &mem, &e) == 1 && mem == 4 * GIB,
	       "change: unchanged files: the memo serves");

	/* Same size, same inode, same times: only the bytes tell. */
	memcpy(edited, MAIN, sizeof(MAIN));
	at = strstr(edited, "memory_max = 4G");
	at[strlen("memory_max = ")] = '3';
	if (stat(main_path, &before) < 0)
		abort();
	write_at(main_path, edited);
	times[0] = before.st_atim;
	times[1] = before.st_mtim;
	if (utimensat(AT_FDCWD, main_path, times, 0) < 0 || stat(main_path, &after) < 0)
		abort();
	tap_ok(after.st_size == before.st_size && after.st_ino == before.st_ino &&
		       after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		       after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
	       "change: (an edit in place that keeps size, inode and mtime)");
	tap_ok(served(main_path, s, &mem, &e) == 0 && mem == 3 * GIB,
	       "change: ... is parsed anew: alice has 3G");
	tap_ok(served(main_path, s, &mem, &e) == 1 && mem == 3 * GIB,
	       "change: ... and then served from the new memo");

	/* The same bytes as a new file: the memo is the bytes', not the inode's. */
	snprintf(path, sizeof(path), "%s.new", main_path);
	write_at(path, edited);
	if (rename(path, main_path) < 0)
		abort();
	tap_ok(served(main_path, s, &mem, &e) == 1 && mem == 3 * GIB,
	       "change: the same bytes in a new inode: still served");

	snprintf(path, sizeof(path), "%s/50-more.conf", dropins);
	write_at(path, "[group:staff]\nmemory_max = 6G\n");
	tap_ok(served(main_path, s, &mem, &e) == 0 && mem == 6 * GIB,
	       "change: a drop-in added: parsed anew, its 6G applies");
	{
		char to[PATH_MAX];

		snprintf(to, sizeof(to), "%s/05-more.conf", dropins);
		if (rename(path, to) < 0)
			abort();
		tap_ok(served(main_path, s, &mem, &e) == 0 && mem == 6 * GIB,
		       "change: the drop-in renamed (read in another place): parsed anew");
		snprintf(path, sizeof(path), "%s", to);
	}
	if (unlink(path) < 0)
		abort();
	tap_ok(served(main_path, s, &mem, &e) == 0 && mem == 3 * GIB,
	       "change: the drop-in removed: parsed anew, 3G again");

	/* Another path to the same bytes: its files' names are not the memo's. */
	{
		const char *other = file("other.conf", edited);

		tap_ok(served(other, s, &mem, &e) == 0 && mem == 3 * GIB,
		       "change: another main file with the same bytes: parsed anew");
		tap_ok(served(main_path, s, &mem, &e) == 0,
		       "change: ... and back: parsed anew (one memo, the last load's)");
	}

	/* Broken: the parser's own error, and no memo of it. */
	{
		unsigned puts;
		int r;

		write_at(main_path, "[default]\nmemory_max = lots\n");
		puts = s->puts;
		r = served(main_path, s, NULL, &e);
		tap_ok(r == -1 && strstr(e.text, ":2: invalid value 'lots' for 'memory_max'") &&
			       s->puts == puts,
		       "change: a broken policy is refused with file:line (%s), never memoized",
		       e.text);
		r = served(main_path, s, NULL, &e);
		tap_ok(r == -1 && strstr(e.text, ":2: invalid value 'lots'"),
		       "change: ... and refused again (the good memo before it does not serve)");
		write_at(main_path, edited);
		tap_ok(served(main_path, s, &mem, &e) == 1 && mem == 3 * GIB,
		       "change: mended to the memoized bytes: served again");
	}
}

/* Every cut of the memo, and every byte of its header and of the file
 * bytes in it changed: refused, and the policy is still the right one. */
static void damage_tests(const char *main_path, Store *s)
{
	unsigned bad = 0, n = 0;
	uint64_t mem = 0;
	PolicyError e;
	void *good;
	size_t len, content;
	char *hit;

	s->puts = 0;
	if (served(main_path, s, &mem, &e) < 0 || s->len == 0)
		abort();
	len = s->len;
	good = malloc(len);
	if (!good)
		abort();
	memcpy(good, s->buf, len);
	hit = memmem(good, len, "memory_max = 3G", strlen("memory_max = 3G"));
	tap_ok(hit != NULL, "damage: (the memo holds the file's bytes)");
	content = hit ? (size_t)(hit - (char *)good) : 0;

	for (size_t cut = 0; cut < len; cut++) {
		s->len = cut;
		memcpy(s->buf, good, cut);
		n++;
		if (served(main_path, s, &mem, &e) != 0 || mem != 3 * GIB)
			bad++;
		memcpy(s->buf = realloc(s->buf, len), good, len);
		s->len = len;
	}
	tap_ok(bad == 0, "damage: every one of %u memos cut short is refused (%u served)", n, bad);

	bad = n = 0;
	for (size_t i = 0; i < len; i++) {
		bool header = i < 64, file_byte = hit && i >= content && i < content + 15;

		if (!header && !file_byte)
			continue;
		memcpy(s->buf, good, len);
		s->len = len;
		((unsigned char *)s->buf)[i] ^= 0x20;
		n++;
		if (served(main_path, s, &mem, &e) != 0 || mem != 3 * GIB)
			bad++;
	}
	tap_ok(n == 64 + 15 && bad == 0,
	       "damage: a byte of the header (64) or of the file's bytes (15) changed: all %u "
	       "refused (%u served)",
	       n, bad);
	free(good);
}

int main(void)
{
	char dropins[PATH_MAX];
	const char *main_path;
	Store s = { 0 };

	if (geteuid() != 0) {
		/* The trust rules want root's files: CI runs this as root. */
		tap_ok(0, "memo: needs root (policy files must be root-owned)");
		return tap_done();
	}
	tmpdir_make("test-policy-memo");

	main_path = file("paddock.conf", MAIN);
	snprintf(dropins, sizeof(dropins), "%s/paddock.d", tmpdir);
	if (mkdir(dropins, 0755) < 0)
		abort();
	write_at(file("paddock.d/10-users.conf", NULL), "[user:carol]\ncpu_quota = 50%\n");

	roundtrip_tests(main_path, &s);
	change_tests(main_path, dropins, &s);
	damage_tests(main_path, &s);
	store_reset(&s);
	return tap_done();
}
