/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy library (conf/): loading, validation, resolution, file trust
 * rules, value parsers and hostname expansion, table-driven.  Each table row
 * is one TAP line named after the case.
 *
 * Parts:  bad  inputs that must be refused, with the exact "file:line: message"
 *         good inputs and the effective values/sources for a few identities
 *         multi   several files (main + paddock.d drop-ins) in a temp dir
 *         trust   file trust rules on real files (needs root: files must be
 *                 root-owned; skipped otherwise)
 *         units   the value parsers
 *         host    hostname template expansion, tmpfs sizes
 *         docs    conf/paddock.conf and the examples in man/paddock.conf.5
 *                 load, and the man page documents every key
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../conf/policy.h"
#include "../../conf/units.h"
#include "tap.h"
#include "tmpdir.h"

/* Table rows leave trailing optional fields (also, dropins) out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NAME "t.conf"
#define GIB  (UINT64_C(1) << 30)
#define MIB  (UINT64_C(1) << 20)

/* ------------------------------------------------------------------ */
/* helpers                                                             */

/* err->text starts with prefix and (when also) contains also. */
static bool error_is(const PolicyError *e, const char *prefix, const char *also)
{
	if (strncmp(e->text, prefix, strlen(prefix)) != 0)
		return false;
	return !also || strstr(e->text, also);
}

/* Load text as NAME; on success p is set.  Returns the load result. */
static int load_text(const char *text, size_t len, Policy **p, PolicyError *e)
{
	memset(e, 0, sizeof(*e));
	*p = NULL;
	return policy_load_buffer(NAME, text, len, p, e);
}

/* A heap string: prefix, n copies of c, suffix. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);

	if (!s)
		abort();
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

/* ------------------------------------------------------------------ */
/* bad inputs                                                          */

typedef struct BadCase {
	const char *name;
	const char *text;
	size_t len;	   /* 0: strlen(text) (set it for inputs with a NUL byte) */
	const char *error; /* exact prefix of the error text */
	const char *also;  /* NULL, or a substring the error must contain too */
} BadCase;

/* A string literal with an embedded NUL, and its length. */
#define WITH_NUL(s) s, sizeof(s) - 1

