# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# SC2034: globals are set for the scripts that source this file.
# SC2015: "a && b || complain" is meant.
# shellcheck disable=SC2016,SC2034,SC2015
#
# tests/vm/guest-cgroupfs.sh: guest 2, no systemd: PID 1 is tests/vm/guest/paddock-vm-init
# (cgroup2 at /sys/fs/cgroup, +memory +cpu +pids in the root's subtree_control, sshd),
# as in a container or on an OpenRC host.  cgroup_manager = auto must pick cgroupfs v2.

cg_leaves_ok() {
	local id want
	for id in a1 a2 b1 b2; do
		case $id in a*) want=2001 ;; *) want=2002 ;; esac
		[ "$(vm_session_get $id cgroup)" = "/paddock.slice/user-$want" ] ||
			{ echo "$id: $(vm_session_get $id cgroup)"; return 1; }
	done
}

# After the holder was stopped (not a logout): paddock gone, its cgroup empty.  The
# holder removes the cgroup only when the sessions' sshd processes left it within its
# wait (CGROUP_BUSY_MS); under TCG they can take longer, and the empty cgroup stays
# for the next login to reuse.
gone_and_empty() {
	vm_root "! pgrep -f '^paddock holder --uid $1 ' >/dev/null && [ ! -e /run/paddock/$1 ] &&
		{ [ ! -e /sys/fs/cgroup/paddock.slice/user-$1 ] ||
		grep -qx 'populated 0' /sys/fs/cgroup/paddock.slice/user-$1/cgroup.events; }"
}

# The paddock gone and its cgroup removed (only the reaper leaf may stay).
gone_and_removed() {
	vm_root "! pgrep -f '^paddock holder --uid $1 ' >/dev/null && [ ! -e /run/paddock/$1 ] &&
		[ ! -e /sys/fs/cgroup/paddock.slice/user-$1 ]"
}

guest_cgroupfs() {
	local t0 failed0=$T_FAILED
	t0=$(date +%s)
	CG_KIND=cgroupfs
	if ! vm_start cgroupfs "init=/sbin/paddock-vm-init"; then
		t_result 1 "no-systemd guest boots to ssh"
		vm_dump_logs
		vm_stop
		return
	fi
	t_result 0 "no-systemd guest boots to ssh ($VM_BOOT_SECONDS s)"
	t_ok "no systemd (PID 1 is paddock-vm-init), pure cgroup v2 with memory cpu pids delegated" vm_root \
		'[ ! -e /run/systemd/system ] && grep -q paddock-vm-init /proc/1/cmdline &&
		[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] &&
		[ "$(cat /sys/fs/cgroup/cgroup.subtree_control)" = "cpu memory pids" ]'
	t_ok "apt-get install ./${VM_DEB##*/}: installed offline, libraries resolve, the profile is off, paddock-shell in /etc/shells" \
		vm_install
	t_ok "policy installed (paddock check); pam-auth-update --enable paddock puts pam_paddock.so after pam_systemd in common-session" \
		vm_configure
	t_ok "paddock check --system exits 0 on the stack as Debian ships it, with paddock enabled" vm_check_system

	t_ok "the guest's upstream (a network namespace behind a veth) answers" vm_upstream
	common_sessions
	common_namespaces
	common_nat
	t_ok "sessions sit in /paddock.slice/user-UID (cgroupfs v2, picked by auto)" cg_leaves_ok
	common_cgroup_files
	common_pid_view
	common_tmp
	common_oom_score_adj
	common_oom
	common_cpu
	common_tasks
	common_fork_bomb
	common_status_reload
	vm_session_close a1
	vm_session_close a2
	t_ok "pdk1 after the teardown: paddock gone, cgroup /paddock.slice/user-2001 empty" \
		vm_wait_for 30 gone_and_empty 2001
	t_ok "auditd runs; ausearch -m VIRT_CONTROL,VIRT_RESOURCE -ua pdk1 finds start, limits, join, end with their fields" \
		vm_audit_records
	vm_session_close b1
	t_ok "pdk2 after one of two logouts: paddock and cgroup live on" vm_root \
		"sleep 2; pgrep -f '^paddock holder --uid 2002 ' >/dev/null && [ -d /sys/fs/cgroup/paddock.slice/user-2002 ]"
	vm_session_close b2
	t_ok "pdk2 after the last logout: paddock gone, cgroup /paddock.slice/user-2002 removed" \
		vm_wait_for 30 gone_and_removed 2002
	t_ok "... no pdk interface, paddock-* netns name or nftables element is left" vm_wait_for 30 nat_clean
	t_ok "apt-get purge paddock leaves no file, PAM line, /etc/shells entry, state, cgroup or nftables table" vm_purge
	[ "$T_FAILED" -eq "$failed0" ] || vm_dump_logs
	vm_stop
	VM_TIMES="$VM_TIMES no-systemd guest: boot ${VM_BOOT_SECONDS}s, total $(($(date +%s) - t0))s;"
}
