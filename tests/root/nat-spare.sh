#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/nat-spare.sh: spare paddocks (prestart) with network = nat, their network
# made ahead by the maker (paddock-net up --spare: a veth pdksSLOT, a /31 of nat_pool,
# the ruleset's elements, the resolv.conf), on the test's own small internet
# (netlib.sh).  A first login that claims one only renames its record and names it for
# ip netns:
#   * the spares have their interfaces and addresses before any claim, no ip netns name;
#   * a claimed first login reaches the upstream (TCP, by name), keeps the spare's host
#     end and address, is named paddock-USER for ip netns, and its audit start record
#     carries the address; two users get distinct addresses and cannot reach each other;
#   * a user whose network policy differs (host_access) takes no spare of another's;
#   * teardown: a claimed paddock's end leaves no interface, address, element, record or
#     name; a spare killed with SIGKILL leaves nothing once the maker made the next one,
#     nor does a maker killed while it makes a spare, once the next maker's paddock-net ran;
#     paddock stop --spares and stop --all remove the unclaimed spares' interfaces and
#     elements (a claimed paddock keeps its own).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
n_setup
# Before the parent's removal (hooks run last in, first out): our spares end cleanly.
t_cleanup_add "$T_HELPER" stop --spares
t_audit_listen "$T_TMP/audit.log"

t_user seed; seed=$T_USER       # the first login: starts the maker
t_user alice; alice=$T_USER alice_uid=$T_UID
t_user bob; bob=$T_USER bob_uid=$T_UID
t_user carol; carol=$T_USER carol_uid=$T_UID   # host_access = all: another spare key
t_user dave; dave=$T_USER
t_user erin; erin=$T_USER
t_user frank; frank=$T_USER
t_user grace; grace=$T_USER

t_policy nat-spare.conf "$(t_policy_global)
prestart = 2
linger = 0
[default]
network = nat
cpu_quota = max
[user:$carol]
host_access = all"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"

SPARES=/run/paddock/spare
NETREC=/run/paddock/net
# ready: the spares ready to be claimed; spare_pids: their holders' pids; spare_links:
# the host ends of spares' veths (pdksSLOT).
ready() { find "$SPARES" -mindepth 1 -maxdepth 1 -type d ! -name '*.new' 2>/dev/null | wc -l; }
spare_pids() { t_pgrep -f '^paddock holder --spare ' | sort -n | tr '\n' ' '; }
spare_links() { n_pdk_links | grep '^pdks' | sort; }
link_addr() { ip -4 -o addr show dev "$1" 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }'; }
holder_of() { pgrep -f "^paddock holder --uid $1 " | head -n1; }
paddock_gone() { [ ! -e "/run/paddock/$1" ] && ! pgrep -f "^paddock holder --uid $1 " >/dev/null; }
pool_ready() { [ "$(ready)" -ge 2 ] && [ "$(spare_links | grep -c .)" -ge "${1:-2}" ]; }
# claimed_login USER UID: USER's first login (a keeper session, keep-USER) claims one of
# the spares ready now; N_ADDR and N_PEER as USER sees them, N_IF the host end.
claimed_login() {
	local pids holder
	pids=$(spare_pids)
	n_tool "$1"
	t_sess_start "keep-$1" "$1" true
	t_ok "$1's first login" t_sess_wait "keep-$1" 30
	holder=$(holder_of "$2")
	t_like "... claimed a spare (the holder was one)" " ${holder:-none} " " $pids "
	n_inside "$1" || t_bail "no eth0 address or default route in the paddock of $1"
	N_IF=$(n_host_if "$N_PEER")
}

# --- spares made with their network ----------------------------------------------------------
t_ok "a first login (it starts the maker)" su - "$seed" -c true
t_ok "two spares become ready" t_wait_for 30 pool_ready 2
links=$(spare_links)
t_is "... each with a host end pdksSLOT" 2 "$(grep -c . <<<"$links")"
for l in $links; do
	t_like "... $l has an address of nat_pool" '^10\.200\.' "$(link_addr "$l")"
	s_addr=$(grep -h "^$l " "$NETREC"/a-* 2>/dev/null | awk '{ print $2; exit }')
	t_like "... its record names the spare's eth0 address" '^10\.200\.' "$s_addr"
	t_ok "... which has its elements in table inet paddock" \
		bash -c "nft list table inet paddock | grep -q -w -F '${s_addr:-none}'"
done
t_is "... no ip netns name for a spare" "" "$(ls /run/netns 2>/dev/null | grep '^paddock-')"