static const BadCase bad_cases[] = {
	/* sections */
	{ "unknown section", "[defaults]\nisolate = yes\n", 0,
	  NAME ":1: unknown section [defaults] (expected [global], [default], [group:NAME] or "
	       "[user:NAME])" },
	{ "section names are case-sensitive", "[Global]\n", 0,
	  NAME ":1: unknown section [Global]" },
	{ "empty user name [user:]", "[default]\n[user:]\n", 0,
	  NAME ":2: unknown section [user:]" },
	{ "empty group name [group:]", "[group:]\n", 0, NAME ":1: unknown section [group:]" },
	{ "space in group name [group:a b]", "[group:a b]\n", 0,
	  NAME ":1: unknown section [group:a b]" },
	{ "[users:x] is not [user:x]", "[users:x]\n", 0, NAME ":1: unknown section [users:x]" },
	{ "name starting with '-'", "[user:-rf]\n", 0, NAME ":1: unknown section [user:-rf]" },
	{ "';' inside a section name", "[user:a;b]\n", 0, NAME ":1: unknown section [user:a;b]" },
	{ "empty section []", "[]\n", 0, NAME ":1: unknown section []" },
	{ "spaces inside brackets", "[ default ]\n", 0, NAME ":1: unknown section [ default ]" },
	{ "unterminated section header", "[global]\nlinger = 5\n[default\n", 0,
	  NAME ":3: unterminated section header" },
	{ "text after ']'", "[default] isolate = yes\n", 0,
	  NAME ":1: unexpected text after section header" },
	{ "double ']'", "[default]]\n", 0, NAME ":1: unexpected text after section header" },
	{ "CR-only line ends are one line", "[default]\risolate = yes\r", 0,
	  NAME ":1: unexpected text after section header" },

	/* keys */
	{ "unknown key memroy_max", "[default]\nmemroy_max = 1G\n", 0,
	  NAME ":2: unknown key 'memroy_max' in [default]" },
	{ "unknown key in [global]", "[global]\nlinger = 0\ncgroup_root = /x\n", 0,
	  NAME ":3: unknown key 'cgroup_root' in [global]" },
	{ "keys are case-sensitive", "[user:alice]\nMemory_Max = 1G\n", 0,
	  NAME ":2: unknown key 'Memory_Max' in [user:alice]" },
	{ "empty key name", "[default]\n= 1G\n", 0, NAME ":2: unknown key '' in [default]" },
	{ "':' is not a separator", "[default]\nmemory_max: 1G\n", 0,
	  NAME ":2: expected 'key = value' or '[section]'" },
	{ "duplicate key in a section",
	  "[default]\nmemory_max = 1G\ncpu_weight = 5\nmemory_max = 2G\n", 0,
	  NAME ":4: duplicate key 'memory_max' in [default] (first set on line 2)" },
	{ "duplicate key in a section opened twice",
	  "[default]\ncpu_weight = 5\n[user:a]\ncpu_weight = 6\n[default]\ncpu_weight = 7\n", 0,
	  NAME ":6: duplicate key 'cpu_weight' in [default] (first set on line 2)" },
	{ "duplicate key in [global]", "[global]\nlinger = 1\n\n\nlinger = 1\n", 0,
	  NAME ":5: duplicate key 'linger' in [global] (first set on line 2)" },
	{ "duplicate key in [group:x]", "[group:x]\nisolate=no\nisolate=no\n", 0,
	  NAME ":3: duplicate key 'isolate' in [group:x] (first set on line 2)" },
	{ "[global] key in [default]", "[default]\nlinger = 10\n", 0,
	  NAME ":2: 'linger' is a [global] key and is not allowed in [default]" },
	{ "[global] key in [user:alice]", "[user:alice]\ncgroup_manager = systemd\n", 0,
	  NAME ":2: 'cgroup_manager' is a [global] key and is not allowed in [user:alice]" },
	{ "[global] key in [group:staff]", "[group:staff]\non_error = allow\n", 0,
	  NAME ":2: 'on_error' is a [global] key and is not allowed in [group:staff]" },
	{ "per-user key in [global]", "[global]\nmemory_max = 1G\n", 0,
	  NAME ":2: 'memory_max' is not allowed in [global] (use [default])" },
	{ "key before any section", "memory_max = 1G\n[default]\n", 0,
	  NAME ":1: key outside any section" },
	{ "key before any section, after comments", "; policy\n\n# more\nisolate = no\n", 0,
	  NAME ":4: key outside any section" },
	{ "line without '='", "[default]\nmemory_max 1G\n", 0,
	  NAME ":2: expected 'key = value' or '[section]'" },
	{ "bare word", "[default]\nisolate\n", 0,
	  NAME ":2: expected 'key = value' or '[section]'" },

	/* units */
	{ "bad unit 2X", "[default]\nmemory_max = 2X\n", 0,
	  NAME ":2: invalid value '2X' for 'memory_max': expected a size of at least 1M with K, "
	       "M, G or T (powers of 1024), or max" },
	{ "fractional size 2.5G", "[default]\nmemory_max = 2.5G\n", 0,
	  NAME ":2: invalid value '2.5G' for 'memory_max'" },
	{ "negative size -1", "[default]\nmemory_high = -1\n", 0,
	  NAME ":2: invalid value '-1' for 'memory_high'" },
	{ "space inside a size", "[default]\nmemory_max = 2 G\n", 0,
	  NAME ":2: invalid value '2 G' for 'memory_max'" },
	{ "';' without a space is not a comment", "[default]\nmemory_max = 1G;big\n", 0,
	  NAME ":2: invalid value '1G;big' for 'memory_max'" },
	{ "empty value", "[default]\nmemory_max =\n", 0, NAME ":2: empty value for 'memory_max'" },
	{ "blank value", "[default]\nmemory_max = \t \n", 0,
	  NAME ":2: empty value for 'memory_max'" },
	{ "value that is only a comment", "[default]\ntasks_max = ; later\n", 0,
	  NAME ":2: empty value for 'tasks_max'" },
	{ "overflow 99999999999999999999", "[default]\nmemory_max = 99999999999999999999\n", 0,
	  NAME ":2: value '99999999999999999999' for 'memory_max' is out of range: expected a "
	       "size of at least 1M" },
	{ "overflow 17179869184G (2^64)", "[default]\nmemory_max = 17179869184G\n", 0,
	  NAME ":2: value '17179869184G' for 'memory_max' is out of range" },
	{ "overflow 16777216T (2^64)", "[default]\nmemory_swap_max = 16777216T\n", 0,
	  NAME ":2: value '16777216T' for 'memory_swap_max' is out of range" },
	{ "2^64-1 is reserved for max", "[default]\nmemory_swap_max = 18446744073709551615\n", 0,
	  NAME ":2: value '18446744073709551615' for 'memory_swap_max' is out of range" },
	{ "overflow in a count", "[default]\ntasks_max = 18446744073709551616\n", 0,
	  NAME ":2: value '18446744073709551616' for 'tasks_max' is out of range" },
	{ "memory_max 1K below 1M", "[default]\nmemory_max = 1K\n", 0,
	  NAME ":2: value '1K' for 'memory_max' is out of range" },
	{ "memory_max 1048575 below 1M", "[default]\nmemory_max = 1048575\n", 0,
	  NAME ":2: value '1048575' for 'memory_max' is out of range" },
	{ "memory_high 0", "[default]\nmemory_high = 0\n", 0,
	  NAME ":2: value '0' for 'memory_high' is out of range" },
	{ "cpu_weight 0", "[default]\ncpu_weight = 0\n", 0,
	  NAME
	  ":2: value '0' for 'cpu_weight' is out of range: expected a number from 1 to 10000" },
	{ "cpu_weight 10001", "[default]\ncpu_weight = 10001\n", 0,
	  NAME ":2: value '10001' for 'cpu_weight' is out of range" },
	{ "cpu_weight max", "[default]\ncpu_weight = max\n", 0,
	  NAME ":2: invalid value 'max' for 'cpu_weight'" },
	{ "cpu_quota 0%", "[default]\ncpu_quota = 0%\n", 0,
	  NAME ":2: value '0%' for 'cpu_quota' is out of range: expected a percentage of one CPU "
	       "from 1% to 100000%, or max" },
	{ "cpu_quota 100001%", "[default]\ncpu_quota = 100001%\n", 0,
	  NAME ":2: value '100001%' for 'cpu_quota' is out of range" },
	{ "cpu_quota without %", "[default]\ncpu_quota = 50\n", 0,
	  NAME ":2: invalid value '50' for 'cpu_quota'" },
	{ "cpu_quota 1.5%", "[default]\ncpu_quota = 1.5%\n", 0,
	  NAME ":2: invalid value '1.5%' for 'cpu_quota'" },
	{ "tasks_max 0", "[default]\ntasks_max = 0\n", 0,
	  NAME ":2: value '0' for 'tasks_max' is out of range: expected a number from 1 to "
	       "4194304, or max" },
	{ "tasks_max 4194305", "[default]\ntasks_max = 4194305\n", 0,
	  NAME ":2: value '4194305' for 'tasks_max' is out of range" },
	{ "tasks_max with a unit", "[default]\ntasks_max = 1K\n", 0,
	  NAME ":2: invalid value '1K' for 'tasks_max'" },
	{ "tmp_size 0%", "[default]\ntmp_size = 0%\n", 0,
	  NAME ":2: value '0%' for 'tmp_size' is out of range" },
	{ "tmp_size 101%", "[default]\ntmp_size = 101%\n", 0,
	  NAME ":2: value '101%' for 'tmp_size' is out of range" },
	{ "tmp_size 512K below 1M", "[default]\ntmp_size = 512K\n", 0,
	  NAME ":2: value '512K' for 'tmp_size' is out of range" },
	{ "tmp_size max", "[default]\ntmp_size = max\n", 0,
	  NAME ":2: invalid value 'max' for 'tmp_size'" },
	{ "linger 86401", "[global]\nlinger = 86401\n", 0,
	  NAME ":2: value '86401' for 'linger' is out of range: expected a number of seconds "
	       "from 0 to 86400" },
	{ "linger with a unit", "[global]\nlinger = 1h\n", 0,
	  NAME ":2: invalid value '1h' for 'linger'" },
	{ "linger +5", "[global]\nlinger = +5\n", 0, NAME ":2: invalid value '+5' for 'linger'" },

	/* enums and booleans */
	{ "cgroup_manager cgroupv2", "[global]\ncgroup_manager = cgroupv2\n", 0,
	  NAME ":2: invalid value 'cgroupv2' for 'cgroup_manager': expected auto, systemd or "
	       "cgroupfs" },
	{ "on_error ignore", "[global]\non_error = ignore\n", 0,
	  NAME ":2: invalid value 'ignore' for 'on_error': expected deny or allow" },
	{ "audit yes", "[global]\naudit = yes\n", 0,
	  NAME ":2: invalid value 'yes' for 'audit': expected auto, required or off" },
	{ "enum words are case-sensitive", "[global]\naudit = Auto\n", 0,
	  NAME ":2: invalid value 'Auto' for 'audit'" },
	{ "network none", "[default]\nnetwork = none\n", 0,
	  NAME ":2: invalid value 'none' for 'network': expected nat, loopback or host" },
	{ "nat_pool without a prefix", "[global]\nnat_pool = 10.200.0.0\n", 0,
	  NAME ":2: invalid value '10.200.0.0' for 'nat_pool': expected an IPv4 network address "
	       "with a prefix from /8 to /24" },
	{ "nat_pool with host bits", "[global]\nnat_pool = 10.200.0.1/16\n", 0,
	  NAME ":2: invalid value '10.200.0.1/16' for 'nat_pool'" },
	{ "nat_pool /25 too small", "[global]\nnat_pool = 10.200.0.0/25\n", 0,
	  NAME ":2: value '10.200.0.0/25' for 'nat_pool' is out of range" },
	{ "nat_pool /7 too large", "[global]\nnat_pool = 10.0.0.0/7\n", 0,
	  NAME ":2: value '10.0.0.0/7' for 'nat_pool' is out of range" },
	{ "nat_pool in loopback", "[global]\nnat_pool = 127.1.0.0/16\n", 0,
	  NAME ":2: value '127.1.0.0/16' for 'nat_pool' is out of range" },
	{ "nat_pool link-local", "[global]\nnat_pool = 169.254.0.0/16\n", 0,
	  NAME ":2: value '169.254.0.0/16' for 'nat_pool' is out of range" },
	{ "nat_pool IPv6", "[global]\nnat_pool = fd00::/64\n", 0,
	  NAME ":2: invalid value 'fd00::/64' for 'nat_pool'" },
	{ "nat_pool garbage after", "[global]\nnat_pool = 10.200.0.0/16x\n", 0,
	  NAME ":2: invalid value '10.200.0.0/16x' for 'nat_pool'" },
	{ "nat_pool6 not ULA", "[global]\nnat_pool6 = 2001:db8::/48\n", 0,
	  NAME ":2: value '2001:db8::/48' for 'nat_pool6' is out of range: expected none, or an "
	       "IPv6 unique local" },
	{ "nat_pool6 /96", "[global]\nnat_pool6 = fd42::/96\n", 0,
	  NAME ":2: value 'fd42::/96' for 'nat_pool6' is out of range" },
	{ "dns four servers", "[global]\ndns = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4\n", 0,
	  NAME ":2: value '192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4' for 'dns' is out of range: "
	       "expected auto, or one to three" },
	{ "dns a prefix", "[global]\ndns = 192.0.2.0/24\n", 0,
	  NAME ":2: invalid value '192.0.2.0/24' for 'dns'" },
	{ "dns a name", "[global]\ndns = ns.example\n", 0,
	  NAME ":2: invalid value 'ns.example' for 'dns'" },
	{ "network_hook relative", "[global]\nnetwork_hook = bin/hook\n", 0,
	  NAME ":2: invalid value 'bin/hook' for 'network_hook': expected none, or an absolute "
	       "path" },
	{ "egress_deny a bad prefix", "[default]\negress_deny = 10.0.0.0/33\n", 0,
	  NAME ":2: invalid value '10.0.0.0/33' for 'egress_deny'" },
	{ "egress_deny host bits", "[default]\negress_deny = 169.254.169.254/16\n", 0,
	  NAME ":2: invalid value '169.254.169.254/16' for 'egress_deny'" },
	{ "egress_deny 17 prefixes",
	  "[default]\negress_deny = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 "
	  "10.0.0.7 10.0.0.8 10.0.0.9 10.0.0.10 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14 "
	  "10.0.0.15 10.0.0.16 10.0.0.17\n",
	  0, NAME ":2: value '10.0.0.1 10.0.0.2" },
	{ "egress_allow any with a prefix", "[default]\negress_allow = any 10.0.0.0/8\n", 0,
	  NAME ":2: invalid value 'any 10.0.0.0/8' for 'egress_allow'" },
	{ "egress_allow none", "[default]\negress_allow = none\n", 0,
	  NAME ":2: invalid value 'none' for 'egress_allow'" },
	{ "host_access some", "[default]\nhost_access = some\n", 0,
	  NAME ":2: invalid value 'some' for 'host_access': expected none, dns or all" },
	{ "nat_pool in [default]", "[default]\nnat_pool = 10.200.0.0/16\n", 0,
	  NAME ":2: 'nat_pool' is a [global] key and is not allowed in [default]" },
	{ "network = nat without net", "[default]\nnamespaces = mount pid ipc uts\nnetwork = nat\n",
	  0, NAME ":3: network = nat needs 'net' in namespaces" },
	{ "user_namespaces no", "[default]\nuser_namespaces = no\n", 0,
	  NAME ":2: invalid value 'no' for 'user_namespaces': expected allow or deny" },
	{ "user_namespaces in [global]", "[global]\nuser_namespaces = deny\n", 0,
	  NAME ":2: 'user_namespaces' is not allowed in [global] (use [default])" },
	{ "isolate maybe", "[default]\nisolate = maybe\n", 0,
	  NAME ":2: invalid value 'maybe' for 'isolate': expected yes or no" },
	{ "private_tmp y", "[default]\nprivate_tmp = y\n", 0,
	  NAME ":2: invalid value 'y' for 'private_tmp': expected yes or no" },

	/* namespaces */
	{ "namespaces duplicate", "[default]\nnamespaces = mount pid ipc uts net pid\n", 0,
	  NAME ":2: invalid value 'mount pid ipc uts net pid' for 'namespaces': expected a "
	       "space-separated list of mount, pid, ipc, uts, net (each once), or none" },
	{ "namespaces unknown user", "[default]\nnamespaces = mount user\n", 0,
	  NAME ":2: invalid value 'mount user' for 'namespaces'" },
	{ "namespaces none with others", "[default]\nnamespaces = none mount\n", 0,
	  NAME ":2: invalid value 'none mount' for 'namespaces'" },
	{ "namespaces comma list", "[default]\nnamespaces = mount,pid\n", 0,
	  NAME ":2: invalid value 'mount,pid' for 'namespaces'" },
	{ "namespaces empty", "[default]\nnamespaces =\n", 0,
	  NAME ":2: empty value for 'namespaces'" },

	/* hostname */
	{ "hostname %x", "[default]\nhostname = %u-%x\n", 0,
	  NAME ":2: invalid value '%u-%x' for 'hostname': expected letters, digits, '-', '.' and "
	       "%u, %U, %h, %% (at most 127 bytes)" },
	{ "hostname with a space", "[default]\nhostname = my host\n", 0,
	  NAME ":2: invalid value 'my host' for 'hostname'" },
	{ "hostname with '_'", "[default]\nhostname = %u_%h\n", 0,
	  NAME ":2: invalid value '%u_%h' for 'hostname'" },
	{ "hostname ending in '%'", "[default]\nhostname = box%\n", 0,
	  NAME ":2: invalid value 'box%' for 'hostname'" },

	/* cgroup_parent */
	{ "cgroup_parent relative", "[global]\ncgroup_parent = paddock.slice\n", 0,
	  NAME ":2: invalid value 'paddock.slice' for 'cgroup_parent': expected an absolute "
	       "cgroup path below the root" },
	{ "cgroup_parent with ..", "[global]\ncgroup_parent = /a/../b\n", 0,
	  NAME ":2: invalid value '/a/../b' for 'cgroup_parent'" },
	{ "cgroup_parent with .", "[global]\ncgroup_parent = /a/./b\n", 0,
	  NAME ":2: invalid value '/a/./b' for 'cgroup_parent'" },
	{ "cgroup_parent /", "[global]\ncgroup_parent = /\n", 0,
	  NAME ":2: invalid value '/' for 'cgroup_parent'" },
	{ "cgroup_parent trailing /", "[global]\ncgroup_parent = /paddock.slice/\n", 0,
	  NAME ":2: invalid value '/paddock.slice/' for 'cgroup_parent'" },
	{ "cgroup_parent //", "[global]\ncgroup_parent = /a//b\n", 0,
	  NAME ":2: invalid value '/a//b' for 'cgroup_parent'" },
	{ "cgroup_parent trailing garbage", "[global]\ncgroup_parent = /paddock.slice x\n", 0,
	  NAME ":2: invalid value '/paddock.slice x' for 'cgroup_parent'" },
	{ "cgroup_parent with ';' glued", "[global]\ncgroup_parent = /paddock.slice;x\n", 0,
	  NAME ":2: invalid value '/paddock.slice;x' for 'cgroup_parent'" },

	/* shell */
	{ "shell relative", "[default]\nshell = bash\n", 0,
	  NAME ":2: invalid value 'bash' for 'shell': expected an absolute path without spaces" },
	{ "shell with a space", "[default]\nshell = /bin/ba sh\n", 0,
	  NAME ":2: invalid value '/bin/ba sh' for 'shell'" },
	{ "shell with a quote", "[default]\nshell = /bin/\"sh\"\n", 0,
	  NAME ":2: invalid value '/bin/\"sh\"' for 'shell'" },

	/* raw bytes */
	{ "NUL byte in the middle of a line", WITH_NUL("[default]\nmemory_max = 1\0G\n"),
	  NAME ":2: NUL byte in line" },
	{ "NUL byte in a comment", WITH_NUL("[default]\n\n; a\0b\nisolate = yes\n"),
	  NAME ":3: NUL byte in line" },
	{ "NUL byte at the end without newline", WITH_NUL("[default]\nisolate = yes\0"),
	  NAME ":2: NUL byte in line" },

	/* line numbers: comments, blank lines, CRLF, BOM */
	{ "line number after blank lines", "\n\n\n[default]\n\n\nfoo = 1\n", 0,
	  NAME ":7: unknown key 'foo' in [default]" },
	{ "line number with CRLF", "[default]\r\n\r\n; c\r\nfoo = 1\r\n", 0,
	  NAME ":4: unknown key 'foo' in [default]" },
	{ "line number with a BOM", "\xef\xbb\xbf[default]\nfoo = 1\n", 0,
	  NAME ":2: unknown key 'foo' in [default]" },
	{ "line number with BOM and CRLF", "\xef\xbb\xbf; c\r\n[default]\r\n\r\nfoo = 1\r\n", 0,
	  NAME ":4: unknown key 'foo' in [default]" },
	{ "a BOM is only allowed on line 1", "[default]\n\xef\xbb\xbfisolate = yes\n", 0,
	  NAME ":2: unknown key '\xef\xbb\xbfisolate' in [default]" },
	{ "last line without newline", "[default]\nisolate = yes\nfoo = 1", 0,
	  NAME ":3: unknown key 'foo' in [default]" },

	/* combinations (policy_check_consistent) */
	{ "network = loopback without net",
	  "[default]\nisolate = yes\nnamespaces = mount pid ipc uts\n", 0,
	  NAME
	  ":3: network = loopback goes with 'net' in namespaces, network = host without it "
	  "(network = loopback, the built-in default; namespaces = mount pid ipc uts from " NAME
	  ":3 [default])" },
	{ "network = host with net", "[default]\nnetwork = host\n", 0,
	  NAME ":2: network = loopback goes with 'net' in namespaces" },
	{ "the later of two lines is blamed",
	  "[default]\nnamespaces = mount pid ipc uts\n; a comment\nnetwork = loopback\n", 0,
	  NAME ":4: network = loopback goes with 'net' in namespaces" },
	{ "private_ipc without ipc", "[default]\nnamespaces = mount pid uts net\n", 0,
	  NAME ":2: private_ipc = yes needs 'ipc' in namespaces (private_ipc = yes, the built-in "
	       "default; namespaces = mount pid uts net from " NAME ":2 [default])" },
	{ "pid without mount", "[default]\nnamespaces = pid ipc uts net\n", 0,
	  NAME ":2: namespaces must include mount and pid: a paddock is a PID namespace whose "
	       "PID 1 is its holder, with its own /proc (namespaces = pid ipc uts net from " NAME
	       ":2 [default])" },
	{ "mount without pid", "[default]\n\nnamespaces = mount ipc uts net\n", 0,
	  NAME ":3: namespaces must include mount and pid" },
	{ "namespaces = none for an isolated user",
	  "[default]\nnetwork = host\nprivate_ipc = no\nnamespaces = none\n", 0,
	  NAME ":4: namespaces must include mount and pid" },
	{ "private_ipc = yes written after namespaces is blamed",
	  "[default]\nnamespaces = mount pid uts net\n\nprivate_ipc = yes\n", 0,
	  NAME ":4: private_ipc = yes needs 'ipc' in namespaces (private_ipc = yes from " NAME
	       ":4 [default]; namespaces = mount pid uts net from " NAME ":2 [default])" },
	{ "inconsistent [group:lab] names its line and section",
	  "[default]\nmemory_max = 1G\n\n[group:lab]\ncpu_weight = 10\nnetwork = host\n", 0,
	  NAME ":6: network = loopback goes with 'net' in namespaces",
	  "(for a user matched by [group:lab] at " NAME ":4)" },
	{ "inconsistent [user:bob2]",
	  "[user:bob]\nnamespaces = mount pid uts net\nprivate_ipc = no\n"
	  "[user:bob2]\nnamespaces = mount pid uts net\n",
	  0, NAME ":5: private_ipc = yes needs 'ipc' in namespaces",
	  "(for a user matched by [user:bob2] at " NAME ":4)" },
	{ "a repeated [user:bob]: the first of its sections is named",
	  "[user:bob]\nmemory_max = 1G\n[user:carol]\nmemory_max = 2G\n[user:bob]\nnetwork = "
	  "host\n",
	  0, NAME ":6: network = loopback goes with 'net' in namespaces",
	  "(for a user matched by [user:bob] at " NAME ":1)" },
	{ "a repeated [group:lab] after a good one: the first is named",
	  "[group:lab]\ncpu_weight = 5\n[group:lab]\nnamespaces = mount pid ipc uts\n", 0,
	  NAME ":4: network = loopback goes with 'net' in namespaces",
	  "(for a user matched by [group:lab] at " NAME ":1)" },
	{ "[user:root] isolate = yes is checked",
	  "[user:root]\nisolate = yes\nnamespaces = mount pid ipc uts\n", 0,
	  NAME ":3: network = loopback goes with 'net' in namespaces" },
	{ "isolate = yes in [group] re-enables the check",
	  "[default]\nisolate = no\nnamespaces = mount pid\nnetwork = host\nprivate_ipc = no\n"
	  "[group:g]\nisolate = yes\nnetwork = loopback\n",
	  0, NAME ":8: network = loopback goes with 'net' in namespaces" },
};

