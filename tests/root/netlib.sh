# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2015: "a && b || t_bail" is meant (t_bail if any step fails).
# SC2034: N_* globals are set for the scripts that source this file.
# shellcheck disable=SC2015,SC2034
#
# tests/root/netlib.sh: a small internet of the test's own for network = nat.  Source it
# after lib.sh and t_nest:
#
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/netlib.sh"
#     t_nest "$@"
#     n_setup                      # the host and the upstream, services, resolv.conf
#     n_probe "$alice" tcp "$N_UP_SVC" 7
#
# The host is the nest's own network namespace (t_nest gives every run one): su, sshd
# and pamtester run there, so whatever paddock does to "the host's" network (the pdk…
# ends of veths, addresses, the inet paddock table, forwarding, route_localnet) happens
# in it and vanishes with the run.  The upstream is a second namespace, "ip netns"
# N_UP_NS, behind a veth (tnup0 on the host, eth0 there), and stands for the internet:
#
#   host (nest netns)                          upstream (N_UP_NS)
#   lo 127.0.0.1, ::1: tcp-echo N_LO_PORT      eth0 198.51.100.2/24 (N_UP_ADDR)
#   lo 127.0.0.53: dnsmasq stub (n_resolv stub)     2001:db8:100::2/64 (N_UP_ADDR6)
#   0.0.0.0, [::]: tcp-echo N_HOST_PORT,       lo 203.0.113.10: tcp-echo 7, udp-echo 7,
#     udp-echo N_HOST_PORT                        whoami 8, http 80, name N_UP_NAME
#   tnup0 198.51.100.1/24 (N_HOST_ADDR) ------ lo 2001:db8:113::10 (N_UP_SVC6): tcp-echo 7,
#     2001:db8:100::1/64 (N_HOST_ADDR6)           udp-echo 7, whoami 8
#   default routes via the upstream            lo 203.0.113.53: dnsmasq (N_UP_DNS)
#                                              lo 203.0.113.66, 2001:db8:113::66: tcp-echo 7
#                                                 (N_UP_OTHER, N_UP_OTHER6)
#                                              lo 169.254.169.254: http 80 (N_META)
#                                              lo 100.100.100.200, fd00:ec2::254,
#                                                 fd20:ce::254: http 80 (N_METAS)
#
# Only documentation ranges (RFC 5737, RFC 3849) and link-local are used, they exist
# only in these namespaces, and the upstream has no route back to nat_pool or to any
# nat_pool6: a reply reaches a paddock only if the host masqueraded it.  No packet leaves the test's namespaces.  The host's
# /etc/resolv.conf is a bind mount (in the nest's mount namespace) of a file the test
# writes: n_resolv plain (names N_UP_DNS) or stub (names 127.0.0.53, a dnsmasq on the
# host forwarding to N_UP_DNS, as systemd-resolved's stub does on Ubuntu).

N_UP_NS=                   # the upstream's ip netns name (n_setup)
N_V6=0                     # 1 when n_setup made the IPv6 half (the kernel has IPv6)
N_HOST_IF=tnup0            # the host's end of the upstream link
N_HOST_ADDR=198.51.100.1   # the host's address on it
N_UP_ADDR=198.51.100.2     # the upstream's, the host's default gateway
N_UP_SVC=203.0.113.10      # upstream services: tcp-echo 7, udp-echo 7, whoami 8, http 80
N_UP_DNS=203.0.113.53      # the upstream's DNS server (dnsmasq)
N_UP_OTHER=203.0.113.66    # another upstream address (tcp-echo 7): egress rules' target
N_HOST_ADDR6=2001:db8:100::1   # the host's IPv6 address on the upstream link
N_UP_ADDR6=2001:db8:100::2     # the upstream's, the host's IPv6 default gateway
N_UP_SVC6=2001:db8:113::10     # upstream services over IPv6: tcp-echo 7, udp-echo 7, whoami 8
N_UP_OTHER6=2001:db8:113::66   # another upstream IPv6 address (tcp-echo 7)
N_UP_NAME=mirror.paddock.test  # resolves to N_UP_SVC at N_UP_DNS
N_META=169.254.169.254     # a "cloud metadata" http service in the upstream
# the other metadata services of the built-in egress_deny, beside N_META: Alibaba's, then
# AWS's and GCP's over IPv6 (when N_V6 is 1)
N_METAS=(100.100.100.200)
N_STUB=127.0.0.53          # the host's loopback DNS stub (n_resolv stub)
N_LO_PORT=                 # the host's 127.0.0.1-only tcp-echo (n_setup)
N_HOST_PORT=               # the host's 0.0.0.0 tcp-echo, "a database" (n_setup)
N_TOOL=$T_LIB_DIR/net-tool.py
N_PY=/usr/bin/python3      # as the user inside a paddock (not a pyenv shim of root's)
N_ADDR="" N_PEER=""        # n_inside: eth0's address and the default gateway inside
N_ADDR6="" N_PEER6=""      # n_inside: the same for IPv6 (empty without nat_pool6)
declare -A N__TOOL_IN=()   # users whose home holds a copy of net-tool.py

