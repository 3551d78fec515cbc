# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# SC2034: globals are set for the scripts that source this file.
# SC2015: "a && b || complain" is meant.
# shellcheck disable=SC2016,SC2034,SC2015
#
# tests/vm/common.sh: what both guests test, sourced by tests/vm/run after lib.sh.
# Each guest script sets CG_KIND (systemd | cgroupfs) and calls these in order.
#
# Users (made in the image, tests/vm/guest/customize.sh): pdk1 (uid 2001) and pdk2
# (2002) hold two sessions each; pdk3 (2003) is the systemd-user guinea pig.

# The policy of both guests: small limits the tests can hit quickly.  auto must pick
# the systemd manager on one guest and cgroupfs v2 on the other.
VM_POLICY='[global]
cgroup_manager = auto
on_error       = deny
linger         = 0

[default]
isolate         = yes
namespaces      = mount pid ipc uts net
network         = nat
memory_max      = 128M
memory_high     = max
memory_swap_max = 0
cpu_quota       = 20%
cpu_weight      = 50
tasks_max       = 48
kill_on_logout  = yes

[user:pdk2]
memory_max = 160M

[user:root]
isolate = no
'
VM_MEMMAX_2001=134217728
VM_MEMMAX_2002=167772160

# The user's cgroup directory in the guest, per manager.
cg_dir() {
	case "$CG_KIND" in
	systemd) echo "/sys/fs/cgroup/user.slice/user-$1.slice" ;;
	*) echo "/sys/fs/cgroup/paddock.slice/user-$1" ;;
	esac
}

vm_root_in() { # CMD, with stdin
	local VM_SSH
	vm_ssh_argv root
	timeout -k 5 "$VM_CMD_TIMEOUT" "${VM_SSH[@]}" -o ControlMaster=auto \
		-o ControlPath="$VM_RUN/mux-%r" -o ControlPersist=600 127.0.0.1 "$@"
}

# The package (make deb on the host, same Debian 12 ABI) installed as an admin would:
# apt-get install ./paddock_*.deb.  The guest has no network: everything the package
# depends on is in the image, so apt needs no archive.  It is installed, not enabled.
vm_install() {
	vm_root_in "cat >/root/${VM_DEB##*/}" <"$VM_DEB" &&
		vm_root "cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./${VM_DEB##*/}" &&
		vm_root 'ldd /usr/sbin/paddock "$(dpkg -L paddock | grep "/pam_paddock.so$")" |
			{ ! grep "not found"; } && paddock --help >/dev/null &&
			! grep -rq pam_paddock /etc/pam.d && grep -qx /usr/sbin/paddock-shell /etc/shells'
}

# The policy, then pam-auth-update --enable paddock: the profile puts the module last
# in common-session, after pam_systemd, so that logind has made session-N.scope in
# user-UID.slice (and the runtime dir) before paddock runs.
vm_configure() {
	printf '%s' "$VM_POLICY" | vm_root_in 'cat >/etc/security/paddock.conf &&
		chmod 0644 /etc/security/paddock.conf && paddock check &&
		pam-auth-update --enable paddock &&
		grep -E "^session\s+required\s+pam_paddock\.so" /etc/pam.d/common-session &&
		grep -n -E "pam_(systemd|paddock)\.so" /etc/pam.d/common-session | cut -d: -f1 | tr "\n" " " |
			awk "{ exit !(NF == 2 && \$1 < \$2) }"'
}

# The preflight an admin runs before enabling (the install hint): exit 0 on this guest's
# stack as Debian ships it, with the module enabled.
vm_check_system() {
	vm_root 'out=$(paddock check --system 2>&1); rc=$?; echo "$out"; exit $rc'
}

# The kernel's records of pdk1's paddock, as auditd kept them: a start (with the
# namespaces, cgroup and limits), the limits, a join and an end, each res=success.
# --input-logs: without a terminal on stdin, ausearch reads its records from stdin.
vm_audit_records() {
	vm_root 'systemctl is-active -q auditd 2>/dev/null || pgrep -x auditd >/dev/null' || {
		echo "auditd is not running"
		return 1
	}
	local out op
	out=$(vm_root 'ausearch --input-logs -m VIRT_CONTROL,VIRT_RESOURCE -ua pdk1 2>/dev/null') || {
		echo "ausearch found nothing"
		return 1
	}
	for op in start join end; do
		grep "type=VIRT_CONTROL" <<<"$out" | grep "virt=paddock op=$op " | grep " id=2001 " |
			grep "pid_ns=[0-9]" | grep "cgroup=" | grep "memory_max=$VM_MEMMAX_2001" |
			grep -q "res=success" || {
			echo "no op=$op record with its fields:"
			grep virt=paddock <<<"$out" | tail -n 4
			return 1
		}
	done
	grep "type=VIRT_RESOURCE" <<<"$out" | grep "op=limits" | grep -q "memory_max=$VM_MEMMAX_2001" || {
		echo "no VIRT_RESOURCE op=limits record"
		return 1
	}
	grep -c virt=paddock <<<"$out" | sed 's/^/records: /'
}