# --- a claimed first login -------------------------------------------------------------------
claimed_login "$alice" "$alice_uid"
a_addr=$N_ADDR a_if=$N_IF
t_like "... the host end is the spare's (not renamed)" '^pdks[0-9]+$' "$a_if"
t_like "... one of the spares' made ahead" "(^| )$a_if( |\$)" "$(tr '\n' ' ' <<<"$links")"
t_ok "status --json: network.host_if" n_status_field "$alice" host_if
t_is "... is that host end" "$a_if" "$T_OUT"
t_ok "status --json: network.address" n_status_field "$alice" address
t_is "... is eth0's address" "$a_addr" "$T_OUT"
t_ok "TCP to the upstream ($N_UP_SVC:7)" n_probe "$alice" tcp "$N_UP_SVC" 7
t_ok "DNS: $N_UP_NAME resolves (the spare's resolv.conf)" n_probe "$alice" resolve "$N_UP_NAME"
t_ok "the upstream sees the host's address (masqueraded)" n_probe "$alice" whoami "$N_UP_SVC" 8
t_is "... $N_HOST_ADDR" "$N_HOST_ADDR" "$T_OUT"
t_ok "ip netns exec paddock-$alice shows her eth0" \
	bash -c "ip netns exec 'paddock-$alice' ip -4 -o addr show dev eth0 | grep -q -w -F '$a_addr'"
t_ok "the audit start record of alice" t_wait_for 5 sh -c \
	"grep -F 'virt=paddock op=start' '$T_TMP/audit.log' | grep -F ' id=$alice_uid ' | grep -q res=success"
rec=$(grep -F 'virt=paddock op=start' "$T_TMP/audit.log" | grep -F " id=$alice_uid " | grep res=success | tail -n1)
t_like "... carries her address" " addr=$a_addr " "$rec"
t_ok "the pool is filled again" t_wait_for 30 pool_ready 3

# --- a second user: another address, and no way between them -----------------------------------
claimed_login "$bob" "$bob_uid"
b_addr=$N_ADDR b_if=$N_IF
t_nok "... an address not alice's ($b_addr)" test "$b_addr" = "$a_addr"
t_nok "... nor her host end" test "$b_if" = "$a_if"
t_ok "bob reaches the upstream" n_probe "$bob" tcp "$N_UP_SVC" 7
lport=$(t_free_port)
t_sess_start listen-b "$bob" "$N_PY ~/.net-tool.py serve ~/.ready tcp-echo:0.0.0.0:$lport >/dev/null 2>&1 &
for i in \$(seq 50); do [ -s ~/.ready ] && break; sleep 0.1; done"
t_ok "bob listens on $lport" t_sess_wait listen-b 20
t_nok "alice cannot reach bob's port ($b_addr:$lport)" n_probe "$alice" tcp "$b_addr" "$lport"
t_sess_end listen-b

# --- another network policy takes no spare of this one ------------------------------------------
pids=$(spare_pids)
n_tool "$carol"
t_sess_start keep-c "$carol" true
t_ok "carol's first login (host_access = all)" t_sess_wait keep-c 30
c_holder=$(holder_of "$carol_uid")
t_nok "... took none of the default's spares" grep -q -w -- "${c_holder:-none}" <<<"$pids"
t_ok "... and reaches the upstream (paddock-net up after her holder)" n_probe "$carol" tcp "$N_UP_SVC" 7
t_ok "... and the host's 0.0.0.0 service (her host_access)" n_probe "$carol" tcp "$N_HOST_ADDR" "$N_HOST_PORT"

# --- teardown ----------------------------------------------------------------------------------
t_sess_end "keep-$alice"
t_ok "alice's session ends: her paddock goes" t_wait_for 20 paddock_gone "$alice_uid"
t_ok "... and her cgroup" t_wait_for 10 bash -c "! test -e '$(t_cg pids "$alice_uid")'"
t_ok "... and her host end $a_if" t_wait_for 10 bash -c "! ip link show '$a_if' >/dev/null 2>&1"
t_is "... nothing of her address on the host" "" "$(n_host_trace "$a_addr")"
t_is "... no ip netns name" "" "$(ls "/run/netns/paddock-$alice" 2>/dev/null)"
t_is "... no record of hers" "" "$(ls "$NETREC/a-$alice_uid" 2>/dev/null)"

