#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/infra.sh: self-test of tests/root/lib.sh, without paddock itself.
# Proves the nest, throwaway users, our own PAM services (pamtester), a real sshd
# under its own PAM service, and su/runuser/login driven through overlaid stacks.
# Plain pam_permit/pam_deny stand in for pam_paddock, so a failure here is the
# infrastructure's, never the product's.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"

# --- the nest --------------------------------------------------------------------------
for c in memory cpu pids; do
	t_is "nest: /proc/self/cgroup shows / for $c" / "$(t_cgroup_path "$c")"
done
t_ok "nest: /run/paddock is a private tmpfs, mode 0700" \
	sh -c '[ "$(stat -f -c %T /run/paddock)" = tmpfs ] && [ "$(stat -c %a /run/paddock)" = 700 ]'
t_ok "nest: a cgroup we create is below the runner's (memory)" mkdir "/sys/fs/cgroup/memory/pdkt-probe-$T_TAG"
t_ok "nest: and can be removed again" rmdir "/sys/fs/cgroup/memory/pdkt-probe-$T_TAG"
t_ok "nest: /etc/pam.d is a private overlay" sh -c 'findmnt -n -o FSTYPE /etc/pam.d | grep -qx overlay'

# --- users --------------------------------------------------------------------------------
t_group staff
staff=$T_GROUP
t_user alice -G "$staff"
alice=$T_USER
t_like "user: name has the pdkt prefix and fits 32 chars" '^pdkt[0-9a-f]{5}-alice$' "$alice"
t_ok "user: member of the throwaway group" sh -c "id -nG '$alice' | grep -qw '$staff'"
t_is "user: authorized_keys owned by the user" "$alice 600" "$(stat -c '%U %a' "$T_HOME/.ssh/authorized_keys")"

# --- pamtester against our own service ------------------------------------------------------
t_pam_service paddock-test-infra "$(t_pam_simple_stack pam_permit.so)"
t_ok "pamtester: pam_permit session opens" t_pamtester paddock-test-infra "$alice" open_session close_session
t_pam_service paddock-test-infra "$(t_pam_simple_stack pam_deny.so)"
t_nok "pamtester: pam_deny session is refused" t_pamtester paddock-test-infra "$alice" open_session
t_like "pamtester: refused in open_session" 'open_session|Permission denied' "$T_ERR$T_OUT"

# --- a real sshd under its own PAM service ------------------------------------------------------
t0=$(t__now_ms)
t_pam_service paddock-test-sshd "$(t_pam_simple_stack pam_deny.so)"
t_sshd_start paddock-test-sshd
t_diag "sshd up on port $T_SSHD_PORT in $(($(t__now_ms) - t0)) ms"
t_rc "sshd: session required pam_deny.so -> ssh exits 254" 254 t_ssh "$alice" 'touch ~/ran'
t_ok "sshd: ... the command did not run" test ! -e "$T_HOME/ran"
t_ok "sshd: ... the log shows the failed pam_open_session" \
	grep -q "PAM: pam_open_session(): " "$T_SSHD_LOG"
t_pam_service paddock-test-sshd "$(t_pam_simple_stack pam_permit.so)"
t_ok "sshd: pam_permit -> ssh runs the command" t_ssh "$alice" id -un
t_is "sshd: ... as the user" "$alice" "$T_OUT"
t_ok "sshd: ssh -tt gets a pty" t_ssh -tt "$alice" tty
t_like "sshd: ... /dev/pts" '^/dev/pts/[0-9]+' "$T_OUT"
t_ok "sftp (internal-sftp): pwd" t_sftp "$alice" <<<'pwd'
t_like "sftp: ... home directory" "Remote working directory: $T_HOME" "$T_OUT"
echo scp-payload >"$T_TMP/scp-src"
t_ok "scp: upload" t_scp "$T_TMP/scp-src" "$(t_remote "$alice" scp-dst)"
t_is "scp: ... arrived, owned by the user" "$alice scp-payload" \
	"$(stat -c %U "$T_HOME/scp-dst") $(cat "$T_HOME/scp-dst")"
t_sshd_stop
t_ok "sshd: stopped by pid file" t__gone "$T_SSHD_PID"
t_sshd_start paddock-test-sshd auto /usr/lib/openssh/sftp-server
t_ok "sftp (sftp-server subsystem): ls" t_sftp "$alice" <<<'ls -1 scp-dst'
t_like "sftp: ... sees the file" 'scp-dst' "$T_OUT"

