#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/nat-pool.sh: network = nat, the pool, the policy and the hook, through real
# su logins in the nest's own network namespace (netlib.sh):
#   * a bad nat_pool, nat_pool6, egress CIDR, host_access, dns or network_hook is refused
#     by paddock check with file:line, and a login under such a policy is denied;
#   * paddock check --system refuses a nat_pool that overlaps an address or a route of
#     the host, naming file:line;
#   * network_hook runs after the veth exists, with PADDOCK_USER, PADDOCK_UID,
#     PADDOCK_ADDR, PADDOCK_HOST_IF and PADDOCK_NETNS; a failing hook denies the login
#     and leaves no interface or address behind;
#   * 64 concurrent first logins of 64 users get 64 distinct addresses of the pool;
#   * a full pool (a /24: 128 paddocks) denies the next first login with a clear reason,
#     audited; a freed address is given again; the start records carry addr=;
#   * a holder killed with SIGKILL: paddock stop collects its address, elements, netns name;
#   * after all of it, nothing of any paddock is left on the host.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent
t_audit_listen "$T_TMP/audit.log"

POOL=10.213.7.0/24
SVC=paddock-test-natpool
HOOKS=/run/pdkt-hooks-$T_TAG     # root's, 0755, in the nest's /run (never under /tmp)
install -d -m 0755 "$HOOKS" || t_bail "mkdir $HOOKS"

# --- refused policies ------------------------------------------------------------------------
# bad_policy DESC LINE_NO KEY CONTENT: paddock check refuses it, naming file:LINE_NO and
# KEY, for its value (not as an unknown key).
bad_policy() {
	local f=$T_TMP/policy/bad.conf
	t_policy bad.conf "$4"
	t_rc "refused: $1" 1 "$T_HELPER" check "$f"
	t_like "... names $f:$2 and $3" "$f:$2: .*$3" "$T_OUT$T_ERR"
	t_nok "... as a bad value, not an unknown key" grep -q "unknown key" <<<"$T_OUT$T_ERR"
}
g=$(t_policy_global)   # 3 lines
bad_policy "nat_pool without a prefix" 4 nat_pool "$g
nat_pool = 10.213.7.0"
bad_policy "nat_pool with host bits" 4 nat_pool "$g
nat_pool = 10.213.7.1/24"
bad_policy "nat_pool smaller than /24" 4 nat_pool "$g
nat_pool = 10.213.7.0/25"
bad_policy "nat_pool not an address" 4 nat_pool "$g
nat_pool = 10.300.0.0/16"
bad_policy "nat_pool in 127/8" 4 nat_pool "$g
nat_pool = 127.200.0.0/16"
bad_policy "nat_pool6 not a ULA" 4 nat_pool6 "$g
nat_pool6 = 2001:db8::/48"
bad_policy "dns not an address" 4 dns "$g
dns = resolver.example"
bad_policy "network_hook not absolute" 4 network_hook "$g
network_hook = hooks/net"
bad_policy "network = natt" 5 network "$g
[default]
network = natt"
bad_policy "egress_deny a bad CIDR" 6 egress_deny "$g
[default]
network = nat
egress_deny = 10.0.0.0/33"
bad_policy "egress_allow not a CIDR" 6 egress_allow "$g
[default]
network = nat
egress_allow = everywhere"
bad_policy "host_access unknown" 6 host_access "$g
[default]
network = nat
host_access = some"
t_user vic; vic=$T_USER
t_pam_service "$SVC-bad" "$(t_pam_paddock_stack "$T_TMP/policy/bad.conf" "helper=$T_HELPER")"
t_nok "a login under the refused policy is denied" t_pamtester "$SVC-bad" "$vic" open_session

# --- check --system: a pool that overlaps the host's addresses or routes ---------------------------
ip link add tdum0 type veth peer name tdum1 && ip addr add 10.77.1.1/16 dev tdum0 && ip link set tdum0 up &&
	ip route add blackhole 10.88.0.0/16 || t_bail "cannot add the host's address and route"
for pool in 10.77.0.0/16 10.88.4.0/24; do
	t_policy overlap.conf "$g
nat_pool = $pool
[default]
network = nat"
	t_rc "check --system: nat_pool $pool overlaps the host's network: refused" 1 \
		n_check_system "$T_POLICY"
	t_like "... names $T_POLICY:4 and nat_pool" "$T_POLICY:4: .*nat_pool" "$T_OUT$T_ERR"
done
t_policy overlap.conf "$g
nat_pool = $POOL
[default]
network = nat"
t_ok "check --system: a free nat_pool passes" n_check_system "$T_POLICY"
t_nok "... (no overlap reported)" grep -q "$T_POLICY:4:" <<<"$T_OUT$T_ERR"
ip link del tdum0 && ip route del blackhole 10.88.0.0/16

