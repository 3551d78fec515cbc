/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-dlopen: what loading the network's libraries costs a process that is
 * already running (issue 20: could the holder, or another process already
 * there at a first login, load them only for the network's set-up and unload
 * them after?).  Opens each shared object named, RTLD_NOW | RTLD_LOCAL as a
 * plugin would be, in the order given, then closes them all, and prints one
 * line: "OPEN_WALL_NS OPEN_CPU_NS CLOSE_WALL_NS" (the process's CPU time, user
 * and system).  One run per process, so that nothing is loaded before:
 * tests/bench/dlopen-floor runs it in fresh processes.
 *
 *   bench-dlopen SONAME...
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
	void *handles[16];
	int n = 0;

	if (argc < 2 || argc - 1 > (int)(sizeof(handles) / sizeof(handles[0]))) {
		fprintf(stderr, "usage: bench-dlopen SONAME... (at most 16)\n");
		return 2;
	}
	uint64_t w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 1; i < argc; i++) {
		handles[n] = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		if (!handles[n]) {
			fprintf(stderr, "bench-dlopen: %s\n", dlerror());
			return 1;
		}
		n++;
	}
	uint64_t w1 = ns(CLOCK_MONOTONIC), c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	while (n--)
		dlclose(handles[n]);
	uint64_t w2 = ns(CLOCK_MONOTONIC);
	printf("%llu %llu %llu\n", (unsigned long long)(w1 - w0), (unsigned long long)(c1 - c0),
	       (unsigned long long)(w2 - w1));
	return 0;
}
