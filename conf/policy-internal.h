/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loaded policy's representation (internal to conf/). */
#pragma once

#include <stddef.h>

#include "policy.h"

typedef enum SectionKind {
	SECTION_GLOBAL,
	SECTION_DEFAULT,
	SECTION_GROUP,
	SECTION_USER,
} SectionKind;

/* One "key = value" line, validated, in file order. */
typedef struct PolicyEntry {
	SectionKind kind;
	char *section;	    /* as written: "default", "group:staff" */
	const char *target; /* points into section after ':' (or "") */
	size_t key;	    /* index into policy_keys */
	char *value;
	size_t file; /* index into Policy.files */
	unsigned line;
} PolicyEntry;

/* A section header, for consistency checks that name file:line. */
typedef struct PolicySection {
	SectionKind kind;
	char *section;
	const char *target;
	size_t file;
	unsigned line;
} PolicySection;

struct Policy {
	char **files;
	size_t n_files;
	PolicyEntry *entries;
	size_t n_entries;
	PolicySection *sections;
	size_t n_sections;
	void *arena; /* a memo's buffer: every string points into it */
};

/* policy_load_buffer() without the consistency check (the fuzzer compares it). */
int policy_parse_buffer(const char *name, const char *buf, size_t len, Policy **ret,
			PolicyError *err);

/* One file as read for a load: the name shown in errors, and its bytes. */
typedef struct PolicyInput {
	char *path;
	char *buf;
	size_t len;
} PolicyInput;

/*
 * The memo of p, loaded from the n_in files in (policy-memo.c): a malloc'ed
 * buffer.  -EFBIG when it would exceed POLICY_MEMO_MAX.
 */
int policy_memo_encode(const Policy *p, const PolicyInput *in, size_t n_in, void **ret,
		       size_t *ret_len);

/*
 * The policy a memo holds, when it was made by this build from exactly the
 * files in (names and bytes, in order): *ret then owns buf.  -ESTALE for
 * any other memo (buf stays the caller's), -ENOMEM.
 */
int policy_memo_decode(void *buf, size_t len, const PolicyInput *in, size_t n_in, Policy **ret);

/* Fill err with "file:line: message" (line 0: "file: message"). */
void policy_error(PolicyError *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Classify a section name; returns -EINVAL for an unknown one. */
int policy_section_parse(const char *name, SectionKind *ret_kind, const char **ret_target);
