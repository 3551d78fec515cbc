#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/nat.sh: network = nat through real logins (su - USER -c, sshd, pamtester)
# on the test's own small internet (netlib.sh: the nest's network namespace is the host,
# an "ip netns" behind a veth the upstream):
#   * the paddock's face: eth0 with the odd address of a /31 from nat_pool, the default
#     route via the even one on the host's pdk… end, "ip netns" paddock-USER, status --json;
#     with nat_pool6 (a ULA /48) also ::2 of a /64 of its own, the IPv6 route via ::1;
#   * the way out: TCP, UDP, ping and a name (DNS) to the upstream, masqueraded (the
#     upstream has no route back), with the host's resolv.conf naming a plain server and
#     naming a loopback stub (127.0.0.53, as systemd-resolved); the host's untouched;
#     TCP, UDP and ping -6 to the upstream's IPv6 address, masqueraded too;
#   * what stays shut: the host's 127.0.0.1 and ::1 services (every host_access, also
#     through the DNS stub's translation), the host's own addresses beyond host_access
#     (none: nothing, DNS neither on the host's address nor through the stub; dns: port
#     53 only, no other TCP or UDP port, no ping; all: every port and ping), over IPv4
#     and IPv6, another user's paddock (both directions, IPv4 and IPv6, a port the
#     other listens on, ping), 169.254.169.254, 100.100.100.200, fd00:ec2::254 and
#     fd20:ce::254 (the default egress_deny) in the upstream, an egress_deny target
#     (IPv4 and IPv6), what egress_allow leaves out (IPv6 too when it names only IPv4);
#   * one address per user: two sessions (su and sshd) share it;
#   * teardown: no interface, address, route, nftables element or netns name is left,
#     of IPv4 or of IPv6.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
n_setup
[ "$N_V6" = 1 ] || t_bail "the kernel has no IPv6 (ipv6.disable=1?): nat_pool6 cannot be tested"

t_user alice; alice=$T_USER   # host_access = dns (the default)
t_user bob; bob=$T_USER       # the other tenant
t_user carol; carol=$T_USER   # host_access = all
t_user dave; dave=$T_USER     # host_access = none, egress_deny adds N_UP_OTHER
t_user erin; erin=$T_USER     # egress_allow = N_UP_SVC only
t_user frank; frank=$T_USER   # first login while the host's resolv.conf is a stub
t_user grace; grace=$T_USER   # teardown
t_user heidi; heidi=$T_USER   # host_access = none, first login while the resolv.conf is a stub
declare -A addr=() peer=() addr6=() peer6=()  # user -> eth0's addresses, gateways (inside)
POOL6=fd42:7:7::/48

t_policy nat.conf "$(t_policy_global)
nat_pool6 = $POOL6
linger = 0
[default]
network = nat
cpu_quota = max
[user:$carol]
host_access = all
[user:$dave]
host_access = none
egress_deny = 169.254.0.0/16 $N_UP_OTHER/32 $N_UP_OTHER6/128
[user:$heidi]
host_access = none
[user:$erin]
egress_allow = $N_UP_SVC/32"
stack=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
t_su_stack "$stack"
t_pam_service paddock-test-nat "$stack"
t_ok "paddock check accepts the policy" "$T_HELPER" check "$T_POLICY"

# pt USER CMD: CMD as USER in the paddock.
pt() { su - "$1" -c "$2"; }

# Keepers: the paddocks live while we look at them.
for u in "$alice" "$bob" "$carol" "$dave" "$erin"; do
	n_tool "$u"
	t_sess_start "keep-$u" "$u" true
done
for u in "$alice" "$bob" "$carol" "$dave" "$erin"; do
	t_sess_wait "keep-$u" 30 || t_bail "the keeper of $u did not start: $(cat "$T_TMP/keep-$u.log")"
done

# --- the paddock's face ----------------------------------------------------------------------
# what the users see inside (eth0's address, the default gateway) drives the tests below;
# the host's and the admin's views must agree with it
for u in "$alice" "$bob" "$carol" "$dave" "$erin"; do
	n_inside "$u" || t_bail "no eth0 address or default route in the paddock of $u"
	addr[$u]=$N_ADDR peer[$u]=$N_PEER addr6[$u]=$N_ADDR6 peer6[$u]=$N_PEER6
