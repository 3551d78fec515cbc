#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/escape.sh: escape attempts by an isolated user from inside a real "su -"
# session through pam_paddock.so, and the admin-side checks that go with them:
#   * threat 9:  no limit file and no cgroup.procs/tasks outside the user's cgroup can
#                be written (inside: read-only mount; on the host: root-owned files),
#                also not from a user + cgroup + mount namespace of the user's own
#                (CVE-2022-0492 class);
#   * threat 1:  no state (ctl socket, records) under /run/paddock inside a paddock;
#   * threat 5:  PID 1 (the holder) cannot be signalled, traced or read, has no core;
#   * threat 7:  the user cannot mount; root's mount inside the paddock stays inside,
#                an admin's later mount on the host shows up inside (rslave);
#   * threat 4:  a fresh shell has fds 0, 1, 2 only (first and joining login);
#   * threat 8:  the user sees neither the host's processes nor another user's paddock.
# SC2016: the single-quoted scripts run in the user's shell, expanded there on purpose.
# SC2015: "a && b || t_bail" is meant (t_bail if any step fails).
# SC1091: lib.sh is found at run time.
# SC2317: functions run from t_cleanup_add and t_ok look unreachable to shellcheck.
# shellcheck disable=SC2016,SC2015,SC1091,SC2317
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t__need nsenter util-linux
t__need strace strace
PY=/usr/bin/python3           # the user cannot run root's pyenv shims
[ -x "$PY" ] || t_bail "$PY missing (python3 from Debian)"

t_cgroup_parent

t_policy escape.conf "$(t_policy_global)

[default]
memory_max = 256M
tasks_max = 64
cpu_quota = 50%
hostname = %u-box"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"

t_user alice
alice=$T_USER alice_uid=$T_UID alice_home=$T_HOME
t_user bob
bob=$T_USER bob_uid=$T_UID
t_user carol
carol=$T_USER

# holder_pid UID: the host pid of the user's holder (read-only look-up).
holder_pid() {
	pgrep -f "^paddock holder --uid $1 " | head -1
}
# user_script NAME USER CONTENT: a script (root-owned, 0644) in USER's home for su -c.
user_script() {
	local home
	home=$(getent passwd "$2" | cut -d: -f6)
	printf '%s\n' "$3" >"$home/.t-$1.sh" && chmod 0644 "$home/.t-$1.sh" ||
		t_bail "cannot write $home/.t-$1.sh"
}
# clean_exec CMD...: exec CMD with no fd open but 0, 1 and 2 (the test's own caller may
# pass others; they are not the module's to close).
clean_exec() {
	local fd
	for fd in "/proc/$BASHPID/fd/"*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done 2>/dev/null
	exec "$@"
}

# A shared mount point in the nest (made before any paddock starts): the nest's mounts are
# private, so without this the rslave check would pass vacuously.  A paddock's copy of it
# becomes a slave: host -> paddock propagates, paddock -> host does not.
# Under /run (the nest's overlay): it exists in the paddock too ($T_TMP is below /tmp,
# which the paddock replaces with its own tmpfs) and never reaches the real host.
prop=/run/pdkt-prop-$$
mkdir -p "$prop" && mount -t tmpfs -o size=1m,mode=0755 pdkt-prop "$prop" &&
	mount --make-shared "$prop" || t_bail "cannot make the shared mount $prop"
mkdir "$prop/from-host" "$prop/from-paddock"
t_cleanup_add rmdir "$prop"
t_cleanup_add umount -R "$prop"

# --- long-lived sessions: alice's and bob's paddocks ----------------------------------------
t_sess_start a-keep "$alice" 'sleep 3456 & echo "alice-sleep $!"'
t_sess_start b-keep "$bob" 'sleep 4321 & echo "bob-sleep $!"'
t_ok "setup: alice's session is up" t_sess_wait a-keep
t_ok "setup: bob's session is up" t_sess_wait b-keep
t_bg sleep 5678               # a host process of the test, never visible inside
own_pid=$T_BG_PID
hpid=$(holder_pid "$alice_uid")
t_ok "setup: alice's holder found on the host (pid ${hpid:-none})" test -n "$hpid"
hstart=$(t__starttime "${hpid:-0}")