# apt-get purge, after every session ended: no file of the package, no PAM line, no
# /etc/shells entry, no state, no cgroup of paddock's own.
vm_purge() {
	vm_root 'dpkg -L paddock >/root/paddock.files &&
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q paddock >/dev/null &&
		left=$(while read -r f; do
			# directories (and the /lib symlink of a merged /usr) are shared
			[ -d "$f" ] || { [ ! -e "$f" ] && [ ! -L "$f" ]; } || echo "$f"
		done </root/paddock.files)
		[ -z "$left" ] || { echo "files left: $left"; exit 1; }
		for p in /etc/security/paddock.conf /etc/security/paddock.d /usr/share/doc/paddock /run/paddock; do
			[ ! -e "$p" ] || { echo "left: $p"; ls -la "$p"; exit 1; }
		done
		! grep -rn paddock /etc/pam.d /var/lib/pam || { echo "PAM config names paddock"; exit 1; }
		! nft list table inet paddock >/dev/null 2>&1 || { echo "table inet paddock left"; exit 1; }
		! grep -n paddock /etc/shells || { echo "/etc/shells names paddock"; exit 1; }
		cg=$(find /sys/fs/cgroup -name "*paddock*")
		[ -z "$cg" ] || { echo "cgroups left: $cg"; exit 1; }
		! dpkg -s paddock >/dev/null 2>&1 || { echo "dpkg still knows paddock"; exit 1; }'
}

t_eq() { # DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		t_result 0 "$1"
	else
		t_result 1 "$1"
		t_diag "expected: $2"
		t_diag "got:      $3"
	fi
}

# The four held sessions, opened two at a time (two users' first logins at once).
common_sessions() {
	local ok=0 id
	vm_session_start a1 pdk1
	vm_session_start b1 pdk2
	vm_session_wait a1 || ok=1
	vm_session_wait b1 || ok=1
	vm_session_start a2 pdk1
	vm_session_start b2 pdk2
	vm_session_wait a2 || ok=1
	vm_session_wait b2 || ok=1
	t_result $ok "two users x two ssh sessions open through the session stack"
	[ $ok -eq 0 ] || for id in a1 a2 b1 b2; do t_diag "$id: $(tr -d '\r' <"$VM_RUN/sess-$id.out" | tail -n 5)"; done
}

ns_of() { # SESSION: its five namespace links on one line
	local n out=
	for n in mnt pid ipc uts net; do out="$out $(vm_session_get "$1" "ns $n")"; done
	echo "${out# }"
}

common_namespaces() {
	local a1 a2 b1 b2 host n shared=0
	a1=$(ns_of a1) a2=$(ns_of a2) b1=$(ns_of b1) b2=$(ns_of b2)
	# (the comparisons below would pass on sessions that reported nothing)
	t_eq "all four sessions reported five namespaces each" "5 5 5 5" \
		"$(for n in "$a1" "$a2" "$b1" "$b2"; do grep -o ':\[' <<<"$n" | grep -c .; done | tr '\n' ' ' | sed 's/ $//')"
	t_eq "pdk1's two sessions share mnt pid ipc uts net" "$a1" "$a2"
	t_eq "pdk2's two sessions share mnt pid ipc uts net" "$b1" "$b2"
	host=$(vm_root 'for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done | tr "\n" " "')
	for n in $a1; do
		case " $b1 $host " in *" $n "*) shared=1 ;; esac
	done
	t_result $shared "pdk1, pdk2 and the host have pairwise distinct namespaces (all five)"
	[ $shared -eq 0 ] || t_diag "pdk1: $a1 / pdk2: $b1 / host: $host"
}

# Inside a paddock: PID 1 is the holder and only the user's processes are visible.
common_pid_view() {
	local pid1 users
	pid1=$(vm_session_get a1 pid1) users=$(vm_session_get a1 users)
	case "$pid1" in "paddock holder"*) ;; *) users="pid 1 is '$pid1'" ;; esac
	t_eq "in pdk1's paddock PID 1 is the holder and only pdk1 (and the root holder) is seen" \
		"pdk1 root " "$users"
}

