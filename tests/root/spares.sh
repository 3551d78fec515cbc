#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/spares.sh: spare paddocks (prestart, pam_module/spare.h).  With
# prestart = 2, a first login leaves two spares ready (holders with their namespaces,
# proc, sysfs, tmpfs and lo, named by no user); the next first login
# of a user of that shape claims one: the same holder becomes the user's, with the
# user's hostname, tmpfs size, cgroup, command line and namespace records, as if it had
# been started for them; the pool is refilled.  Each spare is forked in a cgroup of its
# own (PARENT/spare-ID, v1), which the claiming login renames to the user's and writes
# the user's limits into, instead of making one (the holder is then already in it); the
# cgroups of spares that are gone are removed.  A user of another shape never takes one.
# Dead spares are collected by the login that finds them; a claim that fails half-way
# kills that spare and the login takes another.  paddock reload and paddock
# stop --spares end them; paddock status counts them.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
# Before the parent's removal (hooks run last in, first out): our spares end cleanly.
t_cleanup_add "$T_HELPER" stop --spares

t_user alice; alice=$T_USER alice_uid=$T_UID
t_user bob; bob=$T_USER bob_uid=$T_UID
# bob's login shell is the guard: it must accept a claimed spare as his holder
t_guard_install
usermod -s "$T_GUARD" "$bob" || t_bail "usermod -s"
t_user carol; carol=$T_USER carol_uid=$T_UID
t_user dave; dave=$T_USER dave_uid=$T_UID
t_user erin; erin=$T_USER erin_uid=$T_UID

t_policy spares.conf "$(t_policy_global)
prestart = 2
linger = 0
[default]
isolate = yes
tmp_size = 64M
[user:$bob]
tmp_size = 32M
hostname = bobs-box
memory_max = 300M
tasks_max = 77
[user:$carol]
network = host
namespaces = mount pid ipc uts"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
# The guard, run as the user, reads /etc/security/paddock.conf: the nest gets its own
# (an overlay; the host's stays untouched), the same policy.
mkdir -p "$T_TMP/ovl/security/upper" "$T_TMP/ovl/security/work"
mount -t overlay paddock-test-security \
	-o "lowerdir=/etc/security,upperdir=$T_TMP/ovl/security/upper,workdir=$T_TMP/ovl/security/work" \
	/etc/security || t_bail "cannot overlay /etc/security"
install -o root -g root -m 0644 "$T_POLICY" /etc/security/paddock.conf || t_bail "cannot write the policy"

SPARES=/run/paddock/spare
# ps_ready: the spares ready to be claimed; ps_pids: their holders' pids, sorted.
ps_ready() { find "$SPARES" -mindepth 1 -maxdepth 1 -type d ! -name '*.new' 2>/dev/null | wc -l; }
ps_pids() { t_pgrep -f '^paddock holder --spare ' | sort -n | tr '\n' ' '; }
ps_making() { find "$SPARES" -mindepth 1 -maxdepth 1 -name '*.new' 2>/dev/null | wc -l; }
# ps_settled N: N ready, none being made (a maker may still wait for claims: spare.h).
ps_settled() { [ "$(ps_ready)" = "$1" ] && [ "$(ps_making)" = 0 ]; }
ps_makers() { t_pgrep -f '^paddock spare ' | tr '\n' ' ' | sed 's/ $//'; }
# ps_cgs HIER: the spare cgroups below the parent; ps_ids: the ready spares' as cgroup names.
ps_cgs() {
	find "/sys/fs/cgroup/$1$T_PARENT" -mindepth 1 -maxdepth 1 -type d -name 'spare-*' \
		-printf '%f\n' 2>/dev/null | sort | tr '\n' ' '
}
ps_ids() {
	find "$SPARES" -mindepth 1 -maxdepth 1 -type d ! -name '*.new' -printf '%f\n' 2>/dev/null |
		sed 's/^[0-9a-f]*\./spare-/' | sort | tr '\n' ' '
}
# ps_inside USER: what a login of USER sees (one line each).
ps_inside() {
	t_su "$1" 'hostname; tr "\0" " " </proc/1/cmdline | sed "s/ *$//"; echo
		df -B1 --output=size /tmp | tail -1 | tr -d " "
		ip -o link | awk "{ print \$2, \$3 }"'
}

