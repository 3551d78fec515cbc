#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/shell-guard.sh: the login-shell guard (paddock-shell, threat 12).
#   * inside the user's paddock (su through a stack with pam_paddock) the real shell
#     runs: "-c 'echo ok'" prints ok, a login shell's argv[0] keeps its '-', no fd of
#     the guard survives the exec;
#   * outside (su through a stack without the module; forged environment variables;
#     a forged "paddock holder" as PID 1 of the user's own user+PID namespaces;
#     another user's paddock) it refuses with exit 1 and runs nothing;
#   * a descriptor handed to the guard (fd 7 on the host's /, entered with nsenter, a
#     path without the module) does not reach the shell (threat 20);
#   * a real sshd user whose login shell is the guard: ssh host cmd, an interactive
#     login, scp upload/download (legacy protocol, through the shell) and sftp
#     (sftp-server, started through the shell) all work, inside the paddock.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build

t_cgroup_parent

# The guard, run as the user, reads the default policy /etc/security/paddock.conf:
# give the nest its own /etc/security (an overlay; the host's stays untouched).
mkdir -p "$T_TMP/ovl/security/upper" "$T_TMP/ovl/security/work"
mount -t overlay paddock-test-security \
	-o "lowerdir=/etc/security,upperdir=$T_TMP/ovl/security/upper,workdir=$T_TMP/ovl/security/work" \
	/etc/security || t_bail "cannot overlay /etc/security"
CONF=/etc/security/paddock.conf
write_conf() {
	printf '%s\n' "$1" >"$CONF" && chown root:root "$CONF" && chmod 0644 "$CONF" ||
		t_bail "cannot write $CONF"
}
write_conf "$(t_policy_global)
linger = 0

[default]
memory_max = 256M
tasks_max = 128
shell = /bin/bash"

# The installed shell entry (lib.sh: outside the build tree, which may be under /tmp).
t_guard_install
GUARD=$T_GUARD

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
usermod -s "$GUARD" "$alice" || t_bail "usermod -s"
t_user bob
bob=$T_USER bob_uid=$T_UID
usermod -s "$GUARD" "$bob" || t_bail "usermod -s"
t_cleanup_add "$T_HELPER" stop "$alice"
t_cleanup_add "$T_HELPER" stop "$bob"

WITH_MODULE=$(t_pam_paddock_stack "$CONF" helper="$T_HELPER")
WITHOUT_MODULE=$(t_pam_simple_stack pam_permit.so)

# --- inside the paddock --------------------------------------------------------------------
t_su_stack "$WITH_MODULE"
t_ok "inside: su - alice -c 'echo ok' runs the real shell" t_su "$alice" 'echo ok'
t_is "inside: ... and prints ok" ok "$T_OUT"
t_ok "inside: the login shell's argv[0]" t_su "$alice" 'echo "$0"'
t_is "inside: ... keeps its '-' (-bash)" -bash "$T_OUT"
t_ok "inside: the shell is bash, inside the paddock" \
	t_su "$alice" 'echo "$BASH_VERSION"; tr "\0" " " </proc/1/cmdline'
t_like "inside: ... PID 1 is alice's holder" "^[0-9].*"$'\n'"paddock holder --uid $alice_uid " "$T_OUT"
t_ok "inside: non-login (su alice -c) passes -c through" su "$alice" -c 'echo "$0:$SHELL"'
t_is "inside: ... argv[0] without '-', SHELL is the real shell" "bash:/bin/bash" "$T_OUT"
# The descriptors the shell gets are exactly those bash gets without the guard (su - -s
# /bin/bash; this script's own inherited ones included): nothing of the guard's.
fds='for f in /proc/$$/fd/*; do printf "%s=%s\n" "${f##*/}" "$(readlink "$f" | sed "s/\[.*//; s/t_\(out\|err\)\..*/t_\1/")"; done'
t_ok "inside: the shell's descriptors" t_su "$alice" "$fds"
with_guard=$T_OUT
t_ok "inside: ... and bash's without the guard" su - "$alice" -s /bin/bash -c "$fds"
t_is "inside: ... are the same (the guard keeps no fd across exec)" "$T_OUT" "$with_guard"
t_ok "inside: an argument with spaces and quotes arrives unchanged" \
	t_su "$alice" 'printf "[%s]" "a  b" "c'"'"'d"'
