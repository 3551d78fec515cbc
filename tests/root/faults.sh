#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/faults.sh: crashes and failures during setup leave nothing a later login
# would join, and a later login works.  The caller (pamtester) is SIGKILLed by strace
# fault injection at each step of open_session (the lock, the cgroup, the state
# directory, the start of the holder, each pin, the control protocol, the join); the
# helper processes are killed or failed during the holder's start; the holder is
# SIGKILLed mid-life; an injected error makes open_session fail with PAM_SESSION_ERR
# and leave nothing; a broken policy denies users but never root.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need pamtester pamtester
t__need strace strace

t_cgroup_parent

NS_NAMES="mnt pid ipc uts net"
NS_CMD='for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done | paste -sd" "'
PY=/usr/bin/python3
SESSION_ERR='Cannot make/remove an entry for the specified session'

# pt_state UID: holder=N mnts=N dir=0|1 (see teardown.sh; mnts is always 0: nothing
# is mounted below /run/paddock/UID, the namespaces are recorded, not pinned)
pt_state() {
	local uid=$1 holder mnts dir=0
	holder=$(pgrep -c -f "^paddock holder --uid $uid " || true)
	mnts=$(awk -v p="/run/paddock/$uid/" 'index($5, p) == 1' /proc/self/mountinfo | wc -l)
	[ -e "/run/paddock/$uid" ] && dir=1
	echo "holder=$holder mnts=$mnts dir=$dir"
}
CLEAN="holder=0 mnts=0 dir=0"
pt_clean() { [ "$(pt_state "$1")" = "$CLEAN" ]; }

# pt_wait_clean DESC UID: pass if no holder, pin or state directory of UID is left
# within 3 s (a holder a killed caller had started tears itself down).
pt_wait_clean() {
	if t_wait_for 3 pt_clean "$2"; then
		t__result 1 "$1"
		return 0
	fi
	t__result 0 "$1"
	t_diag "after 3 s: $(pt_state "$2")"
	return 1
}

# pt_wait_unjoinable DESC UID: after a caller was killed, within 3 s no holder and no
# pin is left; a state directory may stay for the next open to collect, but nothing
# may answer on its control socket (nothing a later login could join).
pt_wait_unjoinable() {
	local st
	if t_wait_for 3 pt_no_holder_pin "$2" &&
		"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except (ConnectionRefusedError, FileNotFoundError):
    sys.exit(0)
sys.exit("something answers on " + sys.argv[1])
' "/run/paddock/$2/ctl"; then
		t__result 1 "$1"
		st=$(pt_state "$2")
		[ "$st" = "$CLEAN" ] || t_diag "left for the next open to collect: $st"
		return 0
	fi
	t__result 0 "$1"
	t_diag "after 3 s: $(pt_state "$2")"
	return 1
}
pt_no_holder_pin() { [[ $(pt_state "$1") == "holder=0 mnts=0 "* ]]; }

# pt_snapshot UID: take a reference (an open fd) on every namespace that exists for
# UID right now (the live holders'), so that their inodes stay
# allocated, and remember the inodes in OLD_INOS.  A later login must be in none.
OLD_INOS=() OLD_FDS=()
pt_snapshot() {
	local uid=$1 h n fd
	for h in $(pgrep -f "^paddock holder --uid $uid "); do
		for n in $NS_NAMES; do
			exec {fd}<"/proc/$h/ns/$n" 2>/dev/null || continue
			OLD_FDS+=("$fd") OLD_INOS+=("$n:$(stat -L -c %i "/proc/self/fd/$fd")")
		done
	done
}
pt_release() {
	local fd
	for fd in "${OLD_FDS[@]}"; do
		exec {fd}<&-
	done
	OLD_FDS=() OLD_INOS=()
}

# pt_later_login NAME USER UID: a later su - login works, is in a fresh paddock (none
# of the namespaces pt_snapshot saw, PID 1 a holder), and its paddock ends with it.
pt_later_login() {
	local name=$1 user=$2 uid=$3 out n ino e reused=""
	t_ok "$name: a later login works" su - "$user" -c "$NS_CMD; tr '\\0' ' ' </proc/1/cmdline"
	out=$T_OUT
	t_like "$name: ... PID 1 is a holder" $'\n'"paddock holder --uid $uid " "$out"
	for n in $NS_NAMES; do
		ino=$(sed -n "s/.*$n:\\[\\([0-9]*\\)\\].*/\\1/p" <<<"$out" | head -n1)
		[ -n "$ino" ] || reused="$reused $n:missing"
		for e in "${OLD_INOS[@]}"; do
			[ "$e" = "$n:$ino" ] && reused="$reused $e"
		done
	done
	t_is "$name: ... in none of the namespaces that existed before (${#OLD_INOS[@]} checked)" "" "$reused"
	pt_release
	pt_wait_clean "$name: ... and that paddock ends with it" "$uid"
}

