#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# paddock check --system on copies of real stacks: the /etc/pam.d and
# /usr/lib/pam.d files of Debian 12's own packages (libpam-runtime, login,
# openssh-server, util-linux, passwd, cron, sudo, systemd, libpam-systemd:
# fetched with apt-get download, unpacked with dpkg-deb), common-* written by
# the real pam-auth-update from the packages' profiles and paddock's, then
# "pam-auth-update --enable paddock".  The check runs with --root on the
# copy, never on the host's files.
#
#   * the enabled Debian 12 stack passes (exit 0), on a systemd host and, with
#     the module added to common-session-noninteractive as documented, without
#     systemd; each service where the module is not needed or must not be is
#     named with its reason;
#   * the Ubuntu 24.04 stack: sshd's PAM file and sshd_config are Ubuntu's own
#     (openssh 1:9.6p1-3ubuntu13.9); systemd-user and libpam-systemd's profile
#     are Debian's, checked byte for byte against Ubuntu's (systemd
#     255.4-1ubuntu8.3: their git blob ids); login without pam_lastlog, as
#     Ubuntu 24.04 ships it (tests/root/pam-stacks/ubuntu-24.04/README names
#     every source).  Ubuntu's other packages are not reachable from here: the
#     rest is Debian's.  It passes too, and misconfigurations injected into it
#     are found;
#   * each misconfiguration injected into a fresh copy exits 1 and is named:
#     optional, sufficient, -session, a stack that ends before the module, the
#     module before pam_systemd, an unknown argument, the module in cron or
#     systemd-user on a systemd host, a service without it, a missing,
#     world-writable, foreign-owned helper or one in a writable directory, a
#     disabled cgroup controller, KillUserProcesses=yes, UsePAM no; all at once,
#     every one is named and counted.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
P=$T_HELPER

# --- the packages' files ----------------------------------------------------------------------
pkgs="libpam-runtime login openssh-server util-linux passwd cron sudo systemd libpam-systemd"
cache=$T_ROOT/build/pam-stacks
mkdir -p "$cache"
for p in $pkgs; do
	ls "$cache/${p}_"*.deb >/dev/null 2>&1 && continue
	# the registry is reached from the runner's network namespace, not the nest's
	(cd "$cache" && t_outer_net apt-get download "$p" >/dev/null 2>&1) ||
		t_bail "apt-get download $p failed"
