#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/session-filter.sh: the session's seccomp filter (threat 19) through real
# su and sshd logins.  A probe (tests/root/filter-probe.c, copied into each user's home:
# the checkout may be under /tmp, which a paddock replaces) makes the calls the filter
# rules on, on a pseudo-terminal of its own that is its controlling terminal, so that
# only a filter can refuse TIOCSTI there; the same probe outside any session is the
# control (the calls work).  Asserted:
#   * TIOCSTI and TIOCLINUX fail with EPERM in every session, also with bit 32 set in
#     the request word (CVE-2019-10063) and through the x32 ABI; the loaded filter
#     (read back with PTRACE_SECCOMP_GET_FILTER from sshd's monitor) covers the i386
#     and x32 ABIs and both requests (this kernel runs no i386 code: int 0x80 faults,
#     so the i386 ioctl is checked in the filter itself);
#   * user_namespaces = deny (a [user:] section here, allow by [default]): unshare and
#     clone with CLONE_NEWUSER, setns into a user namespace fail with EPERM, clone3
#     with ENOSYS, "unshare -U true" fails, and fork/posix_spawn through libc still
#     work; with allow all of it works;
#   * the callers keep working: su returns the command's status and its caller (this
#     shell) is not filtered; sshd serves further logins, its listener is not filtered,
#     the connection's monitor (root) is; no_new_privs is not set in the session;
#   * root (exempt) gets no filter;
#   * paddock enter USER runs the command under the filter of USER's sessions (deny and
#     allow as above, TIOCSTI into the admin's terminal fails), --root under none, and a
#     policy that cannot be applied refuses to run anything;
#   * the audit records name the filter in force (seccomp=tty, seccomp=tty,userns).
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3
t__need script bsdutils
PROBE_BIN=$T_BUILD/tests/probes/filter-probe
[ -x "$PROBE_BIN" ] || t_bail "$PROBE_BIN missing: run make first"

t_cgroup_parent
t_user alice; alice=$T_USER; alice_uid=$T_UID; alice_home=$T_HOME
t_user dora; dora=$T_USER; dora_uid=$T_UID; dora_home=$T_HOME
for h in "$alice_home" "$dora_home"; do
	install -m 0755 "$PROBE_BIN" "$h/.t-probe" || t_bail "cannot copy the probe to $h"
done

FILTER_POLICY="$(t_policy_global)
linger = 0
[default]
isolate = no
[user:$alice]
isolate = yes
[user:$dora]
isolate = yes
user_namespaces = deny"
t_policy filter.conf "$FILTER_POLICY"
# pam_permit after the module: a session it ignores (root, exempt) still opens.
STACK="$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
session  required   pam_permit.so"
t_su_stack "$STACK"
SVC=paddock-test-filter-$T_TAG
t_pam_service "$SVC" "$STACK"

# The kernel's audit, on for the test (restored at exit), records copied by a listener
# (in the runner's network namespace: the kernel sends audit multicast only there).
ALOG=$T_TMP/audit.log
t_audit_listen "$ALOG"

# probe_all USER_HOME: every call, "CALL RESULT" a line (run in the user's shell).
CALLS="tiocsti tiocsti-high tiocsti-x32 tioclinux tioclinux-high unshare-user clone-user
clone3 setns-user setns-zero fork"
probe_script='for c in '"$(echo $CALLS)"'; do echo "$c $(~/.t-probe $c 2>&1)"; done
if unshare -U true 2>/dev/null; then echo "unshare-U ok"; else echo "unshare-U failed"; fi
echo "status $(grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t " " " | tr "\n" " ")"'
# result OUTPUT CALL: the probe's answer for CALL in OUTPUT.
result() { sed -n "s/^$2 //p" <<<"$1"; }

# --- control: the same calls as the users, outside any session ------------------------------------------
t_ok "control: alice's probe outside any session runs" \
	setpriv --reuid="$alice_uid" --regid="$alice_uid" --clear-groups \
	env HOME="$alice_home" bash -c "cd; $probe_script"
ctl=$T_OUT
for c in tiocsti tiocsti-high unshare-user clone-user clone3 fork; do
	t_is "control: $c works outside a session (nothing else refuses it here)" ok "$(result "$ctl" "$c")"
done
t_is "control: TIOCLINUX on a pseudo-terminal is the kernel's ENOTTY" ENOTTY "$(result "$ctl" tioclinux)"
t_is "control: ... also with the high bit" ENOTTY "$(result "$ctl" tioclinux-high)"
t_is "control: setns into our own user namespace is the kernel's EINVAL" EINVAL "$(result "$ctl" setns-user)"
t_is "control: unshare -U true works" "ok" "$(result "$ctl" unshare-U)"

# --- su: alice (user_namespaces = allow) ----------------------------------------------------------------------
t_ok "su: alice's session runs the probe" t_su "$alice" "$probe_script"
a=$T_OUT
for c in tiocsti tiocsti-high tiocsti-x32 tioclinux tioclinux-high; do
	t_is "su alice: $c fails with EPERM" EPERM "$(result "$a" "$c")"