# --- threat 9: cgroup files ---------------------------------------------------------------------------
mine=$T_PARENT/user-$alice_uid
bobs=$T_PARENT/user-$bob_uid
limit_files=(
	"memory$mine/memory.limit_in_bytes" "memory$mine/memory.memsw.limit_in_bytes"
	"pids$mine/pids.max" "cpu$mine/cpu.cfs_quota_us" "cpu$mine/cpu.cfs_period_us"
	"memory$T_PARENT/memory.limit_in_bytes" "pids$T_PARENT/pids.max" "cpu$T_PARENT/cpu.cfs_quota_us"
)
procs_files=(
	memory/cgroup.procs memory/tasks pids/cgroup.procs cpu/tasks
	"memory$T_PARENT/cgroup.procs" "pids$T_PARENT/tasks"
	"memory$bobs/cgroup.procs" "memory$bobs/tasks" "pids$bobs/cgroup.procs" "cpu$bobs/tasks"
)
declare -A before=()
for f in "${limit_files[@]}"; do before[$f]=$(cat "/sys/fs/cgroup/$f"); done
for f in "${procs_files[@]}"; do
	case $f in *"$bobs"/*) before[$f]=$(sort "/sys/fs/cgroup/$f" | md5sum) ;; esac
done
# alice_in FILE: the processes listed in a cgroup.procs/tasks file that belong to alice.
alice_in() {
	local p
	while read -r p; do
		[ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$alice_uid" ] && echo "$p"
	done <"$1"
	return 0
}
script='for f in "$@"; do
	case $f in *procs|*tasks) v=$$ ;; *limit_in_bytes) v=1073741824 ;; *) v=max ;; esac
	if ( echo "$v" >"/sys/fs/cgroup/$f" ) 2>/tmp/.err; then echo "WROTE $f"
	else echo "DENIED $f: $(cat /tmp/.err)"; fi
done
echo "self $(grep -E ":(memory|pids|cpu):" /proc/self/cgroup | tr "\n" " ")"'
user_script cgwrite "$alice" "$script"
t_ok "cgroup: alice's write attempts ran inside her session" \
	su - "$alice" -c "bash ~/.t-cgwrite.sh ${limit_files[*]} ${procs_files[*]}"
out=$T_OUT
for f in "${limit_files[@]}" "${procs_files[@]}"; do
	t_like "cgroup: alice cannot write $f (EACCES/EPERM/EROFS)" \
		"DENIED $f: .*(Permission denied|Operation not permitted|Read-only file system)" \
		"$(grep -F " $f:" <<<"$out")"
done
t_nok "cgroup: ... no write succeeded" grep -q '^WROTE' <<<"$out"
t_like "cgroup: ... alice's shell is still in her own cgroups" \
	"^self ([0-9]+:[a-z,]+:$mine ){3}\$" "$(grep '^self' <<<"$out")"
for f in "${limit_files[@]}"; do
	t_is "cgroup: $f unchanged on the host" "${before[$f]}" "$(cat "/sys/fs/cgroup/$f")"
done
for f in "${procs_files[@]}"; do
	case $f in
	*"$bobs"/*) t_is "cgroup: bob's $f unchanged on the host" "${before[$f]}" \
		"$(sort "/sys/fs/cgroup/$f" | md5sum)" ;;
	*) t_is "cgroup: no process of alice in $f (host view)" "" "$(alice_in "/sys/fs/cgroup/$f")" ;;
	esac
done
# Defence in depth: on the host's writable cgroupfs the files are root's, so even a user
# who reached it (outside any read-only mount) could not write them.
bad=$(find "$(t_cg memory "$alice_uid")" "$(t_cg cpu "$alice_uid")" "$(t_cg pids "$alice_uid")" \
	/sys/fs/cgroup/{memory,cpu,pids}"$T_PARENT" -maxdepth 1 \
	\( ! -user root -o ! -group root -o \( -perm /022 ! -name cgroup.event_control \) \) 2>&1)
t_is "cgroup: no file or directory of the user's cgroups is the user's or group/other writable" "" "$bad"
for f in "memory$mine/memory.limit_in_bytes" "pids$mine/pids.max" "cpu$mine/cpu.cfs_quota_us" \
	memory/cgroup.procs "pids$bobs/cgroup.procs"; do
	t_nok "cgroup: as uid $alice_uid on the host's writable cgroupfs, $f is refused" \
		setpriv --reuid="$alice_uid" --regid="$alice_uid" --clear-groups \
		sh -c "echo 1 >/sys/fs/cgroup/$f"
done

# CVE-2022-0492 class: in a user + cgroup + mount namespace of her own (the kernel lets
# her create them here), alice may mount the v1 hierarchies afresh, rooted at her own
# cgroup, with her "root" uid.  The files stay the real root's: nothing may be written,
# no child cgroup made, and the read-only view of /sys/fs/cgroup cannot be made writable.
script='mkdir -p /tmp/cg-m /tmp/cg-p
exec unshare -UrmC --propagation private sh -c '\''
try() { if ( eval "$2" ) 2>/tmp/.err; then echo "WROTE $1"; else echo "DENIED $1: $(cat /tmp/.err)"; fi; }
if mount -t cgroup -o memory cgroup /tmp/cg-m 2>/tmp/.err; then echo "mounted memory"; else echo "no-mount memory: $(cat /tmp/.err)"; fi
if mount -t cgroup -o pids cgroup /tmp/cg-p 2>/tmp/.err; then echo "mounted pids"; else echo "no-mount pids: $(cat /tmp/.err)"; fi
if mountpoint -q /tmp/cg-m; then
	try memory.limit_in_bytes "echo 4294967296 >/tmp/cg-m/memory.limit_in_bytes"
	try memory.memsw.limit_in_bytes "echo 4294967296 >/tmp/cg-m/memory.memsw.limit_in_bytes"
	try notify_on_release "echo 1 >/tmp/cg-m/notify_on_release"
	try cgroup.procs "echo \$\$ >/tmp/cg-m/cgroup.procs"
	try release_agent "echo /tmp/x >/tmp/cg-m/release_agent"
	try mkdir "mkdir /tmp/cg-m/pdkt-sub"
fi
if mountpoint -q /tmp/cg-p; then
	try pids.max "echo max >/tmp/cg-p/pids.max"
fi
try remount-rw "mount -o remount,rw,bind /sys/fs/cgroup/memory"
try write-ro-view "echo 4294967296 >/sys/fs/cgroup/memory'"$mine"'/memory.limit_in_bytes"
'\'
user_script userns "$alice" "$script"
lim_before=$(cat "$(t_cg memory "$alice_uid")/memory.limit_in_bytes")
pids_before=$(cat "$(t_cg pids "$alice_uid")/pids.max")
t_ok "cgroup (userns): alice's attempts ran" su - "$alice" -c 'bash ~/.t-userns.sh'
out=$T_OUT
t_diag "$(grep -E '^(mounted|no-mount)' <<<"$out")"
t_nok "cgroup (userns): nothing was written or created" grep '^WROTE' <<<"$out"
tries=()
grep -q '^mounted memory' <<<"$out" &&
	tries+=(memory.limit_in_bytes memory.memsw.limit_in_bytes notify_on_release cgroup.procs mkdir)
grep -q '^mounted pids' <<<"$out" && tries+=(pids.max)
for what in "${tries[@]}"; do
	t_like "cgroup (userns): $what refused" "^DENIED $what: .*(Permission denied|Operation not permitted|Read-only)" \
		"$(grep -E "^(DENIED|WROTE) $what" <<<"$out")"
done
t_like "cgroup (userns): the read-only view cannot be remounted writable" '^DENIED remount-rw' \
	"$(grep 'remount-rw' <<<"$out")"
t_like "cgroup (userns): ... nor written through" '^DENIED write-ro-view' "$(grep 'write-ro-view' <<<"$out")"
t_is "cgroup (userns): memory limit unchanged on the host" "$lim_before" \
	"$(cat "$(t_cg memory "$alice_uid")/memory.limit_in_bytes")"
t_is "cgroup (userns): pids.max unchanged on the host" "$pids_before" "$(cat "$(t_cg pids "$alice_uid")/pids.max")"
t_ok "cgroup (userns): no child cgroup appeared on the host" test ! -e "$(t_cg memory "$alice_uid")/pdkt-sub"

# --- threat 5: the holder ----------------------------------------------------------------------------
script='for s in TERM KILL STOP HUP INT USR1; do
	kill -s $s 1 2>/tmp/.err; echo "kill-$s rc=$? $(cat /tmp/.err)"; done
echo "pid1 $(tr "\0" " " </proc/1/cmdline)"'
user_script signal "$alice" "$script"
t_ok "holder: alice's signal attempts ran" su - "$alice" -c 'bash ~/.t-signal.sh'
out=$T_OUT
t_like "holder: ... PID 1 is the holder" '^pid1 paddock holder ' "$(grep '^pid1' <<<"$out")"
for s in TERM KILL STOP; do
	t_like "holder: kill -$s 1 is refused (EPERM)" "kill-$s rc=[1-9].*Operation not permitted" \
		"$(grep "^kill-$s " <<<"$out")"
done
sleep 0.3
t_ok "holder: the same holder is alive afterwards" t__alive "${hpid:-0}" "$hstart"
t_is "holder: ... and not stopped" "" \
	"$(awk '{ sub(/^.*\) /, ""); if ($1 == "T" || $1 == "t") print "stopped" }' "/proc/${hpid:-0}/stat" 2>&1)"
t_ok "holder: a new login still joins it" su - "$alice" -c 'tr "\0" " " </proc/1/cmdline'
t_like "holder: ... PID 1 is still the holder" '^paddock holder --uid' "$T_OUT"
t_ok "holder: alice's long session is still there" kill -0 "${T_SESS_PID[a-keep]}"

script='strace -p 1 -e trace=none -o /dev/null & sp=$!; sleep 1; kill $sp 2>/dev/null; wait $sp; echo "strace rc=$?"
'"$PY"' - <<EOF
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
for name, req in (("ATTACH", 16), ("SEIZE", 0x4206)):
    r = libc.ptrace(req, 1, None, None)
    print("ptrace-%s rc=%d errno=%s" % (name, r, errno.errorcode.get(ctypes.get_errno(), "0")))
EOF
for f in environ mem maps fd root cwd auxv; do
	if ls -d /proc/1/$f/. >/dev/null 2>&1 || head -c1 /proc/1/$f >/dev/null 2>/tmp/.err; then
		echo "proc-$f readable"
	else echo "proc-$f denied $(cat /tmp/.err)"; fi
done'
user_script ptrace "$alice" "$script"
t_ok "holder: alice's trace and /proc/1 attempts ran" su - "$alice" -c 'bash ~/.t-ptrace.sh 2>&1'
out=$T_OUT
t_like "holder: strace -p 1 fails" 'strace rc=[1-9]' "$(grep '^strace' <<<"$out")"
t_like "holder: ... with 'Operation not permitted'" 'attach: ptrace\(PTRACE_SEIZE, 1\): Operation not permitted' "$out"
t_is "holder: ptrace(PTRACE_ATTACH, 1) fails with EPERM" "ptrace-ATTACH rc=-1 errno=EPERM" \
	"$(grep '^ptrace-ATTACH' <<<"$out")"
t_is "holder: ptrace(PTRACE_SEIZE, 1) fails with EPERM" "ptrace-SEIZE rc=-1 errno=EPERM" \
	"$(grep '^ptrace-SEIZE' <<<"$out")"
for f in environ mem maps fd root cwd auxv; do
	t_like "holder: /proc/1/$f is not readable by alice (EACCES)" "^proc-$f denied .*Permission denied" \
		"$(grep "^proc-$f " <<<"$out")"
done
t_like "holder: /proc/1/environ says Permission denied" 'Permission denied' "$(grep '^proc-environ' <<<"$out")"
t_ok "holder: still alive after the trace attempts" t__alive "${hpid:-0}" "$hstart"
t_like "holder: no core dumps (RLIMIT_CORE 0, host view)" '^Max core file size +0 +0 ' \
	"$(grep '^Max core file size' "/proc/${hpid:-0}/limits" 2>&1)"
# (PR_GET_DUMPABLE of another process is not observable from outside without a
# ptrace-capable observer, which root always is; the effects are checked above.)

# --- threat 7: mounts --------------------------------------------------------------------------------------
script='mkdir -p ~/mnt-try
mount -t tmpfs none ~/mnt-try 2>&1; echo "mount rc=$?"
unshare -m true 2>&1; echo "unshare-m rc=$?"
if command -v fusermount fusermount3 >/dev/null 2>&1; then echo "fusermount present"; else echo "fusermount absent"; fi
if [ -w /dev/fuse ] || [ -r /dev/fuse ]; then echo "dev-fuse usable"; else echo "dev-fuse unusable"; fi
# A user namespace of its own may let alice mount (the kernel allows it on this host):
# such a mount must not reach the paddock or the host.
if unshare -Urm sh -c "mount -t tmpfs pdkt-userns ~/mnt-try && touch ~/mnt-try/in-userns && echo userns-mounted" 2>&1
then echo "userns-mount possible"; else echo "userns-mount refused"; fi
mountpoint -q ~/mnt-try && echo "paddock sees the userns mount" || echo "paddock does not see the userns mount"
[ -e ~/mnt-try/in-userns ] && echo "paddock sees the userns file" || echo "paddock does not see the userns file"
exit 0'
user_script mount "$alice" "$script"
t_ok "mount: alice's mount attempts ran" su - "$alice" -c 'bash ~/.t-mount.sh'
out=$T_OUT
t_like "mount: mount -t tmpfs as alice fails" 'mount rc=[1-9]' "$out"
t_like "mount: unshare -m as alice fails (EPERM)" 'unshare-m rc=[1-9]' "$out"
t_like "mount: ... 'Operation not permitted'" "unshare: unshare failed: Operation not permitted" "$out"
t_like "mount: no fusermount" 'fusermount absent' "$out"
t_like "mount: /dev/fuse unusable by alice" 'dev-fuse unusable' "$out"
t_diag "$(grep '^userns-mount' <<<"$out")"
t_like "mount: a mount in alice's own user namespace is not seen by her paddock" \
	'paddock does not see the userns mount' "$out"
t_like "mount: ... nor its file" 'paddock does not see the userns file' "$out"
t_nok "mount: ... nor on the host" mountpoint -q "$alice_home/mnt-try"
t_ok "mount: ... nor its file on the host" test ! -e "$alice_home/mnt-try/in-userns"

# Root enters the paddock's mount namespace through the holder (nsenter, no paddock tool).
pin=/proc/${hpid:-0}/ns/mnt
t_ok "propagation: alice's sessions are in the holder's mount namespace" \
	test "$(readlink "$pin")" = "$(su - "$alice" -c 'readlink /proc/self/ns/mnt')"
t_ok "propagation: the shared test mount is in alice's paddock too" \
	nsenter --mount="$pin" mountpoint -q "$prop"
t_is "state: inside alice's paddock, even root finds no state under /run/paddock (no ctl, no records)" "" \
	"$(nsenter --mount="$pin" find /run/paddock -mindepth 1 2>&1)"
t_ok "state: (on the host, alice's state exists)" test -S "/run/paddock/$alice_uid/ctl"
t_nok "state: alice cannot list /run/paddock" su - "$alice" -c 'ls -A /run/paddock/ | grep .'
# root mounts inside the paddock: must not reach the host
t_ok "propagation: root mounts a tmpfs inside alice's paddock (nsenter)" \
	nsenter --mount="$pin" sh -c "mount -t tmpfs -o size=1m pdkt-inside '$prop/from-paddock' &&
		touch '$prop/from-paddock/inside'"
t_ok "propagation: ... it is there inside" nsenter --mount="$pin" test -e "$prop/from-paddock/inside"
t_nok "propagation: ... it does NOT appear on the host" mountpoint -q "$prop/from-paddock"
t_ok "propagation: ... nor its file" test ! -e "$prop/from-paddock/inside"
# the admin mounts on the host after the paddock started: must appear inside
t_ok "propagation: the admin mounts a tmpfs on the host" \
	sh -c "mount -t tmpfs -o size=1m pdkt-host '$prop/from-host' && touch '$prop/from-host/host-file'"
t_ok "propagation: ... it DOES appear inside alice's paddock (rslave)" \
	nsenter --mount="$pin" mountpoint -q "$prop/from-host"
t_ok "propagation: ... with its file" nsenter --mount="$pin" test -e "$prop/from-host/host-file"
# mountinfo optional fields: the paddock's copy is a slave (master:N) and not shared
t_like "propagation: the paddock's copy of the shared mount is a slave, not shared" \
	' master:[0-9]+ - tmpfs pdkt-prop ' \
	"$(awk -v p="$prop" '$5 == p' "/proc/${hpid:-0}/mountinfo" | grep -v shared:)"
umount "$prop/from-host"

# --- threat 4: fds of a fresh shell ----------------------------------------------------------------------
# first login of a user (the paddock is created) and a joining login (alice's is live).
# ls runs while the shell waits for it, with no pipe or command substitution open in the
# shell itself (those would add an fd of the test's own making).
fdscript='ls -l /proc/$$/fd/ >/tmp/.fds-long; ls -1 /proc/$$/fd/ >/tmp/.fds
tail -n +2 /tmp/.fds-long; echo "fds $(sort -n /tmp/.fds | tr "\n" " ")"'
t_ok "fds: carol's first login runs (the paddock is started)" \
	clean_exec su - "$carol" -c "$fdscript"
t_is "fds: ... her shell has fds 0 1 2 only" "fds 0 1 2 " "$(grep '^fds' <<<"$T_OUT")"
t_diag "$(grep -v '^fds' <<<"$T_OUT")"
t_ok "fds: alice's joining login runs" \
	clean_exec su - "$alice" -c "$fdscript"
t_is "fds: ... her shell has fds 0 1 2 only" "fds 0 1 2 " "$(grep '^fds' <<<"$T_OUT")"
t_diag "$(grep -v '^fds' <<<"$T_OUT")"
t_ok "fds: no process of alice's paddock holds a state, namespace or cgroup fd" \
	sh -c "! su - '$alice' -c 'ls -l /proc/[0-9]*/fd/ 2>/dev/null' |
		grep -E -e '-> (/run/paddock|/sys/fs/cgroup|(mnt|pid|net|ipc|uts|cgroup|user):\[|socket:|anon_inode:\[pidfd\])'"

