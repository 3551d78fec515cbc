# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# SC2034: globals are set for the scripts that source this file.
# SC2015: "a && b || complain" is meant.
# shellcheck disable=SC2016,SC2034,SC2015
#
# tests/vm/guest-systemd.sh: guest 1, Debian 12 as it ships: systemd as PID 1, pure
# cgroup v2, logind, sshd, pam_systemd in common-session and pam_paddock after it.
# cgroup_manager = auto must pick the systemd manager.

cg_scopes_ok() {
	local id want
	for id in a1 a2 b1 b2; do
		case $id in a*) want=2001 ;; *) want=2002 ;; esac
		case "$(vm_session_get $id cgroup)" in
		"/user.slice/user-$want.slice/session-"*.scope) ;;
		*) echo "$id: $(vm_session_get $id cgroup)"; return 1 ;;
		esac
	done
}

loginctl_two_each() {
	local out
	out=$(vm_root 'loginctl list-sessions --no-legend') || return 1
	echo "$out"
	[ "$(echo "$out" | awk '$3 == "pdk1"' | wc -l)" = 2 ] &&
		[ "$(echo "$out" | awk '$3 == "pdk2"' | wc -l)" = 2 ]
}

# XDG_RUNTIME_DIR inside the paddock is logind's /run/user/UID: a file made inside
# shows up on the host side.
xdg_ok() {
	local id uid pid
	for id in a1 b2; do
		case $id in a*) uid=2001 ;; *) uid=2002 ;; esac
		[ "$(vm_session_get $id xdg)" = "/run/user/$uid" ] || { echo "$id: xdg $(vm_session_get $id xdg)"; return 1; }
		pid=$(vm_session_get $id xdgprobe)
		[ -n "$pid" ] && vm_root "test -f /run/user/$uid/paddock-probe-$pid" ||
			{ echo "$id: probe file missing"; return 1; }
	done
}

slice_props() {
	vm_root "systemctl show -p MemoryMax,MemoryHigh,MemorySwapMax,CPUQuotaPerSecUSec,CPUWeight,TasksMax user-$1.slice | sort | tr '\n' ' '"
}

# The paddock gone and logind clean for USER (UID): no holder, no state, no session,
# no user record (logind stops user@UID and the slice after UserStopDelaySec, 10 s).
gone_and_clean() {
	vm_root "! pgrep -f '^paddock holder --uid $2 ' >/dev/null && [ ! -e /run/paddock/$2 ] &&
		! loginctl list-sessions --no-legend | awk '{ print \$3 }' | grep -qx $1 &&
		! loginctl show-user $1 >/dev/null 2>&1"
}

user_manager_ns() { # UID NS: a namespace of user@UID.service's main process
	vm_root "p=\$(systemctl show -p MainPID --value user@$1.service) && [ \"\$p\" -gt 0 ] && readlink /proc/\$p/ns/$2"
}

user_manager_cgroup() {
	vm_root "p=\$(systemctl show -p MainPID --value user@$1.service) && [ \"\$p\" -gt 0 ] && cut -d: -f3 /proc/\$p/cgroup"
}

systemd_user_tests() {
	local in_net mgr_net mgr_cg svc status
	vm_session_start c1 pdk3
	vm_session_wait c1 || t_diag "pdk3 session: $(tr -d '\r' <"$VM_RUN/sess-c1.out" | tail -n 3)"
	in_net=$(vm_session_get c1 "ns net")
	mgr_net=$(user_manager_ns 2003 net)
	mgr_cg=$(user_manager_cgroup 2003)
	t_result "$([ -n "$in_net" ] && [ -n "$mgr_net" ] && [ "$in_net" != "$mgr_net" ] &&
		[ "$mgr_cg" = /user.slice/user-2003.slice/user@2003.service/init.scope ]; echo $?)" \
		"without pam_paddock in systemd-user (Debian's stack) systemd --user runs outside the paddock but in user-2003.slice"
	t_diag "paddock net $in_net, user manager net $mgr_net, cgroup $mgr_cg"
	svc=$(vm_user pdk3 'systemd-run --user -P -q sh -c "readlink /proc/self/ns/net; cut -d: -f3 /proc/self/cgroup"' | tr '\n' ' ')
	t_result "$(case "$svc" in "$mgr_net /user.slice/user-2003.slice/user@2003.service/"*) echo 0 ;; *) echo 1 ;; esac)" \
		"so a user service started from inside the paddock (systemd-run --user) runs in the host's netns, under the slice's limits"
	t_diag "service: $svc"
	vm_session_close c1
	vm_wait_for 40 gone_and_clean pdk3 2003 || t_diag "pdk3 not clean before the systemd-user change"

	# With the module in systemd-user, the user manager would run pam_paddock in the
	# process that then execs systemd --user: it could join the paddock's mount
	# namespace (whose /proc is the paddock's PID namespace) but not the PID namespace
	# itself, and systemd fails on /proc/self.  The module refuses it with the reason.
	vm_root '{ cat /usr/lib/pam.d/systemd-user; echo "session required pam_paddock.so"; } >/etc/pam.d/systemd-user'
	vm_user pdk3 true >/dev/null
	status=$(vm_root 'systemctl show -p Result,ExecMainStatus user@2003.service | sort | tr "\n" " "')
	t_eq "with pam_paddock in systemd-user, the user manager's session is refused (PAM failure, 224)" \
		"ExecMainStatus=224 Result=exit-code " "$status"
	t_ok "... and the journal says why" vm_root \
		'journalctl -q -b --no-pager | grep -q "pam_paddock(systemd-user:session): user pdk3: caller check (systemd-user: the user manager cannot enter the paddock.s PID namespace; leave pam_paddock out of /etc/pam.d/systemd-user) failed"'
	vm_root 'rm -f /etc/pam.d/systemd-user; systemctl reset-failed'
}