t_user alice; alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob; bob=$T_USER bob_uid=$T_UID bob_home=$T_HOME
t_user carol; carol=$T_USER carol_uid=$T_UID

t_policy faults.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes"
good=$T_POLICY
stack=$(t_pam_paddock_stack "$good" "helper=$T_HELPER")
t_pam_service paddock-test-faults "$stack"
t_su_stack "$stack"

# --- which syscalls open_session issues (the injection points below must exist) ----------------
t_ok "strace -f -c: a clean open_session/close_session" \
	strace -f -c -o "$T_TMP/count" pamtester -v paddock-test-faults "$alice" open_session close_session
counted=$(awk '$NF ~ /^[a-z_0-9]+$/ && $1 ~ /^[0-9.]+$/ { print $NF }' "$T_TMP/count" | sort | paste -sd' ')
t_diag "syscalls: $counted"
for s in flock mkdirat bind clone clone3 wait4 poll fsopen sethostname openat sendto recvfrom setns; do
	t_like "... issues $s" "(^| )$s( |\$)" "$counted"
done
pt_wait_clean "... and leaves nothing" "$alice_uid"

# --- the caller SIGKILLed at each step of a first login --------------------------------------------
# strace without -f: only pamtester (the caller) is hit.  Which call of a syscall is
# which step is read from a clean traced login in the same state (pt_trace, pt_nth),
# so the injection points follow the module when it changes.
TRACED="flock,mkdirat,bind,clone,wait4,poll,openat,sendto,recvfrom,setns"

# pt_trace USER: trace the syscalls above of one open_session/close_session of USER.
pt_trace() {
	strace -o "$T_TMP/trace" -e trace="$TRACED" \
		pamtester paddock-test-faults "$1" open_session close_session >/dev/null 2>&1
}
# pt_nth SYSCALL REGEX K: "when=N" for the K-th call of SYSCALL in the last pt_trace
# whose line matches REGEX; fails if there is none.
pt_nth() {
	local n
	n=$(grep -E "^$1\(" "$T_TMP/trace" | grep -nE -- "$2" | sed -n "${3}p" | cut -d: -f1)
	[ -n "$n" ] || return 1
	echo "when=$n"
}
# pt_points ENTRY...: each ENTRY is "LABEL SYSCALL REGEX K"; sets POINTS to
# "LABEL|SYSCALL:when=N" entries, one test each (a step not found is a failure).
pt_points() {
	local e label sc re k w
	POINTS=()
	for e in "$@"; do
		read -r label sc re k <<<"$e"
		if w=$(pt_nth "$sc" "$re" "$k"); then
			POINTS+=("$label|$sc:$w")
			t__result 1 "step '$label' found in the trace: $sc $w"
		else
			t__result 0 "step '$label' found in the trace: $sc matching $re (#$k)"
		fi
	done
}

t_ok "a clean traced first login" pt_trace "$alice"
pt_wait_clean "... and its paddock ends" "$alice_uid"
# STATE_DIR is a mount already (the nest's tmpfs, or the private mount of an
# earlier login): no global lock is taken, the first flock is the user's.
pt_points "user-lock flock LOCK_EX 1" \
	"half-made-cgroup mkdirat \"user-$alice_uid\" 2" "state-dir mkdirat \"$alice_uid\", 1" \
	"ctl-bind bind /ctl\" 1" "fork-helper clone SIGCHLD 1" "holder-pid wait4 . 1" \
	"holder-ready poll POLLIN 2" "record openat \"all\.new\",.*O_CREAT 1" \
	"send-session sendto \"session\" 1" \
	"read-reply recvfrom \"ok\" 1" "join setns CLONE_NEWPID 1"
