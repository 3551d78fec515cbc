#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/enforcement.sh: the cgroup limits of a paddock are enforced by the real
# kernel (threat 10), through real "su -" logins with pam_paddock.so:
#   * memory_max: an anonymous allocation past the limit is OOM-killed inside the
#     user's cgroup only (the user's other session, another user's session and the
#     test's own processes live on);
#   * tasks_max: a fork bomb stops at the limit while another user logs in and runs
#     a command;
#   * cpu_quota: a CPU hog is throttled (nr_throttled > 0, quota/period as configured);
#   * tmp_size: /tmp, /var/tmp and /dev/shm share one tmpfs of tmp_size: filling /tmp
#     stops with ENOSPC at tmp_size and leaves no room in /dev/shm until it is freed,
#     and what is stored there is charged to the user's memory cgroup.
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# SC2015: "a && b || t_bail" is meant (t_bail if any step fails).
# SC1091: lib.sh is found at run time.
# SC2317: functions run from t_cleanup_add and t_ok look unreachable to shellcheck.
# shellcheck disable=SC2016,SC2015,SC1091,SC2317
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3

PY=/usr/bin/python3           # the user cannot run root's pyenv shims
[ -x "$PY" ] || t_bail "$PY missing (python3 from Debian)"

t_cgroup_parent

t_policy enforcement.conf "$(t_policy_global)
linger = 0

[default]
memory_max = 64M
memory_swap_max = 0
tasks_max = 32
cpu_quota = 20%
tmp_size = 16M
kill_on_logout = yes"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob
bob=$T_USER bob_uid=$T_UID

# wait_gone UID: until the holder tore the paddock down (state and cgroups removed).
wait_gone() {
	t_wait_for 10 t_paddock_gone "$1" || t_diag "paddock of uid $1 still there after 10 s"
}

# The test's own process, which must outlive everything below.
t_bg sleep 600
own_pid=$T_BG_PID

# --- memory_max: OOM kill inside the cgroup only ------------------------------------------------
mem=$(t_cg memory "$alice_uid")
t_sess_start a-keep "$alice" 'echo keep-up'
t_sess_start b-keep "$bob" 'echo b-up'
t_ok "memory: alice's first session is up" t_sess_wait a-keep
t_ok "memory: bob's session is up" t_sess_wait b-keep
t_is "memory: memory.limit_in_bytes of alice's cgroup is 64M" $((64 << 20)) \
	"$(cat "$mem/memory.limit_in_bytes" 2>&1)"
t_is "memory: memsw limit is memory_max + memory_swap_max (0)" $((64 << 20)) \
	"$(cat "$mem/memory.memsw.limit_in_bytes" 2>/dev/null || echo "no memsw accounting")"
oom_before=$(awk '$1 == "oom_kill" { print $2 }' "$mem/memory.oom_control")
# 200M of anonymous memory, every page written (bytes * n memsets the whole buffer).
t0=$(t__now_ms)
t_rc "memory: allocating and touching 200M in a second session is SIGKILLed (su: 137)" 137 \
	timeout 60 su - "$alice" -c "exec $PY -c 'b = b\"\\x01\" * (200 << 20); print(\"survived\", len(b))'"
t_diag "OOM kill after $(($(t__now_ms) - t0)) ms"
t_nok "memory: ... the allocation never completed" grep -q survived <<<"$T_OUT"
t_like "memory: memory.oom_control counts the kill" \
	"oom_kill $((${oom_before:-0} + 1))" "$(cat "$mem/memory.oom_control")"
# No failcnt assertion: measured on this kernel (6.18, v1), once memory.memsw.limit_in_bytes
# is set (memory_swap_max = 0) neither memory.failcnt nor memory.memsw.failcnt counts the
# failed charges (both stay 0 in a bare cgroup too); oom_control and max_usage are the
# evidence.
t_diag "failcnt: memory $(cat "$mem/memory.failcnt") memsw $(cat "$mem/memory.memsw.failcnt" 2>/dev/null)"
max_usage=$(cat "$mem/memory.max_usage_in_bytes")
t_ok "memory: memory.max_usage_in_bytes reached the limit ($max_usage; >= 60M, <= 64M)" \
	test "$max_usage" -ge $((60 << 20)) -a "$max_usage" -le $((64 << 20))