# /tmp, /var/tmp and /dev/shm: three directories of one tmpfs, its root mounted
# nowhere.  The guest's kernel (Debian 12: 6.1) cannot clone a detached mount, so this
# is the holder's path for kernels before 6.15.
common_tmp() {
	local tmp devs roots
	tmp=$(vm_session_get a1 tmp)
	# shellcheck disable=SC2086 # "DEV ROOT DEV ROOT DEV ROOT", split on purpose
	set -- $tmp
	devs=$(printf '%s\n' "$1" "$3" "$5" | sort -u | grep -c .)
	roots=$(printf '%s\n' "$2" "$4" "$6" | grep -v '^/$' | sort -u | grep -c .)
	t_eq "pdk1's /tmp, /var/tmp and /dev/shm: three directories of one file system ($tmp)" \
		"1 3" "$devs $roots"
	t_eq "... and its root is mounted nowhere in the paddock" 0 "$(vm_session_get a1 tmproot)"
}

# sshd runs at -1000 (ssh.service OOMScoreAdjust, or the minimal init); root's
# session, exempt, inherits it; the isolated user's shell must be at 0.
common_oom_score_adj() {
	local sshd root_s
	sshd=$(vm_root 'cat /proc/$(pgrep -o -x sshd)/oom_score_adj')
	root_s=$(vm_root 'cat /proc/self/oom_score_adj')
	t_eq "sshd and root's (exempt) session run at oom_score_adj -1000" "-1000 -1000" "$sshd $root_s"
	t_eq "the isolated users' shells run at oom_score_adj 0" "0 0 0 0" \
		"$(vm_session_get a1 oom) $(vm_session_get a2 oom) $(vm_session_get b1 oom) $(vm_session_get b2 oom)"
}

common_cgroup_files() {
	local d1 d2 got
	d1=$(cg_dir 2001) d2=$(cg_dir 2002)
	got=$(vm_root "cd $d1 && echo \$(cat memory.max memory.high memory.swap.max cpu.max cpu.weight pids.max)")
	t_eq "cgroup files of ${d1#/sys/fs/cgroup}" "$VM_MEMMAX_2001 max 0 20000 100000 50 48" "$got"
	got=$(vm_root "cat $d2/memory.max")
	t_eq "per-user policy: ${d2#/sys/fs/cgroup}/memory.max is pdk2's" "$VM_MEMMAX_2002" "$got"
}

cg_key() { # UID FILE KEY: a value of a flat-keyed cgroup file
	vm_root "awk '\$1 == \"$3\" { print \$2 }' $(cg_dir "$1")/$2"
}

# memory_max is enforced by the kernel's OOM killer inside the user's cgroup only.
common_oom() {
	local out alive=0 id
	out=$(vm_user pdk1 'perl -e "\$x = q(x) x (400 * 1048576); print qq(survived\n)"; echo "rc=$?"' 2>/dev/null)
	t_eq "400M in pdk1's paddock (memory_max 128M) is OOM-killed" "rc=137" "$(echo "$out" | tail -n 1)"
	t_ok "memory.events of pdk1's cgroup counts the oom_kill" \
		test "$(cg_key 2001 memory.events oom_kill)" -ge 1
	for id in a1 a2 b1 b2; do vm_session_alive $id || alive=1; done
	vm_root 'pgrep -x sshd >/dev/null' || alive=1
	[ "$(cg_key 2002 memory.events oom_kill)" = 0 ] || alive=1
	t_result $alive "the OOM kill stayed inside: all four sessions, sshd live, pdk2 has no oom_kill"
}

common_cpu() {
	local before after
	before=$(cg_key 2002 cpu.stat nr_throttled)
	vm_user pdk2 'timeout 3 sh -c "while :; do :; done"; true' >/dev/null
	after=$(cg_key 2002 cpu.stat nr_throttled)
	# TCG makes the share loose (testing.md): the configured value and throttling, not a %.
	t_ok "a busy loop in pdk2's paddock is throttled (nr_throttled $before -> $after)" \
		test "${after:-0}" -gt "${before:-0}"
}

# tasks_max: forks beyond it fail (EAGAIN) instead of exhausting the machine.
common_tasks() {
	local n
	n=$(vm_user pdk1 'perl -e "my @k; for (1..200) { my \$p = fork; last unless defined \$p;
		if (!\$p) { sleep 60; exit 0 } push @k, \$p } print scalar(@k), qq(\n); kill 9, @k;
		waitpid(\$_, 0) for @k"')
	t_ok "tasks_max 48: pdk1 could fork only $n of 200 children" test "${n:-999}" -lt 48 -a "${n:-0}" -gt 0
}

root_and_pdk2_login() { vm_root true && vm_user pdk2 true; }

