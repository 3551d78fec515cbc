/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-counters: what the login counters cost a login (pam_module/
 * counters.h), measured on the module's own code: ITER times, in turn,
 * A = counters_open(), one counters_bump(), counters_close() (what every
 * pam_sm_open_session does: open and check the file, lock, read, write,
 * unlock, close), and B = opening and closing STATE_DIR alone (the part of
 * A any state access pays).  OUT gets "A i ns" and "B i ns".
 * Built by tests/bench/run against the build's engine archive and run in
 * the bench's nest (its own /run/paddock).
 *
 *   bench-counters ITER OUT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../pam_module/counters.h"
#include "../../pam_module/state.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int iter;
	FILE *out;

	if (argc != 3 || (iter = atoi(argv[1])) <= 0)
		return 2;
	out = fopen(argv[2], "w");
	if (!out)
		return 1;
	for (int i = 0; i < iter; i++) {
		for (int k = 0; k < 2; k++) {
			int a = (i + k) % 2 == 0, fd = -1, r;
			Counters c = { .fd = -EBADF };
			int64_t t0 = now_ns(), t1;

			if (a) {
				r = counters_open(&c);
				counters_bump(&c, COUNTER_BIT(COUNTER_JOINED));
				counters_close(&c);
			} else {
				r = state_open_run_dir(&fd);
				if (r >= 0)
					close(fd);
			}
			t1 = now_ns();
			if (r < 0) {
				fprintf(stderr, "bench-counters: %s\n",
					a ? "counters_open" : "STATE_DIR");
				return 1;
			}
			fprintf(out, "%s %d %" PRId64 "\n", a ? "A" : "B", i, t1 - t0);
		}
	}
	return fclose(out) == 0 ? 0 : 1;
}