# The records of the namespaces, one file: its open fails below.
record_all=$(pt_nth openat '"all\.new",.*O_CREAT' 1) || record_all=when=1
for point in "${POINTS[@]}"; do
	spec=${point#*|}
	name="caller killed at ${point%%|*} ($spec)"
	t_rc "$name: pamtester dies (SIGKILL)" 137 \
		strace -o /dev/null -e "inject=${spec%%:*}:signal=SIGKILL:${spec#*:}" \
		pamtester -v paddock-test-faults "$alice" open_session close_session
	pt_snapshot "$alice_uid"
	pt_wait_unjoinable "$name: no holder, no pin, nothing answering on ctl within 3 s" "$alice_uid"
	pt_later_login "$name" "$alice" "$alice_uid"
done

# --- the caller SIGKILLed while joining a live paddock ----------------------------------------------
t_bg su - "$bob" -c "$NS_CMD >~/keeper.ns; exec sleep 40" >"$T_TMP/bob.log" 2>&1
keeper=$T_BG_PID
t_wait_for 10 test -s "$bob_home/keeper.ns" || t_bail "bob's session did not start: $(cat "$T_TMP/bob.log")"
bob_ns=$(cat "$bob_home/keeper.ns")
bob_holder=$(pgrep -f "^paddock holder --uid $bob_uid ")
t_ok "a clean traced joining login" pt_trace "$bob"
pt_points "user-lock flock LOCK_EX 1" "send-session sendto \"session\" 1" \
	"read-reply recvfrom \"ok\" 1" "join setns CLONE_NEWPID 1"
for point in "${POINTS[@]}"; do
	spec=${point#*|}
	name="joining caller killed at ${point%%|*} ($spec)"
	t_rc "$name: pamtester dies" 137 \
		strace -o /dev/null -e "inject=${spec%%:*}:signal=SIGKILL:${spec#*:}" \
		pamtester -v paddock-test-faults "$bob" open_session close_session
	t_ok "$name: the live paddock is intact (same holder, its state)" \
		test "$(pgrep -f "^paddock holder --uid $bob_uid ")" = "$bob_holder" -a \
		"$(pt_state "$bob_uid")" = "holder=1 mnts=0 dir=1"
	t_ok "$name: a later login joins it" su - "$bob" -c "$NS_CMD"
	t_is "$name: ... same namespaces as the running session" "$bob_ns" "$T_OUT"
done
t_ok "the running session was not disturbed" kill -0 "$(pgrep -u "$bob" -x sleep)"
t_kill "$keeper"
pt_wait_clean "bob's paddock ends with its session" "$bob_uid"

# --- the helper chain killed or failing during the holder's start -----------------------------------
# strace -f: the intermediate process issues clone3; the holder issues fsopen (one per
# fresh mount) and sethostname during its setup.  Then errors injected into the caller
# alone (no -f: the holder's own setns and move_mount must keep working): its setns,
# its openat of the namespace records, its clone of the intermediate, its bind.
for spec in "-f clone3:signal=SIGKILL" "-f fsopen:signal=SIGKILL:when=2" "-f sethostname:signal=SIGKILL" \
	"-f clone3:error=ENOMEM" "-f fsopen:error=EMFILE:when=3" "-f sethostname:error=EPERM" \
	"setns:error=EPERM" "openat:error=EIO:$record_all" "clone:error=EAGAIN" "bind:error=EADDRINUSE"; do
	name="inject $spec"
	follow=() inj=$spec
	case $spec in "-f "*) follow=(-f) inj=${spec#-f } ;; esac
	t_rc "$name: open_session fails" 1 \
		strace "${follow[@]}" -o /dev/null -e "inject=$inj" \
		pamtester -v paddock-test-faults "$alice" open_session close_session
	t_like "$name: ... with PAM_SESSION_ERR" "$SESSION_ERR" "$T_ERR"
	pt_snapshot "$alice_uid"
	pt_wait_clean "$name: no holder, pin or state dir left" "$alice_uid"
	pt_later_login "$name" "$alice" "$alice_uid"
done

# --- the holder SIGKILLed mid-life ------------------------------------------------------------------
t_bg su - "$alice" -c "$NS_CMD >~/before.ns; exec sleep 40" >"$T_TMP/alice.log" 2>&1
sess=$T_BG_PID
t_wait_for 10 test -s "$alice_home/before.ns" || t_bail "alice's session did not start: $(cat "$T_TMP/alice.log")"
holder=$(pgrep -f "^paddock holder --uid $alice_uid ")
t_like "a live paddock with a holder" '^[0-9]+$' "$holder"
pt_snapshot "$alice_uid"
t_diag "namespaces before: ${OLD_INOS[*]}"
kill -KILL "$holder"
t_ok "kill -9 of the holder: it dies" t_wait_for 3 t__gone "$holder"
t_ok "... and the session's processes with it (their PID 1 died)" \
	t_wait_for 3 sh -c "! pgrep -u $alice -x sleep"
t_diag "state left: $(pt_state "$alice_uid")"
t_bg su - "$alice" -c "$NS_CMD >~/after.ns; exec sleep 40" >"$T_TMP/alice2.log" 2>&1
sess2=$T_BG_PID
t_ok "the next login works" t_wait_for 10 test -s "$alice_home/after.ns"
after=$(cat "$alice_home/after.ns" 2>/dev/null)
new_holder=$(pgrep -f "^paddock holder --uid $alice_uid ")
t_like "... with a new holder" '^[0-9]+$' "$new_holder"
t_ok "... not the dead one" test "$new_holder" != "$holder"
reused=""
for n in $NS_NAMES; do
	ino=$(sed -n "s/.*$n:\\[\\([0-9]*\\)\\].*/\\1/p" <<<"$after")
	for e in "${OLD_INOS[@]}"; do
		[ "$e" = "$n:$ino" ] && reused="$reused $e"
	done
	t_is "... its $n record is the new holder's" \
		"$(stat -L -c %i "/proc/$new_holder/ns/$n" 2>&1)" "$(t_ns_record "$alice_uid" "$n")"
	t_is "... and the session's" "$ino" "$(t_ns_record "$alice_uid" "$n")"
done
t_is "... no namespace of the dead paddock was joined (the old records)" "" "$reused"
t_is "... exactly one holder" 1 "$(pgrep -c -f "^paddock holder --uid $alice_uid " || true)"
pt_release
t_kill "$sess2"
t_kill "$sess"
pt_wait_clean "... and that paddock ends with its session" "$alice_uid"
# The killed holder stays a zombie until its parent reaps it: the intermediate that
# forked it is gone, so that is PID 1, which on these machines reaps seconds late, and
# a v1 cgroup cannot be removed while it holds an unreaped task (the new holder gives
# up after 2 s; the next login reuses the directory).  So: no live task may be left in
# the user's cgroup; the directory itself may stay while that zombie is unreaped.
pt_no_live_task() {
	local c p st
	for c in memory cpu pids; do
		for p in $(cat "/sys/fs/cgroup/$c$T_PARENT/user-$alice_uid/cgroup.procs" 2>/dev/null); do
			st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) || continue
			[ -z "$st" ] || [ "$st" = Z ] || return 1
		done
	done
}
t_ok "... no live task left in its cgroup" t_wait_for 3 pt_no_live_task
[ -e "/sys/fs/cgroup/pids$T_PARENT/user-$alice_uid" ] &&
	t_diag "user-$alice_uid stays (empty or only zombies): the killed holder was reaped late by PID 1"

# --- a broken policy denies the users, never root ------------------------------------------------------
t_policy broken.conf "$(t_policy_global)
[default]
memory_max = lots"
broken=$T_POLICY
t_policy writable.conf "[global]
cgroup_parent = $T_PARENT"
chmod 0666 "$T_POLICY"
writable=$T_POLICY
for p in "$broken" "$writable"; do
	what="policy ${p##*/}"
	# A real stack has more session modules (pam_unix...): with pam_paddock alone, a
	# PAM_IGNORE (root exempt) would leave libpam with no result at all.
	bstack="$(t_pam_paddock_stack "$p" "helper=$T_HELPER")
session  optional   pam_permit.so"
	t_su_stack "$bstack"
	t_pam_service paddock-test-faults "$bstack"
	t_nok "$what: su - user is denied" su - "$carol" -c 'echo RAN'
	t_like "$what: ... in the session stack, before running anything" 'cannot open session' "$T_ERR"
	t_ok "$what: ... nothing ran" test "$T_OUT" != RAN
	t_nok "$what: pamtester open_session is denied" t_pamtester paddock-test-faults "$carol" open_session
	t_like "$what: ... PAM_SESSION_ERR" "$SESSION_ERR" "$T_ERR"
	t_ok "$what: ... and nothing was set up (no state dir, holder or cgroup)" \
		test "$(pt_state "$carol_uid")" = "$CLEAN" -a ! -e "/sys/fs/cgroup/pids$T_PARENT/user-$carol_uid"
	t_ok "$what: su - root -c true through the same stack works" su - root -c true
	t_ok "$what: ... root's session is not isolated" su - root -c 'readlink /proc/self/ns/pid'
	t_is "$what: ... (the host's pid namespace)" "$(readlink /proc/self/ns/pid)" "$T_OUT"
done

t_done
