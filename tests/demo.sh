#!/bin/bash
# make demo: a throwaway user logs in through the real pam_paddock.so with the
# shipped default policy (conf/paddock.conf), and we show what that user sees
# beside what the host sees.  Everything happens in a private mount and cgroup
# namespace of this script, so the host's /etc/pam.d, /run and cgroup tree are
# untouched; the user, its processes and its cgroups are removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "make demo: run as root (it creates a throwaway user and a paddock)" >&2
	exit 1
fi

if [ -z "${PADDOCK_DEMO_NEST:-}" ]; then
	# Re-run inside our own cgroup and mount namespaces.
	PADDOCK_DEMO_NEST=1 exec unshare -C -m --propagation private -- "$top/tests/demo.sh"
fi
if [ "$PADDOCK_DEMO_NEST" = 1 ]; then
	# And once more in a network namespace of our own: it is the demo's host, with an
	# upstream of its own behind a veth (tests/root/netlib.sh), so the paddock's veth,
	# addresses and nftables never touch the machine's network.  The machine's
	# namespace is pinned first: the kernel multicasts audit records there only.
	work=$(mktemp -d /tmp/paddock-demo.XXXXXX)
	chmod 0700 "$work"
	touch "$work/outer-netns" && mount --bind /proc/self/ns/net "$work/outer-netns" || exit 1
	PADDOCK_DEMO_NEST=2 PADDOCK_DEMO_WORK=$work exec unshare -n -- "$top/tests/demo.sh"
fi

user=pdk-demo-$$
work=$PADDOCK_DEMO_WORK

made_run_dir=
made_cgroups=()

