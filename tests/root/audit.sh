#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/audit.sh: the audit records of real logins, read from the real kernel.
#
# The kernel's audit is switched on for the duration (AUDIT_SET enabled=1, the state
# before is restored at exit, also on failure or interruption) and a listener on the
# audit netlink multicast group (AUDIT_NLGRP_READLOG) copies every user record into a
# log in auditd's format; no auditd runs.  Logins through pamtester and a real sshd;
# each scenario asserts the exact sequence of paddock records it causes (start, limits,
# join, end, refuse, unisolated, policy-error) and their fields.  Audit unavailable is
# made real two ways: the kernel's enabled flag at 0 (user records are dropped), and a
# PAM caller without CAP_AUDIT_WRITE (the kernel answers EPERM): required denies, auto
# goes on (saying why in syslog, captured from a /dev/log of our own, when the kernel
# refuses; with enabled=0 it does not ask, and the kernel drops the records), off
# writes nothing.  The ausearch recipes of the documentation run against the captured log.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3
t__need pamtester pamtester
t__need setpriv util-linux

t_cgroup_parent
SVC=paddock-test-audit-$T_TAG
AUDIT_PY=$T_ROOT/tests/audit-tool.py
ALOG=$T_TMP/audit.log

# ---------------------------------------------------------------------------------------
# The kernel side: status, enable, listen (python3, raw netlink; no auditd, no auditctl)
# ---------------------------------------------------------------------------------------


audit_ctl() { python3 "$AUDIT_PY" "$@"; }

# PADDOCK_TEST_AUDIT_LOG=FILE keeps a copy of the captured records (documentation, demo).
[ -n "${PADDOCK_TEST_AUDIT_LOG:-}" ] && t_cleanup_add cp "$ALOG" "$PADDOCK_TEST_AUDIT_LOG"
t_audit_listen "$ALOG"
t_diag "kernel audit enabled=$T_AUDIT_WAS before the test"

# ---------------------------------------------------------------------------------------
# Reading the records
# ---------------------------------------------------------------------------------------

