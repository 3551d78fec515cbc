#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/sshd.sh: a real OpenSSH sshd on 127.0.0.1 whose PAM session stack has
# pam_paddock.so (threat 12: entry points that skip a login shell).  Proves that
#   * "ssh host cmd" and an interactive "ssh -tt" run inside the user's paddock;
#   * the sftp subsystem (internal-sftp and sftp-server) works inside: an upload to the
#     home directory reaches the host's home, a "put" to /tmp lands in the paddock's
#     private /tmp (seen by a concurrent session, not by the host);
#   * "ssh -N -L" port forwarding connects from inside the user's network namespace;
#   * a session whose setup fails is refused (ssh exits 254) and runs nothing, also for
#     "ssh -tt", sftp (both subsystems) and "ssh -N -L" (sshd refuses the forward);
#   * two concurrent ssh sessions of one user share one paddock.
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# SC2015: "a && b || t_bail" is meant (t_bail if any step fails).
# SC1091: lib.sh is found at run time.
# SC2317: functions run from t_cleanup_add and t_ok look unreachable to shellcheck.
# shellcheck disable=SC2016,SC2015,SC1091,SC2317
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need curl curl
PY=/usr/bin/python3           # the user cannot run root's pyenv shims
[ -x "$PY" ] || t_bail "$PY missing (python3 from Debian)"

t_cgroup_parent

t_policy sshd.conf "$(t_policy_global)

[default]
memory_max = 512M
tasks_max = 128
hostname = paddock-%U-%u"
STACK_OK=$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")
t_pam_service paddock-test-sshd "$STACK_OK"

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob
bob=$T_USER bob_uid=$T_UID bob_home=$T_HOME
want_host=paddock-$alice_uid-$alice

t_sshd_start paddock-test-sshd auto internal-sftp
PORT_INTERNAL=$T_SSHD_PORT LOG_INTERNAL=$T_SSHD_LOG
t_sshd_start paddock-test-sshd auto /usr/lib/openssh/sftp-server
PORT_SERVER=$T_SSHD_PORT LOG_SERVER=$T_SSHD_LOG
T_SSHD_PORT=$PORT_INTERNAL


view='echo "host $(hostname)"
echo "pid1 $(tr "\0" " " </proc/1/cmdline)"
echo "links $(ls /sys/class/net | tr "\n" " ")"
echo "lo $(/usr/sbin/ip -o link show lo | grep -o "<[^>]*>")"
echo "nprocs $(ls /proc | grep -c "^[0-9]")"
echo "cgroup $(grep ":memory:" /proc/self/cgroup)"
echo "ns $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)"'

# --- ssh host cmd ------------------------------------------------------------------------------------
t_ok "ssh cmd: runs" t_ssh "$alice" "$view"
out=$T_OUT
t_is "ssh cmd: hostname from the template" "host $want_host" "$(grep '^host' <<<"$out")"
t_like "ssh cmd: /proc/1/cmdline is the holder" "^pid1 paddock holder --uid $alice_uid " \
	"$(grep '^pid1' <<<"$out")"
t_is "ssh cmd: only lo" "links lo " "$(grep '^links' <<<"$out")"
t_like "ssh cmd: ... which is up" '^lo <.*UP' "$(grep '^lo' <<<"$out")"
t_like "ssh cmd: in the user's memory cgroup" ":memory:$T_PARENT/user-$alice_uid\$" \
	"$(grep '^cgroup' <<<"$out")"
t_ok "ssh cmd: sees only a handful of processes" \
	test "$(sed -n 's/^nprocs //p' <<<"$out")" -lt 10
t_nok "ssh cmd: the host's sshd port on 127.0.0.1 is unreachable from inside" \
	t_ssh "$alice" "exec 3<>/dev/tcp/127.0.0.1/$PORT_INTERNAL && echo CONNECTED"
t_nok "ssh cmd: ... (no connection made)" grep -q CONNECTED <<<"$T_OUT"
t_ok "ssh cmd: the paddock ends with the session" t_wait_for 10 t_paddock_gone "$alice_uid"

