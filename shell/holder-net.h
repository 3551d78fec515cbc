/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's network: lo inside the paddock's network namespace at
 * setup, and network = nat's release at teardown.
 */
#pragma once

#include <sys/types.h>

/* Bring the loopback interface up.  0 or -errno. */
int holder_loopback_up(void);

/*
 * At teardown, in the host's mount namespace: when STATE_DIR/net/ records
 * an address for uid ((uid_t)-1: a spare nobody claimed) or for the spare
 * we were made as (spare, or NULL), run paddock-net (beside our own
 * binary, root's) as "paddock-net down" in the host's network namespace
 * (HOLDER_FD_HOST_NET), which gives the address back and deletes the link,
 * the ruleset's elements and the ip netns name, and wait for it (at most a
 * few seconds).  Returns 0 (also when there was nothing to do) or -errno.
 */
int holder_net_release(uid_t uid, const char *user, const char *spare);

/*
 * Run paddock-net (beside our own binary, root's) with argv and wait for
 * it, at most timeout_ms (-1: no bound; then it is killed, -ETIMEDOUT).
 * netns_fd >= 0: in that network namespace, with fds 0-2 /dev/null (the
 * holder's release); -1: in ours, with our fds 0-2 (paddock stop).
 * Returns 0 when it exited 0, -EIO otherwise, or -errno.
 */
int holder_net_run(char **argv, int netns_fd, int timeout_ms);
