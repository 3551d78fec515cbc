#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/sharing.sh: one paddock per user, shared by all of the user's sessions.
# Two concurrent su sessions of one user share every namespace (the same inodes, which
# are also the records in /run/paddock/UID/ns/all) and see each other's processes and /tmp
# files; a pamtester session lands in the same namespaces; two users never share a
# namespace; 32 concurrent first logins of one user end with exactly one holder and
# one cgroup.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need pamtester pamtester

t_cgroup_parent

NS_NAMES="mnt pid ipc uts net"
# prints "mnt:[N] pid:[N] ipc:[N] uts:[N] net:[N]" for the shell running it
NS_CMD='for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done | paste -sd" "'

# pt_ns_ino LINE NAME: the inode of namespace NAME in a line printed by NS_CMD.
pt_ns_ino() { sed -n "s/.*\\b$2:\\[\\([0-9]*\\)\\].*/\\1/p" <<<"$1"; }

# pt_holders UID: number of "paddock holder --uid UID" processes on the host.
pt_holders() { pgrep -c -f "^paddock holder --uid $1 " || true; }
pt_no_holder() { [ "$(pt_holders "$1")" = 0 ]; }

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob
bob=$T_USER bob_home=$T_HOME
t_user carol
carol=$T_USER carol_uid=$T_UID

t_policy sharing.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes
hostname = %u
tasks_max = 400"
stack=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
t_su_stack "$stack"

# --- two concurrent sessions of one user ----------------------------------------------------
# Session 1 starts "sleep 41", then waits for session 2's file; session 2 starts
# "sleep 42" and writes its file.  Each records what it sees.
t_bg su - "$alice" -c "$NS_CMD >~/s1.ns; echo from-s1 >/tmp/from-s1; (exec sleep 41) &
	while [ ! -e /tmp/from-s2 ]; do sleep 0.1; done
	cat /tmp/from-s2 >~/s1.saw; ps -e -o args >~/s1.ps; echo done >~/s1.done; wait" \
	>"$T_TMP/s1.log" 2>&1
s1=$T_BG_PID
t_wait_for 10 test -s "$alice_home/s1.ns" || t_bail "session 1 did not start: $(cat "$T_TMP/s1.log")"
t_bg su - "$alice" -c "$NS_CMD >~/s2.ns; cat /tmp/from-s1 >~/s2.saw; (exec sleep 42) &
	ps -e -o args >~/s2.ps; echo from-s2 >/tmp/from-s2; echo done >~/s2.done; wait" \
	>"$T_TMP/s2.log" 2>&1
s2=$T_BG_PID
t_ok "session 2 started and did its part" t_wait_for 10 test -s "$alice_home/s2.done"
t_ok "session 1 saw session 2's file and did its part" t_wait_for 10 test -s "$alice_home/s1.done"
ns1=$(cat "$alice_home/s1.ns") ns2=$(cat "$alice_home/s2.ns")
t_diag "session 1: $ns1"
t_diag "session 2: $ns2"
host_ns=$(bash -c "$NS_CMD")
for n in $NS_NAMES; do
	i1=$(pt_ns_ino "$ns1" "$n") i2=$(pt_ns_ino "$ns2" "$n")
	t_like "session 1 has a $n namespace" '^[0-9]+$' "$i1"
	t_is "... session 2 has the same $n namespace" "$i1" "$i2"
	t_is "... it is the one /run/paddock/$alice_uid/ns/all names" "$i1" "$(t_ns_record "$alice_uid" "$n")"
	t_ok "... and not the host's" test "$i1" != "$(pt_ns_ino "$host_ns" "$n")"
done
t_is "session 2 read session 1's /tmp file" from-s1 "$(cat "$alice_home/s2.saw" 2>&1)"
t_is "session 1 read session 2's /tmp file" from-s2 "$(cat "$alice_home/s1.saw" 2>&1)"
t_ok "session 2 sees session 1's process (sleep 41)" grep -qx 'sleep 41' "$alice_home/s2.ps"
t_ok "session 1 sees session 2's process (sleep 42)" grep -qx 'sleep 42' "$alice_home/s1.ps"
t_ok "... and PID 1, the holder" grep -q '^paddock holder' "$alice_home/s1.ps"
t_is "one holder for the user" 1 "$(pt_holders "$alice_uid")"
holder=$(pgrep -f "^paddock holder --uid $alice_uid ")
for n in $NS_NAMES; do
	t_is "the holder's $n namespace is the sessions' one" "$(pt_ns_ino "$ns1" "$n")" \
		"$(stat -L -c %i "/proc/$holder/ns/$n" 2>&1)"
done

