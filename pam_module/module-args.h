/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's arguments on its PAM line, parsed in one place for the
 * module itself and for "paddock check --system", which names a line the
 * module would refuse before a login is denied by it.
 */
#pragma once

#include <stdbool.h>

#ifndef PADDOCK_HELPER_PATH
#define PADDOCK_HELPER_PATH "/usr/sbin/paddock"
#endif

typedef struct ModuleArgs {
	const char *conf;   /* conf=PATH, NULL: the default policy */
	const char *helper; /* helper=/PATH, else PADDOCK_HELPER_PATH */
	bool debug;
	const char *bad; /* the first argument the module does not know, NULL if none */
} ModuleArgs;

/* Parse argv (argc words, as PAM hands them over) into *ret; never fails:
 * an unknown or malformed word is kept in ret->bad. */
void module_args_parse(int argc, const char *const *argv, ModuleArgs *ret);