t_ok "memory: alice's holder survived the OOM kill" test -S "/run/paddock/$alice_uid/ctl"
t_ok "memory: the test's own process is alive" kill -0 "$own_pid"
t_sess_end a-keep
t_is "memory: alice's other session was unaffected (exit 0)" 0 "$T_SESS_RC"
t_ok "memory: ... and ran to its end" grep -q __RELEASED__ "$T_TMP/a-keep.log"
t_sess_end b-keep
t_is "memory: bob's concurrent session was unaffected (exit 0)" 0 "$T_SESS_RC"
t_ok "memory: ... and ran to its end" grep -q __RELEASED__ "$T_TMP/b-keep.log"
wait_gone "$alice_uid"
wait_gone "$bob_uid"

# --- tasks_max: a fork bomb stops at the limit; another user still logs in -----------------
pids=$(t_cg pids "$alice_uid")
# The bomb runs in a subshell so that the session's shell survives it; bash retries a
# failed fork for about 15 s before it gives up with "fork: Resource temporarily
# unavailable".  What is left afterwards waits without forking (builtins only).
t_sess_start bomb "$alice" '( for i in $(seq 200); do sleep 120 & done ) 2>/tmp/bomb.err
echo "bomb-status $?"
read -r cur < /sys/fs/cgroup/pids'"$T_PARENT"'/user-'"$alice_uid"'/pids.current
echo "pids-current-inside $cur"
while IFS= read -r l; do echo "bomb-err: $l"; done < /tmp/bomb.err'
t0=$(t__now_ms)
t_ok "tasks: alice's fork bomb hits pids.max within 10 s" \
	t_wait_for 10 grep -q '^max [1-9]' "$pids/pids.events"
t_is "tasks: pids.max is 32" 32 "$(cat "$pids/pids.max")"
cur=$(cat "$pids/pids.current")
t_ok "tasks: pids.current ($cur) <= 32 during the bomb" test "$cur" -le 32
t_ok "tasks: ... and the bomb really reached the limit (>= 30)" test "$cur" -ge 30
# bob logs in and runs a command while alice's cgroup is at its limit
t_ok "tasks: bob logs in and runs a command during the bomb" \
	timeout 30 su - "$bob" -c 'echo bob-ran $(id -un); cat /proc/self/cgroup'
t_like "tasks: ... as bob, in bob's cgroup" "bob-ran $bob" "$T_OUT"
t_like "tasks: ... pids cgroup is bob's own" ":pids:$T_PARENT/user-$bob_uid" "$T_OUT"
t_ok "tasks: alice's cgroup is still at the limit meanwhile" \
	test "$(cat "$pids/pids.current")" -ge 30
t_ok "tasks: the bomb gave up (bash's fork retries, <= 40 s)" t_sess_wait bomb 40
t_diag "fork bomb ran $(($(t__now_ms) - t0)) ms"
t_like "tasks: the failure was 'fork: Resource temporarily unavailable'" \
	'bomb-err: .*fork: Resource temporarily unavailable' "$(cat "$T_TMP/bomb.log")"
inside=$(sed -n 's/^pids-current-inside //p' "$T_TMP/bomb.log")
t_ok "tasks: pids.current seen inside after the bomb ($inside) <= 32" test "${inside:-99}" -le 32
t_sess_end bomb
t_is "tasks: the bombing session itself ends normally" 0 "$T_SESS_RC"
wait_gone "$alice_uid"

