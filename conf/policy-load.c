/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading paddock.conf and its drop-ins: file trust checks, our own line
 * reader feeding inih, and validation of every section, key and value.
 *
 * We open and read each file ourselves (no symlinks, regular file, root,
 * not group/world writable) and hand inih one cleaned line at a time through
 * ini_parse_stream(): "[N]" for the N-th section header, "key=value" for a
 * setting; inih splits them and calls handle().  Counting lines in our reader, not trusting inih's
 * count, gives exact file:line errors on every inih version and build
 * (INI_MAX_LINE, multi-line and inline-comment options differ between
 * distributions).  The reader also strips comments and leading whitespace,
 * so inih's multi-line continuation never applies.
 *
 * The reader itself splits each "key = value" at the first '=' and calls
 * the handler with the section it recorded; inih is given an empty line in
 * place of every header and setting.  A stock inih build (Debian's) keeps
 * only 200 bytes per line and truncates section names to 49 bytes, which
 * would refuse valid settings (a 255-byte shell path, a namespaces list
 * spread with spaces up to POLICY_LINE_MAX) and valid long [group:NAME]
 * headers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "policy-internal.h"
#include "policy-keys.h"
#include "units.h"

void policy_error(PolicyError *err, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[sizeof(((PolicyError *)0)->text)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err->text, sizeof(err->text), "%s:%u: %s", file, line, msg);
	else
		snprintf(err->text, sizeof(err->text), "%s: %s", file, msg);
}

/* User and group names as they may appear in section headers. */
static bool valid_account_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= POLICY_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-$") ==
	       n;
}

int policy_section_parse(const char *name, SectionKind *ret_kind, const char **ret_target)
{
	if (streq(name, "global")) {
		*ret_kind = SECTION_GLOBAL;
		*ret_target = "";
		return 0;
	}
	if (streq(name, "default")) {
		*ret_kind = SECTION_DEFAULT;
		*ret_target = "";
		return 0;
	}
	if (strncmp(name, "group:", 6) == 0 && valid_account_name(name + 6)) {
		*ret_kind = SECTION_GROUP;
		*ret_target = name + 6;
		return 0;
	}
	if (strncmp(name, "user:", 5) == 0 && valid_account_name(name + 5)) {
		*ret_kind = SECTION_USER;
		*ret_target = name + 5;
		return 0;
	}
	return -EINVAL;
}

typedef struct Reader {
	Policy *policy;
	size_t file;
	const char *path;
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line;
	PolicyError *err;
	bool failed;
	char section[POLICY_NAME_MAX + 8];
	bool in_section;
	unsigned section_line;
	/* This file's settings by section and key (entry index + 1, 0:
	 * free; cap a power of two): a duplicate is found in one look. */
	uint32_t *seen;
	size_t seen_cap, seen_n;
} Reader;

static int reader_fail(Reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int reader_fail(Reader *r, const char *fmt, ...)
{
	char msg[POLICY_LINE_MAX + 256];
	va_list ap;

	if (r->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	policy_error(r->err, r->path, r->line, "%s", msg);
	r->failed = true;
	return 0;
}

/* Cut an inline comment: ';' or '#' at the start or after whitespace. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

static char *strip(char *s)
{
	char *e;

	s += strspn(s, " \t\r");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int record_section(Reader *r, const char *name)
{
	PolicySection *s;
	SectionKind kind;
	const char *target;
	char *copy;

	if (policy_section_parse(name, &kind, &target) < 0)
		return reader_fail(r,
				   "unknown section [%s] (expected [global], [default], "
				   "[group:NAME] or [user:NAME])",
				   name);
	if (r->policy->n_sections >= POLICY_ENTRIES_MAX)
		return reader_fail(r, "too many sections (at most %d)", POLICY_ENTRIES_MAX);
	copy = strdup(name);
	s = realloc(r->policy->sections, (r->policy->n_sections + 1) * sizeof(*s));
	if (!copy || !s) {
		free(copy);
		if (s)
			r->policy->sections = s;
		return reader_fail(r, "out of memory");
	}
	r->policy->sections = s;
	s[r->policy->n_sections++] = (PolicySection){
		.kind = kind,
		.section = copy,
		/* As in add_entry(): the whole name for [global] and [default]. */
		.target = kind == SECTION_GROUP || kind == SECTION_USER ? copy + (target - name)
									: copy,
		.file = r->file,
		.line = r->line,
	};
	snprintf(r->section, sizeof(r->section), "%s", name);
	r->in_section = true;
	r->section_line = r->line;
	return 1;
}