# --- threat 8: processes and other paddocks ------------------------------------------------------------------
script='echo "ns $(for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done | tr "\n" " ")"
echo "host $(hostname)"
ps -e -o pid=,user:32=,args= | while read -r pid user args; do echo "proc $pid $user $args"; done'
user_script ps "$alice" "$script"
user_script ps "$bob" "$script"
t_ok "procs: alice's view" su - "$alice" -c 'bash ~/.t-ps.sh'
a_out=$T_OUT
t_ok "procs: bob's view" su - "$bob" -c 'bash ~/.t-ps.sh'
b_out=$T_OUT
t_like "procs: alice sees PID 1 = the holder" '(^|
)proc 1 root paddock holder ' "$a_out"
t_like "procs: alice sees her own sleep" "proc [0-9]+ $alice sleep 3456" "$a_out"
t_nok "procs: alice does not see bob's sleep" grep -q 'sleep 4321' <<<"$a_out"
t_nok "procs: alice does not see the host's (the test's) sleep" grep -q 'sleep 5678' <<<"$a_out"
t_nok "procs: bob does not see alice's sleep" grep -q 'sleep 3456' <<<"$b_out"
t_is "procs: every process alice sees but PID 1 is hers" "" \
	"$(grep '^proc ' <<<"$a_out" | awk -v u="$alice" '$2 != 1 && $3 != u')"
