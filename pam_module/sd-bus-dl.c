/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sd-bus-dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define SD_SONAME "libsystemd.so.0"

/* No DT_NEEDED entry names libsystemd, so packaging tools learn of it from this
 * ELF note (systemd's "dlopen metadata": section .note.dlopen, owner "FDO",
 * a JSON array naming the soname and how much the feature needs it). */
#define DLOPEN_NOTE_TYPE 0x407c0c0a
#define DLOPEN_NOTE_JSON                                                                           \
	"[{\"feature\":\"systemd-manager\",\"description\":\"the systemd cgroup manager "          \
	"(D-Bus)\",\"priority\":\"recommended\",\"soname\":[\"" SD_SONAME "\"]}]"
__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {
	uint32_t n_namesz, n_descsz, n_type;
	char name[4];
	char desc[(sizeof(DLOPEN_NOTE_JSON) + 3) & ~(size_t)3];
} dlopen_note = {
	.n_namesz = sizeof("FDO"),
	.n_descsz = sizeof(DLOPEN_NOTE_JSON),
	.n_type = DLOPEN_NOTE_TYPE,
	.name = "FDO",
	.desc = DLOPEN_NOTE_JSON,
};

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
