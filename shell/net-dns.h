/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resolv.conf of a nat paddock: written by paddock-net from the
 * policy's dns key (auto: the host's /etc/resolv.conf) and bind-mounted
 * over /etc/resolv.conf in the paddock's mount namespace only.  A loopback
 * resolver of the host (systemd-resolved's 127.0.0.53, a dnsmasq or
 * unbound on 127.0.0.1), which the paddock cannot reach, is named as the
 * paddock's gateway, whose port 53 the ruleset translates to it
 * (net-nft.h, stub4): no daemon, no copy of the host's resolver.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../conf/policy.h"
#include "net-link.h"

#define NET_RESOLV_MAX 4096

/*
 * The paddock's resolv.conf for dns and the addresses a into buf, and the
 * loopback resolver it reaches through the gateway into *ret_stub
 * (*ret_has_stub false: none).  host_resolv: the host's file (dns = auto).
 * Returns 0, or -ENOENT when no server is left that the paddock can use.
 */
int net_dns_plan(const PolicyDns *dns, const NetAddrs *a, const char *host_resolv, char *buf,
		 size_t len, NetCidr *ret_stub, bool *ret_has_stub);

/*
 * Put text over /etc/resolv.conf in the mount namespace mnt_fd, read-only:
 * the caller (one thread) enters that namespace and returns to its own,
 * whose root becomes its root and cwd.  The file lives in a small tmpfs of
 * its own that is mounted nowhere else.  Returns 0 or -errno;
 * -ENOTRECOVERABLE when the caller could not return to its own namespace.
 */
int net_dns_install(int mnt_fd, const char *text);