t_ok "procs: alice sees only a handful of processes (< 15)" \
	test "$(grep -c '^proc ' <<<"$a_out")" -lt 15
a_ns=$(sed -n 's/^ns //p' <<<"$a_out")
b_ns=$(sed -n 's/^ns //p' <<<"$b_out")
for n in mnt pid ipc uts net; do
	a=$(grep -o "$n:\[[0-9]*\]" <<<"$a_ns")
	b=$(grep -o "$n:\[[0-9]*\]" <<<"$b_ns")
	t_ok "procs: alice's and bob's $n namespaces differ ($a / $b)" test -n "$a" -a "$a" != "$b"
	t_ok "procs: ... and alice's is not the host's" test "$a" != "$(readlink "/proc/self/ns/$n")"
done
# the read-only cgroup tree inside lists cgroups of others; their processes must not show
script='for f in /sys/fs/cgroup/memory/cgroup.procs /sys/fs/cgroup/pids/tasks \
	/sys/fs/cgroup/memory'"$bobs"'/cgroup.procs /sys/fs/cgroup/pids'"$bobs"'/tasks; do
	echo "cgprocs $f: $(tr "\n" " " <"$f")"; done
echo "cgusage-bob $(cat /sys/fs/cgroup/memory'"$bobs"'/memory.usage_in_bytes 2>&1)"'
user_script cgread "$alice" "$script"
t_ok "procs: alice reads the cgroup tree's process lists" su - "$alice" -c 'bash ~/.t-cgread.sh'
cg_out=$T_OUT
t_like "procs: ... bob's cgroup lists none of bob's processes to her" \
	"cgprocs /sys/fs/cgroup/memory$bobs/cgroup.procs: \$" "$(grep "memory$bobs/" <<<"$cg_out")"