# --- no spare yet: the first login builds its own, then the pool fills ---------------------
t_is "before any login: no spare" 0 "$(ps_ready)"
t_ok "alice's first login (no spare to take)" t_su "$alice" true
t_ok "... then two spares are made, in the background" t_wait_for 10 ps_settled 2
maker=$(ps_makers)
t_like "... by one maker, which stays a while for the claims to come" '^[0-9]+$' "$maker"
t_like "... waiting in the reaper leaf, not in alice's cgroup (memory)" \
	"^[0-9]+:memory:$T_PARENT/reaper\$" "$(grep ':memory:' "/proc/$maker/cgroup" 2>&1)"
spares=$(ps_pids)
spare_cmdlines=$(for p in $spares; do echo "$p $(tr '\0' ' ' </proc/"$p"/cmdline)"; done)
t_is "... two spare holders" 2 "$(wc -w <<<"$spares")"
for pid in $spares; do
	id=$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed -n 's/^paddock holder --spare [0-9a-f]*\.\([0-9a-f]*\) .*/\1/p')
	for c in memory cpu pids; do
		t_like "spare $pid: in its own spare cgroup, below the policy's parent ($c)" \
			"^[0-9]+:([a-z,]*,)?$c(,[a-z,]*)?:$T_PARENT/spare-$id\$" \
			"$(grep -E "^[0-9]+:([a-z,]*,)?$c(,[a-z,]*)?:" "/proc/$pid/cgroup")"
	done
	t_is "spare $pid: ... alone there" "$pid" "$(cat "/sys/fs/cgroup/memory$T_PARENT/spare-$id/cgroup.procs")"
	t_like "spare $pid: PID 1 of a PID namespace of its own" \
		'^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "$(grep '^NSpid:' "/proc/$pid/status")"
	t_like "spare $pid: named by no user" '^paddock holder --spare [0-9a-f]{16}\.[0-9a-f]{16} --ns 31 ' \
		"$(tr '\0' ' ' <"/proc/$pid/cmdline")"
done
for c in memory cpu pids; do
	t_is "each ready spare has its spare cgroup ($c)" "$(ps_ids)" "$(ps_cgs "$c")"
done
for d in /sys/fs/cgroup/pids"$T_PARENT"/spare-*; do
	t_is "$(basename "$d"): the limits of alice's login, whose maker made it (tasks_max 512)" \
		512 "$(cat "$d/pids.max")"
	t_is "$(basename "$d"): ... memory_max 2G" $((2 * 1024 * 1024 * 1024)) \
		"$(cat "/sys/fs/cgroup/memory$T_PARENT/$(basename "$d")/memory.limit_in_bytes")"
done
spare_cg_inodes=" $(stat -c %i /sys/fs/cgroup/memory"$T_PARENT"/spare-* | tr '\n' ' ')"
t_like "paddock status counts them" '^2 spare paddocks ready' "$("$T_HELPER" status --conf "$T_POLICY" | tail -1)"
t_is "no session can join a spare: it answers 'session' with an error" error "$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"session")
print(s.recv(64).decode())' "$(find "$SPARES" -mindepth 2 -maxdepth 2 -name ctl | head -1)")"

# --- bob's first login claims one -----------------------------------------------------------
t_sess_start b1 "$bob" 'echo "holder $(tr "\0" " " </proc/1/cmdline)" >~/in.txt'
t_ok "bob's session is up" t_sess_wait b1
holder=$(pgrep -f "^paddock holder --uid $bob_uid ")
t_like "bob's holder is one of the spares" " $holder " " $spares"
t_is "... and holds its own five namespaces open" \
	"$(for n in ipc mnt net pid uts; do readlink "/proc/$holder/ns/$n"; done)" \
	"$(for f in /proc/"$holder"/fd/*; do readlink "$f"; done | grep -E '^(mnt|pid|ipc|uts|net):' |
		grep -vxF -e "$(readlink /proc/self/ns/mnt)" -e "$(readlink /proc/self/ns/net)" | sort)"
