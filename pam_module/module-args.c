/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's arguments (module-args.h). */
#include "module-args.h"

#include <string.h>

#include "../conf/macro.h"

void module_args_parse(int argc, const char *const *argv, ModuleArgs *ret)
{
	*ret = (ModuleArgs){ .helper = PADDOCK_HELPER_PATH };
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5])
			ret->conf = argv[i] + 5;
		else if (strncmp(argv[i], "helper=", 7) == 0 && argv[i][7] == '/')
			ret->helper = argv[i] + 7;
		else if (streq(argv[i], "debug"))
			ret->debug = true;
		else if (!ret->bad)
			ret->bad = argv[i];
	}
}
