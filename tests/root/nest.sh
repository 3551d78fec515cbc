#!/bin/bash
# Run one root-tier test program inside the nest that tests/root/lib.sh builds
# (its own cgroup and mount namespace; see t_nest).  The program prints its
# own TAP; this wrapper adds nothing to it.
#   tests/root/nest.sh PROGRAM [ARGS...]
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
t_nest "$@"
"$@"
