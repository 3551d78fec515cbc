# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# SC2016: commands for the guest are single-quoted on purpose: they expand there.
# SC2034: globals are set for the scripts that source this file.
# SC2015: "a && b || complain" is meant.
# shellcheck disable=SC2016,SC2034,SC2015
#
# tests/vm/lib.sh: the VM tier's machinery, sourced by tests/vm/run.
#
#   vm_image            build (or reuse) the guest image, cached under build/vm/image-KEY
#                       where KEY hashes build-image.sh and guest/*
#   vm_start NAME ARGS  boot the image from a fresh qcow2 overlay with kernel command
#                       line ARGS, wait for ssh (hard timeout); one VM at a time
#   vm_stop             stop it by its pid file (TERM, then KILL), remove the overlay
#   vm_root CMD         run CMD as root in the guest (one multiplexed ssh connection)
#   vm_user USER CMD    run CMD as USER: a new ssh connection, so a new PAM session
#   vm_session_start ID USER / vm_session_wait ID / vm_session_close ID
#                       a long-lived login of USER held open by a background ssh
#
# TAP: t_ok DESC CMD..., t_check DESC (status of the last t_eval), t_diag, t_plan.
# Everything started here (qemu, its watchdog, ssh clients) is killed by vm_cleanup,
# which run installs as the EXIT trap; qemu is killed by the pid in its pid file,
# checked to be that qemu first.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_DIR=$VM_TOP/build/vm
VM_RUN=$VM_DIR/run                   # per-run files: overlay, pid file, logs
VM_IMG=                              # the image directory (vm_image)
VM_PORT=                             # the host port forwarded to the guest's sshd
VM_NAME=                             # the guest booted now
VM_WATCHDOG=                         # pid of the hard-timeout watchdog
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-150}   # seconds from qemu start to ssh
VM_LIFETIME=${VM_LIFETIME:-900}      # seconds any VM may live at most
VM_CMD_TIMEOUT=${VM_CMD_TIMEOUT:-120}     # seconds for one ssh command
VM_SESSION_TIMEOUT=${VM_SESSION_TIMEOUT:-150}  # seconds for a held session to report
VM_MEM=${VM_MEM:-1024}
declare -A VM_SESS_PID=()            # session id -> local ssh client pid

T_N=0
T_FAILED=0

# ---- TAP -------------------------------------------------------------------------

