#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/admin.sh: the admin commands of paddock(8) against real paddocks made by
# real "su -" logins through pam_paddock.so:
#   * non-root callers are refused (exit 1) by status, enter, stop and reload;
#   * status: the table, and --json parsed by python3 (user, uid, holder, sessions,
#     namespace inodes, cgroup, usage against the limits read back from the cgroup, and
#     those against the policy: a limit changed in the kernel or the policy shows);
#   * enter: a command sees the same namespace inodes and cgroups as the user's session,
#     runs as the user with privileges dropped (or as root with --root), with no fd of
#     ours, and its exit status comes back;
#   * reload: a changed memory_max is live in the cgroup and reported as before -> after;
#     a second reload reports it unchanged; a broken policy changes nothing and names
#     file:line;
#   * joining logins write the limits when the policy changed since the last login or
#     after a reload, not otherwise (a limit written by hand stays until reload);
#   * stop: every process gone, the state and cgroup removed, the next login fresh;
#   * check --system: PAM services without the module (includes followed), UsePAM no.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3
P=$T_HELPER

t_cgroup_parent

policy() {   # policy MEMORY_MAX [EXTRA_DEFAULT_LINE]
	t_policy admin.conf "$(t_policy_global)
linger = 0

[default]
memory_max = $1
tasks_max = 64
cpu_quota = 50%
${2:-}"
}
policy 64M
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob
bob=$T_USER bob_uid=$T_UID
t_cleanup_add "$P" stop "$alice"

# memory limit of a user's cgroup as the kernel has it (v1 or v2)
mem_limit() {
	local v1=/sys/fs/cgroup/memory$T_PARENT/user-$1/memory.limit_in_bytes
	if [ -f "$v1" ]; then cat "$v1"; else cat "/sys/fs/cgroup$T_PARENT/user-$1/memory.max"; fi
}
as_bob() { setpriv --reuid="$bob_uid" --regid="$bob_uid" --clear-groups "$@"; }

# --- non-root callers -------------------------------------------------------------------------
for cmd in "status" "stop $alice" "reload" "enter $alice -- true"; do
	# shellcheck disable=SC2086 # split the command on purpose
	t_rc "non-root: paddock $cmd is refused (exit 1)" 1 as_bob "$P" $cmd
	t_like "non-root: ... with a clear message" "permission denied: only root" "$T_ERR"
done

# --- a live session ---------------------------------------------------------------------------
start_session() {
	: >"$T_TMP/sess.log"
	t_bg t_su "$alice" 'echo up; exec sleep 600' >"$T_TMP/sess.log" 2>&1
	SESS_BG=$T_BG_PID
	t_wait_for 20 grep -q up "$T_TMP/sess.log" || t_bail "alice's session did not start: $(cat "$T_TMP/sess.log")"
	t_wait_for 5 pgrep -u "$alice_uid" -x sleep || t_bail "alice's sleep not found"
	SLEEP=$(pgrep -u "$alice_uid" -x sleep)
}
t_ok "no paddock yet: status says so" "$P" status --conf "$T_POLICY"
t_is "no paddock yet: ... in one line" "no live paddock" "$T_OUT"
t_ok "no paddock yet: status --json is an empty list" "$P" status --json --conf "$T_POLICY"
t_is "no paddock yet: ... []" "[]" "$T_OUT"
start_session

# --- status ---------------------------------------------------------------------------------
t_ok "status: table" "$P" status --conf "$T_POLICY"
t_like "status: ... header" "^USER +UID +HOLDER +SESS +PROCS +MEMORY" "$T_OUT"
t_like "status: ... alice's row: 1 session, 64M limit, tasks of 64, her cgroup" \
	"$alice +$alice_uid +[0-9]+ +1 +[0-9]+ +[0-9.]+[BKMG]?/64M +([0-9.]+s|\?),[0-9]+ +[0-9]+/64 +$T_PARENT/user-$alice_uid \(cgroupfs-v[12]\)" \
	"$T_OUT"