done
src=$T_TMP/debian
mkdir -p "$src"
for deb in "$cache"/*.deb; do
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$src" --wildcards --no-wildcards-match-slash \
		'./etc/pam.d/*' './usr/lib/pam.d/*' './usr/share/pam-configs/*' \
		'./usr/share/openssh/sshd_config' './etc/systemd/logind.conf' 2>/dev/null
done
for f in etc/pam.d/sshd etc/pam.d/login etc/pam.d/su etc/pam.d/cron etc/pam.d/sudo \
	usr/lib/pam.d/systemd-user usr/share/pam-configs/unix usr/share/pam-configs/systemd; do
	[ -f "$src/$f" ] || t_bail "$f is not in the packages"
done
t_diag "packages: $(cd "$cache" && echo *.deb)"

# mkroot DIR [systemd|nosystemd] [ubuntu]: an installed, enabled system below DIR.
mkroot() {
	local r=$1
	rm -rf "$r"
	mkdir -p "$r/etc/ssh" "$r/var/lib/pam" "$r/usr/sbin" "$r/proc" "$r/etc/systemd"
	cp -a "$src/etc/pam.d" "$r/etc/" && cp -a "$src/usr" "$r/" || return 1
	cp "$src/etc/systemd/logind.conf" "$r/etc/systemd/"
	cp "$src/usr/share/openssh/sshd_config" "$r/etc/ssh/sshd_config"
	install -m 0644 "$T_ROOT/conf/pam-configs/paddock" "$r/usr/share/pam-configs/paddock"
	if [ "${3:-}" = ubuntu ]; then
		# Ubuntu's own files, as the package installs them (debian/rules' seds)
		# shellcheck disable=SC2016 # a literal $OpenBSD:, as debian/rules has it
		sed 's/^@IF_KEYINIT@//' "$UBUNTU/openssh-server.sshd.pam.in" >"$r/etc/pam.d/sshd" &&
			sed '/\$OpenBSD:/d' "$UBUNTU/sshd_config" >"$r/etc/ssh/sshd_config" || return 1
		# Ubuntu 24.04 removed pam_lastlog (not year-2038 safe): login lacks it
		sed -i '/pam_lastlog\.so/d' "$r/etc/pam.d/login" || return 1
	fi
	# As libpam-runtime's postinst on a first install, then the admin's --enable.
	DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$r" --package --force >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$r" --enable paddock >/dev/null 2>&1 ||
		return 1
	install -m 0755 "$P" "$r/usr/sbin/paddock"
	cp /proc/cgroups "$r/proc/cgroups"
	if [ "${2:-systemd}" = systemd ]; then mkdir -p "$r/run/systemd/system"; fi
}
check() { "$P" check --system --root "$1" "$T_ROOT/conf/paddock.conf"; }
UBUNTU=$T_ROOT/tests/root/pam-stacks/ubuntu-24.04

R=$T_TMP/root
t_ok "Debian 12 stack installed below a root directory, pam-auth-update --enable paddock" mkroot "$R"
t_ok "common-session has the module after pam_systemd (pam-auth-update's order)" \
	awk '/pam_systemd/ { s = NR } /pam_paddock/ { p = NR } END { exit !(s && p > s) }' \
	"$R/etc/pam.d/common-session"

t_ok "Debian 12, systemd host: the enabled stack passes (exit 0)" check "$R"
out=$T_OUT
for svc in sshd login su su-l sudo-i chfn chsh other; do
	t_like "Debian 12: $svc has it from common-session" \
		"pam: $svc: ok \(pam_paddock at $R/etc/pam.d/common-session:[0-9]+\)" "$out"
done
t_like "runuser: not needed, and why" "pam: runuser: ok without pam_paddock \(not needed: root-only" "$out"
t_like "runuser-l: not needed, and why" "pam: runuser-l: ok without pam_paddock \(not needed: root-only" "$out"
t_like "sudo: not needed, and why" "pam: sudo: ok without pam_paddock \(not needed: runs what sudoers" "$out"
t_like "systemd-user (from /usr/lib/pam.d): must not be there, and why" \
	"pam: systemd-user: ok without pam_paddock \(must not be there: the user manager cannot enter" "$out"
t_like "cron on a systemd host: must not be there, and why" \
	"pam: cron: ok without pam_paddock \(must not be there: on a systemd host a cron job has no logind session" "$out"
t_like "the helper, the controllers and logind are checked" \
	"helper: ok \(/usr/sbin/paddock\).*cgroup: ok.*logind: ok \(KillUserProcesses=no" "$(tr '\n' ' ' <<<"$out")"
t_like "sshd: UsePAM yes from Debian's sshd_config" "sshd: ok \(UsePAM yes at $R/etc/ssh/sshd_config:[0-9]+\)" "$out"
t_like "the last line says the system is ready" "paddock check: the system is ready for pam_paddock$" "$out"
t_nok "nothing outside the root directory is named" \
	grep -E " at /(etc|usr)/|PROBLEM|MISSING" <<<"$out"

N=$T_TMP/nosystemd
mkroot "$N" nosystemd || t_bail "mkroot nosystemd"
t_rc "no systemd: cron lacks the module (common-session-noninteractive): exit 1" 1 check "$N"
t_like "... named MISSING" "pam: cron: MISSING" "$T_OUT"
sed -i '$a session\trequired\tpam_paddock.so' "$N/etc/pam.d/common-session-noninteractive"
t_ok "no systemd, the module also in common-session-noninteractive (as documented): exit 0" check "$N"
t_like "... cron has it" "pam: cron: ok \(pam_paddock at $N/etc/pam.d/common-session-noninteractive" "$T_OUT"
t_like "... systemd-user without systemd is not a problem" "pam: systemd-user: ok" "$T_OUT"

U=$T_TMP/ubuntu
t_ok "Ubuntu 24.04 stack (Ubuntu's sshd and systemd files, login without pam_lastlog) enabled" \
	mkroot "$U" systemd ubuntu
t_ok "... its sshd PAM file is Ubuntu's (pam_motd's motd.dynamic, keyinit line kept)" \
	grep -qx 'session    optional     pam_keyinit.so force revoke' "$U/etc/pam.d/sshd"
# The git blob ids of Ubuntu's debian/extra/pam.d/systemd-user and
# debian/extra/pam-configs/systemd (README): Debian's are the same bytes.
blob_id() { { printf 'blob %d\0' "$(stat -c %s "$1")" && cat "$1"; } | sha1sum | cut -d' ' -f1; }
t_is "... systemd-user is Ubuntu's, byte for byte" 65279f94d773ba06db4e7e159eb32677f9ec055d \
	"$(blob_id "$U/usr/lib/pam.d/systemd-user")"
t_is "... libpam-systemd's profile is Ubuntu's, byte for byte" 5b56996a2bb77030fe11ee80e250f59081527aee \
	"$(blob_id "$U/usr/share/pam-configs/systemd")"
t_nok "... login has no pam_lastlog, as Ubuntu 24.04's" grep -q pam_lastlog "$U/etc/pam.d/login"
t_ok "Ubuntu stack, systemd host: passes (exit 0)" check "$U"
out=$T_OUT
t_like "Ubuntu: sshd has it from common-session (Ubuntu's sshd file)" \
	"pam: sshd: ok \(pam_paddock at $U/etc/pam.d/common-session:[0-9]+\)" "$out"
t_like "Ubuntu: UsePAM yes from Ubuntu's sshd_config, at its own line" \
	"sshd: ok \(UsePAM yes at $U/etc/ssh/sshd_config:$(grep -n '^UsePAM yes' "$U/etc/ssh/sshd_config" | cut -d: -f1)\)" "$out"
t_like "Ubuntu: systemd-user (from /usr/lib/pam.d) is named" "pam: systemd-user: ok without pam_paddock \(must not be there" "$out"
t_like "Ubuntu: login has it" "pam: login: ok \(pam_paddock at $U/etc/pam.d/common-session" "$out"
t_nok "Ubuntu: no false alarm" grep -E "PROBLEM|MISSING|BYPASS" <<<"$out"

# --- one misconfiguration at a time, each on a fresh copy ------------------------------------
# inject NAME EXPECTED-REGEX COMMANDS...: COMMANDS run in a fresh copy $C; the check
# must exit 1 and print EXPECTED.
C=$T_TMP/copy
inject() {
	local name=$1 want=$2
	shift 2
	rm -rf "$C" && cp -a "${BASE:-$R}" "$C" && (cd "$C" && eval "$*") || t_bail "inject $name"
	t_rc "injected: $name: exit 1" 1 check "$C"
	t_like "injected: $name: named" "$want" "$T_OUT"
	t_like "injected: $name: counted" "paddock check: [0-9]+ problems? \(above\)" "$T_OUT"
}
cs=etc/pam.d/common-session
inject "optional" "pam: sshd: PROBLEM: \"optional\" at $C/$cs:[0-9]+ lets a failure of pam_paddock pass \(fail open\)" \
	"sed -i 's/^session\trequired\tpam_paddock.so/session\toptional\tpam_paddock.so/' $cs"
inject "sufficient" "PROBLEM: \"sufficient\" at $C/$cs:[0-9]+ lets a failure of pam_paddock pass" \
	"sed -i 's/^session\trequired\tpam_paddock.so/session\tsufficient\tpam_paddock.so/' $cs"
inject "a bracket that ignores errors" "PROBLEM: \"\[success=ok default=ignore\]\" at" \
	"sed -i 's/^session\trequired\tpam_paddock.so/session [success=ok default=ignore] pam_paddock.so/' $cs"
inject "-session" "PROBLEM: \"-session\" at $C/$cs:[0-9]+: a missing module file is skipped" \
	"sed -i 's/^session\trequired\tpam_paddock.so/-session\trequired\tpam_paddock.so/' $cs"
inject "a sufficient module before it ends the stack" \
	"PROBLEM: \"sufficient pam_succeed_if.so\" at $C/etc/pam.d/sshd:[0-9]+ can end the stack or jump past pam_paddock" \
	"sed -i '0,/^@include common-session/s//session sufficient pam_succeed_if.so uid < 1000\n@include common-session/' etc/pam.d/sshd"
inject "a jump over the module" "PROBLEM: \"\[default=5\] pam_permit.so\" at $C/$cs:[0-9]+ can end the stack or jump past" \
	"sed -i 's/^session\t\[default=1\]/session\t[default=5]/' $cs"
inject "the module before pam_systemd" \
	"PROBLEM: pam_paddock \($C/$cs:[0-9]+\) runs before pam_systemd \($C/$cs:[0-9]+\)" \
	"sed -i '/pam_paddock.so/d; /pam_systemd.so/i session\trequired\tpam_paddock.so' $cs"
inject "an unknown module argument" "PROBLEM: unknown module argument 'debgu' at $C/$cs:[0-9]+" \
	"sed -i 's/pam_paddock.so.*/pam_paddock.so debgu/' $cs"