# threat 4 through sshd: the shell of "ssh host cmd" has fds 0-2 only (ls runs while the
# shell waits, with no pipe of the shell's own open)
t_ok "ssh cmd: fds of the remote shell listed" t_ssh "$alice" \
	'ls -l /proc/$$/fd/ >/tmp/.fds-long; ls -1 /proc/$$/fd/ >/tmp/.fds; tail -n +2 /tmp/.fds-long; echo "fds $(sort -n /tmp/.fds | tr "\n" " ")"'
t_is "ssh cmd: ... only 0 1 2" "fds 0 1 2 " "$(grep '^fds' <<<"$T_OUT")"
t_diag "$(grep -v '^fds' <<<"$T_OUT")"
t_ok "ssh -tt: fds of the interactive shell listed" t_ssh -tt "$alice" <<<'ls -1 /proc/$$/fd/ >/tmp/.fds; echo "FDS $(sort -n /tmp/.fds | tr "\n" " ")END"
exit'
t_like "ssh -tt: ... only 0 1 2 (and 255, interactive bash's own tty fd)" 'FDS 0 1 2 (255 )?END' "$T_OUT"
t_diag "$(grep -o 'FDS [0-9 ]*END' <<<"$T_OUT" | tail -1)"

# --- interactive ssh -tt --------------------------------------------------------------------------------
# Typed at the remote login shell through the pty; $((6*7)) is expanded only if a shell
# ran it (the pty echo shows the unexpanded text).
t_ok "ssh -tt: interactive shell runs the typed commands" \
	t_ssh -tt "$alice" <<<'echo "MARK-$((6*7)) $(hostname) $(tty) $(tr "\0" " " </proc/1/cmdline | cut -d" " -f1,2)"
exit'
t_like "ssh -tt: ... inside the paddock, on a pty" \
	"MARK-42 $want_host /dev/pts/[0-9]+ paddock holder" "$T_OUT"

# --- two concurrent ssh sessions share the paddock ---------------------------------------------------------
t_sess_start --ssh s1 "$alice" 'sleep 2345 >/dev/null 2>&1 & echo "s1-ns $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/ipc) $(readlink /proc/self/ns/uts)"
echo shared-by-s1 >/tmp/s1-file'
t_ok "concurrent: first ssh session up" t_sess_wait s1
T_SSHD_PORT=$PORT_SERVER
t_ok "concurrent: a second ssh session (other sshd) runs" t_ssh "$alice" \
	'echo "s2-ns $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/ipc) $(readlink /proc/self/ns/uts)"; ps -e -o args=; cat /tmp/s1-file'
T_SSHD_PORT=$PORT_INTERNAL
s1=$(sed -n 's/^s1-ns //p' "$T_TMP/s1.log")
s2=$(sed -n 's/^s2-ns //p' <<<"$T_OUT")
t_like "concurrent: namespaces recorded" '^pid:\[[0-9]+\] net:\[[0-9]+\] mnt:\[[0-9]+\] ipc:\[[0-9]+\] uts:\[[0-9]+\]$' "$s1"
t_is "concurrent: both sessions share every namespace" "$s1" "$s2"
t_like "concurrent: the second sees the first's sleep" '(^|
)sleep 2345' "$T_OUT"
t_like "concurrent: ... and its /tmp file" 'shared-by-s1' "$T_OUT"
t_is "concurrent: one holder for the user" 1 "$(pgrep -c -f "^paddock holder --uid $alice_uid ")"

# --- sftp (both subsystems) while s1 keeps the paddock alive ----------------------------------------------------
for variant in internal-sftp sftp-server; do
	[ "$variant" = internal-sftp ] && T_SSHD_PORT=$PORT_INTERNAL || T_SSHD_PORT=$PORT_SERVER
	f=up-$variant
	echo "payload-$variant" >"$T_TMP/$f"
	rm -f "$T_TMP/got-pid1"
	batch="put $T_TMP/$f $f
