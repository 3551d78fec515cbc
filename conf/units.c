/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"

int units_parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -ERANGE;
	}
	*ret = v;
	return 0;
}

/* Split "123Suffix" into its number and suffix; the number must be present. */
static int split_number(const char *s, uint64_t *ret, const char **ret_suffix)
{
	char digits[32];
	size_t n = strspn(s, "0123456789");
	int r;

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(digits))
		return -ERANGE;
	memcpy(digits, s, n);
	digits[n] = '\0';
	r = units_parse_u64(digits, ret);
	if (r < 0)
		return r;
	*ret_suffix = s + n;
	return 0;
}

int units_parse_size(const char *s, bool allow_max, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} table[] = {
		{ "", 0 },     { "b", 0 },   { "k", 10 },   { "kb", 10 },  { "kib", 10 },
		{ "m", 20 },   { "mb", 20 }, { "mib", 20 }, { "g", 30 },   { "gb", 30 },
		{ "gib", 30 }, { "t", 40 },  { "tb", 40 },  { "tib", 40 },
	};
	const char *suffix;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	if (allow_max && streq(s, "max")) {
		*ret = UNITS_MAX;
		return 0;
	}
	r = split_number(s, &v, &suffix);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		if (strcasecmp(suffix, table[i].suffix) != 0)
			continue;
		if (table[i].shift && v > (UINT64_MAX >> table[i].shift))
			return -ERANGE;
		v <<= table[i].shift;
		/* UNITS_MAX is reserved for "max". */
		if (v == UNITS_MAX)
			return -ERANGE;
		*ret = v;
		return 0;
	}
	return -EINVAL;
}

int units_parse_percent(const char *s, uint64_t *ret)
{
	const char *suffix;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	r = split_number(s, &v, &suffix);
	if (r < 0)
		return r;
	if (!streq(suffix, "%"))
		return -EINVAL;
	*ret = v;
	return 0;
}

int units_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

const char *units_format_size(uint64_t v, char *buf, size_t len)
{
	static const char suffixes[] = "KMGT";
	int i;

	if (v == UNITS_MAX) {
		snprintf(buf, len, "max");
		return buf;
	}
	for (i = 3; i >= 0; i--) {
		unsigned shift = 10u * (unsigned)(i + 1);
		uint64_t unit = UINT64_C(1) << shift;

		if (v >= unit && v % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), suffixes[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}