inject "the module in cron on a systemd host" \
	"pam: cron: PROBLEM: pam_paddock at $C/etc/pam.d/cron:[0-9]+ must not be there: on a systemd host" \
	"printf 'session required pam_paddock.so\n' >>etc/pam.d/cron"
inject "the module in systemd-user" \
	"pam: systemd-user: PROBLEM: pam_paddock at $C/etc/pam.d/systemd-user:[0-9]+ must not be there: the user manager" \
	"cp usr/lib/pam.d/systemd-user etc/pam.d/ && sed -i '/pam_systemd/a session required pam_paddock.so' etc/pam.d/systemd-user"
inject "a service without the module" "pam: login: MISSING: the session stack lacks pam_paddock" \
	"sed -i 's/^@include common-session$/session required pam_unix.so/' etc/pam.d/login"
inject "the helper missing" "helper: PROBLEM: /usr/sbin/paddock: No such file or directory" \
	"rm usr/sbin/paddock"
inject "the helper world-writable" "helper: PROBLEM: /usr/sbin/paddock is not a root-owned executable .*mode 0777" \
	"chmod 0777 usr/sbin/paddock"
inject "the helper owned by another user" "helper: PROBLEM: /usr/sbin/paddock is not a root-owned .*uid 65534" \
	"chown 65534 usr/sbin/paddock"
