# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2015: "a && b || t_bail" is meant (t_bail if any step fails).
# SC2034: T_* globals are set for the scripts that source this file.
# shellcheck disable=SC2015,SC2034
#
# tests/root/lib.sh: shared infrastructure for the root-tier tests (tests/root/*.sh).
#
# Source it, then call t_nest before anything else:
#
#     #!/bin/bash
#     set -u
#     . "$(dirname "$0")/lib.sh"
#     t_nest "$@"                    # re-exec in a private cgroup + mount namespace
#     t_cgroup_parent                # a cgroup_parent of this run's own: $T_PARENT
#     t_user alice; alice=$T_USER    # throwaway user pdkt<tag>-alice, removed on exit
#     t_policy x.conf "$(t_policy_global)
#     [default]
#     memory_max = 64M"
#     t_pam_service paddock-test-x "$(t_pam_paddock_stack "$T_POLICY")"
#     t_ok "session opens" pamtester paddock-test-x "$alice" open_session
#     t_done
#
# Everything is undone by one EXIT trap, also when the script fails or is interrupted
# (INT, TERM, HUP).  Do not install your own EXIT trap; register extra steps with
# t_cleanup_add instead.
#
# What the nest gives you (see t_nest; the rules are in shared/design/testing.md):
#
#   * its own cgroup namespace, with every cgroup hierarchy remounted, so "/" of each
#     hierarchy is the cgroup the runner started in: the product's default
#     cgroup_parent (/paddock.slice) lands below the runner's cgroup, and no test
#     process is ever moved out of the cgroup it started in;
#   * its own mount namespace (propagation private) in which
#       /run           is an overlay (writes go to the run's tmpfs, the host's /run is
#                      untouched: /run/sshd, /run/utmp, mount points below /run),
#       /run/paddock   is a fresh tmpfs, mode 0700 (the product's state),
#       /etc/pam.d     is an overlay (service files the tests write never reach the
#                      host, even if the run is SIGKILLed),
#       /var/log/{wtmp,btmp,lastlog}  are private empty files (sshd and login records),
#       /sys/fs/cgroup is a fresh tmpfs holding the remounted hierarchies;
#   * its own network namespace with only lo (up): whatever a login does to "the
#     host's" network (a paddock's veth, addresses, nftables, sysctls) happens there and
#     vanishes with the run, never in the real host's; sshd listens on its 127.0.0.1.
#     t_outer_net runs a command in the runner's network namespace (audit multicast);
#   * a scratch directory $T_TMP (tmpfs, root 0700) for keys, configs, logs, policies.
#
# Users and groups cannot be made private (uids must be unique host-wide, and two runs
# in parallel must not both pick uid 1001), so they are real host accounts with a
# recognisable name (pdkt<tag>-NAME) and are deleted at exit.  A run that was SIGKILLed
# leaves them behind; the next run's t_nest deletes accounts whose run is dead
# (the owning run's pid and start time are in the GECOS field).
#
# Conventions: every function returns 0 on success and non-zero on failure; helpers that
# "produce" a name set a global (T_USER, T_GROUP, T_POLICY, T_PARENT, T_SSHD_PORT) because a
# $(command substitution) runs in a subshell and would lose the cleanup registration.
# Everything the library prints goes to stdout as TAP (ok/not ok/# diag) or to stderr.

# ---------------------------------------------------------------------------------------
# Globals
# ---------------------------------------------------------------------------------------

T_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_ROOT=$(cd "$T_LIB_DIR/../.." && pwd)      # repository root
T_BUILD=$T_ROOT/build
T_PAM_SO=$T_BUILD/pam_paddock.so             # absolute, as PAM service files need
T_HELPER=$T_BUILD/paddock
T_SSH_HOST=127.0.0.1
T_USER_PREFIX=pdkt                           # every throwaway account starts with this
# cgroup_parent(s) the tests' policies use (space separated); cleanup removes our users'
# user-UID cgroups below them.  Add to it when a test sets another cgroup_parent.
T_CGROUP_PARENT=${T_CGROUP_PARENT:-/paddock.slice}
T_PARENT=          # this run's own cgroup_parent (set by t_cgroup_parent)

T_N=0              # TAP: tests run so far
T_FAILED=0         # TAP: tests failed so far
T_OUT=             # t_ok/t_nok/t_rc: stdout of the last command
T_ERR=             # t_ok/t_nok/t_rc: stderr of the last command
T_RC=0             # t_ok/t_nok/t_rc: exit status of the last command
T_TMP=             # scratch directory of this run (set by t_nest)
T_TAG=             # 5 hex digits naming this run's accounts

T__USERS=()        # throwaway user names, in creation order
T__GROUPS=()       # throwaway group names
T__PAM_FILES=()    # /etc/pam.d/paddock-test-* files written
T__PAM_BINDS=()    # /etc/pam.d files overlaid with a bind mount (t_pam_overlay)
T__SSHD_PIDFILES=() # one per sshd started
T__BG=()           # "pid:starttime" of t_bg processes (each its own process group)
T__HOOKS=()        # t_cleanup_add commands, run last-in first-out
T__CLEANED=0

# ---------------------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------------------

# t_diag MSG...: print MSG as TAP diagnostics, each line prefixed by "# ".
t_diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

# t__result OK DESC: print one TAP result line and count it.
t__result() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 1 ]; then
		printf 'ok %d - %s\n' "$T_N" "$2"
	else
		T_FAILED=$((T_FAILED + 1))
		printf 'not ok %d - %s\n' "$T_N" "$2"
		t_diag "failed at ${BASH_SOURCE[2]:-?} line ${BASH_LINENO[1]:-?}"
	fi
}

# t__run CMD...: run CMD in a subshell with stdout and stderr captured into T_OUT and
# T_ERR (trailing newlines stripped, as $(...) does) and its status into T_RC.  The
# command's output never mixes with the TAP stream.  stdin is inherited: redirect the
# t_ok call to feed it.  The subshell means a helper that bails (t_bail exits) fails
# only this test, with its message in the diagnostics, and that CMD cannot change the
# script's state: use t_ok & co. for checks, call setup helpers (t_user, t_bg...) directly.
t__run() {
	local out err
	out=$(mktemp "${T_TMP:-/tmp}/t_out.XXXXXX") || return 1
	err=$(mktemp "${T_TMP:-/tmp}/t_err.XXXXXX") || { rm -f "$out"; return 1; }
	T_RC=0
	("$@") >"$out" 2>"$err" || T_RC=$?
	T_OUT=$(cat "$out")
	T_ERR=$(cat "$err")
	rm -f "$out" "$err"
}

# t__explain CMD...: diagnostics for a command whose status was not the expected one.
t__explain() {
	t_diag "command: $*"
	t_diag "exit status: $T_RC"
	[ -n "$T_OUT" ] && t_diag "stdout: $T_OUT"
	[ -n "$T_ERR" ] && t_diag "stderr: $T_ERR"
	return 0
}

# t_ok DESC CMD...: pass if CMD exits 0.  Sets T_OUT, T_ERR, T_RC.  Returns CMD's status
# (0/1 style), so "t_ok ... || t_diag ..." works.
t_ok() {
	local desc=$1
	shift
	t__run "$@"
	if [ "$T_RC" -eq 0 ]; then
		t__result 1 "$desc"
	else
		t__result 0 "$desc"
		t__explain "$@"
	fi
	[ "$T_RC" -eq 0 ]
}

# t_nok DESC CMD...: pass if CMD exits non-zero (a denial, a refusal).
t_nok() {
	local desc=$1
	shift
	t__run "$@"
	if [ "$T_RC" -ne 0 ]; then
		t__result 1 "$desc"
	else
		t__result 0 "$desc"
		t__explain "$@"
	fi
	[ "$T_RC" -ne 0 ]
}

