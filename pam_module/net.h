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

/* The owner of a slot of the pool (shell/net-pool.h): a uid in decimal, or
 * a spare's name (KEY.ID, spare.h), with the NUL. */
#define NET_OWNER_MAX 40

/*
 * The record of a nat paddock's network, STATE_DIR/net/a-UID, written by
 * paddock-net up and removed by down, read by paddock status: one line
 * "HOST_IF ADDRESS PEER ADDRESS6 [SPARE]" ("-" for no IPv6).  A spare's
 * network made ahead (paddock-net up --spare) is recorded as a-SPARE with
 * its name as SPARE; the login that claims the spare renames it to a-UID
 * (net_claim()), and the pool's records stay the spare's.
 */
typedef struct NetRecord {
	char host_if[16];
	char address[64];	   /* eth0's IPv4 address */
	char peer[64];		   /* the host end's: the paddock's gateway */
	char address6[64];	   /* eth0's IPv6 address, or "" */
	char spare[NET_OWNER_MAX]; /* the spare it was made for, or "" */
} NetRecord;

#define NET_RECORD_PREFIX "a-"

/* The record's line into buf.  Returns its length or -E2BIG. */
int net_record_format(const NetRecord *r, char *buf, size_t len);

/* Read uid's record from net_dir_fd (STATE_DIR/net).  Returns 0, -ENOENT
 * when there is none, -EBADMSG for a malformed one, other -errno. */
int net_record_read(int net_dir_fd, uid_t uid, NetRecord *ret);

/* The same for the record called name (a-UID, a-SPARE). */
int net_record_read_name(int net_dir_fd, const char *name, NetRecord *ret);

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
#define NET_DOWN_ARGC 9
typedef struct NetDownArgs {
	char *argv[NET_DOWN_ARGC];
	char uid_s[16];
} NetDownArgs;

/*
 * Fill a for uid's paddock-net down (user: for the ip netns name), and the
 * spare's whose network was made ahead (spare: its name, or NULL; uid
 * (uid_t)-1 for a spare nobody claimed).  Returns 1 when there is a record
 * to release (STATE_DIR/net/u-UID, a-UID, u-SPARE), 0 when there is
 * nothing, or -errno.
 */
int net_down_args(uid_t uid, const char *user, const char *spare, NetDownArgs *a);

/*
 * The name ip-netns(8) shows for user's paddock, NET_NETNS_DIR/paddock-USER:
 * a symlink to the nsfs file of the holder pid (host PID namespace), so
 * that "ip netns exec paddock-USER" works while the paddock lives; it pins
 * nothing (a bind mount would keep the namespace, and its veth, alive).
 * Plain syscalls: the module makes it when it claims a spare.  add returns
 * 0 or -errno; remove removes only a symlink into /proc.
 */
int net_netns_name_add(const char *user, pid_t pid);
void net_netns_name_remove(const char *user);

/*
 * Spares with their network made ahead (spare.h, pam_paddock(8)).
 * net_spare_text(): the policy's options of paddock-net up for up (the
 * pool, pool6, dns, egress and host access: what a spare's network is made
 * of) as one word, the options joined by ';', into buf: it goes into the
 * spare's key (only a login whose network policy is the same claims it)
 * and onto the maker's command line.  Returns 1 with buf, or 0 and buf ""
 * when spares get no network ahead: network is not nat, a network_hook is
 * set (it is given the user, so it runs with paddock-net up after the
 * claim), or the text would not fit.
 */
#define NET_SPARE_TEXT_MAX 1024
int net_spare_text(const PolicyGlobal *g, const UserPolicy *up,
		   char buf[static NET_SPARE_TEXT_MAX]);

/*
 * paddock spare: run paddock-net up --spare SPARE (beside the running
 * program) for the spare whose holder is pid (pidfd) with the options of
 * text (net_spare_text()).  Returns 0, or -errno with err set.
 */
int net_spare_up(const char *spare, pid_t pid, int pidfd, const char *text, char *err,
		 size_t err_len);

/*
 * The network of the claimed spare spare becomes uid's: its record a-SPARE
 * renamed to a-UID, the ip netns name (net_netns_name_add()) made for user
 * and the holder pid.  Only syscalls: paddock-net made the rest ahead.
 * Returns 0 with ret's addr and host_if, or -errno with ret->error.
 */
int net_claim(int run_dir_fd, const char *spare, uid_t uid, const char *user, pid_t pid,
	      NetStarted *ret);

/*
 * Set the network of the paddock whose holder is pid (pidfd) up for
 * user/uid with the policy up and g: helper_path names the paddock helper,
 * paddock-net is looked up beside it (root's, not writable by others).
 * Returns 0 with *ret filled, or -errno (ret->error says why).
 */
int net_start(const char *helper_path, const char *user, uid_t uid, pid_t pid, int pidfd,
	      const PolicyGlobal *g, const UserPolicy *up, NetStarted *ret);