static void bad(const char *name, const char *text, size_t len, const char *error, const char *also)
{
	Policy *p;
	PolicyError e;
	int r = load_text(text, len ? len : strlen(text), &p, &e);
	bool ok = r == -EINVAL && !p && error_is(&e, error, also);

	if (!tap_ok(ok, "bad: %s", name)) {
		tap_diag("  got  %d '%s'", r, e.text);
		tap_diag("  want '%s'%s%s", error, also ? " ... " : "", also ? also : "");
	}
	policy_free(p);
}

/* Inputs too long to write out: lines, names and values at their limits. */
static void bad_generated(void)
{
	char *s, want[64];

	s = repeat("[default]\n;", 'x', 1024, "\n");
	bad("1025-byte comment line", s, 0, NAME ":2: line too long (more than 1024 bytes)", NULL);
	free(s);
	s = repeat("[default]\nmemory_max = 1G", ' ', 1025 - 15, "\n");
	bad("1025-byte setting line", s, 0, NAME ":2: line too long (more than 1024 bytes)", NULL);
	free(s);
	s = repeat("[default]\n;", 'x', 1023, "\r\n");
	bad("1024 bytes plus CR is 1025", s, 0, NAME ":2: line too long (more than 1024 bytes)",
	    NULL);
	free(s);
	s = repeat("[user:", 'a', 256, "]\n");
	bad("256-byte user name", s, 0, NAME ":1: unknown section [user:aaaa", NULL);
	free(s);
	s = repeat("[default]\nhostname = ", 'h', 128, "\n");
	bad("128-byte hostname template", s, 0, NAME ":2: invalid value 'hhhh", NULL);
	free(s);
	s = repeat("[default]\nshell = /", 's', 160, "\n");
	bad("161-byte shell path", s, 0, NAME ":2: value too long (more than 160 bytes)", NULL);
	free(s);
	s = repeat("[global]\ncgroup_parent = /", 'c', 160, "\n");
	bad("161-byte cgroup_parent", s, 0, NAME ":2: value too long (more than 160 bytes)", NULL);
	free(s);

	/* Exact line numbers after three maximal comment lines. */
	{
		char *c = repeat(";", 'c', 1023, "\n");
		size_t cl = strlen(c);

		s = malloc(3 * cl + 64);
		if (!s)
			abort();
		snprintf(s, 3 * cl + 64, "%s%s[default]\n%sfoo = 1\n", c, c, c);
		bad("line number after 1024-byte comment lines", s, 0,
		    NAME ":5: unknown key 'foo' in [default]", NULL);
		free(s);
		free(c);
	}

	/* A duplicate far into a large policy: found, with the first line. */
	{
		size_t cap = 2001 * 48, n = 0;

		s = malloc(cap);
		if (!s)
			abort();
		for (int i = 1; i <= 2000; i++)
			n += (size_t)snprintf(s + n, cap - n, "[user:u%d]\nmemory_max = %dM\n", i,
					      i + 100);
		n += (size_t)snprintf(s + n, cap - n, "[user:u1500]\nmemory_max = 9G\n");
		bad("a duplicate key in the 2001st section", s, n,
		    NAME
		    ":4002: duplicate key 'memory_max' in [user:u1500] (first set on line 3000)",
		    NULL);
		free(s);
	}
	/* Too many sections: 4097 headers. */
	{
		size_t cap = 4097 * 16 + 1, n = 0;

		s = malloc(cap);
		if (!s)
			abort();
		for (int i = 0; i < 4097; i++)
			n += (size_t)snprintf(s + n, cap - n, "[user:u%d]\n", i);
		bad("4097 sections", s, n, NAME ":4097: too many sections (at most 4096)", NULL);
		free(s);
	}
	/* Too many settings: 410 sections of 10 keys; entry 4097 is on line 4507. */
	{
		static const char *const keys[] = {
			"cpu_weight = 1",   "tasks_max = 5",	   "memory_max = 1G",
			"memory_high = 1G", "memory_swap_max = 0", "cpu_quota = 5%",
			"hostname = x",	    "kill_on_logout = no", "shell = /bin/sh",
			"tmp_size = 10%",
		};
		size_t cap = 410 * 256, n = 0;

		s = malloc(cap);
		if (!s)
			abort();
		for (int i = 0; i < 410; i++) {
			n += (size_t)snprintf(s + n, cap - n, "[user:u%d]\n", i);
			for (size_t k = 0; k < 10; k++)
				n += (size_t)snprintf(s + n, cap - n, "%s\n", keys[k]);
		}
		snprintf(want, sizeof(want), NAME ":%d: too many settings (at most 4096)",
			 11 * 409 + 8);
		bad("4097 settings", s, n, want, NULL);
		free(s);
	}
}

/* ------------------------------------------------------------------ */
/* good inputs: effective values and sources                           */

/* A prefix list as the policy writes it: "any", "none" or "A/L B/L". */
static void cidrs(const NetCidrList *l, char *buf, size_t len)
{
	size_t n = 0;

	if (l->any || l->n == 0) {
		snprintf(buf, len, "%s", l->any ? "any" : "none");
		return;
	}
	buf[0] = '\0';
	for (unsigned i = 0; i < l->n && n + 1 < len; i++) {
		if (i)
			buf[n++] = ' ';
		netaddr_format(&l->c[i], l->c[i].prefix != (l->c[i].family == AF_INET ? 32 : 128),
			       buf + n, len - n);
		n += strlen(buf + n);
	}
}

/* The canonical text of a key's effective value (what the tables compare). */
static void value_text(const char *key, const UserPolicy *up, const PolicyGlobal *g, char *buf,
		       size_t len)
{
	static const char *const managers[] = { "auto", "systemd", "cgroupfs" };
	static const char *const onerr[] = { "deny", "allow" };
	static const char *const audits[] = { "auto", "required", "off" };
	char sz[32];

#define YESNO(f) snprintf(buf, len, "%s", (f) ? "yes" : "no")
#define SIZE(f)	 snprintf(buf, len, "%s", units_format_size((f), sz, sizeof(sz)))
#define COUNT(f)                                                                                   \
	((f) == UNITS_MAX ? snprintf(buf, len, "max")                                              \
			  : snprintf(buf, len, "%llu", (unsigned long long)(f)))
	if (!strcmp(key, "cgroup_manager"))
		snprintf(buf, len, "%s", managers[g->cgroup_manager]);
	else if (!strcmp(key, "cgroup_parent"))
		snprintf(buf, len, "%s", g->cgroup_parent);
	else if (!strcmp(key, "on_error"))
		snprintf(buf, len, "%s", onerr[g->on_error]);
	else if (!strcmp(key, "audit"))
		snprintf(buf, len, "%s", audits[g->audit]);
	else if (!strcmp(key, "linger"))
		COUNT(g->linger);
	else if (!strcmp(key, "nat_pool"))
		netaddr_format(&g->nat_pool, true, buf, len);
	else if (!strcmp(key, "nat_pool6"))
		g->nat_pool6.family ? netaddr_format(&g->nat_pool6, true, buf, len)
				    : (void)snprintf(buf, len, "none");
	else if (!strcmp(key, "dns"))
		g->dns.auto_ ? (void)snprintf(buf, len, "auto") : cidrs(&g->dns.servers, buf, len);
	else if (!strcmp(key, "network_hook"))
		snprintf(buf, len, "%s", *g->network_hook ? g->network_hook : "none");
	else if (!strcmp(key, "egress_deny"))
		cidrs(&up->egress_deny, buf, len);
	else if (!strcmp(key, "egress_allow"))
		cidrs(&up->egress_allow, buf, len);
	else if (!strcmp(key, "host_access"))
		snprintf(buf, len, "%s", (const char *[]){ "none", "dns", "all" }[up->host_access]);
	else if (!strcmp(key, "isolate"))
		YESNO(up->isolate);
	else if (!strcmp(key, "namespaces")) {
		size_t n = 0;

		buf[0] = '\0';
		for (unsigned b = POLICY_NS_MOUNT; b <= POLICY_NS_NET; b <<= 1)
			if (up->namespaces & b)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
						      policy_ns_name(b));
		if (n == 0)
			snprintf(buf, len, "none");
	} else if (!strcmp(key, "memory_max"))
		SIZE(up->memory_max);
	else if (!strcmp(key, "memory_high"))
		SIZE(up->memory_high);
	else if (!strcmp(key, "memory_swap_max"))
		SIZE(up->memory_swap_max);
	else if (!strcmp(key, "cpu_quota"))
		up->cpu_quota == UNITS_MAX
			? snprintf(buf, len, "max")
			: snprintf(buf, len, "%llu%%", (unsigned long long)up->cpu_quota);
	else if (!strcmp(key, "cpu_weight"))
		COUNT(up->cpu_weight);
	else if (!strcmp(key, "tasks_max"))
		COUNT(up->tasks_max);
	else if (!strcmp(key, "hostname"))
		snprintf(buf, len, "%s", up->hostname);
	else if (!strcmp(key, "network"))
		snprintf(buf, len, "%s",
			 up->network == NETWORK_HOST  ? "host"
			 : up->network == NETWORK_NAT ? "nat"
						      : "loopback");
	else if (!strcmp(key, "private_tmp"))
		YESNO(up->private_tmp);
	else if (!strcmp(key, "private_ipc"))
		YESNO(up->private_ipc);
	else if (!strcmp(key, "tmp_size"))
		up->tmp_size.percent
			? snprintf(buf, len, "%llu%%", (unsigned long long)up->tmp_size.value)
			: SIZE(up->tmp_size.value);
	else if (!strcmp(key, "kill_on_logout"))
		YESNO(up->kill_on_logout);
	else if (!strcmp(key, "shell"))
		snprintf(buf, len, "%s", up->shell);
	else if (!strcmp(key, "user_namespaces"))
		snprintf(buf, len, "%s", up->user_namespaces == USERNS_DENY ? "deny" : "allow");
	else if (!strcmp(key, "tmp_bytes")) /* policy_tmp_bytes() with 8G of RAM */
		SIZE(policy_tmp_bytes(up, 8 * GIB));
	else
		snprintf(buf, len, "?unknown key %s", key);