# pa_mark: remember where the log ends; pa_since prints the paddock records of this run
# written after the mark (other runs' and other programs' records are left out).
pa_mark() { settle; PA_MARK=$(wc -l <"$ALOG"); }
# settle: wait until no paddock of our users is left.  A login right after the holder
# began its teardown is a case of its own (teardown.sh, faults.sh), not this test's.
settle() {
	local uid
	for uid in $alice_uid $bob_uid $carol_uid; do
		t_wait_for 10 eval "! pgrep -f '^paddock holder --uid $uid ' && ! test -e /run/paddock/$uid" ||
			t_diag "the paddock of uid $uid is still there"
	done
}
pa_since() {
	tail -n "+$((PA_MARK + 1))" "$ALOG" | grep -F 'virt=paddock ' | grep -F "service=\"$SVC"
}
# pa_seq: "TYPE op=OP" per record since the mark, one line each.
pa_seq() {
	pa_since | sed -E 's/^type=([A-Z_]+) .* op=([a-z-]+) .*/\1 \2/'
}
# pa_wait N: wait until N records arrived since the mark, then a little more, so that
# an unexpected extra record is seen too.
pa_wait() {
	t_wait_for 10 test "$(pa_since | wc -l)" -ge "$1"
	sleep 0.5
}
# pa_field RECORD NAME: the value of NAME in the record's own text (msg='...'), not in
# the kernel's header.
pa_field() {
	local body=${1#*msg=\'}
	[[ " $body" =~ \ $2=([^ \']*) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}
# pa_header RECORD NAME: a field of the kernel's part (pid= uid= auid= ses=).
pa_header() {
	local head=${1%%msg=\'*}
	[[ $head =~ \ $2=([^ ]*) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}
# pa_rec N: the N-th record since the mark.
pa_rec() { pa_since | sed -n "${1}p"; }
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F; }

# ---------------------------------------------------------------------------------------
# Users, policies, PAM services
# ---------------------------------------------------------------------------------------

t_user alice; alice=$T_USER; alice_uid=$T_UID
t_user bob; bob=$T_USER; bob_uid=$T_UID
t_user carol; carol=$T_USER; carol_uid=$T_UID

# policy NAME AUDIT [ON_ERROR]: our users isolated with known limits, everyone else not.
policy() {
	t_policy "$1.conf" "$(t_policy_global)
on_error = ${3:-deny}
audit = $2
linger = 0

[default]
isolate = no

[user:$alice]
isolate = yes
memory_max = 512M
memory_high = 384M
memory_swap_max = 0
cpu_quota = 50%
cpu_weight = 200
tasks_max = 256

[user:$bob]
isolate = yes

[user:$carol]
isolate = yes"
}
policy auto auto; P_AUTO=$T_POLICY
policy required required; P_REQUIRED=$T_POLICY
policy off off; P_OFF=$T_POLICY
policy allow auto allow; P_ALLOW=$T_POLICY
t_policy broken.conf "[global]
audit = auto
bogus_key = 1"
P_BROKEN=$T_POLICY

# service SUFFIX POLICY [ARGS...]: $SVC-SUFFIX with pam_paddock as its session module
# (ARGS after helper=, so a helper= in ARGS wins), then pam_permit: a session the module
# ignores (PAM_IGNORE: not isolated, root exempt) still opens, as in a real stack.
service() {
	local s=$1 p=$2
	shift 2
	t_pam_service "$SVC-$s" "$(t_pam_paddock_stack "$p" "helper=$T_HELPER" "$@")
session  optional   pam_permit.so"
}
service auto "$P_AUTO"
service required "$P_REQUIRED"
service off "$P_OFF"
service allow "$P_ALLOW" helper=/nonexistent/paddock
service nohelper "$P_AUTO" helper=/nonexistent/paddock
service broken "$P_BROKEN"
service badarg "$P_AUTO" bogus_argument
service debug "$P_AUTO" debug

# Every syslog message copied to $SYSLOG_ALL (this machine runs no syslog daemon).
SYSLOG_ALL=$T_TMP/syslog.all
t_syslog_listen "$SYSLOG_ALL"

# with_syslog LOG CMD...: run CMD; LOG gets the syslog messages sent meanwhile.
with_syslog() {
	local log=$1 n rc=0
	shift
	n=$(wc -l <"$SYSLOG_ALL")
	"$@" || rc=$?
	sleep 0.2
	tail -n "+$((n + 1))" "$SYSLOG_ALL" >"$log"
	return "$rc"
}

pt() { pamtester -v "$@"; }
# pa_diag: the last syslog lines, after a login that did not go as expected.
pa_diag() { t_diag "syslog: $(tail -n 4 "$SYSLOG_ALL")"; }

# ---------------------------------------------------------------------------------------
# 1. pamtester: start, limits, end, with hostile tty and remote host
# ---------------------------------------------------------------------------------------

TTY_EVIL="pts/9 id=0 'x'"
HOST_EVIL=$'evil host\n"res=success" n\xc3\xafve=1'
pa_mark
t_ok "pamtester login of $alice (audit = auto)" \
	pt -I "tty=$TTY_EVIL" -I "rhost=$HOST_EVIL" "$SVC-auto" "$alice" open_session close_session ||
	pa_diag
pa_wait 3
t_is "records: start, limits, end" "VIRT_CONTROL start
VIRT_RESOURCE limits
VIRT_CONTROL end" "$(pa_seq)"
start=$(pa_rec 1) limits=$(pa_rec 2) end=$(pa_rec 3)
t_is "start: vm= is the user" "\"$alice\"" "$(pa_field "$start" vm)"
t_is "start: acct=" "\"$alice\"" "$(pa_field "$start" acct)"
t_is "start: id= is the uid" "$alice_uid" "$(pa_field "$start" id)"
t_is "start: service=" "\"$SVC-auto\"" "$(pa_field "$start" service)"
t_is "start: a hostile tty is hex" "$(hex "$TTY_EVIL")" "$(pa_field "$start" terminal)"
t_is "start: a hostile remote host is hex" "$(hex "$HOST_EVIL")" "$(pa_field "$start" hostname)"
t_is "start: nothing leaks from the hostile values (one res=, the last field)" \
	"1 res=success'" "$(grep -o 'res=' <<<"$start" | wc -l) ${start##* }"
t_is "start: cgroup=" "\"$T_PARENT/user-$alice_uid\"" "$(pa_field "$start" cgroup)"
t_like "start: cgroup_manager=" '^cgroupfs-v[12]$' "$(pa_field "$start" cgroup_manager)"
t_like "start: vm-pid= is the holder's pid" '^[0-9]+$' "$(pa_field "$start" vm-pid)"
for ns in mnt pid ipc uts net; do
	t_like "start: ${ns}_ns= is an inode, not the host's" '^[0-9]+$' "$(pa_field "$start" "${ns}_ns")"
	host_ino=$(stat -L -c %i "/proc/self/ns/$ns")
	[ "$(pa_field "$start" "${ns}_ns")" != "$host_ino" ] || t_diag "${ns}_ns is the host's!"
done
t_is "start: limits" "536870912 402653184 0 50 200 256" \
	"$(for f in memory_max memory_high swap_max cpu_quota cpu_weight tasks_max; do
		pa_field "$start" "$f"; done | paste -sd' ')"
t_is "start: res=success" "success" "$(pa_field "$start" res)"
t_like "start: the kernel adds pid= uid= auid= ses=" '^[0-9]+ 0 [0-9]+ [0-9]+$' \
	"$(pa_header "$start" pid) $(pa_header "$start" uid) $(pa_header "$start" auid) $(pa_header "$start" ses)"
t_is "limits: reason=start" "start" "$(pa_field "$limits" reason)"
t_is "limits: the same paddock" "$(pa_field "$start" mnt_ns) $(pa_field "$start" cgroup)" \
	"$(pa_field "$limits" mnt_ns) $(pa_field "$limits" cgroup)"
t_is "end: reason=last-session linger=0" "last-session 0" \
	"$(pa_field "$end" reason) $(pa_field "$end" linger)"
t_is "end: the same namespaces as start" \
	"$(for ns in mnt pid ipc uts net; do pa_field "$start" "${ns}_ns"; done)" \
	"$(for ns in mnt pid ipc uts net; do pa_field "$end" "${ns}_ns"; done)"
t_like "libpam's own USER_START/USER_END are there, not written by us" \
	'USER_START.*USER_END' "$(tail -n "+$((PA_MARK + 1))" "$ALOG" | grep -F "acct=\"$alice\"" |
		grep -v 'virt=paddock' | cut -d' ' -f1 | paste -sd' ')"

# ---------------------------------------------------------------------------------------
# 2. sshd: two sessions at once (start, join), one end; auid and ses from pam_loginuid
# ---------------------------------------------------------------------------------------

t_pam_service "$SVC-ssh" "$(printf '%s\n' \
	"auth     required   pam_permit.so" \
	"account  required   pam_permit.so" \
	"password required   pam_permit.so" \
	"session  required   pam_loginuid.so" \
	"session  required   $T_PAM_SO conf=$P_AUTO helper=$T_HELPER")"
t_sshd_start "$SVC-ssh"
pa_mark
t_bg t_ssh "$alice" 'readlink /proc/self/ns/mnt; sleep 4' >"$T_TMP/ssh1.out" 2>&1
ssh1=$T_BG_PID
t_wait_for 15 grep -q mnt "$T_TMP/ssh1.out" || t_diag "first ssh session: $(cat "$T_TMP/ssh1.out")"
t_ok "a second ssh session while the first runs" t_ssh "$alice" 'readlink /proc/self/ns/mnt'
ssh2_mnt=$T_OUT
wait "$ssh1" 2>/dev/null
# cgroupfs-v1 keeps a stamp of the limits it wrote (cgroup.h): a join into a cgroup
# that has the policy's limits writes none and is one record.  cgroupfs-v2 and systemd
# write the limits at every join, and say so.
pa_wait 4
manager=$(pa_field "$(pa_rec 1)" cgroup_manager)
if [ "$manager" = cgroupfs-v1 ]; then
	t_is "records ($manager): start, limits, join, end" "VIRT_CONTROL start
VIRT_RESOURCE limits
VIRT_CONTROL join
VIRT_CONTROL end" "$(pa_seq)"
	end=$(pa_rec 4)
else
	t_is "records ($manager): start, limits, join, limits, end" "VIRT_CONTROL start
VIRT_RESOURCE limits
VIRT_CONTROL join
VIRT_RESOURCE limits
VIRT_CONTROL end" "$(pa_seq)"
	t_is "ssh ($manager): limits of the join: reason=join" "join" \
		"$(pa_field "$(pa_rec 4)" reason)"
	end=$(pa_rec 5)
fi
start=$(pa_rec 1) join=$(pa_rec 3)
ssh_records=$(pa_since | wc -l)
t_is "ssh: mnt_ns= of start is the session's mount namespace" \
	"$(sed -n 's/^mnt:\[\([0-9]*\)\]$/\1/p' "$T_TMP/ssh1.out")" "$(pa_field "$start" mnt_ns)"
t_is "ssh: join names the same namespaces" "mnt:[$(pa_field "$join" mnt_ns)]" "$ssh2_mnt"
t_is "ssh: the join carries the limits in force" "536870912 256" \
	"$(pa_field "$join" memory_max) $(pa_field "$join" tasks_max)"
t_is "ssh: terminal=ssh hostname=127.0.0.1" "\"ssh\" \"127.0.0.1\"" \
	"$(pa_field "$start" terminal) $(pa_field "$start" hostname)"
t_is "ssh: auid= is the user (pam_loginuid ran first)" "$alice_uid $alice_uid $alice_uid" \
	"$(pa_header "$start" auid) $(pa_header "$join" auid) $(pa_header "$end" auid)"
t_like "ssh: ses= is a session id" '^[0-9]+$' "$(pa_header "$start" ses)"
[ "$(pa_header "$start" ses)" != 4294967295 ] || t_diag "ses is unset"
t_is "ssh: the end is the last session's, linger=0" "last-session 0 success" \
	"$(pa_field "$end" reason) $(pa_field "$end" linger) $(pa_field "$end" res)"
SSH_LOG_FROM=$PA_MARK

# A join after the admin changed the user's limits writes them: join, then limits.
pa_mark
t_bg t_ssh "$alice" 'readlink /proc/self/ns/mnt; sleep 4' >"$T_TMP/ssh3.out" 2>&1
ssh3=$T_BG_PID
t_wait_for 15 grep -q mnt "$T_TMP/ssh3.out" || t_diag "first ssh session: $(cat "$T_TMP/ssh3.out")"
cp "$P_AUTO" "$T_TMP/auto.conf.orig"
sed -i 's/^memory_max = 512M$/memory_max = 640M/' "$P_AUTO"
t_ok "a join after memory_max changed" t_ssh "$alice" 'cat /proc/self/cgroup >/dev/null'
cp "$T_TMP/auto.conf.orig" "$P_AUTO"
if [ -d /sys/fs/cgroup/memory ]; then
	limit_file=$(t_cg memory "$alice_uid")/memory.limit_in_bytes
else
	limit_file=/sys/fs/cgroup$T_PARENT/user-$alice_uid/memory.max
fi
t_is "the join wrote the new limit into the cgroup" "671088640" "$(cat "$limit_file")"
wait "$ssh3" 2>/dev/null
pa_wait 5
t_is "records: start, limits, join, limits (reason=join), end" "VIRT_CONTROL start
VIRT_RESOURCE limits
VIRT_CONTROL join
VIRT_RESOURCE limits
VIRT_CONTROL end" "$(pa_seq)"
t_is "limits written by the join: reason=join, the new memory_max" "join 671088640" \
	"$(pa_field "$(pa_rec 4)" reason) $(pa_field "$(pa_rec 4)" memory_max)"
t_is "the join record has the new limits too" "671088640" "$(pa_field "$(pa_rec 3)" memory_max)"
ssh_records=$((ssh_records + $(pa_since | wc -l)))
t_sshd_stop

# ---------------------------------------------------------------------------------------
# 3. Refusals: a forced failure (the helper does not exist), on_error = allow
# ---------------------------------------------------------------------------------------

pa_mark
t_nok "a failing step denies $bob's session" pt "$SVC-nohelper" "$bob" open_session
pa_wait 1
t_is "records: one refuse" "USER_ERR refuse" "$(pa_seq)"
rec=$(pa_rec 1)
t_is "refuse: decision, step, error, res" "deny helper ENOENT failed" \
	"$(pa_field "$rec" decision) $(pa_field "$rec" step) $(pa_field "$rec" error) $(pa_field "$rec" res)"
t_is "refuse: the user" "\"$bob\" $bob_uid" "$(pa_field "$rec" acct) $(pa_field "$rec" id)"
t_is "refuse: no paddock yet (cgroup=? mnt_ns=?)" "? ?" \
	"$(pa_field "$rec" cgroup) $(pa_field "$rec" mnt_ns)"
t_like "refuse: the limits that would have applied" '^([0-9]+|max)$' "$(pa_field "$rec" tasks_max)"

pa_mark
t_ok "on_error = allow lets $bob in unisolated" pt "$SVC-allow" "$bob" open_session close_session
pa_wait 1
t_is "records: one unisolated (and no end: there was no paddock)" "USER_ERR unisolated" "$(pa_seq)"
t_is "unisolated: decision=allow-unisolated step=helper" "allow-unisolated helper" \
	"$(pa_field "$(pa_rec 1)" decision) $(pa_field "$(pa_rec 1)" step)"

# ---------------------------------------------------------------------------------------
# 4. Policy errors: a broken policy, an unknown module argument
# ---------------------------------------------------------------------------------------

pa_mark
t_nok "a broken policy denies $bob" pt "$SVC-broken" "$bob" open_session
t_ok "a broken policy: root is exempt" pt "$SVC-broken" root open_session close_session
pa_wait 2
t_is "records: two policy errors" "USER_ERR policy-error
USER_ERR policy-error" "$(pa_seq)"
rec=$(pa_rec 1)
t_is "policy error: decision=deny step=policy error=EINVAL" "deny policy EINVAL" \
	"$(pa_field "$rec" decision) $(pa_field "$rec" step) $(pa_field "$rec" error)"
t_like "policy error: detail= is the parser's message, hex" '^[0-9A-F]+$' "$(pa_field "$rec" detail)"
t_like "policy error: the detail names the key" 'bogus_key' \
	"$(python3 -c 'import sys; print(bytes.fromhex(sys.argv[1]).decode())' "$(pa_field "$rec" detail)")"
t_is "policy error for root: decision=exempt, acct=root id=0" "exempt \"root\" 0" \
	"$(pa_field "$(pa_rec 2)" decision) $(pa_field "$(pa_rec 2)" acct) $(pa_field "$(pa_rec 2)" id)"

pa_mark
t_nok "an unknown module argument denies $bob" pt "$SVC-badarg" "$bob" open_session
pa_wait 1
t_is "records: one policy error" "USER_ERR policy-error" "$(pa_seq)"
t_is "unknown argument: the detail" "$(hex "unknown module argument 'bogus_argument'")" \
	"$(pa_field "$(pa_rec 1)" detail)"

# ---------------------------------------------------------------------------------------
# 5. audit = off writes nothing; required writes when it can
# ---------------------------------------------------------------------------------------

pa_mark
t_ok "audit = off: $carol's session opens" pt "$SVC-off" "$carol" open_session close_session
sleep 1
t_is "audit = off: no paddock record" "" "$(pa_seq)"
t_like "audit = off: the kernel did take libpam's records meanwhile" 'USER_START' \
	"$(tail -n "+$((PA_MARK + 1))" "$ALOG" | grep -F "acct=\"$carol\"" | cut -d' ' -f1 | paste -sd' ')"

pa_mark
t_ok "audit = required with audit working: $carol's session opens" \
	pt "$SVC-required" "$carol" open_session close_session
pa_wait 3
t_is "audit = required: start, limits, end" "VIRT_CONTROL start
VIRT_RESOURCE limits
VIRT_CONTROL end" "$(pa_seq)"

# ---------------------------------------------------------------------------------------
# 6. Audit unavailable: no CAP_AUDIT_WRITE, then the kernel's audit disabled
# ---------------------------------------------------------------------------------------

SYSLOG=$T_TMP/syslog
NOCAP=(setpriv --bounding-set=-audit_write --)

pa_mark
t_nok "no CAP_AUDIT_WRITE, audit = required: denied" \
	with_syslog "$SYSLOG" "${NOCAP[@]}" pamtester "$SVC-required" "$carol" open_session
t_like "required: syslog names the reason" \
	"audit = required: no audit record can be written: no CAP_AUDIT_WRITE" "$(cat "$SYSLOG")"
t_like "required: syslog says denied" \
	"user $carol: audit = required and no record can be written; session denied" "$(cat "$SYSLOG")"
settle
t_ok "no CAP_AUDIT_WRITE, audit = auto: the session opens" \
	with_syslog "$SYSLOG" "${NOCAP[@]}" pamtester "$SVC-auto" "$carol" open_session close_session
t_like "auto: syslog says why no record is written" \
	"user $carol: audit = auto: no audit record can be written: no CAP_AUDIT_WRITE" "$(cat "$SYSLOG")"
t_like "auto: syslog has the decision (started paddock)" "user $carol \\(uid $carol_uid\\): started paddock" \
	"$(cat "$SYSLOG")"
t_like "auto: syslog has the end" "user $carol: session closed; it was the paddock's last" \
	"$(cat "$SYSLOG")"
sleep 1
t_is "no CAP_AUDIT_WRITE: no paddock record reached the kernel" "" "$(pa_seq)"

t_ok "audit disabled in the kernel for a moment (enabled=0)" audit_ctl set 0
t_nok "enabled=0, audit = required: denied" \
	with_syslog "$SYSLOG" pamtester "$SVC-required" "$carol" open_session
t_like "enabled=0, required: syslog names the reason" \
	"audit = required: no audit record can be written: audit is disabled in the kernel \\(enabled=0\\)" \
	"$(cat "$SYSLOG")"
settle
# auto does not ask the kernel (no AUDIT_GET, as pam_loginuid): it sends, and a disabled
# audit acknowledges the records and drops them.
pa_mark
t_ok "enabled=0, audit = auto: the session opens" \
	with_syslog "$SYSLOG" pamtester "$SVC-auto" "$carol" open_session close_session
t_is "enabled=0, auto: syslog has no audit complaint" "" "$(grep -E 'audit (=|record)' "$SYSLOG")"
t_like "enabled=0, auto: syslog has the decision (started paddock)" \
	"user $carol \\(uid $carol_uid\\): started paddock" "$(cat "$SYSLOG")"
sleep 1
t_is "enabled=0, auto: the kernel dropped the records" "" "$(pa_seq)"
settle
t_ok "enabled=0, audit = off: the session opens" \
	with_syslog "$SYSLOG" pamtester "$SVC-off" "$carol" open_session close_session
t_is "enabled=0, off: syslog has no audit line" "" "$(grep -E 'audit (=|record)' "$SYSLOG")"
t_ok "audit enabled again" audit_ctl set 1

pa_mark
t_ok "debug: the module argument adds audit detail to syslog" \
	with_syslog "$SYSLOG" pamtester "$SVC-debug" "$carol" open_session close_session
t_like "debug: each record written is in syslog" \
	"audit record op=start res=success written.*op=limits.*op=end res=success written" \
	"$(tr '\n' ' ' <"$SYSLOG")"

# ---------------------------------------------------------------------------------------
# 6b. enforce = no: one record and one syslog line say what would have been applied;
#     nothing is made.  A denial tells the user a reference that syslog has too.
# ---------------------------------------------------------------------------------------

t_policy dryrun.conf "$(sed 's/^audit = auto$/audit = auto\nenforce = no/' "$P_AUTO")"
service dryrun "$T_POLICY"
pa_mark
t_ok "enforce = no: pamtester login of $carol opens the session" \
	with_syslog "$SYSLOG" pt "$SVC-dryrun" "$carol" open_session close_session
pa_wait 1
t_is "enforce = no: one record, VIRT_CONTROL op=dry-run (no start, limits, end)" \
	"VIRT_CONTROL dry-run" "$(pa_seq)"
rec=$(pa_rec 1)
t_is "dry-run: decision=would-isolate" would-isolate "$(pa_field "$rec" decision)"
t_is "dry-run: the namespaces it would make" mount,pid,ipc,uts,net "$(pa_field "$rec" namespaces)"
t_is "dry-run: the limits it would apply (the [default] ones)" "2147483648 max 0 100 100 512" \
	"$(for f in memory_max memory_high swap_max cpu_quota cpu_weight tasks_max; do
		pa_field "$rec" "$f"; done | paste -sd' ')"
t_is "dry-run: no cgroup, no holder, no namespace" "? ? ? ?" \
	"$(pa_field "$rec" cgroup) $(pa_field "$rec" vm-pid) $(pa_field "$rec" mnt_ns) $(pa_field "$rec" net_ns)"
t_is "dry-run: res=success" success "$(pa_field "$rec" res)"
t_like "dry-run: syslog says what would have been applied" \
	"user $carol \(uid $carol_uid\): enforce = no: would isolate with namespaces mount,pid,ipc,uts,net and limits memory_max=2147483648 memory_high=max memory_swap_max=0 cpu_quota=100 cpu_weight=100 tasks_max=512; session NOT isolated" \
	"$(cat "$SYSLOG")"
t_ok "dry-run: nothing was made" t_paddock_gone "$carol_uid"
# A caller the module refuses (not root): the policy where such a caller can read it
# (/run is the nest's own overlay).
DRY=/run/paddock-test-dryrun-$T_TAG
install -d -m 0755 "$DRY" && install -m 0644 "$T_POLICY" "$DRY/paddock.conf" || t_bail "$DRY"
t_cleanup_add rm -rf "$DRY"
service dryrun-user "$DRY/paddock.conf"
t_ok "enforce = no: a caller that would be refused (not root) is let through" \
	with_syslog "$SYSLOG" setpriv --reuid=65534 --regid=65534 --clear-groups \
	pamtester "$SVC-dryrun-user" "$carol" open_session
t_like "... and syslog says it would have been denied, and why" \
	"user $carol \(uid $carol_uid\): enforce = no: would deny the session \(caller check failed: Operation not permitted\); session NOT isolated" \
	"$(cat "$SYSLOG")"

t_nok "a denied login (no helper): pamtester fails" \
	with_syslog "$SYSLOG" pt "$SVC-nohelper" "$bob" open_session
ref=$(grep -o 'reference pdk-[0-9a-f]*' <<<"$T_ERR" | head -1)
t_like "the user is told a reference" '^reference pdk-[0-9a-f]{8}$' "$ref"
t_like "... which syslog has, with the reason class" \
	"user $bob: session refused \(your isolated session could not be set up\), $ref" "$(cat "$SYSLOG")"

# ---------------------------------------------------------------------------------------
# 7. The documented ausearch recipes, on the records captured above
# ---------------------------------------------------------------------------------------

if command -v ausearch >/dev/null 2>&1; then
	n_alice=$(grep -F 'virt=paddock ' "$ALOG" | grep -cF "acct=\"$alice\"")
	t_is "ausearch -m ... -w -vm USER: every record of the user's paddock" "$n_alice" \
		"$(ausearch -if "$ALOG" -m VIRT_CONTROL,VIRT_RESOURCE,USER_ERR -w -vm "$alice" 2>/dev/null | grep -c '^type=')"
	t_is "ausearch -m ... -ua USER: the ssh records (auid = the user)" "$ssh_records" \
		"$(tail -n "+$((SSH_LOG_FROM + 1))" "$ALOG" | ausearch -m VIRT_CONTROL,VIRT_RESOURCE,USER_ERR -ua "$alice" 2>/dev/null | grep -c '^type=')"
	t_like "ausearch -m USER_ERR --success no -i: the refusals, decoded" \
		"op=refuse.*acct=$bob .*op=unisolated" \
		"$(ausearch -if "$ALOG" -m USER_ERR --success no -i 2>/dev/null | grep -F 'virt=paddock' | tr '\n' ' ')"
	t_like "ausearch -m VIRT_RESOURCE -ts today: the limits applied today" \
		"op=limits.*memory_max=536870912" \
		"$(ausearch -if "$ALOG" -m VIRT_RESOURCE -ts today 2>/dev/null | tr '\n' ' ')"
else
	t_skip "ausearch not installed (package auditd): recipes not checked"
fi

t_done
