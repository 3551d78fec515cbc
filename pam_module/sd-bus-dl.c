/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sd-bus-dl.h"

#include <dlfcn.h>
#include <stddef.h>

#include "dl.h"

#define SD_SONAME "libsystemd.so.0"

/* Named to packaging tools (dl.h): no DT_NEEDED entry names libsystemd. */
DL_NOTE("[{\"feature\":\"systemd-manager\",\"description\":\"the systemd cgroup manager "
	"(D-Bus)\",\"priority\":\"recommended\",\"soname\":[\"" SD_SONAME "\"]}]");

static SdBus api;
static void *handle;

static const DlSymbol symbols[] = {
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
	/* RTLD_NODELETE: sd-bus keeps process-wide state; it must never go away. */
	int r = dl_load(SD_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
			sizeof(symbols) / sizeof(symbols[0]), &api, &handle);

	if (r < 0)
		return r;
	*ret = &api;
	return 0;
}