# t_rc DESC EXPECTED_STATUS CMD...: pass if CMD exits exactly EXPECTED_STATUS.
t_rc() {
	local desc=$1 want=$2
	shift 2
	t__run "$@"
	if [ "$T_RC" -eq "$want" ]; then
		t__result 1 "$desc"
	else
		t__result 0 "$desc"
		t_diag "expected exit status: $want"
		t__explain "$@"
	fi
	[ "$T_RC" -eq "$want" ]
}

# t_is DESC EXPECTED ACTUAL: pass if the two strings are equal.
t_is() {
	if [ "$2" = "$3" ]; then
		t__result 1 "$1"
		return 0
	fi
	t__result 0 "$1"
	t_diag "expected: '$2'"
	t_diag "     got: '$3'"
	return 1
}

# t_like DESC REGEX ACTUAL: pass if ACTUAL matches the extended REGEX (bash =~).
t_like() {
	if [[ $3 =~ $2 ]]; then
		t__result 1 "$1"
		return 0
	fi
	t__result 0 "$1"
	t_diag "expected to match: $2"
	t_diag "              got: '$3'"
	return 1
}

# t_skip REASON: one skipped test (counts as neither pass nor failure).
t_skip() {
	T_N=$((T_N + 1))
	printf 'ok %d # SKIP %s\n' "$T_N" "$1"
}

# t_skip_all REASON: the whole script cannot run here.  Locally: "1..0 # SKIP" and exit
# 77.  In CI (CI set and non-empty) a skip would hide a gap, so it is a failure instead.
t_skip_all() {
	if [ -n "${CI:-}" ]; then
		t_bail "cannot run in CI: $1"
	fi
	printf '1..0 # SKIP %s\n' "$1"
	exit 77
}

# t_bail MSG: abort the script ("Bail out!"), exit 1; cleanup still runs.
t_bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# t_done: print the plan, exit 0 if nothing failed, else 1.
t_done() {
	printf '1..%d\n' "$T_N"
	[ "$T_FAILED" -eq 0 ] && exit 0
	t_diag "$T_FAILED of $T_N tests failed"
	exit 1
}

# ---------------------------------------------------------------------------------------
# Small utilities
# ---------------------------------------------------------------------------------------

# t__starttime PID: field 22 of /proc/PID/stat (start time in clock ticks), which with
# the pid identifies a process across pid reuse.  Prints nothing if PID is gone.
t__starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }                 # drop "pid (comm) ", comm may contain spaces
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat                      # field 3 of the stat line is now $1
	printf '%s\n' "${20}"
}

# t__alive PID STARTTIME: is exactly that process still alive?
t__alive() {
	[ "$(t__starttime "$1" 2>/dev/null)" = "$2" ]
}

# t__now_ms: wall clock in milliseconds.
t__now_ms() {
	local t=${EPOCHREALTIME/./}
	printf '%s\n' $((t / 1000))
}