static int add_entry(Reader *r, SectionKind kind, const char *section, size_t key,
		     const char *value)
{
	PolicyEntry *e;
	char *sec, *val;
	size_t tlen = 0;

	if (r->policy->n_entries >= POLICY_ENTRIES_MAX)
		return reader_fail(r, "too many settings (at most %d)", POLICY_ENTRIES_MAX);
	sec = strdup(section);
	val = strdup(value);
	e = realloc(r->policy->entries, (r->policy->n_entries + 1) * sizeof(*e));
	if (!sec || !val || !e) {
		free(sec);
		free(val);
		if (e)
			r->policy->entries = e;
		return reader_fail(r, "out of memory");
	}
	r->policy->entries = e;
	if (kind == SECTION_GROUP || kind == SECTION_USER)
		tlen = strchr(sec, ':') - sec + 1;
	e[r->policy->n_entries++] = (PolicyEntry){
		.kind = kind,
		.section = sec,
		.target = sec + tlen,
		.key = key,
		.value = val,
		.file = r->file,
		.line = r->line,
	};
	return 1;
}

static size_t seen_slot(const char *section, size_t key, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull ^ key;

	for (const unsigned char *c = (const unsigned char *)section; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* The entry of this file that set key in section already, or NULL. */
static const PolicyEntry *seen_find(const Reader *r, const char *section, size_t key)
{
	if (!r->seen)
		return NULL;
	for (size_t i = seen_slot(section, key, r->seen_cap); r->seen[i];
	     i = (i + 1) & (r->seen_cap - 1)) {
		const PolicyEntry *e = &r->policy->entries[r->seen[i] - 1];

		if (e->key == key && streq(e->section, section))
			return e;
	}
	return NULL;
}

static int seen_add(Reader *r, size_t entry)
{
	const PolicyEntry *e = &r->policy->entries[entry];
	size_t i;

	if ((r->seen_n + 1) * 2 > r->seen_cap) {
		size_t cap = r->seen_cap ? r->seen_cap * 2 : 64;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t k = 0; k < r->seen_cap; k++) {
			const PolicyEntry *o;
			size_t j;

			if (!r->seen[k])
				continue;
			o = &r->policy->entries[r->seen[k] - 1];
			for (j = seen_slot(o->section, o->key, cap); t[j]; j = (j + 1) & (cap - 1))
				;
			t[j] = r->seen[k];
		}
		free(r->seen);
		r->seen = t;
		r->seen_cap = cap;
	}
	i = seen_slot(e->section, e->key, r->seen_cap);
	while (r->seen[i])
		i = (i + 1) & (r->seen_cap - 1);
	r->seen[i] = (uint32_t)entry + 1;
	r->seen_n++;
	return 0;
}

/* One key = value, called by reader_next(); section is the current header. */
static int handle(void *user, const char *section, const char *name, const char *value)
{
	Reader *r = user;
	char scratch[sizeof(UserPolicy) > sizeof(PolicyGlobal) ? sizeof(UserPolicy)
							       : sizeof(PolicyGlobal)];
	const PolicyEntry *dup;
	const PolicyKey *k;
	SectionKind kind;
	const char *target, *why = "";
	uint64_t si;
	int idx, ret;

	if (r->failed)
		return 0;
	/* inih hands back the section index the reader gave it. */
	if (units_parse_u64(section, &si) < 0 || si >= r->policy->n_sections ||
	    policy_section_parse(r->policy->sections[si].section, &kind, &target) < 0)
		return reader_fail(r, "internal error: section mismatch");
	section = r->policy->sections[si].section;

	idx = policy_key_find(name);
	if (idx < 0)
		return reader_fail(r, "unknown key '%s' in [%s]", name, section);
	k = &policy_keys[idx];
	if (k->info.global && kind != SECTION_GLOBAL)
		return reader_fail(r, "'%s' is a [global] key and is not allowed in [%s]", name,
				   section);
	if (!k->info.global && kind == SECTION_GLOBAL)
		return reader_fail(r, "'%s' is not allowed in [global] (use [default])", name);

	dup = seen_find(r, section, (size_t)idx);
	if (dup)
		return reader_fail(r, "duplicate key '%s' in [%s] (first set on line %u)", name,
				   section, dup->line);

	if (*value == '\0')
		return reader_fail(r, "empty value for '%s'", name);
	memset(scratch, 0, sizeof(scratch));
	ret = k->parse(value, scratch + k->offset, &why);
	if (ret == -ERANGE)
		return reader_fail(r, "value '%s' for '%s' is out of range: %s", value, name, why);
	if (ret < 0)
		return reader_fail(r, "invalid value '%s' for '%s': %s", value, name, why);
	ret = add_entry(r, kind, section, (size_t)idx, value);
	if (ret && seen_add(r, r->policy->n_entries - 1) < 0)
		return reader_fail(r, "out of memory");
	return ret;
}

/*
 * Our ini_reader: reads the next line, validates a header or dispatches a
 * setting to handle(), and gives inih an empty line; NULL at the end or
 * after the first error (inih treats NULL as end of input).
 */
/* [a-z0-9_]*: the characters of a key. */
static bool key_chars_ok(const char *k)
{
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static char *reader_next(char *str, int num, void *stream)
{
	Reader *r = stream;
	char raw[POLICY_LINE_MAX + 2];
	const char *nl;
	size_t n, klen, vlen;
	char *s;

	if (r->failed || r->pos >= r->len)
		return NULL;
	r->line++;
	nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
	n = (nl ? (size_t)(nl - r->buf) : r->len) - r->pos;
	if (memchr(r->buf + r->pos, '\0', n)) {
		reader_fail(r, "NUL byte in line");
		return NULL;
	}
	if (n > POLICY_LINE_MAX) {
		reader_fail(r, "line too long (more than %d bytes)", POLICY_LINE_MAX);
		return NULL;
	}
	memcpy(raw, r->buf + r->pos, n);
	raw[n] = '\0';
	r->pos += n + (nl ? 1 : 0);

	/* A UTF-8 byte order mark on the first line is tolerated. */
	s = raw;
	if (r->line == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
	    (unsigned char)s[2] == 0xbf)
		s += 3;
	s = strip(s);
	if (*s == ';' || *s == '#')
		*s = '\0';
	strip_comment(s);
	s = strip(s);

	if (*s == '[') {
		char *end = strchr(s, ']');

		if (!end) {
			reader_fail(r, "unterminated section header");
			return NULL;
		}
		if (end[1] != '\0') {
			reader_fail(r, "unexpected text after section header");
			return NULL;
		}
		*end = '\0';
		if (!record_section(r, s + 1))
			return NULL;
		/* inih keeps section names in a small fixed buffer (50 bytes in
		 * Debian's build): hand it the index of our own copy instead. */
		snprintf(str, (size_t)num, "[%zu]\n", r->policy->n_sections - 1);
		return str;
	}
	if (*s != '\0') {
		char *eq = strchr(s, '='), *key, *value;

		if (!eq) {
			reader_fail(r, "expected 'key = value' or '[section]'");
			return NULL;
		}
		if (!r->in_section) {
			reader_fail(r, "key outside any section");
			return NULL;
		}
		*eq = '\0';
		key = strip(s);
		value = strip(eq + 1);
		klen = strlen(key);
		vlen = strlen(value);
		/* inih splits at the first '=' or ':'; a key is [a-z0-9_] only, so
		 * the split it makes is ours. */
		if (!key_chars_ok(key)) {
			reader_fail(r, "unknown key '%s' in [%s]", key, r->section);
			return NULL;
		}
		if (vlen > POLICY_VALUE_MAX) {
			reader_fail(r, "value too long (more than %d bytes)", POLICY_VALUE_MAX);
			return NULL;
		}
		if (num < 0 || klen + vlen + 3 > (size_t)num) {
			reader_fail(r, "line too long for the INI parser (more than %d bytes)",
				    num - 3);
			return NULL;
		}
		/* "key=value\n": most of a policy's lines are comments, and every
		 * line passes here on every login (no snprintf). */
		memcpy(str, key, klen);
		str[klen] = '=';
		memcpy(str + klen + 1, value, vlen);
		memcpy(str + klen + 1 + vlen, "\n", 2);
		return str;
	}
	if (num < 2) {
		reader_fail(r, "internal error: INI parser buffer too small");
		return NULL;
	}
	memcpy(str, "\n", 2);
	return str;
}

static int add_file(Policy *p, const char *path, size_t *ret)
{
	char **f = realloc(p->files, (p->n_files + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	p->files = f;
	f[p->n_files] = strdup(path);
	if (!f[p->n_files])
		return -ENOMEM;
	*ret = p->n_files++;
	return 0;
}

/* Parse one buffer into p (appending to what earlier files gave). */
static int parse_into(Policy *p, const char *path, const char *buf, size_t len, PolicyError *err)
{
	Reader r = { .policy = p, .path = path, .buf = buf, .len = len, .err = err };
	int ret;

	ret = add_file(p, path, &r.file);
	if (ret < 0) {
		policy_error(err, path, 0, "out of memory");
		return ret;
	}
	ret = ini_parse_stream(reader_next, &r, handle, &r);
	free(r.seen);
	if (r.failed)
		return -EINVAL;
	if (ret != 0) {
		/* inih found an error we did not: name the line it gives. */
		policy_error(err, path, ret > 0 ? (unsigned)ret : r.line, "syntax error");
		return -EINVAL;
	}
	return 0;
}

/* An empty policy, or -ENOMEM reported in err against name (the first
 * file the policy would be read from). */
static int policy_new(const char *name, Policy **ret, PolicyError *err)
{
	*ret = calloc(1, sizeof(Policy));
	if (*ret)
		return 0;
	policy_error(err, name, 0, "out of memory");
	return -ENOMEM;
}

void policy_free(Policy *p)
{
	if (!p)
		return;
	/* A memo's policy has its strings in the arena. */
	for (size_t i = 0; !p->arena && i < p->n_files; i++)
		free(p->files[i]);
	for (size_t i = 0; !p->arena && i < p->n_entries; i++) {
		free(p->entries[i].section);
		free(p->entries[i].value);
	}
	for (size_t i = 0; !p->arena && i < p->n_sections; i++)
		free(p->sections[i].section);
	free(p->arena);
	free(p->files);
	free(p->entries);
	free(p->sections);
	free(p);
}

int policy_parse_buffer(const char *name, const char *buf, size_t len, Policy **ret,
			PolicyError *err)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	int r;

	r = policy_new(name, &p, err);
	if (r < 0)
		return r;
	r = parse_into(p, name, buf, len, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int policy_load_buffer(const char *name, const char *buf, size_t len, Policy **ret,
		       PolicyError *err)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	int r;

	r = policy_parse_buffer(name, buf, len, &p, err);
	if (r < 0)
		return r;
	r = policy_check_consistent(p, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

/*
 * Open a path without following any symlink in any component (fs_open();
 * on kernels without openat2, the last component only; documented).
 * No O_NOFOLLOW here: RESOLVE_NO_SYMLINKS already refuses a symlink as the
 * last component, with ELOOP; O_NOFOLLOW | O_DIRECTORY would turn that
 * into ENOTDIR for a symlinked paddock.d.
 */
static int open_nofollow(int dirfd, const char *path, int flags)
{
	return fs_open(dirfd, path, flags | O_NOCTTY, 0, 0);
}

static const char *open_error(int r)
{
	switch (r) {
	case -ELOOP:
		return "is a symbolic link or has one in its path; refused";
	case -ENXIO:
	case -EWOULDBLOCK:
		return "is not a regular file; refused";
	default:
		return strerror(-r);
	}
}

/* Ownership and mode rules shared by files and the drop-in directory. */
static int check_trust(const struct stat *st, const char *path, PolicyError *err)
{
	if (st->st_uid != 0) {
		policy_error(err, path, 0, "not owned by root (owner uid %u); refused",
			     (unsigned)st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		policy_error(err, path, 0, "writable by group or others (mode %04o); refused",
			     (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Read a trusted policy file from dirfd/path into a malloc'ed buffer. */
static int read_trusted(int dirfd, const char *path, const char *shown, char **ret_buf,
			size_t *ret_len, PolicyError *err)
{
	_cleanup_(closep) int fd = -EBADF;
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	size_t len = 0, cap;

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open_nofollow(dirfd, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		policy_error(err, shown, 0, "cannot open: %s", open_error(fd));
		return fd;
	}
	if (fstat(fd, &st) < 0) {
		int r = negative_errno();

		policy_error(err, shown, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		policy_error(err, shown, 0, "not a regular file; refused");
		return -EINVAL;
	}
	if (check_trust(&st, shown, err) < 0)
		return -EPERM;
	if (st.st_size > POLICY_FILE_MAX) {
		policy_error(err, shown, 0, "too large (more than %u bytes)", POLICY_FILE_MAX);
		return -EFBIG;
	}
	/*
	 * Sized by fstat (room for the EOF read), grown if the file grows: a
	 * buffer of POLICY_FILE_MAX is a fresh mmap and munmap on every login.
	 */
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (!buf) {
		policy_error(err, shown, 0, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t want = cap * 2 > POLICY_FILE_MAX + 1 ? POLICY_FILE_MAX + 1 : cap * 2;
			char *m = want > cap ? realloc(buf, want) : NULL;

			if (!m) {
				policy_error(err, shown, 0, "out of memory");
				return -ENOMEM;
			}
			buf = m;
			cap = want;
		}
		n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = negative_errno();

			policy_error(err, shown, 0, "cannot read: %s", strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_FILE_MAX) {
			policy_error(err, shown, 0, "too large (more than %u bytes)",
				     POLICY_FILE_MAX);
			return -EFBIG;
		}
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 5 && streq(n + l - 5, ".conf");
}

/* The files read for one load, in the order they are parsed. */
typedef struct Inputs {
	PolicyInput f[1 + POLICY_DROPINS_MAX];
	size_t n;
} Inputs;

static void inputs_done(Inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->f[i].path);
		free(in->f[i].buf);
	}
	in->n = 0;
}

/* Read dirfd/path (shown as shown) as the next input. */
static int read_input(Inputs *in, int dirfd, const char *path, const char *shown, PolicyError *err)
{
	PolicyInput *f = &in->f[in->n];
	int r;

	if (in->n >= ELEMENTSOF(in->f))
		return -E2BIG;
	*f = (PolicyInput){ .path = strdup(shown) };
	if (!f->path) {
		policy_error(err, shown, 0, "out of memory");
		return -ENOMEM;
	}
	r = read_trusted(dirfd, path, shown, &f->buf, &f->len, err);
	if (r < 0) {
		free(f->path);
		return r;
	}
	in->n++;
	return 0;
}

/* Read the *.conf files of dir in lexical (strcmp) order; a missing dir is no drop-ins. */
static int read_dropins(Inputs *in, const char *dir, PolicyError *err)
{
	_cleanup_(closep) int dfd = -EBADF;
	char *names[POLICY_DROPINS_MAX];
	size_t n = 0;
	struct stat st;
	struct dirent *de;
	DIR *d;
	int r = 0;

	dfd = open_nofollow(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0) {
		policy_error(err, dir, 0, "cannot open drop-in directory: %s", open_error(dfd));
		return dfd;
	}
	if (fstat(dfd, &st) < 0) {
		r = negative_errno();
		policy_error(err, dir, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	r = check_trust(&st, dir, err);
	if (r < 0)
		return r;
	d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	if (!d) {
		r = negative_errno();
		policy_error(err, dir, 0, "cannot read directory: %s", strerror(-r));
		return r;
	}
	while ((de = readdir(d))) {
		if (!is_dropin_name(de->d_name))
			continue;
		if (n >= POLICY_DROPINS_MAX) {
			policy_error(err, dir, 0, "too many drop-in files (at most %d)",
				     POLICY_DROPINS_MAX);
			r = -E2BIG;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			policy_error(err, dir, 0, "out of memory");
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0) {
		qsort(names, n, sizeof(names[0]), cmp_str);
		for (size_t i = 0; i < n && r == 0; i++) {
			char shown[PATH_MAX];

			snprintf(shown, sizeof(shown), "%s/%s", dir, names[i]);
			r = read_input(in, dfd, names[i], shown, err);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return r;
}

/* Parse the inputs in order; with check, then the whole policy's consistency. */
static int parse_inputs(const Inputs *in, bool check, Policy **ret, PolicyError *err)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	int r;

	r = policy_new(in->n ? in->f[0].path : "policy", &p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < in->n; i++) {
		r = parse_into(p, in->f[i].path, in->f[i].buf, in->f[i].len, err);
		if (r < 0)
			return r;
	}
	if (check) {
		r = policy_check_consistent(p, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int policy_load_file(const char *path, Policy **ret, PolicyError *err)
{
	_cleanup_(inputs_done) Inputs in = { .n = 0 };
	int r;

	r = read_input(&in, AT_FDCWD, path, path, err);
	if (r < 0)
		return r;
	return parse_inputs(&in, true, ret, err);
}

/* The memo io keeps, if it is the one of these inputs. */
static Policy *memo_lookup(const PolicyMemoIO *io, const Inputs *in)
{
	void *buf = NULL;
	size_t len = 0;
	Policy *p = NULL;

	if (!io || !io->get || io->get(io->userdata, &buf, &len) < 0 || !buf)
		return NULL;
	if (policy_memo_decode(buf, len, in->f, in->n, &p) < 0) {
		free(buf);
		return NULL;
	}
	return p;
}

static void memo_keep(const PolicyMemoIO *io, const Policy *p, const Inputs *in)
{
	_cleanup_(freep) void *buf = NULL;
	size_t len;

	if (io && io->put && policy_memo_encode(p, in->f, in->n, &buf, &len) >= 0)
		io->put(io->userdata, buf, len);
}

int policy_load_memo(const char *main_path, const PolicyMemoIO *io, Policy **ret, PolicyError *err)
{
	_cleanup_(inputs_done) Inputs in = { .n = 0 };
	_cleanup_(policy_freep) Policy *p = NULL;
	_cleanup_(freep) char *dir = NULL;
	const char *slash;
	int r;

	if (!main_path)
		main_path = POLICY_DEFAULT_PATH;
	r = read_input(&in, AT_FDCWD, main_path, main_path, err);
	if (r < 0)
		return r;

	slash = strrchr(main_path, '/');
	if (asprintf(&dir, "%.*s%s", slash ? (int)(slash - main_path + 1) : 0, main_path,
		     POLICY_DROPIN_DIR) < 0) {
		dir = NULL;
		policy_error(err, main_path, 0, "out of memory");
		return -ENOMEM;
	}
	r = read_dropins(&in, dir, err);
	if (r < 0) {
		/* A file read before the one that failed comes first with its
		 * own error, as if each were parsed as soon as it was read. */
		PolicyError first;

		if (parse_inputs(&in, false, &p, &first) < 0) {
			if (err)
				*err = first;
			return -EINVAL;
		}
		return r;
	}
	p = memo_lookup(io, &in);
	if (!p) {
		r = parse_inputs(&in, true, &p, err);
		if (r < 0)
			return r;
		memo_keep(io, p, &in);
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int policy_load(const char *main_path, Policy **ret, PolicyError *err)
{
	return policy_load_memo(main_path, NULL, ret, err);
}

size_t policy_file_count(const Policy *p)
{
	return p->n_files;
}

const char *policy_file_path(const Policy *p, size_t i)
{
	return i < p->n_files ? p->files[i] : NULL;
}