t_is "inside: ... as the shell parsed it" "[a  b][c'd]" "$T_OUT"

# A shell not in /etc/shells is refused even inside.
write_conf "$(sed 's|^shell = .*|shell = /usr/bin/env|' "$CONF")"
t_rc "inside: a policy shell not in /etc/shells is refused (exit 1)" 1 t_su "$alice" 'echo ran'
t_like "inside: ... says why" "not listed in /etc/shells" "$T_ERR"
t_is "inside: ... and runs nothing" "" "$T_OUT"
write_conf "$(sed 's|^shell = .*|shell = /bin/bash|' "$CONF")"

# Another user's paddock: bob's guard run inside alice's (kept alive by a session).
t_bg t_su "$alice" 'echo up; exec sleep 300' >"$T_TMP/keep.log" 2>&1
keep=$T_BG_PID
t_wait_for 20 grep -q up "$T_TMP/keep.log" || t_diag "alice's session did not start"
t_rc "inside alice's paddock, bob's guard is refused (exit 1)" 1 \
	"$T_HELPER" enter --root "$alice" -- setpriv --reuid="$bob_uid" --regid="$bob_uid" \
	--clear-groups "$GUARD" -c 'echo ran'
t_like "... as another user's paddock" "another user's paddock" "$T_ERR"
t_is "... nothing ran" "" "$T_OUT"
t_kill "$keep"

# --- outside: a PAM stack without the module ------------------------------------------------
"$T_HELPER" stop "$alice" >/dev/null 2>&1
t_su_stack "$WITHOUT_MODULE"
rm -f "$alice_home/ran"
t_rc "outside: su - alice (no pam_paddock) is refused with exit 1" 1 \
	t_su "$alice" "touch $alice_home/ran; echo ran"
t_like "outside: ... with a clear message" \
	"paddock-shell: refusing to start a shell for $alice: not inside $alice's paddock" "$T_ERR"
t_ok "outside: ... nothing was executed" test ! -e "$alice_home/ran"
t_is "outside: ... and nothing printed" "" "$T_OUT"
t_rc "outside: a forged environment changes nothing (exit 1)" 1 \
	env PADDOCK=1 PADDOCK_UID="$alice_uid" PADDOCK_INSIDE=yes container=paddock SHELL="$GUARD" \
	su -p "$alice" -c "touch $alice_home/ran; echo ran"
t_ok "outside: ... nothing was executed" test ! -e "$alice_home/ran"
t_rc "outside: paddock shell (the command form) is refused too" 1 \
	setpriv --reuid="$alice_uid" --regid="$alice_uid" --clear-groups "$T_HELPER" shell -c 'echo ran'
t_is "outside: ... nothing printed" "" "$T_OUT"

