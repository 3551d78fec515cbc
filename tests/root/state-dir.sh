#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/state-dir.sh: /run/paddock as it is after a boot, a plain directory.  The
# first login mounts a private tmpfs of its own on it, which each holder detaches from
# its copy: root inside a paddock (paddock enter --root) finds the empty directory of
# /run below it, no state (threat 1).  The logins come from a caller whose umask is 000:
# the control sockets are 0600 all the same, no state is open to others.  Several users
# logging in for the first time at once must make exactly one such mount: stacked
# mounts are wrong (one per login).  So:
# four first logins at once, then one mount on /run/paddock, every user's second login
# joins the first one's namespaces, and every paddock is torn down (holder, state).
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build

t_cgroup_parent

# A /run of this nest's mount namespace only, with a plain directory /run/paddock in it
# (the nest's own tmpfs on /run/paddock is hidden underneath meanwhile).
mount -t tmpfs -o mode=0755,nosuid,nodev,size=4m paddock-test-run /run ||
	t_bail "cannot mount a tmpfs on /run in the nest"
mkdir -m 0700 /run/paddock || t_bail "mkdir /run/paddock"
# Mounts on the path /run/paddock (the nest's hidden tmpfs counts as one).
paddock_mounts() { awk '$5 == "/run/paddock"' /proc/self/mountinfo | wc -l; }
base=$(paddock_mounts)
t_is "after boot: /run/paddock is a plain directory on /run, not a mount point" /run \
	"$(stat -c %m /run/paddock)"

t_policy state.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"

names=() uids=() homes=() bgs=()
for i in 1 2 3 4; do
	t_user "u$i"
	names+=("$T_USER") uids+=("$T_UID") homes+=("$T_HOME")
done

# Four first logins at once, each keeping its session open, from a caller whose umask
# is 000: nothing of the state may take its mode from it.
umask 000
for i in 0 1 2 3; do
	t_bg su - "${names[$i]}" -c 'readlink /proc/self/ns/pid >~/first.ns; exec sleep 60' \
		>"$T_TMP/first-$i.log" 2>&1
	bgs+=("$T_BG_PID")
done
umask 022
all_started() { for h in "${homes[@]}"; do [ -s "$h/first.ns" ] || return 1; done; }
t_ok "four first logins at once all opened" t_wait_for 20 all_started
for i in 0 1 2 3; do [ -s "${homes[$i]}/first.ns" ] || t_diag "login $i: $(cat "$T_TMP/first-$i.log")"; done

t_is "exactly one mount made on /run/paddock (none stacked over it)" $((base + 1)) "$(paddock_mounts)"
# The topmost one (the last in mountinfo): private, no shared: or master: tag.
t_is "... and it is private" "" \
	"$(awk '$5 == "/run/paddock"' /proc/self/mountinfo | tail -n 1 | sed 's/ - .*//' | grep -oE '(shared|master):[0-9]+')"

t_ok "the mount is a filesystem of its own (not a bind of /run's directory)" \
	test "$(stat -c %d /run/paddock)" != "$(stat -c %d /run)"
for i in 0 1 2 3; do
	t_is "user $((i + 1)): the control socket is mode 0600 under the caller's umask 000" \
		"socket 600" "$(stat -c '%F %a' "/run/paddock/${uids[$i]}/ctl" 2>&1)"
done
t_is "no state is open to group or others under umask 000" "" \
	"$(find /run/paddock -perm /077 -printf '%p %m\n' 2>&1)"
# Threat 1: root inside a paddock (paddock enter --root) sees no state of any paddock.
t_ok "root inside user 1's paddock (enter --root) runs" \
	"$T_HELPER" enter --root "${names[0]}" -- find /run/paddock -mindepth 1
t_is "... and finds nothing under /run/paddock (no ctl, no records, no lock)" "" "$T_OUT"
t_ok "(on the host the state is there)" test -S "/run/paddock/${uids[1]}/ctl"

for i in 0 1 2 3; do
	first=$(cat "${homes[$i]}/first.ns" 2>/dev/null)
	t_ok "user $((i + 1)): a second login opens" t_su "${names[$i]}" 'readlink /proc/self/ns/pid'
	t_is "user $((i + 1)): ... and joins the first login's PID namespace" "$first" "$T_OUT"
done

for b in "${bgs[@]}"; do t_kill "$b"; done
# The holder and its state; the cgroups are teardown.sh's (an empty one may be left for
# the next login when the caller leaves it late, see pam_paddock(8)).
all_gone() {
	for u in "${uids[@]}"; do
		[ ! -e "/run/paddock/$u" ] && ! pgrep -f "^paddock holder --uid $u " >/dev/null || return 1
	done
}
t_ok "after the last logouts every paddock is torn down (holder, state)" \
	t_wait_for 20 all_gone
t_is "nothing is mounted below /run/paddock any more" 0 \
	"$(awk '$5 ~ "^/run/paddock/"' /proc/self/mountinfo | wc -l)"
t_done