# --- network_hook ------------------------------------------------------------------------------
cat >"$HOOKS/good" <<EOF
#!/bin/sh
# the environment, and whether the host's end exists yet
{ env | grep '^PADDOCK_' | sort; ip -o link show dev "\$PADDOCK_HOST_IF" >/dev/null 2>&1 && echo HOST_IF_EXISTS; } >"$HOOKS/good.out"
EOF
printf '#!/bin/sh\necho "the site says no" >&2\nexit 3\n' >"$HOOKS/fail"
chmod 0755 "$HOOKS/good" "$HOOKS/fail"
t_user hank; hank=$T_USER hank_uid=$T_UID
t_policy hook.conf "$g
nat_pool = $POOL
network_hook = $HOOKS/good
linger = 0
[default]
network = nat
cpu_quota = max"
t_pam_service "$SVC-hook" "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
t_sess_start hook-hank "$hank" "ip -4 -o addr show dev eth0"
t_ok "a login with a network_hook opens" t_sess_wait hook-hank 30
n_inside "$hank" || t_bail "no eth0 address in hank's paddock"
h_addr=$N_ADDR h_if=$(n_host_if "$N_PEER")
t_ok "the hook ran" test -s "$HOOKS/good.out"
t_is "... with the user, uid, address, host interface and netns in its environment" \
	"PADDOCK_ADDR=$h_addr
PADDOCK_HOST_IF=$h_if
PADDOCK_NETNS=OK
PADDOCK_UID=$hank_uid
PADDOCK_USER=$hank
HOST_IF_EXISTS" "$(sed -E 's|^PADDOCK_NETNS=/.+|PADDOCK_NETNS=OK|' "$HOOKS/good.out")"
netns_path=$(sed -n 's/^PADDOCK_NETNS=//p' "$HOOKS/good.out")
t_ok "PADDOCK_NETNS is the paddock's network namespace" test \
	"$(stat -L -c %i "$netns_path" 2>&1)" = "$(stat -L -c %i "/proc/$(pgrep -f "^paddock holder --uid $hank_uid " | head -n1)/ns/net" 2>&1)"
t_sess_end hook-hank
t_wait_for 20 t_paddock_gone "$hank_uid" || t_diag "hank's paddock is still there"

sed -i "s|^network_hook = .*|network_hook = $HOOKS/fail|" "$T_POLICY"
t_nok "a failing network_hook denies the login" t_pamtester "$SVC-hook" "$hank" open_session
t_ok "... nothing is left of it: no paddock" t_wait_for 10 t_paddock_gone "$hank_uid"
t_is "... no pdk interface" "" "$(n_pdk_links)"
t_is "... no address of the pool on the host" "" "$(ip -4 -o addr | grep -F ' 10.213.7.')"
fail_rec=$(grep -F 'virt=paddock ' "$T_TMP/audit.log" | grep -F " id=$hank_uid " | grep -F 'res=failed' | tail -n1)
t_like "... audited as a failure" 'res=failed' "$fail_rec"
cp "$HOOKS/fail" "$HOOKS/writable" && chmod 0757 "$HOOKS/writable"
sed -i "s|^network_hook = .*|network_hook = $HOOKS/writable|" "$T_POLICY"
t_nok "a network_hook others may write is refused: the login is denied" \
	t_pamtester "$SVC-hook" "$hank" open_session
sed -i "s|^network_hook = .*|network_hook = $HOOKS/missing|" "$T_POLICY"
t_nok "a network_hook that does not exist: the login is denied" \
	t_pamtester "$SVC-hook" "$hank" open_session
t_ok "... nothing is left" t_wait_for 10 t_paddock_gone "$hank_uid"

# --- 64 concurrent first logins, then a full pool -----------------------------------------------
t_policy pool.conf "$g
nat_pool = $POOL
linger = 0
[default]
network = nat
cpu_quota = max
memory_max = 64M"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")"
# 129 accounts of the nest alone (useradd would take minutes on a busy machine)
t_private_users "pdkt$T_TAG-p" 129 / /bin/bash
t_cleanup_add umount -l /etc
users=() uids=()
while read -r name uid; do users+=("$name") uids+=("$uid"); done <"$T_TMP/pdkt$T_TAG-p-users"
declare -A pool_pid=()
# pool_gone UID: the paddock ended: no state, no holder.  (Its empty cgroup may stay for
# the next login when su, the caller in it, leaves after the holder's wait: the product
# says so; teardown.sh tests the cgroups.)
pool_gone() { [ ! -e "/run/paddock/$1" ] && ! pgrep -f "^paddock holder --uid $1 " >/dev/null; }
# pool_start I: a session of users[I] that prints its address and stays (pool_end I).
pool_start() {
	t_bg su - "${users[$1]}" -c 'echo "ADDR=$(ip -4 -o addr show dev eth0 | awk "{ print \$4 }")"; exec sleep 900' \
		>"$T_TMP/pool-$1.log" 2>&1
	pool_pid[$1]=$T_BG_PID
}
# pool_end I...: end those sessions (su closes each on SIGTERM), then wait for the su's.
pool_end() {
	local i
	for i in "$@"; do kill -TERM -- "-${pool_pid[$i]}" 2>/dev/null; done
	for i in "$@"; do t_wait_for 30 t__gone "${pool_pid[$i]}" || t_kill "${pool_pid[$i]}"; done
}
# batch_start FROM TO: start the sessions of users[FROM..TO] all at once.
# batch_wait FROM TO: all of them printed their address (for t_ok; says which did not).
batch_start() {
	local i
	for ((i = $1; i <= $2; i++)); do pool_start "$i"; done
}
batch_wait() {
	local i bad=0
	for ((i = $1; i <= $2; i++)); do
		t_wait_for 180 grep -q '^ADDR=.' "$T_TMP/pool-$i.log" ||
			{ echo "session $i: $(tail -n 3 "$T_TMP/pool-$i.log")"; bad=1; }
	done
	return "$bad"
}
addrs() { cat "$T_TMP"/pool-*.log 2>/dev/null | sed -n 's/^ADDR=//p'; }
batch_start 0 63
t_ok "64 first logins of 64 users at once all open" batch_wait 0 63
t_is "... 64 addresses" 64 "$(addrs | grep -c .)"
t_is "... all distinct" 64 "$(addrs | sort -u | grep -c .)"
t_ok "... each the odd end of a /31 in $POOL" "$N_PY" -c '
import ipaddress, sys
pool = ipaddress.ip_network(sys.argv[1])
for line in sys.stdin.read().split():
    a = ipaddress.ip_interface(line)
    assert a.ip in pool and a.network.prefixlen == 31 and int(a.ip) % 2 == 1, line' "$POOL" <<<"$(addrs)"