t_like "status: ... namespace inodes" "namespaces mnt:[0-9]+ pid:[0-9]+ ipc:[0-9]+ uts:[0-9]+ net:[0-9]+" "$T_OUT"

t_ok "status --json" "$P" status --json --conf "$T_POLICY"
json=$T_OUT
want_ns=$(for n in mnt pid ipc uts net; do stat -L -c %i "/proc/$SLEEP/ns/$n"; done | paste -sd' ')
t_ok "status --json: parsed by python3" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and len(d) >= 1, d
p = [x for x in d if x["uid"] == int(sys.argv[1])][0]
ns = " ".join(str(p["namespaces"][k]) for k in ("mnt", "pid", "ipc", "uts", "net"))
print(p["user"], p["sessions"], ns, p["cgroup"]["path"], p["memory"]["max"],
      p["tasks"]["max"], p["cpu"]["quota_percent"], p["holder_pid"],
      p["memory"]["current"] > 0, p["tasks"]["current"] >= 1,
      isinstance(p["cpu"]["usage_usec"], (int, type(None))),  # v1 without cpuacct in cpu: null
      isinstance(p["cpu"]["nr_throttled"], int),
      p["memory"]["high"], p["cpu"]["weight"], p["policy"]["memory_max"],
      p["policy"]["cpu_quota"], p["matches_policy"])
' "$alice_uid" <<<"$json"
t_is "status --json: user, sessions, namespaces, cgroup, live limits, usage, policy" \
	"$alice 1 $want_ns $T_PARENT/user-$alice_uid 67108864 64 50 HOLDER True True True True max 100 67108864 50 True" \
	"$(sed 's/ [0-9]* True/ HOLDER True/' <<<"$T_OUT")"
holder=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["holder_pid"])' <<<"$json")
t_like "status --json: holder_pid is alice's holder" "^paddock holder --uid $alice_uid " \
	"$(tr '\0' ' ' <"/proc/$holder/cmdline")"
t_ok "status USER: only that user" "$P" status --conf "$T_POLICY" "$alice"
t_like "status USER: ... alice's row" "$alice +$alice_uid" "$T_OUT"
t_rc "status USER without a paddock: exit 1" 1 "$P" status --conf "$T_POLICY" "$bob"
t_like "status USER without a paddock: ... says so" "has no live paddock" "$T_ERR"
t_rc "status --json USER without a paddock: exit 1" 1 "$P" status --json "$bob"
t_is "status --json USER without a paddock: ... an empty list" "[]" "$T_OUT"

# --- enter ----------------------------------------------------------------------------------
view='id -u; for n in mnt pid ipc uts net; do stat -L -c %i /proc/self/ns/$n; done
grep -E ":(memory|pids|cpu,cpuacct|cpu|):" /proc/self/cgroup | sort'
# enter applies the filter of the user's sessions, from the policy their logins use
# (--conf, as on the PAM line); a policy it cannot read runs nothing.
t_rc "enter: a policy that cannot be read: exit 1" 1 "$P" enter --conf "$T_TMP/no-such.conf" "$alice" -- true
t_like "enter: ... naming the file" "$T_TMP/no-such.conf: cannot open" "$T_ERR"
want_view=$({ echo "$alice_uid"; for n in mnt pid ipc uts net; do stat -L -c %i "/proc/$SLEEP/ns/$n"; done
	grep -E ":(memory|pids|cpu,cpuacct|cpu|):" "/proc/$SLEEP/cgroup" | sort; })
t_ok "enter: a command runs in alice's paddock" "$P" enter --conf "$T_POLICY" "$alice" -- sh -c "$view"
t_is "enter: ... as alice, same namespace inodes and cgroups as her session" "$want_view" "$T_OUT"
t_ok "enter --root: keeps root" "$P" enter --root "$alice" -- sh -c "$view"
t_is "enter --root: ... uid 0, same namespaces and cgroups" \
	"$(sed "1s/.*/0/" <<<"$want_view")" "$T_OUT"