#undef YESNO
#undef SIZE
#undef COUNT
}

static int key_index(const char *key)
{
	for (size_t i = 0; i < policy_key_count(); i++)
		if (!strcmp(policy_key_info(i)->name, key))
			return (int)i;
	return -1;
}

/* A source as the tables write it: "builtin", "rule" or "FILE:LINE[SECTION]" (basename). */
static void source_text(const PolicySource *s, char *buf, size_t len)
{
	const char *base;

	if (!s->file) {
		snprintf(buf, len, "%s", s->section ? "rule" : "builtin");
		return;
	}
	base = strrchr(s->file, '/');
	snprintf(buf, len, "%s:%u[%s]", base ? base + 1 : s->file, s->line, s->section);
}

/*
 * Check expect, '|'-separated tokens "key=value" (effective value) and
 * "key@source" (where it came from), against a loaded policy for who; the
 * token "others@builtin" says every key without a "key@" token is built-in.
 * Returns true when all match; reports each mismatch as a diagnostic.
 */
static bool expect_policy(const Policy *p, const PolicyIdentity *who, const char *expect)
{
	PolicySource usrc[64], gsrc[64];
	PolicyError e = { { 0 } };
	PolicyGlobal g;
	UserPolicy up;
	char *copy = strdup(expect), *save = NULL;
	bool ok = true, seen[64] = { false }, others = false;
	int r;

	if (!copy)
		abort();
	memset(usrc, 0, sizeof(usrc));
	r = policy_resolve(p, who, &up, usrc, &e);
	if (r < 0) {
		tap_diag("  policy_resolve: %d %s", r, e.text);
		free(copy);
		return false;
	}
	policy_global(p, &g, gsrc);
	for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		char key[64], got[512];
		const char *want;
		size_t kl = strcspn(t, "=@");
		int k;

		snprintf(key, sizeof(key), "%.*s", (int)kl, t);
		want = t + kl + 1;
		if (!strcmp(t, "others@builtin")) {
			others = true;
			continue;
		}
		if (t[kl] == '=') {
			value_text(key, &up, &g, got, sizeof(got));
		} else {
			k = key_index(key);
			if (k < 0) {
				snprintf(got, sizeof(got), "?no key %s", key);
			} else {
				const PolicySource *s =
					policy_key_info((size_t)k)->global ? &gsrc[k] : &usrc[k];
				source_text(s, got, sizeof(got));
				seen[k] = true;
			}
		}
		if (strcmp(got, want) != 0) {
			tap_diag("  %s: got '%s', want '%s'", key, got, want);
			ok = false;
		}
	}
	for (size_t k = 0; others && k < policy_key_count(); k++) {
		const PolicyKeyInfo *ki = policy_key_info(k);
		char got[512];

		if (seen[k])
			continue;
		source_text(ki->global ? &gsrc[k] : &usrc[k], got, sizeof(got));
		if (strcmp(got, "builtin") != 0) {
			tap_diag("  %s: got source '%s', want builtin", ki->name, got);
			ok = false;
		}
	}
	free(copy);
	return ok;
}

/* Split a comma-separated group list into who (static storage, one at a time). */
static void make_identity(PolicyIdentity *who, const char *user, uid_t uid, const char *groups)
{
	static char buf[512];
	static const char *list[16];
	size_t n = 0;
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", groups ? groups : "");
	for (char *g = strtok_r(buf, ",", &save); g && n < 16; g = strtok_r(NULL, ",", &save))
		list[n++] = g;
	*who = (PolicyIdentity){ .user = user, .uid = uid, .groups = list, .n_groups = n };
}

typedef struct DropIn {
	const char *name; /* file name in paddock.d */
	const char *text;
} DropIn;

typedef struct GoodCase {
	const char *name;
	const char *text;      /* the policy (the main file when dropins is set) */
	const DropIn *dropins; /* NULL: policy_load_buffer; else files and policy_load */
	const char *user;
	uid_t uid;
	const char *groups; /* comma-separated */
	const char *expect;
} GoodCase;

static const char LAB[] = "; teaching lab\n"
			  "[global]\n"
			  "linger = 30\n"
			  "\n"
			  "[default]\n"	       /* 5 */
			  "memory_max = 2G\n"  /* 6 */
			  "cpu_quota = 100%\n" /* 7 */
			  "cpu_weight = 200\n" /* 8 */
			  "\n"
			  "[group:students]\n" /* 10 */
			  "memory_max = 1G\n"  /* 11 */
			  "cpu_quota = 50%\n"  /* 12 */
			  "tasks_max = 100\n"  /* 13 */
			  "\n"
			  "[user:alice]\n"     /* 15 */
			  "memory_max = 8G\n"; /* 16 */

static const char GROUPS[] = "[group:a]\n"	 /* 1 */
			     "memory_max = 1G\n" /* 2 */
			     "cpu_quota = 10%\n" /* 3 */
			     "[group:b]\n"	 /* 4 */
			     "memory_max = 3G\n" /* 5 */
			     "[group:c]\n"	 /* 6 */
			     "tasks_max = 7\n"	 /* 7 */
			     "[group:a]\n"	 /* 8: a again, later */
			     "cpu_weight = 9\n"; /* 9 */

static const char GROUPS_REV[] = "[group:b]\n"	      /* 1 */
				 "memory_max = 3G\n"  /* 2 */
				 "[group:a]\n"	      /* 3 */
				 "memory_max = 1G\n"  /* 4 */
				 "cpu_quota = 10%\n"; /* 5 */

static const char USERNS[] = "[default]\n"
			     "user_namespaces = deny\n" /* 2 */
			     "[group:hpc]\n"
			     "user_namespaces = allow\n" /* 4 */
			     "[user:solo]\n"
			     "user_namespaces = deny\n"; /* 6 */

static const char ROOTY[] = "[default]\n"
			    "isolate = yes\n"	/* 2 */
			    "memory_max = 4G\n" /* 3 */
			    "[group:wheel]\n"
			    "isolate = yes\n"; /* 5 */

static const char SIZES[] = "[default]\n"
			    "memory_max = 512M\n"
			    "memory_high = 1536M\n"
			    "memory_swap_max = 1T\n"
			    "tasks_max = max\n"
			    "cpu_quota = max\n"
			    "tmp_size = 50%\n"
			    "[user:k]\n"
			    "memory_max = 1048576\n"
			    "memory_high = 2GiB\n"
			    "memory_swap_max = 3gb\n"
			    "tmp_size = 64M\n"
			    "cpu_quota = 250%\n"
			    "tasks_max = 4194304\n"
			    "cpu_weight = 10000\n"
			    "[user:m]\n"
			    "memory_max = max\n"
			    "memory_swap_max = 0\n"
			    "tmp_size = 25%\n"
			    "cpu_quota = 1%\n"
			    "tasks_max = 1\n"
			    "cpu_weight = 1\n"
			    "[user:t]\n"
			    "memory_max = 16777215T\n"
			    "memory_high = 1024K\n"
			    "tmp_size = 100%\n";

static const char COMMENTS[] = "# hash comment\n"
			       "  ; indented comment\n"
			       "\t[default]   ; comment after a header\n" /* 3 */
			       "memory_max=1G ; inline ';'\n"		  /* 4 */
			       "cpu_weight=7\t# inline '#' after a tab\n" /* 5 */
			       "   tasks_max   =   64   \n"		  /* 6 */
			       "hostname=%U.%h # comment\n"		  /* 7 */
			       "shell=/usr/bin/zsh#x\n"			  /* 8 */
			       "kill_on_logout = No\n"			  /* 9 */
			       "private_tmp = TRUE\n"			  /* 10 */
			       "[user:n]\n"
			       "isolate = off\n";

static const char CRLF_BOM[] = "\xef\xbb\xbf; policy with a BOM and CRLF\r\n"
			       "[global]\r\n"
			       "cgroup_manager = cgroupfs\r\n" /* 3 */
			       "\r\n"
			       "[default]\r\n"
			       "memory_max = 3G\r\n"			/* 6 */
			       "namespaces = mount pid ipc uts net\r\n" /* 7 */
			       "[user:crlf]\r\n"
			       "cpu_quota = 150%\r\n"; /* 9 */

static const char NAT[] = "[global]\nnat_pool = 172.30.0.0/16\nnat_pool6 = fd42:7:7::/48\n"
			  "dns = 192.0.2.53 2001:db8::53\n[default]\nnetwork = nat\n"
			  "egress_deny = 169.254.0.0/16 10.0.0.0/8 fd00::/8\n"
			  "egress_allow = 192.0.2.0/24 2001:db8::/32\nhost_access = none\n"
			  "[global]\nnetwork_hook = /usr/local/sbin/hook\n";

static const char GLOBAL[] = "[global]\n"
			     "cgroup_manager = cgroupfs\n"		/* 2 */
			     "cgroup_parent = /lab.slice/paddock-1_x\n" /* 3 */
			     "on_error = allow\n"			/* 4 */
			     "audit = off\n"				/* 5 */
			     "linger = 86400\n"				/* 6 */
			     "[default]\n"
			     "memory_max = 1G\n"
			     "[user:g]\n"
			     "memory_max = 2G\n";

static const char NO_NS[] = "[default]\n"
			    "namespaces = mount pid\n"
			    "network = host\n"
			    "private_tmp = no\n"
			    "private_ipc = no\n"
			    "[user:hostnet]\n"
			    "namespaces = mount pid uts\n"
			    "[user:notisolated]\n"
			    "isolate = no\n"
			    "namespaces = none\n" /* inconsistent, but not isolated */
			    "network = loopback\n";

static const char OPT_IN[] = "[default]\n"
			     "isolate = no\n" /* 2 */
			     "[group:lab]\n"
			     "isolate = yes\n" /* 4 */
			     "[user:guest]\n"
			     "isolate = 1\n"; /* 6 */

static const DropIn DROP_KEYS[] = {
	{ "10-memory.conf", "[default]\nmemory_max = 4G\n" },
	{ "20-cpu.conf", "; cpu\n[default]\ncpu_quota = 200%\nmemory_high = 3G\n" },
	{ NULL, NULL },
};

static const DropIn DROP_HPC[] = {
	{ "50-hpc.conf", "; loosen limits for hpc\n"
			 "[group:hpc]\n"
			 "memory_max = 64G\n" /* 3 */
			 "tasks_max = max\n"  /* 4 */
			 "[group:students]\n"
			 "cpu_quota = 25%\n" /* 6 */ },
	{ NULL, NULL },
};

static const DropIn DROP_LEXICAL[] = {
	{ "a.conf", "[default]\ncpu_weight = 3\n" },
	{ "10-x.conf", "[default]\ncpu_weight = 1\ntasks_max = 10\n" },
	{ "9-y.conf", "[default]\ncpu_weight = 2\ntasks_max = 20\nmemory_max = 5G\n" },
	{ NULL, NULL },
};

static const DropIn DROP_IGNORED[] = {
	{ ".hidden.conf", "garbage\n" },
	{ "README", "garbage\n" },
	{ "old.conf.bak", "garbage\n" },
	{ "old.conf~", "garbage\n" },
	{ "conf", "garbage\n" },
	{ "x.CONF", "garbage\n" },
	{ "ok.conf", "[default]\ncpu_weight = 42\n" },
	{ NULL, NULL },
};

static const DropIn DROP_SAME_KEY[] = {
	{ "00-same.conf", "[default]\nmemory_max = 1G\n[default]\n" },
	{ "01-same.conf", "[default]\nmemory_max = 5G\n" },
	{ NULL, NULL },
};

static const DropIn DROP_NONE[] = { { NULL, NULL } };

