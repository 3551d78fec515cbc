#!/bin/bash
# paddock check and paddock explain, as an admin runs them: exit statuses,
# file:line errors, refused file types, precedence with sources.  Uses the
# accounts every Debian system has (root, nobody in group nogroup).
set -u
cd "$(dirname "$0")/../.." || exit 2
P=build/paddock
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
tmp=$(mktemp -d /tmp/paddock-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"

# check_bad NAME CONTENT EXPECTED-STDERR-PREFIX
check_bad() {
	printf '%b' "$2" >"$tmp/p.conf"; chmod 0644 "$tmp/p.conf"
	out=$($P check "$tmp/p.conf" 2>&1 >/dev/null); rc=$?
	[ "$rc" = 1 ] && [[ "$out" == "$tmp/p.conf:$3"* ]]
	ok $? "check rejects $1 with exit 1 and '${3}'" || echo "# got rc=$rc: $out"
}
check_bad "a misspelt key" '[global]\naudit = auto\n\n[default]\nmemroy_max = 1G\n' "5: unknown key 'memroy_max' in [default]"
check_bad "an unknown section" '[defaults]\n' "1: unknown section [defaults]"
check_bad "a duplicate key" '[default]\ntasks_max = 5\ntasks_max = 6\n' "3: duplicate key 'tasks_max' in [default]"
check_bad "a [global] key in [default]" '[default]\nlinger = 5\n' "2: 'linger' is a [global] key"
check_bad "an overflowing size" '[default]\nmemory_max = 99999999999999999999G\n' "2: value '99999999999999999999G' for 'memory_max' is out of range"
check_bad "a bad unit" '[default]\nmemory_max = 2X\n' "2: invalid value '2X' for 'memory_max'"
check_bad "a NUL byte" '[default]\ncpu_weight = 1\0\n' "2: NUL byte in line"
check_bad "an overlong line" "[default]\n;$(head -c 1100 /dev/zero | tr '\0' x)\n" "2: line too long"

$P check conf/paddock.conf >/dev/null 2>&1; ok $? "check accepts the shipped conf/paddock.conf"

# Refused file types, no hang.
printf '[default]\n' >"$tmp/real.conf"; chmod 0644 "$tmp/real.conf"
ln -s "$tmp/real.conf" "$tmp/link.conf"
out=$(timeout 5 $P check "$tmp/link.conf" 2>&1); rc=$?
[ "$rc" = 1 ] && [[ "$out" == *"symbolic link"* ]]; ok $? "a symlinked policy file is refused"
mkfifo "$tmp/fifo.conf"
out=$(timeout 5 $P check "$tmp/fifo.conf" 2>&1); rc=$?
[ "$rc" = 1 ] && [[ "$out" == *"not a regular file"* ]]; ok $? "a FIFO is refused without hanging (rc=$rc)"
cp "$tmp/real.conf" "$tmp/gw.conf"; chmod 0664 "$tmp/gw.conf"
out=$($P check "$tmp/gw.conf" 2>&1); rc=$?
[ "$rc" = 1 ] && [[ "$out" == *"writable by group or others"* ]]; ok $? "a group-writable file is refused"
cp "$tmp/real.conf" "$tmp/owned.conf"; chown 65534 "$tmp/owned.conf"
out=$($P check "$tmp/owned.conf" 2>&1); rc=$?
[ "$rc" = 1 ] && [[ "$out" == *"not owned by root"* ]]; ok $? "a file not owned by root is refused"

# explain: user > group (last wins) > default > built-in, with sources.
mkdir -m 0755 "$tmp/etc" "$tmp/etc/paddock.d"
cat >"$tmp/etc/paddock.conf" <<'CONF'
[default]
memory_max = 2G
cpu_quota = 100%

[group:nogroup]
memory_max = 1G
tasks_max = 100

[user:nobody]
cpu_weight = 50
CONF
cat >"$tmp/etc/paddock.d/10-lab.conf" <<'CONF'
[group:nogroup]
tasks_max = 200
CONF
chmod 0644 "$tmp/etc/paddock.conf" "$tmp/etc/paddock.d/10-lab.conf"
out=$($P explain --conf "$tmp/etc/paddock.conf" nobody); rc=$?
ok $rc "explain nobody exits 0"
grep -Eq "^  cpu_weight +50 +$tmp/etc/paddock.conf:10 \[user:nobody\]" <<<"$out"; ok $? "explain: [user:nobody] wins, with file:line"
grep -Eq "^  tasks_max +200 +$tmp/etc/paddock.d/10-lab.conf:2 \[group:nogroup\]" <<<"$out"; ok $? "explain: the drop-in's group value wins over the main file's"
grep -Eq "^  memory_max +1G +$tmp/etc/paddock.conf:6 \[group:nogroup\]" <<<"$out"; ok $? "explain: group beats [default]"
grep -Eq "^  cpu_quota +100% +$tmp/etc/paddock.conf:3 \[default\]" <<<"$out"; ok $? "explain: [default] beats built-in"
grep -Eq "^  kill_on_logout +yes +built-in default" <<<"$out"; ok $? "explain: built-in default named as such"
grep -q "^isolated  yes" <<<"$out"; ok $? "explain: nobody is isolated"
out=$($P explain --conf "$tmp/etc/paddock.conf" root)
grep -q "^isolated  no" <<<"$out" && grep -q "root is exempt" <<<"$out"; ok $? "explain: root exempt by the built-in rule"
printf '[default]\nbogus = 1\n' >"$tmp/etc/paddock.d/20-bad.conf"; chmod 0644 "$tmp/etc/paddock.d/20-bad.conf"
out=$($P explain --conf "$tmp/etc/paddock.conf" nobody); rc=$?
[ "$rc" = 1 ] && grep -q "20-bad.conf:2: unknown key 'bogus'" <<<"$out" && grep -q "DENIED" <<<"$out"
ok $? "explain: a broken drop-in is named and the user is denied"
$P check --conf "$tmp/etc/paddock.conf" >/dev/null 2>&1; [ $? = 1 ]; ok $? "check --conf: a broken drop-in fails the whole policy"
$P explain --conf "$tmp/etc/paddock.conf" pdkt-no-such-user >/dev/null 2>&1; [ $? = 1 ]; ok $? "explain: unknown user exits 1"

# CLI conventions: --version, --help on every command (stdout, exit 0), usage
# errors on stderr with exit 2 and nothing on stdout.
out=$($P --version); rc=$?
[ "$rc" = 0 ] && [[ "$out" =~ ^paddock\ [0-9]+\.[0-9]+ ]]; ok $? "--version prints 'paddock VERSION' (got '$out')"
cmds=$($P --help | awk '/^  paddock [a-z]/ { print $2 }')
[ "$(wc -w <<<"$cmds")" -ge 9 ]; ok $? "--help lists the commands ($(echo $cmds))"
for c in $cmds; do
	for h in --help -h; do
		out=$($P "$c" "$h" 2>"$tmp/err"); rc=$?
		[ "$rc" = 0 ] && [[ "$out" == "usage: paddock $c"* ]] && [ ! -s "$tmp/err" ]
		ok $? "paddock $c $h: usage on stdout, exit 0"
	done
done
out=$($P check --system --help); rc=$?
[ "$rc" = 0 ] && grep -q -- '--root DIR' <<<"$out"; ok $? "--help after other options too (check --system --help)"
$P help stop | grep -q -- '--all'; ok $? "paddock help CMD is CMD --help"
usage_error() {
	local what=$1; shift
	out=$($P "$@" 2>"$tmp/err"); rc=$?
	[ "$rc" = 2 ] && [ -z "$out" ] && grep -q '^usage: paddock' "$tmp/err"
	ok $? "usage error: $what: exit 2, usage on stderr only (rc=$rc)"
}
usage_error "no command"
usage_error "an unknown command" frobnicate
usage_error "help for an unknown command" help frobnicate
usage_error "check with two files" check a b
usage_error "check with an unknown option" check --bogus
usage_error "explain without a user" explain
usage_error "status with two users" status a b
usage_error "enter without a user" enter
usage_error "stop without a user" stop
usage_error "stop --all with a user" stop --all root
usage_error "stop --all --spares" stop --all --spares
usage_error "reload with an argument" reload extra

# bash completion (shell/paddock.bash-completion, as installed): commands and
# options come from the helper's own help.
comp() {
	PATH=$PWD/build:$PATH bash -c '
		. /usr/share/bash-completion/bash_completion
		. shell/paddock.bash-completion
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_paddock paddock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' comp "$@"
}
[ "$(comp paddock s | tr '\n' ' ')" = "shell status stop " ]
ok $? "completion: commands (the internal spare and holder are not offered)"
want=$($P --help | awk '/^  paddock [a-z]/ && !/only\)$/ { print $2 }' | sort)
[ "$(comp paddock "")" = "$want" ]; ok $? "completion: every command but the internal ones"
[ "$(comp paddock stop -- | tr '\n' ' ')" = "--all --conf --help --spares " ]
ok $? "completion: the options of stop (got '$(comp paddock stop -- | tr '\n' ' ')')"
comp paddock check --system --r | grep -qx -- --root; ok $? "completion: check --system --r -> --root"
comp paddock --v | grep -qx -- --version; ok $? "completion: --version"
echo "1..$n"
exit $failed