t_ok "enter: privileges dropped for good" "$P" enter --conf "$T_POLICY" "$alice" -- \
	sh -c 'grep -E "^(Uid|Gid|CapPrm|CapEff|CapAmb):" /proc/self/status | tr -s "\t " " "'
t_is "enter: ... every uid and gid the user's, no capability" \
	"Uid: $alice_uid $alice_uid $alice_uid $alice_uid
Gid: $alice_uid $alice_uid $alice_uid $alice_uid
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapAmb: 0000000000000000" "$T_OUT"
t_ok "enter: no descriptor of ours reaches the command" "$P" enter --conf "$T_POLICY" "$alice" -- sh -c 'ls /proc/$$/fd; true'
t_is "enter: ... only 0 1 2" "0 1 2" "$(echo $T_OUT)"
t_ok "enter: default is the user's login shell" "$P" enter --conf "$T_POLICY" "$alice" <<<'echo "[$0] [$HOME] [$USER] $(pwd)"'
t_is "enter: ... a login shell in her home" "[-bash] [$alice_home] [$alice] $alice_home" "$T_OUT"
t_rc "enter: the command's exit status comes back" 7 "$P" enter --conf "$T_POLICY" "$alice" -- sh -c 'exit 7'
t_rc "enter: a missing command exits 127" 127 "$P" enter --conf "$T_POLICY" "$alice" -- /nonexistent-pdk
t_rc "enter: a user without a paddock: exit 1" 1 "$P" enter --conf "$T_POLICY" "$bob" -- true
t_like "enter: ... says so" "has no live paddock" "$T_ERR"
t_rc "enter: an unknown user: exit 1" 1 "$P" enter --conf "$T_POLICY" pdkt-no-such-user -- true

# --- reload ---------------------------------------------------------------------------------
t_is "reload: before, the cgroup has 64M" 67108864 "$(mem_limit "$alice_uid")"
policy 96M
t_ok "status: a policy changed since the login" "$P" status --conf "$T_POLICY" "$alice"
t_like "status: ... still shows the live 64M" "$alice +$alice_uid .*/64M " "$T_OUT"
t_like "status: ... and what differs from the policy" \
	"differs from the policy \(live -> policy\): memory_max 64M -> 96M; paddock reload applies it" \
	"$T_OUT"
t_ok "status --json: a policy changed since the login" "$P" status --json --conf "$T_POLICY" "$alice"
t_is "status --json: ... live max, policy's max, matches_policy false" "67108864 100663296 False" \
	"$(python3 -c 'import json,sys; p=json.load(sys.stdin)[0]
print(p["memory"]["max"], p["policy"]["memory_max"], p["matches_policy"])' <<<"$T_OUT")"
t_ok "reload: a changed memory_max" "$P" reload --conf "$T_POLICY"
t_is "reload: ... reports the change for alice, before -> after" \
	"$alice (uid $alice_uid): $T_PARENT/user-$alice_uid: memory_max 64M -> 96M" "$T_OUT"
t_is "reload: ... 96M is live in the cgroup" 100663296 "$(mem_limit "$alice_uid")"
t_ok "reload: again, with nothing changed" "$P" reload --conf "$T_POLICY"
t_like "reload: ... says unchanged" \
	"^$alice \(uid $alice_uid\): $T_PARENT/user-$alice_uid: unchanged \(memory_max=96M .*cpu_quota=50% .*tasks_max=64\)$" \
	"$T_OUT"
t_ok "status: after the reload" "$P" status --conf "$T_POLICY" "$alice"
t_is "status: ... nothing differs from the policy" "" "$(grep differs <<<"$T_OUT")"
# A limit changed behind paddock's back (as an admin might with echo > memory.max;
# lowered, since v1 refuses a limit above memory.memsw.limit_in_bytes).
v1=/sys/fs/cgroup/memory$T_PARENT/user-$alice_uid/memory.limit_in_bytes
if [ -f "$v1" ]; then echo 80M >"$v1"; else echo 80M >"/sys/fs/cgroup$T_PARENT/user-$alice_uid/memory.max"; fi
t_ok "status: a limit written into the cgroup by hand" "$P" status --conf "$T_POLICY" "$alice"
t_like "status: ... is what status shows, and it differs" \
	"memory_max 80M -> 96M" "$T_OUT"
