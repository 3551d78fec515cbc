#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mmdebstrap customize hook (build-image.sh): turn the minbase tree ROOT into the
# VM tier's guest.  Usage: customize.sh ROOT PUBKEY
#
# Both guests boot this tree: systemd (init=/lib/systemd/systemd) or the minimal
# init (init=/sbin/paddock-vm-init).  The test users exist here; paddock does not
# (tests/vm/run installs it into each boot's overlay).
set -eu
root=$1
pub=$2
here=$(cd "$(dirname "$0")" && pwd)

echo paddock-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 paddock-vm\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 rw,noatime 0 0\n' >"$root/etc/fstab"
# A fixed machine id: no first-boot work (presets, firstboot) on every boot.
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
echo >>"$root/etc/machine-id"

# root and the test users log in with the generated key only.
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$pub" "$root/root/.ssh/authorized_keys"
for u in 1 2 3; do
	chroot "$root" useradd -m -u $((2000 + u)) -s /bin/bash -p '*' "pdk$u"
	install -d -m 0700 -o $((2000 + u)) -g $((2000 + u)) "$root/home/pdk$u/.ssh"
	install -m 0600 -o $((2000 + u)) -g $((2000 + u)) "$pub" "$root/home/pdk$u/.ssh/authorized_keys"
done

install -d "$root/etc/ssh/sshd_config.d"
cat >"$root/etc/ssh/sshd_config.d/paddock-vm.conf" <<'CONF'
# VM tier: key logins only, quick, many at once.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
MaxStartups 64
MaxSessions 64
CONF

# systemd guest.  sshd starts at oom_score_adj -1000 (as on many real hosts), so
# the tests can see paddock reset the users' processes to 0 (threats.md 10).
install -d "$root/etc/systemd/system/ssh.service.d"
printf '[Service]\nOOMScoreAdjust=-1000\n' >"$root/etc/systemd/system/ssh.service.d/paddock-vm.conf"
# The guest's address on qemu's user-mode network (no DHCP wait).
install -d "$root/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
	>"$root/etc/systemd/network/10-eth0.network"
chroot "$root" systemctl enable -q systemd-networkd.service
# Nothing on a timer, no consoles but the serial log, a volatile journal.
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer getty@tty1.service serial-getty@ttyS0.service \
	systemd-networkd-wait-online.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
install -d "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' \
	>"$root/etc/systemd/journald.conf.d/paddock-vm.conf"

# no-systemd guest.
install -m 0755 "$here/paddock-vm-init" "$root/sbin/paddock-vm-init"