done
for c in unshare-user clone-user clone3 fork; do
	t_is "su alice (allow): $c works" ok "$(result "$a" "$c")"
done
t_is "su alice (allow): setns is the kernel's to refuse (EINVAL), not the filter's" EINVAL \
	"$(result "$a" setns-user)"
t_is "su alice (allow): unshare -U true works" ok "$(result "$a" unshare-U)"
t_like "su alice: the session runs under a filter, without no_new_privs" \
	'Seccomp: 2 .*NoNewPrivs: 0|NoNewPrivs: 0 .*Seccomp: 2' "$(result "$a" status)"

# --- su: dora (user_namespaces = deny) ----------------------------------------------------------------------
t_ok "su: dora's session runs the probe" t_su "$dora" "$probe_script"
d=$T_OUT
for c in tiocsti tiocsti-high tioclinux unshare-user clone-user setns-user setns-zero; do
	t_is "su dora (deny): $c fails with EPERM" EPERM "$(result "$d" "$c")"
done
t_is "su dora (deny): clone3 fails with ENOSYS" ENOSYS "$(result "$d" clone3)"
t_is "su dora (deny): fork and posix_spawn through libc still work" ok "$(result "$d" fork)"
t_is "su dora (deny): unshare -U true fails" failed "$(result "$d" unshare-U)"
t_ok "su dora (deny): a pipeline of ordinary programs works" \
	t_su "$dora" 'python3 -c "import subprocess; subprocess.run([\"true\"], check=True)" && ls / | wc -l'

# --- the callers keep working ----------------------------------------------------------------------------------
t_rc "su: returns the command's exit status" 7 t_su "$alice" 'exit 7'
t_is "su: its caller (this shell) is not filtered: TIOCSTI still works here" ok \
	"$("$PROBE_BIN" tiocsti)"
t_ok "su - root: root is exempt and gets no filter" \
	su - root -c 'grep -q "^Seccomp:[[:space:]]*0" /proc/self/status'

# Interactive "su - alice" on a pseudo-terminal: TIOCSTI on fd 0, the terminal root's
# shell reads after su returns (the CVE-2016-7545 scenario).
tty_out=$(printf '%s\n' "echo fd0 \$(~/.t-probe tiocsti-fd0)" exit |
	timeout 30 script -qec "su - $alice" /dev/null 2>&1)
t_like "su on a terminal: TIOCSTI into the shared terminal fails with EPERM" 'fd0 EPERM' "$tty_out"
t_su_stack "$(t_pam_simple_stack pam_permit.so)"
tty_out=$(printf '%s\n' "echo fd0 \$(~/.t-probe tiocsti-fd0)" exit |
	timeout 30 script -qec "su - $alice" /dev/null 2>&1)
t_like "su on a terminal, control (no pam_paddock): the same TIOCSTI works" 'fd0 ok' "$tty_out"
t_su_stack "$STACK"

# --- paddock enter: the user's processes it starts get the sessions' filter -----------------------------------
t_sess_start dorakeep "$dora" 'true'
t_sess_start alicekeep "$alice" 'true'
t_ok "enter: dora and alice have a session open" t_sess_wait dorakeep
t_sess_wait alicekeep >/dev/null
t_ok "enter: a command as dora runs the probe" \
	"$T_HELPER" enter --conf "$T_POLICY" "$dora" -- bash -c "cd; $probe_script"
d=$T_OUT
for c in tiocsti tiocsti-high tioclinux unshare-user clone-user setns-user; do
	t_is "enter dora (deny): $c fails with EPERM" EPERM "$(result "$d" "$c")"
done
t_is "enter dora (deny): clone3 fails with ENOSYS" ENOSYS "$(result "$d" clone3)"
t_is "enter dora (deny): unshare -U true fails" failed "$(result "$d" unshare-U)"
t_like "enter dora: under a filter, without no_new_privs" \
	'Seccomp: 2 .*NoNewPrivs: 0|NoNewPrivs: 0 .*Seccomp: 2' "$(result "$d" status)"
t_ok "enter: a command as alice runs the probe" \
	"$T_HELPER" enter --conf "$T_POLICY" "$alice" -- bash -c "cd; $probe_script"
a=$T_OUT
t_is "enter alice: TIOCSTI fails with EPERM" EPERM "$(result "$a" tiocsti)"
t_is "enter alice (allow): unshare -U true works" ok "$(result "$a" unshare-U)"
# The admin's terminal: what the user's command pushes there, root's shell would read.
tty_out=$(printf '%s\n' "echo fd0 \$(~/.t-probe tiocsti-fd0)" exit |
	timeout 30 script -qec "$T_HELPER enter --conf $T_POLICY $alice" /dev/null 2>&1)