# n_setup: build the host side, the upstream and its services, start the services,
# resolv.conf "plain".  Any failure is a "Bail out!"; t_nest's cleanup undoes it all.
n_setup() {
	t_nested || t_bail "n_setup only inside t_nest"
	local p
	for p in ip dnsmasq nft "$N_PY" ping; do
		command -v "$p" >/dev/null || t_bail "$p missing: make deps installs it"
	done
	[ -z "$N_UP_NS" ] || t_bail "n_setup called twice"
	N_UP_NS=pdkt-up-$T_TAG
	ip netns add "$N_UP_NS" || t_bail "ip netns add $N_UP_NS"
	t_cleanup_add ip netns del "$N_UP_NS"
	ip link add "$N_HOST_IF" type veth peer name eth0 netns "$N_UP_NS" &&
		ip addr add "$N_HOST_ADDR/24" dev "$N_HOST_IF" && ip link set "$N_HOST_IF" up &&
		ip route add default via "$N_UP_ADDR" ||
		t_bail "cannot make the host's link to the upstream"
	n_up ip link set lo up && n_up ip addr add "$N_UP_ADDR/24" dev eth0 &&
		n_up ip link set eth0 up || t_bail "cannot configure the upstream's link"
	for p in "$N_UP_SVC" "$N_UP_DNS" "$N_UP_OTHER" "$N_META" "${N_METAS[@]}"; do
		n_up ip addr add "$p/32" dev lo || t_bail "cannot add $p in the upstream"
	done
	# a control: the upstream cannot route to any nat_pool (replies need masquerade)
	n_up ip route get 10.200.0.1 >/dev/null 2>&1 && t_bail "the upstream has a route to 10.200.0.0/16"
	N_LO_PORT=$(t_free_port) && N_HOST_PORT=$(t_free_port) &&
		[ "$N_LO_PORT" != "$N_HOST_PORT" ] || t_bail "no free ports"
	# IPv6, unless the kernel has none (ipv6.disable=1): the tests that need it say so
	local s6=() h6=()
	if [ -e /proc/sys/net/ipv6 ]; then
		N_V6=1
		ip -6 addr add "$N_HOST_ADDR6/64" dev "$N_HOST_IF" nodad &&
			ip -6 route add default via "$N_UP_ADDR6" &&
			n_up ip -6 addr add "$N_UP_ADDR6/64" dev eth0 nodad &&
			n_up ip -6 addr add "$N_UP_SVC6/128" dev lo nodad &&
			n_up ip -6 addr add "$N_UP_OTHER6/128" dev lo nodad ||
			t_bail "cannot make the IPv6 half of the upstream"
		n_up ip -6 route get fd00::1 >/dev/null 2>&1 && t_bail "the upstream has a route to fc00::/7"
		N_METAS+=(fd00:ec2::254 fd20:ce::254)
		for p in fd00:ec2::254 fd20:ce::254; do
			n_up ip -6 addr add "$p/128" dev lo nodad || t_bail "cannot add $p in the upstream"
		done
		s6=("tcp-echo:[$N_UP_SVC6]:7" "udp-echo:[$N_UP_SVC6]:7" "whoami:[$N_UP_SVC6]:8"
			"tcp-echo:[$N_UP_OTHER6]:7")
		h6=("tcp-echo:[::1]:$N_LO_PORT" "tcp-echo:[::]:$N_HOST_PORT" "udp-echo:[::]:$N_HOST_PORT")
	fi

	n__serve upstream "$N_UP_NS" "tcp-echo:$N_UP_SVC:7" "udp-echo:$N_UP_SVC:7" \
		"whoami:$N_UP_SVC:8" "http:$N_UP_SVC:80" "tcp-echo:$N_UP_OTHER:7" "${s6[@]}"
	local m=() a
	for a in "${N_METAS[@]}"; do
		case $a in *:*) m+=("http:[$a]:80") ;; *) m+=("http:$a:80") ;; esac
	done
	n__serve metadata "$N_UP_NS" "http:$N_META:80" "${m[@]}"
	n__dnsmasq upstream "$N_UP_NS" "$N_UP_DNS" "--address=/$N_UP_NAME/$N_UP_SVC"

	n__serve host "" "tcp-echo:127.0.0.1:$N_LO_PORT" "tcp-echo:0.0.0.0:$N_HOST_PORT" \
		"udp-echo:0.0.0.0:$N_HOST_PORT" "${h6[@]}"

	# the host's resolv.conf, bound over /etc/resolv.conf in the nest only
	install -m 0644 /dev/null "$T_TMP/resolv.conf" &&
		mount --bind "$T_TMP/resolv.conf" /etc/resolv.conf ||
		t_bail "cannot bind a resolv.conf of our own over /etc/resolv.conf"
	t_cleanup_add umount /etc/resolv.conf
	n_resolv plain
	n_probe_host tcp "$N_UP_SVC" 7 >/dev/null || t_bail "the host cannot reach the upstream"
	[ "$N_V6" = 0 ] || n_probe_host tcp "$N_UP_SVC6" 7 >/dev/null ||
		t_bail "the host cannot reach the upstream over IPv6"
	t_diag "upstream $N_UP_NS: $N_UP_SVC ($N_UP_NAME), dns $N_UP_DNS; host $N_HOST_ADDR," \
		"127.0.0.1:$N_LO_PORT, 0.0.0.0:$N_HOST_PORT"
}

