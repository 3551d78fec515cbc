#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/nat-host.sh: network = nat on a host as Debian leaves it and on a Docker-like
# host, in the nest's own network namespace (netlib.sh), through real su logins:
#   * a fresh host (IPv4 and IPv6 forwarding off, no ruleset), nat_pool6 set: the user
#     reaches the upstream over both; a packet forwarded for a machine that is no paddock
#     (a LAN behind the host) is still dropped afterwards, IPv4 and IPv6, as it was
#     before; check --system shows the forwarding state;
#   * an iptables (iptables-nft) ruleset with FORWARD policy DROP, as Docker leaves it:
#     the paddocks' packets are dropped until the admin adds the two rules paddock.conf(5)
#     names; then the user reaches the upstream, the LAN stays dropped, metadata stays
#     shut, and paddock leaves the iptables ruleset as the admin wrote it;
#   * paddock stop --all removes the inet paddock table.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
n_setup
[ "$N_V6" = 1 ] || t_bail "the kernel has no IPv6 (ipv6.disable=1?): nat_pool6 cannot be tested"
command -v iptables >/dev/null || t_bail "iptables missing: make deps installs it"

# a fresh host: forwarding off (a new network namespace inherits the runner's), no ruleset
sysctl -q -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null ||
	t_bail "cannot switch forwarding off in the nest"
t_is "fresh host: no nftables ruleset" "" "$(nft list ruleset)"

# the LAN: a machine behind the host that is no paddock; the upstream routes back to it,
# so only the host's forwarding decides whether it gets through
LAN_NS=pdkt-lan-$T_TAG
ip netns add "$LAN_NS" || t_bail "ip netns add $LAN_NS"
t_cleanup_add ip netns del "$LAN_NS"
ip link add tlan0 type veth peer name eth0 netns "$LAN_NS" &&
	ip addr add 10.99.0.1/24 dev tlan0 && ip link set tlan0 up &&
	ip -n "$LAN_NS" link set lo up && ip -n "$LAN_NS" addr add 10.99.0.2/24 dev eth0 &&
	ip -n "$LAN_NS" link set eth0 up && ip -n "$LAN_NS" route add default via 10.99.0.1 &&
	n_up ip route add 10.99.0.0/24 via "$N_HOST_ADDR" &&
	ip addr add 2001:db8:99::1/64 dev tlan0 nodad &&
	ip -n "$LAN_NS" addr add 2001:db8:99::2/64 dev eth0 nodad &&
	ip -n "$LAN_NS" route add default via 2001:db8:99::1 &&
	n_up ip route add 2001:db8:99::/64 via "$N_HOST_ADDR6" || t_bail "cannot make the LAN"
lan() { NET_TOOL_TIMEOUT=2 ip netns exec "$LAN_NS" "$N_PY" "$N_TOOL" "$@"; }

t_nok "fresh host: the LAN's packet to the upstream is not forwarded" lan tcp "$N_UP_SVC" 7
sysctl -q -w net.ipv4.ip_forward=1
t_ok "control: with forwarding on and no rules it would get through" lan tcp "$N_UP_SVC" 7
sysctl -q -w net.ipv4.ip_forward=0
t_nok "fresh host: the LAN's IPv6 packet to the upstream is not forwarded" lan tcp "$N_UP_SVC6" 7
sysctl -q -w net.ipv6.conf.all.forwarding=1
t_ok "control: with IPv6 forwarding on and no rules it would get through" lan tcp "$N_UP_SVC6" 7
sysctl -q -w net.ipv6.conf.all.forwarding=0

t_user alice; alice=$T_USER
t_user bob; bob=$T_USER
t_policy nat-host.conf "$(t_policy_global)
nat_pool6 = fd42:8:8::/48
linger = 0
[default]
network = nat
cpu_quota = max"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
t_sess_start keep-a "$alice" true
t_ok "fresh host: alice's first login opens" t_sess_wait keep-a 30
t_ok "fresh host: alice reaches the upstream (TCP)" n_probe "$alice" tcp "$N_UP_SVC" 7
t_ok "fresh host: ... and by name" n_probe "$alice" tcp "$N_UP_NAME" 7
t_ok "fresh host: ... and over IPv6" n_probe "$alice" tcp "$N_UP_SVC6" 7
t_diag "forwarding after the login: IPv4 $(sysctl -n net.ipv4.ip_forward)," \
	"IPv6 $(sysctl -n net.ipv6.conf.all.forwarding)"
t_nok "fresh host: the LAN's packet is still not forwarded" lan tcp "$N_UP_SVC" 7
t_nok "... nor the LAN's ping" ip netns exec "$LAN_NS" ping -n -c 1 -W 2 "$N_UP_SVC"
t_nok "... nor the LAN's IPv6 packet" lan tcp "$N_UP_SVC6" 7
t_nok "... nor the LAN's ping -6" ip netns exec "$LAN_NS" ping -6 -n -c 1 -W 2 "$N_UP_SVC6"
t_ok "check --system passes on this host" n_check_system "$T_POLICY"
t_like "... and names the forwarding state" '[Ff]orward' "$T_OUT$T_ERR"
t_sess_end keep-a

# Docker's host: iptables-nft, FORWARD policy DROP, its own chains.  paddock.conf(5)
# names the two rules the admin adds (in DOCKER-USER); the test takes them from there.
iptables -P FORWARD DROP && iptables -N DOCKER-USER && iptables -A DOCKER-USER -j RETURN &&
	iptables -A FORWARD -j DOCKER-USER || t_bail "cannot write the iptables ruleset"
t_sess_start keep-b "$bob" true
t_ok "iptables FORWARD policy DROP: bob's first login opens" t_sess_wait keep-b 30
t_nok "... without the documented rules the policy drops bob's packets" n_probe "$bob" tcp "$N_UP_SVC" 7
mapfile -t rules < <(sed -n 's/\\-/-/g; s/^iptables -I DOCKER-USER /-I DOCKER-USER /p' "$T_ROOT/man/paddock.conf.5")
t_is "paddock.conf(5) names two iptables rules for DOCKER-USER" 2 "${#rules[@]}"
for r in "${rules[@]}"; do
	# shellcheck disable=SC2086 # the rule's words, split on purpose
	t_ok "the admin adds: iptables $r" iptables $r
done
before=$(iptables -S)
t_ok "with them: bob reaches the upstream (TCP)" n_probe "$bob" tcp "$N_UP_SVC" 7
t_ok "... UDP" n_probe "$bob" udp "$N_UP_SVC" 7
t_ok "... by name" n_probe "$bob" resolve "$N_UP_NAME"
t_nok "... the LAN's packet is still dropped" lan tcp "$N_UP_SVC" 7
t_nok "... and the metadata service stays shut" \
	n_probe "$bob" http "$N_META" 80
t_is "... the iptables ruleset is as the admin wrote it" "$before" "$(iptables -S)"
t_sess_end keep-b
t_ok "bob's paddock goes" t_wait_for 20 t_paddock_gone "$(id -u "$bob")"
t_is "... the iptables ruleset is still as the admin wrote it" "$before" "$(iptables -S)"

t_ok "paddock stop --all" "$T_HELPER" stop --all
t_nok "... the inet paddock table is gone" nft list table inet paddock
t_is "... no pdk interface is left" "" "$(n_pdk_links)"
t_is "... the iptables ruleset is untouched" "$before" "$(iptables -S)"
t_done