static const GoodCase good_cases[] = {
	{ "empty policy: built-in defaults", "", NULL, "alice", 1000, "users",
	  "isolate=yes|isolate@builtin|namespaces=mount pid ipc uts net|memory_max=2G|"
	  "memory_high=max|memory_swap_max=0|cpu_quota=100%|cpu_weight=100|tasks_max=512|"
	  "hostname=%u-%h|network=loopback|private_tmp=yes|private_ipc=yes|tmp_size=25%|"
	  "kill_on_logout=yes|shell=/bin/"
	  "bash|user_namespaces=allow|tmp_bytes=512M|memory_max@builtin|"
	  "cgroup_manager=auto|cgroup_parent=/paddock.slice|on_error=deny|audit=auto|linger=0|"
	  "others@builtin" },
	{ "empty policy: root exempt by the built-in rule", "", NULL, "root", 0, "root",
	  "isolate=no|isolate@rule|memory_max=2G|memory_max@builtin" },
	{ "user beats group beats default beats built-in", LAB, NULL, "alice", 1001,
	  "users,students",
	  "memory_max=8G|memory_max@t.conf:16[user:alice]|cpu_quota=50%|"
	  "cpu_quota@t.conf:12[group:students]|cpu_weight=200|cpu_weight@t.conf:8[default]|"
	  "tasks_max=100|tasks_max@t.conf:13[group:students]|hostname=%u-%h|hostname@builtin|"
	  "linger=30|linger@t.conf:3[global]|others@builtin" },
	{ "group member without a user section", LAB, NULL, "bob", 1002, "students",
	  "memory_max=1G|memory_max@t.conf:11[group:students]|cpu_quota=50%|tasks_max=100" },
	{ "no matching section: [default]", LAB, NULL, "carol", 1003, "staff,users",
	  "memory_max=2G|memory_max@t.conf:6[default]|cpu_quota=100%|tasks_max=512|"
	  "tasks_max@builtin" },
	{ "user section only for its user", LAB, NULL, "alice2", 1004, "",
	  "memory_max=2G|memory_max@t.conf:6[default]" },
	{ "several groups: last in file wins, key by key", GROUPS, NULL, "dave", 1005, "b,a,c",
	  "memory_max=3G|memory_max@t.conf:5[group:b]|cpu_quota=10%|"
	  "cpu_quota@t.conf:3[group:a]|tasks_max=7|tasks_max@t.conf:7[group:c]|cpu_weight=9|"
	  "cpu_weight@t.conf:9[group:a]" },
	{ "several groups: file order, not group-list order", GROUPS_REV, NULL, "erin", 1006, "b,a",
	  "memory_max=1G|memory_max@t.conf:4[group:a]|cpu_quota=10%" },
	{ "several groups: only one matches", GROUPS_REV, NULL, "fred", 1007, "b",
	  "memory_max=3G|memory_max@t.conf:2[group:b]|cpu_quota=100%|cpu_quota@builtin" },
	{ "user_namespaces from [default]", USERNS, NULL, "p", 1040, "users",
	  "user_namespaces=deny|user_namespaces@t.conf:2[default]" },
	{ "user_namespaces from a group", USERNS, NULL, "q", 1041, "hpc",
	  "user_namespaces=allow|user_namespaces@t.conf:4[group:hpc]" },
	{ "user_namespaces: the user's section beats the group's", USERNS, NULL, "solo", 1042,
	  "hpc", "user_namespaces=deny|user_namespaces@t.conf:6[user:solo]" },
	{ "[default] isolate = yes does not isolate root", ROOTY, NULL, "root", 0, "root",
	  "isolate=no|isolate@rule|memory_max=4G|memory_max@t.conf:3[default]" },
	{ "[group:wheel] isolate = yes does not isolate root", ROOTY, NULL, "root", 0, "root,wheel",
	  "isolate=no|isolate@rule" },
	{ "[group:wheel] isolate = yes isolates others", ROOTY, NULL, "gina", 1008, "wheel",
	  "isolate=yes|isolate@t.conf:5[group:wheel]" },
	{ "[user:root] isolate = yes isolates root",
	  "[default]\nisolate = no\n[user:root]\nisolate = yes\n", NULL, "root", 0, "root",
	  "isolate=yes|isolate@t.conf:4[user:root]" },
	{ "[user:root] isolate = no", "[user:root]\nisolate = no\n", NULL, "root", 0, "",
	  "isolate=no|isolate@t.conf:2[user:root]" },
	{ "root exemption goes by uid, not name", "[default]\nisolate = yes\n", NULL, "toor", 0, "",
	  "isolate=no|isolate@rule" },
	{ "sizes in [default]", SIZES, NULL, "j", 1009, "",
	  "memory_max=512M|memory_high=1536M|memory_swap_max=1T|tasks_max=max|cpu_quota=max|"
	  "tmp_size=50%|tmp_bytes=256M" },
	{ "sizes: bytes, GiB, gb, absolute tmp_size", SIZES, NULL, "k", 1010, "",
	  "memory_max=1M|memory_high=2G|memory_swap_max=3G|tmp_size=64M|tmp_bytes=64M|"
	  "cpu_quota=250%|tasks_max=4194304|cpu_weight=10000" },
	{ "sizes: max and the low ends", SIZES, NULL, "m", 1011, "",
	  "memory_max=max|memory_swap_max=0|tmp_size=25%|tmp_bytes=2G|cpu_quota=1%|"
	  "tasks_max=1|cpu_weight=1|memory_high=1536M|memory_high@t.conf:3[default]" },
	{ "sizes: the high ends", SIZES, NULL, "t", 1012, "",
	  "memory_max=16777215T|memory_high=1M|tmp_size=100%|tmp_bytes=16777215T" },
	{ "comments, no spaces, case of booleans", COMMENTS, NULL, "o", 1013, "",
	  "memory_max=1G|memory_max@t.conf:4[default]|cpu_weight=7|cpu_weight@t.conf:5[default]|"
	  "tasks_max=64|tasks_max@t.conf:6[default]|hostname=%U.%h|hostname@t.conf:7[default]|"
	  "shell=/usr/bin/zsh#x|kill_on_logout=no|private_tmp=yes" },
	{ "comments: boolean off", COMMENTS, NULL, "n", 1032, "", "isolate=no|memory_max=1G" },
	{ "CRLF and BOM", CRLF_BOM, NULL, "crlf", 1014, "",
	  "cgroup_manager=cgroupfs|cgroup_manager@t.conf:3[global]|memory_max=3G|"
	  "memory_max@t.conf:6[default]|cpu_quota=150%|cpu_quota@t.conf:9[user:crlf]|"
	  "namespaces=mount pid ipc uts net" },
	{ "network = nat and its keys", NAT, NULL, "n", 1030, "",
	  "network=nat|network@t.conf:6[default]|nat_pool=172.30.0.0/16|"
	  "nat_pool@t.conf:2[global]|nat_pool6=fd42:7:7::/48|dns=192.0.2.53 2001:db8::53|"
	  "network_hook=/usr/local/sbin/hook|egress_deny=169.254.0.0/16 10.0.0.0/8 fd00::/8|"
	  "egress_allow=192.0.2.0/24 2001:db8::/32|host_access=none" },
	{ "network = nat: the built-in defaults", "[default]\nnetwork = nat\n", NULL, "m", 1031, "",
	  "network=nat|nat_pool=10.200.0.0/16|nat_pool6=none|dns=auto|network_hook=none|"
	  "egress_deny=169.254.0.0/16 100.100.100.200 fd00:ec2::254 "
	  "fd20:ce::254|egress_allow=any|host_access=dns|"
	  "egress_deny@builtin" },
	{ "nat keys set to none",
	  "[global]\nnat_pool6 = none\nnetwork_hook = none\n"
	  "[default]\nnetwork = nat\negress_deny = none\n",
	  NULL, "o", 1032, "",
	  "nat_pool6=none|network_hook=none|egress_deny=none|egress_allow=any" },
	{ "[global] values and sources", GLOBAL, NULL, "g", 1015, "",
	  "cgroup_manager=cgroupfs|cgroup_manager@t.conf:2[global]|"
	  "cgroup_parent=/lab.slice/paddock-1_x|cgroup_parent@t.conf:3[global]|on_error=allow|"
	  "on_error@t.conf:4[global]|audit=off|audit@t.conf:5[global]|linger=86400|"
	  "linger@t.conf:6[global]|memory_max=2G" },
	{ "same key in different sections", GLOBAL, NULL, "h", 1016, "",
	  "memory_max=1G|memory_max@t.conf:8[default]" },
	{ "namespaces = mount pid with network = host", NO_NS, NULL, "p", 1017, "",
	  "namespaces=mount pid|network=host|private_tmp=no|private_ipc=no" },
	{ "namespaces = mount pid uts", NO_NS, NULL, "hostnet", 1018, "",
	  "namespaces=mount pid uts|network=host" },
	{ "a user who is not isolated is not checked", NO_NS, NULL, "notisolated", 1019, "",
	  "isolate=no|namespaces=none|network=loopback" },
	{ "opt-in by group", OPT_IN, NULL, "q", 1020, "lab",
	  "isolate=yes|isolate@t.conf:4[group:lab]" },
	{ "opt-in: others left alone", OPT_IN, NULL, "r", 1021, "staff",
	  "isolate=no|isolate@t.conf:2[default]" },
	{ "opt-in by user, boolean 1", OPT_IN, NULL, "guest", 1022, "",
	  "isolate=yes|isolate@t.conf:6[user:guest]" },
	{ "shipped-style policy with a later [user:root]",
	  "[default]\nisolate = yes\n[user:root]\nisolate = no\n", NULL, "s", 1023, "",
	  "isolate=yes|isolate@t.conf:2[default]" },

	/* several files */
	{ "drop-ins override the main file key by key",
	  "[default]\nmemory_max = 2G\ncpu_quota = 100%\ntasks_max = 64\n", DROP_KEYS, "u", 1024,
	  "",
	  "memory_max=4G|memory_max@10-memory.conf:2[default]|cpu_quota=200%|"
	  "cpu_quota@20-cpu.conf:3[default]|memory_high=3G|memory_high@20-cpu.conf:4[default]|"
	  "tasks_max=64|tasks_max@paddock.conf:4[default]|others@builtin" },
	{ "a drop-in loosens limits for one group",
	  "[default]\nmemory_max = 2G\ntasks_max = 512\n[group:hpc]\nmemory_max = 16G\n"
	  "cpu_quota = 800%\n[group:students]\nmemory_max = 1G\ncpu_quota = 50%\n",
	  DROP_HPC, "v", 1025, "hpc",
	  "memory_max=64G|memory_max@50-hpc.conf:3[group:hpc]|tasks_max=max|"
	  "tasks_max@50-hpc.conf:4[group:hpc]|cpu_quota=800%|cpu_quota@paddock.conf:6[group:hpc]" },
	{ "a group in a later file beats an earlier group",
	  "[default]\nmemory_max = 2G\ntasks_max = 512\n[group:hpc]\nmemory_max = 16G\n"
	  "cpu_quota = 800%\n[group:students]\nmemory_max = 1G\ncpu_quota = 50%\n",
	  DROP_HPC, "w", 1026, "students,hpc",
	  "memory_max=64G|memory_max@50-hpc.conf:3[group:hpc]|cpu_quota=25%|"
	  "cpu_quota@50-hpc.conf:6[group:students]" },
	{ "group sections in the main file only", "[group:students]\nmemory_max = 1G\n", DROP_HPC,
	  "x", 1027, "students",
	  "memory_max=1G|memory_max@paddock.conf:2[group:students]|cpu_quota=25%" },
	{ "drop-ins in strcmp order (10-x, 9-y, a)", "[default]\ncpu_weight = 100\n", DROP_LEXICAL,
	  "y", 1028, "",
	  "cpu_weight=3|cpu_weight@a.conf:2[default]|tasks_max=20|tasks_max@9-y.conf:3[default]|"
	  "memory_max=5G|memory_max@9-y.conf:4[default]" },
	{ "only *.conf is read, dotfiles skipped", "[default]\ncpu_weight = 100\n", DROP_IGNORED,
	  "z", 1029, "", "cpu_weight=42|cpu_weight@ok.conf:2[default]" },
	{ "the same key in several files is no duplicate", "[default]\nmemory_max = 2G\n",
	  DROP_SAME_KEY, "aa", 1030, "", "memory_max=5G|memory_max@01-same.conf:2[default]" },
	{ "empty paddock.d", "[default]\nmemory_max = 3G\n", DROP_NONE, "ab", 1031, "",
	  "memory_max=3G|memory_max@paddock.conf:2[default]" },
};

/* A temp dir (mode 0700) for file tests, removed at exit. */
/* A fresh, empty directory under tmpdir for one case; returns its path. */
static const char *case_dir(void)
{
	static char dir[PATH_MAX];
	static int n;

	snprintf(dir, sizeof(dir), "%s/case%d", tmpdir, ++n);
	if (mkdir(dir, 0755) < 0)
		abort();
	return dir;
}

