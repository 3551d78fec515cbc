#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/root/completion.sh: the bash completion (shell/paddock.bash-completion) in a
# real bash with Debian's bash-completion loaded, as a user's TAB calls it: COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT set, the function complete registered for
# paddock called with the command, the current and the previous word.
#   * commands from "paddock --help", without those only the module starts (holder,
#     spare); options from "paddock CMD --help";
#   * status, stop and enter complete the names of live paddocks only: a throwaway
#     user logged in with "su -" through pam_paddock.so is offered, one without a
#     paddock is not, and after the logout nobody is;
#   * --conf completes file names.
# SC1091: lib.sh is found at run time.
# SC2016: the single-quoted script runs in the completion's bash, expanded there.
# shellcheck disable=SC1091,SC2016
set -u
. "$(dirname "$0")/lib.sh"
t_nest "$@"
t_require_build
[ -r /usr/share/bash-completion/bash_completion ] ||
	t_bail "/usr/share/bash-completion/bash_completion missing: install bash-completion (make deps does)"
P=$T_HELPER
COMPLETION=$T_ROOT/shell/paddock.bash-completion

t_cgroup_parent
t_policy completion.conf "$(t_policy_global)
linger = 0

[default]
memory_max = 256M
tasks_max = 64"
t_su_stack "$(t_pam_paddock_stack "$T_POLICY" helper="$T_HELPER")"

t_user alice
alice=$T_USER alice_uid=$T_UID
t_user bob
bob=$T_USER

# complete WORD...: the words of a command line whose last word is the one under the
# cursor (may be ""); prints COMPREPLY one a line, sorted, as bash would offer it.
complete_words() {
	bash --norc --noprofile -c '
	. /usr/share/bash-completion/bash_completion || exit 97
	. "$1" || exit 98
	shift
	spec=$(complete -p paddock) || exit 99
	fn=$(sed -n "s/.*-F \([^ ]*\) .*/\1/p" <<<"$spec")
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "$prev"
	printf "%s\n" "${COMPREPLY[@]}" | sort
	' _ "$COMPLETION" "$@"
}
words() { complete_words "$@" | paste -sd' ' -; }

# --- commands and options -------------------------------------------------------------------
t_ok "the completion loads and registers a function for paddock" \
	bash --norc --noprofile -c '. /usr/share/bash-completion/bash_completion && . "$1" &&
		complete -p paddock | grep -q -- "-F _paddock paddock"' _ "$COMPLETION"
cmds=$(words "$P" "")
for c in check explain status enter stop reload metrics top; do
	t_like "paddock TAB: offers $c" "(^| )$c( |$)" "$cmds"
done
for c in holder spare; do
	t_nok "paddock TAB: ... not $c (only the module starts it)" grep -qw "$c" <<<"$cmds"
done
t_is "paddock st TAB: status stop" "status stop" "$(words "$P" st)"
t_is "paddock -- TAB: --help --version" "--help --version" "$(words "$P" --)"
t_like "paddock status --TAB: its options from its --help (--json, --conf)" \
	"--conf.*--json" "$(words "$P" status --)"
mkdir -p "$T_TMP/confs" && touch "$T_TMP/confs/site.conf"
t_is "paddock status --conf PATH TAB: file names" "$T_TMP/confs/site.conf" \
	"$(words "$P" status --conf "$T_TMP/confs/s")"

# --- user names of live paddocks ------------------------------------------------------------
t_is "no live paddock: paddock status TAB offers no name" "" "$(words "$P" status "")"
t_sess_start a-keep "$alice" 'echo a-up'
t_ok "alice's session is up" t_sess_wait a-keep
t_ok "... alice has a live paddock" test -e "/run/paddock/$alice_uid"
t_is "paddock status TAB: alice, who has a live paddock (not bob, who has none)" \
	"$alice" "$(words "$P" status "")"
t_is "paddock stop PREFIX TAB: alice's name completed from its first letters" \
	"$alice" "$(words "$P" stop "${alice:0:${#alice}-3}")"
t_is "paddock enter TAB: alice" "$alice" "$(words "$P" enter "")"
t_is "paddock status --json TAB: alice after an option" "$alice" "$(words "$P" status --json "")"
t_is "paddock stop ${bob:0:${#bob}-2} TAB: nothing (bob has no paddock)" "" \
	"$(words "$P" stop "${bob:0:${#bob}-2}")"
t_like "paddock explain TAB: any user of the system (bob too)" "(^| )$bob( |$)" \
	"$(words "$P" explain "${bob:0:${#bob}-2}")"
t_sess_end a-keep
t_ok "alice's paddock ends with her session (linger 0)" t_wait_for 10 t_paddock_gone "$alice_uid"
t_is "after the logout: paddock status TAB offers no name" "" "$(words "$P" status "")"
t_done
