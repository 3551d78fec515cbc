#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/metrics.sh: fleet observability against real paddocks of several users
# made by real "su -" logins through pam_paddock.so:
#   * paddock metrics: Prometheus's own promtool accepts the exposition; the series
#     hold the right values: a user OOM-killed once shows one kill, a user whose CPU
#     hog ran under a 20% quota shows throttled seconds > 0, sessions and limits are
#     the live ones, and the node's login counters count the logins started, joined,
#     exempt (root) and denied (a broken policy) in this nest since it began;
#   * --textfile DIR: DIR/paddock.prom written by a rename (no temporary left,
#     0644), served by a real prometheus-node-exporter (textfile collector only, on
#     127.0.0.1 of this nest, a free port): a scrape holds the same series;
#   * paddock status shows the OOM kill and the throttling (table and --json);
#   * paddock top --batch prints one frame with every user, in 80 columns; paddock
#     top on a real terminal (tmux, 80x24) draws the users, switches the sort on m and
#     quits on q.
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# SC1091: lib.sh is found at run time.
# SC2317: functions run from t_cleanup_add and t_ok look unreachable to shellcheck.
# shellcheck disable=SC2016,SC1091,SC2317
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need python3 python3
t__need promtool prometheus
t__need prometheus-node-exporter prometheus-node-exporter
t__need tmux tmux
t__need curl curl
P=$T_HELPER
PY=/usr/bin/python3           # the user cannot run root's pyenv shims
[ -x "$PY" ] || t_bail "$PY missing (python3 from Debian)"

t_cgroup_parent

t_policy metrics.conf "$(t_policy_global)
linger = 0

[default]
memory_max = 64M
memory_swap_max = 0
tasks_max = 64
cpu_quota = 20%"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"
# The same with pam_permit before it: a stack of ignoring modules only would deny root.
t_pam_service paddock-test-metrics "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER" |
	sed 's/^session .*/session  required   pam_permit.so\n&/')"
# A service whose policy file does not exist: every non-root session is denied.
t_pam_service paddock-test-metrics-broken \
	"$(t_pam_paddock_stack "$T_TMP/policy/missing.conf" helper="$T_HELPER")"

t_user alice
alice=$T_USER alice_uid=$T_UID
t_user bob
bob=$T_USER bob_uid=$T_UID
t_user carol
carol=$T_USER carol_uid=$T_UID

# metric NAME LABELS FILE: the value of the first sample of NAME that has every label of
# LABELS (label="value" pairs, comma separated, in any order: node_exporter sorts them).
metric() {
	awk -v n="$1" -v l="$2" 'BEGIN { k = split(l, want, ",") }
		index($1, n "{") == 1 { for (i = 1; i <= k; i++) if (!index($1, want[i])) next
			print $2; exit }' "$3"
}
counters() { "$P" metrics >"$T_TMP/c.prom" && cat "$T_TMP/c.prom"; }

# --- before any login: an empty node ------------------------------------------------------------
t_ok "metrics: runs on a node without a paddock" "$P" metrics
printf '%s\n' "$T_OUT" >"$T_TMP/empty.prom"
t_ok "metrics: promtool accepts the empty node's exposition" \
	sh -c 'promtool check metrics <"$1"' _ "$T_TMP/empty.prom"
t_is "metrics: ... paddock_paddocks 0" "0" "$(awk '$1 == "paddock_paddocks" { print $2 }' "$T_TMP/empty.prom")"
started0=$(metric paddock_logins_total 'result="started"' "$T_TMP/empty.prom")
joined0=$(metric paddock_logins_total 'result="joined"' "$T_TMP/empty.prom")
exempt0=$(metric paddock_logins_total 'result="exempt"' "$T_TMP/empty.prom")
denied0=$(metric paddock_logins_denied_total 'reason="policy"' "$T_TMP/empty.prom")

# --- live paddocks of three users -----------------------------------------------------------------
t_sess_start a-keep "$alice" 'echo a-up'
t_sess_start b-keep "$bob" 'echo b-up'
t_sess_start c-keep "$carol" 'echo c-up'
t_ok "alice's session is up" t_sess_wait a-keep
t_ok "bob's session is up" t_sess_wait b-keep
t_ok "carol's session is up" t_sess_wait c-keep

# alice: 200M of anonymous memory under memory_max 64M, OOM-killed once.
t_rc "alice: allocating 200M in a second session is SIGKILLed (su: 137)" 137 \
	timeout 60 su - "$alice" -c "exec $PY -c 'b = b\"\\x01\" * (200 << 20); print(len(b))'"
