/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The paddock policy: paddock.conf and its drop-ins, loaded, validated and
 * resolved for one user.  The format is a contract (policy.md and
 * paddock.conf(5)); key names never change.
 *
 * Loading refuses the whole policy on the first error and names file:line.
 * Resolution has no side effects: it takes the user's identity (name, uid,
 * group names), already looked up through NSS by the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "namespaces.h"
#include "netaddr.h"

/* The Makefile compiles in SYSCONFDIR/security/paddock.conf. */
#ifndef POLICY_DEFAULT_PATH
#define POLICY_DEFAULT_PATH "/etc/security/paddock.conf"
#endif
/* Drop-ins live in the directory "paddock.d" beside the main file. */
#define POLICY_DROPIN_DIR "paddock.d"

/* Hard limits on what a policy may contain (hostile-file defence). */
#define POLICY_LINE_MAX		     1024 /* bytes per line, newline excluded */
#define POLICY_VALUE_MAX	     160  /* bytes per value: fits inih's 200-byte line buffer */
#define POLICY_FILE_MAX		     (1u << 20) /* bytes per file */
#define POLICY_ENTRIES_MAX	     4096	/* key = value lines over all files */
#define POLICY_DROPINS_MAX	     128	/* drop-in files */
#define POLICY_NAME_MAX		     256	/* user/group names in section headers */
#define POLICY_HOSTNAME_TEMPLATE_MAX 128
#define POLICY_PATH_MAX		     256

/* The bits of `namespaces =`, one per entry of ns_types[] (namespaces.h). */
enum {
	POLICY_NS_MOUNT = 1u << NS_MNT,
	POLICY_NS_PID = 1u << NS_PID,
	POLICY_NS_IPC = 1u << NS_IPC,
	POLICY_NS_UTS = 1u << NS_UTS,
	POLICY_NS_NET = 1u << NS_NET,
};

typedef enum CgroupManagerKind {
	CGROUP_MANAGER_AUTO,
	CGROUP_MANAGER_SYSTEMD,
	CGROUP_MANAGER_CGROUPFS,
} CgroupManagerKind;

typedef enum OnError {
	ON_ERROR_DENY,
	ON_ERROR_ALLOW,
} OnError;

typedef enum AuditMode {
	AUDIT_MODE_AUTO,
	AUDIT_MODE_REQUIRED,
	AUDIT_MODE_OFF,
} AuditMode;

typedef enum NetworkMode {
	NETWORK_LOOPBACK,
	NETWORK_HOST,
	NETWORK_NAT,
} NetworkMode;

/* user_namespaces: deny puts CLONE_NEWUSER in the session's seccomp filter. */
typedef enum UserNsMode {
	USERNS_ALLOW,
	USERNS_DENY,
} UserNsMode;
/* host_access: what a nat paddock reaches on the host's own addresses. */
typedef enum HostAccess {
	HOST_ACCESS_NONE,
	HOST_ACCESS_DNS,
	HOST_ACCESS_ALL,
} HostAccess;

/* dns: auto (from the host's resolv.conf), or the servers named. */
typedef struct PolicyDns {
	bool auto_;
	NetCidrList servers; /* host prefixes, at most NET_DNS_MAX */
} PolicyDns;

/* The size of the private tmpfs: bytes, or a percentage of memory_max. */
typedef struct TmpSize {
	bool percent;
	uint64_t value;
} TmpSize;

/* [global]: machine-wide settings. */
typedef struct PolicyGlobal {
	CgroupManagerKind cgroup_manager;
	char cgroup_parent[POLICY_PATH_MAX];
	OnError on_error;
	AuditMode audit;
	uint64_t linger;   /* seconds */
	unsigned prestart; /* spare paddocks kept ready, 0..POLICY_PRESTART_MAX */
	NetCidr nat_pool;  /* IPv4, /24 or larger: one /31 per nat paddock */
	NetCidr nat_pool6; /* IPv6 ULA, /64 or larger, or family 0: none */
	PolicyDns dns;
	char network_hook[POLICY_PATH_MAX]; /* root-owned executable, or "" */
	bool enforce;			    /* no: record what would be applied, isolate nobody */
} PolicyGlobal;

#define POLICY_PRESTART_MAX 64 /* the parser's message says 64 */

/*
 * The effective per-user policy.  Sizes and counts use UNITS_MAX for "max".
 * cpu_quota is in percent of one CPU.
 */
typedef struct UserPolicy {
	bool isolate;
	unsigned namespaces; /* POLICY_NS_* */
	uint64_t memory_max;
	uint64_t memory_high;
	uint64_t memory_swap_max;
	uint64_t cpu_quota;
	uint64_t cpu_weight;
	uint64_t tasks_max;
	char hostname[POLICY_HOSTNAME_TEMPLATE_MAX];
	NetworkMode network;
	NetCidrList egress_deny;  /* nat: never reachable (deny wins) */
	NetCidrList egress_allow; /* nat: reachable (any, or these) */
	HostAccess host_access;	  /* nat: the host's own addresses */
	bool private_tmp;
	bool private_ipc;
	TmpSize tmp_size;
	bool kill_on_logout;
	char shell[POLICY_PATH_MAX];
	UserNsMode user_namespaces;
} UserPolicy;

/* Where an effective value came from.  file == NULL: the built-in default. */
typedef struct PolicySource {
	const char *file;
	unsigned line;
	const char *section; /* "default", "group:staff", "user:alice" ... */
	const char *value;   /* the text as written (or the built-in text) */
} PolicySource;

/* One error: "file:line: message", or "file: message" when line is 0. */
typedef struct PolicyError {
	char text[POLICY_LINE_MAX + 512];
} PolicyError;