inject "the helper in a group-writable directory" \
	"helper: PROBLEM: /usr/sbin: a directory on the way to /usr/sbin/paddock is not root's alone" \
	"chmod 0775 usr/sbin"
inject "the memory controller disabled at boot" \
	"cgroup: PROBLEM: the memory controller is disabled in the kernel" \
	"awk -v OFS='\t' '\$1 == \"memory\" { \$4 = 0 } { print }' proc/cgroups >proc/c && mv proc/c proc/cgroups"
inject "KillUserProcesses=yes in a logind drop-in" \
	"logind: PROBLEM: KillUserProcesses=yes at $C/etc/systemd/logind.conf.d/50-kill.conf:2" \
	"mkdir -p etc/systemd/logind.conf.d && printf '[Login]\nKillUserProcesses=yes\n' >etc/systemd/logind.conf.d/50-kill.conf"
inject "UsePAM no" "sshd: BYPASS: UsePAM no at $C/etc/ssh/sshd_config.d/10-nopam.conf:1" \
	"mkdir -p etc/ssh/sshd_config.d && printf 'UsePAM no\n' >etc/ssh/sshd_config.d/10-nopam.conf"

# The same kinds of mistakes on the Ubuntu stack: found there too.
BASE=$U inject "Ubuntu: optional" \
	"pam: sshd: PROBLEM: \"optional\" at $C/$cs:[0-9]+ lets a failure of pam_paddock pass \(fail open\)" \
	"sed -i 's/^session\trequired\tpam_paddock.so/session\toptional\tpam_paddock.so/' $cs"
BASE=$U inject "Ubuntu: sshd without common-session" "pam: sshd: MISSING: the session stack lacks pam_paddock" \
	"sed -i 's/^@include common-session$/session required pam_unix.so/' etc/pam.d/sshd"
BASE=$U inject "Ubuntu: UsePAM no in a drop-in (Ubuntu's sshd_config includes them)" \
	"sshd: BYPASS: UsePAM no at $C/etc/ssh/sshd_config.d/50-cloud-init.conf:1" \
	"mkdir -p etc/ssh/sshd_config.d && printf 'UsePAM no\n' >etc/ssh/sshd_config.d/50-cloud-init.conf"

# All at once: every problem named, and counted.
rm -rf "$C" && cp -a "$R" "$C" || t_bail "copy"
sed -i 's/^session\trequired\tpam_paddock.so/session\toptional\tpam_paddock.so debgu/' "$C/$cs"
rm "$C/usr/sbin/paddock"
printf '[Login]\nKillUserProcesses=yes\n' >>"$C/etc/systemd/logind.conf"
t_rc "several problems at once: exit 1" 1 check "$C"
all=$T_OUT
t_like "... the fail-open control named" "pam: sshd: PROBLEM: \"optional\"" "$all"
t_like "... the unknown argument named" "pam: sshd: PROBLEM: unknown module argument 'debgu'" "$all"
t_like "... the helper named" "helper: PROBLEM" "$all"
t_like "... logind named" "logind: PROBLEM: KillUserProcesses=yes at $C/etc/systemd/logind.conf:" "$all"
t_is "... and the count is the number of PROBLEM lines" \
	"$(grep -c 'PROBLEM' <<<"$all")" "$(sed -n 's/^paddock check: \([0-9]*\) problems.*/\1/p' <<<"$all")"
t_done