# bob: a 2 s busy loop under cpu_quota 20%, throttled.
t_ok "bob: a 2 s CPU hog runs in a second session" \
	timeout 30 su - "$bob" -c 'timeout 2 sh -c "while :; do :; done"; true'
# root: exempt by the built-in rule.
t_ok "root: a session of root is left alone (exempt)" \
	t_pamtester paddock-test-metrics root open_session close_session
# a denied login: the policy file is missing.
t_nok "carol: a session through a service with a missing policy is denied" \
	t_pamtester paddock-test-metrics-broken "$carol" open_session close_session

# --- paddock metrics --------------------------------------------------------------------------------
t_ok "metrics: runs with three live paddocks" "$P" metrics
printf '%s\n' "$T_OUT" >"$T_TMP/live.prom"
t_ok "metrics: promtool check metrics accepts the exposition" \
	sh -c 'promtool check metrics <"$1" 2>&1' _ "$T_TMP/live.prom"
t_diag "promtool: $T_OUT"
t_is "metrics: ... with no complaint at all" "" "$T_OUT"
t_is "metrics: paddock_paddocks 3" 3 "$(awk '$1 == "paddock_paddocks" { print $2 }' "$T_TMP/live.prom")"
t_ok "metrics: every family has HELP and TYPE before its samples, names paddock_*" \
	"$PY" - "$T_TMP/live.prom" <<'EOF'