typedef struct Policy Policy;

/*
 * Who a policy is resolved for.  groups: names of every group of the user.
 * groups_unknown: the groups were not looked up (policy_uses_groups() said
 * no [group:NAME] section matters); resolving a policy that has one then
 * fails instead of silently skipping the section.
 */
typedef struct PolicyIdentity {
	const char *user;
	uid_t uid;
	const char *const *groups;
	size_t n_groups;
	bool groups_unknown;
} PolicyIdentity;

/* The key table, for explain and documentation checks. */
typedef struct PolicyKeyInfo {
	const char *name;
	bool global;
	const char *builtin; /* the built-in default as text */
} PolicyKeyInfo;

/* Number of keys and the i-th key's description (0 <= i < policy_key_count()). */
size_t policy_key_count(void);
const PolicyKeyInfo *policy_key_info(size_t i);

/*
 * Load the policy: main_path (NULL: POLICY_DEFAULT_PATH) and the *.conf files
 * of the "paddock.d" directory beside it, in lexical order.  Every file must be
 * a regular file owned by root, not writable by group or others, and reached
 * without symlinks.  On error returns -errno (-EINVAL for a policy error), fills
 * err, and *ret stays NULL.
 */
int policy_load(const char *main_path, Policy **ret, PolicyError *err);

#define POLICY_MEMO_MAX (4u << 20) /* bytes; a larger memo is not made (nor read) */

/*
 * Where a caller keeps the memo of a loaded policy between processes
 * (policy-memo.c): get() hands out the memo kept last (a malloc'ed buffer
 * the loader frees) or returns -errno; put() keeps a new one, errors
 * ignored.  Either may be NULL.
 */
typedef struct PolicyMemoIO {
	int (*get)(void *userdata, void **ret_buf, size_t *ret_len);
	void (*put)(void *userdata, const void *buf, size_t len);
	void *userdata;
} PolicyMemoIO;

/*
 * policy_load(), where the parse of the files read can be skipped: when
 * io's memo was made by this build from the very same files, byte for
 * byte, its policy is the result (the files are read and checked as
 * always; only a policy that loads without error is ever memoized, so an
 * error is always the parser's own).  Else the files are parsed and the
 * new memo handed to io->put().  io NULL: policy_load().
 */
int policy_load_memo(const char *main_path, const PolicyMemoIO *io, Policy **ret, PolicyError *err);

/* Load one file alone (paddock check FILE), with the same trust rules. */
int policy_load_file(const char *path, Policy **ret, PolicyError *err);

/*
 * Parse an in-memory policy named name (no trust checks; unit tests and the
 * fuzzer).  Returns 0 or a negative errno with err filled.
 */
int policy_load_buffer(const char *name, const char *buf, size_t len, Policy **ret,
		       PolicyError *err);

/* Free a policy (NULL is fine).  For _cleanup_(policy_freep). */
void policy_free(Policy *p);
static inline void policy_freep(Policy **p)
{
	policy_free(*p);
}

/* Number of files the policy was read from, and the i-th one's path. */
size_t policy_file_count(const Policy *p);
const char *policy_file_path(const Policy *p, size_t i);

/* The effective [global] settings; sources may be NULL or an array of
 * policy_key_count() entries (only global keys are filled). */
void policy_global(const Policy *p, PolicyGlobal *ret, PolicySource *sources);

/*
 * Whether any setting of p comes from a [group:NAME] section, i.e. whether
 * resolving it needs the user's groups (an NSS lookup the PAM module skips
 * when it does not).
 */
bool policy_uses_groups(const Policy *p);

/* Whether any section sets network = nat (so nat_pool is used at all). */
bool policy_uses_nat(const Policy *p);

/*
 * The effective policy for one user: [user:NAME], then the matching
 * [group:NAME] sections (the last one in file order wins, key by key), then
 * [default], then the built-in default.  Root (uid 0) is isolated only when a
 * [user:root] section says isolate = yes.  sources may be NULL or an array of
 * policy_key_count() entries.  Returns 0, or -EINVAL with err filled when the
 * resolved combination is inconsistent (see policy_check_consistent()) or
 * when who's groups are unknown and the policy has [group:NAME] settings.
 */
int policy_resolve(const Policy *p, const PolicyIdentity *who, UserPolicy *ret,
		   PolicySource *sources, PolicyError *err);

/*
 * Check every section of the policy, combined with [default] and the built-in
 * defaults, for combinations that cannot be honoured (e.g. network = loopback
 * without the net namespace).  Returns 0 or -EINVAL with err naming the
 * section's file:line.
 */
int policy_check_consistent(const Policy *p, PolicyError *err);

/* The policy's word for a namespace bit ("mount", "pid" ...), "?" for
 * anything else. */
const char *policy_ns_name(unsigned bit);

/*
 * Expand a hostname template (%u user, %U uid, %h host short name, %% '%')
 * into buf.  The result is cut to a valid hostname: at most 63 bytes, every
 * byte outside [A-Za-z0-9.-] replaced by '-' ("paddock" if empty).  Returns
 * 0 or -ENAMETOOLONG when buf (len bytes) cannot hold the result.
 */
int policy_expand_hostname(const char *tmpl, const char *user, uid_t uid, const char *host,
			   char *buf, size_t len);

/*
 * The size in bytes of the private tmpfs (/tmp, /var/tmp and /dev/shm
 * together) for an effective policy; ram_bytes is
 * used for percentages when memory_max is "max".
 */
uint64_t policy_tmp_bytes(const UserPolicy *up, uint64_t ram_bytes);
