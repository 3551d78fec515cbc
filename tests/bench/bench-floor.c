/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-bench floor N CHECKPOINTS OUT: the kernel floor of the memory
 * figures.  N isolated "users" made the shortest way, without paddock, PAM
 * or a helper: per user three v1 cgroups (memory, cpu, pids, with the
 * shipped policy's limits) and one process in them, PID 1 of its own
 * mount, PID, IPC, UTS and network namespaces, with a fresh proc, a fresh
 * sysfs, one tmpfs, its hostname and lo up, then pause().  What a paddock
 * costs beyond these objects is paddock's; what these cost is the
 * kernel's, whatever tool makes them.
 *
 * Memory lines as login-bench hold's at each checkpoint and at N, then a
 * teardown of everything (each PID 1 killed by pid, each cgroup removed)
 * and one line at -1.  The cgroups are paddock-test-floor-PID/uI at the
 * root of each hierarchy, made here and removed here (tests/bench/run
 * removes what a killed run leaves).  v1 or hybrid only: on a unified
 * hierarchy OUT gets "skip".
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-mem.h"

#define FLOOR_NS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)

static const char *const floor_ctl[] = { "memory", "cpu", "pids" };
#define FLOOR_CTLS (sizeof(floor_ctl) / sizeof(floor_ctl[0]))

/* The shipped policy's limits (conf/paddock.conf): memory_max 2G, cpu 100%, tasks 512. */
static const char *const floor_limit[][2] = {
	{ "memory.limit_in_bytes", "2147483648" },
	{ "cpu.cfs_quota_us", "100000" },
	{ "pids.max", "512" },
};

/* The driver's pid, in the name of the cgroups (the same in its children). */
static pid_t floor_owner;

static int floor_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void floor_path(char *buf, size_t size, size_t ctl, int user, const char *file)
{
	int n = snprintf(buf, size, "/sys/fs/cgroup/%s/paddock-test-floor-%d", floor_ctl[ctl],
			 (int)floor_owner);

	if (user >= 0)
		n += snprintf(buf + n, size - (size_t)n, "/u%d", user);
	if (file)
		snprintf(buf + n, size - (size_t)n, "/%s", file);
}

/* PID 1 of one user's namespaces: what a holder sets up, then wait. */
_Noreturn static void floor_init(int ready_fd)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    umount2("/proc", MNT_DETACH) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    umount2("/sys", MNT_DETACH) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=536870912,mode=1777") < 0 ||
	    sethostname("floor", 5) < 0)
		_exit(3);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		_exit(4);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		_exit(4);
	close(s);
	if (write(ready_fd, "1", 1) != 1)
		_exit(5);
	close(ready_fd);
	for (;;)
		pause();
}

/*
 * Make user i: its cgroups, then a short-lived child that joins them and
 * clones PID 1 of the new namespaces as our child (CLONE_PARENT: it dies
 * with us, PR_SET_PDEATHSIG).  Returns PID 1's pid, or -1.
 */
static pid_t floor_user(int i)
{
	char path[256], c;
	int ready[2];
	pid_t mid, init = -1;
	int st;

	for (size_t k = 0; k < FLOOR_CTLS; k++) {
		floor_path(path, sizeof(path), k, i, NULL);
		if (mkdir(path, 0755) < 0)
			return -1;
		floor_path(path, sizeof(path), k, i, floor_limit[k][0]);
		if (floor_write(path, floor_limit[k][1]) < 0)
			return -1;
	}
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0) {
		long pid;

		close(ready[0]);
		for (size_t k = 0; k < FLOOR_CTLS; k++) {
			floor_path(path, sizeof(path), k, i, "tasks");
			if (floor_write(path, "0") < 0)
				_exit(1);
		}
		pid = syscall(SYS_clone, FLOOR_NS | CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid < 0)
			_exit(2);
		if (pid == 0)
			floor_init(ready[1]);
		/* PID 1 is the driver's child (CLONE_PARENT): we are done. */
		_exit(0);
	}
	close(ready[1]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && read(ready[0], &c, 1) == 1) {
		/* The one task of the user's pids cgroup is PID 1. */
		FILE *f;

		floor_path(path, sizeof(path), 2, i, "tasks");
		f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%d", &init) != 1)
				init = -1;
			fclose(f);
		}
	}
	close(ready[0]);
	return init;
}

/* Remove user i's cgroups once its PID 1 is gone. */
static void floor_user_remove(int i)
{
	char path[256];

	for (size_t k = 0; k < FLOOR_CTLS; k++) {
		floor_path(path, sizeof(path), k, i, NULL);
		for (int tries = 0; rmdir(path) < 0 && errno == EBUSY && tries < 100; tries++)
			usleep(10000);
	}
}

int bench_floor(int argc, char **argv)
{
	char path[256], *ckstr, *tok, *save = NULL;
	int n, nck = 0, ck[32], made = 0, r = 0;
	pid_t *inits;
	FILE *out;

	if (argc != 4)
		return 2;
	n = atoi(argv[1]);
	if (n <= 0)
		return 2;
	ckstr = strdup(argv[2]);
	for (tok = strtok_r(ckstr, ",", &save); tok && nck < 31; tok = strtok_r(NULL, ",", &save))
		if (atoi(tok) > 0 && atoi(tok) < n)
			ck[nck++] = atoi(tok);
	ck[nck++] = n;
	free(ckstr);
	floor_owner = getpid();
	out = fopen(argv[3], "we");
	inits = calloc((size_t)n, sizeof(*inits));
	if (!out || !inits)
		return 1;
	for (size_t k = 0; k < FLOOR_CTLS; k++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/tasks", floor_ctl[k]);
		if (access(path, F_OK) < 0) {
			fprintf(out, "skip no v1 %s hierarchy\n", floor_ctl[k]);
			fclose(out);
			return 0;
		}
	}
	for (size_t k = 0; k < FLOOR_CTLS; k++) {
		floor_path(path, sizeof(path), k, -1, NULL);
		if (mkdir(path, 0755) < 0) {
			fprintf(stderr, "login-bench: floor: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	bench_mem_line(out, 0, "/sys/fs/cgroup/memory", 1, 0);
	for (int c = 0; made < n;) {
		inits[made] = floor_user(made);
		if (inits[made] < 0) {
			fprintf(stderr, "login-bench: floor: user %d: %s\n", made, strerror(errno));
			fprintf(out, "fail %d -1\n", made);
			floor_user_remove(made);
			r = 1;
			break;
		}
		if (++made == ck[c]) {
			bench_mem_line(out, made, "/sys/fs/cgroup/memory", 1, 0);
			c++;
		}
	}
	for (int i = 0; i < made; i++) {
		kill(inits[i], SIGKILL);
		while (waitpid(inits[i], NULL, 0) < 0 && errno == EINTR)
			;
		floor_user_remove(i);
	}
	for (size_t k = 0; k < FLOOR_CTLS; k++) {
		floor_path(path, sizeof(path), k, -1, NULL);
		rmdir(path);
	}
	bench_mem_line(out, -1, "/sys/fs/cgroup/memory", 1, 0);
	fclose(out);
	free(inits);
	return r;
}
