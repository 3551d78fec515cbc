#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/faults-sweep.sh: no kill point denies a later login or leaves anything
# forever (threats 13 and 18, issue 21).  The PAM caller (pamtester) is SIGKILLed at
# a system call of pam_open_session, as strace's fault injection does it
# (-e inject=SYSCALL:signal=KILL:when=N: the N-th call of SYSCALL), then the same
# user logs in again at once.  That login must be whole (its own namespaces, PID 1
# its holder, the policy's limits on its cgroup), and once it ended, within a few
# seconds no holder, maker, spare or state may be left that nothing accounts for.
# Three logins are swept: the first login without spares, the claimed first login
# (prestart = 2) and the joining login (a session of the user stays open: it must
# survive every kill).  Then the holder (at each step of its setup, and a spare at
# each step of its claim) and the spare maker (at each of its steps) are SIGKILLed
# the same way, and a ready spare's holder is SIGKILLed with and without its maker
# running.  Meanwhile another user logs in over and over and keeps a session open: none
# of that may be disturbed.
#
# PADDOCK_FAULTS=full (make check-faults) kills at every system call; the default,
# a sample (make check), at a few of each sweep, most of them from the per-user lock to
# the join, where the paddock's state changes (sw_points).
set -u
# Orphans (a holder once its intermediate exits, what a killed caller leaves) go to the
# nearest subreaper: this shell, which reaps them at once, as systemd does as PID 1.
# PID 1 of the test machines reaps seconds late, and until then a v1 cgroup holding the
# zombie cannot be removed: every teardown would wait CGROUP_BUSY_MS under the lock.
if [ -z "${SW_SUBREAPER:-}" ]; then
	SW_SUBREAPER=1 exec /usr/bin/python3 -c '
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need pamtester pamtester
t__need strace strace
t_cgroup_parent
t_cleanup_add "$T_HELPER" stop --spares
# The module's, holders' and makers' syslog: the reason of any failure below.
SYSLOG=$T_TMP/syslog
t_syslog_listen "$SYSLOG"
# sw_why USER: the last syslog lines about USER that say something went wrong.
sw_why() {
	grep -F "$1" "$SYSLOG" | grep -iE 'denied|fail|error|refus|stale|half' | tail -n 6 | cut -c1-400
	echo "last syslog lines:"
	tail -n 12 "$SYSLOG" | cut -c1-300
}

MODE=${PADDOCK_FAULTS:-sample}
# PADDOCK_FAULTS_ONLY: the sections to run (default all), for a closer look at one.
ONLY=" ${PADDOCK_FAULTS_ONLY:-first join claimed stop holder maker claim ready} "
sw_on() { [[ $ONLY == *" $1 "* ]]; }
case $MODE in full | sample) ;; *) t_bail "PADDOCK_FAULTS must be full or sample" ;; esac
SVC=paddock-test-sweep
MEM=268435456 TASKS=321
CHECK='for n in mnt pid ipc uts net; do printf "%s " "$(readlink /proc/self/ns/$n)"; done; echo
tr "\0" " " </proc/1/cmdline; echo'
HOST_NS=$(for n in mnt pid ipc uts net; do printf '%s ' "$(readlink /proc/self/ns/$n)"; done)

t_user alice; alice=$T_USER alice_uid=$T_UID
t_user bob; bob=$T_USER bob_uid=$T_UID

policy() {
	t_policy "$1.conf" "$(t_policy_global)
linger = 0
$2
[default]
isolate = yes
memory_max = $MEM
tasks_max = $TASKS"
	t_pam_service "$SVC" "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
	t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
}

# --- what must hold after every kill ----------------------------------------------------