cleanup() {
	# Only the demo itself cleans up, not a subshell that inherited the trap.
	[ "$BASHPID" = "$$" ] || return 0
	set +e
	if id "$user" >/dev/null 2>&1; then
		pkill -KILL -U "$user" 2>/dev/null
		sleep 0.2
		userdel -r "$user" >/dev/null 2>&1
	fi
	# Directories live on the host's file systems even in our mount namespace:
	# remove the ones this demo created, deepest first.
	for d in "${made_cgroups[@]}"; do
		for c in "$d"/*/; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
		rmdir "$d" 2>/dev/null
	done
	[ -n "${audit_pid:-}" ] && kill "$audit_pid" 2>/dev/null
	[ "${audit_was:-}" = 0 ] && python3 tests/audit-tool.py set 0
	umount /run/paddock 2>/dev/null
	[ -n "$made_run_dir" ] && rmdir /run/paddock 2>/dev/null
	# the upstream, its services and the resolv.conf bind (netlib.sh's cleanup steps)
	umount "$work/outer-netns" 2>/dev/null
	[ -n "${T_TMP:-}" ] && t__cleanup
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
# su sends SIGHUP around its sessions; the demo carries on.
trap "" HUP

ip link set lo up
# A sysfs of this network namespace, so /sys/class/net shows the demo host's interfaces.
mount -t sysfs sysfs /sys

# Cgroups: a fresh tmpfs with the hierarchies remounted in our cgroup
# namespace, so "/" of each is the cgroup this script started in.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
else
	mount -t tmpfs -o mode=0755,size=1m paddock-demo /sys/fs/cgroup
	for c in memory cpu pids; do
		mkdir -p "/sys/fs/cgroup/$c"
		mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null ||
			mount -t cgroup -o cpu,cpuacct cgroup "/sys/fs/cgroup/$c"
	done
	# cpuacct where it is a hierarchy of its own (the CPU time paddock status shows);
	# co-mounted with cpu, the cpu mount above has it already.
	mkdir -p /sys/fs/cgroup/cpuacct
	mount -t cgroup -o cpuacct cgroup /sys/fs/cgroup/cpuacct 2>/dev/null ||
		rmdir /sys/fs/cgroup/cpuacct
fi
for h in /sys/fs/cgroup /sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/pids \
	/sys/fs/cgroup/cpuacct; do
	[ -d "$h" ] && [ ! -d "$h/paddock.slice" ] && made_cgroups+=("$h/paddock.slice")
done
# State of this demo only; the module makes it a private mount itself.
[ -d /run/paddock ] || made_run_dir=1
mkdir -p -m 0700 /run/paddock && mount -t tmpfs -o mode=0700,size=1m paddock-demo-state /run/paddock

# The shipped policy, unchanged, and a PAM stack for su with the real module.
install -m 0644 -o root -g root conf/paddock.conf "$work/paddock.conf"
cat >"$work/su" <<EOF
auth     sufficient pam_rootok.so
account  required   pam_permit.so
session  required   pam_permit.so
session  required   $top/build/pam_paddock.so conf=$work/paddock.conf helper=$top/build/paddock
EOF
chmod 0644 "$work/su"
mount --bind "$work/su" /etc/pam.d/su
[ -e /etc/pam.d/su-l ] && mount --bind "$work/su" /etc/pam.d/su-l

# Audit: when the kernel has audit, listen to the records of this demo.  If
# audit is off it is switched on for the demo only and restored afterwards.
audit_was=$(python3 tests/audit-tool.py status 2>/dev/null)
audit_pid=
if [ -n "$audit_was" ]; then
	[ "$audit_was" = 0 ] && python3 tests/audit-tool.py set 1
	nsenter --net="$work/outer-netns" python3 tests/audit-tool.py listen "$work/audit.log" "$work/audit.ready" &
	audit_pid=$!
	for i in $(seq 50); do [ -e "$work/audit.ready" ] && break; sleep 0.1; done

fi

# The demo's host and upstream: tests/root/netlib.sh, with lib.sh's helpers for the
# background services and their cleanup (t__cleanup above), rooted in $work.
. tests/root/lib.sh
. tests/root/netlib.sh
T_TMP=$work T_TAG=$(printf '%05x' $$)
PADDOCK_T_NEST=$(stat -L -c %i /proc/self/ns/mnt)
n_setup >/dev/null

useradd -m -s /bin/bash -c "paddock demo" "$user" || exit 1
uid=$(id -u "$user")

# One view of the machine, as KEY<TAB>VALUE lines; run on the host and inside.
view='cg() { sed -n "s/^[0-9]*:$1:\(.*\)/\1/p; s/^0::\(.*\)/\1/p" /proc/self/cgroup | head -1; }
rd() { for f in "$@"; do [ -r "$f" ] && { tr -d "\n" <"$f"; return; }; done; printf "-"; }
m=$(cg memory); c=$(cg cpu); p=$(cg pids)
printf "PID 1\t%s\n" "$(tr "\0" " " </proc/1/cmdline | cut -c1-30)"
printf "processes visible\t%s\n" "$(ls /proc | grep -c "^[0-9]")"
printf "hostname\t%s\n" "$(hostname)"
printf "network interfaces\t%s\n" "$(ls /sys/class/net | tr "\n" " ")"
t=$(findmnt -n -o FSTYPE,SIZE /tmp 2>/dev/null | tr -s " ")
printf "/tmp\t%s\n" "${t:-on / (not a mount of its own)}"
printf "cgroup\t%s\n" "$m"
printf "memory limit\t%s\n" "$(rd /sys/fs/cgroup/memory$m/memory.limit_in_bytes /sys/fs/cgroup$m/memory.max)"
printf "cpu quota/period\t%s\n" "$(rd /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us /sys/fs/cgroup$c/cpu.max)/$(rd /sys/fs/cgroup/cpu$c/cpu.cfs_period_us)"
printf "tasks limit\t%s\n" "$(rd /sys/fs/cgroup/pids$p/pids.max /sys/fs/cgroup$p/pids.max)"'

echo "== paddock demo: user $user (uid $uid) logs in with 'su -' through pam_paddock.so"
echo "   policy: conf/paddock.conf as shipped; $(uname -sr); $(grep -m1 PRETTY_NAME /etc/os-release | cut -d'"' -f2)"
echo
bash -c "$view" >"$work/host"
su - "$user" -c "$view" >"$work/user" 2>"$work/err" ||
	{ cat "$work/err"; echo "make demo: the login failed; see the syslog (authpriv)"; exit 1; }
printf '%-20s %-36s %s\n' "" "the host sees" "$user sees"
printf '%-20s %-36s %s\n' "" "-------------" "-------------"
paste "$work/host" "$work/user" | tr '\t' '|' | while IFS='|' read -r k hv _ uv; do
	printf '%-20s %-36s %s\n' "$k" "$hv" "$uv"
done
echo
echo "-- the network (network = nat), the demo's own: host and upstream are namespaces of it"
home=$(getent passwd "$user" | cut -d: -f6)
n_tool "$user"
cat >"$home/.netview" <<EOF
probe() { $N_PY $home/.net-tool.py "\$@" 2>&1 | sed 's/^FAIL /no: /'; }
printf 'interfaces\t%s\n' "\$(ip -br link | awk '{ sub(/@.*/, "", \$1); print \$1 }' | paste -sd' ')"
printf 'IPv4 addresses\t%s\n' "\$(ip -4 -br addr | awk '\$1 != "lo" { print \$3 }' | paste -sd' ')"
printf 'default route\t%s\n' "\$(ip route show default | cut -d' ' -f2-5)"
printf 'nameserver\t%s\n' "\$(awk '\$1 == "nameserver" { print \$2 }' /etc/resolv.conf | paste -sd' ')"
printf '$N_UP_NAME\t%s\n' "\$(probe resolve $N_UP_NAME)"
printf 'http://$N_UP_NAME/\t%s\n' "\$(probe http $N_UP_NAME 80)"
printf 'host 127.0.0.1:$N_LO_PORT\t%s\n' "\$(probe tcp 127.0.0.1 $N_LO_PORT)"
printf 'host $N_HOST_ADDR:$N_HOST_PORT\t%s\n' "\$(probe tcp $N_HOST_ADDR $N_HOST_PORT)"
printf 'metadata $N_META\t%s\n' "\$(probe http $N_META 80)"
EOF
chmod 0644 "$home/.netview"
echo "   upstream: $N_UP_NAME = $N_UP_SVC (its http answers with the address it saw)"
echo "   host: a service on 127.0.0.1:$N_LO_PORT and one on 0.0.0.0:$N_HOST_PORT"
# the host's view while the user's paddock lives (its pdk end is on the host then)
su - "$user" -c "bash ~/.netview; sleep 2" >"$work/user-net" 2>"$work/err" &
upid=$!
for i in $(seq 200); do
	[ "$(grep -c . "$work/user-net")" -ge 9 ] && break
	kill -0 "$upid" 2>/dev/null || break
	sleep 0.1
