#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/teardown.sh: the end of a paddock.  After the user's last logout (and
# linger) no holder, no pin, no /run/paddock/UID, no user cgroup and no process of the
# user remains; a login within linger joins the same paddock; processes left behind
# are killed with kill_on_logout = yes and keep the paddock alive with no (a later
# login sees them; the paddock ends when they do); a login after teardown gets a
# fresh paddock.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build

t_cgroup_parent

# pt_state UID: one line summing up what exists of UID's paddock on the host:
#   holder=N  "paddock holder --uid UID" processes
#   mnts=N    mounts below /run/paddock/UID/ (in our mount namespace): always 0,
#             namespaces are recorded, never pinned (pam_module/holder-proto.h)
#   rec=N     namespaces recorded in /run/paddock/UID/ns/all: 5 while a paddock of
#             the shipped namespace list lives
#   dir=0|1   /run/paddock/UID exists
#   cg=N      user-UID directories in the memory, cpu and pids hierarchies
#   procs=N   live (non-zombie) processes whose real or effective uid is UID
pt_state() {
	local uid=$1 holder mnts rec dir=0 cg=0 c procs
	holder=$(pgrep -c -f "^paddock holder --uid $uid " || true)
	mnts=$(awk -v p="/run/paddock/$uid/" 'index($5, p) == 1' /proc/self/mountinfo | wc -l)
	rec=$(t_ns_records "$uid")
	[ -e "/run/paddock/$uid" ] && dir=1
	for c in memory cpu pids; do
		[ -d "$(t_cg "$c" "$uid")" ] && cg=$((cg + 1))
	done
	procs=$(ps -e -o ruid=,euid=,stat= | awk -v u="$uid" '($1 == u || $2 == u) && $3 !~ /^Z/' | wc -l)
	echo "holder=$holder mnts=$mnts rec=$rec dir=$dir cg=$cg procs=$procs"
}
GONE="holder=0 mnts=0 rec=0 dir=0 cg=0 procs=0"
pt_gone() { [ "$(pt_state "$1")" = "$GONE" ]; }
pt_holder() { pgrep -f "^paddock holder --uid $1 "; }

# pt_wait_gone DESC UID SECONDS: pass if everything of UID's paddock is gone in time.
pt_wait_gone() {
	if t_wait_for "$3" pt_gone "$2"; then
		t__result 1 "$1"
		return 0
	fi
	t__result 0 "$1"
	t_diag "after $3 s: $(pt_state "$2")"
	return 1
}

t_user alice; alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob; bob=$T_USER bob_uid=$T_UID
t_user carol; carol=$T_USER carol_uid=$T_UID
t_user dave; dave=$T_USER dave_uid=$T_UID

t_policy linger0.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes
kill_on_logout = yes
[user:$dave]
kill_on_logout = no"
stack0=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
t_policy linger2.conf "$(t_policy_global)
linger = 2
[default]
isolate = yes"
stack2=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")

# --- the last logout ends everything ----------------------------------------------------------
t_su_stack "$stack0"
t_is "before any login: nothing of alice's" "$GONE" "$(pt_state "$alice_uid")"
t_bg su - "$alice" -c 'echo up >~/up; exec sleep 3' >"$T_TMP/alice.log" 2>&1
sess=$T_BG_PID
t_wait_for 10 test -s "$alice_home/up" || t_bail "alice's session did not start: $(cat "$T_TMP/alice.log")"
t_like "during the session: holder, 5 records and no mount, state dir, 3 cgroups, the user's process" \
	'^holder=1 mnts=0 rec=5 dir=1 cg=3 procs=[1-9][0-9]*$' "$(pt_state "$alice_uid")"
old_holder=$(pt_holder "$alice_uid")
# keep the old pid namespace referenced, so its inode cannot be reused by the next one
exec {oldns}<"/proc/$old_holder/ns/pid"
old_pidns=$(stat -L -c %i "/proc/$old_holder/ns/pid")
rc=0; wait "$sess" || rc=$?
t_is "the session ends (logout) with status 0" 0 "$rc"
pt_wait_gone "after the last logout (linger 0): no holder, pin, state dir, cgroup or process within 3 s" \
	"$alice_uid" 3
t_ok "... the holder process itself has exited" t__gone "$old_holder"
t_ok "... no mount below /run/paddock/$alice_uid in our mount table" \
	sh -c "! grep -q ' /run/paddock/$alice_uid/' /proc/self/mountinfo"

# --- a later login gets a fresh paddock ------------------------------------------------------------
t_ok "a later login works" su - "$alice" -c 'readlink /proc/self/ns/pid; tr "\0" " " </proc/1/cmdline'
out=$T_OUT
t_like "... in a new pid namespace" '^pid:\[[0-9]+\]' "$out"
new_pidns=$(sed -n 's/^pid:\[\([0-9]*\)\].*/\1/p' <<<"$out")
t_ok "... not the old one ($old_pidns, still referenced by us)" test -n "$new_pidns" -a "$new_pidns" != "$old_pidns"
t_like "... with a holder as PID 1" $'\n''paddock holder --uid '"$alice_uid " "$out"
exec {oldns}<&-
pt_wait_gone "... which is gone again after that logout" "$alice_uid" 3