# --- pamtester lands in the same namespaces ---------------------------------------------------
# pam_exec after pam_paddock forks a child of pamtester: it records the namespaces the
# session put pamtester's children in (in /run, which the paddock's mount namespace
# shares with the nest; /tmp would be the user's own).  Only at open_session: after
# the last session's close the caller's children still go to the paddock's PID
# namespace, which the holder is tearing down (kill_on_logout) at that moment.
xdir=/run/pdk-sharing-$$
install -d -m 0700 "$xdir" && t_cleanup_add rm -rf "$xdir"
printf '#!/bin/bash\n{ %s; } >%s/ns.$PAM_USER\n' "$NS_CMD" "$xdir" >"$xdir/ns.sh"
chmod 0755 "$xdir/ns.sh"
t_pam_service paddock-test-sharing "$stack
session  optional   pam_exec.so quiet type=open_session $xdir/ns.sh"
t_ok "pamtester open_session/close_session while alice's sessions run" \
	t_pamtester paddock-test-sharing "$alice" open_session close_session
pns=$(cat "$xdir/ns.$alice" 2>&1)
t_diag "pamtester's child: $pns"
for n in $NS_NAMES; do
	t_is "... pamtester's session is in the same $n namespace" "$(pt_ns_ino "$ns1" "$n")" "$(pt_ns_ino "$pns" "$n")"
done
t_is "... no second holder" "$holder" "$(pgrep -f "^paddock holder --uid $alice_uid ")"

# --- two users never share -----------------------------------------------------------------------
t_bg su - "$bob" -c "$NS_CMD >~/b.ns; exec sleep 30" >"$T_TMP/b.log" 2>&1
t_ok "bob's session started (while alice's run)" t_wait_for 10 test -s "$bob_home/b.ns"
nsb=$(cat "$bob_home/b.ns" 2>&1)
t_diag "bob: $nsb"
for n in $NS_NAMES; do
	ib=$(pt_ns_ino "$nsb" "$n")
	t_like "bob has a $n namespace" '^[0-9]+$' "$ib"
	t_ok "... not alice's" test "$ib" != "$(pt_ns_ino "$ns1" "$n")"
	t_ok "... not the host's" test "$ib" != "$(pt_ns_ino "$host_ns" "$n")"
done
t_is "pamtester for bob joins bob's paddock" 0 \
	"$(t_pamtester paddock-test-sharing "$bob" open_session close_session >/dev/null 2>&1; echo $?)"
t_is "... (pid namespace)" "$(pt_ns_ino "$nsb" pid)" "$(pt_ns_ino "$(cat "$xdir/ns.$bob" 2>&1)" pid)"
t_kill "$s1"
t_kill "$s2"

# --- pamtester alone: a fresh user gets a paddock that ends with the session ------------------------
t_ok "pamtester open_session/close_session for a user without a paddock" \
	t_pamtester paddock-test-sharing "$carol" open_session close_session
pc=$(cat "$xdir/ns.$carol" 2>&1)
t_ok "... the session was in its own pid namespace" \
	test -n "$(pt_ns_ino "$pc" pid)" -a "$(pt_ns_ino "$pc" pid)" != "$(pt_ns_ino "$host_ns" pid)"
t_ok "... and its paddock ended with it (no holder within 3 s)" \
	t_wait_for 3 pt_no_holder "$carol_uid"

# --- 32 concurrent first logins ----------------------------------------------------------------
t_wait_for 3 test ! -e "/run/paddock/$carol_uid" || t_bail "carol's paddock is still there"
pids=()
for i in $(seq 32); do
	su - "$carol" -c 'sleep 6; readlink /proc/self/ns/pid' >"$T_TMP/c32.$i.out" 2>"$T_TMP/c32.$i.err" &
	pids+=($!)
done
# while they sleep: count what exists, once every su is in (or 5 s have passed: a
# loaded machine opens 32 sessions one after another under the user's lock)
su_inside() {
	local p n=0
	for p in "${pids[@]}"; do
		grep -qx "[0-9]*:pids:$T_PARENT/user-$carol_uid" "/proc/$p/cgroup" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
all_su_inside() { [ "$(su_inside)" = 32 ]; }
t_wait_for 5 all_su_inside || :
t_is "32 concurrent first logins: one holder on the host" 1 "$(pt_holders "$carol_uid")"
n=0
for c in memory cpu pids; do
	n=$((n + $(find "/sys/fs/cgroup/$c$T_PARENT" -maxdepth 1 -type d -name "user-$carol_uid*" | wc -l)))
done
t_is "... one cgroup (user-$carol_uid in each of memory, cpu, pids)" 3 "$n"
t_is "... every su (the callers) is in that cgroup" 32 "$(su_inside)"
fails=0
for p in "${pids[@]}"; do
	wait "$p" || fails=$((fails + 1))
done
t_is "... all 32 logins succeeded" 0 "$fails"
[ "$fails" = 0 ] || t_diag "$(cat "$T_TMP"/c32.*.err | sort | uniq -c)"
t_is "... all report the same pid namespace" 1 "$(cat "$T_TMP"/c32.*.out | sort -u | grep -c .)"
t_like "... which is a pid namespace" '^pid:\[[0-9]+\]$' "$(cat "$T_TMP"/c32.*.out | sort -u | head -n1)"
t_ok "... not the host's" test "$(cat "$T_TMP/c32.1.out")" != "$(readlink /proc/self/ns/pid)"
t_ok "... and the paddock ends after the last of them (no holder within 3 s)" \
	t_wait_for 3 pt_no_holder "$carol_uid"

t_done