# n_up CMD...: run CMD in the upstream's network namespace.
n_up() { ip netns exec "$N_UP_NS" "$@"; }

# n__serve NAME NETNS SPEC...: start net-tool.py serve (in NETNS, or in the host's when
# empty) with t_bg and wait until it listens.
n__serve() {
	local name=$1 ns=$2 ready=$T_TMP/serve-$1.ready
	shift 2
	if [ -n "$ns" ]; then
		NET_TOOL_NAME=$name t_bg ip netns exec "$ns" "$N_PY" "$N_TOOL" serve "$ready" "$@" \
			>"$T_TMP/serve-$name.log" 2>&1
	else
		NET_TOOL_NAME=$name t_bg "$N_PY" "$N_TOOL" serve "$ready" "$@" >"$T_TMP/serve-$name.log" 2>&1
	fi
	t_wait_for 10 test -s "$ready" || t_bail "services $name did not start: $(cat "$T_TMP/serve-$name.log")"
}

# n__dnsmasq NAME NETNS ADDR OPTIONS...: a dnsmasq on ADDR:53 (in NETNS, or the host's
# when empty), no configuration file, no /etc/hosts, queries logged to
# $T_TMP/dns-NAME.log.
n__dnsmasq() {
	local name=$1 ns=$2 addr=$3 cmd=()
	shift 3
	[ -n "$ns" ] && cmd=(ip netns exec "$ns")
	t_bg "${cmd[@]}" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-hosts \
		--bind-interfaces --listen-address="$addr" --port=53 --user=root \
		--pid-file="$T_TMP/dns-$name.pid" --log-queries --log-facility="$T_TMP/dns-$name.log" \
		"$@" >"$T_TMP/dns-$name.out" 2>&1
	t_wait_for 10 "${cmd[@]}" ss -Hlun "sport = :53 and src $addr" ||
		t_bail "dnsmasq $name did not start: $(cat "$T_TMP/dns-$name.out" "$T_TMP/dns-$name.log" 2>/dev/null)"
	# ss shows the socket before dnsmasq answers: wait for a real answer
	t_wait_for 10 n__dns_ok "${cmd[@]}" "$addr" ||
		t_bail "dnsmasq $name does not answer: $(cat "$T_TMP/dns-$name.log" 2>/dev/null)"
}

# n__dns_ok [NETNS-CMD...] ADDR: one A query for N_UP_NAME to ADDR gets N_UP_SVC.
n__dns_ok() {
	local addr=${*: -1}
	"${@:1:$#-1}" "$N_PY" - "$addr" "$N_UP_NAME" "$N_UP_SVC" <<-'EOF'
		import socket, struct, sys
		srv, name, want = sys.argv[1:]
		q = struct.pack(">HHHHHH", 0x5044, 0x0100, 1, 0, 0, 0)
		q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
		q += struct.pack(">HH", 1, 1)
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.settimeout(2)
		s.sendto(q, (srv, 53))
		r = s.recv(4096)
		sys.exit(0 if r[:2] == q[:2] and socket.inet_aton(want) in r else 1)
	EOF
}