t_is "... and the only holder of bob's" 1 "$(pgrep -c -f "^paddock holder --uid $bob_uid ")"
out=$(ps_inside "$bob")
t_ok "inside: the login-shell guard lets bob in (his PID 1 is his holder)" t_su "$bob" 'echo "$0"'
t_is "... into his real shell" -bash "$T_OUT"
t_like "inside: bob's hostname" '^bobs-box$' "$(sed -n 1p <<<"$out")"
t_is "inside: PID 1's command line is bob's holder's, as if started for him" \
	"paddock holder --uid $bob_uid --user $bob --hostname bobs-box --ns 31 --tmp-size 33554432 --private-tmp 1 --private-ipc 1 --loopback 1 --kill-on-logout 1 --linger 0 --cgroup-manager cgroupfs-v1 --cgroup-parent $T_PARENT" \
	"$(sed -n 2p <<<"$out")"
t_is "inside: /tmp is bob's 32M, not the spare's 64M" 33554432 "$(sed -n 3p <<<"$out")"
t_is "inside: only lo, up" "lo: <LOOPBACK,UP,LOWER_UP>" "$(sed -n '4,$p' <<<"$out")"
for c in memory cpu pids; do
	t_like "the holder is in bob's cgroup ($c)" "^[0-9]+:$c:$T_PARENT/user-$bob_uid\$" \
		"$(grep -E "^[0-9]+:$c:" "/proc/$holder/cgroup")"
done
claimed_cg=$(sed -n "s/^$holder paddock holder --spare [0-9a-f]*\\.\\([0-9a-f]*\\) .*/spare-\\1/p" \
	<<<"$spare_cmdlines")
t_like "the spare bob took had a spare cgroup" '^spare-[0-9a-f]{16}$' "$claimed_cg"
t_like "bob's cgroup is a spare's, renamed (memory: the same directory)" \
	" $(stat -c %i "/sys/fs/cgroup/memory$T_PARENT/user-$bob_uid") " "$spare_cg_inodes"
for c in memory cpu pids; do
	t_nok "... in $c, no spare cgroup of that spare is left" test -e "/sys/fs/cgroup/$c$T_PARENT/$claimed_cg"
done
t_is "... with bob's limits written into it: memory_max" $((300 * 1024 * 1024)) \
	"$(cat "/sys/fs/cgroup/memory$T_PARENT/user-$bob_uid/memory.limit_in_bytes")"
t_is "... tasks_max" 77 "$(cat "/sys/fs/cgroup/pids$T_PARENT/user-$bob_uid/pids.max")"
for ns in mnt pid ipc uts net; do
	t_is "record $ns: the claimed holder's namespace" \
		"$(stat -L -c %i "/proc/$holder/ns/$ns")" "$(t_ns_record "$bob_uid" "$ns")"
done
t_like "paddock status shows bob's paddock with that holder" \
	"^$bob +$bob_uid +$holder " "$("$T_HELPER" status --conf "$T_POLICY" "$bob" | sed -n 2p)"
t_ok "... and the pool is two again" t_wait_for 10 ps_settled 2
t_is "... topped up by the same maker: bob's login started none" "$maker" "$(ps_makers)"
t_sess_end b1
t_is "bob's session ended cleanly" 0 "$T_SESS_RC"
t_ok "after bob's logout (linger 0) his paddock is gone" t_wait_for 10 t_paddock_gone "$bob_uid"
t_nok "... and his holder" pgrep -f "^paddock holder --uid $bob_uid "

# --- another shape never takes one ----------------------------------------------------------
before=$(ps_pids)
t_like "carol (network = host) logs in: a holder of her own, without a network namespace" \
	"^paddock holder --uid $carol_uid .* --ns 15 " "$(ps_inside "$carol" | sed -n 2p)"
