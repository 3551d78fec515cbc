/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sd-bus-dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#define SD_SONAME "libsystemd.so.0"

static SdBus api;
static void *handle;

/* Each entry: the symbol and where its address goes in api. */
static const struct {
	const char *name;
	size_t offset;
} symbols[] = {
	{ "sd_bus_open_system", offsetof(SdBus, open_system) },
	{ "sd_bus_flush_close_unref", offsetof(SdBus, flush_close_unref) },
	{ "sd_bus_message_unref", offsetof(SdBus, message_unref) },
	{ "sd_bus_error_free", offsetof(SdBus, error_free) },
	{ "sd_bus_message_new_method_call", offsetof(SdBus, message_new_method_call) },
	{ "sd_bus_message_append", offsetof(SdBus, message_append) },
	{ "sd_bus_call", offsetof(SdBus, call) },
	{ "sd_bus_get_property_trivial", offsetof(SdBus, get_property_trivial) },
	{ "sd_bus_path_encode", offsetof(SdBus, path_encode) },
};

int sd_bus_dl(const SdBus **ret)
{
	SdBus loaded;
	void *h;

	if (handle) {
		*ret = &api;
		return 0;
	}
	/* RTLD_NODELETE: sd-bus keeps process-wide state; it must never go away. */
	h = dlopen(SD_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h)
		return -ELIBACC;
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX: a function's address fits a data pointer (dlsym depends on it). */
		*(void **)((char *)&loaded + symbols[i].offset) = f;
	}
	api = loaded;
	handle = h;
	*ret = &api;
	return 0;
}
