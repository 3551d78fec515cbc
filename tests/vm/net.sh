# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# shellcheck disable=SC2016
#
# tests/vm/net.sh: network = nat in both guests, sourced by tests/vm/run after common.sh.
# As in the root tier (tests/root/netlib.sh), "the internet" is a network namespace
# made inside the guest, behind a veth: the guest is the host, nothing leaves it (qemu's
# user network is restricted anyway).  vm_upstream runs before the first login (the
# paddocks' resolv.conf is written from the guest's), common_nat after common_sessions.
#
#   guest (host)                            upstream (ip netns "up")
#   tnup0 198.51.100.1/24 -----------------  eth0 198.51.100.2/24
#   route 203.0.113.0/24 and                lo 203.0.113.10: TCP echo 7 (socat)
#   169.254.169.254 via 198.51.100.2        lo 203.0.113.53: dnsmasq, mirror.paddock.test
#   127.0.0.1:8080: a loopback-only echo    lo 169.254.169.254: "metadata" on 80
#   resolv.conf: nameserver 203.0.113.53

vm_upstream() {
	vm_root_in 'set -e
modprobe -a veth nf_tables nft_ct nft_nat nft_masq nft_chain_nat
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
bg ip netns exec up socat TCP-LISTEN:80,bind=169.254.169.254,fork,reuseaddr SYSTEM:"echo metadata"
bg socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr EXEC:cat
ip netns exec up dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --bind-interfaces \
	--listen-address=203.0.113.53 --address=/mirror.paddock.test/203.0.113.10 --user=root \
	--pid-file=/run/up-dnsmasq.pid
printf "nameserver 203.0.113.53\n" >/etc/resolv.conf
sleep 1
getent hosts mirror.paddock.test | grep -q 203.0.113.10
echo hi | timeout 5 socat -T 3 - TCP:203.0.113.10:7 | grep -qx hi' </dev/null
}

# nat_probe USER HOST PORT: a line through a TCP echo, as USER in the paddock.
nat_probe() {
	[ "$(vm_user "$1" "echo paddock-nat | timeout 8 socat -T 3 - TCP:$2:$3,connect-timeout=3 2>&1")" = paddock-nat ]
}

nat_addr() { # USER: the address of eth0 in USER's paddock
	vm_user "$1" 'ip -4 -o addr show dev eth0' | awk '{ sub(/\/.*/, "", $4); print $4 }'
}

common_nat() {
	local a1 a2 peer1
	a1=$(nat_addr pdk1) a2=$(nat_addr pdk2)
	t_ok "network = nat: pdk1's eth0 has an address of 10.200.0.0/16 ($a1)" \
		eval '[[ $a1 =~ ^10\.200\. ]]'
	t_ok "... pdk2's another ($a2)" eval '[[ $a2 =~ ^10\.200\. ]] && [ "$a1" != "$a2" ]'
	t_eq "... the same address in pdk1's other session" "$a1" "$(vm_session_get a2 net4 | cut -d/ -f1)"
	t_ok "pdk1 reaches the upstream by TCP" nat_probe pdk1 203.0.113.10 7
	t_ok "pdk1 resolves mirror.paddock.test through the paddock's resolv.conf" \
		vm_user pdk1 'getent hosts mirror.paddock.test | grep -q "^203\.0\.113\.10 "'
	t_ok "pdk1 reaches it by name" nat_probe pdk1 mirror.paddock.test 7
	t_ok "pdk1 pings the upstream" vm_user pdk1 'ping -n -c 1 -W 3 203.0.113.10 >/dev/null'
	peer1=$(vm_user pdk1 'ip -4 route show default' | awk '{ print $3 }')
	t_ok "control: the guest reaches its 127.0.0.1:8080" vm_root \
		'echo x | timeout 5 socat -T 3 - TCP:127.0.0.1:8080 | grep -qx x'
	t_ok "pdk1 does not reach the guest's 127.0.0.1:8080 (at 127.0.0.1, $peer1 or 198.51.100.1)" \
		eval '! nat_probe pdk1 127.0.0.1 8080 && ! nat_probe pdk1 "$peer1" 8080 &&
			! nat_probe pdk1 198.51.100.1 8080'
	t_ok "pdk1 does not reach the guest's sshd on its own addresses (host_access = dns)" \
		eval '! vm_user pdk1 "timeout 5 socat -T 3 - TCP:$peer1:22,connect-timeout=3 </dev/null" &&
			! vm_user pdk1 "timeout 5 socat -T 3 - TCP:10.0.2.15:22,connect-timeout=3 </dev/null"'
	t_ok "control: the guest reaches the metadata service" vm_root \
		'timeout 5 socat -T 3 - TCP:169.254.169.254:80 </dev/null | grep -qx metadata'
	t_ok "pdk1 does not reach 169.254.169.254 (egress_deny's default)" \
		eval '! vm_user pdk1 "timeout 5 socat -T 3 - TCP:169.254.169.254:80,connect-timeout=3 </dev/null | grep -q metadata"'
	vm_user pdk2 'setsid socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat </dev/null >/dev/null 2>&1 & sleep 1'
	t_ok "control: pdk2's listener answers inside pdk2's paddock" vm_root \
		"echo y | timeout 5 ip netns exec paddock-pdk2 socat -T 3 - TCP:$a2:9000 | grep -qx y"
	t_ok "pdk1 does not reach pdk2's port ($a2:9000)" eval '! nat_probe pdk1 "$a2" 9000'
	t_ok "the guest holds one pdk interface per paddock, and the inet paddock table" vm_root \
		'[ "$(ip -o link | grep -c ": pdk")" -ge 2 ] && nft list table inet paddock >/dev/null'
}

# After every paddock is gone: no pdk interface, no paddock-* netns name.
nat_clean() {
	vm_root '! ip -o link | grep -q ": pdk" && ! ip netns list | grep -q "^paddock-"'
}