done
a_addr=${addr[$alice]} a_peer=${peer[$alice]}
b_addr=${addr[$bob]} b_peer=${peer[$bob]}
t_ok "status --json: network.mode" n_status_field "$alice" mode
t_is "... is nat" nat "$T_OUT"
t_ok "status --json: network.address" n_status_field "$alice" address
t_is "... is eth0's address inside" "$a_addr" "$T_OUT"
t_ok "status --json: network.peer" n_status_field "$alice" peer
t_is "... is the default gateway inside" "$a_peer" "$T_OUT"
t_ok "status --json: network.host_if" n_status_field "$alice" host_if
t_like "... host_if is a pdk… name" '^pdk[A-Za-z0-9_.-]+$' "$T_OUT"
t_is "... the host's interface with the peer address" "$(n_host_if "$a_peer")" "$T_OUT"
# odd address of a /31 in 10.200.0.0/16 (the built-in nat_pool), peer the even one
in_pool() {
	"$N_PY" -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1]); p = ipaddress.ip_address(sys.argv[2])
assert a in ipaddress.ip_network(sys.argv[3]), "not in the pool"
assert int(a) % 2 == 1 and int(p) == int(a) - 1, "not the odd/even pair of a /31"' "$@"
}
t_ok "address $a_addr and peer $a_peer: a /31 of 10.200.0.0/16, user odd, host even" \
	in_pool "$a_addr" "$a_peer" 10.200.0.0/16
t_ok "inside: eth0 is a /31" pt "$alice" "ip -4 -o addr show dev eth0"
t_like "... $a_addr/31" " $a_addr/31 " "$T_OUT"
t_ok "inside: the default route" pt "$alice" "ip -4 route show default"
t_like "... via the peer on eth0" "^default via $a_peer dev eth0" "$T_OUT"
t_ok "inside: the interfaces are lo and eth0" pt "$alice" "ip -o link | awk -F': ' '{ sub(/@.*/, \"\", \$2); print \$2 }' | sort | paste -sd' '"
t_is "... only those" "eth0 lo" "$T_OUT"
a_if=$(n_host_if "$a_peer")
t_like "host: the peer address is on a pdk… interface" '^pdk' "$a_if"
t_ok "ip netns list names paddock-$alice" sh -c "ip netns list | grep -qw 'paddock-$alice'"
t_ok "ip netns exec paddock-$alice sees eth0 with $a_addr" ip netns exec "paddock-$alice" ip -4 -o addr show dev eth0
t_like "... (the admin's view)" " $a_addr/" "$T_OUT"
t_is "five users, five addresses" 5 "$(printf '%s\n' "${addr[@]}" | sort -u | wc -l)"
t_is "... five host interfaces" 5 "$(n_pdk_links | wc -l)"

# --- the way out --------------------------------------------------------------------------------
t_ok "TCP to the upstream ($N_UP_SVC:7)" n_probe "$alice" tcp "$N_UP_SVC" 7
t_ok "UDP to the upstream ($N_UP_SVC:7)" n_probe "$alice" udp "$N_UP_SVC" 7
t_ok "ping to the upstream" pt "$alice" "ping -n -c 1 -W 3 $N_UP_SVC"
t_ok "the upstream sees the host's address (masqueraded)" n_probe "$alice" whoami "$N_UP_SVC" 8
t_is "... $N_HOST_ADDR" "$N_HOST_ADDR" "$T_OUT"
t_ok "DNS, plain resolv.conf on the host: $N_UP_NAME resolves" n_probe "$alice" resolve "$N_UP_NAME"
t_is "... to the upstream's address" "$N_UP_SVC" "$T_OUT"
t_ok "... and TCP by name" n_probe "$alice" tcp "$N_UP_NAME" 7
t_ok "... and http by name (curl)" pt "$alice" "curl -fsS --max-time 5 http://$N_UP_NAME/"
t_like "... the upstream's page" "^upstream $N_HOST_ADDR" "$T_OUT"
t_ok "the paddock's /etc/resolv.conf" pt "$alice" "cat /etc/resolv.conf"
a_resolv=$T_OUT
t_like "... names a server" 'nameserver [0-9a-f.:]+' "$a_resolv"
t_ok "... is a file paddock put there (a mount of its own inside)" \
	pt "$alice" "grep -w /etc/resolv.conf /proc/self/mountinfo"
t_is "the host's /etc/resolv.conf is untouched" "nameserver $N_UP_DNS" \
	"$(grep -v '^#' /etc/resolv.conf)"

