/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../conf/macro.h"
#include "../conf/units.h"

static const char *const limit_keys[LIMIT_N] = {
	[LIMIT_MEMORY_MAX] = "memory_max",	     [LIMIT_MEMORY_HIGH] = "memory_high",
	[LIMIT_MEMORY_SWAP_MAX] = "memory_swap_max", [LIMIT_CPU_QUOTA] = "cpu_quota",
	[LIMIT_CPU_WEIGHT] = "cpu_weight",	     [LIMIT_TASKS_MAX] = "tasks_max",
};

const char *limit_key(LimitField f)
{
	return limit_keys[f];
}

uint64_t limit_get(const CgroupLimits *l, LimitField f)
{
	switch (f) {
	case LIMIT_MEMORY_MAX:
		return l->memory_max;
	case LIMIT_MEMORY_HIGH:
		return l->memory_high;
	case LIMIT_MEMORY_SWAP_MAX:
		return l->memory_swap_max;
	case LIMIT_CPU_QUOTA:
		return l->cpu_quota;
	case LIMIT_CPU_WEIGHT:
		return l->cpu_weight;
	default:
		return l->tasks_max;
	}
}

static bool limit_is_memory(LimitField f)
{
	return f == LIMIT_MEMORY_MAX || f == LIMIT_MEMORY_HIGH || f == LIMIT_MEMORY_SWAP_MAX;
}

const char *limit_format(LimitField f, uint64_t v, char *buf, size_t len)
{
	if (v == CG_UNKNOWN)
		snprintf(buf, len, "?");
	else if (v == UNITS_MAX)
		snprintf(buf, len, "max");
	else if (limit_is_memory(f))
		units_format_size(v, buf, len);
	else if (f == LIMIT_CPU_QUOTA)
		snprintf(buf, len, "%" PRIu64 "%%", v);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

void limits_format(const CgroupLimits *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (LimitField f = 0; f < LIMIT_N; f++) {
		char v[32];
		int n = snprintf(buf + used, len - used, "%s%s=%s", f ? " " : "", limit_key(f),
				 limit_format(f, limit_get(l, f), v, sizeof(v)));

		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

unsigned limits_diff(const CgroupLimits *from, const CgroupLimits *to, char *buf, size_t len)
{
	size_t used = 0;
	unsigned n_diff = 0;

	buf[0] = '\0';
	for (LimitField f = 0; f < LIMIT_N; f++) {
		uint64_t a = limit_get(from, f), b = limit_get(to, f);
		char va[32], vb[32];
		int n;

		if (cg_limit_is(a, b, limit_is_memory(f)))
			continue;
		n_diff++;
		n = snprintf(buf + used, len - used, "%s%s %s -> %s", used ? ", " : "",
			     limit_key(f), limit_format(f, a, va, sizeof(va)),
			     limit_format(f, b, vb, sizeof(vb)));
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	return n_diff;
}