# --- su, runuser and login through overlaid stacks (private mount namespace only) ------------
t_su_stack "$(t_pam_simple_stack pam_deny.so)"
t_nok "su -: overlaid stack with pam_deny refuses" t_su "$alice" 'id -un'
t_like "su -: ... in the session stack" 'cannot open session|Permission denied' "$T_ERR"
t_su_stack "$(t_pam_simple_stack pam_permit.so)"
t_ok "su -: overlaid stack with pam_permit runs the command" t_su "$alice" 'id -un'
t_is "su -: ... as the user" "$alice" "$T_OUT"
t_ok "su (no -): service su overlaid too" su "$alice" -c 'id -un'
# The parent of this script (who ran it) lives outside the nest: look through its root.
if [ "$(stat -L -c %i "/proc/$PPID/ns/mnt" 2>/dev/null)" != "$(stat -L -c %i /proc/self/ns/mnt)" ] &&
	[ -r "/proc/$PPID/root/etc/pam.d/su" ]; then
	t_ok "su: the host's /etc/pam.d/su and su-l are untouched" \
		sh -c "! grep -q pam_deny /proc/$PPID/root/etc/pam.d/su /proc/$PPID/root/etc/pam.d/su-l"
	t_ok "pam.d: the host does not see /etc/pam.d/paddock-test-*" \
		sh -c "! ls /proc/$PPID/root/etc/pam.d/ | grep -q '^paddock-test-'"
else
	t_skip "the parent process is inside the nest: cannot look at the host's /etc/pam.d"
fi
t_runuser_stack "$(t_pam_simple_stack pam_deny.so)"
t_nok "runuser -l: overlaid pam_deny refuses" runuser -l "$alice" -c 'id -un'
t_runuser_stack "$(t_pam_simple_stack pam_permit.so)"
t_ok "runuser -l: overlaid pam_permit runs the command" runuser -l "$alice" -c 'id -un'
t_login_stack "$(t_pam_simple_stack pam_deny.so)"
t_nok "login (pty): overlaid pam_deny refuses" t_login "$alice" 'echo LOGIN-RAN-$((6*7))'
t_login_stack "$(t_pam_simple_stack pam_permit.so)"
t_ok "login (pty): overlaid pam_permit runs the shell" t_login "$alice" 'echo LOGIN-RAN-$((6*7)) $(id -un)'
t_like "login: ... as the user" "LOGIN-RAN-42 $alice" "$T_OUT"

# --- helpers ------------------------------------------------------------------------------------
t_bg sleep 300
bgpid=$T_BG_PID
t_ok "t_bg: running" kill -0 "$bgpid"
t_kill "$bgpid"
t_ok "t_kill: gone" t__gone "$bgpid"
t_nok "t_wait_for: times out" t_wait_for 0.3 false
t_policy infra.conf '[default]'
t_is "t_policy: root 0644 in a root 0700 dir" "root 644 root 700" \
	"$(stat -c '%U %a' "$T_POLICY") $(stat -c '%U %a' "$(dirname "$T_POLICY")")"
t_like "t_pam_paddock_stack: absolute .so path and conf" \
	"session +required +$T_ROOT/build/pam_paddock.so conf=$T_POLICY debug" \
	"$(t_pam_paddock_stack "$T_POLICY" debug)"

# cleanup of a paddock's cgroup: a user process in PARENT/user-UID (memory, below the
# runner's cgroup) is killed and the cgroup removed; PARENT is left alone
t_user bob
bob=$T_USER bob_uid=$T_UID
probe=/sys/fs/cgroup/memory/pdkt-probe-$T_TAG
mkdir -p "$probe/user-$bob_uid"
bobpid=$(su "$bob" -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!')
t_ok "cgroup: a user process moved into PARENT/user-UID" \
	sh -c "echo $bobpid >$probe/user-$bob_uid/cgroup.procs"
T_CGROUP_PARENT="/pdkt-probe-$T_TAG" t__kill_user "$bob_uid"
t_ok "cgroup: t__kill_user killed it" t_wait_for 2 t__gone "$bobpid"
t_ok "cgroup: ... removed user-UID" test ! -e "$probe/user-$bob_uid"
t_ok "cgroup: ... and left PARENT alone" rmdir "$probe"

# leave a user process behind: cleanup must kill it before userdel
su "$alice" -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 &'
t_ok "a stray user process exists before cleanup" pgrep -u "$alice" sleep

t_done