# --- cpu_quota: throttling -------------------------------------------------------------------------
cpu=$(t_cg cpu "$alice_uid")
# A 2 s busy loop; bash's "time" reports the CPU the loop got.
t_sess_start cpu "$alice" 'TIMEFORMAT="hog real %R user %U sys %S"
time timeout 2 sh -c "while :; do :; done"'
t_ok "cpu: the 2 s hog ran" t_sess_wait cpu 20
t_is "cpu: cpu.cfs_quota_us is 20000" 20000 "$(cat "$cpu/cpu.cfs_quota_us")"
t_is "cpu: cpu.cfs_period_us is 100000" 100000 "$(cat "$cpu/cpu.cfs_period_us")"
throttled=$(awk '$1 == "nr_throttled" { print $2 }' "$cpu/cpu.stat")
t_ok "cpu: nr_throttled > 0 in alice's cpu.stat (${throttled:-none})" test "${throttled:-0}" -gt 0
t_diag "$(tr '\n' ' ' <"$cpu/cpu.stat")"
hog=$(grep '^hog real' "$T_TMP/cpu.log")
t_diag "$hog"
# Loose bound only (noisy shared machines): the loop got well under a full CPU.
t_ok "cpu: the hog got at most 60% of one CPU ($hog)" \
	awk -v l="$hog" 'BEGIN { split(l, f, " "); exit !(f[3] > 1.5 && (f[5] + f[7]) <= 0.6 * f[3]) }'
t_sess_end cpu
wait_gone "$alice_uid"

# --- tmp_size: ENOSPC, one budget for /tmp and /dev/shm, charged to the user's memory cgroup ---
mkfifo -m 0600 "$alice_home/.go-tmp1" && chown "$alice" "$alice_home/.go-tmp1" || t_bail mkfifo
t_sess_start tmp "$alice" 'findmnt -n -o FSTYPE,SIZE,OPTIONS /tmp
echo ready
read -r _ < ~/.go-tmp1
dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>&1; echo "dd-status $?"
df -k /tmp | tail -1
dd if=/dev/zero of=/dev/shm/full bs=1M count=8 2>&1; echo "shm-full-status $?"
rm -f /tmp/fill /dev/shm/full
dd if=/dev/zero of=/dev/shm/fill bs=1M count=32 2>&1; echo "shm-status $?"'
t_ok "tmp: session up" t_wait_for 20 grep -q '^ready' "$T_TMP/tmp.log"
t_like "tmp: /tmp is a tmpfs of 16M, nosuid,nodev" '^tmpfs +16M +.*nosuid,nodev' \
	"$(head -1 "$T_TMP/tmp.log")"
mem=$(t_cg memory "$alice_uid")
before=$(cat "$mem/memory.usage_in_bytes")
timeout 5 sh -c 'echo go >"$1"' _ "$alice_home/.go-tmp1"
t_ok "tmp: the fill finished" t_sess_wait tmp 30
after=$(cat "$mem/memory.usage_in_bytes")
log=$(cat "$T_TMP/tmp.log")
t_like "tmp: writing 32M into /tmp fails with ENOSPC" 'No space left on device' \
	"$(sed -n '/^ready/,/^dd-status/p' <<<"$log")"
t_like "tmp: ... dd exits non-zero" 'dd-status [1-9]' "$log"
t_like "tmp: ... after 16M (dd copied 16M)" '16777216 bytes' "$log"
t_like "tmp: with /tmp full, /dev/shm (the same tmpfs) has no room at all" \
	'^0 bytes .*copied.*shm-full-status [1-9]' \
	"$(sed -n '/^dd-status/,/^shm-full-status/p' <<<"$log" | grep -E '^0 bytes|shm-full-status' | tr '\n' ' ')"
t_like "tmp: once /tmp is emptied, /dev/shm stops with ENOSPC at 16M too" \
	'16777216 bytes.*shm-status [1-9]' \
	"$(sed -n '/^shm-full-status/,/^shm-status/p' <<<"$log" | tr '\n' ' ')"
t_ok "tmp: memory.usage_in_bytes rose by >= 15M (the 16M in /dev/shm: $before -> $after)" \
	test $((after - before)) -ge $((15 << 20))
t_ok "tmp: ... and stays below memory_max" test "$after" -le $((64 << 20))
t_ok "tmp: the host's /tmp has no such file" test ! -e /tmp/fill
t_sess_end tmp
rm -f "$alice_home/.go-tmp1"
t_is "tmp: session ends normally" 0 "$T_SESS_RC"
wait_gone "$alice_uid"
t_ok "the test's own process survived everything" kill -0 "$own_pid"

t_done
