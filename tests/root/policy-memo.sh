#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/policy-memo.sh: the module's memo of the policy it loaded
# (STATE_DIR/policy.memo, conf/policy-memo.c), through real su logins: a login
# makes it, root's own 0600 file; an edit of the policy that keeps its size, inode
# and mtime applies at the next login; a memo that is not root's own, or is cut
# short, is not used and is replaced; a broken policy denies users (and never root)
# with a memo of the good policy present, and is never memoized.
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
t_cgroup_parent

t_user alice; alice=$T_USER alice_uid=$T_UID
MEMO=/run/paddock/policy.memo
SESSION_ERR='cannot open session'

t_policy memo.conf "$(t_policy_global)
linger = 0
[default]
isolate = yes
memory_max = 256M"
pol=$T_POLICY
# With pam_permit after it: root's PAM_IGNORE under a broken policy leaves a result.
t_su_stack "$(t_pam_paddock_stack "$pol" "helper=$T_HELPER")
session  optional   pam_permit.so"

# pm_limit: the memory limit of alice's paddock while a login of hers is open (read on
# the host: the paddock's /sys has no cgroupfs), or "none"; the login ends by itself
# and its paddock goes with it (linger 0).
pm_limit() {
	local pid v=none f
	f=$(t_cg memory "$alice_uid")/memory.limit_in_bytes
	su - "$alice" -c 'sleep 1' >/dev/null 2>&1 &
	pid=$!
	# The holder listens only after the limits were written (the cgroup step is first).
	t_wait_for 3 test -S "/run/paddock/$alice_uid/ctl" && v=$(cat "$f" 2>/dev/null)
	wait "$pid"
	t_wait_for 5 t_paddock_gone "$alice_uid" || v="$v (the paddock stayed)"
	echo "$v"
}
# pm_memo_ok: the memo is root's regular file, mode 0600, one link
pm_memo_ok() { [ "$(stat -c '%F %u %a %h' "$MEMO")" = "regular file 0 600 1" ]; }

rm -f "$MEMO"
t_is "a login's limit comes from the policy (256M)" $((256 << 20)) "$(pm_limit)"
t_ok "... and it left a memo of the policy in /run/paddock: root's 0600 file" pm_memo_ok
t_ok "... which holds the policy's bytes (the memo is made from them)" \
	grep -q -F "memory_max = 256M" "$MEMO"
memo_ino=$(stat -c %i "$MEMO")
t_is "the next login has the same limit" $((256 << 20)) "$(pm_limit)"
# A memo that served is not written again (a new one comes by a rename: a new inode).
t_is "... served by the memo: it was not made again" "$memo_ino" "$(stat -c %i "$MEMO")"

# The same size, inode and mtime: only the bytes tell the edit apart.
cp -p "$pol" "$T_TMP/memo.ref"
before=$(stat -c '%s %i %Y' "$pol")
sed 's/^memory_max = 256M$/memory_max = 384M/' "$T_TMP/memo.ref" >"$T_TMP/memo.new"
cat "$T_TMP/memo.new" >"$pol" && touch -r "$T_TMP/memo.ref" "$pol"
t_is "(an edit in place: size, inode and mtime as before)" "$before" "$(stat -c '%s %i %Y' "$pol")"
t_is "... applies at the next login: 384M" $((384 << 20)) "$(pm_limit)"
t_ok "... and the memo is the edited policy's now" grep -q -F "memory_max = 384M" "$MEMO"
t_ok "... (made anew: another inode)" test "$(stat -c %i "$MEMO")" != "$memo_ino"

chown 65534 "$MEMO"
t_is "a memo not root's is not used: the login has the policy's limit" $((384 << 20)) "$(pm_limit)"
t_ok "... and it was replaced by root's own" pm_memo_ok

truncate -s 10 "$MEMO"
t_is "a memo cut short is not used: the login has the policy's limit" $((384 << 20)) "$(pm_limit)"
t_ok "... and it was replaced whole" test "$(stat -c %s "$MEMO")" -gt 10

cp "$MEMO" "$T_TMP/memo.good"
printf '%s\n' "$(t_policy_global)" "[default]" "memory_max = lots" >"$pol"
t_nok "a broken policy with a memo of the good one present: alice is denied" \
	su - "$alice" -c 'echo RAN'
t_like "... in the session stack" "$SESSION_ERR" "$T_ERR"
t_ok "... nothing was set up for her" t_paddock_gone "$alice_uid"
t_ok "... the broken policy was not memoized (the memo is the good one's)" \
	cmp -s "$MEMO" "$T_TMP/memo.good"
t_ok "... root is still exempt: su - root works" su - root -c true
t_is "... (in the host's pid namespace)" "$(readlink /proc/self/ns/pid)" \
	"$(su - root -c 'readlink /proc/self/ns/pid')"
cat "$T_TMP/memo.new" >"$pol"
t_is "the policy mended: the login has its limit again" $((384 << 20)) "$(pm_limit)"

t_done