# A forged paddock: the user's own user + PID namespaces, PID 1 a process whose command
# line is "paddock holder --uid UID", /proc mounted for it.
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] &&
	setpriv --reuid="$alice_uid" --regid="$alice_uid" --clear-groups \
		unshare -U true 2>/dev/null; then
	forge=${GUARD%/*}/forge
	install -d -m 0755 "$forge"
	cat >"$forge/holder" <<-EOF
		import os, subprocess, sys
		r = subprocess.run(["$GUARD", "-c", "echo ran"], capture_output=True, text=True)
		sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); sys.exit(r.returncode)
	EOF
	chmod 0644 "$forge/holder"
	t_rc "forged: PID 1 'paddock holder --uid $alice_uid' in the user's own namespaces: exit 1" 1 \
		setpriv --reuid="$alice_uid" --regid="$alice_uid" --clear-groups \
		unshare -U --map-user="$alice_uid" -p -f -m --mount-proc bash -c \
		"cd '$forge' && exec -a paddock /usr/bin/python3 holder --uid $alice_uid"
	t_like "forged: ... refused: a user namespace is no paddock" "refusing.*user namespace" "$T_ERR"
	t_is "forged: ... nothing ran" "" "$T_OUT"
else
	t_skip "forged namespaces: unprivileged user namespaces are disabled here"
	t_skip "forged: ... refused"
	t_skip "forged: ... nothing ran"
fi

# --- threat 20: a descriptor handed to the guard does not reach the shell ---------------------
# Root enters alice's live paddock as alice (nsenter: a path without the module) with fd 7
# on the host's /.  Through the guard the shell has no fd 7; the same entry without the
# guard keeps it (the control: the descriptor really was handed over).
t_su_stack "$WITH_MODULE"
t_sess_start guardfd "$alice" 'true'
t_ok "fds: alice's paddock is live" t_sess_wait guardfd
hpid=$(pgrep -f "^paddock holder --uid $alice_uid " | head -1)
enter_as_alice() {
	nsenter -t "${hpid:-0}" -m -p -- setpriv --reuid="$alice_uid" --regid="$(id -g "$alice")" \
		--clear-groups "$@" 7</
}
# shellcheck disable=SC2016 # expanded by the entered shell
fdcheck='if [ -e /proc/$$/fd/7 ]; then echo "fd7 $(ls /proc/$$/fd/7/ | tr "\n" " ")"; else echo "no fd7"; fi'
t_ok "fds (control): entered without the guard, the shell runs" enter_as_alice /bin/bash -c "$fdcheck"
t_like "fds (control): ... and holds fd 7, the host's /" '^fd7 .*\<etc\>' "$T_OUT"
t_ok "fds: entered through the guard, the shell runs" enter_as_alice "$GUARD" -c "$fdcheck"
t_is "fds: ... without fd 7" "no fd7" "$T_OUT"
t_sess_end guardfd

# --- a real sshd whose user's login shell is the guard ---------------------------------------
t_pam_service paddock-test-guard-sshd "$WITH_MODULE"
t_sshd_start paddock-test-guard-sshd auto /usr/lib/openssh/sftp-server
t_ok "sshd: ssh host cmd" t_ssh "$alice" 'echo ok; echo "$0"; tr "\0" " " </proc/1/cmdline'
t_like "sshd: ... ran by bash inside alice's paddock" \
	"^ok"$'\n'"bash"$'\n'"paddock holder --uid $alice_uid " "$T_OUT"
t_ok "sshd: interactive login (pty)" t_ssh -tt "$alice" <<<'echo "[$0]"; exit'
t_like "sshd: ... is a login shell ([-bash])" '\[-bash\]' "$T_OUT"
head -c 100000 /dev/urandom >"$T_TMP/up.bin"
t_ok "sshd: scp upload (legacy protocol: scp -t through the shell)" \
	t_scp -O "$T_TMP/up.bin" "$(t_remote "$alice" up.bin)"
t_ok "sshd: ... arrived intact" cmp "$T_TMP/up.bin" "$alice_home/up.bin"
t_ok "sshd: scp download (legacy protocol)" \
	t_scp -O "$(t_remote "$alice" up.bin)" "$T_TMP/down.bin"
t_ok "sshd: ... intact" cmp "$T_TMP/up.bin" "$T_TMP/down.bin"
t_ok "sshd: scp upload (sftp protocol, sftp-server through the shell)" \
	t_scp "$T_TMP/up.bin" "$(t_remote "$alice" up2.bin)"
t_ok "sshd: ... intact" cmp "$T_TMP/up.bin" "$alice_home/up2.bin"
t_ok "sshd: sftp batch (put, get, ls)" t_sftp "$alice" <<EOF
put $T_TMP/up.bin sftp.bin
get sftp.bin $T_TMP/sftp-back.bin
ls sftp.bin
EOF
t_ok "sshd: ... round trip intact" cmp "$T_TMP/up.bin" "$T_TMP/sftp-back.bin"
t_ok "sshd: the file server ran inside the paddock (its /tmp is private)" \
	t_ssh "$alice" 'touch /tmp/pdk-guard-mark; echo ok'
t_ok "sshd: ... not on the host" test ! -e /tmp/pdk-guard-mark

t_pam_service paddock-test-guard-sshd "$WITHOUT_MODULE"
"$T_HELPER" stop "$alice" >/dev/null 2>&1
t_nok "sshd without the module: ssh host cmd is refused by the guard" t_ssh "$alice" 'echo ran'
t_is "sshd without the module: ... nothing ran" "" "$T_OUT"
t_like "sshd without the module: ... with the guard's message" "refusing to start a shell" "$T_ERR"
t_nok "sshd without the module: sftp (through the shell) fails" t_sftp "$alice" <<<'ls'
t_done
