/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's side of network = nat: once per new paddock, before the
 * join, run paddock-net (the program beside the helper, root's) in the
 * caller's namespaces and wait for its answer.  Nothing of libmnl or
 * libnftables is loaded here; a joining login never comes here.
 */
#pragma once

#include <sys/types.h>

#include "../conf/policy.h"

#define NET_HELPER_NAME	      "paddock-net"
#define NET_STATE_DIR	      "net"	   /* below STATE_DIR: the pool's records (paddock-net) */
#define NET_NETNS_DIR	      "/run/netns" /* ip-netns(8)'s names */
#define NET_NETNS_PREFIX      "paddock-"
#define NET_HELPER_TIMEOUT_MS 20000 /* above the hook's own 10 s */

/*
 * The record of a nat paddock's network, STATE_DIR/net/a-UID, written by
 * paddock-net up and removed by down, read by paddock status: one line
 * "HOST_IF ADDRESS PEER ADDRESS6" ("-" for no IPv6).
 */
typedef struct NetRecord {
	char host_if[16];
	char address[64];  /* eth0's IPv4 address */
	char peer[64];	   /* the host end's: the paddock's gateway */
	char address6[64]; /* eth0's IPv6 address, or "" */
} NetRecord;

#define NET_RECORD_PREFIX "a-"

/* The record's line into buf.  Returns its length or -E2BIG. */
int net_record_format(const NetRecord *r, char *buf, size_t len);

/* Read uid's record from net_dir_fd (STATE_DIR/net).  Returns 0, -ENOENT
 * when there is none, -EBADMSG for a malformed one, other -errno. */
int net_record_read(int net_dir_fd, uid_t uid, NetRecord *ret);

/* What paddock-net made, for syslog and audit. */
typedef struct NetStarted {
	char addr[64];	  /* eth0's IPv4 address, or "" */
	char host_if[16]; /* the host end, "pdkUID" */
	char error[256];  /* paddock-net's "STEP: TEXT", or "" */
} NetStarted;

/*
 * Open paddock-net beside helper_path (a path of the paddock helper), with
 * the helper's trust rules (session_open_root_exec()).  Returns 0 with
 * *ret_fd or -errno.
 */
int net_open_helper(const char *helper_path, int *ret_fd);

/* The same beside the running program (/proc/self/exe): the holder, the CLI. */
int net_open_helper_self(int *ret_fd);

/* The arguments of "paddock-net down" (the holder's teardown, paddock stop).
 * The caller's storage: argv holds NET_DOWN_ARGC pointers (the last NULL),
 * uid_s the uid's text. */
#define NET_DOWN_ARGC 7
typedef struct NetDownArgs {
	char *argv[NET_DOWN_ARGC];
	char uid_s[16];
} NetDownArgs;

/*
 * Fill a for uid's paddock-net down.  Returns 1 when uid has a slot of the
 * pool (STATE_DIR/net/u-UID), 0 when there is nothing to release, or
 * -errno.
 */
int net_down_args(uid_t uid, const char *user, NetDownArgs *a);

/*
 * Set the network of the paddock whose holder is pid (pidfd) up for
 * user/uid with the policy up and g: helper_path names the paddock helper,
 * paddock-net is looked up beside it (root's, not writable by others).
 * Returns 0 with *ret filled, or -errno (ret->error says why).
 */
int net_start(const char *helper_path, const char *user, uid_t uid, pid_t pid, int pidfd,
	      const PolicyGlobal *g, const UserPolicy *up, NetStarted *ret);
