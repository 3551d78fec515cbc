#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/nat-ruleset.sh: what paddock-net writes into table inet paddock over
# nfnetlink (libnftnl, no nftables parser) is what nft itself writes from the same text.
# Two nat paddocks whose policies fill every set and map (nat_pool and nat_pool6, both
# egress lists with IPv4 and IPv6 prefixes, egress_allow = any, each host_access, a
# loopback DNS stub); the table is listed, the listing loaded by nft into a namespace
# of the test's own, and every set's and map's elements compared byte for byte as the
# kernel holds them (nft --debug=netlink).  Teardown: no element of either paddock, and
# the pools emptied with the last one.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need nft nftables
t_cgroup_parent

SETS=(pool4 pool6 host4 host6 any4 any6 allow4 allow6 deny4 deny6 stub4)

# dns = auto with a loopback stub in the host's resolv.conf: the stub4 element (no
# query is made here)
printf 'nameserver 127.0.0.53\n' >"$T_TMP/resolv.conf" &&
	mount --bind "$T_TMP/resolv.conf" /etc/resolv.conf || t_bail "cannot bind a resolv.conf"
t_cleanup_add umount /etc/resolv.conf

t_user alice
alice=$T_USER alice_uid=$T_UID
t_user bob
bob=$T_USER bob_uid=$T_UID
t_policy nat.conf "$(t_policy_global)
linger = 0
nat_pool = 10.213.0.0/24
nat_pool6 = fd42:7::/48
dns = auto
[default]
network = nat
cpu_quota = max
[user:$alice]
host_access = none
egress_allow = 203.0.113.0/24 2001:db8:1::/48 198.51.100.128/25
egress_deny = 169.254.0.0/16 203.0.113.66/32 2001:db8:1:2::/64
[user:$bob]
host_access = all
egress_allow = any"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"

# elements [NETNS]: every set's and map's elements as the kernel holds them, sorted.
elements() {
	local s kind ns=()
	[ -z "${1:-}" ] || ns=(ip netns exec "$1")
	for s in "${SETS[@]}"; do
		echo "@$s"
		case $s in host? | stub?) kind="map" ;; *) kind="set" ;; esac
		"${ns[@]}" nft --debug=netlink list "$kind" inet paddock "$s" | grep -E '^\s+element [0-9a-f]' |
			sort
	done
}

t_sess_start a "$alice" true
t_sess_start b "$bob" true
t_sess_wait a 30 >/dev/null || t_bail "alice's session did not start: $(cat "$T_TMP/a.log")"
t_sess_wait b 30 >/dev/null || t_bail "bob's session did not start: $(cat "$T_TMP/b.log")"

mine=$(elements)
listing=$(nft list table inet paddock)
for s in "${SETS[@]}"; do
	t_like "@$s holds elements" "@$s
[[:space:]]+element" "$mine"
done
copy=pdkt-rs-$T_TAG
ip netns add "$copy" || t_bail "ip netns add"
t_cleanup_add ip netns del "$copy"
t_ok "nft loads the listing into a namespace of the test's own" \
	ip netns exec "$copy" nft -f - <<<"$listing"
t_is "every set and map holds what nft writes from the same text" "$(elements "$copy")" "$mine"

# alice's addresses: her host_access element is the jump to host_none
a4=$(nft list map inet paddock host4 | grep -o '10\.213\.0\.[0-9]* : jump host_none')
a6=$(nft list map inet paddock host6 | grep -o 'fd42:7:[0-9a-f:]* : jump host_none')
t_like "alice's IPv4 host_access element" "^10\\.213\\.0\\.[0-9]+ : jump host_none$" "$a4"
t_like "alice's IPv6 host_access element" "^fd42:7:[0-9a-f:]+ : jump host_none$" "$a6"
t_sess_end a
t_ok "alice's paddock ends" t_wait_for 10 t_paddock_gone "$alice_uid"
t_is "no element of alice's addresses is left" "" \
	"$(nft list table inet paddock | grep -F -w -e "${a4%% *}" -e "${a6%% *}")"
t_like "bob's are" "jump host_all" "$(nft list map inet paddock host4)"
t_sess_end b
t_ok "bob's paddock ends" t_wait_for 10 t_paddock_gone "$bob_uid"
t_is "the last paddock's end leaves every set and map empty" \
	"$(printf '@%s\n' "${SETS[@]}")" "$(elements)"
t_done