# t_wait_for TIMEOUT_SECONDS CMD...: run CMD every 0.1 s until it exits 0; fail after
# TIMEOUT_SECONDS (integer or decimal, e.g. 0.5).  CMD's output is discarded.
t_wait_for() {
	local timeout=$1 deadline
	shift
	deadline=$(($(t__now_ms) + $(awk -v t="$timeout" 'BEGIN { printf "%d", t * 1000 }')))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(t__now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# t_bg CMD...: start CMD (a program or a shell function such as t_ssh) in the background
# in its own process group, record it for cleanup (the whole group is killed at exit) and
# set T_BG_PID to its pid.  stdin is /dev/null; redirect the call for its output
# (t_bg t_ssh "$u" 'sleep 60' >"$T_TMP/log" 2>&1).  Job control (set -m) is what puts
# the job in a process group of its own; it is switched on only for this one fork.
t_bg() {
	local had_m=0
	[[ $- == *m* ]] && had_m=1
	set -m
	"$@" </dev/null &
	T_BG_PID=$!
	[ "$had_m" = 1 ] || set +m
	T__BG+=("$T_BG_PID:$(t__starttime "$T_BG_PID")")
}

# t_kill PID: kill a t_bg process group now (TERM, then KILL after 2 s).
t_kill() {
	local e
	for e in "${T__BG[@]}"; do
		[ "${e%%:*}" = "$1" ] && t__kill_group "${e%%:*}" "${e#*:}"
	done
	return 0
}

# t__kill_group PID START: TERM then KILL the process group led by PID, only while that
# very process (pid + start time) still exists, so a reused pid is never signalled.
# Members of the group that outlive the leader get a KILL right after it is gone (the
# pgid cannot be reused while any member exists).
t__kill_group() {
	local pid=$1 start=$2 i
	t__alive "$pid" "$start" || return 0
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		t__gone "$pid" && break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	t__gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# t_cleanup_add CMD...: run CMD at exit, before the built-in cleanup (last added, first
# run).  Use it for product state, e.g.: t_cleanup_add "$T_HELPER" stop "$alice".
t_cleanup_add() {
	local q
	printf -v q '%q ' "$@"
	T__HOOKS+=("$q")
}

# t_require_build: the script needs build/pam_paddock.so and build/paddock.
t_require_build() {
	[ -f "$T_PAM_SO" ] || t_bail "$T_PAM_SO missing: run make first"
	[ -x "$T_HELPER" ] || t_bail "$T_HELPER missing: run make first"
}

# t__need CMD PACKAGE: fail clearly if a program is missing.
t__need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	t_bail "$1 not found: install $2 (make deps does)"
}

# ---------------------------------------------------------------------------------------
# Nesting: a private cgroup namespace and mount namespace for the whole test script
# ---------------------------------------------------------------------------------------

# t_nested: are we inside the nest t_nest set up?  (The env var carries the inode of the
# nest's mount namespace, so a child process of a nested script that inherited the
# variable but lives elsewhere does not count.)
t_nested() {
	[ -n "${PADDOCK_T_NEST:-}" ] &&
		[ "$PADDOCK_T_NEST" = "$(stat -L -c %i /proc/self/ns/mnt)" ]
}

# t_nest "$@": call first thing in a test script.  Outside the nest: re-exec the script
# under "unshare -C -m --propagation private", then once more under "unshare -n".  Inside: set up the mounts listed
# at the top of this file, verify that memory, cpu and pids show "/" in /proc/self/cgroup,
# and remove accounts left behind by dead runs.  Any failure is a "Bail out!".
t_nest() {
	if [ "$(id -u)" -ne 0 ]; then
		t_skip_all "root-tier tests need root"
	fi
	if [ -z "${PADDOCK_T_NEST:-}" ]; then
		t__need unshare util-linux
		local script
		script=$(readlink -f "$0")
		export PADDOCK_T_OUTER_MNTNS
		PADDOCK_T_OUTER_MNTNS=$(stat -L -c %i /proc/self/ns/mnt)
		# The inner bash learns the nest's mount namespace inode from its own
		# /proc/self/ns/mnt; "pending" marks "re-exec'd, setup not done yet".
		# shellcheck disable=SC2093 # exec on purpose: the nest replaces this process
		PADDOCK_T_NEST=pending exec unshare -C -m --propagation private -- \
			/bin/bash "$script" "$@"
		t_bail "cannot exec unshare"
	fi
	if [ "$PADDOCK_T_NEST" = pending ]; then
		# Still in the runner's network namespace: pin it for t_outer_net, then
		# re-exec once more in a network namespace of the nest's own.
		local script
		script=$(readlink -f "$0")
		t__nest_tmp
		export PADDOCK_T_TMP=$T_TMP PADDOCK_T_OUTER_NETNS
		PADDOCK_T_OUTER_NETNS=$(stat -L -c %i /proc/self/ns/net)
		touch "$T_TMP/outer-netns" && mount --bind /proc/self/ns/net "$T_TMP/outer-netns" ||
			t_bail "cannot pin the runner's network namespace"
		# shellcheck disable=SC2093 # exec on purpose, as above
		PADDOCK_T_NEST=pending-net exec unshare -n -- /bin/bash "$script" "$@"
		t_bail "cannot exec unshare -n"
	fi
	if [ "$PADDOCK_T_NEST" != pending-net ]; then
		t_nested && return 0   # a nested child (already set up) sourced us again
		t_bail "PADDOCK_T_NEST is set but this is not the nest's mount namespace"
	fi
	local mnt
	mnt=$(stat -L -c %i /proc/self/ns/mnt)
	[ "$mnt" != "${PADDOCK_T_OUTER_MNTNS:-}" ] || t_bail "unshare gave no new mount namespace"
	[ "$(stat -L -c %i /proc/self/ns/net)" != "$PADDOCK_T_OUTER_NETNS" ] ||
		t_bail "unshare gave no new network namespace"
	export PADDOCK_T_NEST=$mnt
	T_TMP=$PADDOCK_T_TMP
	unset PADDOCK_T_TMP
	ip link set lo up || t_bail "cannot bring lo up in the nest's network namespace"
	# /sys/class/net shows the network namespace sysfs was mounted in: the runner's.
	# A sysfs of the nest's own, bound over the two network directories (as `ip netns
	# exec` does for the whole of /sys), shows the nest's interfaces to what reads
	# them there (paddock metrics' traffic of a host end).
	mkdir -p "$T_TMP/sysfs" && mount -t sysfs sysfs-nest "$T_TMP/sysfs" &&
		mount --bind "$T_TMP/sysfs/class/net" /sys/class/net &&
		mount --bind "$T_TMP/sysfs/devices/virtual/net" /sys/devices/virtual/net ||
		t_bail "cannot mount a sysfs of the nest's network namespace"
	t__nest_setup
}

# t__nest_tmp: the scratch dir, a tmpfs mounted in the nest only; on the host it is an
# empty directory named after this run, removed at exit (or by the next run if we die).
t__nest_tmp() {
	local start
	start=$(t__starttime $$)
	T_TMP=$(mktemp -d "/tmp/paddock-test.$$-$start.XXXXXX") || t_bail "mktemp failed"
	mount -t tmpfs -o mode=0700,size=256m,nosuid,nodev paddock-test "$T_TMP" ||
		t_bail "cannot mount a tmpfs on $T_TMP"
}

# t_outer_net CMD...: run CMD in the network namespace the runner started in (the nest
# has one of its own, so that nothing a test does can reach the real host's network).
# Only for what the kernel offers there alone: the audit multicast group
# (AUDIT_NLGRP_READLOG) delivers records in the initial network namespace only.
t_outer_net() {
	nsenter --net="${T_TMP:?t_nest first}/outer-netns" -- "$@"
}

# t__nest_setup: the mounts, in an order where each step only needs the previous ones.
t__nest_setup() {
	local start
	start=$(t__starttime $$)
	# Everything this run starts inherits this, so a later run can find what a
	# SIGKILLed run left behind (t__sweep_stale).
	export PADDOCK_T_RUN=$$-$start
	T_TAG=$(printf '%05x' $(((RANDOM << 15 | RANDOM) & 0xfffff)))
	trap 't__cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	# /run and /etc/pam.d: overlays whose upper layer is in our tmpfs.  The host's
	# files stay visible (lower layer); nothing written here reaches the host.
	t__overlay /run run
	t__overlay /etc/pam.d pam.d

	# Login records: sshd and login write wtmp/btmp/lastlog; keep the host's clean.
	local f
	for f in /var/log/wtmp /var/log/btmp /var/log/lastlog; do
		[ -f "$f" ] || continue
		install -m 0664 /dev/null "$T_TMP/${f##*/}" &&
			mount --bind "$T_TMP/${f##*/}" "$f" || t_bail "cannot overlay $f"
	done

	t__nest_cgroups

	# The product's state directory: root-only, fresh for every run.
	mkdir -p -m 0700 /run/paddock &&
		mount -t tmpfs -o mode=0700,nosuid,nodev,noexec,size=16m paddock-state /run/paddock ||
		t_bail "cannot mount a tmpfs on /run/paddock"

	t__nest_verify
	t__sweep_stale
}

# t__overlay DIR NAME: mount an overlay on DIR with DIR as lower layer and an upper layer
# in $T_TMP/ovl/NAME.
t__overlay() {
	mkdir -p "$T_TMP/ovl/$2/upper" "$T_TMP/ovl/$2/work" &&
		mount -t overlay "paddock-test-$2" \
			-o "lowerdir=$1,upperdir=$T_TMP/ovl/$2/upper,workdir=$T_TMP/ovl/$2/work" "$1" ||
		t_bail "cannot mount an overlay on $1"
}

# t__nest_cgroups: replace /sys/fs/cgroup (in the nest only) by a tmpfs and mount every
# hierarchy the host has there again, with the same options.  Mounted from inside our
# cgroup namespace, each one's "/" is the cgroup this script started in.
#
# Why not mount over the existing mount points: the kernel refuses (EBUSY) to mount a
# superblock on a mount point that is the root of a mount of the same superblock, and a
# v1 hierarchy has one superblock whatever the namespace.  Here (measured): cpu and
# cpuacct are separate hierarchies, plus cpuset memory devices freezer blkio pids
# name=systemd, and a controller-less cgroup2 at /sys/fs/cgroup/unified.
t__nest_cgroups() {
	local mounts mp type opts o links l
	# mount point, fs type, super options of every cgroup mount below /sys/fs/cgroup
	mounts=$(awk '{ split($0, h, " - "); split(h[2], t, " ");
		if ((t[1] == "cgroup" || t[1] == "cgroup2") && $5 ~ "^/sys/fs/cgroup/")
			print $5, t[1], t[3] }' /proc/self/mountinfo)
	[ -n "$mounts" ] || t_bail "no cgroup hierarchies under /sys/fs/cgroup"
	# symlinks such as cpu -> cpu,cpuacct on hosts that co-mount them
	links=$(find /sys/fs/cgroup -maxdepth 1 -type l -printf '%f %l\n')
	mount -t tmpfs -o mode=0755,nosuid,nodev,noexec,size=1m cgroup-nest /sys/fs/cgroup ||
		t_bail "cannot mount a tmpfs on /sys/fs/cgroup"
	while read -r mp type opts; do
		o=$(printf '%s\n' "${opts//,/$'\n'}" | grep -vx -e rw -e ro | paste -sd, -)
		mkdir -p "$mp" || t_bail "mkdir $mp"
		if [ "$type" = cgroup2 ]; then
			mount -t cgroup2 -o "${o:-rw}" cgroup2 "$mp"
		else
			mount -t cgroup -o "$o" cgroup "$mp"
		fi || t_bail "cannot remount cgroup hierarchy $mp ($opts)"
	done <<<"$mounts"
	while read -r l; do
		[ -n "$l" ] && ln -s "${l#* }" "/sys/fs/cgroup/${l%% *}"
	done <<<"$links"
	return 0
}

# t_cgroup_path CONTROLLER [PID]: print PID's (default: this shell's) cgroup path in
# the v1 hierarchy of CONTROLLER (memory, cpu, pids, name=systemd...) as the caller's
# cgroup namespace shows it; "" for the cgroup2 hierarchy, which has no controller name.
t_cgroup_path() {
	awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++)
		if (a[i] == c) { sub(/^[^:]*:[^:]*:/, ""); print } }' "/proc/${2:-$BASHPID}/cgroup"
}

