#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mmdebstrap customize hook (build-image.sh): download, not install, the kernel
# package linux-image-amd64 points to, into DIR, with the chroot's package lists.
set -eu
dir=$1
export APT_CONFIG="$MMDEBSTRAP_APT_CONFIG"
k=$(apt-cache depends linux-image-amd64 |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$k" ] || { echo "fetch-kernel: no linux-image-*-amd64 behind linux-image-amd64" >&2; exit 1; }
cd "$dir"
apt-get download -q=2 -o APT::Sandbox::User=root "$k"