done
bash "$home/.netview" >"$work/host-net"
wait "$upid" || { cat "$work/err"; echo "make demo: the login failed; see the syslog (authpriv)"; exit 1; }
printf '%-28s %-36s %s\n' "" "the host sees" "$user sees"
paste "$work/host-net" "$work/user-net" | tr '\t' '|' | while IFS='|' read -r k hv _ uv; do
	printf '%-28s %-36s %s\n' "$k" "$hv" "$uv"
done
echo
echo "-- two sessions of $user share one paddock:"
su - "$user" -c 'sleep 5 & echo "session 1: started sleep, pid $! inside, namespaces $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/net)"; sleep 3' &
session1=$!
sleep 1
su - "$user" -c 'echo "session 2: sees $(ps -e -o pid=,comm= | tr -s " " | tr "\n" ";")"; echo "session 2: namespaces $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/net)"'
echo
echo "-- what the admin sees meanwhile: paddock status"
"$top/build/paddock" status --conf "$work/paddock.conf" | sed 's/^/   /'
wait "$session1"
echo
echo "-- after the last logout:"
# The holder removes the state, then (its processes gone) the cgroups: wait for both.
for _ in $(seq 50); do
	left=$(find /sys/fs/cgroup -maxdepth 3 -name "user-$uid" 2>/dev/null)
	[ -e "/run/paddock/$uid" ] || [ -n "$left" ] || break
	sleep 0.1
done
if [ -e "/run/paddock/$uid" ]; then
	echo "   the paddock of $user is still there (unexpected)"
	exit 1
fi
echo "   holder, namespace records and state of $user: gone"
echo "   cgroups of $user: ${left:-gone}"
echo
if [ -n "$audit_pid" ]; then
	sleep 0.3
	echo "-- the audit records of these logins (kernel audit log; a few fields of each):"
	grep 'virt=paddock' "$work/audit.log" | grep -F "\"$user\"" |
		sed -E 's/^type=([A-Z_]+) msg=audit\([0-9.:]+\): .*msg=.virt=paddock (op=[a-z-]+).*(cgroup="[^"]*").*(pid_ns=[0-9?]+).*(memory_max=[0-9a-z]+).*(res=[a-z]+).*/   \1 \2 \3 \4 \5 \6/'
else
	echo "-- this kernel has no audit: no records to show (syslog has every decision)"
fi
echo
echo "make demo: done; user $user removed."