t_like "enter on the admin's terminal: TIOCSTI into it fails with EPERM" 'fd0 EPERM' "$tty_out"
t_ok "enter --root: the admin's own command" \
	"$T_HELPER" enter --root --conf "$T_POLICY" "$dora" -- grep '^Seccomp:' /proc/self/status
t_like "enter --root: ... runs under no filter" '^Seccomp:[[:space:]]*0$' "$T_OUT"
t_policy broken.conf "[default]
no_such_key = 1"
t_rc "enter: a policy that cannot be applied: exit 1, nothing run" 1 \
	"$T_HELPER" enter --conf "$T_POLICY" "$dora" -- touch "$dora_home/.t-ran"
t_like "enter: ... it names the file and line" "broken.conf:2" "$T_ERR"
t_ok "enter: ... the command did not run" test ! -e "$dora_home/.t-ran"
t_policy filter.conf "$FILTER_POLICY"
t_sess_end dorakeep
t_sess_end alicekeep

# --- sshd ------------------------------------------------------------------------------------------------------
t_sshd_start "$SVC"
t_ok "ssh: alice's session runs the probe" t_ssh "$alice" "$probe_script"
a=$T_OUT
t_is "ssh alice: TIOCSTI fails with EPERM" EPERM "$(result "$a" tiocsti)"
t_is "ssh alice: ... with the high bit too" EPERM "$(result "$a" tiocsti-high)"
t_is "ssh alice: TIOCLINUX fails with EPERM" EPERM "$(result "$a" tioclinux)"
t_is "ssh alice (allow): unshare -U true works" ok "$(result "$a" unshare-U)"
t_ok "ssh: dora's session runs the probe" t_ssh "$dora" "$probe_script"
d=$T_OUT
t_is "ssh dora (deny): TIOCSTI fails with EPERM" EPERM "$(result "$d" tiocsti)"
t_is "ssh dora (deny): unshare -U true fails" failed "$(result "$d" unshare-U)"
t_is "ssh dora (deny): clone3 fails with ENOSYS" ENOSYS "$(result "$d" clone3)"

# A long session: sshd's monitor for it is root, a child of the listener.
t_sess_start --ssh held "$alice" 'true'
t_ok "ssh: a session stays open" t_sess_wait held
monitor=
for p in $(pgrep -P "$T_SSHD_PID"); do
	[ "$(stat -c %u "/proc/$p")" = 0 ] && monitor=$p
done
t_like "ssh: the connection's monitor (root) runs under the filter" '^Seccomp:[[:space:]]*2$' \
	"$(grep '^Seccomp:' "/proc/${monitor:-0}/status" 2>&1)"
t_like "ssh: the listener does not" '^Seccomp:[[:space:]]*0$' "$(grep '^Seccomp:' "/proc/$T_SSHD_PID/status")"
t_ok "ssh: the monitor's filter can be read back" "$PROBE_BIN" dump "${monitor:-0}"
jumps=$T_OUT
t_like "filter: it checks for the i386 ABI (AUDIT_ARCH_I386)" 'jump 0x40000003' "$jumps"
t_like "filter: ... for x86_64 (AUDIT_ARCH_X86_64)" 'jump 0xc000003e' "$jumps"
t_like "filter: ... the x32 ioctl (the x32 bit and 514)" 'jump 0x40000202' "$jumps"
t_like "filter: ... the i386 ioctl (54)" 'jump 0x36' "$jumps"
t_like "filter: ... the x86_64 ioctl (16)" 'jump 0x10' "$jumps"
t_like "filter: TIOCSTI" 'jump 0x5412' "$jumps"
t_like "filter: TIOCLINUX" 'jump 0x541c' "$jumps"
t_ok "ssh: further logins are served while the session lasts" t_ssh "$alice" true
t_sess_end held
t_is "ssh: the held session ends normally" 0 "$T_SESS_RC"
for i in 1 2 3; do
	t_ok "ssh: sshd keeps serving, login $i after" t_ssh "$dora" true
done

# --- audit -----------------------------------------------------------------------------------------------------
# Audit is machine-wide: another run may have switched it off meanwhile; on again.
AUDIT_PY=$T_ROOT/tests/audit-tool.py
[ "$(python3 "$AUDIT_PY" status)" != 0 ] || python3 "$AUDIT_PY" set 1
t_ok "audit: alice logs in" t_su "$alice" true
t_ok "audit: dora logs in" t_su "$dora" true
recs() { grep -F 'virt=paddock ' "$ALOG" | grep -E ' op=(start|join) ' | grep -E "acct=\"($alice|$dora)\""; }
t_wait_for 10 eval 'recs | grep -q "acct=\"$dora\" .* seccomp=tty,userns "'
t_like "audit: alice's session records name the filter seccomp=tty" \
	"acct=\"$alice\" .* seccomp=tty " "$(recs)"
t_like "audit: dora's name seccomp=tty,userns" "acct=\"$dora\" .* seccomp=tty,userns " "$(recs)"
t_is "audit: no start or join record of theirs without a filter" "" \
	"$(recs | grep -v ' seccomp=tty')"
t_done
