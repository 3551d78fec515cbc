/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cgroup limits for humans: one value, a whole set, and the difference
 * between two sets (status: live against the policy; reload: before and
 * after).  Memory sizes compare in whole pages (cg_limit_is).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../pam_module/cgroup.h"

/* The limit fields of CgroupLimits, in the policy's key order. */
typedef enum LimitField {
	LIMIT_MEMORY_MAX,
	LIMIT_MEMORY_HIGH,
	LIMIT_MEMORY_SWAP_MAX,
	LIMIT_CPU_QUOTA,
	LIMIT_CPU_WEIGHT,
	LIMIT_TASKS_MAX,
	LIMIT_N,
} LimitField;

/* The policy key of field f ("memory_max"). */
const char *limit_key(LimitField f);

/* Field f of l. */
uint64_t limit_get(const CgroupLimits *l, LimitField f);

/*
 * Field f's value v as the policy spells it: "2G", "max", "50%", "512";
 * "?" for CG_UNKNOWN.  Returns buf.
 */
const char *limit_format(LimitField f, uint64_t v, char *buf, size_t len);

/* "memory_max=1G memory_high=max ... tasks_max=512". */
void limits_format(const CgroupLimits *l, char *buf, size_t len);

/*
 * The fields where from and to differ as "memory_max 1G -> 2G, tasks_max
 * 512 -> 256" into buf; fields unknown in from are not compared.  Returns
 * the number of fields that differ (0: buf is "").
 */
unsigned limits_diff(const CgroupLimits *from, const CgroupLimits *to, char *buf, size_t len);
