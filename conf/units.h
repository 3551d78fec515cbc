/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict parsers for the value syntaxes of paddock.conf: sizes (K M G T,
 * powers of 1024), percentages, plain numbers and booleans.  Every parser
 * checks for overflow and rejects trailing garbage; none of them use atoi.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value "max": no limit.  Used by every size and count field. */
#define UNITS_MAX UINT64_MAX

/*
 * Parse an unsigned decimal integer (no sign, no spaces, no leading '+').
 * Returns 0 and stores the value, -EINVAL on syntax, -ERANGE on overflow.
 */
int units_parse_u64(const char *s, uint64_t *ret);

/*
 * Parse a size: digits with an optional suffix K, M, G or T (case-insensitive,
 * an optional trailing 'B' or 'iB' is accepted: 2G, 2GB, 2GiB), powers of 1024.
 * If allow_max, the word "max" gives UNITS_MAX.
 * Returns 0, -EINVAL on syntax, -ERANGE when the result does not fit 64 bits.
 */
int units_parse_size(const char *s, bool allow_max, uint64_t *ret);

/*
 * Parse a percentage "N%" (integer N).  Returns 0, -EINVAL or -ERANGE.
 */
int units_parse_percent(const char *s, uint64_t *ret);

/*
 * Parse a boolean: yes/no, true/false, on/off, 1/0 (case-insensitive).
 * Returns 0 or -EINVAL.
 */
int units_parse_bool(const char *s, bool *ret);

/*
 * Format a size for humans ("2G", "512M", "1536K", "max") into buf.
 * Uses the largest suffix that divides the value exactly.
 */
const char *units_format_size(uint64_t v, char *buf, size_t len);