import re, sys
seen, typed = set(), {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        seen.add(line.split()[2])
        continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        assert name.startswith("paddock_"), name
        assert kind in ("gauge", "counter"), line
        assert (kind == "counter") == name.endswith("_total"), line
        typed[name] = kind
        continue
    name = re.match(r"[a-z_]+", line).group(0)
    assert name in seen and name in typed, "sample before HELP/TYPE: " + line
EOF
uid_l() { printf 'user="%s",uid="%s"' "$1" "$2"; }
t_is "metrics: alice was OOM-killed once" 1 \
	"$(metric paddock_memory_oom_kills_total "$(uid_l "$alice" "$alice_uid")" "$T_TMP/live.prom")"
t_is "metrics: bob was never OOM-killed" 0 \
	"$(metric paddock_memory_oom_kills_total "$(uid_l "$bob" "$bob_uid")" "$T_TMP/live.prom")"
bob_thr=$(metric paddock_cpu_throttled_seconds_total "$(uid_l "$bob" "$bob_uid")" "$T_TMP/live.prom")
t_ok "metrics: bob's throttled seconds > 0 (${bob_thr:-none})" \
	"$PY" -c 'import sys; assert float(sys.argv[1]) > 0' "${bob_thr:-0}"
# cgroup v1 with cpuacct on its own (this host) or co-mounted with cpu, and v2: CPU time is known.
bob_cpu=$(metric paddock_cpu_usage_seconds_total "$(uid_l "$bob" "$bob_uid")" "$T_TMP/live.prom")
t_ok "metrics: bob's CPU time is counted: >= 0.1 s for a 2 s hog at 20% (${bob_cpu:-none})" \
	"$PY" -c 'import sys; assert float(sys.argv[1]) >= 0.1' "${bob_cpu:-0}"
t_like "metrics: ... as a counter with HELP and TYPE" \
	"# TYPE paddock_cpu_usage_seconds_total counter" "$(cat "$T_TMP/live.prom")"
bob_thp=$(metric paddock_cpu_throttled_periods_total "$(uid_l "$bob" "$bob_uid")" "$T_TMP/live.prom")
t_ok "metrics: bob's throttled periods > 0 (${bob_thp:-none})" test "${bob_thp:-0}" -gt 0
t_is "metrics: carol's memory limit is 64M" $((64 << 20)) \
	"$(metric paddock_memory_limit_bytes "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")"
t_is "metrics: carol's CPU quota is 0.20 CPUs" 0.20 \
	"$(metric paddock_cpu_quota_cpus "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")"
t_is "metrics: carol's task limit is 64" 64 \
	"$(metric paddock_tasks_limit "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")"
t_is "metrics: carol has one session" 1 \
	"$(metric paddock_sessions "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")"
# procs_count CGROUP: the lines of its cgroup.procs (v1: in the pids hierarchy, as the v1
# manager counts them).
procs_count() {
	local f
	for f in "/sys/fs/cgroup/pids$1/cgroup.procs" "/sys/fs/cgroup$1/cgroup.procs"; do
		[ -f "$f" ] && { wc -l <"$f"; return; }
	done
	echo none
}
carol_cg=$(awk -F'"' '/^paddock_info\{/ && index($0, "uid=\"'"$carol_uid"'\"") { print $8 }' "$T_TMP/live.prom")
t_is "metrics: carol's processes are the lines of her cgroup.procs (holder and su included)" \
	"$(procs_count "$carol_cg")" \
	"$(metric paddock_processes "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")"
# Sessions are the connections open to the holder's socket, counted by one sock_diag dump
# of this network namespace: a second session counts while it lasts.
t_sess_start c-two "$carol" 'echo c2-up'
t_ok "carol's second session is up" t_sess_wait c-two
t_ok "metrics: during carol's second session" "$P" metrics
t_is "metrics: ... carol has two sessions" 2 \
	"$(metric paddock_sessions "$(uid_l "$carol" "$carol_uid")" <(printf '%s\n' "$T_OUT"))"
t_ok "carol's second session ends" t_sess_end c-two
t_ok "metrics: after it" "$P" metrics
t_is "metrics: ... one session again" 1 \
	"$(metric paddock_sessions "$(uid_l "$carol" "$carol_uid")" <(printf '%s\n' "$T_OUT"))"
# Run where the holders' sockets are not (another network namespace), the dump lists
# neither the listener nor its connections: sessions are unknown there, not 0.
t_ok "metrics: in a network namespace of its own" unshare -n "$P" metrics
other=$T_OUT
t_nok "metrics: ... leaves paddock_sessions out" grep -q '^paddock_sessions{' <<<"$other"
t_ok "metrics: ... and still has the rest" grep -qF "paddock_processes{$(uid_l "$carol" "$carol_uid")} " <<<"$other"
# Looking wakes no holder: their context switches stay as they were across metrics,
# status and top (the holders sleep in epoll_wait while nobody logs in or out).
holders=$("$PY" -c 'import json, sys; print(" ".join(str(p["holder_pid"]) for p in json.load(sys.stdin)))' \
	<<<"$("$P" status --json)")
switches() { for h in $holders; do awk '/ctxt_switches/ { s += $2 } END { printf "%d ", s }' "/proc/$h/status"; done; }
before=$(switches)
t_ok "metrics, status and top --batch run" sh -c '"$1" metrics && "$1" status && "$1" status --json && "$1" top --batch' _ "$P"
t_is "... and no holder was woken (context switches of the 3 holders: $before)" "$before" "$(switches)"
mem=$(metric paddock_memory_usage_bytes "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")
t_ok "metrics: carol's memory usage is > 0 and below the limit (${mem:-none})" \
	test "${mem:-0}" -gt 0 -a "${mem:-0}" -lt $((64 << 20))
st=$(metric paddock_start_time_seconds "$(uid_l "$carol" "$carol_uid")" "$T_TMP/live.prom")
t_ok "metrics: carol's start time is within the last 10 minutes (${st:-none})" \
	"$PY" -c 'import sys, time; assert time.time() - 600 < float(sys.argv[1]) <= time.time() + 1' "${st:-0}"
t_like "metrics: paddock_info names the manager and the cgroup" \
	"paddock_info\\{$(uid_l "$carol" "$carol_uid"),cgroup_manager=\"cgroupfs-v[12]\",cgroup=\"$T_PARENT/user-$carol_uid\"\\} 1" \
	"$(cat "$T_TMP/live.prom")"
t_nok "metrics: no network series without a host-side interface" \
	grep -q '^paddock_network_' "$T_TMP/live.prom"
num() { printf '%s\n' "${1:-0}"; }
t_is "metrics: logins started: 3 more (one per user; the OOM and hog sessions joined)" \
	$(($(num "$started0") + 3)) "$(metric paddock_logins_total 'result="started"' "$T_TMP/live.prom")"
t_is "metrics: logins joined: 2 more" \
	$(($(num "$joined0") + 2)) "$(metric paddock_logins_total 'result="joined"' "$T_TMP/live.prom")"
t_is "metrics: logins exempt: 1 more (root)" \
	$(($(num "$exempt0") + 1)) "$(metric paddock_logins_total 'result="exempt"' "$T_TMP/live.prom")"
t_is "metrics: logins denied for the policy: 1 more" \
	$(($(num "$denied0") + 1)) "$(metric paddock_logins_denied_total 'reason="policy"' "$T_TMP/live.prom")"
t_is "metrics: the counters are root's regular file in STATE_DIR (0600)" \
	"root 600 regular file" "$(stat -c '%U %a %F' /run/paddock/counters)"

# --- network: a paddock with its own interface on the host ----------------------------------------
# carol gets what network = nat records (paddock-net's record STATE_DIR/net/a-UID: host
# end, address, peer, address6) and a veth end pdkUID, made in a network namespace of this
# test's own (with a fresh sysfs for /sys/class/net), never the host's; 5 frames go out
# of the host end to carol's side.
install -d -m 0700 /run/paddock/net &&
	printf 'pdk%s 10.200.0.1 10.200.0.0 -\n' "$carol_uid" >"/run/paddock/net/a-$carol_uid"
cat >"$T_TMP/frames.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for i in range(5):  # broadcast frames of the local experimental ethertype
    s.send(b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + bytes(50))
EOF
t_ok "network: carol's traffic counts, as carol sees it, from the host end pdk$carol_uid" \
	unshare -n -m sh -c '
	set -e
	mkdir -p "$1/sysfs"
	mount -t sysfs sysfs "$1/sysfs"
	mount --bind "$1/sysfs/class/net" /sys/class/net
	mount --bind "$1/sysfs/devices/virtual/net" /sys/devices/virtual/net
	ip link add "pdk$2" type veth peer name eth9
	# no IPv6 neighbour discovery: only the frames sent below cross the pair
	for i in "pdk$2" eth9; do echo 1 >"/proc/sys/net/ipv6/conf/$i/disable_ipv6" 2>/dev/null || :; done
	ip link set "pdk$2" up
	ip link set eth9 up
	"$4" "$1/frames.py" "pdk$2"
	"$3" metrics >"$1/net.prom"
	cat "/sys/class/net/pdk$2/statistics/tx_packets" "/sys/class/net/pdk$2/statistics/tx_bytes"
	' _ "$T_TMP" "$carol_uid" "$P" "$PY"
rm -f "/run/paddock/net/a-$carol_uid"
read -r tx_p tx_b <<<"$(printf '%s ' $T_OUT)"
t_ok "network: the host end sent >= 5 packets (${tx_p:-none})" test "${tx_p:-0}" -ge 5
carol_l="user=\"$carol\",uid=\"$carol_uid\",interface=\"pdk$carol_uid\""
t_is "network: paddock_network_receive_packets_total is what the host end sent" "$tx_p" \
	"$(metric paddock_network_receive_packets_total "$carol_l" "$T_TMP/net.prom")"
t_is "network: paddock_network_receive_bytes_total likewise" "$tx_b" \
	"$(metric paddock_network_receive_bytes_total "$carol_l" "$T_TMP/net.prom")"
t_ok "network: promtool accepts it with the network series" \
	sh -c 'promtool check metrics <"$1"' _ "$T_TMP/net.prom"
t_nok "network: no series for alice, who has no interface" \
	grep -q "^paddock_network_.*user=\"$alice\"" "$T_TMP/net.prom"

# --- paddock status: OOM kills and throttling ------------------------------------------------------
t_ok "status: table" "$P" status --conf "$T_POLICY"
t_like "status: alice's OOM kill shows" "oom-kills:1 " "$(grep -A2 "^$alice " <<<"$T_OUT")"
t_like "status: bob's CPU time shows (not ?)" "[0-9]+\\.[0-9]{2}s,[0-9]+" "$(grep "^$bob " <<<"$T_OUT")"
t_like "status: bob's throttling shows" "throttled:[0-9.]+s in [1-9][0-9]* of [0-9]+ periods" \
	"$(grep -A2 "^$bob " <<<"$T_OUT")"
t_ok "status --json: oom_kills and throttled_usec" "$P" status --json --conf "$T_POLICY"
t_is "status --json: ... alice 1 kill, bob throttled, bob's CPU time >= 0.1 s" "1 True True True" \
	"$("$PY" -c '
import json, sys
d = {p["uid"]: p for p in json.load(sys.stdin)}
a, b = d[int(sys.argv[1])], d[int(sys.argv[2])]
print(a["memory"]["oom_kills"], b["cpu"]["throttled_usec"] > 0, b["cpu"]["nr_periods"] > 0,
      (b["cpu"]["usage_usec"] or 0) >= 100000)
' "$alice_uid" "$bob_uid" <<<"$T_OUT" 2>&1)"

# --- --textfile and a real node_exporter ----------------------------------------------------------
tf=$T_TMP/textfile
mkdir -p "$tf"
t_ok "metrics --textfile: writes DIR/paddock.prom" "$P" metrics --textfile "$tf"
t_is "metrics --textfile: ... only paddock.prom in DIR (no temporary left), mode 644" \
	"paddock.prom 644" "$(cd "$tf" && stat -c '%n %a' -- * .[!.]* 2>/dev/null)"
t_rc "metrics --textfile: a missing DIR fails with exit 1" 1 "$P" metrics --textfile "$tf/missing"
t_like "metrics --textfile: ... naming it" "textfile/missing/paddock.prom: No such file" "$T_ERR"
port=$(t_free_port) || t_bail "no free port"
t_bg prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$tf" >"$T_TMP/node-exporter.log" 2>&1
t_ok "node_exporter: serves /metrics on 127.0.0.1:$port" \
	t_wait_for 20 curl -fsS -o "$T_TMP/scrape.prom" "http://127.0.0.1:$port/metrics"
t_is "node_exporter: the textfile collector read paddock.prom without error" "0" \
	"$(awk '$1 == "node_textfile_scrape_error" { print $2 }' "$T_TMP/scrape.prom")"
t_is "node_exporter: scrape: alice's one OOM kill" 1 \
	"$(metric paddock_memory_oom_kills_total "$(uid_l "$alice" "$alice_uid")" "$T_TMP/scrape.prom")"
bob_thr=$(metric paddock_cpu_throttled_seconds_total "$(uid_l "$bob" "$bob_uid")" "$T_TMP/scrape.prom")
t_ok "node_exporter: scrape: bob's throttled seconds > 0 (${bob_thr:-none})" \
	"$PY" -c 'import sys; assert float(sys.argv[1]) > 0' "${bob_thr:-0}"
t_is "node_exporter: scrape: paddock_paddocks 3" 3 \
	"$(awk '$1 == "paddock_paddocks" { print $2 }' "$T_TMP/scrape.prom")"
t_is "node_exporter: scrape: carol's memory limit" "6.7108864e+07" \
	"$(metric paddock_memory_limit_bytes "$(uid_l "$carol" "$carol_uid")" "$T_TMP/scrape.prom")"

# --- paddock top ---------------------------------------------------------------------------------
t_ok "top --batch: one frame" "$P" top --batch
frame=$T_OUT
for u in "$alice" "$bob" "$carol"; do
	t_like "top --batch: ... a row of $u" "(^|$(printf '\n'))$u " "$frame"
done
t_is "top --batch: ... no line wider than 80 columns" "" \
	"$(awk 'length($0) > 80' <<<"$frame")"
t_like "top --batch: ... a header naming the columns" "USER +UID +SESS +PROCS +CPU% +MEMORY" "$frame"
t_ok "top --batch --sort memory: sorted by memory" "$P" top --batch --sort memory
t_rc "top --sort: an unknown key is a usage error (exit 2)" 2 "$P" top --batch --sort size

tm="tmux -L paddock-test-$PADDOCK_T_RUN"
t_cleanup_add sh -c "$tm kill-server 2>/dev/null; true"
t_ok "top: starts on an 80x24 terminal (tmux)" \
	$tm new-session -d -s top -x 80 -y 24 "TERM=screen $P top; echo top-exit \$? >$T_TMP/top.rc; sleep 30"
screen() { $tm capture-pane -p -t top; }
t_ok "top: draws the three users within 5 s" \
	t_wait_for 5 sh -c "$tm capture-pane -p -t top | grep -q '^$carol ' && $tm capture-pane -p -t top | grep -q '^$alice '"
t_like "top: ... a header line with the sort key" "sorted by cpu" "$(screen)"
top_pid=$(pgrep -f -- "^$P top\$" | head -1)
holder=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["holder_pid"])' \
	<<<"$("$P" status --json --conf "$T_POLICY" "$carol")")
t_ok "top: ncurses is loaded in top (${top_pid:-not found})" \
	grep -q 'libncurses' "/proc/${top_pid:-0}/maps"
t_nok "top: ... and not in a holder (carol's, pid $holder): top loads it, nothing links it" \
	grep -q 'libncurses\|libtinfo' "/proc/$holder/maps"
$tm send-keys -t top m
t_ok "top: m switches the sort to memory" \
	t_wait_for 5 sh -c "$tm capture-pane -p -t top | grep -q 'sorted by memory'"
$tm send-keys -t top q
t_ok "top: q quits (exit 0)" t_wait_for 5 grep -q 'top-exit 0' "$T_TMP/top.rc"

# --- end ------------------------------------------------------------------------------------------
for s in a-keep b-keep c-keep; do t_sess_end "$s"; done
for u in "$alice_uid" "$bob_uid" "$carol_uid"; do
	t_wait_for 10 t_paddock_gone "$u" || t_diag "paddock of uid $u still there after 10 s"
done
t_ok "metrics: after the logouts, paddock_paddocks 0" \
	sh -c '"$1" metrics | grep -qx "paddock_paddocks 0"' _ "$P"
t_done
