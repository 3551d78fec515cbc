/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsystemd's sd-bus, loaded when first needed instead of linked.
 *
 * Only the systemd manager talks D-Bus, and only in the PAM caller and in
 * paddock reload/status.  Linked, libsystemd and what it pulls in (libgcrypt,
 * liblzma, libzstd, liblz4, libgpg-error, libcap) are mapped and relocated
 * in every process that loads pam_paddock.so and at every exec of the
 * helper, including the holder at each first login on hosts without
 * systemd (tests/bench/RESULTS.md has the cost).  Loaded here with dlopen("libsystemd.so.0") on
 * the first D-Bus call, the ABI soname systemd guarantees.
 */
#pragma once

#include <systemd/sd-bus.h>

typedef struct SdBus {
	int (*open_system)(sd_bus **ret);
	sd_bus *(*flush_close_unref)(sd_bus *bus);
	sd_bus_message *(*message_unref)(sd_bus_message *m);
	void (*error_free)(sd_bus_error *e);
	int (*message_new_method_call)(sd_bus *bus, sd_bus_message **m, const char *destination,
				       const char *path, const char *interface, const char *member);
	int (*message_append)(sd_bus_message *m, const char *types, ...);
	int (*call)(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
		    sd_bus_message **reply);
	int (*get_property_trivial)(sd_bus *bus, const char *destination, const char *path,
				    const char *interface, const char *member,
				    sd_bus_error *ret_error, char type, void *ret_ptr);
	int (*path_encode)(const char *prefix, const char *external_id, char **ret_path);
} SdBus;

/*
 * The loaded library's functions.  Loaded once per process (never
 * unloaded).  Returns 0 and sets *ret, or -ELIBACC ("cannot access a needed
 * shared library") when libsystemd.so.0 or one of the functions is missing.
 */
int sd_bus_dl(const SdBus **ret);
