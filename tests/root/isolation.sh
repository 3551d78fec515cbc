#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/isolation.sh: what a user sees inside their paddock, through real
# logins (su - USER -c, interactive su - under a pty, login -f under a pty):
# PID namespace with the holder as PID 1, hostname from the template, only lo,
# the host's 127.0.0.1 services and abstract sockets out of reach, private /tmp,
# /var/tmp and /dev/shm sharing one tmpfs of tmp_size, own SysV IPC, the cgroup limits as
# configured (read back on the host), oom_score_adj reset to 0.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build

PY=/usr/bin/python3
IP=/usr/sbin/ip
for p in "$PY" "$IP" /usr/bin/ipcmk /usr/bin/ipcs /usr/bin/script; do
	[ -x "$p" ] || t_bail "$p missing"
done

t_cgroup_parent

t_user alice
alice=$T_USER alice_uid=$T_UID

# memory_max 300M, tmp_size 40M, cpu_quota 50%, cpu_weight 50, tasks_max 77
t_policy isolation.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes
hostname = lab-%u
memory_max = 300M
memory_swap_max = 0
cpu_quota = 50%
cpu_weight = 50
tasks_max = 77
tmp_size = 40M"
stack=$(t_pam_paddock_stack "$T_POLICY" "helper=$T_HELPER")
t_su_stack "$stack"
t_login_stack "$stack"

# pt_in CMD: run CMD as alice inside her paddock (su - alice -c).
pt_in() { su - "$alice" -c "$1"; }

# One long-lived session keeps the paddock up while we look at it from both sides.
alice_home=$T_HOME
t_bg su - "$alice" -c 'echo ready >"$HOME/keeper"; exec sleep 45' >"$T_TMP/keeper.log" 2>&1
keeper=$T_BG_PID
t_wait_for 10 test -s "$alice_home/keeper" ||
	t_bail "the keeper session did not start: $(cat "$T_TMP/keeper.log")"
