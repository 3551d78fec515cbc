/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memo of a loaded policy (policy.h: PolicyMemoIO): the names and the
 * exact bytes of every file the policy was read from, and what the parser
 * made of them, in one flat buffer.  A memo stands in for the parse only
 * when the files now read are the very same names and bytes, and it was
 * made by this very build of the parser (POLICY_MEMO_TAG, a checksum of
 * conf/'s sources): its result is the one the parse would give.  No
 * timestamps are trusted, so an edit that keeps size and times is seen.
 *
 * Layout (host byte order; a memo never leaves the machine):
 *   MemoHeader, n_files MemoFile, n_sections MemoSection, n_entries
 *   MemoEntry, then the strings (every one NUL-terminated, the files'
 *   contents too), referred to by offset.
 * A memo that is not exactly that, to the last byte, is refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy-internal.h"

#ifndef POLICY_MEMO_TAG
#define POLICY_MEMO_TAG __DATE__ " " __TIME__
#endif

#define MEMO_MAGIC   "paddock-memo\0\0\0"
#define MEMO_VERSION 1u

typedef struct MemoHeader {
	char magic[16];
	char tag[32]; /* POLICY_MEMO_TAG, NUL-padded */
	uint32_t version;
	uint32_t size; /* of the whole memo */
	uint32_t n_files;
	uint32_t n_sections;
	uint32_t n_entries;
	uint32_t strings; /* bytes of the string area */
} MemoHeader;

typedef struct MemoFile {
	uint32_t name;
	uint32_t content;
	uint32_t content_len; /* without its NUL */
} MemoFile;

typedef struct MemoSection {
	uint32_t kind;
	uint32_t section;
	uint32_t target; /* bytes into section */
	uint32_t file;
	uint32_t line;
} MemoSection;

typedef struct MemoEntry {
	uint32_t kind;
	uint32_t section;
	uint32_t target; /* bytes into section */
	uint32_t key;
	uint32_t value;
	uint32_t file;
	uint32_t line;
} MemoEntry;

/* This build's tag, as a header holds it. */
static void memo_tag(char tag[32])
{
	_Static_assert(sizeof(POLICY_MEMO_TAG) <= 32, "POLICY_MEMO_TAG too long");
	memset(tag, 0, 32);
	memcpy(tag, POLICY_MEMO_TAG, sizeof(POLICY_MEMO_TAG));
}

/* Where target starts in its section string, as the parser sets it. */
static size_t target_offset(SectionKind kind, const char *section)
{
	const char *colon = strchr(section, ':');

	return (kind == SECTION_GROUP || kind == SECTION_USER) && colon
		       ? (size_t)(colon - section) + 1
		       : 0;
}

typedef struct Writer {
	char *buf;
	size_t strings; /* where the string area starts */
	size_t used;	/* bytes of it used */
} Writer;

static uint32_t put_bytes(Writer *w, const char *s, size_t len)
{
	size_t at = w->used;

	if (w->buf) {
		memcpy(w->buf + w->strings + at, s, len);
		w->buf[w->strings + at + len] = '\0';
	}
	w->used += len + 1;
	return (uint32_t)at;
}

static uint32_t put_str(Writer *w, const char *s)
{
	return put_bytes(w, s, strlen(s));
}

/* One pass: with w->buf NULL it only counts the strings' bytes. */
static void memo_fill(Writer *w, const Policy *p, const PolicyInput *in, size_t n_in)
{
	MemoFile *f = w->buf ? (MemoFile *)(w->buf + sizeof(MemoHeader)) : NULL;
	MemoSection *s = f ? (MemoSection *)(f + n_in) : NULL;
	MemoEntry *e = s ? (MemoEntry *)(s + p->n_sections) : NULL;

	for (size_t i = 0; i < n_in; i++) {
		uint32_t name = put_str(w, in[i].path),
			 content = put_bytes(w, in[i].buf, in[i].len);

		if (f)
			f[i] = (MemoFile){ name, content, (uint32_t)in[i].len };
	}
	for (size_t i = 0; i < p->n_sections; i++) {
		const PolicySection *ps = &p->sections[i];
		uint32_t sec = put_str(w, ps->section);

		if (s)
			s[i] = (MemoSection){ ps->kind, sec,
					      (uint32_t)target_offset(ps->kind, ps->section),
					      (uint32_t)ps->file, ps->line };
	}
	for (size_t i = 0; i < p->n_entries; i++) {
		const PolicyEntry *pe = &p->entries[i];
		uint32_t sec = put_str(w, pe->section), val = put_str(w, pe->value);

		if (e)
			e[i] = (MemoEntry){
				pe->kind,	   sec, (uint32_t)(pe->target - pe->section),
				(uint32_t)pe->key, val, (uint32_t)pe->file,
				pe->line
			};
	}
}

int policy_memo_encode(const Policy *p, const PolicyInput *in, size_t n_in, void **ret,
		       size_t *ret_len)
{
	Writer w = { 0 };
	MemoHeader *h;
	size_t head, size;

	if (n_in != p->n_files)
		return -EINVAL;
	memo_fill(&w, p, in, n_in);
	head = sizeof(MemoHeader) + n_in * sizeof(MemoFile) + p->n_sections * sizeof(MemoSection) +
	       p->n_entries * sizeof(MemoEntry);
	size = head + w.used;
	if (size > POLICY_MEMO_MAX)
		return -EFBIG;
	w.buf = calloc(1, size);
	if (!w.buf)
		return -ENOMEM;
	w.strings = head;
	w.used = 0;
	memo_fill(&w, p, in, n_in);
	h = (MemoHeader *)w.buf;
	memcpy(h->magic, MEMO_MAGIC, sizeof(h->magic));
	memo_tag(h->tag);
	h->version = MEMO_VERSION;
	h->size = (uint32_t)size;
	h->n_files = (uint32_t)n_in;
	h->n_sections = (uint32_t)p->n_sections;
	h->n_entries = (uint32_t)p->n_entries;
	h->strings = (uint32_t)w.used;
	*ret = w.buf;
	*ret_len = size;
	return 0;
}

/* A NUL-terminated string at off in the area of n bytes, or NULL. */
static char *area_str(char *area, size_t n, uint32_t off)
{
	return off < n && memchr(area + off, '\0', n - off) ? area + off : NULL;
}

/* kind, target, file and line of a section or an entry, as the parser makes them. */
static bool place_ok(uint32_t kind, const char *section, uint32_t target, uint32_t file,
		     uint32_t line, uint32_t n_files)
{
	return kind <= SECTION_USER && target == target_offset((SectionKind)kind, section) &&
	       file < n_files && line > 0;
}

int policy_memo_decode(void *buf, size_t len, const PolicyInput *in, size_t n_in, Policy **ret)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	const MemoHeader *h = buf;
	const MemoFile *f;
	const MemoSection *s;
	const MemoEntry *e;
	char tag[32];
	size_t head;
	char *area;

	memo_tag(tag);
	if (len < sizeof(*h) || len > POLICY_MEMO_MAX || memcmp(h->magic, MEMO_MAGIC, 16) != 0 ||
	    memcmp(h->tag, tag, sizeof(tag)) != 0 || h->version != MEMO_VERSION || h->size != len)
		return -ESTALE;
	if (h->n_files != n_in || h->n_sections > POLICY_ENTRIES_MAX ||
	    h->n_entries > POLICY_ENTRIES_MAX)
		return -ESTALE;
	head = sizeof(*h) + (size_t)h->n_files * sizeof(*f) + (size_t)h->n_sections * sizeof(*s) +
	       (size_t)h->n_entries * sizeof(*e);
	if (head > len || len - head != h->strings)
		return -ESTALE;
	f = (const MemoFile *)((char *)buf + sizeof(*h));
	s = (const MemoSection *)(f + h->n_files);
	e = (const MemoEntry *)(s + h->n_sections);
	area = (char *)buf + head;

	/* The same files, by name and byte for byte, in the same order. */
	for (size_t i = 0; i < n_in; i++) {
		const char *name = area_str(area, h->strings, f[i].name);

		if (!name || !streq(name, in[i].path) || f[i].content_len != in[i].len ||
		    f[i].content >= h->strings || h->strings - f[i].content <= in[i].len ||
		    memcmp(area + f[i].content, in[i].buf, in[i].len) != 0)
			return -ESTALE;
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->files = calloc(n_in ? n_in : 1, sizeof(*p->files));
	p->sections = calloc(h->n_sections ? h->n_sections : 1, sizeof(*p->sections));
	p->entries = calloc(h->n_entries ? h->n_entries : 1, sizeof(*p->entries));
	if (!p->files || !p->sections || !p->entries)
		return -ENOMEM;
	/* From here on the strings point into buf, which p now owns. */
	p->arena = buf;
	for (size_t i = 0; i < n_in; i++)
		p->files[p->n_files++] = area + f[i].name;
	for (size_t i = 0; i < h->n_sections; i++) {
		char *sec = area_str(area, h->strings, s[i].section);

		if (!sec ||
		    !place_ok(s[i].kind, sec, s[i].target, s[i].file, s[i].line, h->n_files))
			goto refused;
		p->sections[p->n_sections++] = (PolicySection){
			.kind = (SectionKind)s[i].kind,
			.section = sec,
			.target = sec + s[i].target,
			.file = s[i].file,
			.line = s[i].line,
		};
	}
	for (size_t i = 0; i < h->n_entries; i++) {
		char *sec = area_str(area, h->strings, e[i].section);
		char *val = area_str(area, h->strings, e[i].value);

		if (!sec || !val || e[i].key >= policy_key_count() ||
		    !place_ok(e[i].kind, sec, e[i].target, e[i].file, e[i].line, h->n_files))
			goto refused;
		p->entries[p->n_entries++] = (PolicyEntry){
			.kind = (SectionKind)e[i].kind,
			.section = sec,
			.target = sec + e[i].target,
			.key = e[i].key,
			.value = val,
			.file = e[i].file,
			.line = e[i].line,
		};
	}
	*ret = TAKE_PTR(p);
	return 0;

refused:
	/* buf stays the caller's. */
	p->arena = NULL;
	p->n_files = p->n_sections = p->n_entries = 0;
	return -ESTALE;
}