# sw_orphans: print every paddock process and directory nothing accounts for: a holder
# of a user without its STATE_DIR/UID/, a spare holder without its spare/NAME/, a
# STATE_DIR/UID/ of a user without a holder, a spare/NAME(.new)/ without its holder,
# more than one maker of a shape.
sw_orphans() {
	local pid args u d n
	while read -r pid args; do
		case $args in
		"paddock holder --uid "*)
			u=${args#paddock holder --uid }
			u=${u%% *}
			[ -d "/run/paddock/$u" ] || echo "holder $pid of uid $u without /run/paddock/$u"
			;;
		"paddock holder --spare "*)
			n=${args#paddock holder --spare }
			n=${n%% *}
			[ -d "/run/paddock/spare/$n" ] || [ -d "/run/paddock/spare/$n.new" ] ||
				echo "spare holder $pid without spare/$n"
			;;
		esac
	done < <(pgrep -a -f '^paddock holder ' | grep -F -- "--cgroup-parent $T_PARENT ")
	for d in /run/paddock/[0-9]*/; do
		[ -d "$d" ] || continue
		u=${d%/}
		u=${u##*/}
		pgrep -f "^paddock holder --uid $u " >/dev/null || echo "$d without a holder"
	done
	for d in /run/paddock/spare/*/; do
		[ -d "$d" ] || continue
		n=${d%/}
		n=${n##*/}
		pgrep -f "^paddock holder --spare ${n%.new} " >/dev/null || echo "$d without a holder"
	done
	n=$(pgrep -a -f '^paddock spare ' | grep -cF -- "--cgroup-parent $T_PARENT " || true)
	[ "$n" -le 1 ] || echo "$n makers"
}
# sw_pids REGEX: the pids of this run's paddock processes whose command line matches.
sw_pids() { pgrep -a -f "$1" | grep -F -- "--cgroup-parent $T_PARENT " | cut -d' ' -f1; }
sw_no_maker() { [ -z "$(sw_pids '^paddock spare ')" ]; }
# sw_traced: this run's holders that a tracer (strace) is still attached to.
sw_traced() {
	local p
	for p in $(sw_pids '^paddock holder '); do
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$p/status" 2>/dev/null || echo "$p"
	done
}
sw_untraced() { [ -z "$(sw_traced)" ]; }
sw_no_orphans() { [ -z "$(sw_orphans)" ]; }
# sw_user_gone UID: no holder and no state of UID.
sw_user_gone() { ! pgrep -f "^paddock holder --uid $1 " >/dev/null && [ ! -e "/run/paddock/$1" ]; }

# sw_whole NAME: a login of alice right after a kill: it works, in a paddock of its
# own, PID 1 its holder, in alice's cgroup with the policy's limits; with JOIN_NS set,
# in exactly those namespaces (the joining sweep: the open session's).
JOIN_NS=
sw_whole() {
	local name=$1 out ns holder cg bad=""
	t_sess_start sw "$alice" "$CHECK; cat /proc/self/cgroup"
	if ! t_sess_wait sw 15 >"$T_TMP/sw.why"; then
		bad="the login failed: $(tr '\n' ' ' <"$T_TMP/sw.why" | cut -c1-300)"
	else
		out=$(cat "$T_TMP/sw.log")
		ns=$(sed -n 1p <<<"$out")
		holder=$(sed -n 2p <<<"$out")
		for n in $ns; do
			grep -qF -- "$n" <<<"$HOST_NS" && bad="$bad host namespace $n;"
		done
		[ "$(wc -w <<<"$ns")" = 5 ] || bad="$bad namespaces: $ns;"
		[[ $holder == "paddock holder --uid $alice_uid "* ]] || bad="$bad PID 1 is '$holder';"
		[ -z "$JOIN_NS" ] || [ "$ns" = "$JOIN_NS" ] || bad="$bad not the open session's paddock;"
		cg=$(t_cg pids "$alice_uid")
		grep -q "pids:.*/user-$alice_uid\$" <<<"$out" || bad="$bad not in user-$alice_uid (pids);"
		[ "$(cat "$cg/pids.max" 2>/dev/null)" = "$TASKS" ] || bad="$bad pids.max not $TASKS;"
		[ "$(cat "$(t_cg memory "$alice_uid")/memory.limit_in_bytes" 2>/dev/null)" = "$MEM" ] ||
			bad="$bad memory limit not $MEM;"
	fi
	t_sess_end sw
	[ "$T_SESS_RC" = 0 ] || bad="$bad the session ended with $T_SESS_RC;"
	t_is "$name: ... the next one is whole" "" "$bad"
	[ -z "$bad" ] || t_diag "$(sw_why "$alice")"
}

