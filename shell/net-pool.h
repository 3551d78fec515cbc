/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The address pool of nat paddocks: one slot per paddock, slot s owning
 * the /31 at nat_pool + 2s (the host end the even address, eth0 the odd
 * one) and, with nat_pool6, the s-th /64 of it.  Slots are recorded in
 * STATE_DIR/net/ (root, 0700) under one lock, STATE_DIR/net/lock:
 *
 *   net/N      the slot N's owner, "UID\n"
 *   net/u-UID  the slot of UID, "N\n" (a user keeps the address while
 *              the paddock lives, and usually gets it back afterwards)
 *
 * A slot whose owner has no STATE_DIR/UID/ (no paddock, live or stale) is
 * free to take: a crashed paddock's slot is taken back by a later login.
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

/*
 * Take (or keep) a slot for uid in net_fd (STATE_DIR/net, locked by the
 * caller), run_fd being STATE_DIR.  Returns 0 with *ret_slot, -ENOSPC
 * when every slot has a live owner, other -errno.
 */
int net_pool_take(int run_fd, int net_fd, const NetCidr *pool, uid_t uid, uint32_t *ret_slot);

/* The slot recorded for uid: 0 with *ret_slot, -ENOENT, other -errno. */
int net_pool_find(int net_fd, uid_t uid, uint32_t *ret_slot);

/* Give uid's slot back (both records).  Returns 0 (also when none) or -errno. */
int net_pool_release(int net_fd, uid_t uid);

/* STATE_DIR/net, made when missing, and its lock taken (closing the fd
 * releases it).  Returns 0 with both fds, or -errno. */
int net_pool_open_locked(int run_fd, int *ret_net_fd, int *ret_lock_fd);
