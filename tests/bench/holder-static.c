/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An experiment of `make bench` (BENCH_PHASES=ab, see RESULTS.md): the holder
 * alone, linked statically against libc only, to measure what the exec of
 * the full helper (libsystemd, libgcrypt, libaudit, ... loaded and relocated
 * on every first login) costs.  Not a product binary.
 */
#include "../../pam_module/cgroup.h"
#include "../../shell/holder.h"

/* The holder never uses the systemd manager; this keeps cgroup-systemd.o
 * (and libsystemd) out of the link. */
const CgroupManager cgroup_manager_systemd = { .name = "systemd" };

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	return holder_main(argc - 1, argv + 1);
}
