#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/groups.sh: [group:NAME] sections through real "su -" logins.  The module
# looks the user's groups up (getgrouplist through NSS) only when the policy has a
# [group:NAME] setting; this checks both sides of that:
#   * with a [group:NAME] section, a member gets the group's limits (first and joining
#     login), a non-member the [default] ones;
#   * without one (the shipped policy has none), logins still get [default]'s limits,
#     joining ones too (tests/unit/test-policy.c checks that a policy with group
#     settings is never resolved without the groups).
# SC1091: lib.sh is found at run time.
# shellcheck disable=SC1091
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build

t_cgroup_parent
t_group lab
lab=$T_GROUP
t_user carol -G "$lab"
carol=$T_USER carol_uid=$T_UID
t_user dave
dave=$T_USER dave_uid=$T_UID

with_group() {
	t_policy groups.conf "$(t_policy_global)
linger = 0

[default]
tasks_max = 64

[group:$lab]
tasks_max = 33"
}
without_group() {
	t_policy groups.conf "$(t_policy_global)
linger = 0

[default]
tasks_max = 48"
}
pids_max() { cat "$(t_cg pids "$1")/pids.max" 2>&1; }
wait_gone() {
	t_wait_for 10 t_paddock_gone "$1" || t_diag "paddock of uid $1 still there after 10 s"
}

with_group
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"

# --- a [group:NAME] section: groups are looked up ----------------------------------------------
t_sess_start c1 "$carol" 'echo c1-up'
t_sess_start d1 "$dave" 'echo d1-up'
t_ok "group section: carol's session is up" t_sess_wait c1
t_ok "group section: dave's session is up" t_sess_wait d1
t_is "group section: carol (member of $lab) gets the group's tasks_max" 33 "$(pids_max "$carol_uid")"
t_is "group section: dave (no member) gets [default]'s" 64 "$(pids_max "$dave_uid")"
t_ok "group section: a joining login of carol" t_su "$carol" 'true'
t_is "group section: ... her cgroup keeps the group's tasks_max" 33 "$(pids_max "$carol_uid")"
t_sess_end c1
t_sess_end d1
wait_gone "$carol_uid"
wait_gone "$dave_uid"

# --- no [group:NAME] section: the lookup is skipped ---------------------------------------------
without_group
t_sess_start c2 "$carol" 'echo c2-up'
t_ok "no group section: carol's session is up" t_sess_wait c2
t_is "no group section: carol gets [default]'s tasks_max" 48 "$(pids_max "$carol_uid")"
t_ok "no group section: a joining login of carol" t_su "$carol" 'true'
t_is "no group section: ... still [default]'s" 48 "$(pids_max "$carol_uid")"
t_sess_end c2
wait_gone "$carol_uid"

t_done
