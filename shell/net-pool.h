/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The address pool of nat paddocks: one slot per paddock, slot s owning
 * the /31 at nat_pool + 2s (the host end the even address, eth0 the odd
 * one) and, with nat_pool6, the s-th /64 of it.  Slots are recorded in
 * STATE_DIR/net/ (root, 0700) under one lock, STATE_DIR/net/lock, by
 * owner: a uid ("1001"), or a spare paddock's name ("KEY.ID",
 * pam_module/spare.h) for a spare whose network is made ahead:
 *
 *   net/N        the slot N's owner, "OWNER\n"
 *   net/u-OWNER  the slot of OWNER, "N\n" (a user keeps the address while
 *                the paddock lives, and usually gets it back afterwards)
 *
 * A uid's slot whose STATE_DIR/UID/ is gone (no paddock, live or stale) is
 * free to take: a crashed paddock's slot is taken back by a later login.
 * A spare's slot is taken while its host end (net_pool_spare_if()) exists,
 * that is while its network namespace does: before and after its claim,
 * which renames none of these records.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../conf/netaddr.h"
#include "../pam_module/net.h"
#include "net-link.h"

/* The number of slots of pool (a /8 to /24). */
uint32_t net_pool_slots(const NetCidr *pool);

/*
 * The addresses of slot in pool and pool6 (family 0: none).  Returns 0,
 * or -ERANGE when pool6 has fewer /64s than slot needs.
 */
int net_pool_addrs(const NetCidr *pool, const NetCidr *pool6, uint32_t slot, NetAddrs *ret);

#define NET_IF_NAME_MAX	    16
#define NET_SPARE_IF_PREFIX "pdks"

/* Whether owner names a spare (else a uid). */
bool net_pool_is_spare(const char *owner);

/* The host end of a spare's veth in slot: NET_SPARE_IF_PREFIX and the
 * slot, so that its claim renames no interface. */
void net_pool_spare_if(uint32_t slot, char buf[static NET_IF_NAME_MAX]);

/* Whether owner's paddock (a uid's, live or stale) or network (a spare's,
 * in slot) still exists; run_fd is STATE_DIR. */
bool net_pool_owner_alive(int run_fd, const char *owner, uint32_t slot);

/*
 * Take (or keep) a slot for owner in net_fd (STATE_DIR/net, locked by the
 * caller), run_fd being STATE_DIR.  Returns 0 with *ret_slot, -ENOSPC
 * when every slot has a live owner, other -errno.
 */
int net_pool_take(int run_fd, int net_fd, const NetCidr *pool, const char *owner,
		  uint32_t *ret_slot);

/* The slot recorded for owner: 0 with *ret_slot, -ENOENT, other -errno. */
int net_pool_find(int net_fd, const char *owner, uint32_t *ret_slot);

/* Give owner's slot back (both records).  Returns 0 (also when none) or -errno. */
int net_pool_release(int net_fd, const char *owner);

/* STATE_DIR/net, made when missing, and its lock taken (closing the fd
 * releases it).  Returns 0 with both fds, or -errno. */
int net_pool_open_locked(int run_fd, int *ret_net_fd, int *ret_lock_fd);