# Refused forks in the user's cgroup subtree.  A refused fork counts in the forking
# task's own cgroup (session-N.scope under the systemd manager), not where the limit
# sits, so the subtree is added up (a scope that goes away meanwhile is skipped).
pids_refused() {
	vm_root "find $(cg_dir "$1") -name pids.events -exec awk '\$1 == \"max\" { print \$2 }' {} + 2>/dev/null |
		awk '{ s += \$1 } END { print s + 0 }'"
}

bomb_refused_more_than() { [ "$(pids_refused 2001)" -gt "$1" ]; }

# A real fork bomb: capped at tasks_max; root and other users still log in; the
# holder's SIGTERM teardown (paddock stop) ends it.
common_fork_bomb() {
	local cur before after
	before=$(pids_refused 2001)
	vm_user pdk1 'setsid bash -c ":(){ :|:& };:" </dev/null >/dev/null 2>&1 & sleep 1; echo bomb' >/dev/null
	# The bomb grows at cpu_quota 20% under TCG: wait until it meets the limit.
	vm_wait_for 120 bomb_refused_more_than "${before:-0}"
	cur=$(vm_root "cat $(cg_dir 2001)/pids.current")
	after=$(pids_refused 2001)
	t_ok "fork bomb in pdk1's paddock: stopped at tasks_max (pids.current $cur <= 48, refused forks $before -> $after)" \
		test "${cur:-999}" -le 48 -a "${after:-0}" -gt "${before:-0}"
	t_ok "during the bomb root and pdk2 still log in" root_and_pdk2_login
	vm_root 'pkill -TERM -f "^paddock holder --uid 2001 "'
	t_ok "the holder's teardown (SIGTERM) kills the bomb: no process of pdk1 left" \
		vm_wait_for 30 vm_root '! pgrep -u pdk1 >/dev/null'
}

# paddock status and reload on this guest's manager (pdk2's paddock is live): status
# reads the limits back from the kernel, reload changes memory_max through the same
# path the login used (the systemd manager: D-Bus) and reports before -> after.
status_fields() { # USER: "user memory.max cpu.quota tasks.max weight matches_policy"
	vm_root "paddock status --json $1" | python3 -c 'import json, sys
p = json.load(sys.stdin)[0]
print(p["user"], p["memory"]["max"], p["cpu"]["quota_percent"], p["tasks"]["max"],
      p["cpu"]["weight"], p["matches_policy"])'
}

common_status_reload() {
	local path out
	case "$CG_KIND" in
	systemd) path=/user.slice/user-2002.slice ;;
	*) path=/paddock.slice/user-2002 ;;
	esac
	t_eq "paddock status --json pdk2: the limits in force, read back, match the policy" \
		"pdk2 $VM_MEMMAX_2002 20 48 50 True" "$(status_fields pdk2)"
	# paddock metrics reads every paddock below the parent it opened once per run
	# (CgroupUsageCache): the same limits as status, and CPU time
	out=$(vm_root 'paddock metrics' | awk '/^paddock_(memory_limit_bytes|tasks_limit)\{user="pdk2",/ {
		sub(/\{.*\}/, ""); print }' | sort | paste -sd' ' -)
	t_eq "paddock metrics: pdk2's limits, as status reads them" \
		"paddock_memory_limit_bytes $VM_MEMMAX_2002 paddock_tasks_limit 48" "$out"
	t_ok "paddock metrics: ... and pdk2's CPU time" vm_root \
		"paddock metrics | grep -Eq '^paddock_cpu_usage_seconds_total\\{user=\"pdk2\",uid=\"2002\"\\} [0-9.e+-]+\$'"
	out=$(vm_root "sed -i 's/^memory_max = 160M/memory_max = 192M/' /etc/security/paddock.conf &&
		paddock reload" | grep '^pdk2 ')
	t_eq "paddock reload after memory_max 160M -> 192M for pdk2: reports the change" \
		"pdk2 (uid 2002): $path: memory_max 160M -> 192M" "$out"
	t_eq "... 192M is live in $(cg_dir 2002)/memory.max" 201326592 \
		"$(vm_root "cat $(cg_dir 2002)/memory.max")"
	[ "$CG_KIND" = systemd ] &&
		t_eq "... and systemd has it on user-2002.slice (MemoryMax)" "MemoryMax=201326592" \
			"$(vm_root 'systemctl show -p MemoryMax user-2002.slice')"
	t_eq "... status says so and matches the policy" "pdk2 201326592 20 48 50 True" \
		"$(status_fields pdk2)"
	out=$(vm_root "sed -i 's/^memory_max = 192M/memory_max = 160M/' /etc/security/paddock.conf &&
		paddock reload" | grep '^pdk2 ')
	t_eq "paddock reload back to 160M" "pdk2 (uid 2002): $path: memory_max 192M -> 160M" "$out"
}
