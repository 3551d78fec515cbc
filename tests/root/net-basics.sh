#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/net-basics.sh: the product's own proof of network = nat, step by step (the
# comprehensive suite is tests/root/nat*.sh).  In the nest's network namespace (the
# "host"), with an upstream namespace of this test's own behind a veth (TCP services,
# a dnsmasq, a 169.254.169.254 service): a su login gets eth0 with the odd address of a
# /31 of nat_pool and a default route through pdkUID (the even one), reaches an upstream
# TCP service and pings it, masqueraded (the upstream has no route back to the pool); a
# second session shares the address; ip netns exec paddock-USER works; table inet
# paddock holds the paddock's elements; another user's paddock is unreachable, also at a
# port it listens on; egress_deny's default, egress_allow, host_access none/all and the
# host's loopback; DNS by name through dns = ADDR, and through dns = auto with a loopback
# stub on the host (route_localnet on that host end only); teardown leaves no link,
# element, name or address record; a failing network_hook denies, a good one sees its
# environment; a full pool denies the login; paddock stop --all removes the table.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need socat socat
t__need nft nftables

t_cgroup_parent

UP=pdkt-nv-$T_TAG
ip netns add "$UP" || t_bail "ip netns add"
t_cleanup_add ip netns del "$UP"
ip link add tnv0 type veth peer name eth0 netns "$UP" &&
	ip addr add 198.51.100.1/24 dev tnv0 && ip link set tnv0 up &&
	ip route add default via 198.51.100.2 &&
	ip -n "$UP" link set lo up && ip -n "$UP" addr add 198.51.100.2/24 dev eth0 &&
	ip -n "$UP" link set eth0 up && ip -n "$UP" addr add 203.0.113.10/32 dev lo &&
	ip -n "$UP" addr add 203.0.113.53/32 dev lo && ip -n "$UP" addr add 203.0.113.66/32 dev lo &&
	ip -n "$UP" addr add 169.254.169.254/32 dev lo ||
	t_bail "cannot build the upstream"
for a in 203.0.113.66 169.254.169.254; do
	t_bg ip netns exec "$UP" socat TCP-LISTEN:7,bind=$a,fork,reuseaddr "SYSTEM:echo from-$a"
done
t_bg ip netns exec "$UP" dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=203.0.113.53 --port=53 --address=/mirror.paddock.test/203.0.113.10 \
	--pid-file="$T_TMP/dnsmasq-up.pid"
# The host: a 0.0.0.0 service ("a database") and a 127.0.0.1-only one.
t_bg socat TCP-LISTEN:5432,fork,reuseaddr SYSTEM:'echo from-host-any'
t_bg socat TCP-LISTEN:5433,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo from-host-lo'
t_wait_for 5 bash -c "ip netns exec $UP ss -uln 'sport = :53' | grep -q 203.0.113.53" ||
	t_bail "the upstream's dnsmasq did not start"
t_bg ip netns exec "$UP" socat TCP-LISTEN:7,bind=203.0.113.10,fork,reuseaddr \
	SYSTEM:'echo from-upstream \$SOCAT_PEERADDR'
t_wait_for 5 bash -c "ip netns exec $UP ss -tln 'sport = :7' | grep -q LISTEN" ||
	t_bail "the upstream's TCP service did not start"

t_user alice
alice=$T_USER alice_uid=$T_UID
t_user bob
bob=$T_USER bob_uid=$T_UID

# policy [GLOBAL_LINES [SECTIONS]]: the test's policy, with more [global] lines and more
# sections after [default].
policy() {
	t_policy net.conf "$(t_policy_global)
linger = 0
nat_pool = 10.200.0.0/24
dns = 203.0.113.53
${1:-}
[default]
network = nat
hostname = %u
${2:-}"
}
policy ""
stack=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
t_su_stack "$stack"

# --- one login ----------------------------------------------------------------------------
t_sess_start a "$alice" 'ip -4 -o addr show dev eth0 >~/addr; ip route >~/route;
	cat /etc/resolv.conf >~/resolv; echo x >~/ready'