# n_resolv plain|stub: what the host's /etc/resolv.conf says.  plain: the upstream's
# DNS server.  stub: 127.0.0.53, a dnsmasq on the host's loopback forwarding to it
# (started on first use), as systemd-resolved writes it.  Paddocks made afterwards
# see the change; the file keeps its inode (the bind mount stays).
n_resolv() {
	case $1 in
	plain)
		printf '%s\n' "# written by tests/root/netlib.sh: the upstream's DNS server" \
			"nameserver $N_UP_DNS" >"$T_TMP/resolv.conf" ;;
	stub)
		if [ ! -s "$T_TMP/dns-stub.pid" ]; then
			n__dnsmasq stub "" "$N_STUB" --no-resolv "--server=$N_UP_DNS"
		fi
		printf '%s\n' "# written by tests/root/netlib.sh: a loopback stub, as systemd-resolved's" \
			"nameserver $N_STUB" "options edns0 trust-ad" "search ." >"$T_TMP/resolv.conf" ;;
	*) t_bail "n_resolv: plain or stub, not '$1'" ;;
	esac
}

# n_probe USER PROBE ARGS...: run net-tool.py PROBE ARGS as USER inside USER's paddock
# (su - USER -c).  For t_ok/t_nok; the probe's line is in T_OUT.
n_probe() {
	local user=$1 home
	shift
	if [ -z "${N__TOOL_IN[$user]:-}" ]; then
		home=$(getent passwd "$user" | cut -d: -f6)
		install -o "$user" -m 0755 "$N_TOOL" "$home/.net-tool.py" || return 1
		N__TOOL_IN[$user]=1
	fi
	su - "$user" -c "NET_TOOL_TIMEOUT=${NET_TOOL_TIMEOUT:-3} $N_PY ~/.net-tool.py $*"
}

# n_tool USER: copy net-tool.py into USER's home (~/.net-tool.py) for use from a shell
# command of one's own; n_probe does it on first use.
n_tool() {
	local home
	home=$(getent passwd "$1" | cut -d: -f6)
	install -o "$1" -m 0755 "$N_TOOL" "$home/.net-tool.py" || t_bail "cannot copy net-tool.py"
	N__TOOL_IN[$1]=1
}

# n_probes USER PROBE...: run every PROBE at once, as USER inside USER's paddock, in one
# login (su - USER): a net-tool.py probe ("tcp ADDR PORT", "udp ADDR PORT", "dns SERVER
# NAME", ...), "ping ADDR" or "ping6 ADDR".  Many checks of what must stay shut then
# wait for one timeout, not one each.  Each result goes to N_PROBE[PROBE] as "STATUS
# LINE"; read them with n_open and n_shut.
declare -A N_PROBE=()
n_probes() {
	local user=$1 out i
	shift
	[ -n "${N__TOOL_IN[$user]:-}" ] || n_tool "$user"
	# shellcheck disable=SC2016 # the command expands in the user's shell
	out=$(su - "$user" -c "T=${NET_TOOL_TIMEOUT:-3} PY=$N_PY"'
		i=0
		for p in "$@"; do
			i=$((i + 1))
			case $p in
			"ping "*) (ping -n -c 1 -W "$T" "${p#ping }" >/dev/null 2>&1; echo "$i $? PING") & ;;
			"ping6 "*) (ping -6 -n -c 1 -W "$T" "${p#ping6 }" >/dev/null 2>&1; echo "$i $? PING") & ;;
			*) (l=$(NET_TOOL_TIMEOUT=$T "$PY" ~/.net-tool.py $p 2>&1); echo "$i $? $l") & ;;
			esac
		done
		wait' n_probes "$@")
	for ((i = 1; i <= $#; i++)); do
		N_PROBE[${!i}]=$(awk -v i="$i" '$1 == i { $1 = ""; print substr($0, 2); exit }' <<<"$out")
	done
}

# n_open PROBE: the PROBE of the last n_probes got its answer (for t_ok; prints its line).
n_open() {
	local r=${N_PROBE[$1]:-}
	echo "${r#* }"
	[ "${r%% *}" = 0 ]
}

# n_shut PROBE: the PROBE of the last n_probes ran and got no answer, for the probe's own
# reason (a net-tool.py FAIL line, or ping's "no reply" status), not because it could
# not run (for t_ok; prints its line).
n_shut() {
	local r=${N_PROBE[$1]:-}
	echo "${r:-not probed}"
	[[ $r =~ ^1\ (FAIL|PING) ]]
}

# n_probe_host PROBE ARGS...: the same probe from the host, as root.
n_probe_host() { "$N_PY" "$N_TOOL" "$@"; }

# n_probe_up PROBE ARGS...: the same probe from the upstream.
n_probe_up() { n_up "$N_PY" "$N_TOOL" "$@"; }

# n_status_field USER FIELD: print FIELD (mode, host_if, address, peer, address6) of the
# "network" object of paddock status USER --json; fails when there is none.
n_status_field() {
	"$T_HELPER" status --json --conf "${T_POLICY:?t_policy first}" "$1" | "$N_PY" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, list):
    d = [e for e in d if e.get("user") == sys.argv[1] or str(e.get("uid")) == sys.argv[1]] or d
    d = d[0]
v = d["network"][sys.argv[2]]
print("" if v is None else v)' "$1" "$2"
}

