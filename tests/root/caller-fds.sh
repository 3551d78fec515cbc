#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/caller-fds.sh: a caller's descriptors never reach the session (threat 20).
# The caller leaks a directory descriptor on the host's / ("exec 7</" before su, as a
# script around su would); a file in the host's /tmp stands for what it exposes (the
# paddock's /tmp is its own, so only the descriptor could reach it).  Asserted:
#   * through su and runuser -l, the user's shell has no fd 7: neither /proc/self/fd/7
#     nor openat(7, ...) reads the host's file; su itself keeps fd 7, marked
#     close-on-exec by the module (the caller may still use it);
#   * the control: without pam_paddock in the stack the same su hands fd 7 on, and the
#     host's file is read through it;
#   * "paddock check --system" reports a process inside a paddock that holds a
#     descriptor of a host mount (one let in on purpose with nsenter, a path without
#     the module), and reports nothing before.
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# shellcheck disable=SC2016
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3
t__need nsenter util-linux

t_cgroup_parent
t_user alice; alice=$T_USER; alice_uid=$T_UID
t_policy fds.conf "$(t_policy_global)
linger = 0
[default]
isolate = no
[user:$alice]
isolate = yes"
WITH_MODULE="$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
t_su_stack "$WITH_MODULE"
t_runuser_stack "$WITH_MODULE"

# The host's file the leaked descriptor would expose (the host's /tmp, not the nest's
# scratch directory, which is root-only).
secret=/tmp/pdkt-fdleak-$$
echo host-secret >"$secret" && chmod 0644 "$secret" || t_bail "cannot write $secret"
t_cleanup_add rm -f "$secret"
rel=${secret#/}

probe='if [ -e /proc/$$/fd/7 ]; then echo "fd7 open"; else echo "fd7 none"; fi
cat /proc/self/fd/7/'"$rel"' 2>/dev/null || echo "proc-path refused"
/usr/bin/python3 -c "import os
try:
    print(open(os.open(\"'"$rel"'\", os.O_RDONLY, dir_fd=7)).read().strip())
except OSError as e:
    print(\"openat refused\", e.strerror)"
cat '"$secret"' 2>/dev/null || echo "no host file in the paddock /tmp"'

# --- the control: su without the module hands fd 7 on ----------------------------------------------------
t_su_stack "$(t_pam_simple_stack pam_permit.so)"
t_ok "control: su without pam_paddock, fd 7 leaked by the caller" \
	bash -c 'exec 7</; su - "$1" -c "$2"' _ "$alice" "$probe"
t_like "control: ... the shell holds fd 7" 'fd7 open' "$T_OUT"
t_like "control: ... and reads the host's file through it" 'host-secret' "$T_OUT"
t_su_stack "$WITH_MODULE"

# --- su and runuser with the module ----------------------------------------------------------------------
for client in su runuser; do
	t_ok "$client: a session with fd 7 leaked by the caller runs" \
		bash -c 'exec 7</; "$1" - "$2" -c "$3"' _ "$client" "$alice" "$probe"
	t_like "$client: ... the user's shell has no fd 7" 'fd7 none' "$T_OUT"
	t_like "$client: ... /proc/self/fd/7 reads nothing of the host" 'proc-path refused' "$T_OUT"
	t_like "$client: ... openat(7, ...) fails (EBADF)" 'openat refused Bad file descriptor' "$T_OUT"
	t_like "$client: ... and the paddock's /tmp is not the host's" 'no host file in the paddock /tmp' \
		"$T_OUT"
	t_nok "$client: ... the host's file was not read" grep -q host-secret <<<"$T_OUT"
done

# su itself keeps the descriptor, close-on-exec: a session held open, fd 7 in the test's
# shell while su starts.
exec 7</
t_sess_start held "$alice" 'true'
exec 7<&-
t_ok "su: a held session runs" t_sess_wait held
flags=$(awk '/^flags:/ { print $2 }' "/proc/${T_SESS_PID[held]}/fdinfo/7" 2>/dev/null)
t_ok "su: the caller still holds fd 7 (the module does not close the caller's fds)" \
	test -n "$flags"
t_ok "su: ... marked close-on-exec (O_CLOEXEC 02000000 in flags $flags)" \
	test "$(((8#${flags:-0} & 8#2000000) != 0))" = 1

# --- paddock check --system ------------------------------------------------------------------------------
# Its exit status also counts the host's PAM services without the module: not ours.
t_ok "check --system: runs" sh -c '"$1" check --system; true' _ "$T_HELPER"
t_like "check --system: no leak reported while none exists" '(^|
)fds: ok' "$T_OUT"
hpid=$(pgrep -f "^paddock holder --uid $alice_uid " | head -1)
t_bg nsenter -t "${hpid:-0}" -m -p -- setpriv --reuid="$alice_uid" --regid="$(id -g "$alice")" \
	--clear-groups sleep 300 7</
leaker=$T_BG_PID
t_wait_for 10 eval "pgrep -u '$alice_uid' -x sleep >/dev/null"
sleeper=$(pgrep -u "$alice_uid" -x sleep | head -1)
t_ok "check --system: runs with a leaked descriptor inside alice's paddock" \
	sh -c '"$1" check --system; true' _ "$T_HELPER"
t_like "check --system: ... and reports it (pid, uid, fd 7 on /)" \
	"fds: warning: pid ${sleeper:-?} \\(sleep, uid $alice_uid\\) inside its paddock holds fd 7 on /, a mount" \
	"$T_OUT"
t_kill "$leaker"
t_sess_end held
t_is "su: the held session ends normally" 0 "$T_SESS_RC"
t_done