t_ok "a nat session starts" t_wait_for 10 test -s "/home/$alice/ready"
addr=$(awk '{print $4}' "/home/$alice/addr")
t_like "eth0 has an odd address of a /31 of nat_pool" '^10\.200\.0\.[0-9]*[13579]/31$' "$addr"
gw=${addr%/31}
gw=${gw%.*}.$((${gw##*.} - 1))
t_like "the default route goes through the host end" "default via $gw dev eth0" "$(cat "/home/$alice/route")"
t_ok "the host end pdk$alice_uid has the even address" \
	bash -c "ip -4 -o addr show dev pdk$alice_uid | grep -q ' $gw/31 '"
t_like "the paddock's resolv.conf names dns" 'nameserver 203\.0\.113\.53' "$(cat "/home/$alice/resolv")"
t_ok "the host's resolv.conf is untouched" bash -c "! grep -q 'written by paddock' /etc/resolv.conf"
t_ok "table inet paddock exists" nft list table inet paddock
t_like "the paddock's host_access element" "${addr%/31} : jump host_dns" "$(nft list map inet paddock host4)"
t_like "the paddock's egress_deny element" "${addr%/31} \\. 169\\.254\\.0\\.0/16" "$(nft list set inet paddock deny4)"

out=$(su - "$alice" -c 'socat -T3 - TCP:203.0.113.10:7 </dev/null' 2>&1)
t_like "a second session reaches the upstream over TCP, masqueraded" "from-upstream 198\\.51\\.100\\.1" "$out"
t_ok "and pings it" su - "$alice" -c 'ping -c1 -W3 203.0.113.10'
out=$(su - "$alice" -c 'ip -4 -o addr show dev eth0' | awk '{print $4}')
t_is "the second session has the same address" "$addr" "$out"
t_like "ip netns exec paddock-USER runs in the paddock's network" "inet $addr" \
	"$(ip netns exec "paddock-$alice" ip -4 -o addr show dev eth0)"
t_ok "the address is recorded in the state directory" test -s "/run/paddock/net/u-$alice_uid"
json=$("$T_HELPER" status --json "$alice")
t_like "status --json: network mode, host end, address, peer and the host end's traffic" \
	"\"network\": \\{\"mode\": \"nat\", \"host_if\": \"pdk$alice_uid\", \"address\": \"${addr%/31}\", \"peer\": \"$gw\", \"address6\": null, \"rx_bytes\": [0-9]+, \"rx_packets\": [0-9]+, \"tx_bytes\": [0-9]+, \"tx_packets\": [0-9]+\\}" "$json"
t_like "status: the network line" "network nat: eth0 ${addr%/31} via pdk$alice_uid \\($gw\\)" \
	"$("$T_HELPER" status "$alice")"

# --- another user ---------------------------------------------------------------------------
t_sess_start b "$bob" 'ip -4 -o addr show dev eth0 >~/addr; echo x >~/ready'
t_ok "bob's nat session starts" t_wait_for 10 test -s "/home/$bob/ready"
baddr=$(awk '{print $4}' "/home/$bob/addr")
t_ok "bob has another address" test "$baddr" != "$addr"
t_nok "alice cannot ping bob's paddock" su - "$alice" -c "ping -c1 -W2 ${baddr%/31}"

t_sess_end a
t_sess_end b
t_ok "alice's paddock ends" t_wait_for 10 t_paddock_gone "$alice_uid"
t_ok "bob's paddock ends" t_wait_for 10 t_paddock_gone "$bob_uid"
t_ok "the host end is gone with the paddock" t_wait_for 5 bash -c "! ip link show pdk$alice_uid 2>/dev/null"
t_ok "no element of alice's address is left" bash -c "! nft list table inet paddock | grep -F '${addr%/31} '"
t_ok "no element of bob's address is left" bash -c "! nft list table inet paddock | grep -F '${baddr%/31} '"
t_ok "the ip netns name is gone" test ! -e "/run/netns/paddock-$alice"
t_ok "the address is given back" test ! -e "/run/paddock/net/u-$alice_uid"

# --- rules ----------------------------------------------------------------------------------
# reach USER HOST PORT: what the TCP service at HOST:PORT says to USER, or "" (3 s).
reach() { su - "$1" -c "socat -T3 - TCP:$2:$3,connect-timeout=3 </dev/null" 2>/dev/null; }
t_is "203.0.113.66 is reachable with egress_allow = any" "from-203.0.113.66" "$(reach "$alice" 203.0.113.66 7)"
t_is "169.254.169.254 is not (egress_deny's built-in default)" "" "$(reach "$alice" 169.254.169.254 7)"
t_is "the host's 0.0.0.0 service is not (host_access = dns)" "" "$(reach "$alice" 198.51.100.1 5432)"
t_is "nor through the gateway address" "" "$(reach "$alice" "$gw" 5432)"
t_is "the host's 127.0.0.1 service is not" "" "$(reach "$alice" 127.0.0.1 5433)"
t_ok "a name resolves through the upstream's DNS (dns names it)" \
	su - "$alice" -c 'getent hosts mirror.paddock.test | grep -q 203.0.113.10'

policy "" "[user:$bob]
host_access = all
egress_allow = 203.0.113.66/32 198.51.100.0/24
egress_deny = 169.254.0.0/16 203.0.113.10"
t_sess_start b2 "$bob" 'echo x >~/ready2'
t_ok "bob's second paddock starts" t_wait_for 10 test -s "/home/$bob/ready2"
t_is "host_access = all: the host's 0.0.0.0 service is reachable" "from-host-any" "$(reach "$bob" 198.51.100.1 5432)"
t_is "host_access = all: still not the host's 127.0.0.1" "" "$(reach "$bob" 127.0.0.1 5433)"
t_is "egress_allow names 203.0.113.66: reachable" "from-203.0.113.66" "$(reach "$bob" 203.0.113.66 7)"
t_is "egress_deny wins over egress_allow (203.0.113.10)" "" "$(reach "$bob" 203.0.113.10 7)"
t_is "alice still reaches 203.0.113.10 (her own rules)" "from-upstream 198.51.100.1" "$(reach "$alice" 203.0.113.10 7)"
t_is "alice cannot reach bob's paddock at a port bob listens on" "" \
	"$(su - "$bob" -c 'socat TCP-LISTEN:7777,fork SYSTEM:"echo from-bob" & sleep 0.5; ip -4 -o addr show dev eth0' >/dev/null; reach "$alice" "$(ip netns exec "paddock-$bob" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)" 7777)"
t_sess_end b2

# --- dns = auto with a loopback stub on the host ------------------------------------------------
t_bg dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.53 \
	--port=53 --server=203.0.113.53 --pid-file="$T_TMP/dnsmasq-stub.pid"
printf 'nameserver 127.0.0.53\nsearch paddock.test\noptions edns0\n' >"$T_TMP/resolv.stub"
mount --bind "$T_TMP/resolv.stub" /etc/resolv.conf || t_bail "cannot bind the stub resolv.conf"
t_wait_for 5 bash -c 'ss -uln "sport = :53" | grep -q 127.0.0.53' || t_bail "the stub did not start"
policy
sed -i 's/^dns = .*$/dns = auto/' "$T_POLICY"
t_sess_start a3 "$alice" 'cat /etc/resolv.conf >~/resolv3; getent hosts mirror >~/hosts3; echo x >~/ready3'
t_ok "a paddock starts with a loopback stub in the host's resolv.conf" t_wait_for 10 test -s "/home/$alice/ready3"
gw3=$(awk '/^nameserver/{print $2}' "/home/$alice/resolv3")
t_like "the paddock's resolv.conf names its gateway" '^10\.200\.0\.[0-9]*[02468]$' "$gw3"
t_like "and keeps the search line" 'search paddock\.test' "$(cat "/home/$alice/resolv3")"
t_like "a name resolves through the host's stub" '203\.0\.113\.10' "$(cat "/home/$alice/hosts3")"
t_ok "route_localnet is on for the paddock's host end only" \
	bash -c "[ \$(cat /proc/sys/net/ipv4/conf/pdk$alice_uid/route_localnet) = 1 ] && [ \$(cat /proc/sys/net/ipv4/conf/all/route_localnet) = 0 ]"
t_is "the host's 127.0.0.1 service is still not reachable" "" "$(reach "$alice" 127.0.0.1 5433)"
t_is "nor 127.0.0.53 on another port" "" "$(reach "$alice" 127.0.0.53 5433)"
t_sess_end a3
umount /etc/resolv.conf
t_ok "alice's paddock ends" t_wait_for 10 t_paddock_gone "$alice_uid"

# --- a failing hook, then a good one ---------------------------------------------------------
install -d -m 0755 "$T_TMP/hook"
printf '#!/bin/sh\nexit 3\n' >"$T_TMP/hook/fail" && chmod 0755 "$T_TMP/hook/fail"
policy "network_hook = $T_TMP/hook/fail"
t_nok "a failing network_hook denies the login" su - "$alice" -c true
t_ok "and leaves no host end" bash -c "! ip link show pdk$alice_uid 2>/dev/null"
printf '#!/bin/sh\nenv | grep ^PADDOCK_ | sort >%s/hook/env\n' "$T_TMP" >"$T_TMP/hook/ok" &&
	chmod 0755 "$T_TMP/hook/ok"
policy "network_hook = $T_TMP/hook/ok"
t_ok "a good network_hook lets the login in" su - "$alice" -c true
t_like "the hook saw the paddock" \
	"PADDOCK_HOST_IF=pdk$alice_uid.*PADDOCK_UID=$alice_uid.*PADDOCK_USER=$alice" "$(cat "$T_TMP/hook/env" 2>/dev/null)"
t_ok "alice's paddock ends" t_wait_for 10 t_paddock_gone "$alice_uid"

# --- a full pool ------------------------------------------------------------------------------
policy "nat_pool = 10.201.0.0/24"
sed -i 's|^nat_pool = 10.200.0.0/24$||' "$T_POLICY"
for s in $(seq 0 127); do echo 4000000 >"/run/paddock/net/$s"; mkdir -p /run/paddock/4000000; done
t_nok "a full pool denies the login" su - "$alice" -c true
rm -rf /run/paddock/4000000 && for s in $(seq 0 127); do rm -f "/run/paddock/net/$s"; done

# --- paddock stop --all ---------------------------------------------------------------------
t_sess_start s "$alice" 'echo x >~/ready-s'
t_ok "a paddock before stop --all" t_wait_for 10 test -s "/home/$alice/ready-s"
t_ok "paddock stop --all" "$T_HELPER" stop --all
t_ok "... stops it (its state is gone)" test ! -e "/run/paddock/$alice_uid"
t_nok "... and removes table inet paddock" nft list table inet paddock
t_ok "... and its host end" bash -c "! ip link show pdk$alice_uid 2>/dev/null"
t_sess_end s
t_done