# --- linger = 2 ---------------------------------------------------------------------------------
t_su_stack "$stack2"
t_ok "linger 2: a session" su - "$bob" -c 'readlink /proc/self/ns/pid; echo kept >/tmp/marker'
bob_ns=$T_OUT
t0=$(t__now_ms)
bob_holder=$(pt_holder "$bob_uid")
t_like "... leaves its holder running after the logout" '^[0-9]+$' "$bob_holder"
exec {oldns}<"/proc/$bob_holder/ns/pid"
sleep 1
t_like "1 s after the logout the paddock is still complete" '^holder=1 mnts=0 rec=5 dir=1 cg=3 procs=0$' \
	"$(pt_state "$bob_uid")"
t_ok "a login within linger" su - "$bob" -c 'readlink /proc/self/ns/pid; cat /tmp/marker'
t_is "... joins the same pid namespace and sees the /tmp of the first session" "$bob_ns"$'\n'kept "$T_OUT"
t_is "... same holder" "$bob_holder" "$(pt_holder "$bob_uid")"
t0=$(t__now_ms)
sleep 1
t_is "1 s after that logout: still there" 1 "$(pgrep -c -f "^paddock holder --uid $bob_uid " || true)"
pt_wait_gone "... gone by 3.5 s after it" "$bob_uid" 2.5
dt=$(($(t__now_ms) - t0))
t_ok "... and not before linger had passed (gone after $dt ms)" test "$dt" -ge 1500
t_ok "a login after that teardown" su - "$bob" -c 'readlink /proc/self/ns/pid; cat /tmp/marker 2>&1; true'
out=$T_OUT
t_ok "... gets a fresh paddock (another pid namespace)" test "$(head -n1 <<<"$out")" != "$bob_ns"
t_like "... with an empty /tmp" 'No such file' "$out"
t_ok "... and another holder" test "$(pt_holder "$bob_uid")" != "$bob_holder"
exec {oldns}<&-
pt_wait_gone "... which ends 2 s after that logout" "$bob_uid" 4

# --- kill_on_logout = yes: a process left behind is killed ---------------------------------------------
t_su_stack "$stack0"
t_ok "kill_on_logout yes: a session leaves 'setsid nohup sleep 300 &' behind" \
	su - "$carol" -c 'setsid nohup sleep 300 </dev/null >/dev/null 2>&1 & echo $!'
t_like "... (started inside)" '^[0-9]+$' "$T_OUT"
pt_wait_gone "... it is killed at the end, and the paddock is gone within 3 s" "$carol_uid" 3
t_ok "... no 'sleep 300' of the user on the host" sh -c "! pgrep -u $carol -f '^sleep 300\$'"

# --- kill_on_logout = no: the process keeps the paddock -------------------------------------------------
t_ok "kill_on_logout no: a session leaves 'setsid nohup sleep 300 &' behind" \
	su - "$dave" -c 'setsid nohup sleep 300 </dev/null >/dev/null 2>&1 & readlink /proc/self/ns/pid'
dave_ns=$T_OUT
t_wait_for 3 pgrep -u "$dave" -f '^sleep 300$' >/dev/null
left=$(pgrep -u "$dave" -f '^sleep 300$')
t_like "... it runs on the host" '^[0-9]+$' "$left"
sleep 1.5
t_ok "1.5 s after the logout it still runs" kill -0 "$left"
t_is "... in the paddock's pid namespace" "$dave_ns" "$(readlink "/proc/$left/ns/pid" 2>&1)"
dave_holder=$(pt_holder "$dave_uid")
t_like "... the paddock stays up (holder, records, dir, cgroups)" '^holder=1 mnts=0 rec=5 dir=1 cg=3 procs=1$' \
	"$(pt_state "$dave_uid")"
t_is "... the left process is in the user's cgroup" "$T_PARENT/user-$dave_uid" \
	"$(sed -n 's/^[0-9]*:pids://p' "/proc/$left/cgroup" 2>&1)"
t_ok "a later login" su - "$dave" -c 'readlink /proc/self/ns/pid; ps -e -o args'
t_is "... is in the same pid namespace" "$dave_ns" "$(head -n1 <<<"$T_OUT")"
t_ok "... and sees the process left behind" grep -qx 'sleep 300' <<<"$T_OUT"
t_is "... same holder" "$dave_holder" "$(pt_holder "$dave_uid")"
sleep 1.2
t_ok "after that logout the left process still runs" kill -0 "$left"
kill -KILL "$left"
pt_wait_gone "when it is killed, the paddock ends (within 3 s)" "$dave_uid" 3

t_done