/* Write dir/rel with text and mode (root-owned as we run as root). */
static void write_file(const char *dir, const char *rel, const char *text, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0 ||
	    close(fd) < 0) {
		tap_diag("cannot write %s: %s", path, strerror(errno));
		abort();
	}
}

/* dir/paddock.conf, and dir/paddock.d with the drop-ins (NULL: no paddock.d). */
static void write_policy(const char *dir, const char *main_text, const DropIn *dropins)
{
	char d[PATH_MAX];

	write_file(dir, "paddock.conf", main_text, strlen(main_text), 0644);
	if (!dropins)
		return;
	snprintf(d, sizeof(d), "%s/paddock.d", dir);
	if (mkdir(d, 0755) < 0)
		abort();
	for (const DropIn *f = dropins; f->name; f++) {
		char rel[PATH_MAX];

		snprintf(rel, sizeof(rel), "paddock.d/%s", f->name);
		write_file(dir, rel, f->text, strlen(f->text), 0644);
	}
}

static void good(const GoodCase *c)
{
	PolicyIdentity who;
	PolicyError e = { { 0 } };
	Policy *p = NULL;
	char path[PATH_MAX];
	int r;

	if (c->dropins && geteuid() != 0) {
		tap_skip("good: %s (needs root: policy files must be root-owned)", c->name);
		return;
	}
	if (c->dropins) {
		const char *dir = case_dir();

		write_policy(dir, c->text, c->dropins);
		snprintf(path, sizeof(path), "%s/paddock.conf", dir);
		r = policy_load(path, &p, &e);
	} else {
		r = load_text(c->text, strlen(c->text), &p, &e);
	}
	if (r < 0) {
		tap_ok(0, "good: %s", c->name);
		tap_diag("  load: %d %s", r, e.text);
		return;
	}
	make_identity(&who, c->user, c->uid, c->groups);
	tap_ok(expect_policy(p, &who, c->expect), "good: %s", c->name);
	policy_free(p);
}

/*
 * The PAM module looks groups up only when policy_uses_groups() says a
 * [group:NAME] setting exists; a policy that has one and an identity
 * without groups must be refused, never resolved as if no group matched.
 */
static void groups_tests(void)
{
	static const char empty_group[] = "[default]\nmemory_max = 2G\n[group:a]\n";
	static const char shipped_like[] = "[global]\nlinger = 0\n[default]\nmemory_max = 2G\n"
					   "[user:root]\nisolate = no\n";
	PolicyIdentity who = { .user = "gen", .uid = 2000, .groups_unknown = true };
	PolicyError e;
	UserPolicy up;
	Policy *p;
	int r;

	r = load_text(shipped_like, strlen(shipped_like), &p, &e);
	tap_ok(r == 0 && !policy_uses_groups(p), "groups: no [group:] section: groups not needed");
	tap_ok(r == 0 && policy_resolve(p, &who, &up, NULL, &e) == 0 &&
		       up.memory_max == (UINT64_C(2) << 30),
	       "groups: ... resolved without them");
	policy_free(p);

	r = load_text(GROUPS, strlen(GROUPS), &p, &e);
	tap_ok(r == 0 && policy_uses_groups(p), "groups: [group:a] settings: groups needed");
	memset(&e, 0, sizeof(e));
	r = r == 0 ? policy_resolve(p, &who, &up, NULL, &e) : 0;
	tap_ok(r == -EINVAL && strstr(e.text, "groups of user gen were not looked up"),
	       "groups: ... an identity without groups is refused (%s)", e.text);
	policy_free(p);

	r = load_text(empty_group, strlen(empty_group), &p, &e);
	tap_ok(r == 0 && !policy_uses_groups(p),
	       "groups: an empty [group:a] section sets nothing: groups not needed");
	policy_free(p);
}

/* paddock check --system compares nat_pool with the host only when some
 * section sets network = nat: policy_uses_nat(). */
static void uses_nat_tests(void)
{
	static const char none[] =
		"[global]\nnat_pool = 10.9.0.0/16\n[default]\nnetwork = loopback\n";
	static const char one[] = "[default]\nnetwork = loopback\n[user:bob]\nnetwork = nat\n";
	PolicyError e;
	Policy *p;
	int r;

	r = load_text(none, strlen(none), &p, &e);
	tap_ok(r == 0 && !policy_uses_nat(p), "uses_nat: nat_pool set, no network = nat: unused");
	policy_free(p);
	r = load_text(one, strlen(one), &p, &e);
	tap_ok(r == 0 && policy_uses_nat(p), "uses_nat: network = nat in [user:bob]: used");
	policy_free(p);
}

