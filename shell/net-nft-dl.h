/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnftables, loaded when first needed instead of linked.
 *
 * paddock-net needs nftables' language only to make table inet paddock (the
 * first nat paddock of a host, or forwarding found off): its chains and
 * rules are written as nftables text.  Every other run changes only set and
 * map elements, over nfnetlink itself (net-nfnl.c).  Linked, libnftables and
 * what it pulls in (libxtables, libjansson, libgmp) are mapped and relocated
 * at every exec of paddock-net, that is at every nat first login
 * (tests/bench/RESULTS.md has the cost); loaded here with
 * dlopen("libnftables.so.1"), its ABI soname, on that path only.
 */
#pragma once

#include <nftables/libnftables.h>

typedef struct NftLib {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *nft, const char *buf);
} NftLib;

/*
 * The loaded library's functions.  Loaded once per process (never
 * unloaded).  Returns 0 and sets *ret, or -ELIBACC ("cannot access a needed
 * shared library") when libnftables.so.1 or one of the functions is missing.
 */
int nft_lib_dl(const NftLib **ret);
