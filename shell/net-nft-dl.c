/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net-nft-dl.h"

#include <dlfcn.h>
#include <stddef.h>

#include "../conf/macro.h"
#include "../pam_module/dl.h"

#define NFT_SONAME "libnftables.so.1"

/* Named to packaging tools (dl.h): no DT_NEEDED entry names libnftables. */
DL_NOTE("[{\"feature\":\"network-nat\",\"description\":\"network = nat: table inet paddock "
	"(nftables)\",\"priority\":\"required\",\"soname\":[\"" NFT_SONAME "\"]}]");

static NftLib api;
static void *handle;

static const DlSymbol symbols[] = {
	{ "nft_ctx_new", offsetof(NftLib, ctx_new) },
	{ "nft_ctx_free", offsetof(NftLib, ctx_free) },
	{ "nft_ctx_buffer_output", offsetof(NftLib, ctx_buffer_output) },
	{ "nft_ctx_buffer_error", offsetof(NftLib, ctx_buffer_error) },
	{ "nft_ctx_get_error_buffer", offsetof(NftLib, ctx_get_error_buffer) },
	{ "nft_run_cmd_from_buffer", offsetof(NftLib, run_cmd_from_buffer) },
};

int nft_lib_dl(const NftLib **ret)
{
	int r = dl_load(NFT_SONAME, RTLD_NOW | RTLD_LOCAL, symbols, ELEMENTSOF(symbols), &api,
			&handle);

	if (r < 0)
		return r;
	*ret = &api;
	return 0;
}