# The systemd manager moves nobody: a caller outside user-UID.slice is refused.
su_refused() {
	! vm_root 'su - pdk1 -c true' 2>/dev/null &&
		vm_root 'journalctl -q -b --no-pager -t su | grep -q "pam_paddock(su-l:session): user pdk1: cgroup attach (the systemd manager needs pam_systemd before pam_paddock, in a new logind session) failed"'
}

# Last on this guest (it leaves the system bus down): without D-Bus the systemd
# manager cannot set the limits, and on_error = deny refuses the login.
dbus_down_refused() {
	vm_root 'systemctl stop dbus.socket dbus.service' &&
		! vm_user pdk1 true 2>/dev/null &&
		vm_root 'journalctl -q -b --no-pager | grep -q "pam_paddock(sshd:session): user pdk1: cgroup failed"'
}

guest_systemd() {
	local t0 failed0=$T_FAILED
	t0=$(date +%s)
	CG_KIND=systemd
	if ! vm_start systemd "systemd.unified_cgroup_hierarchy=1 init=/lib/systemd/systemd"; then
		t_result 1 "systemd guest boots to ssh"
		vm_dump_logs
		vm_stop
		return
	fi
	t_result 0 "systemd guest boots to ssh ($VM_BOOT_SECONDS s)"
	t_ok "systemd is PID 1, pure cgroup v2 (no v1 hierarchy), logind active" vm_root \
		'[ "$(cat /proc/1/comm)" = systemd ] && [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] &&
		awk "\$3 == \"cgroup\" { exit 1 }" /proc/mounts && systemctl is-active -q systemd-logind'
	t_ok "apt-get install ./${VM_DEB##*/}: installed offline, libraries resolve, the profile is off, paddock-shell in /etc/shells" \
		vm_install
	t_ok "policy installed (paddock check); pam-auth-update --enable paddock puts pam_paddock.so after pam_systemd in common-session" \
		vm_configure
	t_ok "paddock check --system exits 0 on the stack as Debian ships it, with paddock enabled" vm_check_system

	t_ok "the guest's upstream (a network namespace behind a veth) answers" vm_upstream
	common_sessions
	common_namespaces
	common_nat
	t_ok "each session sits in its session-N.scope under user-UID.slice (pam_systemd's)" cg_scopes_ok
	t_ok "loginctl lists two sessions of pdk1 and two of pdk2" loginctl_two_each
	t_ok "XDG_RUNTIME_DIR inside the paddock is logind's /run/user/UID and works" xdg_ok
	t_eq "systemctl show user-2001.slice: the policy's limits, set at runtime by the systemd manager" \
		"CPUQuotaPerSecUSec=200ms CPUWeight=50 MemoryHigh=infinity MemoryMax=$VM_MEMMAX_2001 MemorySwapMax=0 TasksMax=48 " \
		"$(slice_props 2001)"
	t_ok "the limits are runtime drop-ins only (/run/systemd/system.control, nothing in /etc)" vm_root \
		'test -f /run/systemd/system.control/user-2001.slice.d/50-MemoryMax.conf &&
		! test -e /etc/systemd/system.control/user-2001.slice.d'
	common_cgroup_files
	common_pid_view
	common_tmp
	common_oom_score_adj
	common_oom
	common_cpu
	common_tasks
	common_fork_bomb
	common_status_reload
	vm_wait_for 30 sh -c "! kill -0 ${VM_SESS_PID[a1]} 2>/dev/null && ! kill -0 ${VM_SESS_PID[a2]} 2>/dev/null"
	vm_session_close a1
	vm_session_close a2
	t_ok "pdk1 after the teardown: paddock gone, logind clean (no session, no user)" \
		vm_wait_for 40 gone_and_clean pdk1 2001
	t_ok "auditd runs; ausearch -m VIRT_CONTROL,VIRT_RESOURCE -ua pdk1 finds start, limits, join, end with their fields" \
		vm_audit_records
	vm_session_close b1
	t_ok "pdk2 after one of two logouts: the paddock lives on" vm_root \
		"sleep 2; pgrep -f '^paddock holder --uid 2002 ' >/dev/null"
	vm_session_close b2
	t_ok "pdk2 after the last logout: paddock gone, logind clean (no session, no user)" \
		vm_wait_for 40 gone_and_clean pdk2 2002
	t_ok "... no pdk interface, paddock-* netns name or nftables element is left" vm_wait_for 30 nat_clean
	t_ok "with the systemd manager, su from root's session (outside user-2001.slice) is refused" su_refused
	systemd_user_tests
	vm_root 'printf "session required pam_unix.so\n" >/etc/pam.d/paddock-vm-gap'
	t_ok "paddock check --system names a PAM service whose session stack lacks the module" \
		vm_root 'out=$(paddock check --system 2>&1); echo "$out"; echo "$out" | grep -q paddock-vm-gap'
	t_ok "with the system bus down the systemd manager fails and on_error = deny refuses the login" \
		dbus_down_refused
	t_ok "apt-get purge paddock leaves no file, PAM line, /etc/shells entry, state, cgroup or nftables table" vm_purge
	[ "$T_FAILED" -eq "$failed0" ] || vm_dump_logs
	vm_stop
	VM_TIMES="$VM_TIMES systemd guest: boot ${VM_BOOT_SECONDS}s, total $(($(date +%s) - t0))s;"
}