t_ok "reload: puts the policy's limit back" "$P" reload --conf "$T_POLICY"
# On v1 the hand-lowered memory limit left room for swap under memsw (96M - 80M).
t_like "reload: ... reports it" \
	"^$alice \\(uid $alice_uid\\): $T_PARENT/user-$alice_uid: memory_max 80M -> 96M(, memory_swap_max 16M -> 0)?$" \
	"$T_OUT"
policy 32M "bogus_key = 1"
t_rc "reload: a broken policy is refused (exit 1)" 1 "$P" reload --conf "$T_POLICY"
t_like "reload: ... names file:line" "$T_POLICY:[0-9]+: unknown key 'bogus_key'" "$T_ERR"
t_like "reload: ... and says nothing changed" "nothing changed" "$T_ERR"
t_is "reload: ... the limits are as they were (96M)" 100663296 "$(mem_limit "$alice_uid")"
policy 64M

# --- joining logins and the limits ----------------------------------------------------------
# A joining login writes the limits only when they are not the ones the last login wrote
# into this very cgroup (a stamp kept in root-only state); reload drops that stamp.
set_mem_by_hand() {
	local v1=/sys/fs/cgroup/memory$T_PARENT/user-$alice_uid/memory.limit_in_bytes
	if [ -f "$v1" ]; then echo "$1" >"$v1"; else echo "$1" >"/sys/fs/cgroup$T_PARENT/user-$alice_uid/memory.max"; fi
}
t_ok "join: a joining login after the reloads" t_su "$alice" true
t_is "join: ... reload dropped the stamp: the policy's 64M is written" 67108864 "$(mem_limit "$alice_uid")"
set_mem_by_hand 48M
t_ok "join: a joining login, the policy unchanged" t_su "$alice" true
t_is "join: ... a limit written by hand stays (paddock reload is the tool)" 50331648 \
	"$(mem_limit "$alice_uid")"
policy 72M
t_ok "join: a joining login, the policy changed" t_su "$alice" true
t_is "join: ... the new policy's 72M is written" 75497472 "$(mem_limit "$alice_uid")"
policy 64M
t_ok "join: a joining login, the policy back" t_su "$alice" true
t_is "join: ... 64M again" 67108864 "$(mem_limit "$alice_uid")"

# --- stop -----------------------------------------------------------------------------------
old_pidns=$(stat -L -c %i "/proc/$SLEEP/ns/pid")
# Hold the old PID namespace (an fd on its nsfs file, not a process in it): a freed
# namespace's inode number is reused, and the next one may be handed the same.
exec {old_pidns_fd}<"/proc/$SLEEP/ns/pid"
t_ok "stop: alice's paddock" "$P" stop --conf "$T_POLICY" "$alice"
t_like "stop: ... reports it" "stopped the paddock of $alice" "$T_OUT"
t_ok "stop: ... her session's processes are gone" t__gone "$SLEEP"
t_ok "stop: ... the holder is gone" t__gone "$holder"
t_nok "stop: ... no process of alice is left" pgrep -u "$alice_uid"
t_ok "stop: ... the state is removed" test ! -e "/run/paddock/$alice_uid"
t_ok "stop: ... the cgroup is removed" \
	sh -c "! ls -d /sys/fs/cgroup/*$T_PARENT/user-$alice_uid /sys/fs/cgroup$T_PARENT/user-$alice_uid 2>/dev/null"
t_wait_for 10 t__gone "$SESS_BG"
t_ok "stop: the next login gets a fresh paddock" t_su "$alice" 'stat -L -c %i /proc/self/ns/pid'
t_ok "stop: ... with a new PID namespace" test "$T_OUT" != "$old_pidns"
exec {old_pidns_fd}<&-
t_rc "stop: a user without a paddock: exit 1" 1 "$P" stop "$bob"
t_like "stop: ... says so" "has no live paddock" "$T_ERR"

