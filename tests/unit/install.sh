#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make install DESTDIR=... installs exactly the files paddock(8) lists under
# INSTALLATION, with the documented modes; a second install keeps an edited policy;
# make uninstall removes every file but the policy.  The pam-auth-update profile
# has the documented fields.  The Debian package (make deb) holds the same files.  Uses the binaries already built (make -o: never
# rebuilds them here).
set -u
cd "$(dirname "$0")/../.." || exit 2
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
tmp=$(mktemp -d /tmp/paddock-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root
PAMDIR=/usr/lib/x86_64-linux-gnu/security
mk() {
	make -s -o build/paddock -o build/paddock-net -o build/pam_paddock.so "$@" DESTDIR="$d" PREFIX=/usr \
		SYSCONFDIR=/etc PAMDIR="$PAMDIR" >"$tmp/make.log" 2>&1
}
if [ ! -x build/paddock ] || [ ! -x build/paddock-net ] || [ ! -f build/pam_paddock.so ]; then
	echo "1..0 # SKIP run make first"
	exit 0
fi

# The documented list: "PATH MODE" (mode "link:TARGET" for a symbolic link).
want="$PAMDIR/pam_paddock.so 644
/usr/sbin/paddock 755
/usr/sbin/paddock-shell link:paddock
/usr/sbin/paddock-net 755
/usr/share/man/man8/paddock.8 644
/usr/share/man/man8/pam_paddock.8 644
/usr/share/man/man8/paddock-shell.8 link:paddock.8
/usr/share/man/man5/paddock.conf.5 644
/usr/share/pam-configs/paddock 644
/usr/share/bash-completion/completions/paddock 644
/etc/security/paddock.conf 644
/etc/security/paddock.d/ 755"

# listing: every file, link and leaf directory below $d as "PATH MODE".
listing() {
	(cd "$d" && find . \( -type f -o -type l -o -type d -empty \) | sort | while read -r f; do
		p=${f#.}
		if [ -L "$f" ]; then echo "$p link:$(readlink "$f")"
		elif [ -d "$f" ]; then echo "$p/ $(stat -c %a "$f")"
		else echo "$p $(stat -c %a "$f")"; fi
	done)
}

mk install; ok $? "make install DESTDIR=... succeeds"
[ "$(listing)" = "$(sort <<<"$want")" ]
ok $? "exactly the documented files, with the documented modes" ||
	diff <(sort <<<"$want") <(listing) | sed 's/^/# /'
documented=0
for p in $(cut -d' ' -f1 <<<"$want" | sed "s|^$PAMDIR|PAMDIR|; s|^/usr|PREFIX|; s|^/etc|SYSCONFDIR|"); do
	grep -qF -- "$(sed 's/-/\\-/g' <<<"$p")" man/paddock.8 || { echo "# $p not in paddock(8)"; documented=1; }
done
ok $documented "every installed path is listed in paddock(8)"
cmp -s build/paddock "$d/usr/sbin/paddock"; ok $? "paddock is the built helper"
cmp -s conf/paddock.conf "$d/etc/security/paddock.conf"; ok $? "the shipped policy is installed"

prof=$d/usr/share/pam-configs/paddock
grep -qx 'Default: no' "$prof" && grep -qx 'Session-Type: Additional' "$prof" &&
	grep -Eq '^[[:space:]]+required[[:space:]]+pam_paddock\.so$' "$prof" &&
	grep -qx 'Session-Interactive-Only: yes' "$prof"
ok $? "pam-auth-update profile: Default no, Additional, required pam_paddock.so, interactive only (as pam_systemd's)"
prio=$(sed -n 's/^Priority: //p' "$prof")
[ -n "$prio" ] && [ "$prio" -lt 0 ]
ok $? "pam-auth-update profile: priority below pam_systemd's 0 (runs after it)"
if [ -f /usr/share/pam-configs/systemd ]; then
	[ "$prio" -lt "$(sed -n 's/^Priority: //p' /usr/share/pam-configs/systemd)" ]
	ok $? "pam-auth-update profile: below this system's pam_systemd profile"
fi

echo "# edited by the admin" >>"$d/etc/security/paddock.conf"
mk install; ok $? "a second make install succeeds"
tail -n1 "$d/etc/security/paddock.conf" | grep -q "edited by the admin"
ok $? "... and keeps the admin's policy"

# The package (make deb: dpkg-buildpackage, built only when a source changed) holds what
# make install installs, with debhelper's additions only (docs, gzipped manuals).
pamdir_deb=$(pkg-config --variable=libdir pam)/security
deb_listing() { # the package's files as "PATH MODE", as listing() prints them
	dpkg-deb -c "$1" | awk '{ p = substr($6, 2); if ($1 ~ /^l/) print p " link:" $8;
		else if ($1 ~ /^d/) print p " dir"; else print p " " $1 }' |
		sed -e 's/ -rw-r--r--$/ 644/' -e 's/ -rwxr-xr-x$/ 755/' -e 's/\.gz\( \|$\)/\1/g' |
		grep -v '^/usr/share/doc/paddock/' | grep -v ' dir$' | sort
}
deb_want() { # the documented list, as the package must hold it
	sed "s|^$PAMDIR/|$pamdir_deb/|; s|^/etc/security/paddock.d/ 755$|/etc/security/paddock.d/ dir|" \
		<<<"$want" | grep -v ' dir$' | sort
}
if make -s deb >"$tmp/deb.log" 2>&1; then
	deb=$(ls build/deb/paddock_*_"$(dpkg --print-architecture)".deb)
	ok 0 "make deb builds the package ($deb)"
	[ "$(deb_listing "$deb")" = "$(deb_want)" ]
	ok $? "the package holds exactly what make install installs (same paths, modes, links)" ||
		diff <(deb_want) <(deb_listing "$deb") | sed 's/^/# /'
	dpkg-deb -c "$deb" 2>/dev/null | grep -q ' \./etc/security/paddock\.d/$'
	ok $? "... and the drop-in directory"
	[ "$(dpkg-deb -I "$deb" conffiles)" = /etc/security/paddock.conf ]
	ok $? "the policy is the package's one conffile"
	[ "$(dpkg-deb -f "$deb" Version)" = "$(sed -n 's/^VERSION *:= *//p' Makefile)" ]
	ok $? "the package's version is the Makefile's VERSION"
	x=$tmp/deb-x
	dpkg-deb -x "$deb" "$x"
	grep -qa "/usr/sbin/paddock" "$x$pamdir_deb/pam_paddock.so" &&
		grep -qa "/etc/security/paddock.conf" "$x$pamdir_deb/pam_paddock.so"
	ok $? "the packaged module names the packaged helper and policy"
	! readelf -d "$x/usr/sbin/paddock" "$x$pamdir_deb/pam_paddock.so" | grep -q 'RUNPATH\|RPATH' &&
		readelf -d "$x/usr/sbin/paddock" | grep -q 'NEEDED.*libaudit'
	ok $? "the packaged programs link libaudit dynamically, with no rpath"
	dpkg-deb -f "$deb" Depends | grep -q 'libpam-runtime' &&
		dpkg-deb -f "$deb" Depends | grep -q 'libcap2' && dpkg-deb -f "$deb" Recommends | grep -q libsystemd0
	ok $? "Depends from dpkg-shlibdeps and libpam-runtime; Recommends libsystemd0 (dlopen)"
	dpkg-deb -f "$deb" Depends | grep -q 'libnftnl11' && dpkg-deb -f "$deb" Depends | grep -q 'libnftables1'
	ok $? "Depends on libnftnl11 (linked) and libnftables1 (paddock-net's dlopen)"
	dpkg-deb -I "$deb" prerm | grep -q 'pam-auth-update --package --remove paddock' &&
		dpkg-deb -I "$deb" postinst | grep -q 'pam-auth-update --package$'
	ok $? "maintainer scripts: pam-auth-update --package, and --remove paddock on removal"
else
	ok 1 "make deb builds the package"
	tail -n 20 "$tmp/deb.log" | sed 's/^/# /'
fi

mk uninstall; ok $? "make uninstall DESTDIR=... succeeds"
left=$(cd "$d" && find . -type f -o -type l | sort)
[ "$left" = "./etc/security/paddock.conf" ]; ok $? "uninstall removes everything but the policy" ||
	echo "# left: $left"
[ -d "$d/etc/security/paddock.d" ]; ok $? "... and the drop-in directory stays"
grep -q "edited by the admin" "$d/etc/security/paddock.conf"; ok $? "... the policy is untouched"

echo "1..$n"
exit $failed
