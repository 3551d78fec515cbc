/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>

int dl_load(const char *soname, int flags, const DlSymbol *symbols, size_t n, void *api,
	    void **handle)
{
	void *h;

	if (*handle)
		return 0;
	h = dlopen(soname, flags);
	if (!h)
		return -ELIBACC;
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX: a function's address fits a data pointer (dlsym depends on it). */
		*(void **)((char *)api + symbols[i].offset) = f;
	}
	*handle = h;
	return 0;
}