put $T_TMP/$f /tmp/$f
get /proc/1/cmdline $T_TMP/got-pid1
ls -1 /tmp"
	t_ok "sftp ($variant): put to home, put to /tmp, get /proc/1/cmdline" t_sftp "$alice" <<<"$batch" ||
		t_diag "sshd logs: $(tail -n 30 "$LOG_INTERNAL" "$LOG_SERVER")"
	t_like "sftp ($variant): the session's /tmp is the paddock's (lists s1-file)" 's1-file' "$T_OUT"
	t_is "sftp ($variant): the home upload is on the host, owned by the user" \
		"$alice payload-$variant" "$(stat -c %U "$alice_home/$f" 2>&1) $(cat "$alice_home/$f" 2>&1)"
	t_ok "sftp ($variant): the /tmp upload is NOT in the host's /tmp" test ! -e "/tmp/$f"
	T_SSHD_PORT=$PORT_INTERNAL
	t_ok "sftp ($variant): ... it is in the paddock's /tmp (concurrent ssh session)" \
		t_ssh "$alice" "cat /tmp/$f"
	t_is "sftp ($variant): ... with the content" "payload-$variant" "$T_OUT"
	t_like "sftp ($variant): /proc/1 seen by the sftp server is the holder" '^paddock.holder' \
		"$(tr '\0' ' ' <"$T_TMP/got-pid1" 2>&1)"
done
t_sess_end s1
t_is "concurrent: the first session ends normally" 0 "$T_SESS_RC"
t_ok "concurrent: the paddock ends after the last session" t_wait_for 10 t_paddock_gone "$alice_uid"

# --- ssh -N -L: the forward connects from inside the user's netns --------------------------------------------------
P=$(t_free_port) || t_bail "no free port"
LP=$(t_free_port) || t_bail "no free port"
mkdir -p "$T_TMP/www-host" && echo HOST-SERVICE >"$T_TMP/www-host/who.txt"
t_bg "$PY" -m http.server "$P" --bind 127.0.0.1 --directory "$T_TMP/www-host" >"$T_TMP/http-host.log" 2>&1
t_ok "forward: a host service listens on 127.0.0.1:$P" \
	t_wait_for 10 curl -fsS -o /dev/null "http://127.0.0.1:$P/who.txt"
t_like "forward: ... and serves HOST-SERVICE to the host" HOST-SERVICE \
	"$(curl -fsS "http://127.0.0.1:$P/who.txt")"
t_bg t_ssh -N -L "127.0.0.1:$LP:127.0.0.1:$P" "$alice" >"$T_TMP/fwd.log" 2>&1
fwd_pid=$T_BG_PID
t_ok "forward: ssh -N -L listens on 127.0.0.1:$LP" \
	t_wait_for 15 sh -c "ss -Htln 'sport = :$LP' | grep -q ."
t_ok "forward: the -N session has a paddock of its own making" t_wait_for 5 test -S "/run/paddock/$alice_uid/ctl"
t_nok "forward: through the forward, the HOST's 127.0.0.1:$P is unreachable" \
	curl -sS --max-time 10 "http://127.0.0.1:$LP/who.txt"
t_nok "forward: ... HOST-SERVICE was not served" grep -q HOST-SERVICE <<<"$T_OUT"
# the user's own service on the same port inside the paddock (from a concurrent session)
install -d -o "$alice" -m 0755 "$alice_home/www" && echo PADDOCK-SERVICE >"$alice_home/www/who.txt" &&
	chmod 0644 "$alice_home/www/who.txt"
t_sess_start --ssh srv "$alice" "cd ~/www && { $PY -u -m http.server $P --bind 127.0.0.1 >/tmp/http.log 2>&1 & }
for i in \$(seq 100); do curl -fsS -o /dev/null http://127.0.0.1:$P/who.txt 2>/dev/null && break; sleep 0.1; done
echo inside-service-up"
t_ok "forward: alice's service runs inside on 127.0.0.1:$P" t_sess_wait srv
t_like "forward: through the forward, alice's own service answers" PADDOCK-SERVICE \
	"$(curl -sS --max-time 10 "http://127.0.0.1:$LP/who.txt" 2>&1)"
t_like "forward: ... while the host still gets its own on the same port" HOST-SERVICE \
	"$(curl -fsS "http://127.0.0.1:$P/who.txt")"
t_sess_end srv
t_kill "$fwd_pid"
t_ok "forward: the paddock ends after the last session" t_wait_for 10 t_paddock_gone "$alice_uid"

