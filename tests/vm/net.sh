# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# SC2015: "a && b || complain" is meant.
# shellcheck disable=SC2016,SC2015
#
# tests/vm/net.sh: network = nat in both guests, sourced by tests/vm/run after common.sh.
# As in the root tier (tests/root/netlib.sh), "the internet" is a network namespace
# made inside the guest, behind a veth: the guest is the host, and no packet leaves it
# (the upstream's addresses are routed to the namespace; qemu's user network is
# restricted anyway).  vm_upstream runs before the first login (the paddocks'
# resolv.conf is written from the guest's), common_nat while the held sessions live,
# nat_clean after the last logout.  The kernel loads veth and nf_tables' modules on
# demand (the image has them and kmod, build-image.sh): nothing is loaded by hand, but
# a throwaway table of the test's own, with what paddock's table uses (nat chains,
# masquerade, dnat, ct), makes the kernel load them before the first login, whose
# paddock-net must answer within its 20 s under TCG.
#
#   guest (the host)                          upstream (ip netns "up")
#   tnup0 198.51.100.1/24 ------------------   eth0 198.51.100.2/24
#   routes 203.0.113.0/24 and                  lo 203.0.113.10: TCP echo 7, whoami 8
#     169.254.169.254 via 198.51.100.2         lo 203.0.113.53: dnsmasq, mirror.paddock.test
#   127.0.0.1:8080: a loopback-only echo       lo 169.254.169.254: an echo on 80 ("metadata")
#   0.0.0.0:8081: an echo ("a database")
#   resolv.conf: nameserver 203.0.113.53

vm_upstream() {
	vm_root_in 'set -ex
ip netns add up
ip link add tnup0 type veth peer name eth0 netns up
ip addr add 198.51.100.1/24 dev tnup0
ip link set tnup0 up
ip -n up link set lo up
ip -n up addr add 198.51.100.2/24 dev eth0
ip -n up link set eth0 up
for a in 203.0.113.10 203.0.113.53 169.254.169.254; do ip -n up addr add $a/32 dev lo; done
ip route add 203.0.113.0/24 via 198.51.100.2
ip route add 169.254.169.254/32 via 198.51.100.2
bg() { setsid "$@" </dev/null >/dev/null 2>&1 & }
bg ip netns exec up socat TCP-LISTEN:7,bind=203.0.113.10,fork,reuseaddr EXEC:cat
bg ip netns exec up socat TCP-LISTEN:8,bind=203.0.113.10,fork,reuseaddr SYSTEM:"echo \$SOCAT_PEERADDR"
bg ip netns exec up socat TCP-LISTEN:80,bind=169.254.169.254,fork,reuseaddr EXEC:cat
bg socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr EXEC:cat
bg socat TCP-LISTEN:8081,fork,reuseaddr EXEC:cat
ip netns exec up dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --bind-interfaces \
	--listen-address=203.0.113.53 --address=/mirror.paddock.test/203.0.113.10 --user=root \
	--pid-file=/run/up-dnsmasq.pid
printf "nameserver 203.0.113.53\n" >/etc/resolv.conf
nft add table inet pdkt-warm
nft add chain inet pdkt-warm pre "{ type nat hook prerouting priority dstnat; }"
nft add chain inet pdkt-warm post "{ type nat hook postrouting priority srcnat; }"
nft add rule inet pdkt-warm pre ct status dnat dnat ip to 192.0.2.1
nft add rule inet pdkt-warm post ct state new masquerade
nft delete table inet pdkt-warm' </dev/null &&
		vm_wait_for 90 upstream_answers || {
		echo "the upstream does not answer:"
		vm_root 'ip -br addr; ip route; pgrep -a socat; pgrep -a dnsmasq; lsmod | grep -E "^(veth|nf_)"'
		return 1
	}
}

# The guest reaches the upstream by TCP and resolves its name (TCG is slow to start
# the services: vm_upstream polls this).
upstream_answers() {
	vm_root 'echo hi | timeout 5 socat -T 3 - TCP:203.0.113.10:7 2>/dev/null | grep -qx hi &&
		getent hosts mirror.paddock.test | grep -q "^203\.0\.113\.10 "'
}