# n_inside_addr USER: the IPv4 address of eth0 inside USER's paddock, as the user sees it.
n_inside_addr() {
	su - "$1" -c "ip -4 -o addr show dev eth0" | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# n_inside USER: set N_ADDR (eth0's IPv4 address) and N_PEER (the default gateway) as
# USER sees them inside the paddock, and N_ADDR6 and N_PEER6 for IPv6 (eth0's global
# address and the IPv6 default gateway, empty without nat_pool6); fails when N_ADDR or
# N_PEER is missing.
n_inside() {
	local out
	out=$(su - "$1" -c 'ip -o addr show dev eth0 scope global; ip -4 route show default;
		echo v6; ip -6 route show default')
	N_ADDR=$(awk '$3 == "inet" { sub(/\/.*/, "", $4); print $4; exit }' <<<"$out")
	N_PEER=$(sed -n '/^v6$/q; s/^default via \([^ ]*\) .*/\1/p' <<<"$out")
	N_ADDR6=$(awk '$3 == "inet6" { sub(/\/.*/, "", $4); print $4; exit }' <<<"$out")
	N_PEER6=$(sed -n '/^v6$/,$ s/^default via \([^ ]*\) .*/\1/p' <<<"$out")
	[ -n "$N_ADDR" ] && [ -n "$N_PEER" ]
}

# n_host_if PEER: the host's interface that holds the address PEER (IPv4 or IPv6).
n_host_if() {
	ip -o addr | awk -v a="$1" '{ split($4, x, "/") } x[1] == a { print $2; exit }'
}

# n_host_trace ADDR...: print what the host's network namespace still holds of paddock
# addresses or prefixes ADDR (IPv4 or IPv6: an interface address, a route, an nftables
# element); nothing when it is all gone.
n_host_trace() {
	local a
	for a in "$@"; do
		ip -o addr | awk -v a="$a" '{ split($4, x, "/") } x[1] == a || $4 == a { print "address: " $0 }'
		{ ip route; ip -6 route; } | grep -w -F "$a" | sed 's/^/route: /'
		nft list table inet paddock 2>/dev/null | grep -w -F "$a" | sed 's/^/nft: /'
	done
}

# n_pdk_links: the host's interfaces named pdk* (paddock's ends of veths), one a line.
n_pdk_links() {
	ip -o link | awk -F': ' '{ sub(/@.*/, "", $2) } $2 ~ /^pdk/ { print $2 }'
}

# n_audit_words RECORD: the fields of a paddock audit record's own text, one NAME=VALUE a
# line, hex-encoded values (audit's rule for values holding a space) decoded.
n_audit_words() {
	"$N_PY" -c '
import re, sys
body = sys.argv[1].split("msg=\x27", 1)[-1].rstrip("\x27")
for k, v in re.findall(r"(\S+?)=(\S*)", body):
    if re.fullmatch(r"(?:[0-9A-F]{2})+", v):
        try:
            d = bytes.fromhex(v).decode()
            v = d if d.isprintable() else v
        except UnicodeDecodeError:
            pass
    print("%s=%s" % (k, v))' "$1"
}

# n_check_system POLICY: paddock check --system against a clean PAM and sshd setup of
# the test's own (one common-session with pam_paddock, sshd with UsePAM yes), so that
# its exit status and output are about the policy and the host's network alone.
n_check_system() {
	local d=$T_TMP/system
	if [ ! -f "$d/ssh/sshd_config" ]; then
		mkdir -p "$d/pam.d" "$d/ssh" &&
			printf 'session required pam_unix.so\nsession required pam_paddock.so helper=%s\n' \
				"$T_HELPER" >"$d/pam.d/common-session" &&
			printf '@include common-session\n' >"$d/pam.d/sshd" &&
			ssh-keygen -q -t ed25519 -N '' -f "$d/ssh/hostkey" &&
			printf 'HostKey %s\nUsePAM yes\n' "$d/ssh/hostkey" >"$d/ssh/sshd_config" ||
			t_bail "cannot make the clean system for check --system"
	fi
	"$T_HELPER" check --system --pam-dir "$d/pam.d" --sshd-config "$d/ssh/sshd_config" "$1"
}