# --- a forced setup failure: ssh exits 254, nothing runs ---------------------------------------------------------------
# (helper= is resolved first thing in session_open: a missing helper, and one that is
# not root's, must both make the session fail before anything is set up.)
rm -f "$bob_home/ran-marker"
t_pam_service paddock-test-sshd "$(t_pam_paddock_stack "$T_POLICY" helper="$T_TMP/no-such-paddock")"
t_nok "no failed pam_open_session logged before the forced failures" grep -q "PAM: pam_open_session(): " "$LOG_INTERNAL" "$LOG_SERVER"
t_rc "failure (helper missing): ssh host cmd exits 254" 254 t_ssh "$bob" 'touch ~/ran-marker; echo RAN'
t_ok "failure (helper missing): the command did not run (no marker)" test ! -e "$bob_home/ran-marker"
t_nok "failure (helper missing): ... no output of it" grep -q RAN <<<"$T_OUT"
t_ok "failure (helper missing): no paddock state left" test ! -e "/run/paddock/$bob_uid"
t_ok "failure (helper missing): no cgroup left" test ! -e "/sys/fs/cgroup/memory$T_PARENT/user-$bob_uid"
t_ok "failure (helper missing): sshd logged the failed pam_open_session" \
	grep -q "PAM: pam_open_session(): " "$LOG_INTERNAL"
install -o "$bob" -m 0755 "$T_HELPER" "$T_TMP/paddock-not-root"
t_pam_service paddock-test-sshd "$(t_pam_paddock_stack "$T_POLICY" helper="$T_TMP/paddock-not-root")"
t_rc "failure (helper not root's): ssh host cmd exits 254" 254 t_ssh "$bob" 'touch ~/ran-marker; echo RAN'
t_ok "failure (helper not root's): the command did not run (no marker)" test ! -e "$bob_home/ran-marker"
t_rc "failure (helper not root's): ssh -tt exits 254 too" 254 t_ssh -tt "$bob" <<<'touch ~/ran-marker
exit'
t_ok "failure (helper not root's): ... no marker" test ! -e "$bob_home/ran-marker"
echo payload-refused >"$T_TMP/refused"
for port in "$PORT_INTERNAL:internal-sftp" "$PORT_SERVER:sftp-server"; do
	T_SSHD_PORT=${port%%:*}
	t_nok "failure (helper not root's): sftp (${port#*:}) is refused too" \
		t_sftp "$bob" <<<"put $T_TMP/refused refused"
	t_ok "failure (helper not root's): ... nothing uploaded" test ! -e "$bob_home/refused"
done
T_SSHD_PORT=$PORT_INTERNAL
# sshd keeps a connection whose PAM session failed, but restricts it (no forwarding, and
# commands exit 254): the client's local listener exists, nothing gets through it.
LP2=$(t_free_port) || t_bail "no free port"
t_bg t_ssh -N -L "127.0.0.1:$LP2:127.0.0.1:$P" "$bob" >"$T_TMP/fwd-refused.log" 2>&1
fwd2=$T_BG_PID
t_ok "failure (helper not root's): ssh -N -L client listens on $LP2" \
	t_wait_for 15 sh -c "ss -Htln 'sport = :$LP2' | grep -q ."
t_nok "failure (helper not root's): ... but nothing gets through the forward" \
	curl -sS --max-time 10 "http://127.0.0.1:$LP2/who.txt"
t_nok "failure (helper not root's): ... (the host's service was not reached)" grep -q HOST-SERVICE <<<"$T_OUT"
refusal=$(grep -i -E 'refused|prohibited' "$LOG_INTERNAL" "$T_TMP/fwd-refused.log")
t_like "failure (helper not root's): sshd refused the forward of the failed session" \
	'[Rr]efused local port forward|administratively prohibited' "$refusal"
t_diag "$refusal"
t_kill "$fwd2"
t_pam_service paddock-test-sshd "$STACK_OK"
t_ok "failure: with the stack repaired, bob's next login works" t_ssh "$bob" 'touch ~/ran-marker; hostname'
t_is "failure: ... inside a paddock" "paddock-$bob_uid-$bob" "$T_OUT"
t_ok "failure: ... and ran the command" test -e "$bob_home/ran-marker"

t_done