# sw_settled NAME: within 5 s nothing is left that nothing accounts for, and (unless a
# session of alice stays open) nothing of alice at all.
KEEP_ALICE=0
sw_settled() {
	local ok=1
	t_wait_for 5 sw_no_orphans || ok=0
	if [ "$KEEP_ALICE" = 0 ]; then
		t_wait_for 5 sw_user_gone "$alice_uid" || ok=0
	fi
	if [ $ok = 1 ]; then
		t__result 1 "$1: ... and nothing is left behind within 5 s"
	else
		t__result 0 "$1: ... and nothing is left behind within 5 s"
		t_diag "left: $(sw_orphans | tr '\n' ';') ours: $(pgrep -a -f '^paddock (holder|spare)' | grep -F -- "--cgroup-parent $T_PARENT " | cut -c1-60 | tr '\n' ';')"
		t_diag "state: $(cd /run/paddock 2>/dev/null && find . -maxdepth 3 | tr '\n' ' ')"
		t_diag "syslog: $(grep -E 'paddock-(holder|spare)' "$SYSLOG" | tail -n 4 | cut -c1-300)"
	fi
}

# --- the kill points ------------------------------------------------------------------

# sw_trace FILE CMD...: strace CMD (the caller alone, no -f) into FILE.
sw_trace() {
	local f=$1
	shift
	strace -qq -o "$f" "$@" >/dev/null 2>&1
}