/* Good inputs at the limits, generated: "{}" in expect stands for the run of c. */
static void good_generated(void)
{
	static const struct {
		const char *name, *prefix;
		char c;
		size_t n;
		const char *suffix, *expect;
	} rows[] = {
		{ "1024-byte comment line", "[default]\n;", 'x', 1023, "\nmemory_max = 3G\n",
		  "memory_max=3G|memory_max@t.conf:3[default]" },
		{ "1024-byte setting line (spaces before '=')", "[default]\nnamespaces", ' ',
		  1024 - 10 - 23, "= mount pid ipc uts net\n\ncpu_weight = 9\n",
		  "namespaces=mount pid ipc uts net|cpu_weight=9|cpu_weight@t.conf:4[default]" },
		{ "1024-byte setting line (trailing comment)", "[default]\nmemory_max = 1G ;", '-',
		  1024 - 17, "\n", "memory_max=1G|memory_max@t.conf:2[default]" },
		{ "1023 bytes plus CR", "[default]\r\n;", 'x', 1022, "\r\ntasks_max = 3\r\n",
		  "tasks_max=3|tasks_max@t.conf:3[default]" },
		{ "255-byte group name", "[group:", 'g', 255, "]\ncpu_weight = 5\n",
		  "cpu_weight=5|cpu_weight@t.conf:2[group:{}]" },
		{ "160-byte shell path", "[default]\nshell = /", 's', 159, "\n", "shell=/{}" },
		{ "127-byte hostname template", "[default]\nhostname = ", 'h', 127, "\n",
		  "hostname={}" },
		{ "160-byte cgroup_parent", "[global]\ncgroup_parent = /", 'c', 159, "\n",
		  "cgroup_parent=/{}" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = repeat(rows[i].prefix, rows[i].c, rows[i].n, rows[i].suffix);
		char *run = repeat("", rows[i].c, rows[i].n, "");
		const char *mark = strstr(rows[i].expect, "{}");
		bool group = strstr(rows[i].prefix, "[group:") != NULL;
		PolicyIdentity who;
		PolicyError e;
		Policy *p;
		char *want;
		int r = load_text(s, strlen(s), &p, &e);
		bool ok = r == 0;

		if (mark) {
			if (asprintf(&want, "%.*s%s%s", (int)(mark - rows[i].expect),
				     rows[i].expect, run, mark + 2) < 0)
				abort();
		} else if (!(want = strdup(rows[i].expect))) {
			abort();
		}
		if (!ok)
			tap_diag("  load: %d %s", r, e.text);
		make_identity(&who, "gen", 2000, group ? run : "");
		if (ok)
			ok = expect_policy(p, &who, want);
		tap_ok(ok, "good: %s", rows[i].name);
		policy_free(p);
		free(want);
		free(run);
		free(s);
	}
}

/* Several files that must be refused: the error names the drop-in and line. */
typedef struct BadFiles {
	const char *name;
	const char *main_text;
	const DropIn *dropins;
	const char *error; /* after "<case dir>/" */
	const char *also;
} BadFiles;

static const DropIn DROP_DUP[] = {
	{ "10-ok.conf", "[default]\nmemory_max = 1G\n" },
	{ "20-dup.conf", "; dup\n[group:g]\ncpu_weight = 1\n\ncpu_weight = 2\n" },
	{ NULL, NULL },
};
static const DropIn DROP_NO_NET[] = {
	{ "10-no-net.conf", "[default]\nnamespaces = mount pid ipc uts\n" },
	{ NULL, NULL },
};
static const DropIn DROP_GROUP_HOST[] = {
	{ "30-g.conf", "\n\n[group:g]\nnetwork = host\n" },
	{ NULL, NULL },
};
static const DropIn DROP_BAD_UNIT[] = {
	{ "a.conf", "[default]\n" },
	{ "b.conf", "[default]\r\nmemory_max = 2X\r\n" },
	{ NULL, NULL },
};

static const BadFiles bad_files[] = {
	{ "duplicate key inside one drop-in", "[default]\n", DROP_DUP,
	  "paddock.d/20-dup.conf:5: duplicate key 'cpu_weight' in [group:g] (first set on line "
	  "3)" },
	{ "error in a drop-in names it", "[default]\n", DROP_BAD_UNIT,
	  "paddock.d/b.conf:2: invalid value '2X' for 'memory_max'" },
	{ "inconsistency made by a drop-in points at it",
	  "[default]\n;\n;\n;\n;\n;\n;\n;\n;\nnetwork = loopback\n", DROP_NO_NET,
	  "paddock.d/10-no-net.conf:2: network = loopback goes with 'net' in namespaces" },
	{ "inconsistency: [group] in a drop-in, [default] in the main file",
	  "[default]\n\n\n\n\n\n\n\nnamespaces = mount pid ipc uts net\n", DROP_GROUP_HOST,
	  "paddock.d/30-g.conf:4: network = loopback goes with 'net' in namespaces",
	  "(for a user matched by [group:g] at " },
	{ "error in the main file, drop-ins not needed", "[default]\n\n\nfoo = 1\n", DROP_KEYS,
	  "paddock.conf:4: unknown key 'foo' in [default]" },
};

static void bad_file_case(const BadFiles *c)
{
	char path[PATH_MAX], want[PATH_MAX + 256];
	PolicyError e = { { 0 } };
	Policy *p = NULL;
	const char *dir;
	int r;

	if (geteuid() != 0) {
		tap_skip("bad: %s (needs root)", c->name);
		return;
	}
	dir = case_dir();
	write_policy(dir, c->main_text, c->dropins);
	snprintf(path, sizeof(path), "%s/paddock.conf", dir);
	snprintf(want, sizeof(want), "%s/%s", dir, c->error);
	r = policy_load(path, &p, &e);
	if (!tap_ok(r == -EINVAL && !p && error_is(&e, want, c->also), "bad: %s", c->name)) {
		tap_diag("  got  %d '%s'", r, e.text);
		tap_diag("  want '%s'", want);
	}
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* file trust rules                                                    */

static void on_alarm(int sig)
{
	static const char msg[] = "not ok - policy loading hung (FIFO opened blocking?)\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

/*
 * Load dir/paddock.conf (policy_load, or policy_load_file when one) and
 * expect the error "<path of failing file>: <message prefix>" or success
 * (want == NULL).
 */
static void trust_case(const char *name, const char *dir, bool one, const char *failing,
		       const char *want, const char *also)
{
	char path[PATH_MAX], prefix[PATH_MAX + 256];
	PolicyError e = { { 0 } };
	Policy *p = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/paddock.conf", dir);
	alarm(10);
	r = one ? policy_load_file(path, &p, &e) : policy_load(path, &p, &e);
	alarm(0);
	if (!want) {
		if (!tap_ok(r == 0 && p, "trust: %s", name))
			tap_diag("  got %d '%s'", r, e.text);
		policy_free(p);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s/%s: %s", dir, failing, want);
	if (!tap_ok(r < 0 && !p && error_is(&e, prefix, also), "trust: %s", name)) {
		tap_diag("  got  %d '%s'", r, e.text);
		tap_diag("  want '%s'%s%s", prefix, also ? " ... " : "", also ? also : "");
	}
	policy_free(p);
}

static bool have_openat2(void)
{
	struct {
		uint64_t flags, mode, resolve;
	} how = { O_RDONLY | O_CLOEXEC, 0, 0 };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

static const char OK_POLICY[] = "[default]\nmemory_max = 1G\n";

static void trust_tests(void)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	const char *d;

	if (geteuid() != 0) {
		tap_skip("trust: file trust rules (need root: files must be root-owned)");
		return;
	}
	signal(SIGALRM, on_alarm);

	d = case_dir();
	write_policy(d, OK_POLICY, NULL);
	trust_case("root-owned 0644 file, no paddock.d", d, false, NULL, NULL, NULL);
	trust_case("policy_load_file on the same file", d, true, NULL, NULL, NULL);

	d = case_dir();
	write_file(d, "paddock.conf", OK_POLICY, strlen(OK_POLICY), 0400);
	trust_case("root-owned 0400 file", d, false, NULL, NULL, NULL);

	d = case_dir();
	write_file(d, "real.conf", OK_POLICY, strlen(OK_POLICY), 0644);
	snprintf(p1, sizeof(p1), "%s/paddock.conf", d);
	if (symlink("real.conf", p1) < 0)
		abort();
	trust_case("main file is a symlink", d, false, "paddock.conf",
		   "cannot open: is a symbolic link", NULL);
	trust_case("main file is a symlink (policy_load_file)", d, true, "paddock.conf",
		   "cannot open: is a symbolic link", NULL);

	if (have_openat2()) {
		d = case_dir();
		snprintf(p1, sizeof(p1), "%s/real", d);
		snprintf(p2, sizeof(p2), "%s/link", d);
		if (mkdir(p1, 0755) < 0 || symlink("real", p2) < 0)
			abort();
		write_file(p1, "paddock.conf", OK_POLICY, strlen(OK_POLICY), 0644);
		trust_case("symlink in a directory of the path", p2, false, "paddock.conf",
			   "cannot open: is a symbolic link or has one in its path", NULL);
	} else {
		tap_skip("trust: symlink in a directory of the path (no openat2: only the last "
			 "component is checked)");
	}

	d = case_dir();
	snprintf(p1, sizeof(p1), "%s/paddock.conf", d);
	if (mkfifo(p1, 0644) < 0)
		abort();
	trust_case("main file is a FIFO (refused, no hang)", d, false, "paddock.conf",
		   "not a regular file; refused", NULL);

	d = case_dir();
	snprintf(p1, sizeof(p1), "%s/paddock.conf", d);
	if (mkdir(p1, 0755) < 0)
		abort();
	trust_case("main file is a directory", d, false, "paddock.conf",
		   "not a regular file; refused", NULL);

	d = case_dir();
	write_file(d, "paddock.conf", OK_POLICY, strlen(OK_POLICY), 0664);
	trust_case("group-writable main file", d, false, "paddock.conf",
		   "writable by group or others (mode 0664); refused", NULL);

	d = case_dir();
	write_file(d, "paddock.conf", OK_POLICY, strlen(OK_POLICY), 0646);
	trust_case("world-writable main file", d, true, "paddock.conf",
		   "writable by group or others (mode 0646); refused", NULL);

	d = case_dir();
	write_file(d, "paddock.conf", OK_POLICY, strlen(OK_POLICY), 0644);
	snprintf(p1, sizeof(p1), "%s/paddock.conf", d);
	if (chown(p1, 65534, 65534) < 0)
		abort();
	trust_case("main file owned by uid 65534", d, false, "paddock.conf",
		   "not owned by root (owner uid 65534); refused", NULL);

	d = case_dir();
	trust_case("missing main file", d, false, "paddock.conf",
		   "cannot open: No such file or directory", NULL);

	d = case_dir();
	{
		size_t max = POLICY_FILE_MAX;
		char *big = malloc(max + 1);

		if (!big)
			abort();
		/* Lines of 1023 ';' and a newline: exactly POLICY_FILE_MAX bytes. */
		for (size_t i = 0; i < max; i++)
			big[i] = (i % 1024 == 1023) ? '\n' : ';';
		write_file(d, "paddock.conf", big, max, 0644);
		trust_case("file of exactly 1 MiB", d, false, NULL, NULL, NULL);
		d = case_dir();
		big[max] = '\n';
		write_file(d, "paddock.conf", big, max + 1, 0644);
		trust_case("file of 1 MiB + 1 byte", d, false, "paddock.conf",
			   "too large (more than 1048576 bytes)", NULL);
		free(big);
	}

	/* The drop-in directory and its files. */
	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d", d);
	chmod(p1, 0775);
	trust_case("group-writable paddock.d", d, false, "paddock.d",
		   "writable by group or others (mode 0775); refused", NULL);
	chmod(p1, 01777);
	trust_case("world-writable sticky paddock.d", d, false, "paddock.d",
		   "writable by group or others (mode 1777); refused", NULL);
	chmod(p1, 0755);
	if (chown(p1, 65534, 65534) < 0)
		abort();
	trust_case("paddock.d owned by uid 65534", d, false, "paddock.d",
		   "not owned by root (owner uid 65534); refused", NULL);
	trust_case("policy_load_file ignores paddock.d", d, true, NULL, NULL, NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, NULL);
	snprintf(p1, sizeof(p1), "%s/elsewhere", d);
	snprintf(p2, sizeof(p2), "%s/paddock.d", d);
	if (mkdir(p1, 0755) < 0 || symlink("elsewhere", p2) < 0)
		abort();
	trust_case("paddock.d is a symlink", d, false, "paddock.d",
		   "cannot open drop-in directory: is a symbolic link", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, NULL);
	write_file(d, "paddock.d", "", 0, 0644);
	trust_case("paddock.d is a regular file", d, false, "paddock.d",
		   "cannot open drop-in directory: Not a directory", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d/15-link.conf", d);
	if (symlink("10-memory.conf", p1) < 0)
		abort();
	trust_case("drop-in is a symlink", d, false, "paddock.d/15-link.conf",
		   "cannot open: is a symbolic link", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d/15-fifo.conf", d);
	if (mkfifo(p1, 0644) < 0)
		abort();
	trust_case("drop-in is a FIFO (refused, no hang)", d, false, "paddock.d/15-fifo.conf",
		   "not a regular file; refused", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d/15-dir.conf", d);
	if (mkdir(p1, 0755) < 0)
		abort();
	trust_case("drop-in is a directory", d, false, "paddock.d/15-dir.conf",
		   "not a regular file; refused", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d/20-cpu.conf", d);
	chmod(p1, 0620);
	trust_case("group-writable drop-in", d, false, "paddock.d/20-cpu.conf",
		   "writable by group or others (mode 0620); refused", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_KEYS);
	snprintf(p1, sizeof(p1), "%s/paddock.d/10-memory.conf", d);
	if (chown(p1, 1000, 0) < 0)
		abort();
	trust_case("drop-in owned by uid 1000", d, false, "paddock.d/10-memory.conf",
		   "not owned by root (owner uid 1000); refused", NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_IGNORED);
	snprintf(p1, sizeof(p1), "%s/paddock.d/.evil.conf", d);
	if (symlink("/dev/zero", p1) < 0)
		abort();
	snprintf(p1, sizeof(p1), "%s/paddock.d/notes.txt", d);
	if (mkfifo(p1, 0666) < 0)
		abort();
	trust_case("dotfiles and non-.conf names are never opened", d, false, NULL, NULL, NULL);

	d = case_dir();
	write_policy(d, OK_POLICY, DROP_NONE);
	for (int i = 0; i < POLICY_DROPINS_MAX + 1; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "paddock.d/%03d.conf", i);
		write_file(d, rel, "", 0, 0644);
	}
	trust_case("129 drop-ins", d, false, "paddock.d", "too many drop-in files (at most 128)",
		   NULL);
	snprintf(p1, sizeof(p1), "%s/paddock.d/128.conf", d);
	unlink(p1);
	trust_case("128 drop-ins", d, false, NULL, NULL, NULL);

	signal(SIGALRM, SIG_DFL);
}

/* ------------------------------------------------------------------ */
/* units                                                               */

typedef enum { U64, SIZE, SIZE_MAX_OK, PERCENT, BOOL } UnitsKind;

typedef struct UnitsCase {
	UnitsKind kind;
	const char *input;
	int ret;
	uint64_t value;
} UnitsCase;

static const UnitsCase units_cases[] = {
	{ U64, "0", 0, 0 },
	{ U64, "007", 0, 7 },
	{ U64, "18446744073709551615", 0, UINT64_MAX },
	{ U64, "18446744073709551616", -ERANGE, 0 },
	{ U64, "99999999999999999999", -ERANGE, 0 },
	{ U64, "", -EINVAL, 0 },
	{ U64, " 1", -EINVAL, 0 },
	{ U64, "1 ", -EINVAL, 0 },
	{ U64, "-1", -EINVAL, 0 },
	{ U64, "+1", -EINVAL, 0 },
	{ U64, "0x10", -EINVAL, 0 },
	{ U64, "1e3", -EINVAL, 0 },
	{ SIZE, "0", 0, 0 },
	{ SIZE, "1", 0, 1 },
	{ SIZE, "1K", 0, 1024 },
	{ SIZE, "1k", 0, 1024 },
	{ SIZE, "1KB", 0, 1024 },
	{ SIZE, "1KiB", 0, 1024 },
	{ SIZE, "3M", 0, 3 * MIB },
	{ SIZE, "2G", 0, 2 * GIB },
	{ SIZE, "2gib", 0, 2 * GIB },
	{ SIZE, "5T", 0, UINT64_C(5) << 40 },
	{ SIZE, "10B", 0, 10 },
	{ SIZE, "16777215T", 0, UINT64_C(16777215) << 40 },
	{ SIZE, "16777216T", -ERANGE, 0 },
	{ SIZE, "17179869183G", 0, UINT64_C(17179869183) << 30 },
	{ SIZE, "17179869184G", -ERANGE, 0 },
	{ SIZE, "18446744073709551614", 0, UINT64_MAX - 1 },
	{ SIZE, "18446744073709551615", -ERANGE, 0 },
	{ SIZE, "99999999999999999999", -ERANGE, 0 },
	{ SIZE, "123456789012345678901234567890123", -ERANGE, 0 },
	{ SIZE, "max", -EINVAL, 0 },
	{ SIZE, "2X", -EINVAL, 0 },
	{ SIZE, "2.5G", -EINVAL, 0 },
	{ SIZE, "-1", -EINVAL, 0 },
	{ SIZE, "", -EINVAL, 0 },
	{ SIZE, " ", -EINVAL, 0 },
	{ SIZE, "G", -EINVAL, 0 },
	{ SIZE, "1 G", -EINVAL, 0 },
	{ SIZE, "1GG", -EINVAL, 0 },
	{ SIZE, "1P", -EINVAL, 0 },
	{ SIZE_MAX_OK, "max", 0, UNITS_MAX },
	{ SIZE_MAX_OK, "MAX", -EINVAL, 0 },
	{ SIZE_MAX_OK, "1M", 0, MIB },
	{ PERCENT, "0%", 0, 0 },
	{ PERCENT, "50%", 0, 50 },
	{ PERCENT, "100000%", 0, 100000 },
	{ PERCENT, "50", -EINVAL, 0 },
	{ PERCENT, "%", -EINVAL, 0 },
	{ PERCENT, "5 %", -EINVAL, 0 },
	{ PERCENT, "5%%", -EINVAL, 0 },
	{ PERCENT, "1.5%", -EINVAL, 0 },
	{ PERCENT, "-5%", -EINVAL, 0 },
	{ PERCENT, "99999999999999999999%", -ERANGE, 0 },
	{ BOOL, "yes", 0, 1 },
	{ BOOL, "YES", 0, 1 },
	{ BOOL, "true", 0, 1 },
	{ BOOL, "on", 0, 1 },
	{ BOOL, "1", 0, 1 },
	{ BOOL, "no", 0, 0 },
	{ BOOL, "False", 0, 0 },
	{ BOOL, "off", 0, 0 },
	{ BOOL, "0", 0, 0 },
	{ BOOL, "y", -EINVAL, 0 },
	{ BOOL, "2", -EINVAL, 0 },
	{ BOOL, "", -EINVAL, 0 },
	{ BOOL, "yes ", -EINVAL, 0 },
};

static void units_tests(void)
{
	static const char *const kinds[] = { "u64", "size", "size/max", "percent", "bool" };
	static const struct {
		uint64_t v;
		const char *text;
	} formats[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 1023, "1023" },
		{ 1024, "1K" },
		{ 1536 * 1024, "1536K" },
		{ 3 * MIB / 2 * 1024, "1536M" },
		{ 2 * GIB, "2G" },
		{ UINT64_C(1) << 40, "1T" },
		{ UINT64_C(1) << 50, "1024T" },
		{ UNITS_MAX, "max" },
		{ UNITS_MAX - 1, "18446744073709551614" },
	};

	for (size_t i = 0; i < sizeof(units_cases) / sizeof(units_cases[0]); i++) {
		const UnitsCase *c = &units_cases[i];
		uint64_t v = 0xdeadbeef;
		bool b = false;
		int r;

		switch (c->kind) {
		case U64:
			r = units_parse_u64(c->input, &v);
			break;
		case SIZE:
			r = units_parse_size(c->input, false, &v);
			break;
		case SIZE_MAX_OK:
			r = units_parse_size(c->input, true, &v);
			break;
		case PERCENT:
			r = units_parse_percent(c->input, &v);
			break;
		default:
			r = units_parse_bool(c->input, &b);
			v = b;
			break;
		}
		if (!tap_ok(r == c->ret && (r < 0 || v == c->value), "units: %s '%s' -> %s",
			    kinds[c->kind], c->input,
			    c->ret == -EINVAL	? "EINVAL"
			    : c->ret == -ERANGE ? "ERANGE"
						: "ok"))
			tap_diag("  got %d value %llu", r, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char buf[32];

		tap_ok(!strcmp(units_format_size(formats[i].v, buf, sizeof(buf)), formats[i].text),
		       "units: format %llu -> %s", (unsigned long long)formats[i].v,
		       formats[i].text);
	}
}

/* ------------------------------------------------------------------ */
/* hostname expansion and tmpfs sizes                                  */

typedef struct HostCase {
	const char *tmpl, *user;
	uid_t uid;
	const char *host;
	size_t len;
	int ret;
	const char *out;
} HostCase;

static const HostCase host_cases[] = {
	{ "%u-%h", "alice", 1000, "lab1.example.org", 64, 0, "alice-lab1" },
	{ "%h", "alice", 1000, "lab1.example.org", 64, 0, "lab1" },
	{ "%h", "alice", 1000, "lab1", 64, 0, "lab1" },
	{ "%U", "alice", 1000, "h", 64, 0, "1000" },
	{ "u%U", "x", 4294967294u, "h", 64, 0, "u4294967294" },
	{ "%u.%h", "bob", 1, "node7.cluster", 64, 0, "bob.node7" },
	{ "100%%", "bob", 1, "h", 64, 0, "100-" },
	{ "%u", "john_doe", 1, "h", 64, 0, "john-doe" },
	{ "%u", "j.doe", 1, "h", 64, 0, "j.doe" },
	{ "%u", "jos\xc3\xa9", 1, "h", 64, 0, "jos--" },
	{ "%u", "a b$c@d", 1, "h", 64, 0, "a-b-c-d" },
	{ "box%", "a", 1, "h", 64, 0, "box-" },
	{ "%u-%h", "averyveryveryveryveryveryveryveryveryveryverylongusername", 1,
	  "host.example.org", 64, 0,
	  "averyveryveryveryveryveryveryveryveryveryverylongusername-host" },
	{ "%u-%h", "averyveryveryveryveryveryveryveryveryveryverylongusernameXYZ", 1,
	  "hostname.example.org", 64, 0,
	  "averyveryveryveryveryveryveryveryveryveryverylongusernameXYZ-ho" },
	{ "%h", "a", 1, "", 64, 0, "paddock" },
	{ "%u-%h", "alice", 1000, "lab1", 11, 0, "alice-lab1" },
	{ "%u-%h", "alice", 1000, "lab1", 10, -ENAMETOOLONG, NULL },
	{ "%h", "a", 1, "", 5, -ENAMETOOLONG, NULL },
};

static void host_tests(void)
{
	char longuser[300];

	for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		const HostCase *c = &host_cases[i];
		char buf[128] = "unchanged";
		int r = policy_expand_hostname(c->tmpl, c->user, c->uid, c->host, buf, c->len);
		bool ok = r == c->ret && (r < 0 || !strcmp(buf, c->out));

		if (!tap_ok(ok, "host: '%s' user '%s' host '%s' len %zu -> %s", c->tmpl, c->user,
			    c->host, c->len, c->out ? c->out : "ENAMETOOLONG"))
			tap_diag("  got %d '%s'", r, buf);
	}

	/* A 255-byte user name: cut to 63 bytes. */
	memset(longuser, 'u', 255);
	longuser[255] = '\0';
	{
		char buf[128];
		int r = policy_expand_hostname("%u%u%u", longuser, 1, "h", buf, sizeof(buf));

		tap_ok(r == 0 && strlen(buf) == 63 && strspn(buf, "u") == 63,
		       "host: long expansion cut to 63 bytes");
	}

	/* policy_tmp_bytes */
	{
		static const struct {
			bool percent;
			uint64_t value, memory_max, ram, want;
		} rows[] = {
			{ true, 25, 2 * GIB, 0, 512 * MIB },
			{ true, 100, 2 * GIB, 0, 2 * GIB },
			{ true, 1, MIB, 0, 10485 },
			{ true, 33, 3 * GIB, 0, UINT64_C(1063004405) },
			{ true, 50, UNITS_MAX, 8 * GIB, 4 * GIB },
			{ true, 100, UNITS_MAX, UINT64_MAX - 1, UINT64_MAX - 1 },
			{ true, 99, UINT64_MAX - 1, 0, UINT64_C(18262276632972456097) },
			{ false, 64 * MIB, 2 * GIB, 0, 64 * MIB },
			{ false, 64 * MIB, UNITS_MAX, 8 * GIB, 64 * MIB },
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			UserPolicy up = { .memory_max = rows[i].memory_max,
					  .tmp_size = { rows[i].percent, rows[i].value } };
			uint64_t got = policy_tmp_bytes(&up, rows[i].ram);

			if (!tap_ok(got == rows[i].want,
				    "tmp: %llu%s of memory_max %llu (ram %llu)",
				    (unsigned long long)rows[i].value,
				    rows[i].percent ? "%" : " bytes",
				    (unsigned long long)rows[i].memory_max,
				    (unsigned long long)rows[i].ram))
				tap_diag("  got %llu want %llu", (unsigned long long)got,
					 (unsigned long long)rows[i].want);
		}
	}
}

/* ------------------------------------------------------------------ */
/* the shipped policy and the man page                                 */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 8192);

			if (!b)
				abort();
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Undo the few roff escapes an example may use: \- \e \& \(aq \(dq. */
static void unroff(const char *in, char *out, size_t len)
{
	static const struct {
		const char *esc, *text;
	} map[] = {
		{ "\\-", "-" }, { "\\e", "\\" }, { "\\&", "" }, { "\\(aq", "'" }, { "\\(dq", "\"" }
	};
	size_t n = 0;

	while (*in && n + 2 < len) {
		size_t i;

		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strncmp(in, map[i].esc, strlen(map[i].esc)))
				break;
		if (i < sizeof(map) / sizeof(map[0])) {
			n += (size_t)snprintf(out + n, len - n, "%s", map[i].text);
			in += strlen(map[i].esc);
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}

static void docs_tests(void)
{
	char *conf, *man;
	size_t len;
	Policy *p = NULL;
	PolicyError e = { { 0 } };
	int r, examples = 0, line = 0, start = 0;
	char *block = NULL;
	size_t blen = 0;
	bool in_ex = false;

	conf = read_all("conf/paddock.conf", &len);
	if (!conf) {
		tap_ok(0, "docs: read conf/paddock.conf (run from the repository root)");
	} else {
		PolicyIdentity who;

		r = policy_load_buffer("conf/paddock.conf", conf, len, &p, &e);
		if (!tap_ok(r == 0, "docs: the shipped conf/paddock.conf is accepted"))
			tap_diag("  %s", e.text);
		if (r == 0) {
			make_identity(&who, "someone", 1000, "users");
			tap_ok(expect_policy(
				       p, &who,
				       "isolate=yes|memory_max=2G|cpu_quota=100%|tasks_max=512|"
				       "namespaces=mount pid ipc uts "
				       "net|network=nat|egress_deny=169.254.0.0/16 "
				       "100.100.100.200 fd00:ec2::254 fd20:ce::254|"
				       "host_access=dns"),
			       "docs: the shipped policy isolates a user with the documented "
			       "values");
			make_identity(&who, "root", 0, "root");
			tap_ok(expect_policy(p, &who, "isolate=no"),
			       "docs: the shipped policy leaves root alone");
		}
		policy_free(p);
		p = NULL;
		free(conf);
	}

	man = read_all("man/paddock.conf.5", &len);
	if (!man) {
		tap_ok(0, "docs: read man/paddock.conf.5 (run from the repository root)");
		return;
	}

	/* Every key is documented: ".TP .B key" and "Default: \fBbuiltin\fR" before the next .TP. */
	for (size_t k = 0; k < policy_key_count(); k++) {
		const PolicyKeyInfo *ki = policy_key_info(k);
		char head[64], def[256];
		const char *at, *end, *found;

		snprintf(head, sizeof(head), "\n.TP\n.B %s\n", ki->name);
		snprintf(def, sizeof(def), "\nDefault: \\fB%s\\fR", ki->builtin);
		at = strstr(man, head);
		end = at ? strstr(at + 1, "\n.TP") : NULL;
		found = at ? strstr(at, def) : NULL;
		tap_ok(found && (!end || found < end),
		       "docs: paddock.conf(5) documents %s with its default %s", ki->name,
		       ki->builtin);
	}

	/* Every .EX/.EE block that is a policy ("; example" or '[' first) loads. */
	for (char *l = man, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		if (!strcmp(l, ".EX")) {
			in_ex = true;
			start = line;
			blen = 0;
			free(block);
			block = calloc(1, 1);
			continue;
		}
		if (!in_ex)
			continue;
		if (!strcmp(l, ".EE")) {
			in_ex = false;
			if (block && (block[0] == '[' || !strncmp(block, "; example", 9))) {
				char name[64];

				examples++;
				snprintf(name, sizeof(name), "paddock.conf.5:%d", start);
				r = policy_load_buffer(name, block, blen, &p, &e);
				if (!tap_ok(r == 0, "docs: example at man/paddock.conf.5:%d loads",
					    start))
					tap_diag("  %s", e.text);
				policy_free(p);
				p = NULL;
			}
			continue;
		}
		{
			char text[2048];
			char *b;

			unroff(l, text, sizeof(text));
			b = realloc(block, blen + strlen(text) + 2);
			if (!b)
				abort();
			block = b;
			blen += (size_t)sprintf(block + blen, "%s\n", text);
		}
	}
	free(block);
	tap_ok(examples >= 3, "docs: man/paddock.conf.5 has at least 3 policy examples (%d)",
	       examples);
	free(man);
}

/* Run from the repository root, wherever we were started. */
static void chdir_to_repo(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (access("conf/paddock.conf", F_OK) == 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	strcpy(slash, "/../..");
	(void)!chdir(exe);
}

/* 2000 [user:NAME] sections, each its own limits: every user gets its own. */
static void scale_tests(void)
{
	size_t cap = 2000 * 64 + 64, n = 0;
	PolicyError e;
	UserPolicy up;
	Policy *p;
	char *s = malloc(cap), name[16];
	bool ok = true;
	int r;

	if (!s)
		abort();
	n += (size_t)snprintf(s + n, cap - n, "[default]\nmemory_max = 2G\n");
	for (int i = 1; i <= 2000; i++)
		n += (size_t)snprintf(s + n, cap - n,
				      "[user:u%d]\nmemory_max = %dM\ntasks_max = %d\n", i, i + 100,
				      i + 10);
	r = load_text(s, n, &p, &e);
	tap_ok(r == 0, "scale: 2000 user sections load (%s)", r == 0 ? "ok" : e.text);
	for (int i = 1; r == 0 && i <= 2000; i += 111) {
		PolicyIdentity who = { .user = name, .uid = 5000 };

		snprintf(name, sizeof(name), "u%d", i);
		ok &= policy_resolve(p, &who, &up, NULL, &e) == 0 &&
		      up.memory_max == (uint64_t)(i + 100) * MIB &&
		      up.tasks_max == (uint64_t)i + 10;
	}
	tap_ok(r == 0 && ok, "scale: ... each user has its own memory_max and tasks_max");
	if (r == 0) {
		PolicyIdentity who = { .user = "u2001", .uid = 5000 };

		tap_ok(policy_resolve(p, &who, &up, NULL, &e) == 0 && up.memory_max == 2 * GIB &&
			       up.tasks_max == 512,
		       "scale: ... a user no section names has [default]'s");
	} else {
		tap_ok(0, "scale: ... a user no section names has [default]'s");
	}
	policy_free(p);
	free(s);
}

int main(void)
{
	chdir_to_repo();
	tmpdir_make("test-policy");

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		bad(bad_cases[i].name, bad_cases[i].text,
		    bad_cases[i].len ? bad_cases[i].len : strlen(bad_cases[i].text),
		    bad_cases[i].error, bad_cases[i].also);
	bad_generated();
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
		bad_file_case(&bad_files[i]);
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++)
		good(&good_cases[i]);
	good_generated();
	groups_tests();
	uses_nat_tests();
	scale_tests();
	trust_tests();
	units_tests();
	host_tests();
	docs_tests();
	return tap_done();
}
