/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory snapshots of tests/bench (login-bench hold, login-bench floor),
 * and the kernel floor they are compared with.
 */
#pragma once

#include <stdio.h>
#include <sys/types.h>

/*
 * After 3 s of settling, one "mem N KEY:KIB ..." line (meminfo fields, the
 * kmem and usage of the memory cgroup cg_mem, the PSS and RSS of the
 * "paddock holder" processes of uids lo..hi) and one "slab N NAME:KIB ..."
 * line (num_objs x objsize of every slab cache) on out.
 */
void bench_mem_line(FILE *out, int n, const char *cg_mem, uid_t lo, uid_t hi);

/*
 * login-bench floor N CHECKPOINTS OUT: the kernel objects of N isolated
 * users made directly, without paddock (see bench-floor.c); 0 on success,
 * 1 on failure, 2 on a usage error.
 */
int bench_floor(int argc, char **argv);
