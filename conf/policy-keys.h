/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The key table of paddock.conf (internal to conf/). */
#pragma once

#include <stddef.h>

#include "policy.h"

typedef struct PolicyKey {
	PolicyKeyInfo info;
	/*
	 * Parse value into dst (a field of PolicyGlobal or UserPolicy at
	 * offset).  Returns 0, or -EINVAL/-ERANGE with *why set to a sentence
	 * describing what is expected.
	 */
	int (*parse)(const char *value, void *dst, const char **why);
	size_t offset;
} PolicyKey;

extern const PolicyKey policy_keys[];
extern const size_t policy_n_keys;

/* At most this many keys (policy-keys.c asserts it): arrays by key are this long. */
#define POLICY_KEYS_MAX 64

/* Index of the key called name, or -ENOENT. */
int policy_key_find(const char *name);