# sw_points FILE FROM TO: from a trace, the kill points between the first line matching
# the regex FROM and the first later one matching TO (excluded): "SYSCALL:N" for the
# N-th call of SYSCALL in the whole trace.  In sample mode, SAMPLE_HOT of them evenly
# spread from the per-user lock (flock LOCK_EX) to the join (setns), where the
# paddock's state changes, and SAMPLE_COLD over the rest.
SAMPLE_HOT=${PADDOCK_FAULTS_HOT:-8} SAMPLE_COLD=${PADDOCK_FAULTS_COLD:-2}
sw_points() {
	awk -v from="$2" -v to="$3" -v mode="$MODE" -v nh="$SAMPLE_HOT" -v nc="$SAMPLE_COLD" '
	function pick(list, n, want,   i, step) {
		if (n == 0 || want == 0) return
		step = n / want
		if (step < 1) step = 1
		for (i = 0; i < n && i / step < want; i += step) print list[int(i) + 1]
	}
	/^---|^\+\+\+/ { next }
	{
		sc = $0; sub(/\(.*/, "", sc)
		if (sc !~ /^[a-z_0-9]+$/) next
		n[sc]++
		if (!on && $0 ~ from) on = 1
		if (!on) next
		if (seen_from && $0 ~ to) exit
		seen_from = 1
		if (sc == "flock" && $0 ~ /LOCK_EX/) hot = 1
		if (mode == "full") print sc ":" n[sc]
		else if (hot) H[++nH] = sc ":" n[sc]
		else C[++nC] = sc ":" n[sc]
		if (sc == "setns") hot = 0
	}
	END { pick(H, nH, nh); pick(C, nC, nc) }' "$1"
}

# sw_sample N: N of the lines of stdin, evenly spread.
sw_sample() {
	awk -v want="$1" '{ p[NR] = $0 }
	END { s = NR / want; if (s < 1) s = 1; for (i = 0; i < NR && i / s < want; i += s) print p[int(i) + 1] }'
}

# sw_kill_caller NAME SPEC: run pamtester open_session with SIGKILL injected at SPEC
# (SYSCALL:N); KILLED counts those that died of it.
# Then, at once (no fork of the test's shell between them), another open_session of
# alice, which must work: the half-built paddock's holder has not even looked at the
# lock again by then.
KILLED=0 POINTS=0
sw_kill_caller() {
	local rc=0
	POINTS=$((POINTS + 1))
	rm -f "$T_TMP/killed.rc"
	# (in a subshell: bash's own "Killed" line goes to /dev/null too)
	(
		strace -qq -o /dev/null -e "inject=${2%%:*}:signal=KILL:when=${2#*:}" \
			pamtester "$SVC" "$alice" open_session close_session
		echo $? >"$T_TMP/killed.rc"
		exec pamtester "$SVC" "$alice" open_session close_session
	) >/dev/null 2>"$T_TMP/again.err" || rc=$?
	[ "$(cat "$T_TMP/killed.rc")" = 137 ] && KILLED=$((KILLED + 1))
	t_is "$1: a login at once works" 0 "$rc"
	[ $rc = 0 ] || t_diag "$(head -c 300 "$T_TMP/again.err")
$(sw_why "$alice")"
}

# sw_need_spares N: wait until N spares are ready (a claim leaves the pool short for
# a moment: the maker tops it up).
sw_need_spares() {
	t_wait_for 10 sh -c "[ \$(ls /run/paddock/spare 2>/dev/null | grep -vc '\\.new\$') -ge $1 ]" ||
		t_diag "fewer than $1 spares ready: $(ls /run/paddock/spare 2>/dev/null | tr '\n' ' ')"
}

# sw_maker_fresh: no maker and no spare of this run (paddock stop --spares).
sw_maker_fresh() {
	"$T_HELPER" stop --spares >/dev/null 2>&1
	t_wait_for 15 sw_no_maker
	t_wait_for 5 sw_no_orphans
}

# sw_pool_whole: 2 spares ready, each with its live holder, and nothing else left.
sw_pool_whole() {
	[ "$(ls /run/paddock/spare | grep -vc '\.new$')" -ge 2 ] &&
		[ "$(sw_pids '^paddock holder --spare ' | wc -l)" -ge 2 ] && sw_no_orphans
}

# sw_pool_fresh: a new maker, started by a login of alice (ended), and 2 spares ready.
sw_pool_fresh() {
	sw_maker_fresh
	su - "$alice" -c true >/dev/null 2>&1
	t_wait_for 5 sw_user_gone "$alice_uid"
	sw_need_spares 2
}

# sw_sweep LABEL FROM TO [PREP]: trace a clean login (PREP before it: a command that
# puts the machine in the state the sweep starts from), then for each of its kill
# points: PREP, kill the caller there, the next login, nothing left.
sw_sweep() {
	local label=$1 from=$2 to=$3 prep=${4:-true} spec pts
	KILLED=0 POINTS=0
	$prep
	t_ok "$label: a clean traced login" sw_trace "$T_TMP/$label.trace" \
		pamtester "$SVC" "$alice" open_session close_session
	t_wait_for 5 sw_user_gone "$alice_uid" || [ "$KEEP_ALICE" = 1 ] ||
		t_diag "$label: the clean login's paddock did not end"
	pts=$(sw_points "$T_TMP/$label.trace" "$from" "$to")
	t_ok "$label: kill points found in the trace ($(wc -w <<<"$pts"))" test -n "$pts"
	for spec in $pts; do
		$prep
		sw_kill_caller "$label, caller killed at $spec" "$spec"
		sw_whole "$label, caller killed at $spec"
		sw_settled "$label, caller killed at $spec"
	done
	# A point past the end of a run that went differently is no failure, most are hit.
	t_ok "$label: the caller died at $KILLED of $POINTS points" test $((KILLED * 10)) -ge $((POINTS * 8))
}

# --- another user, all along -------------------------------------------------------------
# bob's own service and policy, never rewritten while his logins run.
t_policy bob.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes"
t_pam_service paddock-test-sweep-bob "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
policy plain ""
t_sess_start bobkeep "$bob" "$CHECK"
t_ok "bob's session is open" t_sess_wait bobkeep
bob_holder=$(pgrep -f "^paddock holder --uid $bob_uid ")
t_bg bash -c "while :; do pamtester paddock-test-sweep-bob $bob open_session close_session >/dev/null 2>>'$T_TMP/bob.fail' || echo fail >>'$T_TMP/bob.fail'; echo >>'$T_TMP/bob.ok'; sleep 0.3; done"
bob_loop=$T_BG_PID

# The policy's file names are in the trace of the module's first step: the sweep
# starts there (before it, pam_start only read its service files).
FROM='(openat|newfstatat|statx|readlink|open)\(.*(paddock|\.conf)'
TO='successfully opened|^exit|^\+\+\+'

# --- 1. the first login, no spares ----------------------------------------------------------
sw_on first && sw_sweep first "$FROM" "$TO"

# --- 2. the joining login: an open session of alice must survive every kill ----------------
if sw_on join; then
t_sess_start alicekeep "$alice" "$CHECK"
t_ok "alice's session is open" t_sess_wait alicekeep
JOIN_NS=$(sed -n 1p "$T_TMP/alicekeep.log") KEEP_ALICE=1
alice_holder=$(pgrep -f "^paddock holder --uid $alice_uid ")
sw_sweep join "$FROM" "$TO"
t_is "join: the open session's holder is the same after every kill" \
	"$alice_holder" "$(pgrep -f "^paddock holder --uid $alice_uid ")"
t_sess_end alicekeep
t_is "join: the open session ran to its end" 0 "$T_SESS_RC"
JOIN_NS= KEEP_ALICE=0
t_ok "join: its paddock ends" t_wait_for 5 sw_user_gone "$alice_uid"
fi

# --- 3. the claimed first login (prestart = 2) ------------------------------------------------
if sw_on claimed; then
policy spares "prestart = 2"
# A first login starts the maker; each point then waits for a full pool.
su - "$alice" -c true >/dev/null 2>&1
t_wait_for 5 sw_user_gone "$alice_uid"
sw_ready2() { sw_need_spares 2; }
sw_sweep claimed "$FROM" "$TO" sw_ready2
fi

# --- 3b. paddock stop ends a paddock in any state ---------------------------------------------
# Here the worst: a spare renamed to alice's by a login killed right after the rename.
# The spares are stopped (SIGSTOP) first, so that the renamed one cannot clean up
# after the dead login by itself (it would, once it holds alice's lock) and answers
# nothing: paddock stop must end it all the same.
if sw_on stop; then
policy spares "prestart = 2"
su - "$alice" -c true >/dev/null 2>&1
# stop_try: one clean traced claim, then one killed at the first call after its
# rename of a kind the login had not made before (a count of an earlier kind
# differs between two logins: one of them may rewrite the policy's memo); 0 when
# that left a spare renamed to alice's (its holders stopped, in $stopped), 1 when
# it did not, 2 when the clean one failed.  Up to five tries.
stop_try() {
	t_wait_for 5 sw_user_gone "$alice_uid"
	sw_need_spares 2
	sw_trace "$T_TMP/stop.trace" pamtester "$SVC" "$alice" open_session close_session || return 2
	after_rename=$(awk -v u="\"$alice_uid\"" '
		/^---|^\+\+\+/ { next }
		{ sc = $0; sub(/\(.*/, "", sc); if (sc !~ /^[a-z_0-9]+$/) next; n[sc]++ }
		found && n[sc] == 1 { print sc ":1"; exit }
		sc ~ /^rename/ && index($0, u) { found = 1 }' "$T_TMP/stop.trace")
	[[ $after_rename =~ ^[a-z_0-9]+:[0-9]+$ ]] || return 2
	t_wait_for 5 sw_user_gone "$alice_uid"
	sw_need_spares 2
	stopped=$(sw_pids '^paddock holder --spare ')
	kill -STOP $stopped
	(strace -qq -o /dev/null -e "inject=${after_rename%%:*}:signal=KILL:when=${after_rename#*:}" \
		pamtester "$SVC" "$alice" open_session close_session; exit $?) >/dev/null 2>&1
	test -S "/run/paddock/$alice_uid/ctl" && return 0
	kill -CONT $stopped 2>/dev/null
	return 1
}
after_rename='' stopped='' left=2
for try in 1 2 3 4 5; do
	stop_try
	left=$?
	[ "$left" != 1 ] && break
	t_diag "stop: try $try: the login killed at $after_rename left no spare as alice's"
done
t_ok "stop: a clean traced claimed login" test "$left" != 2
t_like "stop: the first new call after the spare's rename to $alice_uid" '^[a-z_0-9]+:1$' "$after_rename"
t_ok "stop: ... the login killed there left a spare as alice's ($alice_uid/ctl)" \
	test -S "/run/paddock/$alice_uid/ctl"
t_ok "stop: paddock stop $alice ends it" "$T_HELPER" stop "$alice"
t_like "stop: ... and says it was not whole" "not whole" "$T_OUT"
kill -CONT $stopped 2>/dev/null
t_ok "stop: ... nothing of alice is left" t_wait_for 5 sw_user_gone "$alice_uid"
sw_whole "stop: after paddock stop"
sw_settled "stop: after paddock stop"
fi

# --- 4. the holder SIGKILLed at each step of its setup ----------------------------------------
if sw_on holder; then
# strace -f follows the holder; only calls the caller and the intermediate never make
# hit it alone (each process has its own count).
policy plain ""
t_ok "holder: a clean traced first login" strace -qq -f -ff -o "$T_TMP/h" \
	pamtester "$SVC" "$alice" open_session close_session
hfile=$(grep -l 'execveat(.*paddock.*holder\|execveat(' "$T_TMP"/h.* 2>/dev/null | head -n1)
others=$(ls "$T_TMP"/h.* | grep -vxF "$hfile")
caller_calls=$(cat $others | sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' | sort -u)
hpts=$(awk '{ sc = $0; sub(/\(.*/, "", sc); if (sc !~ /^[a-z_0-9]+$/) next; n[sc]++; print sc ":" n[sc] }' "$hfile" |
	grep -vE "^($(paste -sd'|' <<<"$caller_calls")):" | grep -vE '^(exit|exit_group|epoll_wait|wait4|nanosleep|clock_nanosleep|restart_syscall|rt_sigreturn):')
[ "$MODE" = full ] || hpts=$(sw_sample "$SAMPLE_HOT" <<<"$hpts")
t_ok "holder: kill points of its own ($(wc -w <<<"$hpts"))" test -n "$hpts"
t_wait_for 5 sw_user_gone "$alice_uid"
for spec in $hpts; do
	(strace -qq -f -o /dev/null -e "inject=${spec%%:*}:signal=KILL:when=${spec#*:}" \
		pamtester "$SVC" "$alice" open_session close_session; exit $?) >/dev/null 2>&1
	sw_whole "holder killed at $spec"
	sw_settled "holder killed at $spec"
done
fi

# --- 5. the spare maker SIGKILLed at each of its steps ------------------------------------------
if sw_on maker; then
# It is run as the module runs it (its command line, fd 3 the helper), traced alone.
policy spares "prestart = 2"
su - "$alice" -c true >/dev/null 2>&1
sw_need_spares 2
maker_cmd=()
while IFS= read -r -d '' w; do maker_cmd+=("$w"); done < <(
	t_wait_for 15 sw_no_maker
	"$T_HELPER" stop --spares >/dev/null
	su - "$alice" -c true >/dev/null 2>&1
	p=$(sw_pids '^paddock spare ' | head -n1)
	cat "/proc/$p/cmdline"
)
t_like "maker: its command line" '^paddock spare ' "${maker_cmd[*]}"
sw_maker_fresh
t_ok "maker: a clean traced run" sw_trace "$T_TMP/maker.trace" \
	bash -c 'exec 3<"$1"; shift; exec -a paddock "$@"' _ "$T_HELPER" "$T_HELPER" "${maker_cmd[@]:1}"
mpts=$(sw_points "$T_TMP/maker.trace" 'execve\\("[^"]*paddock"' '^exit')
t_ok "maker: kill points ($(wc -w <<<"$mpts"))" test -n "$mpts"
for spec in $mpts; do
	sw_maker_fresh
	(strace -qq -o /dev/null -e "inject=${spec%%:*}:signal=KILL:when=${spec#*:}" \
		bash -c 'exec 3<"$1"; shift; exec -a paddock "$@"' _ "$T_HELPER" "$T_HELPER" "${maker_cmd[@]:1}"; exit $?) \
		>/dev/null 2>&1
	sw_whole "maker killed at $spec"
	sw_settled "maker killed at $spec"
done
fi

# --- 6. a spare SIGKILLed at each step of its claim ---------------------------------------------
if sw_on claim; then
policy spares "prestart = 2"
sw_pool_fresh
spares=$(sw_pids '^paddock holder --spare ' | sed 's/^/-p /')
strace -qq -ff -o "$T_TMP/claim" $spares 2>/dev/null &
st=$!
sleep 0.5
su - "$alice" -c true >/dev/null 2>&1
sleep 0.3
kill "$st" 2>/dev/null
wait "$st" 2>/dev/null
# The claimed one's trace (one file per spare): the one that received the claim.
cfile=$(grep -l 'recvmsg(.*"claim\\0' "$T_TMP"/claim.* 2>/dev/null | head -n1)
cpts=$(sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "${cfile:-/dev/null}" | grep -vE '^(epoll_wait|exit|exit_group|restart_syscall)$' |
	awk '{ n[$1]++; print $1 ":" n[$1] }')
[ "$MODE" = full ] || cpts=$(sw_sample "$SAMPLE_HOT" <<<"$cpts")
t_ok "spare claim: kill points ($(wc -w <<<"$cpts"))" test -n "$cpts"
for spec in $cpts; do
	t_wait_for 5 sw_user_gone "$alice_uid"
	sw_need_spares 2
	spares=$(sw_pids '^paddock holder --spare ' | sed 's/^/-p /')
	strace -qq -o /dev/null $spares -e "inject=${spec%%:*}:signal=KILL:when=${spec#*:}" 2>/dev/null &
	st=$!
	sleep 0.3
	pamtester "$SVC" "$alice" open_session close_session >/dev/null 2>&1
	kill "$st" 2>/dev/null
	wait "$st" 2>/dev/null
	# No spare may still be traced (injected) once the next login starts.
	t_wait_for 5 sw_untraced || t_diag "still traced: $(sw_traced | tr '\n' ' ')"
	sw_whole "spare killed at $spec of its claim"
	sw_settled "spare killed at $spec of its claim"
done

fi

# --- 7. a ready spare's holder SIGKILLed (OOM killer, an admin) -----------------------------------------------
# While its maker runs, the maker removes it and makes another at once; once the maker
# has gone, the next first login tries it or claims another, and the maker that login
# starts removes it.  Either way nothing is left that a later login would count as ready.
if sw_on ready; then
policy spares "prestart = 2"
sw_pool_fresh
# The maker lingers SPARE_MAKER_LINGER_MS after its last spare; a claim starts that
# anew.  The kill counts only if the maker still ran right after it (a loaded machine
# may take longer than that between two steps of this script): else once more.
with_maker=0
for _ in 1 2 3; do
	su - "$alice" -c true >/dev/null 2>&1
	t_wait_for 5 sw_user_gone "$alice_uid"
	sw_need_spares 2
	maker=$(sw_pids '^paddock spare ' | head -n1)
	victim=$(sw_pids '^paddock holder --spare ' | head -n1)
	[ -n "$maker" ] && [ -n "$victim" ] || continue
	kill -KILL "$victim"
	t__gone "$maker" || { with_maker=1; break; }
done
t_is "ready: a spare's holder killed while its maker runs" 1 "$with_maker"
t_ok "ready: ... its directory goes within 5 s" t_wait_for 5 sw_no_orphans
t_ok "ready: ... and the pool is full again" t_wait_for 10 sw_pool_whole
t_ok "ready: the maker leaves once idle" t_wait_for 30 sw_no_maker
victim=$(sw_pids '^paddock holder --spare ' | head -n1)
kill -KILL "${victim:-0}"
t_wait_for 5 t__gone "${victim:-0}"
sw_whole "ready: a spare killed after its maker left"
sw_settled "ready: a spare killed after its maker left"
fi

# --- the other user was never disturbed ------------------------------------------------------------
t_kill "$bob_loop"
t_ok "bob: logins all along ($(wc -l <"$T_TMP/bob.ok" 2>/dev/null || echo 0))" test -s "$T_TMP/bob.ok"
t_is "bob: none of them failed" "" "$(cat "$T_TMP/bob.fail" 2>/dev/null)" ||
	t_diag "$(sw_why "$bob")"
t_is "bob: his open session's holder is the same" "$bob_holder" "$(pgrep -f "^paddock holder --uid $bob_uid ")"
t_sess_end bobkeep
t_is "bob: his session ran to its end" 0 "$T_SESS_RC"

t_done