t_ok "... the spares of the default shape are still there (two more of hers are made)" \
	t_wait_for 10 ps_settled 4
for pid in $before; do
	t_ok "... spare $pid was not taken" test -d "/proc/$pid"
done
t_is "... 2 spares without a network namespace (--ns 15)" 2 \
	"$(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 15 ' | wc -l)"

# --- dead spares are collected by the login that finds them ---------------------------------
# A running maker replaces a ready spare that dies at once (issue 21's watch); this
# section is about the spares a login finds dead after the maker has gone.
for m in $(ps_makers); do kill -TERM "$m"; done
t_ok "no maker waits (SIGTERM) before the spares are killed" t_wait_for 10 eval '[ -z "$(ps_makers)" ]'
for pid in $(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 31 '); do
	kill -KILL "$pid"
	t_wait_for 5 eval "! test -d /proc/$pid"
done
t_is "the two default-shape spares killed" 0 "$(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 31 ' | wc -l)"
t_ok "dave logs in all the same (a holder of his own)" t_su "$dave" true
t_ok "... the dead spares' directories are gone, and two new ones are ready" t_wait_for 10 ps_settled 4
t_is "... every spare directory has a live holder" "$(ps_ready)" "$(t_pgrep -f '^paddock holder --spare ' | wc -l)"
for c in memory cpu pids; do
	t_is "... the dead spares' cgroups are gone: one per ready spare ($c)" "$(ps_ids)" "$(ps_cgs "$c")"
done

# --- a claim that fails half-way leaves nothing of that spare --------------------------------
t__need strace strace
t_ok "the pools are full before the fault (2 of each shape)" t_wait_for 10 ps_settled 4
# No maker while dave logs in: one would refill the pool between the pick of a spare
# (before the cgroup step) and the fallback after the failed claim.
for m in $(ps_makers); do kill -TERM "$m"; done
t_ok "... and no maker waits (SIGTERM)" t_wait_for 10 eval '[ -z "$(ps_makers)" ]'
before=$(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 31 ' | tr '\n' ' ')
dave_home=$(getent passwd "$dave" | cut -d: -f6)
rm -f "$dave_home/up"
t_bg strace -o /dev/null -e trace=sendmsg -e inject=sendmsg:error=EPIPE:when=1 \
	su - "$dave" -c 'echo up >~/up; exec sleep 4' >"$T_TMP/dave.log" 2>&1
sess=$T_BG_PID
t_ok "dave's login with the claim's sendmsg failed (EPIPE, strace fault injection) is up" \
	t_wait_for 10 test -s "$dave_home/up"
holder=$(pgrep -f "^paddock holder --uid $dave_uid ")
t_like "... it took the other spare" " $holder " " $before"
gone=$(for p in $before; do [ "$p" = "$holder" ] || echo "$p"; done)
t_ok "... the spare whose claim failed was killed" t_wait_for 5 eval "! test -d /proc/$gone"
t_ok "... its directory is gone and the pools are full again" t_wait_for 10 ps_settled 4
t_is "... every spare directory has a live holder" "$(ps_ready)" "$(t_pgrep -f '^paddock holder --spare ' | wc -l)"
t_ok "... dave's session ends" t_wait_for 15 t__gone "$sess"
t_ok "... and his paddock with it (linger 0)" t_wait_for 10 t_paddock_gone "$dave_uid"

# --- a login that fails after it picked its spare (before the claim) leaves nothing ------
t_ok "the pools are full" t_wait_for 10 ps_settled 4
before=" $(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 31 ' | tr '\n' ' ')"
t_nok "dave's login with oom_score_adj refused (after the pick and the cgroup step) is denied" \
	strace -o "$T_TMP/oom.strace" -P /proc/self/oom_score_adj -e trace=openat \
	-e inject=openat:error=EACCES su - "$dave" -c true
t_like "... (the open of oom_score_adj was the call refused)" \
	'openat\(AT_FDCWD, "/proc/self/oom_score_adj".* = -1 EACCES .*\(INJECTED\)' \
	"$(cat "$T_TMP/oom.strace")"
# dead or a zombie not reaped yet
ps_dead() { [ ! -d "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
ps_picked() { for p in $before; do ps_dead "$p" && echo "$p"; done; }
t_ok "... the spare it picked is killed" t_wait_for 5 eval '[ -n "$(ps_picked)" ]'
t_is "... that one only" 1 "$(ps_picked | wc -l)"
t_ok "... no state of dave's is left (no UID/)" test ! -e "/run/paddock/$dave_uid"
t_nok "... and no holder of his" pgrep -f "^paddock holder --uid $dave_uid "
t_is "... nobody is left in the cgroup that was the spare's" "" \
	"$(cat "/sys/fs/cgroup/memory$T_PARENT/user-$dave_uid/cgroup.procs" 2>/dev/null)"
t_ok "... the pools fill again" t_wait_for 10 ps_settled 4
t_ok "... and dave's next login works" t_su "$dave" true

# --- a claim with the spare's limits writes none ---------------------------------------------
t_ok "the pools are full again" t_wait_for 10 ps_settled 4
# A hand-made change in the spare cgroups of the default shape: seen in erin's cgroup only
# if her login wrote no limit (the spare's stamp: the limits of the login that started
# the maker, which are erin's too).
for id in $(t_pgrep -a -f '^paddock holder --spare [0-9a-f.]+ --ns 31 ' |
	sed -n 's/.* --spare [0-9a-f]*\.\([0-9a-f]*\) .*/\1/p'); do
	echo 511 >"/sys/fs/cgroup/pids$T_PARENT/spare-$id/pids.max"
done
before=" $(t_pgrep -f '^paddock holder --spare [0-9a-f.]+ --ns 31 ' | tr '\n' ' ')"
t_sess_start e1 "$erin" true
t_ok "erin (default limits) logs in" t_sess_wait e1
t_like "... claiming a spare" " $(pgrep -f "^paddock holder --uid $erin_uid ") " "$before"
t_is "... her cgroup kept the spare's pids.max (511): no limit was written" 511 \
	"$(cat "/sys/fs/cgroup/pids$T_PARENT/user-$erin_uid/pids.max" 2>&1)"
t_sess_end e1
t_ok "... after her logout her paddock is gone" t_wait_for 10 t_paddock_gone "$erin_uid"

# --- reload and stop --spares end them ------------------------------------------------------
out=$("$T_HELPER" reload --conf "$T_POLICY")
t_like "paddock reload stops the spares (made under the old policy)" \
	'stopped 4 spare paddocks' "$out"
t_is "... none left" "0 " "$(ps_ready) $(ps_pids)"
t_is "... and no maker" "" "$(ps_makers)"
t_ok "alice logs in again: the pool refills" t_su "$alice" true
t_ok "... two ready" t_wait_for 10 ps_settled 2
t_ok "the maker exits once no claim came for 10 s" t_wait_for 20 eval '[ -z "$(ps_makers)" ]'
t_is "... the pool stays full" "2 0" "$(ps_ready) $(ps_making)"
t_ok "bob's claim then starts a maker again" t_su "$bob" true
t_ok "... which tops the pool up" t_wait_for 10 ps_settled 2
t_like "... and waits" '^[0-9]+$' "$(ps_makers)"
t_ok "after bob's logout his paddock is gone" t_wait_for 10 t_paddock_gone "$bob_uid"
t_is "paddock stop --spares" "stopped 2 spare paddocks" "$("$T_HELPER" stop --spares)"
t_is "... none left: no directory, no holder, no maker" "0  " "$(ps_ready) $(ps_pids) $(ps_makers)"
t_is "... and no spare cgroup (memory, cpu, pids)" "  " "$(ps_cgs memory) $(ps_cgs cpu) $(ps_cgs pids)"
sleep 0.5
t_is "... and none made again" 0 "$(ps_ready)"
t_is "... and nothing in the reaper leaf" "" "$(cat "/sys/fs/cgroup/memory$T_PARENT/reaper/cgroup.procs" 2>/dev/null)"
t_done