# --- IPv6 (nat_pool6) ---------------------------------------------------------------------------
a_addr6=${addr6[$alice]} a_peer6=${peer6[$alice]} b_addr6=${addr6[$bob]} b_peer6=${peer6[$bob]}
# ::2 and ::1 of a /64 of the pool
in_pool6() {
	"$N_PY" -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1]); p = ipaddress.ip_address(sys.argv[2])
assert a in ipaddress.ip_network(sys.argv[3]), "not in the pool"
assert int(a) % 2**64 == 2 and int(p) == int(a) - 1, "not ::2 and ::1 of a /64"' "$@"
}
t_ok "IPv6: address $a_addr6 and gateway $a_peer6: ::2 and ::1 of a /64 of $POOL6" \
	in_pool6 "$a_addr6" "$a_peer6" "$POOL6"
t_ok "inside: eth0's global IPv6 address" pt "$alice" "ip -6 -o addr show dev eth0 scope global"
t_like "... $a_addr6/64" " $a_addr6/64 " "$T_OUT"
t_ok "status --json: network.address6" n_status_field "$alice" address6
t_is "... is eth0's IPv6 address inside" "$a_addr6" "$T_OUT"
t_is "host: the IPv6 gateway is on the same pdk… interface" "$(n_host_if "$a_peer")" "$(n_host_if "$a_peer6")"
t_is "five users, five distinct /64s" 5 "$(for u in "${!addr6[@]}"; do
	"$N_PY" -c 'import ipaddress, sys; print(ipaddress.ip_interface(sys.argv[1] + "/64").network)' "${addr6[$u]}"
done | sort -u | wc -l)"
t_ok "IPv6: TCP to the upstream ([$N_UP_SVC6]:7)" n_probe "$alice" tcp "$N_UP_SVC6" 7
t_ok "IPv6: UDP to the upstream" n_probe "$alice" udp "$N_UP_SVC6" 7
t_ok "IPv6: ping -6 to the upstream" pt "$alice" "ping -6 -n -c 1 -W 3 $N_UP_SVC6"
t_ok "IPv6: the upstream sees the host's address (masqueraded)" n_probe "$alice" whoami "$N_UP_SVC6" 8
t_is "... $N_HOST_ADDR6" "$N_HOST_ADDR6" "$T_OUT"

# a loopback stub on the host: the paddock made afterwards must still resolve
n_resolv stub
t_sess_start keep-frank "$frank" true
t_sess_start keep-heidi "$heidi" true
t_sess_wait keep-frank 30 || t_bail "frank's keeper did not start: $(cat "$T_TMP/keep-frank.log")"
t_sess_wait keep-heidi 30 || t_bail "heidi's keeper did not start: $(cat "$T_TMP/keep-heidi.log")"
n_tool "$heidi"
n_inside "$heidi" || t_bail "no eth0 address in heidi's paddock"
h_addr=$N_ADDR h_peer=$N_PEER addr6[$heidi]=$N_ADDR6 peer6[$heidi]=$N_PEER6
n_inside "$frank" || t_bail "no eth0 address in frank's paddock"
f_addr=$N_ADDR f_peer=$N_PEER addr6[$frank]=$N_ADDR6 peer6[$frank]=$N_PEER6
t_ok "DNS, stub resolv.conf (127.0.0.53) on the host: $N_UP_NAME resolves" \
	n_probe "$frank" resolve "$N_UP_NAME"
t_is "... to the upstream's address" "$N_UP_SVC" "$T_OUT"
t_ok "... and TCP by name" n_probe "$frank" tcp "$N_UP_NAME" 7
t_ok "the paddock's resolv.conf (stub host)" pt "$frank" "cat /etc/resolv.conf"
t_nok "... does not name the host's loopback (unreachable from a paddock)" \
	grep -Eq '^nameserver +127\.' <<<"$T_OUT"
t_ok "the host's /etc/resolv.conf still names its stub" grep -qx "nameserver $N_STUB" /etc/resolv.conf
t_ok "... and the paddock made before the change still resolves" n_probe "$alice" resolve "$N_UP_NAME"
t_ok "heidi (host_access none, stub host): her resolv.conf names her gateway" \
	pt "$heidi" "grep -qx 'nameserver $h_peer' /etc/resolv.conf"
n_probes "$heidi" "resolve $N_UP_NAME" "dns $h_peer $N_UP_NAME" "dns $N_UP_DNS $N_UP_NAME"
t_ok "... but the host's DNS stub is not hers to reach: $N_UP_NAME does not resolve" \
	n_shut "resolve $N_UP_NAME"