# --- check --system ---------------------------------------------------------------------------
# (--root: the helper and the kernel's cgroup table are read below $d too.)
d=$T_TMP/system
mkdir -p "$d/pam.d" "$d/ssh/sshd_config.d" "$d/usr/sbin" "$d/proc"
install -m 0755 "$P" "$d/usr/sbin/paddock"
cp /proc/cgroups "$d/proc/cgroups"
pam() { printf '%b\n' "$2" >"$d/pam.d/$1"; }
pam common-session 'session required pam_unix.so\nsession required /usr/lib/x86_64-linux-gnu/security/pam_paddock.so'
pam common-session-plain 'session required pam_unix.so'
pam svc-include '@include common-session'
pam svc-substack 'auth required pam_permit.so\nsession substack svc-include'
pam svc-bracket 'session [success=ok default=bad] pam_paddock.so debug'
pam svc-continued 'session \\\n   required pam_paddock.so'
pam svc-missing 'auth required pam_permit.so\nsession required pam_unix.so # pam_paddock.so'
pam svc-plain '@include common-session-plain'
pam svc-noses 'auth required pam_permit.so\naccount required pam_permit.so'
pam svc-auth-include 'auth include svc-include\nsession required pam_unix.so'
pam svc-loop '@include svc-loop'
ssh-keygen -q -t ed25519 -N '' -f "$d/ssh/hostkey" || t_bail "ssh-keygen"
printf 'HostKey %s\nInclude %s/ssh/sshd_config.d/*.conf\nUsePAM yes\n' "$d/ssh/hostkey" "$d" \
	>"$d/ssh/sshd_config"
printf 'UsePAM no\n' >"$d/ssh/sshd_config.d/10-nopam.conf"
t_rc "check --system: problems found (exit 1)" 1 \
	"$P" check --system --root "$d" --pam-dir "$d/pam.d" --sshd-config "$d/ssh/sshd_config" "$T_ROOT/conf/paddock.conf"
for ok in svc-include svc-substack svc-bracket svc-continued; do
	t_like "check --system: $ok has it" "pam: $ok: ok" "$T_OUT"
done
t_like "check --system: @include is named as the way in" "pam: svc-include: ok \(pam_paddock at $d/pam.d/common-session:2\)" "$T_OUT"
for bad in svc-missing svc-plain svc-auth-include; do
	t_like "check --system: $bad lacks it" "pam: $bad: MISSING" "$T_OUT"
done
t_like "check --system: a service without a session stack is not a problem" \
	"pam: svc-noses: no session stack" "$T_OUT"
t_like "check --system: an include loop is reported" "pam: svc-loop: cannot be checked" "$T_OUT"
t_like "check --system: UsePAM no from an Include (first value wins) is a bypass" \
	"sshd: BYPASS: UsePAM no at $d/ssh/sshd_config.d/10-nopam.conf:1" "$T_OUT"
t_nok "check --system: common-* are include files, not services" grep -q 'pam: common-' <<<"$T_OUT"
rm -f "$d/pam.d/svc-missing" "$d/pam.d/svc-plain" "$d/pam.d/svc-auth-include" "$d/pam.d/svc-loop" \
	"$d/ssh/sshd_config.d/10-nopam.conf"
printf 'PermitUserEnvironment yes\n' >"$d/ssh/sshd_config.d/20-env.conf"
t_ok "check --system: a clean system passes (exit 0)" \
	"$P" check --system --root "$d" --pam-dir "$d/pam.d" --sshd-config "$d/ssh/sshd_config" "$T_ROOT/conf/paddock.conf"
t_like "check --system: ... sshd uses PAM" "sshd: ok \(UsePAM yes" "$T_OUT"
t_like "check --system: PermitUserEnvironment is a warning for the guard" \
	"sshd: warning: PermitUserEnvironment yes" "$T_OUT"
t_done