holder=$(pgrep -f "^paddock holder --uid $alice_uid ")
t_like "a holder runs for the user on the host" '^[0-9]+$' "$holder"
# The holder keeps its five namespaces' nsfs files open (and the host's mount and network
# namespaces, where it was started): each join's check of them through
# its pidfd then finds them made (tests/bench/RESULTS.md).
held_ns() {
	local f
	for f in /proc/"$1"/fd/*; do readlink "$f"; done | grep -E '^(mnt|pid|ipc|uts|net):' | sort
}
own_ns() { local n; for n in ipc mnt net pid uts; do readlink "/proc/$1/ns/$n"; done; }
t_is "the holder holds its own five namespaces open" "$(own_ns "$holder")" \
	"$(held_ns "$holder" | grep -vxF -e "$(readlink /proc/self/ns/mnt)" -e "$(readlink /proc/self/ns/net)")"

# --- PID namespace ---------------------------------------------------------------------
t_ok "PID 1 inside is the holder" pt_in 'tr "\0" " " </proc/1/cmdline'
t_like "... /proc/1/cmdline starts with 'paddock holder'" "^paddock holder --uid $alice_uid " "$T_OUT"
# every /proc/PID except 1 belongs to alice; the keeper's sleep is among them
t_ok "/proc inside lists the user's processes only" pt_in '
	n=0; for d in /proc/[0-9]*; do
		p=${d#/proc/}; [ "$p" = 1 ] && continue
		u=$(stat -c %u "$d" 2>/dev/null) || continue   # exited meanwhile
		[ "$u" = "$(id -u)" ] || { echo "foreign process $p uid $u: $(tr "\0" " " <"$d/cmdline")"; exit 1; }
		n=$((n + 1))
	done; echo "$n"; ps -e -o args='
t_like "... and sees the other session's sleep" 'sleep 45' "$T_OUT"
inside_n=$(head -n1 <<<"$T_OUT")
host_n=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
t_ok "... far fewer processes than the host ($inside_n vs $host_n)" test "$inside_n" -lt 20 -a "$host_n" -gt "$inside_n"
# (the pattern is written so that it does not match the command line carrying it)
t_ok "control: on the host, this test's process is found in /proc" grep -qs 'isolation[.]sh' /proc/$$/cmdline
t_ok "... but not in the user's /proc" pt_in "! grep -qs 'isolation[.]sh' /proc/[0-9]*/cmdline"
t_ok "login -f on a pty: PID 1 is the holder there too" t_login "$alice" 'echo "P1=$(tr "\0" " " </proc/1/cmdline | cut -d" " -f1,2)"'
t_like "... (login)" 'P1=paddock holder' "$T_OUT"

# --- UTS ----------------------------------------------------------------------------------
t_ok "hostname inside" pt_in hostname
t_is "... is the template lab-%u expanded" "lab-$alice" "$T_OUT"
t_ok "interactive su - on a pty: hostname" \
	sh -c "printf 'echo HN=\$(hostname)\nexit\n' | timeout 20 script -qec 'su - $alice' /dev/null"
t_like "... lab-<user> there too" "HN=lab-$alice" "$T_OUT"
t_ok "the host's hostname is unchanged" test "$(hostname)" != "lab-$alice"

# --- network --------------------------------------------------------------------------------
t_ok "ip -br link inside" pt_in "$IP -br link"
t_is "... shows exactly one interface" 1 "$(grep -c . <<<"$T_OUT")"
t_like "... lo, and it is UP" '^lo +[A-Z]+ .*<([^>]*,)?UP(,[^>]*)?>' "$T_OUT"

port=$(t_free_port) || t_bail "no free port"
mkdir -p "$T_TMP/www" && echo host-page >"$T_TMP/www/index.html"
t_bg "$PY" -m http.server --bind 127.0.0.1 --directory "$T_TMP/www" "$port" >/dev/null 2>&1
t_ok "a host service listens on 127.0.0.1:$port (reachable from the host)" \
	t_wait_for 10 curl -fsS --max-time 2 "http://127.0.0.1:$port/"
t_nok "... unreachable from inside the paddock" \
	pt_in "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port' 2>&1"
t_like "... connection refused (own loopback, nothing listens there)" 'refused' "$T_OUT$T_ERR"
# positive control: lo inside works, and the same port is free there
t_ok "inside, a server on the same 127.0.0.1:$port is reachable" pt_in "
	$PY -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", $port)); s.listen(); c=socket.create_connection((\"127.0.0.1\", $port)); print(\"LO-OK\")'"
t_is "... (own network stack)" LO-OK "$T_OUT"

# --- /tmp, /var/tmp, /dev/shm ---------------------------------------------------------------
tmp_bytes=$((40 * 1024 * 1024))
for d in /tmp /var/tmp /dev/shm; do
	t_ok "$d inside: fs type and size" pt_in "stat -f -c '%T %b %S' $d"
	read -r fstype blocks bsize <<<"$T_OUT"
	t_is "... $d is a tmpfs" tmpfs "$fstype"
	t_is "... of tmp_size (40M)" "$tmp_bytes" "$((blocks * bsize))"
done
t_ok "host /dev/shm is not 40M (so the size above is ours)" \
	test "$(($(stat -f -c '%b * %S' /dev/shm)))" != "$tmp_bytes"
for d in /tmp /var/tmp /dev/shm; do
	hostf=$d/pdk-host-$T_TAG-$$ inf=$d/pdk-in-$T_TAG-$$
	echo host >"$hostf" || t_bail "cannot write $hostf"
	t_cleanup_add rm -f "$hostf" "$inf"
	t_ok "a file created on the host in $d is absent inside" pt_in "test ! -e $hostf"
	t_ok "a file created inside $d ..." pt_in "echo inside >$inf && test -s $inf"
	t_ok "... is absent on the host" test ! -e "$inf"
	t_ok "... and still there for the user's next session" pt_in "grep -qx inside $inf"
done

# --- one tmpfs behind /tmp, /var/tmp and /dev/shm (issue 7) -----------------------------------
# Every superblock on the machine enlarges the kernel's state in every memory cgroup, so
# the paddock mounts one tmpfs for all three, and its root is reachable nowhere.
t_ok "inside: /proc/self/mountinfo" pt_in 'cat /proc/self/mountinfo'
mi_in=$T_OUT
# "DEV ROOT" of the mount on top of each mount point (the last line wins)
tmp_mounts=$(awk '{ m[$5] = $3 " " $4 } END { print m["/tmp"]; print m["/var/tmp"]; print m["/dev/shm"] }' \
	<<<"$mi_in")
t_is "/tmp, /var/tmp and /dev/shm are on one file system" 1 \
	"$(cut -d' ' -f1 <<<"$tmp_mounts" | sort -u | grep -c .)"
t_is "... bound from three different directories of it, none of them its root" 3 \
	"$(cut -d' ' -f2 <<<"$tmp_mounts" | grep -v '^/$' | sort -u | grep -c .)"
tmp_dev=$(head -n1 <<<"$tmp_mounts" | cut -d' ' -f1)
t_is "the root of that tmpfs is mounted nowhere in the paddock" 0 \
	"$(awk -v d="$tmp_dev" '$3 == d && $4 == "/"' <<<"$mi_in" | grep -c .)"
# file systems the paddock has and the host has not: proc, sysfs, one tmpfs (and mqueue,
# whose superblock the IPC namespace has anyway, where the host has /dev/mqueue)
new_fs=$(awk 'NR == FNR { host[$3] = 1; next } !($3 in host) && !seen[$3]++ { sub(/.* - /, ""); print $1 }' \
	/proc/self/mountinfo - <<<"$mi_in" | sort | uniq -c | awk '{ printf "%s%s ", $2, ($1 > 1 ? "x" $1 : "") }')
t_like "the paddock's own file systems: proc, sysfs, one tmpfs [mqueue]" \
	'^(mqueue )?proc sysfs tmpfs $' "$new_fs"
t_nok "a hard link from /tmp to /dev/shm fails (one tmpfs, separate mounts)" \
	pt_in "echo x >/tmp/pdk-link-$$ && ln /tmp/pdk-link-$$ /dev/shm/pdk-link-$$"
t_like "... EXDEV" 'cross-device' "$T_ERR$T_OUT"
pt_in "rm -f /tmp/pdk-link-$$ /dev/shm/pdk-link-$$"

# --- SysV IPC ---------------------------------------------------------------------------------
out=$(ipcmk -M 4096) || t_bail "ipcmk failed"
shmid=${out##* }
t_cleanup_add ipcrm -m "$shmid"
key=$(ipcs -m | awk -v id="$shmid" '$2 == id { print $1 }')
t_like "host: a SysV shm segment exists (id $shmid)" '^0x[0-9a-f]+$' "$key"
t_ok "inside: ipcs -m" pt_in 'ipcs -m'
t_is "... lists no segment at all (own IPC namespace)" 0 "$(grep -c '^0x' <<<"$T_OUT")"
t_ok "control: on the host, ipcs -m -i $shmid shows the segment" ipcs -m -i "$shmid"
t_like "... (it exists)" "shmid=$shmid" "$T_OUT"
t_ok "inside: ipcs -m -i $shmid" pt_in "ipcs -m -i $shmid"
t_like "... finds no such segment" 'not found' "$T_ERR"
host_segs=$(ipcs -m | grep -c '^0x')
t_ok "inside: ipcmk -M works (control) and shows up inside" pt_in 'ipcmk -M 4096 >/dev/null && ipcs -m | grep -c "^0x"'
t_is "... exactly one segment inside" 1 "$T_OUT"
t_is "... the host does not see it (same number of segments as before)" "$host_segs" "$(ipcs -m | grep -c '^0x')"

# --- abstract unix socket ---------------------------------------------------------------------
abs=pdk-abstract-$T_TAG-$$
t_bg "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"HELLO\n"); c.close()
' "$abs" >/dev/null 2>&1
connect_abs="$PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(\"\\0\"+sys.argv[1]); print(s.recv(16).decode().strip())' $abs"
t_ok "host: the abstract socket @$abs answers" t_wait_for 5 sh -c "$connect_abs"
t_nok "inside: connecting to @$abs fails" pt_in "$connect_abs"
t_like "... connection refused (abstract names are per network namespace)" 'ConnectionRefused' "$T_ERR$T_OUT"

# --- cgroup limits, read back on the host -------------------------------------------------------
cg=$T_PARENT/user-$alice_uid
t_is "memory.limit_in_bytes = memory_max" $((300 * 1024 * 1024)) \
	"$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" 2>&1)"
if [ -e "/sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes" ]; then
	t_is "memory.memsw.limit_in_bytes = memory_max + memory_swap_max" $((300 * 1024 * 1024)) \
		"$(cat "/sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes" 2>&1)"
fi
t_is "cpu.cfs_period_us" 100000 "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_period_us" 2>&1)"
t_is "cpu.cfs_quota_us = 50% of the period" 50000 "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us" 2>&1)"
t_is "cpu.shares = cpu_weight 50 * 1024 / 100" 512 "$(cat "/sys/fs/cgroup/cpu$cg/cpu.shares" 2>&1)"
t_is "pids.max = tasks_max" 77 "$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>&1)"
# The keeper's own sleep (su's child): a uid-wide pgrep can find another run's user.
sleeper=$(pgrep -P "$keeper" -x sleep | head -n1)
for c in memory cpu pids; do
	t_ok "the session's process (host pid $sleeper) is in $c$cg" \
		grep -qx "$sleeper" "/sys/fs/cgroup/$c$cg/cgroup.procs"
done
t_ok "inside: /proc/self/cgroup names the user's cgroup" pt_in "grep -x '[0-9]*:pids:$cg' /proc/self/cgroup"

# --- oom_score_adj ------------------------------------------------------------------------------
# The caller runs at 300 (raising is allowed here, lowering below 0 is not): the user's
# processes must not inherit it.
t_ok "inside: oom_score_adj of a session whose caller had 300" \
	sh -c "echo 300 >/proc/self/oom_score_adj && exec su - '$alice' -c 'cat /proc/self/oom_score_adj'"
t_is "... is 0" 0 "$T_OUT"
t_ok "control: without the module the value is inherited" \
	sh -c "echo 300 >/proc/self/oom_score_adj && exec sh -c 'cat /proc/self/oom_score_adj'"
t_is "... (300)" 300 "$T_OUT"

t_kill "$keeper"
t_done
