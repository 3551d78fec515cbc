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
};

/* Fill err with "file:line: message" (line 0: "file: message"). */
void policy_error(PolicyError *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Classify a section name; returns -EINVAL for an unknown one. */
int policy_section_parse(const char *name, SectionKind *ret_kind, const char **ret_target);