t_ok "... nor a query straight to her gateway's port 53" n_shut "dns $h_peer $N_UP_NAME"
t_ok "... while the upstream's own DNS server is (a control)" n_open "dns $N_UP_DNS $N_UP_NAME"
n_resolv plain

# --- the host ---------------------------------------------------------------------------------
# the host's 127.0.0.1-only service, in every host_access mode
for u in "$alice" "$carol" "$dave"; do
	for dst in 127.0.0.1 "${peer[$u]}" "$N_HOST_ADDR"; do
		t_nok "${u##*-}: the host's 127.0.0.1:$N_LO_PORT is not reachable at $dst" \
			n_probe "$u" tcp "$dst" "$N_LO_PORT"
	done
done
t_ok "control: the host reaches its 127.0.0.1:$N_LO_PORT" n_probe_host tcp 127.0.0.1 "$N_LO_PORT"
t_ok "control: ... and its [::1]:$N_LO_PORT" n_probe_host tcp ::1 "$N_LO_PORT"
# a service on 0.0.0.0 (a database, sshd): host_access
for u in "$alice" "$dave"; do
	for dst in "${peer[$u]}" "$N_HOST_ADDR"; do
		t_nok "${u##*-} (host_access $([ "$u" = "$dave" ] && echo none || echo dns)): the host's 0.0.0.0:$N_HOST_PORT at $dst is not reachable" \
			n_probe "$u" tcp "$dst" "$N_HOST_PORT"
	done
done
for dst in "${peer[$carol]}" "$N_HOST_ADDR"; do
	t_ok "carol (host_access all): the host's 0.0.0.0:$N_HOST_PORT at $dst is reachable" \
		n_probe "$carol" tcp "$dst" "$N_HOST_PORT"
done

