#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/vm/build-image.sh OUTDIR: build the VM tier's Debian 12 guest from Debian
# packages only, into OUTDIR (which must not exist yet):
#
#   OUTDIR/rootfs.img   ext4 file system image (raw, sparse), made by mke2fs -d
#                       without a loop device; booted read-only through a qcow2 overlay
#   OUTDIR/vmlinuz      the Debian kernel (linux-image-amd64's dependency)
#   OUTDIR/initrd.img   busybox-static initramfs: loads virtio, ext4, switches root
#   OUTDIR/id_ed25519   the key root and the test users accept (generated here)
#   OUTDIR/kver         the kernel release
#
# One image serves both guests: the kernel command line picks systemd
# (init=/lib/systemd/systemd) or the minimal init (init=/sbin/paddock-vm-init).
# paddock itself is not in the image: tests/vm/run installs the freshly built package
# (make deb) into each boot's throw-away overlay with apt-get, so the image only
# changes when this script or tests/vm/guest/* change (the cache key).
#
# Needs root (mmdebstrap's root mode, chroot), mmdebstrap, busybox-static, kmod
# (depmod, modprobe --show-depends), e2fsprogs, openssh-client.  The guest gets kmod
# and the kernel's modules for network = nat (veth, nf_tables NAT, conntrack) only.  Network: Debian's
# package archive only (mmdebstrap's default mirrors for bookworm).
set -euo pipefail

out=${1:?usage: build-image.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
[ ! -e "$out" ] || { echo "build-image.sh: $out exists" >&2; exit 2; }
work=$out.tmp
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
trap 'rm -rf "$work"' EXIT

# What the tests use in the guest, on top of minbase (which has bash, coreutils,
# perl-base, login, passwd): the stack of issue 6 and paddock's shared libraries.
pkgs=systemd-sysv,udev,dbus,libpam-systemd,openssh-server,iproute2,procps,util-linux
pkgs=$pkgs,libpam0g,libpam-modules,libcap2,libaudit1,libinih1,libsystemd0,busybox-static
# The user bus, so systemd-run --user works from a session (the systemd-user tests).
pkgs=$pkgs,dbus-user-session
# auditd (ausearch finds the module's records); libpam-runtime (pam-auth-update) is in
# minbase.  The guest has no network: what the package depends on is in the image, so
# apt-get install ./paddock_*.deb needs nothing from an archive.
pkgs=$pkgs,auditd
# paddock-net's libraries (the package depends on them), and tools for network tests.
pkgs=$pkgs,libmnl0,libnftables1,nftables,dnsmasq-base,socat,iputils-ping
# modprobe: the kernel loads the network = nat modules below on demand through it.
pkgs=$pkgs,kmod

ssh-keygen -q -t ed25519 -N '' -C paddock-vm -f "$work/id_ed25519"

t0=$(date +%s)
# The kernel is fetched in a hook with the chroot's own fresh package lists
# (MMDEBSTRAP_APT_CONFIG), so the host's apt state does not matter.
export PADDOCK_VM_WORK=$work PADDOCK_VM_GUEST=$here/guest
# shellcheck disable=SC2016 # the hooks expand in mmdebstrap's shell ($1: the tree)
mmdebstrap --quiet --mode=root --variant=minbase --include="$pkgs" \
	--customize-hook='"$PADDOCK_VM_GUEST/fetch-kernel.sh" "$PADDOCK_VM_WORK"' \
	--customize-hook='"$PADDOCK_VM_GUEST/customize.sh" "$1" "$PADDOCK_VM_WORK/id_ed25519.pub"' \
	bookworm "$work/rootfs"
echo "build-image: mmdebstrap $(($(date +%s) - t0)) s"

# The kernel: dpkg -x, no maintainer scripts; modules.dep made here.
deb=$(ls "$work"/linux-image-*-amd64_*.deb)
dpkg -x "$deb" "$work/kernel"
kver=$(ls "$work/kernel/lib/modules")
[ "$(echo "$kver" | wc -l)" = 1 ] || { echo "build-image.sh: no unique kernel in $deb" >&2; exit 1; }
depmod -b "$work/kernel" "$kver"
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"

# The modules network = nat needs, with their dependencies, into the root file system,
# where the kernel loads them on demand (modprobe, modules.alias) as on a Debian host:
# veth (the pairs), nf_tables with the inet family's NAT chains, masquerade, DNAT
# (the DNS stub) and conntrack (ct state, ct status).  Everything else the table uses
# (sets, maps, meta, payload) is in nf_tables itself.
for m in veth nf_tables nft_chain_nat nft_masq nft_nat nft_ct; do
	modprobe -d "$work/kernel" -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$work/netmods"
while read -r ko; do
	rel=${ko#"$work/kernel/lib/modules/$kver/"}
	install -D -m 0644 "$ko" "$work/rootfs/lib/modules/$kver/$rel"
done <"$work/netmods"
cp "$work/kernel/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$work/rootfs/lib/modules/$kver/"
depmod -b "$work/rootfs" "$kver"
echo "build-image: $(wc -l <"$work/netmods") network modules in the root file system"

# The initramfs: busybox-static and the modules the root file system needs, in the
# order modprobe would load them (builtin ones print "builtin ..." and are skipped).
ird=$work/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$ird/bin/busybox"
for m in virtio_pci virtio_blk virtio_net ext4 crc32c_generic; do
	modprobe -d "$work/kernel" -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$work/modlist"
: >"$ird/lib/modules/load-order"
while read -r ko; do
	cp "$ko" "$ird/lib/modules/"
	basename "$ko" >>"$ird/lib/modules/load-order"
done <"$work/modlist"
install -m 0755 "$here/guest/initramfs-init" "$ird/init"
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.img"

# The root file system: ext4 without a loop device.  2G sparse leaves room for the tests.
t0=$(date +%s)
mke2fs -q -t ext4 -L paddock-vm -d "$work/rootfs" -F "$work/rootfs.img" 2G >/dev/null
echo "build-image: mke2fs $(($(date +%s) - t0)) s"
chmod 0444 "$work/rootfs.img"

echo "$kver" >"$work/kver"
mkdir "$out"
mv "$work"/{rootfs.img,vmlinuz,initrd.img,id_ed25519,id_ed25519.pub,kver} "$out/"
echo "build-image: $out ready (kernel $kver)"