batch_start 64 127
t_ok "the other 64 of the /24's 128 /31s" batch_wait 64 127
t_is "... 128 live paddocks, 128 distinct addresses" 128 "$(addrs | sort -u | grep -c .)"
t_is "... 128 pdk interfaces on the host" 128 "$(n_pdk_links | grep -c .)"
last=${users[128]} last_uid=${uids[128]}
t_nok "the pool is full: the 129th first login is denied" su - "$last" -c true
t_ok "... audited: a failed start of that user" \
	t_wait_for 5 sh -c "grep -F 'virt=paddock ' '$T_TMP/audit.log' | grep -F ' id=$last_uid ' | grep -q 'res=failed'"
rec=$(grep -F 'virt=paddock ' "$T_TMP/audit.log" | grep -F " id=$last_uid " | grep 'res=failed' | tail -n1)
[ -n "$rec" ] || t_diag "records of uid $last_uid: $(grep -F " id=$last_uid " "$T_TMP/audit.log")"
words=$(n_audit_words "$rec")
t_like "... the reason names the pool" '(nat_pool|pool).*(full|exhausted|no free)|(full|exhausted|no free).*(nat_pool|pool)' "$words"
t_is "... and no paddock of that user" "" "$(ls -d "/run/paddock/$last_uid" 2>/dev/null)"
first_addr=$(sed -n 's/^ADDR=//p' "$T_TMP/pool-0.log")
pool_end 0
t_ok "one paddock ends (no state, no holder)" t_wait_for 60 pool_gone "${uids[0]}"
pool_start 128
t_ok "... the next first login gets its address" batch_wait 128 128
t_is "... the freed one" "$first_addr" "$(sed -n 's/^ADDR=//p' "$T_TMP/pool-128.log")"
start_rec=$(grep -F 'virt=paddock op=start' "$T_TMP/audit.log" | grep -F " id=$last_uid " | grep 'res=success' | tail -n1)
t_like "the start record carries the address" " addr=${first_addr%/*} " "$start_rec"

# A holder killed (SIGKILL: no teardown, no paddock-net down): paddock stop collects it all.
k_uid=${uids[1]} k_addr=$(sed -n 's/^ADDR=//p' "$T_TMP/pool-1.log")
k_addr=${k_addr%/*}
k_pid=$(pgrep -f "^paddock holder --uid $k_uid " | head -n1)
t_ok "a holder killed with SIGKILL" kill -KILL "${k_pid:-none}"
t_wait_for 20 t__gone "${k_pid:-0}"
t_ok "... paddock stop collects its paddock" "$T_HELPER" stop --conf "$T_POLICY" "${users[1]}"
t_ok "... no state, no holder" t_wait_for 20 pool_gone "$k_uid"
t_is "... no element of its address in the nftables table" "" \
	"$(nft list table inet paddock 2>/dev/null | grep -F -w "$k_addr")"
t_is "... no netns name" "" "$(ls /run/netns 2>/dev/null | grep -F -x -e "paddock-${users[1]}")"
t_is "... no pdk interface of it" "" "$(n_pdk_links | grep -F -x "pdk$k_uid")"

pool_end $(seq 1 128)
for u in "${uids[@]}"; do
	t_wait_for 20 pool_gone "$u" || t_diag "the paddock of uid $u is still there"
done
t_is "all ended: no pdk interface is left" "" "$(n_pdk_links)"
t_is "... no address or route of the pool" "" "$(ip -4 -o addr | grep -F ' 10.213.7.'; ip route | grep -F '10.213.7.')"
t_is "... no element of the pool in the nftables table" "" "$(nft list table inet paddock 2>/dev/null | grep -F '10.213.7.')"
t_is "... no paddock-* netns name" "" "$(ip netns list | grep '^paddock-')"
t_done