# The rest of host_access, each user's probes at once (n_probes): the loopback-only
# service also over IPv6 and through the DNS stub's translation (frank and heidi: their
# pdk… has route_localnet); the [::] service, UDP, ping and ping -6, and a DNS server
# on the host's own address: none reaches nothing, dns only port 53, all everything.
# The host end's IPv6 link-local address stays shut in every mode (host_access goes by
# the paddock's own addresses, and link-local is none of them).
n__dnsmasq host-addr "" "$N_HOST_ADDR" --no-resolv "--server=$N_UP_DNS"
peer[$frank]=$f_peer peer[$heidi]=$h_peer
mode() { case $1 in "$carol") echo all ;; "$dave" | "$heidi") echo none ;; *) echo dns ;; esac; }
for u in "$alice" "$carol" "$dave" "$frank" "$heidi"; do
	m=$(mode "$u") shut=() open=()
	case $u in
	"$frank" | "$heidi") shut+=("tcp ${peer[$u]} $N_LO_PORT" "tcp $N_HOST_ADDR $N_LO_PORT") ;;
	esac
	if [ -n "${peer6[$u]:-}" ]; then
		shut+=("tcp ${peer6[$u]} $N_LO_PORT" "tcp $N_HOST_ADDR6 $N_LO_PORT")
		set -- "tcp ${peer6[$u]} $N_HOST_PORT" "tcp $N_HOST_ADDR6 $N_HOST_PORT" \
			"udp ${peer[$u]} $N_HOST_PORT" "udp $N_HOST_ADDR6 $N_HOST_PORT" \
			"ping ${peer[$u]}" "ping6 $N_HOST_ADDR6"
		if [ "$m" = all ]; then open+=("$@"); else shut+=("$@"); fi
	fi
	if [ "$m" = none ]; then shut+=("dns $N_HOST_ADDR $N_UP_NAME"); else open+=("dns $N_HOST_ADDR $N_UP_NAME"); fi
	# the host end's link-local address: not the paddock's global one, so in no mode
	ll=$(ip -6 -o addr show dev "$(n_host_if "${peer[$u]}")" scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	[ -n "$ll" ] || t_bail "no link-local address on the host end of ${u##*-}"
	t_ok "control: the host reaches its [::]:$N_HOST_PORT at $ll%$(n_host_if "${peer[$u]}")" \
		n_probe_host tcp "$ll%$(n_host_if "${peer[$u]}")" "$N_HOST_PORT"
	shut+=("tcp $ll%eth0 $N_HOST_PORT")
	n_probes "$u" "${shut[@]}" "${open[@]}"
	for p in "${shut[@]}"; do
		t_ok "${u##*-} (host_access $m): no answer to $p" n_shut "$p"
	done
	for p in "${open[@]}"; do
		t_ok "${u##*-} (host_access $m): an answer to $p" n_open "$p"
	done
done

# --- other tenants ----------------------------------------------------------------------------
lport=$(t_free_port) || t_bail "no free port"
t_sess_start listen-bob "$bob" "$N_PY ~/.net-tool.py listen 0.0.0.0 $lport >/dev/null 2>&1 &
$N_PY ~/.net-tool.py listen :: $lport >/dev/null 2>&1 &
sleep 0.5"
t_sess_start listen-alice "$alice" "$N_PY ~/.net-tool.py listen 0.0.0.0 $lport >/dev/null 2>&1 &
$N_PY ~/.net-tool.py listen :: $lport >/dev/null 2>&1 &
sleep 0.5"
t_sess_wait listen-bob 30 && t_sess_wait listen-alice 30 || t_bail "the listeners did not start"
t_ok "control: bob's listener answers him at $b_addr:$lport" n_probe "$bob" tcp "$b_addr" "$lport"
t_ok "control: alice's listener answers her at $a_addr:$lport" n_probe "$alice" tcp "$a_addr" "$lport"
t_nok "alice cannot reach bob's port ($b_addr:$lport)" n_probe "$alice" tcp "$b_addr" "$lport"
t_nok "bob cannot reach alice's port ($a_addr:$lport)" n_probe "$bob" tcp "$a_addr" "$lport"
t_nok "alice cannot ping bob" pt "$alice" "ping -n -c 1 -W 2 $b_addr"
t_nok "bob cannot ping alice" pt "$bob" "ping -n -c 1 -W 2 $a_addr"
t_nok "alice cannot reach bob's port through the host's end of bob's veth ($b_peer)" \
	n_probe "$alice" tcp "$b_peer" "$lport"
t_nok "carol (host_access all) cannot reach bob's port either" n_probe "$carol" tcp "$b_addr" "$lport"
t_ok "control: bob's IPv6 listener answers him at [$b_addr6]:$lport" n_probe "$bob" tcp "$b_addr6" "$lport"
t_ok "control: alice's IPv6 listener answers her at [$a_addr6]:$lport" n_probe "$alice" tcp "$a_addr6" "$lport"
n_probes "$alice" "tcp $b_addr6 $lport" "ping6 $b_addr6" "tcp $b_peer6 $lport"
t_ok "IPv6: alice cannot reach bob's port" n_shut "tcp $b_addr6 $lport"
t_ok "IPv6: alice cannot ping -6 bob" n_shut "ping6 $b_addr6"
t_ok "IPv6: alice cannot reach bob's port through the host's end of bob's veth ($b_peer6)" \
	n_shut "tcp $b_peer6 $lport"
n_probes "$bob" "tcp $a_addr6 $lport" "ping6 $a_addr6"
t_ok "IPv6: bob cannot reach alice's port" n_shut "tcp $a_addr6 $lport"
t_ok "IPv6: bob cannot ping -6 alice" n_shut "ping6 $a_addr6"
n_probes "$carol" "tcp $b_addr6 $lport"
t_ok "IPv6: carol (host_access all) cannot reach bob's port either" n_shut "tcp $b_addr6 $lport"

# --- egress -----------------------------------------------------------------------------------
t_ok "control: the host reaches the metadata service $N_META" n_probe_host http "$N_META" 80
for u in "$alice" "$carol" "$dave"; do
	t_nok "${u##*-}: $N_META (metadata, the built-in egress_deny) is not reachable" \
		n_probe "$u" http "$N_META" 80
done
# The other metadata services of the default (Alibaba's; AWS's and GCP's over IPv6): shut
# for the users under the default, open to dave, whose egress_deny replaces it.
for m in "${N_METAS[@]}"; do
	t_ok "control: the host reaches the metadata service $m" n_probe_host http "$m" 80
	for u in "$alice" "$carol"; do
		t_nok "${u##*-}: $m (metadata, the built-in egress_deny) is not reachable" \
			n_probe "$u" http "$m" 80
	done
	t_ok "dave: $m is (his egress_deny replaces the default)" n_probe "$dave" http "$m" 80
done
t_ok "control: alice reaches $N_UP_OTHER" n_probe "$alice" tcp "$N_UP_OTHER" 7
t_nok "dave: $N_UP_OTHER (his egress_deny) is not reachable" n_probe "$dave" tcp "$N_UP_OTHER" 7
t_ok "dave: ... but the rest of the upstream is" n_probe "$dave" tcp "$N_UP_SVC" 7
t_ok "erin (egress_allow $N_UP_SVC/32): $N_UP_SVC is reachable" n_probe "$erin" tcp "$N_UP_SVC" 7
t_nok "erin: $N_UP_OTHER is not" n_probe "$erin" tcp "$N_UP_OTHER" 7
t_nok "erin: nor UDP to the upstream's DNS server's address" n_probe "$erin" udp "$N_UP_DNS" 7
t_nok "erin: nor the metadata service" n_probe "$erin" http "$N_META" 80
t_nok "erin: nor the upstream over IPv6 (egress_allow names no IPv6 prefix)" \
	n_probe "$erin" tcp "$N_UP_SVC6" 7
t_ok "control: alice reaches [$N_UP_OTHER6]:7" n_probe "$alice" tcp "$N_UP_OTHER6" 7
t_nok "dave: $N_UP_OTHER6 (his egress_deny, IPv6) is not reachable" n_probe "$dave" tcp "$N_UP_OTHER6" 7
t_ok "dave: ... but the rest of the upstream over IPv6 is" n_probe "$dave" tcp "$N_UP_SVC6" 7

# --- one address per user, across clients -------------------------------------------------------
t_sshd_start paddock-test-nat
t_ok "sshd login of alice: eth0's address" t_ssh "$alice" "ip -4 -o addr show dev eth0"
t_like "... is the same $a_addr" " $a_addr/" "$T_OUT"
t_ok "sshd login of alice: TCP to the upstream by name" \
	t_ssh "$alice" "$N_PY ~/.net-tool.py tcp $N_UP_NAME 7"
t_ok "su login of alice meanwhile: the same address" n_inside_addr "$alice"
t_is "... $a_addr" "$a_addr" "$T_OUT"
t_ok "pamtester open+close of grace (first login, nat) succeeds" \
	t_pamtester paddock-test-nat "$grace" open_session close_session

# --- teardown ------------------------------------------------------------------------------------
t_sess_start keep-grace "$grace" true
t_sess_wait keep-grace 30 || t_bail "grace's keeper did not start"
n_inside "$grace" || t_bail "no eth0 address in grace's paddock"
g_addr=$N_ADDR g_if=$(n_host_if "$N_PEER") g_addr6=$N_ADDR6 g_peer6=$N_PEER6
g_net6=$("$N_PY" -c 'import ipaddress, sys; print(ipaddress.ip_interface(sys.argv[1] + "/64").network)' "$g_addr6")
t_like "grace has an address" '^10\.200\.' "$g_addr"
t_like "... an IPv6 address" '^fd42:7:7:' "$g_addr6"
t_like "... and a host interface" '^pdk' "$g_if"
t_sess_end keep-grace
grace_uid=$(id -u "$grace")
t_ok "grace's last session ended: her paddock goes" t_wait_for 20 t_paddock_gone "$grace_uid"
t_nok "... no interface $g_if" ip link show dev "$g_if"
t_is "... nothing of $g_addr on the host (address, route, nftables)" "" "$(n_host_trace "$g_addr")"
t_is "... nothing of $g_addr6, $g_peer6 or $g_net6 (address, route, nftables)" "" \
	"$(n_host_trace "$g_addr6" "$g_peer6" "$g_net6")"
t_nok "... no netns name paddock-$grace" sh -c "ip netns list | grep -qw 'paddock-$grace'"

for n in keep-"$alice" keep-"$bob" keep-"$carol" keep-"$dave" keep-"$erin" keep-frank \
	keep-heidi listen-bob listen-alice; do
	t_sess_end "$n"
done
t_sshd_stop
for u in "$alice" "$bob" "$carol" "$dave" "$erin" "$frank" "$heidi"; do
	uid=$(id -u "$u")
	t_wait_for 20 t_paddock_gone "$uid" || t_diag "the paddock of $u is still there"
done
t_is "all sessions ended: no pdk interface is left" "" "$(n_pdk_links)"
left=
for a in "${addr[@]}" "$f_addr" "$h_addr" "${addr6[@]}" "${peer6[@]}"; do
	left+=$(n_host_trace "$a")
done
t_is "... no address, route or nftables element of any of them" "" "$left"
t_is "... no paddock-* netns name" "" "$(ip netns list | grep '^paddock-')"
t_ok "... the upstream link and the host's services are as before" n_probe_host tcp "$N_UP_SVC" 7
t_done