# t__nest_verify: the rules say "fail loudly" if the nest is not what we think.
t__nest_verify() {
	local c path
	for c in memory cpu pids; do
		path=$(t_cgroup_path "$c")
		[ "$path" = / ] || t_bail "nest: /proc/self/cgroup shows '$path' for $c, not /"
		[ -w "/sys/fs/cgroup/$c/cgroup.procs" ] || t_bail "nest: /sys/fs/cgroup/$c not mounted"
	done
	mountpoint -q /run/paddock || t_bail "nest: /run/paddock is not our tmpfs"
	[ "$(stat -c %a /run/paddock)" = 700 ] || t_bail "nest: /run/paddock is not 0700"
}

# t__sweep_stale: undo what runs that died without cleanup (SIGKILL, power loss) left.
# A run is "pid-starttime" of its nested script; it is dead when that process is gone.
# Only things that name a dead run are touched, so parallel live runs are safe:
#   * processes whose environment has PADDOCK_T_RUN=<dead run> (t_bg jobs, clients);
#   * sshds whose command line names a dead run's scratch directory;
#   * accounts whose GECOS is "paddock-test TAG PID STARTTIME" of a dead run: their
#     processes and CGROUP_PARENT/user-UID cgroups (t__kill_user), the account and its home, and the
#     groups named pdkt<TAG>-*;
#   * the empty cgroups /paddock-test-PID-STARTTIME.slice (t_cgroup_parent) of dead runs;
#   * the empty scratch mount points /tmp/paddock-test.PID-STARTTIME.* of dead runs.
t__sweep_stale() {
	local name gecos uid tag pid start tags="" d g run line
	# "pid run" of every process with PADDOCK_T_RUN in its environment (one grep: a
	# bench keeps thousands of such processes), and of our sshds (their environment is
	# sshd's own: the run is in the -f path); then each run's liveness looked up once
	local -A alive=()
	while IFS= read -r -d '' line; do
		d=${line#/proc/} run=${line#*:PADDOCK_T_RUN=}
		d=${d%%/*}
		[ "$d" = $$ ] && continue
		if [ -z "${alive[$run]:-}" ]; then
			alive[$run]=0
			t__alive "${run%-*}" "${run#*-}" && alive[$run]=1
		fi
		[ "${alive[$run]}" = 1 ] && continue
		t_diag "killing stale test process $d of dead run $run"
		kill -KILL "$d" 2>/dev/null
	done < <(grep -a -z -H '^PADDOCK_T_RUN=' /proc/[0-9]*/environ 2>/dev/null)
	for d in $(pgrep -f ' -f /tmp/paddock-test\.'); do
		[ "$(readlink "/proc/$d/exe" 2>/dev/null)" = /usr/sbin/sshd ] || continue
		g=$({ tr '\0' ' ' <"/proc/$d/cmdline"; } 2>/dev/null)
		[[ $g =~ \ -f\ /tmp/paddock-test\.([0-9]+-[0-9]+)\. ]] || continue
		run=${BASH_REMATCH[1]}
		t__alive "${run%-*}" "${run#*-}" && continue
		t_diag "killing stale sshd $d of dead run $run"
		kill -KILL "$d" 2>/dev/null
	done
	while IFS=: read -r name _ uid _ gecos _; do
		case $name in "$T_USER_PREFIX"*) ;; *) continue ;; esac
		[[ $gecos == "paddock-test "* ]] || continue
		read -r _ tag pid start <<<"$gecos"
		t__alive "$pid" "$start" && continue
		t_diag "removing stale test account $name of dead run $pid-$start"
		t__kill_user "$uid"
		userdel -r -f "$name" >/dev/null 2>&1
		tags="$tags $tag"
	done < <(getent passwd)
	for tag in $tags; do
		for g in $(getent group | awk -F: -v p="$T_USER_PREFIX$tag-" 'index($1, p) == 1 { print $1 }'); do
			groupdel "$g" 2>/dev/null
		done
	done
	# cgroup parents of dead runs (t_cgroup_parent): only empty cgroups go
	for d in /sys/fs/cgroup/*/paddock-test-[0-9]*-[0-9]*.slice; do
		[[ $d =~ /paddock-test-([0-9]+)-([0-9]+)\.slice$ ]] || continue
		t__alive "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" && continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for d in /tmp/paddock-test.*-*.*; do
		[ -d "$d" ] || continue
		run=${d#/tmp/paddock-test.}
		run=${run%%.*}
		# rmdir only: a dead run's directory is an empty mount point on the host.
		# (Never rmdir a live run's: the kernel would detach its tmpfs.)
		t__alive "${run%-*}" "${run#*-}" || rmdir "$d" 2>/dev/null
	done
	return 0
}

# t_syslog_listen FILE: this machine runs no syslog daemon; give the nest one.  Its
# /dev becomes a small tmpfs with the host's device nodes bound in and a /dev/log
# socket of our own that appends every syslog message to FILE, one a line.  Only the
# nest (a private mount namespace) sees it; the host's /dev is never touched.
t_syslog_listen() {
	local dev=$T_TMP/dev f
	t_nested || t_bail "t_syslog_listen only inside t_nest (private mount namespace)"
	mkdir -p "$dev" && mount -t tmpfs -o mode=0755,size=1m paddock-test-dev "$dev" ||
		t_bail "cannot mount a tmpfs for /dev"
	for f in null zero full random urandom tty; do
		[ -e "/dev/$f" ] || continue
		: >"$dev/$f" && mount --bind "/dev/$f" "$dev/$f" || t_bail "cannot bind /dev/$f"
	done
	mkdir "$dev/pts" "$dev/shm" && mount --rbind /dev/pts "$dev/pts" || t_bail "cannot bind /dev/pts"
	ln -s pts/ptmx "$dev/ptmx" && ln -s /proc/self/fd "$dev/fd" || t_bail "cannot link /dev/ptmx, /dev/fd"
	: >"$1"
	t_bg python3 "$T_ROOT/tests/audit-tool.py" syslog "$dev/log" "$1"
	t_wait_for 60 test -S "$dev/log" || t_bail "the syslog listener did not start"
	mount --rbind "$dev" /dev || t_bail "cannot mount our /dev"
}

# t_audit_listen FILE: switch the kernel's audit on for this run (switched off again at
# exit if it was off) and append every user record to FILE (tests/audit-tool.py listen,
# in the runner's network namespace: the kernel multicasts records there only).  Sets
# T_AUDIT_WAS to the enabled flag found before.
t_audit_listen() {
	local py=$T_ROOT/tests/audit-tool.py
	T_AUDIT_WAS=$(python3 "$py" status) || t_bail "cannot read the kernel's audit status (AUDIT_GET)"
	if [ "$T_AUDIT_WAS" = 0 ]; then
		t_cleanup_add python3 "$py" set 0
		python3 "$py" set 1 || t_bail "cannot enable audit (AUDIT_SET)"
	fi
	[ "$(python3 "$py" status)" != 0 ] || t_bail "audit still disabled"
	: >"$1"
	t_bg t_outer_net python3 "$py" listen "$1" "$1.ready"
	t_wait_for 60 test -e "$1.ready" || t_bail "the audit listener did not start"
}

# ---------------------------------------------------------------------------------------
# Cleanup
# ---------------------------------------------------------------------------------------

# t__cleanup: the EXIT trap.  Idempotent, tolerant of partial setup, never fails.
t__cleanup() {
	[ "$T__CLEANED" = 1 ] && return 0
	T__CLEANED=1
	set +e
	local i e u uid f
	# 1. the script's own steps, last in first out
	for ((i = ${#T__HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${T__HOOKS[i]}" >/dev/null 2>&1
	done
	# 2. sshd: the per-connection processes first, then the listener
	for f in "${T__SSHD_PIDFILES[@]}"; do
		t__sshd_stop "$f"
	done
	# 3. background processes (each its own process group)
	for e in "${T__BG[@]}"; do
		t__kill_group "${e%%:*}" "${e#*:}"
	done
	# 4. everything of our throwaway users: what is in their cgroups (the paddock's
	#    holder included) and every process they own.  These uids exist only for us.
	for u in "${T__USERS[@]}"; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		t__kill_user "$uid"
	done
	# 5. the accounts, home directories, groups
	for u in "${T__USERS[@]}"; do
		id -u "$u" >/dev/null 2>&1 || continue
		userdel -r "$u" >/dev/null 2>&1 || userdel -r -f "$u" >/dev/null 2>&1 ||
			echo "cleanup: cannot delete user $u" >&2
	done
	for u in "${T__GROUPS[@]}"; do
		getent group "$u" >/dev/null 2>&1 || continue
		groupdel "$u" >/dev/null 2>&1 || echo "cleanup: cannot delete group $u" >&2
	done
	# 6. PAM files (in the overlay when nested, on the host otherwise) and bind mounts
	for f in "${T__PAM_BINDS[@]}"; do
		umount "$f" 2>/dev/null
	done
	for f in "${T__PAM_FILES[@]}"; do
		rm -f -- "$f"
	done
	# 7. the scratch tmpfs: detach it here, then the empty host directory can go
	if [ -n "$T_TMP" ] && [ -d "$T_TMP" ]; then
		if mountpoint -q "$T_TMP"; then
			umount -l "$T_TMP" && rmdir "$T_TMP"
		else
			rm -rf -- "$T_TMP"
		fi
	fi
	return 0
}

# t__kill_user UID: kill the processes of a throwaway uid and remove its leftover
# cgroups CGROUP_PARENT/user-UID (and below) in the nest's hierarchies.  Only for our
# uids.  Nothing else is removed: in the nest, "/" of the cpu and pids hierarchies is the
# host's root here, so CGROUP_PARENT itself may be in use by other runs at this moment
# (measured: other test programs use /paddock.slice concurrently).
t__kill_user() {
	local uid=$1 i d pid parent
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		if t_nested; then
			for parent in $T_CGROUP_PARENT; do
				for d in /sys/fs/cgroup/*"$parent/user-$uid"; do
					[ -d "$d" ] || continue
					while read -r pid; do
						[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
					done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
				done
			done
		fi
		pkill -KILL -U "$uid" 2>/dev/null
		pkill -KILL -u "$uid" 2>/dev/null
		# done when only zombies are left (PID 1 here reaps orphans late)
		ps -e -o ruid=,euid=,stat= | awk -v u="$uid" '($1 == u || $2 == u) && $3 !~ /^Z/ { f = 1 }
			END { exit !f }' || break
		sleep 0.1
	done
	t_nested || return 0
	# depth first: children before parents; rmdir refuses non-empty cgroups
	for parent in $T_CGROUP_PARENT; do
		for d in /sys/fs/cgroup/*"$parent/user-$uid"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	return 0
}

# ---------------------------------------------------------------------------------------
# Throwaway users and groups
# ---------------------------------------------------------------------------------------

# t__acct_name NAME: set T__NAME to pdkt<tag>-NAME, after validating it (lowercase
# letters, digits, '_' and '-'; at most 32 characters in all).
t__acct_name() {
	[ -n "$T_TAG" ] || T_TAG=$(printf '%05x' $(((RANDOM << 15 | RANDOM) & 0xfffff)))
	[[ $1 =~ ^[a-z0-9_-]+$ ]] || t_bail "bad test account name '$1'"
	T__NAME=$T_USER_PREFIX$T_TAG-$1
	[ ${#T__NAME} -le 32 ] || t_bail "test account name $T__NAME longer than 32"
}

# t__client_key: this run's ssh client key pair, generated on first use.
t__client_key() {
	T_KEY=${T_TMP:?t_nest first}/id_ed25519
	[ -f "$T_KEY" ] && return 0
	t__need ssh-keygen openssh-client
	ssh-keygen -q -t ed25519 -N '' -C "paddock-test-$T_TAG" -f "$T_KEY" ||
		t_bail "ssh-keygen failed"
}

# t_user NAME [useradd options...]: create the account pdkt<tag>-NAME with a home
# directory, /bin/bash, the password field "*" (no password can match, but the account
# is not locked, so sshd public-key logins work; su from root needs none) and this run's
# ssh public key in ~/.ssh/authorized_keys.  Sets T_USER, T_UID, T_HOME.
t_user() {
	local name=$1 start
	shift
	t__acct_name "$name"
	start=$(t__starttime $$)
	useradd -m -s /bin/bash -p '*' -c "paddock-test $T_TAG $$ $start" "$@" "$T__NAME" ||
		t_bail "useradd $T__NAME failed"
	T__USERS+=("$T__NAME")
	T_USER=$T__NAME
	T_UID=$(id -u "$T_USER")
	T_HOME=$(getent passwd "$T_USER" | cut -d: -f6)
	t__client_key
	install -d -o "$T_USER" -g "$(id -g "$T_USER")" -m 0700 "$T_HOME/.ssh" &&
		install -o "$T_USER" -g "$(id -g "$T_USER")" -m 0600 "$T_KEY.pub" \
			"$T_HOME/.ssh/authorized_keys" ||
		t_bail "cannot install the ssh key for $T_USER"
}

# t_group NAME: create the group pdkt<tag>-NAME; sets T_GROUP.  Add members with
# t_user NAME -G "$T_GROUP" or usermod -aG.
t_group() {
	t__acct_name "$1"
	groupadd "$T__NAME" || t_bail "groupadd $T__NAME failed"
	T__GROUPS+=("$T__NAME")
	T_GROUP=$T__NAME
}

# ---------------------------------------------------------------------------------------
# PAM services and policies
# ---------------------------------------------------------------------------------------

# t_private_users PREFIX N HOME SHELL: N accounts PREFIX0..PREFIX<N-1> that exist only
# in the nest (useradd costs tens of ms per account and more with a long /etc/passwd
# and other runs' useradds): a copy of /etc/passwd with N more entries (group 100, HOME,
# SHELL), installed in an overlay on /etc (umount -l /etc when done; the overlay goes
# with the nest anyway).  Their uids are far above what useradd hands out and random
# per run.  "name uid" lines go to $T_TMP/PREFIX-users.  Not in T__USERS: their
# processes are killed with the run's cgroup_parent (t__remove_parent) or by the caller.
t_private_users() {
	local prefix=$1 n=$2 base
	t_nested || t_bail "t_private_users only inside t_nest"
	base=$((1900000000 + (RANDOM % 5000) * 20000))
	cp /etc/passwd "$T_TMP/passwd" || t_bail "cannot copy /etc/passwd"
	awk -v n="$n" -v b="$base" -v p="$prefix" -v h="$3" -v s="$4" 'BEGIN {
		for (i = 0; i < n; i++) printf "%s%d:x:%d:100::%s:%s\n", p, i, b + i, h, s }' \
		>"$T_TMP/$prefix-passwd"
	cat "$T_TMP/$prefix-passwd" >>"$T_TMP/passwd"
	awk -F: '{ print $1, $3 }' "$T_TMP/$prefix-passwd" >"$T_TMP/$prefix-users"
	# An overlay on /etc, not a bind on /etc/passwd: useradd on the host renames
	# a new passwd into place, which detaches a bind from the old one.
	t__overlay_keep /etc "etc-$prefix"
	install -m 0644 "$T_TMP/passwd" /etc/passwd || t_bail "cannot write the private passwd"
	getent passwd "${prefix}0" >/dev/null || t_bail "the private passwd is not used"
}

# t__overlay_keep DIR NAME: t__overlay, keeping the mounts below DIR (the nest's
# /etc/pam.d overlay, t_pam_overlay's binds, a bound resolv.conf) on top: each topmost
# one is moved aside first and back onto the overlay after.
t__overlay_keep() {
	local dir=$1 keep=$T_TMP/keep-$2 m i=0 tops=()
	mapfile -t tops < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
		sort -u | awk '{ for (i = 1; i <= n; i++) if (index($0, t[i] "/") == 1) next; t[++n] = $0; print }')
	mkdir -p "$keep" || t_bail "mkdir $keep"
	for m in "${tops[@]}"; do
		i=$((i + 1))
		if [ -d "$m" ]; then mkdir "$keep/$i"; else touch "$keep/$i"; fi &&
			mount --move "$m" "$keep/$i" || t_bail "cannot move $m aside"
	done
	t__overlay "$dir" "$2"
	i=0
	for m in "${tops[@]}"; do
		i=$((i + 1))
		mount --move "$keep/$i" "$m" || t_bail "cannot move $m back onto the overlay"
	done
}

# t_pam_service NAME CONTENT: write /etc/pam.d/NAME (NAME must start with paddock-test-),
# removed at exit.  In the nest, /etc/pam.d is a private overlay: the host never sees it.
t_pam_service() {
	case $1 in paddock-test-?*) ;; *) t_bail "PAM service '$1' must start with paddock-test-" ;; esac
	[[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || t_bail "bad PAM service name '$1'"
	T__PAM_FILES+=("/etc/pam.d/$1")
	printf '%s\n' "$2" >"/etc/pam.d/$1" && chmod 0644 "/etc/pam.d/$1" ||
		t_bail "cannot write /etc/pam.d/$1"
}

# t_guard_install: install the login-shell guard as a package would, into a root-owned
# 0755 directory of the nest's private /run (removed at exit): a copy of the helper and
# a symlink paddock-shell to it.  Sets T_GUARD to the symlink.  A copy, not the build
# tree's binary: a checkout under /tmp or /var/tmp is hidden by the paddock's own.
t_guard_install() {
	local bin=/run/paddock-test-bin-$$
	install -d -o root -g root -m 0755 "$bin" &&
		install -o root -g root -m 0755 "$T_HELPER" "$bin/paddock" &&
		ln -sfn paddock "$bin/paddock-shell" || t_bail "cannot install the guard in $bin"
	t_cleanup_add rm -rf "$bin"
	T_GUARD=$bin/paddock-shell
}

# t_pam_paddock_stack CONF_PATH [MODULE_ARGS...]: print a typical service file with
# pam_paddock as the only real session module (use it as CONTENT):
#   auth sufficient pam_rootok / auth required pam_permit, account and password
#   pam_permit, session required <abs path>/build/pam_paddock.so conf=CONF_PATH ARGS.
t_pam_paddock_stack() {
	local conf=$1
	shift
	printf '%s\n' \
		"# written by tests/root/lib.sh" \
		"auth     sufficient pam_rootok.so" \
		"auth     required   pam_permit.so" \
		"account  required   pam_permit.so" \
		"password required   pam_permit.so" \
		"session  required   $T_PAM_SO conf=$conf${*:+ $*}"
}

# t_pam_simple_stack SESSION_MODULE: the same stack with a plain module (pam_permit.so,
# pam_deny.so) in place of pam_paddock, for checking the infrastructure itself.
t_pam_simple_stack() {
	printf '%s\n' \
		"auth     sufficient pam_rootok.so" \
		"auth     required   pam_permit.so" \
		"account  required   pam_permit.so" \
		"password required   pam_permit.so" \
		"session  required   $1"
}

# t_policy FILE CONTENT: write a policy file (root:root 0644) into the root-only 0700
# directory $T_TMP/policy; sets T_POLICY to its absolute path.
t_policy() {
	[[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || t_bail "t_policy: '$1' must be a plain file name"
	install -d -o root -g root -m 0700 "${T_TMP:?t_nest first}/policy" || t_bail "mkdir policy"
	T_POLICY=$T_TMP/policy/$1
	printf '%s\n' "$2" >"$T_POLICY" && chown root:root "$T_POLICY" &&
		chmod 0644 "$T_POLICY" || t_bail "cannot write $T_POLICY"
}

# t_pam_overlay SERVICE CONTENT: replace /etc/pam.d/SERVICE for this test only, by bind
# mounting a file with CONTENT over it.  For clients whose PAM service name is fixed
# (su, su-l, runuser, runuser-l, login).  Refused outside the nest, where the bind would
# be visible to the whole host.  Calling it again replaces the previous overlay.
t_pam_overlay() {
	local svc=$1 f
	t_nested || t_bail "t_pam_overlay only inside t_nest (private mount namespace)"
	[[ $svc =~ ^[A-Za-z0-9_.-]+$ ]] || t_bail "bad PAM service name '$svc'"
	[ -f "/etc/pam.d/$svc" ] || t_bail "/etc/pam.d/$svc does not exist"
	f=$T_TMP/pam-overlay/$svc
	mkdir -p "$T_TMP/pam-overlay"
	while mountpoint -q "/etc/pam.d/$svc" 2>/dev/null; do
		umount "/etc/pam.d/$svc" || t_bail "cannot remove the overlay of /etc/pam.d/$svc"
	done
	printf '%s\n' "$2" >"$f" && chmod 0644 "$f" || t_bail "cannot write $f"
	mount --bind "$f" "/etc/pam.d/$svc" || t_bail "cannot bind $f over /etc/pam.d/$svc"
	T__PAM_BINDS+=("/etc/pam.d/$svc")
}

# t_su_stack CONTENT: su's services ("su" for su USER, "su-l" for su - USER) become
# CONTENT.  t_runuser_stack and t_login_stack do the same for runuser/runuser-l and login.
t_su_stack() { t_pam_overlay su "$1" && t_pam_overlay su-l "$1"; }
t_runuser_stack() { t_pam_overlay runuser "$1" && t_pam_overlay runuser-l "$1"; }
t_login_stack() { t_pam_overlay login "$1"; }

# t_su USER CMD: su - USER -c CMD (PAM service su-l), as root.  Run it through t_ok etc.
t_su() { su - "$1" -c "$2"; }

# t_pamtester SERVICE USER OPERATION...: pamtester -v on one of our services.
t_pamtester() {
	case $1 in paddock-test-?*) ;; *) t_bail "pamtester: service '$1' is not ours" ;; esac
	t__need pamtester pamtester
	pamtester -v "$@"
}

# t_login USER SHELL_COMMANDS: "login -f USER" on a pseudo-terminal (util-linux script),
# typing SHELL_COMMANDS and then "exit" into the login shell.  -f: preauthenticated, so
# login runs the account and session stacks only.  Output contains the terminal echo.
t_login() {
	printf '%s\nexit\n' "$2" | timeout 30 script -qec "login -f $1" /dev/null
}

# ---------------------------------------------------------------------------------------
# Paddocks: this run's cgroup_parent, its policies, long-lived sessions
# ---------------------------------------------------------------------------------------

# t_cgroup_parent: give this run a cgroup_parent of its own for its policies.  Sets
# T_PARENT to /paddock-test-PID-STARTTIME.slice (the run, as in $PADDOCK_T_RUN), adds it to
# T_CGROUP_PARENT and registers t__remove_parent with t_cleanup_add.  Why: in the nest,
# "/" of the cpu and pids hierarchies is the host's root, shared with other runs, so a
# shared parent (/paddock.slice) could never be removed; everything below T_PARENT is
# this run's.  The empty parents of runs that died without cleanup are removed by the
# next run's t_nest (t__sweep_stale).  Call it once, right after t_nest: cleanup hooks
# run last in, first out, so those added later ("$T_HELPER" stop USER) run before it.
t_cgroup_parent() {
	t_nested || t_bail "t_cgroup_parent only inside t_nest"
	[ -z "$T_PARENT" ] || t_bail "t_cgroup_parent called twice"
	T_PARENT=/paddock-test-$PADDOCK_T_RUN.slice
	T_CGROUP_PARENT="$T_CGROUP_PARENT $T_PARENT"
	t_cleanup_add t__remove_parent "$T_PARENT"
	t_diag "cgroup_parent $T_PARENT"
}

# t__remove_parent PARENT: the cleanup of t_cgroup_parent.  First our users go
# (t__kill_user: their processes and PARENT/user-UID cgroups); then, in every hierarchy,
# what is left below PARENT is killed (a holder finishing its teardown sits in
# PARENT/reaper; only this run's processes can be there) and the cgroups are removed
# deepest first (PARENT/reaper, PARENT/user-UID and below, PARENT), retrying for about
# 3 s while a holder finishes.  Says on stderr what it could not remove.
t__remove_parent() {
	local parent=$1 u uid d t__undone
	for u in "${T__USERS[@]}"; do
		uid=$(id -u "$u" 2>/dev/null) && t__kill_user "$uid"
	done
	for _ in $(seq 30); do
		t__undone=()
		for d in /sys/fs/cgroup"$parent" /sys/fs/cgroup/*"$parent"; do
			[ -d "$d" ] || continue
			# shellcheck disable=SC2046 # one pid per word
			kill -KILL $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null) 2>/dev/null
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$d" ] && t__undone+=("$d")
		done
		[ ${#t__undone[@]} -eq 0 ] && return 0
		sleep 0.1
	done
	echo "cleanup: cannot remove ${t__undone[*]}" >&2
	return 0
}

# t_cg CONTROLLER UID: print the path of UID's cgroup in the v1 hierarchy CONTROLLER
# (memory, cpu, pids, cpuacct) below T_PARENT: /sys/fs/cgroup/CONTROLLER$T_PARENT/user-UID.
t_cg() { printf '/sys/fs/cgroup/%s%s/user-%s' "$1" "${T_PARENT:?t_cgroup_parent first}" "$2"; }

# t_paddock_gone UID: the paddock of UID is torn down: no /run/paddock/UID and no
# user-UID cgroup below T_PARENT in the memory, cpu, pids and cpuacct hierarchies.
t_paddock_gone() {
	[ ! -e "/run/paddock/$1" ] && [ ! -e "$(t_cg memory "$1")" ] &&
		[ ! -e "$(t_cg pids "$1")" ] && [ ! -e "$(t_cg cpu "$1")" ] &&
		[ ! -e "$(t_cg cpuacct "$1")" ]
}

# t_pgrep [PGREP_OPTIONS...] PATTERN: pgrep, limited to the processes of this run's nest,
# so that a test never counts paddocks or spare makers another run started: seen from
# inside the nest's cgroup namespace, the cgroup path of a process outside it starts
# with "/..".  Prints what pgrep prints (pid, or "pid args" with -a), one a line.
t_pgrep() {
	local pid rest
	pgrep "$@" | while read -r pid rest; do
		[ -r "/proc/$pid/cgroup" ] && ! grep -q ':/\.\.' "/proc/$pid/cgroup" 2>/dev/null &&
			echo "$pid${rest:+ $rest}"
	done
}

# t_policy_global: print the first lines of a policy for this run's paddocks, to start
# t_policy's CONTENT with (more [global] keys may follow):
#   [global] / cgroup_manager = cgroupfs / cgroup_parent = $T_PARENT
t_policy_global() {
	printf '%s\n' "[global]" "cgroup_manager = cgroupfs" \
		"cgroup_parent = ${T_PARENT:?t_cgroup_parent first}"
}

# t_ns_record UID NAME: the inode of UID's namespace NAME as recorded in the regular
# file /run/paddock/UID/ns/all, line "NAME INODE" (records, not nsfs pins: see
# pam_module/holder-proto.h).
t_ns_record() {
	local f=/run/paddock/$1/ns/all
	[ -f "$f" ] && awk -v n="$2" '$1 == n { print $2; found = 1 } END { exit !found }' "$f"
}

# t_ns_records UID: how many namespaces /run/paddock/UID/ns/all records (0: none; its
# last line, "holder PID", is not one).
t_ns_records() {
	local f=/run/paddock/$1/ns/all
	if [ -f "$f" ]; then grep -vc '^holder ' "$f"; else echo 0; fi
}

declare -A T_SESS_PID=()   # t_sess_start: NAME -> pid of the client (t_bg)
declare -A T__SESS_FIFO=() # t_sess_start: NAME -> the FIFO the session blocks on
T_SESS_RC=                 # t_sess_end: the client's exit status, or "timeout"

# t_sess_start [--ssh] NAME USER SCRIPT: a session of USER that stays open until
# t_sess_end NAME, started with t_bg: "su - USER -c" (with --ssh: t_ssh USER, to the latest
# t_sshd_start) runs SCRIPT in USER's shell, which then prints __SCRIPT_DONE__, blocks
# (without forking) on the FIFO ~/.go-NAME and prints __RELEASED__.  Output in
# $T_TMP/NAME.log; T_SESS_PID[NAME] is the pid of su (or ssh).  The user's paddock lives
# at least as long as the session.
t_sess_start() {
	local ssh=0 name user home script
	[ "$1" = --ssh ] && { ssh=1; shift; }
	name=$1 user=$2
	script="$3
echo __SCRIPT_DONE__
read -r _ < ~/.go-$name
echo __RELEASED__"
	home=$(getent passwd "$user" | cut -d: -f6)
	T__SESS_FIFO[$name]=$home/.go-$name
	rm -f "${T__SESS_FIFO[$name]}"
	mkfifo -m 0600 "${T__SESS_FIFO[$name]}" && chown "$user" "${T__SESS_FIFO[$name]}" ||
		t_bail "mkfifo ${T__SESS_FIFO[$name]}"
	if [ "$ssh" = 1 ]; then
		t_bg t_ssh "$user" "$script" >"$T_TMP/$name.log" 2>&1
	else
		t_bg su - "$user" -c "$script" >"$T_TMP/$name.log" 2>&1
	fi
	T_SESS_PID[$name]=$T_BG_PID
}

# t_sess_wait NAME [TIMEOUT]: wait (default 20 s) until session NAME has run its SCRIPT
# (printed __SCRIPT_DONE__); on a timeout print its output and fail.  For t_ok.
t_sess_wait() {
	t_wait_for "${2:-20}" grep -q __SCRIPT_DONE__ "$T_TMP/$1.log" && return 0
	echo "session $1 did not finish its script; its output:"
	cat "$T_TMP/$1.log"
	return 1
}

# t_sess_end NAME: release session NAME and wait up to 15 s for its client to exit
# (killed after that); T_SESS_RC is the client's exit status, or "timeout".
t_sess_end() {
	local name=$1
	# shellcheck disable=SC2016 # $1 is sh's
	timeout 5 sh -c 'echo go >"$1"' _ "${T__SESS_FIFO[$name]}" 2>/dev/null
	T_SESS_RC=0
	if t_wait_for 15 t__gone "${T_SESS_PID[$name]}"; then
		wait "${T_SESS_PID[$name]}" 2>/dev/null || T_SESS_RC=$?
	else
		T_SESS_RC=timeout
		t_kill "${T_SESS_PID[$name]}"
	fi
	rm -f "${T__SESS_FIFO[$name]}"
}

# ---------------------------------------------------------------------------------------
# A real sshd on 127.0.0.1 with a PAM service of our own
# ---------------------------------------------------------------------------------------

# t_free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
t_free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + (RANDOM % 40000)))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . && continue
		printf '%s\n' "$p"
		return 0
	done
	return 1
}

# t_sshd_start SERVICE [PORT] [SFTP_SUBSYSTEM] [EXTRA_CONFIG]: start a real sshd whose
# PAM service is SERVICE (paddock-test-*; /etc/pam.d/SERVICE must exist: a missing file
# would silently fall back to the "other" stack).  Debian 12's sshd 9.2 takes its PAM
# service name from the basename of argv[0], so it runs as $T_TMP/sshd/SERVICE, a symlink
# to /usr/sbin/sshd, with an absolute path (sshd re-execs itself from it).  Private
# config, host key, pid file and log ($T_TMP/sshd/SERVICE-PORT.log, LogLevel VERBOSE).
# PORT: a number, or empty/"auto" for a free one.  SFTP_SUBSYSTEM: "internal-sftp"
# (default) or /usr/lib/openssh/sftp-server.  EXTRA_CONFIG: more sshd_config lines.
# Sets T_SSHD_PORT, T_SSHD_PID, T_SSHD_LOG.  t_ssh/t_sftp/t_scp use the latest one.
t_sshd_start() {
	local svc=$1 port=${2:-auto} sftp=${3:-internal-sftp} extra=${4:-} d cfg pidfile
	case $svc in paddock-test-?*) ;; *) t_bail "sshd service '$svc' must start with paddock-test-" ;; esac
	[ -x /usr/sbin/sshd ] || t_bail "/usr/sbin/sshd not found: install openssh-server (make deps)"
	t__need ssh openssh-client
	getent passwd sshd >/dev/null ||
		t_bail "privilege separation user sshd missing: install openssh-server (make deps)"
	[ -f "/etc/pam.d/$svc" ] || t_bail "write /etc/pam.d/$svc (t_pam_service) before t_sshd_start"
	[ "$port" = auto ] && { port=$(t_free_port) || t_bail "no free port"; }
	t__client_key
	d=$T_TMP/sshd
	mkdir -p -m 0700 "$d"
	# sshd chroots its unprivileged child into /run/sshd (root-owned, not writable by
	# others).  In the nest /run is our overlay, so this does not touch the host.
	[ -d /run/sshd ] || install -d -o root -g root -m 0755 /run/sshd
	[ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" ||
		t_bail "ssh-keygen (host key) failed"
	ln -sfn /usr/sbin/sshd "$d/$svc"
	cfg=$d/$svc-$port.conf
	pidfile=$d/$svc-$port.pid
	T_SSHD_LOG=$d/$svc-$port.log
	cat >"$cfg" <<-EOF
		# written by tests/root/lib.sh
		Port $port
		ListenAddress $T_SSH_HOST
		HostKey $d/host_ed25519
		PidFile $pidfile
		UsePAM yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		AuthorizedKeysFile .ssh/authorized_keys
		StrictModes no
		PermitRootLogin no
		UseDNS no
		PrintMotd no
		PrintLastLog no
		AllowTcpForwarding yes
		X11Forwarding no
		MaxStartups 100:30:200
		MaxSessions 50
		LoginGraceTime 30
		LogLevel VERBOSE
		Subsystem sftp $sftp
		$extra
	EOF
	/usr/sbin/sshd -t -f "$cfg" 2>"$T_SSHD_LOG" ||
		t_bail "sshd -t rejects $cfg: $(cat "$T_SSHD_LOG")"
	T__SSHD_PIDFILES+=("$pidfile")
	"$d/$svc" -f "$cfg" -E "$T_SSHD_LOG" || t_bail "sshd ($svc) failed to start: $(cat "$T_SSHD_LOG")"
	if ! t_wait_for 10 grep -q "Server listening on $T_SSH_HOST port $port" "$T_SSHD_LOG"; then
		t_bail "sshd ($svc) not listening on port $port: $(cat "$T_SSHD_LOG")"
	fi
	t_wait_for 5 test -s "$pidfile" || t_bail "sshd ($svc) wrote no pid file"
	T_SSHD_PID=$(cat "$pidfile")
	T_SSHD_PORT=$port
}

# t_sshd_stop [PORT]: stop one of our sshds now (default: the latest).
t_sshd_stop() {
	local f
	for f in "${T__SSHD_PIDFILES[@]}"; do
		case $f in *"-${1:-${T_SSHD_PORT:-}}.pid") t__sshd_stop "$f" ;; esac
	done
}

# t__sshd_stop PIDFILE: TERM the per-connection sshd processes, then the listener
# (only if the pid is still an sshd started from our directory).
t__sshd_stop() {
	local pid c exe
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	# sshd rewrites its argv ("NAME: PATH -f CONF ... [listener] ..."), so check the
	# executable and that our config directory is on the command line.
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
	c=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)
	if [ "$exe" != /usr/sbin/sshd ] || [[ $c != *" -f $T_TMP/sshd/"* ]]; then
		rm -f "$1"
		return 0
	fi
	for c in $(pgrep -P "$pid"); do
		kill -TERM "$c" 2>/dev/null
	done
	kill -TERM "$pid" 2>/dev/null
	t_wait_for 5 t__gone "$pid" || kill -KILL "$pid" 2>/dev/null
	rm -f "$1"
}

# t__gone PID: the process has exited (a zombie counts as gone: a daemon's parent here is
# PID 1, which reaps late, and kill -0 still succeeds on a zombie).
t__gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

# t__ssh_opts: the ssh options every client call uses.
t__ssh_opts() {
	T__SSH_OPTS=(-i "$T_KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10 -o IdentitiesOnly=yes)
}

# t_ssh [SSH_OPTIONS...] USER [CMD...]: ssh to the latest t_sshd_start as USER.
# Options before USER go to ssh (-tt, -N, -L spec, -o opt...).  Exit status is ssh's:
# 255 for a connection/auth failure, 254 when sshd refuses the session (measured).
t_ssh() {
	local opts=()
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
		case $1 in
		-[bcDEeFIiJLlmOopQRSWw]) opts+=("$1" "$2"); shift 2 ;;
		*) opts+=("$1"); shift ;;
		esac
	done
	[ $# -ge 1 ] || t_bail "t_ssh: no user"
	t__ssh_opts
	ssh "${T__SSH_OPTS[@]}" -p "${T_SSHD_PORT:?t_sshd_start first}" "${opts[@]}" \
		"$1@$T_SSH_HOST" "${@:2}"
}

# t_sftp USER [SFTP_OPTIONS...]: sftp in batch mode, commands from stdin
# (e.g. t_sftp "$u" <<<'ls /').  A failing batch command makes it exit non-zero.
t_sftp() {
	local user=$1
	shift
	t__ssh_opts
	sftp "${T__SSH_OPTS[@]}" -P "${T_SSHD_PORT:?t_sshd_start first}" -b - "$@" "$user@$T_SSH_HOST"
}

# t_scp [SCP_OPTIONS...] SOURCE... TARGET: scp with our key and port; write remote
# paths as USER@$T_SSH_HOST:PATH (or "$(t_remote USER PATH)").  -O forces the legacy
# scp protocol (default in 9.2 is the sftp protocol).
t_scp() {
	t__ssh_opts
	scp "${T__SSH_OPTS[@]}" -P "${T_SSHD_PORT:?t_sshd_start first}" "$@"
}

# t_remote USER PATH: print USER@127.0.0.1:PATH for t_scp.
t_remote() { printf '%s@%s:%s\n' "$1" "$T_SSH_HOST" "$2"; }
