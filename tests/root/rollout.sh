#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/rollout.sh: rolling paddock out and back, through real su and sshd logins.
#
#   * enforce = no: a login of an isolated user is not isolated (the caller's own
#     namespaces, no cgroup of the user's, no state); switching to enforce = yes isolates
#     the next login (the records and syslog lines of the dry run: audit.sh);
#   * a denied user is told, through su's and sshd's PAM conversation, the class of the
#     reason and a reference, never the policy's contents;
#   * paddock stop --all ends every paddock and every spare of this run (its own
#     /run/paddock and cgroups, in its nest) and says how many.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
P=$T_HELPER

t_user alice; alice=$T_USER; alice_uid=$T_UID
t_user bob; bob=$T_USER; bob_uid=$T_UID

# policy ENFORCE [PRESTART]: our two users isolated, everyone else not.
policy() {
	t_policy rollout.conf "$(t_policy_global)
enforce = $1
prestart = ${2:-0}
linger = 0

[default]
isolate = no

[user:$alice]
isolate = yes
memory_max = 300M

[user:$bob]
isolate = yes"
}
# stack CONF ARGS...: pam_paddock, then pam_permit as a real stack has pam_unix after it,
# so that a session the module ignores (PAM_IGNORE) opens.
stack() { t_pam_paddock_stack "$@"; echo "session  optional   pam_permit.so"; }
policy no
t_su_stack "$(stack "$T_POLICY" "helper=$T_HELPER")"

# --- enforce = no, then yes ---------------------------------------------------------------------
ns_of() { for ns in mnt pid ipc uts net; do readlink "/proc/self/ns/$ns"; done | paste -sd' '; }
mine=$(ns_of)
cg_mine=$(grep -E ':memory:' /proc/self/cgroup)
t_ok "enforce = no: su - $alice opens a session" \
	t_su "$alice" 'for ns in mnt pid ipc uts net; do readlink /proc/self/ns/$ns; done | paste -sd" "; grep -E ":memory:" /proc/self/cgroup'
t_is "enforce = no: the session is in the caller's namespaces" "$mine" "$(sed -n 1p <<<"$T_OUT")"
t_is "enforce = no: ... and the caller's cgroup" "$cg_mine" "$(sed -n 2p <<<"$T_OUT")"
t_ok "enforce = no: nothing was made (no state, no cgroup)" t_paddock_gone "$alice_uid"

policy yes
t_ok "enforce = yes: the next su - $alice opens a session" \
	t_su "$alice" 'for ns in mnt pid ipc uts net; do readlink /proc/self/ns/$ns; done | paste -sd" "; grep -E ":memory:" /proc/self/cgroup'
yes_ns=$(sed -n 1p <<<"$T_OUT") yes_cg=$(sed -n 2p <<<"$T_OUT")
for i in 1 2 3 4 5; do
	t_ok "enforce = yes: namespace $i of 5 is not the caller's" \
		test "$(cut -d' ' -f"$i" <<<"$yes_ns")" != "$(cut -d' ' -f"$i" <<<"$mine")"
done
t_like "enforce = yes: ... and the session is in the user's cgroup" \
	":memory:$T_PARENT/user-$alice_uid\$" "$yes_cg"
t_ok "enforce = yes: the paddock goes after the last session (linger 0)" \
	t_wait_for 10 t_paddock_gone "$alice_uid"

# --- the denied user's message ----------------------------------------------------------------
# A helper that does not exist: every isolated login fails at setup and is denied.
t_su_stack "$(stack "$T_POLICY" helper=/nonexistent/paddock)"
t_nok "a denied su - $bob fails" t_su "$bob" true
msg=$T_ERR
t_like "su: the user is told why, with a reference" \
	"paddock: session refused: your isolated session could not be set up \(reference pdk-[0-9a-f]{8}\)\. Your administrator finds the reason in the system log\." \
	"$msg"
t_nok "su: ... and not the policy's contents or paths" grep -qE "nonexistent|$T_POLICY|memory_max" <<<"$msg"

SVC=paddock-test-rollout-$T_TAG
t_pam_service "$SVC" "$(stack "$T_POLICY" helper=/nonexistent/paddock)"
t_sshd_start "$SVC"
# sshd shows the PAM conversation's messages of a session on its terminal only (as it
# does the motd): "ssh host cmd" without one gets exit 254 and no text (pam_paddock(8)).
t_rc "a denied ssh login with a terminal: sshd refuses the session (254)" 254 t_ssh -tt "$bob" true
t_like "ssh -tt: the user is told why, with a reference" \
	"paddock: session refused: your isolated session could not be set up \(reference pdk-[0-9a-f]{8}\)" \
	"$T_OUT$T_ERR"
t_rc "a denied ssh command without a terminal: refused too (254)" 254 t_ssh "$bob" true
t_sshd_stop

t_policy broken.conf "[global]
bogus = 1"
t_su_stack "$(stack "$T_POLICY" "helper=$T_HELPER")"
t_nok "a broken policy: su - $bob is denied" t_su "$bob" true
t_like "... and told that the login policy cannot be applied" \
	"paddock: session refused: the login policy cannot be applied \(reference pdk-[0-9a-f]{8}\)" "$T_ERR"
t_nok "... without the parser's message" grep -q bogus <<<"$T_ERR"
t_ok "root is not denied by the broken policy (and is told nothing)" t_su root true
t_nok "... no message for root" grep -q "session refused" <<<"$T_ERR"

# --- paddock stop --all -------------------------------------------------------------------------
policy yes 2
t_su_stack "$(stack "$T_POLICY" "helper=$T_HELPER")"
t_sess_start a "$alice" 'true'
t_sess_start b "$bob" 'true'
t_ok "two sessions open" t_sess_wait a
t_ok "... both" t_sess_wait b
t_ok "two spares are made (prestart = 2)" \
	t_wait_for 20 sh -c "[ \$(find /run/paddock/spare -mindepth 1 -maxdepth 1 -type d ! -name '*.new' | wc -l) = 2 ]"
t_ok "paddock stop --all" "$P" stop --all --conf "$T_POLICY"
t_like "... says how many paddocks" "stopped 2 paddocks" "$T_OUT"
t_like "... and spares" "stopped [0-9]+ spare paddocks" "$T_OUT"
for u in "$alice_uid" "$bob_uid"; do
	t_ok "stop --all: uid $u's paddock is gone (state and cgroups)" t_wait_for 10 t_paddock_gone "$u"
	t_nok "stop --all: ... and its holder" pgrep -f "^paddock holder --uid $u "
done
t_is "stop --all: no spare left in this run's state directory" "" \
	"$(find /run/paddock/spare -mindepth 1 -maxdepth 1 -type d 2>/dev/null)"
t_is "stop --all: no spare holder or maker left in this run's nest" "" \
	"$(t_pgrep -f '^paddock (holder --spare|spare) ')"
t_sess_end a
t_sess_end b
t_ok "stop --all with nothing live: exit 0" "$P" stop --all --conf "$T_POLICY"
t_like "... stopped 0 paddocks" "stopped 0 paddocks" "$T_OUT"
t_rc "stop --all as a user: refused (exit 1)" 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$P" stop --all
t_done