# a spare killed with SIGKILL (no teardown): its link goes with its namespace; its
# elements and records go with the next paddock-net run (the next spare made)
t_ok "the pool is filled again" t_wait_for 30 pool_ready 2
victim=$(spare_pids | awk '{ print $1 }')
v_name=$(tr '\0' ' ' <"/proc/${victim:-0}/cmdline" 2>/dev/null | sed -n 's/.*--spare \([^ ]*\).*/\1/p')
v_rec=$(cat "$NETREC/a-$v_name" 2>/dev/null)
v_if=${v_rec%% *} v_addr=$(awk '{ print $2 }' <<<"$v_rec")
t_like "a ready spare has its record" '^pdks[0-9]+ 10\.200\.' "$v_rec"
t_ok "... killed with SIGKILL" kill -KILL "${victim:-none}"
t_ok "... its host end goes with its namespace" t_wait_for 10 bash -c "! ip link show '$v_if' >/dev/null 2>&1"
t_sess_start keep-d "$dave" true
t_ok "a claim (dave) makes the maker make the next one" t_sess_wait keep-d 30
victim_clean() { [ -z "$(n_host_trace "$v_addr")" ] && [ ! -e "$NETREC/a-$v_name" ] && [ ! -e "$NETREC/u-$v_name" ]; }
t_ok "... after which nothing of the killed spare's address is left" t_wait_for 30 victim_clean
t_is "... (its trace)" "" "$(n_host_trace "$v_addr")"
t_sess_end keep-d

# paddock stop --spares: the unclaimed spares' networks go; bob's (claimed) stays
t_ok "the pool is filled again" t_wait_for 30 pool_ready 3
left=$(spare_links | grep -v -x -F "$b_if")
t_ok "paddock stop --spares" "$T_HELPER" stop --spares
t_is "... no spare ready" 0 "$(ready)"
for l in $left; do
	t_ok "... $l is gone" t_wait_for 10 bash -c "! ip link show '$l' >/dev/null 2>&1"
done
t_is "... only bob's pdks end is left" "$b_if" "$(spare_links | tr '\n' ' ' | sed 's/ $//')"
t_ok "... bob still reaches the upstream" n_probe "$bob" tcp "$N_UP_SVC" 7
spare_left=$(ls "$NETREC" | grep -E '^[au]-[0-9a-f]{16}\.' | grep -v -F -- "$(awk '{ print $5 }' "$NETREC/a-$bob_uid")")
t_is "... no record of a stopped spare" "" "$spare_left"

t_sess_end "keep-$bob"
t_sess_end keep-c
t_ok "bob's and carol's paddocks go" t_wait_for 20 bash -c "! pgrep -f '^paddock holder --uid ($bob_uid|$carol_uid) ' >/dev/null"

# the maker SIGKILLed while it makes a spare (its network not yet, half or wholly made):
# the next maker kills the half-made spare, and the next paddock-net collects whatever of
# its network was made
making() { compgen -G "$SPARES/*.new" >/dev/null; }
# orphans: a spare's record or host end whose spare is neither ready, nor being made, nor
# claimed (a-UID names it)
orphans() {
	local r t
	for r in "$NETREC"/u-*.*; do
		[ -e "$r" ] || continue
		t=${r##*/u-}
		[ -d "$SPARES/$t" ] || [ -d "$SPARES/$t.new" ] ||
			grep -q -s -F " $t" "$NETREC"/a-[0-9]* || echo "record $t"
	done
	for r in $(spare_links); do
		grep -q -s "^$r " "$NETREC"/a-* || echo "link $r"
	done
}
no_orphans() { [ -z "$(orphans)" ]; }
t_ok "a fresh pool: paddock stop --spares" "$T_HELPER" stop --spares
# watched from before the login: a spare's making can end before su returns
su - "$frank" -c true &
login=$!
end=$((SECONDS + 20))
until making || [ "$SECONDS" -ge "$end" ]; do :; done
t_ok "a first login (frank) starts a maker, which makes a spare" making
t_ok "... SIGKILLed then" pkill -KILL -f '^paddock spare '
wait "$login"
t_is "... the login itself succeeds" 0 "$?"
t_ok "a first login (grace) starts a maker again" su - "$grace" -c true
t_ok "... two spares become ready" t_wait_for 30 pool_ready 2
t_sess_start keep-e "$erin" true
t_ok "a claim (erin): the maker runs paddock-net again" t_sess_wait keep-e 30
t_ok "... after which no record or host end is left of the half-made spare" \
	t_wait_for 30 no_orphans
t_is "... (what is left)" "" "$(orphans)"
t_sess_end keep-e

# paddock stop --all with spares ready: no interface, no table
t_ok "a first login (dave) starts a maker again" su - "$dave" -c true
t_ok "... spares become ready" t_wait_for 30 pool_ready 2
t_ok "paddock stop --all" "$T_HELPER" stop --all --conf "$T_POLICY"
no_links() { [ -z "$(n_pdk_links)" ]; }
t_ok "... no pdk interface is left" t_wait_for 10 no_links
t_is "... (the interfaces)" "" "$(n_pdk_links)"
t_nok "... table inet paddock is gone" nft list table inet paddock
t_is "... no record is left" "" "$(ls "$NETREC" 2>/dev/null | grep -v -x lock)"
t_done