# What a user sees of the network from inside the paddock, one KEY=VALUE a line, so
# that nothing else the login prints (a banner, a motd) is taken for an answer.
# probe NAME HOST PORT: NAME=open when a line comes back through the echo, else shut.
NAT_PROBES='
probe() {
	if [ "$(echo paddock-nat | timeout 8 socat -T 3 - TCP:$2:$3,connect-timeout=3 2>/dev/null)" = paddock-nat ]
	then echo "$1=open"; else echo "$1=shut"; fi
}
gw=$(ip -4 route show default | awk "{ print \$3; exit }")
echo "ADDR=$(ip -4 -o addr show dev eth0 | awk "{ sub(/\/.*/, \"\", \$4); print \$4; exit }")"
echo "GW=$gw"
probe UP_TCP 203.0.113.10 7
echo "UP_SEES=$(timeout 8 socat -T 3 - TCP:203.0.113.10:8,connect-timeout=3 </dev/null 2>/dev/null)"
echo "RESOLVE=$(getent hosts mirror.paddock.test | awk "{ print \$1; exit }")"
probe UP_NAME mirror.paddock.test 7
if ping -n -c 1 -W 3 203.0.113.10 >/dev/null 2>&1; then echo PING=open; else echo PING=shut; fi
probe LO_AT_GW "$gw" 8080
probe LO_AT_HOST 198.51.100.1 8080
probe ANY_AT_GW "$gw" 8081
probe ANY_AT_HOST 10.0.2.15 8081
probe META 169.254.169.254 80
[ -z "${PEER:-}" ] || probe PEER "$PEER" 9000
'

# nat_get OUTPUT KEY: the value of KEY in a probe run's output.
nat_get() { tr -d '\r' <<<"$1" | sed -n "s/^$2=//p" | tail -n 1; }

common_nat() {
	local out1 out2 a1 a2 gw1
	out2=$(vm_user pdk2 "$NAT_PROBES")
	a2=$(nat_get "$out2" ADDR)
	# A listener on 9000 in pdk2's network namespace (which its held sessions keep),
	# started by root: one started from a login of pdk2's own would end with it (or
	# stay as a session of its own in logind), and the check below would prove nothing.
	vm_root 'ip netns exec paddock-pdk2 setsid socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat </dev/null >/dev/null 2>&1 &
		sleep 1' >/dev/null
	out1=$(vm_user pdk1 "PEER=$a2; $NAT_PROBES")
	a1=$(nat_get "$out1" ADDR) gw1=$(nat_get "$out1" GW)
	t_ok "network = nat: pdk1's eth0 has an address of 10.200.0.0/16 ($a1), pdk2's another ($a2)" \
		eval '[[ $a1 =~ ^10\.200\.[0-9]+\.[0-9]+$ && $a2 =~ ^10\.200\. ]] && [ "$a1" != "$a2" ]' ||
		t_diag "pdk1's login printed: $out1"
	t_eq "... pdk1's held session saw the same address" "${a1:-none}" "$(vm_session_get a1 net4 | cut -d/ -f1)"
	t_eq "... and so did pdk1's other one" "${a1:-none}" "$(vm_session_get a2 net4 | cut -d/ -f1)"
	t_eq "pdk1 reaches the upstream by TCP" open "$(nat_get "$out1" UP_TCP)"
	t_eq "... masqueraded: the upstream sees the guest's address" 198.51.100.1 "$(nat_get "$out1" UP_SEES)"
	t_eq "... resolves mirror.paddock.test through the paddock's resolv.conf" 203.0.113.10 \
		"$(nat_get "$out1" RESOLVE)"
	t_eq "... reaches it by name" open "$(nat_get "$out1" UP_NAME)"
	t_eq "... pings it" open "$(nat_get "$out1" PING)"
	t_eq "pdk2 reaches the upstream too" open "$(nat_get "$out2" UP_TCP)"
	t_ok "control: the guest reaches its 127.0.0.1:8080, its 0.0.0.0:8081 and the metadata service" \
		vm_root 'for t in 127.0.0.1:8080 10.0.2.15:8081 169.254.169.254:80; do
			echo x | timeout 5 socat -T 3 - TCP:$t | grep -qx x || { echo "$t shut"; exit 1; }; done'
	t_eq "pdk1 does not reach the guest's 127.0.0.1:8080 at its gateway ($gw1) or the guest's address" \
		"shut shut" "$(nat_get "$out1" LO_AT_GW) $(nat_get "$out1" LO_AT_HOST)"
	t_eq "pdk1 does not reach the guest's 0.0.0.0:8081 (host_access = dns) at $gw1 or 10.0.2.15" \
		"shut shut" "$(nat_get "$out1" ANY_AT_GW) $(nat_get "$out1" ANY_AT_HOST)"
	t_eq "pdk1 does not reach 169.254.169.254 (egress_deny's default)" shut "$(nat_get "$out1" META)"
	t_ok "control: pdk2's listener answers inside pdk2's paddock (ip netns exec paddock-pdk2)" \
		vm_root "echo y | timeout 5 ip netns exec paddock-pdk2 socat -T 3 - TCP:$a2:9000 | grep -qx y"
	t_eq "pdk1 does not reach pdk2's port ($a2:9000)" shut "$(nat_get "$out1" PEER)"
	t_ok "the guest holds pdk2001 and pdk2002 and the inet paddock table" vm_root \
		'ip link show dev pdk2001 >/dev/null && ip link show dev pdk2002 >/dev/null &&
		nft list table inet paddock >/dev/null'
	NAT_ADDRS="$a1 $a2"
}

# After every paddock is gone: no pdk interface, no paddock-* netns name, no element of
# the addresses common_nat saw.
nat_clean() {
	vm_root "! ip -o link | grep -q ': pdk' && ! ip netns list | grep -q '^paddock-' &&
		for a in ${NAT_ADDRS:-none}; do ! nft list table inet paddock 2>/dev/null | grep -qwF \$a || exit 1; done"
}
