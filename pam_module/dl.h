/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared libraries loaded when first needed instead of linked
 * (sd-bus-dl.c, shell/net-nft-dl.c): a table of their functions, and the
 * ELF note that names them to packaging tools.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * No DT_NEEDED entry names such a library, so packaging tools learn of it
 * from an ELF note (systemd's "dlopen metadata": section .note.dlopen,
 * owner "FDO", a JSON array naming the soname and how much the feature
 * needs it).  DL_NOTE(json) defines it, once per program or module.
 */
#define DL_NOTE_TYPE 0x407c0c0a
#define DL_NOTE(json)                                                                              \
	__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {           \
		uint32_t n_namesz, n_descsz, n_type;                                               \
		char name[4];                                                                      \
		char desc[(sizeof(json) + 3) & ~(size_t)3];                                        \
	} dl_note = {                                                                              \
		.n_namesz = sizeof("FDO"),                                                         \
		.n_descsz = sizeof(json),                                                          \
		.n_type = DL_NOTE_TYPE,                                                            \
		.name = "FDO",                                                                     \
		.desc = json,                                                                      \
	}

/* A function of the library, and where its address goes in the table. */
typedef struct DlSymbol {
	const char *name;
	size_t offset;
} DlSymbol;

/*
 * dlopen(soname, flags), then the address of each of the n symbols into
 * api at its offset; *handle is set only when all of them were found (the
 * caller's "loaded": a second call with it set returns at once).  Returns
 * 0, or -ELIBACC ("cannot access a needed shared library") when the
 * library or one of the functions is missing.
 */
int dl_load(const char *soname, int flags, const DlSymbol *symbols, size_t n, void *api,
	    void **handle);
