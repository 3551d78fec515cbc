/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a holder is told, and its one codec: HolderParams to and from the
 * command lines of holder-proto.h (a user's holder, a spare holder, the
 * spare maker "paddock spare") and the claim message, and the key that
 * names a spare's shape.  Every writer and reader of those words is here;
 * tests/unit/test-holder-params.c round-trips them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "holder-proto.h"

struct CgroupLimits;

/* What the holder is told (its argv); see holder-proto.h. */
typedef struct HolderParams {
	uid_t uid;
	const char *user;     /* shown in ps on the host */
	const char *hostname; /* already expanded (policy_expand_hostname) */
	unsigned namespaces;  /* POLICY_NS_*: must contain MOUNT and PID */
	uint64_t tmp_size;    /* bytes of the private tmpfs, > 0 */
	bool private_tmp;
	bool private_ipc;
	bool loopback; /* bring lo up; needs POLICY_NS_NET */
	bool kill_on_logout;
	uint64_t linger;	    /* seconds */
	const char *cgroup_manager; /* CgroupManager.name, or "none" */
	const char *cgroup_parent;
	/* paddock spare: the limits written into its spare cgroups (spare.h),
	 * those of the login that started it; NULL: none */
	const struct CgroupLimits *spare_limits;
	/* spares of network = nat: the network made ahead for each, as
	 * net_spare_text() has it (net.h); NULL: none, or not a spare */
	const char *spare_net;
} HolderParams;

/* Which command line: the words after "paddock" tell them apart. */
typedef enum HolderArgvKind {
	HOLDER_ARGV_USER,  /* paddock holder --uid UID ... (a user's holder) */
	HOLDER_ARGV_SPARE, /* paddock holder --spare NAME ... --pad SPACES */
	HOLDER_ARGV_MAKER, /* paddock spare --count N ... [--net T] [--limits L] */
} HolderArgvKind;

/* The words of a command line that are not HolderParams. */
typedef struct HolderArgvExtra {
	const char *spare; /* SPARE: the spare's name */
	unsigned count;	   /* MAKER: how many spares */
} HolderArgvExtra;

/* The longest linger a holder takes: its timerfd counts seconds in a
 * time_t, and a year is plenty. */
#define HOLDER_LINGER_MAX (366u * 24 * 3600)

/*
 * The command line of kind for p (and x: the spare's name, the maker's
 * count; NULL for a user's), as exec'd and as /proc/PID/cmdline shows it:
 * "paddock\0holder\0--uid\0UID\0...", every word NUL-terminated, the
 * options in holder-proto.h's order.  Returns its length or -E2BIG.
 */
int holder_params_argv(HolderArgvKind kind, const HolderParams *p, const HolderArgvExtra *x,
		       char *buf, size_t len);

/*
 * The reverse: argv[0..argc) are the options after "paddock holder" or
 * "paddock spare" (argv[0] the first option).  Every option of kind
 * exactly once (the maker's --net and --limits may be missing), values canonical
 * (decimal without leading zeros, 0|1), within holder-proto.h's bounds and
 * combinations.  p's strings and x->spare point into argv; p->spare_limits
 * into *limits (MAKER; may be NULL otherwise).  Returns 0 or -EINVAL
 * (-ERANGE for a number out of range).
 */
int holder_params_parse_argv(HolderArgvKind kind, int argc, char *const *argv, HolderParams *p,
			     HolderArgvExtra *x, struct CgroupLimits *limits);

/*
 * A user's holder's command line as /proc/PID/cmdline shows it (buf, n
 * bytes): "paddock holder" and the options of HOLDER_ARGV_USER, up to the
 * first empty word (a claimed spare pads its command line with NULs).
 * p's strings point into buf.  Returns 0 or -EINVAL (-ERANGE).
 */
int holder_params_parse_cmdline(char *buf, size_t n, HolderParams *p);

/*
 * The claim message of holder-proto.h for p into buf: "claim\0UID\0...",
 * at most HOLDER_CLAIM_MAX bytes.  Returns its length or -E2BIG.
 */
int holder_params_claim(const HolderParams *p, char *buf, size_t len);

/*
 * The reverse, for msg (n bytes, as received): the same rules as
 * holder_params_parse_argv(); p's strings point into msg.  Returns 0 or
 * -EINVAL (-ERANGE).
 */
int holder_params_parse_claim(const char *msg, size_t n, HolderParams *p);

/*
 * Whether a and b are of the same shape (namespaces, private /tmp and IPC,
 * loopback, cgroup manager and parent): the paddocks a spare of a's shape
 * may become.
 */
bool holder_params_same_shape(const HolderParams *a, const HolderParams *b);

/*
 * The combinations holder_start() refuses (-EINVAL): a user's holder needs
 * a user, a hostname, a manager and parent, the mount and PID namespaces,
 * a tmpfs size, and the network namespace for loopback.  Returns 0 or
 * -EINVAL.
 */
int holder_params_check(const HolderParams *p);

#define SPARE_KEY_LEN 16

/* The shape of p as SPARE_KEY_LEN hex digits (64-bit FNV-1a): the name
 * of spares of that shape (spare.h). */
void spare_key(const HolderParams *p, char buf[static SPARE_KEY_LEN + 1]);