t_diag() {
	local line
	while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

t_result() { # STATUS DESC
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_ok DESC CMD...: ok when CMD succeeds; its output goes to the diagnostics on failure.
t_ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	t_result "$rc" "$desc"
	[ "$rc" -eq 0 ] || t_diag "$(printf '%s\n' "$out" | tail -n 15)"
	return "$rc"
}

t_plan() { echo "1..$T_N"; }

# ---- the image ----------------------------------------------------------------------

vm_image() {
	local key here=$VM_TOP/tests/vm d t0
	key=$(cat "$here/build-image.sh" "$here"/guest/* | sha256sum | cut -c1-16)
	VM_IMG=$VM_DIR/image-$key
	[ -f "$VM_IMG/kver" ] && return 0
	for d in "$VM_DIR"/image-*; do
		[ -d "$d" ] && [ "$d" != "$VM_IMG" ] && rm -rf "$d"
	done
	t0=$(date +%s)
	"$here/build-image.sh" "$VM_IMG" >"$VM_RUN/build-image.log" 2>&1 || {
		tail -n 30 "$VM_RUN/build-image.log" >&2
		return 1
	}
	VM_IMAGE_SECONDS=$(($(date +%s) - t0))
}

# ---- one VM -------------------------------------------------------------------------

vm_free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + (RANDOM % 20000)))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# The qemu behind the pid file, or nothing (never a pid that was reused).
vm_qemu_pid() {
	local pid
	[ -s "$VM_RUN/qemu.pid" ] || return 1
	pid=$(tr -dc 0-9 <"$VM_RUN/qemu.pid" 2>/dev/null)  # qemu may remove it meanwhile
	[ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(command -v qemu-system-x86_64)" ] ||
		return 1
	echo "$pid"
}

VM_SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=20 -o ServerAliveInterval=10
	-o ServerAliveCountMax=6)

# The ssh command line for USER (into VM_SSH), for the guest booted now.
vm_ssh_argv() {
	VM_SSH=(ssh -i "$VM_IMG/id_ed25519" "${VM_SSH_OPTS[@]}" -p "$VM_PORT" -l "$1")
}

vm_root() {
	local VM_SSH
	vm_ssh_argv root
	timeout -k 5 "$VM_CMD_TIMEOUT" "${VM_SSH[@]}" -o ControlMaster=auto \
		-o ControlPath="$VM_RUN/mux-%r" -o ControlPersist=600 127.0.0.1 "$@" </dev/null
}

vm_user() { # USER CMD
	local VM_SSH
	vm_ssh_argv "$1"
	shift
	timeout -k 5 "$VM_CMD_TIMEOUT" "${VM_SSH[@]}" 127.0.0.1 "$@" </dev/null
}

# vm_start NAME KERNEL-ARGS: boots; 0 once ssh answers, 1 on timeout or qemu death.
vm_start() {
	local name=$1 args=$2 pid t0 i VM_SSH
	VM_NAME=$name
	VM_PORT=$(vm_free_port) || return 1
	rm -f "$VM_RUN/overlay.qcow2" "$VM_RUN/qemu.pid" "$VM_RUN"/mux-*
	qemu-img create -q -f qcow2 -b "$VM_IMG/rootfs.img" -F raw "$VM_RUN/overlay.qcow2" || return 1
	t0=$(date +%s)
	# -no-reboot: a panic or the initramfs's poweroff ends qemu at once.
	qemu-system-x86_64 -name "paddock-vm-$name" -accel tcg,thread=multi -cpu max -smp 2 \
		-m "$VM_MEM" -M pc -nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$VM_RUN/console-$name.log" \
		-kernel "$VM_IMG/vmlinuz" -initrd "$VM_IMG/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 net.ifnames=0 $args" \
		-drive "file=$VM_RUN/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$VM_PORT-:22" \
		-device virtio-net-pci,netdev=n0,romfile= \
		-pidfile "$VM_RUN/qemu.pid" </dev/null >"$VM_RUN/qemu-$name.log" 2>&1 &
	pid=$!
	for i in $(seq 300); do
		[ -s "$VM_RUN/qemu.pid" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	pid=$(vm_qemu_pid) || {
		echo "qemu did not start:" >&2
		cat "$VM_RUN/qemu-$name.log" >&2
		return 1
	}
	# The hard limit on the VM's life, whatever happens to this script.
	(
		trap - EXIT
		sleep "$VM_LIFETIME"
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(command -v qemu-system-x86_64)" ] &&
			kill -KILL "$pid"
	) </dev/null >/dev/null 2>&1 &
	VM_WATCHDOG=$!
	while [ $(($(date +%s) - t0)) -lt "$VM_BOOT_TIMEOUT" ]; do
		vm_qemu_pid >/dev/null || { echo "qemu exited during boot" >&2; return 1; }
		vm_ssh_argv root
		if timeout 30 "${VM_SSH[@]}" -o ConnectTimeout=5 127.0.0.1 true </dev/null 2>/dev/null; then
			VM_BOOT_SECONDS=$(($(date +%s) - t0))
			return 0
		fi
		sleep 1
	done
	echo "no ssh after ${VM_BOOT_TIMEOUT}s" >&2
	return 1
}

vm_stop() {
	local pid i id
	for id in "${!VM_SESS_PID[@]}"; do vm_session_close "$id"; done
	ssh -o ControlPath="$VM_RUN/mux-root" -O exit 127.0.0.1 >/dev/null 2>&1
	if pid=$(vm_qemu_pid); then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 50); do
			vm_qemu_pid >/dev/null || break
			sleep 0.1
		done
		pid=$(vm_qemu_pid) && kill -KILL "$pid" 2>/dev/null
	fi
	if [ -n "$VM_WATCHDOG" ]; then
		pkill -KILL -P "$VM_WATCHDOG" 2>/dev/null
		kill -KILL "$VM_WATCHDOG" 2>/dev/null
		wait "$VM_WATCHDOG" 2>/dev/null
		VM_WATCHDOG=
	fi
	rm -f "$VM_RUN/overlay.qcow2" "$VM_RUN/qemu.pid"
	VM_NAME=
}

vm_cleanup() {
	vm_stop
}

# The guest's console and logs, for a failure's diagnostics (CI keeps only TAP).
vm_dump_logs() {
	t_diag "--- console of $VM_NAME (last lines)"
	t_diag "$(tail -n 20 "$VM_RUN/console-$VM_NAME.log" 2>/dev/null | tr -d '\r')"
	vm_qemu_pid >/dev/null || return 0
	t_diag "--- log of $VM_NAME (last lines)"
	t_diag "$(vm_root 'if [ -d /run/systemd/system ]; then journalctl -q -b --no-pager -n 80;
		else tail -n 80 /var/log/messages; fi' 2>&1 | grep -v 'pam_env(')"
}

# ---- sessions -----------------------------------------------------------------------

# What every held session reports about itself, then it waits (a pty: the remote
# side gets SIGHUP when the client goes away).
VM_SESSION_SCRIPT='
for n in mnt pid ipc uts net; do echo "ns $n $(readlink /proc/self/ns/$n)"; done
echo "cgroup $(cut -d: -f3 /proc/self/cgroup)"
echo "net4 $(ip -4 -o addr show dev eth0 2>/dev/null | awk "{ print \$4 }")"
echo "oom $(cat /proc/self/oom_score_adj)"
echo "xdg ${XDG_RUNTIME_DIR:-unset}"
if [ -n "${XDG_RUNTIME_DIR:-}" ] && touch "$XDG_RUNTIME_DIR/paddock-probe-$$"; then echo "xdgprobe $$"; fi
echo "pid1 $(tr "\0" " " </proc/1/cmdline | cut -c1-40)"
echo "users $(ps -eo user= | sort -u | tr "\n" " ")"
echo "tmp $(for d in /tmp /var/tmp /dev/shm; do findmnt -n -o MAJ:MIN,FSROOT --mountpoint $d | tail -n 1; done | tr "\n" " ")"
echo "tmproot $(findmnt -n -r -o MAJ:MIN,FSROOT | grep -c "^$(findmnt -n -o MAJ:MIN --mountpoint /tmp | tail -n 1) /\$")"
echo READY
exec sleep 3000'

# vm_session_start ID USER: log USER in with a held session (background ssh with a
# pty); vm_session_wait ID: 0 once it reported READY.
vm_session_start() {
	local id=$1 user=$2 VM_SSH
	: >"$VM_RUN/sess-$id.out"
	vm_ssh_argv "$user"
	"${VM_SSH[@]}" -tt 127.0.0.1 "$VM_SESSION_SCRIPT" </dev/null >"$VM_RUN/sess-$id.out" 2>&1 &
	VM_SESS_PID[$id]=$!
}

vm_session_wait() {
	local id=$1 end=$(($(date +%s) + VM_SESSION_TIMEOUT))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -q READY "$VM_RUN/sess-$id.out" && return 0
		kill -0 "${VM_SESS_PID[$id]}" 2>/dev/null || break
		sleep 0.2
	done
	return 1
}

# vm_session_get ID KEY: the value a session reported for KEY ("ns mnt" -> "mnt:[...]").
vm_session_get() {
	tr -d '\r' <"$VM_RUN/sess-$1.out" | sed -n "s/^$2 //p" | head -n 1
}

vm_session_alive() { kill -0 "${VM_SESS_PID[$1]}" 2>/dev/null; }

vm_session_close() {
	local pid=${VM_SESS_PID[$1]:-}
	unset "VM_SESS_PID[$1]"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# vm_wait_for SECONDS CMD...: poll CMD every half second until it succeeds.
vm_wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.5
	done
}