t_like "procs: ... bob's pids cgroup neither" "cgprocs /sys/fs/cgroup/pids$bobs/tasks: \$" \
	"$(grep "pids$bobs/" <<<"$cg_out")"
root_list=$(grep '^cgprocs /sys/fs/cgroup/memory/cgroup.procs:' <<<"$cg_out")
t_ok "procs: (host view: the test's own sleep is in the root memory cgroup)" \
	grep -qx "$own_pid" /sys/fs/cgroup/memory/cgroup.procs
t_nok "procs: ... but the root memory cgroup does not list it to alice" \
	grep -qw -e "$own_pid" -e "$$" <<<"${root_list#*:}"
t_diag "design note (cgroupfs exposure): alice reads bob's cgroup and its usage: $(grep '^cgusage-bob' <<<"$cg_out")"
t_is "procs: alice's hostname from the template" "host $alice-box" "$(grep '^host' <<<"$a_out")"
t_is "procs: bob's hostname from the template" "host $bob-box" "$(grep '^host' <<<"$b_out")"

# --- end: the long sessions were unaffected -------------------------------------------------------------------------
t_ok "the test's own process is alive" kill -0 "$own_pid"
t_sess_end b-keep
t_is "bob's long session ends normally" 0 "$T_SESS_RC"
t_sess_end a-keep
t_is "alice's long session ends normally" 0 "$T_SESS_RC"

t_done
