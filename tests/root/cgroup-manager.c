/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root tier: the cgroupfs v1 manager against the real kernel.
 *
 * Must run nested (tests/root/nest.sh): in its own cgroup namespace with the
 * memory, cpu and pids hierarchies mounted from inside it, so that "/" of
 * each hierarchy is the cgroup the test started in and everything it creates
 * is below that.  It refuses to run otherwise.  The test process itself is
 * never moved; only children it forks are attached.
 *
 * The cgroup parent is unique per run (/paddock-test.PID/paddock.slice): on
 * hosts where a hierarchy's "/" is shared (here cpu and pids: the runner sits
 * in their real root), parallel runs must not meet.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../conf/units.h"
#include "../../pam_module/cgroup-fs.h"
#include "../../pam_module/cgroup.h"
#include "../unit/tap.h"

#define MiB (1024ULL * 1024ULL)
/* The initial cgroup namespace's fixed inode number (PROC_CGROUP_INIT_INO). */
#define INIT_CGROUP_NS_INO 0xEFFFFFFBULL

/* memory, cpu and pids always; cpuacct where it is a hierarchy of its own
 * (not cpu's under another name), which the manager then joins too. */
static const char *const hier[] = { "memory", "cpu", "pids", "cpuacct" };
static size_t n_hier = 3;

static const CgroupManager *m = &cgroup_manager_v1;
static char top[64];	 /* /paddock-test.PID */
static char parent[128]; /* /paddock-test.PID/paddock.slice */
static const uid_t uid = 4242;

static const CgroupLimits base_limits = {
	.memory_max = 64 * MiB,
	.memory_high = 48 * MiB,
	.memory_swap_max = 0,
	.cpu_quota = 20,
	.cpu_weight = 200,
	.tasks_max = 16,
};

/* ---- small helpers ------------------------------------------------------ */

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* /sys/fs/cgroup/HIER + rel + "/" + file (file may be NULL). */
static const char *hpath(size_t h, const char *rel, const char *file)
{
	static char buf[4][512];
	static int slot;
	char *b = buf[slot++ % 4];

	snprintf(b, sizeof(buf[0]), "/sys/fs/cgroup/%s%s%s%s", hier[h], rel, file ? "/" : "",
		 file ? file : "");
	return b;
}

static const char *user_rel(void)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/user-%u", parent, (unsigned)uid);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The path of the calling process in the v1 hierarchy holding controller c. */
static int self_cgroup(const char *c, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path, *tok, *save = NULL;

		if (!ctrls)
			continue;
		ctrls++;
		path = strchr(ctrls, ':');
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (tok = strtok_r(ctrls, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, c) == 0) {
				snprintf(buf, len, "%s", path);
				fclose(f);
				return 0;
			}
	}
	fclose(f);
	return -ENOENT;
}

static bool file_has_pid(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "re");
	char line[64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strtol(line, NULL, 10) == pid;
	fclose(f);
	return found;
}

/*
 * Why this process is not nested, or NULL.  Nested: a cgroup namespace other
 * than the initial one, and for memory, cpu and pids /proc/self/cgroup shows
 * "/" and the mounted hierarchy's root holds this process.
 */
static const char *nest_problem(void)
{
	static char why[512];
	struct stat st;

	if (stat("/proc/self/ns/cgroup", &st) < 0)
		return "cannot stat /proc/self/ns/cgroup";
	if ((unsigned long long)st.st_ino == INIT_CGROUP_NS_INO)
		return "this is the initial cgroup namespace (run under unshare -C, see "
		       "tests/root/nest.sh)";
	for (size_t h = 0; h < n_hier; h++) {
		char path[512];

		if (self_cgroup(hier[h], path, sizeof(path)) < 0) {
			snprintf(why, sizeof(why), "no %s line in /proc/self/cgroup", hier[h]);
			return why;
		}
		if (strcmp(path, "/") != 0) {
			snprintf(why, sizeof(why), "/proc/self/cgroup shows %s:%s, not /", hier[h],
				 path);
			return why;
		}
		if (!file_has_pid(hpath(h, "", "cgroup.procs"), getpid())) {
			snprintf(why, sizeof(why),
				 "%s is not a hierarchy mounted at our own cgroup",
				 hpath(h, "", NULL));
			return why;
		}
	}
	return NULL;
}

static bool file_is(size_t h, const char *rel, const char *file, const char *want)
{
	char got[256];
	int r = read_text(hpath(h, rel, file), got, sizeof(got));

	if (r < 0) {
		tap_diag("%s: %s", hpath(h, rel, file), strerror(-r));
		return false;
	}
	if (strcmp(got, want) != 0) {
		tap_diag("%s: got '%s', want '%s'", hpath(h, rel, file), got, want);
		return false;
	}
	return true;
}

static bool dir_root_0755(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		tap_diag("%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0755) {
		tap_diag("%s: uid %u mode %o", path, (unsigned)st.st_uid, st.st_mode & 07777);
		return false;
	}
	return true;
}

static bool gone_everywhere(const char *rel)
{
	bool ok = true;

	for (size_t h = 0; h < n_hier; h++)
		if (exists(hpath(h, rel, NULL))) {
			tap_diag("%s still exists", hpath(h, rel, NULL));
			ok = false;
		}
	return ok;
}

static bool memsw_present(void)
{
	return exists(hpath(0, user_rel(), "memory.memsw.limit_in_bytes"));
}

/* ---- children ----------------------------------------------------------- */

/*
 * Fork a child that attaches itself to the user's cgroup and then runs fn.
 * The child's exit status: 100 + errno when attach failed, else fn's.  If
 * gate is not NULL, the child first waits for one byte (or EOF) on gate[0].
 */
static pid_t spawn(int (*fn)(void *), void *arg, int *gate)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r;
		char c;

		/* A stuck child must not outlive the test for long. */
		alarm(60);
		if (gate)
			close(gate[1]);
		r = m->attach_self(parent, uid);
		if (r < 0)
			_exit(100 + (-r & 0x3f));
		if (gate) {
			if (read(gate[0], &c, 1) < 0)
				_exit(99);
			close(gate[0]);
		}
		_exit(fn ? fn(arg) : 0);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static const char *describe(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

static int child_check_cgroup(void *arg)
{
	const char *want = arg;

	for (size_t h = 0; h < n_hier; h++) {
		char got[512];

		if (self_cgroup(hier[h], got, sizeof(got)) < 0 || strcmp(got, want) != 0) {
			printf("# child: %s: in '%s', want '%s'\n", hier[h], got, want);
			fflush(stdout);
			return 1;
		}
	}
	return 0;
}

/* Allocate and touch bytes (arg points to a uint64_t). */
static int child_touch(void *arg)
{
	uint64_t bytes = *(const uint64_t *)arg;
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (uint64_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
	return 0;
}

/* Fork until fork fails; report the count and errno on the pipe in arg. */
static int child_fork_loop(void *arg)
{
	int out = *(const int *)arg;
	int hold[2];
	int result[2] = { 0, 0 };
	pid_t kids[64];
	int n = 0;

	if (pipe(hold) < 0)
		return 2;
	/* Bounded: a cap that does not work must not become a fork bomb. */
	while (n < (int)(sizeof(kids) / sizeof(kids[0]))) {
		pid_t pid = fork();

		if (pid < 0) {
			result[1] = errno;
			break;
		}
		if (pid == 0) {
			char c;

			close(hold[1]);
			(void)!read(hold[0], &c, 1);
			_exit(0);
		}
		kids[n++] = pid;
	}
	result[0] = n;
	(void)!write(out, result, sizeof(result));
	close(hold[1]);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return 0;
}

static int child_spin(void *arg)
{
	struct timespec start, now;
	double secs = *(const double *)arg;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
	       secs);
	return 0;
}

static int child_leave_destroy(void *arg)
{
	char want[256];
	int r;

	(void)arg;
	r = m->leave(parent);
	if (r < 0) {
		printf("# child: leave: %s\n", strerror(-r));
		return 10;
	}
	r = m->destroy(parent, uid);
	if (r < 0) {
		printf("# child: destroy: %s\n", strerror(-r));
		return 11;
	}
	snprintf(want, sizeof(want), "%s/reaper", parent);
	return child_check_cgroup(want) ? 12 : 0;
}

/* ---- the tests ---------------------------------------------------------- */

static void test_pick(void)
{
	const CgroupManager *got = NULL;
	char buf[256];
	int r;

	r = cg_manager_pick(CGROUP_MANAGER_CGROUPFS, NULL, &got);
	tap_ok(r == 0 && got == &cgroup_manager_v1, "pick(cgroupfs) chooses %s (r=%d)",
	       got ? got->name : "nothing", r);
	got = NULL;
	r = cg_manager_pick(CGROUP_MANAGER_SYSTEMD, NULL, &got);
	tap_ok(r == -EOPNOTSUPP && !got,
	       "pick(systemd) is -EOPNOTSUPP without systemd as PID 1 (r=%d)", r);
	/* A joining login's stamp names its manager; a stamp of no manager
	 * is none, and systemd as asked for stays systemd's question. */
	{
		CgroupStamp v1 = { .magic = cgroup_manager_v1.stamp_magic };
		CgroupStamp odd = { .magic = 0x12345678u };

		got = NULL;
		r = cg_manager_pick(CGROUP_MANAGER_AUTO, &v1, &got);
		tap_ok(r == 0 && got == &cgroup_manager_v1 && v1.magic != 0,
		       "pick(auto) with a v1 stamp is the v1 manager (r=%d)", r);
		got = NULL;
		r = cg_manager_pick(CGROUP_MANAGER_CGROUPFS, &odd, &got);
		tap_ok(r == 0 && got == &cgroup_manager_v1,
		       "pick(cgroupfs) with a stamp of no manager detects again: %s (r=%d)",
		       got ? got->name : "nothing", r);
		got = NULL;
		r = cg_manager_pick(CGROUP_MANAGER_SYSTEMD, &v1, &got);
		tap_ok(r == -EOPNOTSUPP && !got,
		       "pick(systemd) with a v1 stamp is still -EOPNOTSUPP here (r=%d)", r);
	}
	/* The pick's detection of v1: one statfs per hierarchy, spellings
	 * that are symlinks followed; a name is one name, never a path. */
	tap_ok(cg_v1_available() == 1, "v1 detected: memory, cpu and pids are mounted");
	tap_ok(cg_base_has("memory", CGROUP_SUPER_MAGIC) == 1 &&
		       cg_base_has("memory", CGROUP2_SUPER_MAGIC) == 0,
	       "cg_base_has tells a v1 hierarchy by its type");
	tap_ok(cg_base_has("no-such-hierarchy", CGROUP_SUPER_MAGIC) == 0,
	       "cg_base_has: a missing name is no hierarchy (0, not an error)");
	tap_ok(cg_base_has("../cgroup/memory", CGROUP_SUPER_MAGIC) == -EINVAL &&
		       cg_base_has("", CGROUP_SUPER_MAGIC) == -EINVAL,
	       "cg_base_has refuses a path or an empty name (-EINVAL)");
	tap_ok(cg_manager_by_name("cgroupfs-v1") == &cgroup_manager_v1 &&
		       cg_manager_by_name("cgroupfs-v2") == &cgroup_manager_v2 &&
		       cg_manager_by_name("systemd") != NULL &&
		       cg_manager_by_name("none") == NULL && cg_manager_by_name("bogus") == NULL,
	       "cg_manager_by_name finds the three managers by name and nothing else");
	r = m->path(parent, uid, buf, sizeof(buf));
	tap_ok(r == 0 && strcmp(buf, user_rel()) == 0, "path() is %s", r == 0 ? buf : "error");
}

static bool limits_read_back(uint64_t memory_max)
{
	const char *u = user_rel();
	char want[32];
	bool ok = true;

	snprintf(want, sizeof(want), "%" PRIu64, memory_max);
	ok &= file_is(0, u, "memory.limit_in_bytes", want);
	ok &= file_is(0, u, "memory.soft_limit_in_bytes", "50331648");
	if (memsw_present())
		ok &= file_is(0, u, "memory.memsw.limit_in_bytes", want);
	ok &= file_is(1, u, "cpu.cfs_period_us", "100000");
	ok &= file_is(1, u, "cpu.cfs_quota_us", "20000");
	ok &= file_is(1, u, "cpu.shares", "2048");
	ok &= file_is(2, u, "pids.max", "16");
	return ok;
}

static void test_create(void)
{
	char top_rel[256], slice_rel[256];
	bool ok = true;
	int r;

	r = m->create(parent, uid, &base_limits);
	tap_ok(r == 0, "create %s: %s", user_rel(), r < 0 ? strerror(-r) : "ok");
	if (!memsw_present())
		tap_diag("memory.memsw.limit_in_bytes absent: swap is not capped on this kernel");
	tap_ok(limits_read_back(64 * MiB), "limits read back (64M, soft 48M, memsw 64M, cfs "
					   "20000/100000, shares 2048, pids 16)");
	snprintf(top_rel, sizeof(top_rel), "%s", top);
	snprintf(slice_rel, sizeof(slice_rel), "%s", parent);
	for (size_t h = 0; h < n_hier; h++) {
		ok &= dir_root_0755(hpath(h, top_rel, NULL));
		ok &= dir_root_0755(hpath(h, slice_rel, NULL));
		ok &= dir_root_0755(hpath(h, user_rel(), NULL));
	}
	tap_ok(ok, "parent components and user-UID are root-owned 0755 in every hierarchy");

	r = m->create(parent, uid, &base_limits);
	tap_ok(r == 0 && limits_read_back(64 * MiB), "create again is idempotent (r=%d)", r);
}

static void test_rollback(void)
{
	CgroupLimits bad = base_limits;
	char rel[256];
	int r;

	/* The kernel refuses a cfs quota above 2^44 us: fails after the mkdirs. */
	bad.cpu_quota = 100000000000ULL;
	snprintf(rel, sizeof(rel), "%s/rollback.slice", top);
	r = m->create(rel, uid, &bad);
	tap_ok(r < 0, "create with a quota the kernel refuses fails (%s)", strerror(-r));
	tap_ok(gone_everywhere(rel) && exists(hpath(0, top, NULL)),
	       "the failed create removed what it made (rollback.slice) and kept what existed");

	bad = base_limits;
	bad.cpu_weight = 0;
	r = m->create(parent, uid + 1, &bad);
	snprintf(rel, sizeof(rel), "%s/user-%u", parent, (unsigned)uid + 1);
	tap_ok(r == -EINVAL && gone_everywhere(rel), "cpu_weight 0 is -EINVAL before any mkdir");
	tap_ok(limits_read_back(64 * MiB), "the existing user cgroup was not touched");
}

static void test_attach(void)
{
	static char want[256];
	char self[512];
	pid_t pid;
	int status;

	snprintf(want, sizeof(want), "%s", user_rel());
	pid = spawn(child_check_cgroup, want, NULL);
	status = wait_status(pid);

	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "attach_self from a child puts it in %s in every hierarchy (%s)", user_rel(),
	       describe(status));
	tap_ok(self_cgroup("memory", self, sizeof(self)) == 0 && strcmp(self, "/") == 0,
	       "the test process itself was not moved");
}

/* enter() in a child: limits applied (a changed one rewritten), then the move. */
static int child_enter(void *arg)
{
	CgroupLimits l = base_limits;
	CgroupStamp stamp = { 0 };
	bool attaching = false;
	int r;

	l.memory_max = 80 * MiB;
	r = cg_enter(m, parent, uid, &l, &stamp, &attaching);
	if (r < 0)
		return attaching ? 20 : 21;
	return child_check_cgroup(arg);
}

static void test_enter(void)
{
	static char want[256];
	CgroupLimits bad = base_limits;
	CgroupStamp stamp = { .magic = 1 };
	bool attaching = true;
	char rel[256];
	pid_t pid;
	int status, r;

	snprintf(want, sizeof(want), "%s", user_rel());
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(60);
		_exit(child_enter(want));
	}
	status = wait_status(pid);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "enter from a child puts it in %s in every hierarchy (%s)", user_rel(),
	       describe(status));
	tap_ok(limits_read_back(80 * MiB), "enter: ... a changed memory_max (80M) is rewritten");

	bad.cpu_weight = 0;
	r = cg_enter(m, parent, uid + 2, &bad, &stamp, &attaching);
	snprintf(rel, sizeof(rel), "%s/user-%u", parent, (unsigned)uid + 2);
	tap_ok(r == -EINVAL && !attaching && gone_everywhere(rel) && stamp.magic == 0,
	       "enter: cpu_weight 0 is -EINVAL, not an attach failure, before any mkdir, "
	       "no stamp");
	r = m->create(parent, uid, &base_limits);
	tap_ok(r == 0 && limits_read_back(64 * MiB), "create puts 64M back (r=%d)", r);
}

/* Whether this process is in the user's cgroup of every hierarchy
 * (/proc/self/cgroup: "N:CONTROLLERS:PATH", cpu possibly as "cpu,cpuacct"). */
static bool self_in_user_cgroup(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	unsigned found = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl || !(path = strchr(++ctl, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (size_t h = 0; h < n_hier; h++) {
			char *t, *save = NULL;

			for (t = strtok_r(ctl, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (strcmp(t, hier[h]) == 0 && strcmp(path, user_rel()) == 0)
					found |= 1u << h;
		}
	}
	fclose(f);
	return found == (1u << n_hier) - 1;
}

/* enter() with *stamp in a child (the test process is never moved); *stamp
 * becomes what it returned.  Returns enter()'s result, -EXDEV when it
 * returned 0 but the child is not in the user's cgroup everywhere, or
 * -ECHILD. */
static int enter_in_child(const CgroupLimits *l, CgroupStamp *stamp)
{
	CgroupStamp *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, r = -ECHILD;
	pid_t pid;

	if (shared == MAP_FAILED)
		return -errno;
	*shared = *stamp;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		bool attaching;

		alarm(60);
		r = cg_enter(m, parent, uid, l, shared, &attaching);
		_exit(r < 0 ? 1 : self_in_user_cgroup() ? 0 : 2);
	}
	status = wait_status(pid);
	if (WIFEXITED(status))
		r = WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 2 ? -EXDEV : -EIO;
	*stamp = *shared;
	munmap(shared, sizeof(*shared));
	return r;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int r = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		r = -EIO;
	if (fclose(f) != 0)
		r = -errno;
	return r;
}

/* base_limits with tasks_max 17 in the cgroup: memory 64M and pids 17. */
static bool other_read_back(void)
{
	return file_is(0, user_rel(), "memory.limit_in_bytes", "67108864") &&
	       file_is(2, user_rel(), "pids.max", "17");
}

/*
 * The stamp enter() returns lets a later enter() skip the writes: seen with a
 * limit changed by hand, which stays under the same stamp and limits, and is
 * put back as soon as the limits differ, the stamp is missing, or the cgroup
 * is a new one (same path, new directories).
 */
static void test_stamp(void)
{
	CgroupLimits other = base_limits;
	CgroupStamp st = { 0 }, first;
	char mem[512], buf[64];
	int r;

	/* hpath() hands out one of a few static buffers: keep a copy. */
	snprintf(mem, sizeof(mem), "%s", hpath(0, user_rel(), "memory.limit_in_bytes"));

	r = enter_in_child(&base_limits, &st);
	tap_ok(r == 0 && st.magic != 0 && limits_read_back(64 * MiB),
	       "stamp: enter without a stamp writes the limits and returns one (r=%d)", r);
	first = st;
	(void)write_file(mem, "33554432");
	r = enter_in_child(&base_limits, &st);
	tap_ok(r == 0 && read_text(mem, buf, sizeof(buf)) == 0 && strcmp(buf, "33554432") == 0 &&
		       memcmp(&st, &first, sizeof(st)) == 0,
	       "stamp: the same stamp and limits: nothing rewritten (a hand-written 32M stays: %s)",
	       buf);
	/* The stamped way in (one open per leaf) still checks every leaf: one
	 * that is not the stamped directory sends enter() down the walk,
	 * which writes the limits again and returns the true stamp. */
	st.ino[1]++;
	r = enter_in_child(&base_limits, &st);
	tap_ok(r == 0 && limits_read_back(64 * MiB) && memcmp(&st, &first, sizeof(st)) == 0,
	       "stamp: a leaf that is not the stamped directory: walked, all written (r=%d)", r);
	(void)write_file(mem, "33554432");
	st.dev[2] ^= 1;
	r = enter_in_child(&base_limits, &st);
	tap_ok(r == 0 && limits_read_back(64 * MiB) && memcmp(&st, &first, sizeof(st)) == 0,
	       "stamp: a leaf on another device than stamped: walked, all written (r=%d)", r);
	other.tasks_max = 17;
	r = enter_in_child(&other, &st);
	tap_ok(r == 0 && other_read_back() && st.limits.tasks_max == 17,
	       "stamp: other limits: all written again (64M back, pids 17), new stamp");
	(void)write_file(mem, "33554432");
	st = (CgroupStamp){ 0 };
	r = enter_in_child(&other, &st);
	tap_ok(r == 0 && other_read_back(), "stamp: none: all written again");
	r = m->destroy(parent, uid);
	if (r >= 0)
		r = m->create(parent, uid,
			      &(CgroupLimits){ .memory_max = 32 * MiB,
					       .memory_high = UNITS_MAX,
					       .memory_swap_max = UNITS_MAX,
					       .cpu_quota = UNITS_MAX,
					       .cpu_weight = 100,
					       .tasks_max = 17 });
	r = r < 0 ? r : enter_in_child(&other, &st);
	tap_ok(r == 0 && other_read_back() && st.ino[0] != first.ino[0],
	       "stamp: the cgroup made anew (new inodes) under an old stamp: all written (r=%d)",
	       r);
	r = m->create(parent, uid, &base_limits);
	tap_ok(r == 0 && limits_read_back(64 * MiB), "stamp: create puts the base limits back");
}

/* The "oom_kill N" counter of the user's memory.oom_control, or -1. */
static long oom_kills(void)
{
	FILE *f = fopen(hpath(0, user_rel(), "memory.oom_control"), "re");
	char line[128];
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "oom_kill ", 9) == 0)
			n = strtol(line + 9, NULL, 10);
	fclose(f);
	return n;
}

static void test_oom(void)
{
	uint64_t bytes = 200 * MiB;
	long before = oom_kills(), after;
	pid_t pid = spawn(child_touch, &bytes, NULL);
	int status = wait_status(pid);

	after = oom_kills();
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && after > before,
	       "a child touching 200M under memory_max=64M is OOM-killed by the cgroup (%s, "
	       "oom_kill %ld -> %ld)",
	       describe(status), before, after);
	tap_ok(kill(getpid(), 0) == 0, "the parent survives");
}

static void test_tasks_max(void)
{
	int out[2], result[2] = { -1, -1 }, status;
	pid_t pid;

	if (pipe(out) < 0) {
		tap_ok(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = spawn(child_fork_loop, &out[1], NULL);
	close(out[1]);
	if (read(out[0], result, sizeof(result)) != sizeof(result))
		result[0] = -1;
	close(out[0]);
	status = wait_status(pid);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && result[0] == 15 &&
		       result[1] == EAGAIN,
	       "a fork loop under tasks_max=16 stops after 15 forks with EAGAIN (forked %d, %s, "
	       "%s)",
	       result[0], result[1] > 0 ? strerror(result[1]) : "no error", describe(status));
}

static void test_cpu(void)
{
	CgroupUsage before = { 0 }, after = { 0 };
	double secs = 0.6;
	pid_t pid;
	int r, status;

	r = m->usage(parent, uid, NULL, &before);
	pid = spawn(child_spin, &secs, NULL);
	status = wait_status(pid);
	if (r == 0)
		r = m->usage(parent, uid, NULL, &after);
	tap_ok(r == 0 && WIFEXITED(status) && after.nr_throttled != UINT64_MAX &&
		       after.nr_throttled > before.nr_throttled,
	       "a CPU hog under cpu_quota=20%% is throttled (nr_throttled %" PRIu64 " -> %" PRIu64
	       ")",
	       before.nr_throttled, after.nr_throttled);
	/* Every hierarchy this nest mounts has cpuacct: its own, or cpu's. */
	tap_ok(r == 0 && after.cpu_usage_usec != UINT64_MAX &&
		       after.cpu_usage_usec >= before.cpu_usage_usec + 50000,
	       "... and its CPU time is counted: cpuacct.usage (%s) grew by >= 50 ms (%" PRIu64
	       " -> %" PRIu64 " us)",
	       n_hier > 3 ? "its own hierarchy" : "co-mounted with cpu", before.cpu_usage_usec,
	       after.cpu_usage_usec);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* usage() with the parents kept open (paddock metrics, top) reads what it
 * reads without; an unknown user and another parent are answered right. */
static void test_usage_cache(void)
{
	CgroupUsageCache *c = cg_usage_cache_new();
	CgroupUsage plain, first, again, other;
	int fds = count_fds(), r0, r1, r2, r3, r4;

	r0 = m->usage(parent, uid, NULL, &plain);
	r1 = m->usage(parent, uid, c, &first);
	r2 = m->usage(parent, uid, c, &again);
	tap_ok(c && r0 == 0 && r1 == 0 && r2 == 0 &&
		       memcmp(&plain.live, &first.live, sizeof(plain.live)) == 0 &&
		       memcmp(&plain.live, &again.live, sizeof(plain.live)) == 0 &&
		       again.cpu_usage_usec != UINT64_MAX &&
		       again.cpu_usage_usec >= plain.cpu_usage_usec &&
		       again.nr_throttled >= plain.nr_throttled,
	       "usage with a cache (filled, then kept) reads the same limits and counters "
	       "(r=%d %d %d, cpu %" PRIu64 " -> %" PRIu64 " us)",
	       r0, r1, r2, plain.cpu_usage_usec, again.cpu_usage_usec);
	r3 = m->usage(parent, uid + 1000, c, &other);
	tap_ok(r3 == -ENOENT, "... a user without a cgroup below the kept parent: -ENOENT (r=%d)",
	       r3);
	r4 = m->usage(top, uid, c, &other);
	r2 = m->usage(parent, uid, c, &again);
	tap_ok(r4 == -ENOENT && r2 == 0 &&
		       memcmp(&plain.live, &again.live, sizeof(plain.live)) == 0,
	       "... another parent refills it (-ENOENT there: r=%d), then this one again (r=%d)",
	       r4, r2);
	cg_usage_cache_free(c);
	tap_ok(count_fds() == fds, "... and freeing it closes every descriptor it kept (%d -> %d)",
	       fds, count_fds());
}

static void test_set_limits_live(void)
{
	CgroupLimits l = base_limits;
	uint64_t bytes = 100 * MiB;
	int gate[2], r, status;
	pid_t pid;

	if (pipe(gate) < 0) {
		tap_ok(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = spawn(child_touch, &bytes, gate);
	close(gate[0]);
	l.memory_max = 128 * MiB;
	r = m->set_limits(parent, uid, &l);
	tap_ok(r == 0 && limits_read_back(128 * MiB),
	       "set_limits raises memory_max to 128M while a process is inside (r=%d)", r);
	close(gate[1]);
	status = wait_status(pid);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "that process, already inside, now touches 100M and is not killed (%s)",
	       describe(status));
	r = m->set_limits(parent, uid, &base_limits);
	tap_ok(r == 0 && limits_read_back(64 * MiB), "set_limits lowers memory_max to 64M (r=%d)",
	       r);
}

/* Every weight survives the v1 shares conversion; "none" reads back as UNITS_MAX. */
static void test_live_limits(void)
{
	static const uint64_t weights[] = { 1, 33, 99, 101, 777, 10000 };
	CgroupLimits l = base_limits;
	CgroupUsage u = { 0 };
	bool all = true;
	int r = 0;

	l.memory_max = l.memory_high = l.memory_swap_max = UNITS_MAX;
	l.cpu_quota = l.tasks_max = UNITS_MAX;
	for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++) {
		l.cpu_weight = weights[i];
		r = m->set_limits(parent, uid, &l);
		if (r >= 0)
			r = m->usage(parent, uid, NULL, &u);
		if (r < 0 || u.live.cpu_weight != weights[i]) {
			tap_diag("weight %" PRIu64 " read back as %" PRIu64 " (r=%d)", weights[i],
				 u.live.cpu_weight, r);
			all = false;
		}
	}
	tap_ok(all && u.live.memory_max == UNITS_MAX && u.live.memory_high == UNITS_MAX &&
		       (u.live.memory_swap_max == UNITS_MAX ||
			u.live.memory_swap_max == CG_UNKNOWN) &&
		       u.live.cpu_quota == UNITS_MAX && u.live.tasks_max == UNITS_MAX,
	       "usage reads back weights 1..10000 exactly and no limit as max");
	r = m->set_limits(parent, uid, &base_limits);
	tap_ok(r == 0, "set_limits back to the base limits (r=%d)", r);
}

static void test_usage_destroy(void)
{
	CgroupUsage u = { 0 };
	int gate[2], r, status;
	pid_t pid;

	if (pipe(gate) < 0) {
		tap_ok(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = spawn(NULL, NULL, gate);
	close(gate[0]);
	/* attach_self happens in the child before it blocks: wait until it is inside. */
	for (int i = 0; i < 200 && !file_has_pid(hpath(2, user_rel(), "cgroup.procs"), pid); i++)
		usleep(10000);
	r = m->usage(parent, uid, NULL, &u);
	tap_ok(r == 0 && u.tasks_current == 1 && u.memory_current != UINT64_MAX &&
		       u.memory_current > 0 && u.nr_throttled != UINT64_MAX,
	       "usage: tasks %" PRIu64 ", memory %" PRIu64 ", nr_throttled %" PRIu64 " (r=%d)",
	       u.tasks_current, u.memory_current, u.nr_throttled, r);
	tap_ok(r == 0 && u.live.memory_max == base_limits.memory_max &&
		       u.live.memory_high == base_limits.memory_high &&
		       (u.live.memory_swap_max == 0 || u.live.memory_swap_max == CG_UNKNOWN) &&
		       u.live.cpu_quota == 20 && u.live.cpu_weight == 200 && u.live.tasks_max == 16,
	       "usage reads back the limits in force: memory_max %" PRIu64 ", memory_high %" PRIu64
	       ", memory_swap_max %" PRIu64 ", cpu_quota %" PRIu64 "%%, cpu_weight %" PRIu64
	       ", tasks_max %" PRIu64,
	       u.live.memory_max, u.live.memory_high, u.live.memory_swap_max, u.live.cpu_quota,
	       u.live.cpu_weight, u.live.tasks_max);
	test_live_limits();
	r = m->destroy(parent, uid);
	tap_ok(r == -EBUSY, "destroy is -EBUSY while a process is inside (r=%d)", r);
	close(gate[1]);
	status = wait_status(pid);
	r = m->destroy(parent, uid);
	tap_ok(r == 0 && WIFEXITED(status), "destroy is 0 once it exited (r=%d, child %s)", r,
	       describe(status));
	tap_ok(gone_everywhere(user_rel()), "user-UID is gone from every hierarchy");
	r = m->destroy(parent, uid);
	tap_ok(r == 0, "destroy of a cgroup that is gone is 0 (r=%d)", r);
	/* In a child: were it to succeed, the test process must not be the one moved. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		r = m->attach_self(parent, uid);
		_exit(r == -ENOENT ? 0 : 1);
	}
	status = wait_status(pid);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && gone_everywhere(user_rel()),
	       "attach_self to a missing cgroup is -ENOENT and creates nothing (%s)",
	       describe(status));
}

static void test_leave(void)
{
	char reaper[256];
	pid_t pid;
	int r, status;

	r = m->create(parent, uid, &base_limits);
	tap_ok(r == 0, "create again after destroy (r=%d)", r);
	pid = spawn(child_leave_destroy, NULL, NULL);
	status = wait_status(pid);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the last process leaves to reaper and destroys the user cgroup itself (%s)",
	       describe(status));
	snprintf(reaper, sizeof(reaper), "%s/reaper", parent);
	tap_ok(gone_everywhere(user_rel()) && dir_root_0755(hpath(0, reaper, NULL)),
	       "user-UID gone, %s left for the caller", reaper);
}

/* Remove everything this run may have made, deepest first. */
/* Keep the spare cgroup named data, drop the others. */
static bool keep_named(const char *name, void *data)
{
	return strcmp(name, data) == 0;
}

/* The spare cgroups of spare.h: made, renamed to the user's, swept. */
static void test_spare_cgroups(void)
{
	const CgroupManager *v1 = &cgroup_manager_v1;
	char keep_b[] = CG_SPARE_PREFIX "bbbb";
	const uid_t su = uid + 1;
	char rel_a[256], rel_b[256], rel_u[256], cur[64];
	struct stat before, after;
	CgroupStamp stamp;
	pid_t pid;
	bool ok = true;
	int r;

	tap_ok(!cgroup_manager_v2.spare && !cgroup_manager_systemd.spare && v1->spare &&
		       v1->spare->make && v1->spare->adopt && v1->spare->sweep &&
		       v1->spare->holds_self,
	       "spare cgroups: only v1 keeps them (a v2 cgroup cannot be renamed)");
	tap_ok(cgroup_manager_v1.has_reaper && cgroup_manager_v2.has_reaper &&
		       !cgroup_manager_systemd.has_reaper,
	       "spare paddocks: the cgroupfs managers have a reaper leaf, systemd none");
	tap_ok(cgroup_manager_systemd.attach_unsupported_step &&
		       strstr(cgroup_manager_systemd.attach_unsupported_step, "pam_systemd") &&
		       !cgroup_manager_v1.attach_unsupported_step &&
		       !cgroup_manager_v2.attach_unsupported_step,
	       "a refused attach names pam_systemd with systemd only: \"%s\"",
	       cgroup_manager_systemd.attach_unsupported_step ?: "(none)");
	snprintf(rel_a, sizeof(rel_a), "%s/" CG_SPARE_PREFIX "aaaa", parent);
	snprintf(rel_b, sizeof(rel_b), "%s/" CG_SPARE_PREFIX "bbbb", parent);
	snprintf(rel_u, sizeof(rel_u), "%s/user-%u", parent, (unsigned)su);
	tap_ok(v1->spare->make(parent, "user-1", NULL, false, &stamp) == -EINVAL &&
		       v1->spare->make(parent, "spare-", NULL, false, &stamp) == -EINVAL,
	       "spare_make: only a name CG_SPARE_PREFIX + id");
	r = v1->spare->make(parent, CG_SPARE_PREFIX "aaaa", NULL, false, &stamp);
	for (size_t h = 0; h < n_hier; h++)
		ok = ok && dir_root_0755(hpath(h, rel_a, NULL));
	tap_ok(r == 0 && ok, "spare_make: %s, root's 0755, in every hierarchy (r=%d)", rel_a, r);
	tap_ok(stat(hpath(0, rel_a, NULL), &before) == 0, "... (its inode noted)");

	r = v1->spare->adopt(parent, CG_SPARE_PREFIX "aaaa", su);
	tap_ok(r == (int)n_hier && gone_everywhere(rel_a),
	       "spare_adopt: renamed to user-%u in all %d hierarchies (r=%d)", (unsigned)su,
	       (int)n_hier, r);
	tap_ok(stat(hpath(0, rel_u, NULL), &after) == 0 && after.st_ino == before.st_ino,
	       "... the same directory (inode %lu)", (unsigned long)before.st_ino);
	tap_ok(v1->spare->adopt(parent, CG_SPARE_PREFIX "aaaa", su) == 0,
	       "spare_adopt of a spare cgroup that is gone: 0, nothing renamed");

	/* The user's exists now: a second spare is removed, not renamed over it. */
	r = v1->spare->make(parent, CG_SPARE_PREFIX "bbbb", NULL, false, &stamp);
	tap_ok(r == 0 && write_file(hpath(2, rel_u, "pids.max"), "33") == 0,
	       "a second spare cgroup; the user's gets pids.max 33");
	r = v1->spare->adopt(parent, CG_SPARE_PREFIX "bbbb", su);
	tap_ok(r == 0 && gone_everywhere(rel_b) &&
		       read_text(hpath(2, rel_u, "pids.max"), cur, sizeof(cur)) == 0 &&
		       strcmp(cur, "33") == 0,
	       "spare_adopt where the user's cgroup exists: the spare one is removed, the "
	       "user's untouched (r=%d, pids.max %s)",
	       r, cur);

	/* The sweep: kept by name, the others go. */
	r = v1->spare->make(parent, CG_SPARE_PREFIX "aaaa", NULL, false, &stamp);
	if (r == 0)
		r = v1->spare->make(parent, CG_SPARE_PREFIX "bbbb", NULL, false, &stamp);
	tap_ok(r == 0, "two spare cgroups again");
	r = v1->spare->sweep(parent, keep_named, keep_b);
	tap_ok(r == (int)n_hier && gone_everywhere(rel_a) && exists(hpath(0, rel_b, NULL)) &&
		       exists(hpath(0, rel_u, NULL)),
	       "spare_sweep: the one not kept goes (%d directories), the kept one and user-%u stay",
	       r, (unsigned)su);
	r = v1->spare->sweep(parent, NULL, NULL);
	tap_ok(r == (int)n_hier && gone_everywhere(rel_b) && exists(hpath(0, rel_u, NULL)),
	       "spare_sweep without keep: every spare cgroup goes, no other cgroup (r=%d)", r);
	r = v1->destroy(parent, su);
	tap_ok(r == 0 && gone_everywhere(rel_u), "the adopted cgroup is destroyed as any user's");

	/* With the maker's limits: enter() of a user with the same limits
	 * takes the spare's stamp and writes none (a hand-made change stays). */
	r = v1->destroy(parent, uid);
	tap_ok(r == 0 && gone_everywhere(user_rel()), "(user-%u removed)", (unsigned)uid);
	r = v1->spare->make(parent, CG_SPARE_PREFIX "cccc", &base_limits, false, &stamp);
	snprintf(rel_a, sizeof(rel_a), "%s/" CG_SPARE_PREFIX "cccc", parent);
	tap_ok(r == 0 && stamp.magic == v1->stamp_magic && stamp.n_dirs == n_hier &&
		       file_is(2, rel_a, "pids.max", "16") &&
		       file_is(0, rel_a, "memory.limit_in_bytes", "67108864"),
	       "spare_make with limits: written (pids.max 16, memory 64M), a stamp of %u "
	       "directories (r=%d)",
	       stamp.n_dirs, r);
	r = v1->spare->adopt(parent, CG_SPARE_PREFIX "cccc", uid);
	tap_ok(r == (int)stamp.n_dirs && limits_read_back(64 * MiB),
	       "spare_adopt: the user's cgroup, with those limits (r=%d)", r);
	tap_ok(write_file(hpath(2, user_rel(), "pids.max"), "55") == 0,
	       "pids.max changed by hand to 55");
	r = enter_in_child(&base_limits, &stamp);
	tap_ok(r == 0 && file_is(2, user_rel(), "pids.max", "55"),
	       "enter with the spare's stamp: in the user's cgroup, no limit written (r=%d)", r);
	tap_ok(!v1->spare->holds_self(parent, uid), "spare_holds_self: not the test process");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(60);
		_exit(v1->attach_self(parent, uid) == 0 && v1->spare->holds_self(parent, uid) ? 0
											      : 1);
	}
	r = wait_status(pid);
	tap_ok(WIFEXITED(r) && WEXITSTATUS(r) == 0,
	       "spare_holds_self: a child moved into the user's cgroup (%s)", describe(r));
	r = enter_in_child(&(CgroupLimits){ .memory_max = 80 * MiB,
					    .memory_high = 48 * MiB,
					    .memory_swap_max = 0,
					    .cpu_quota = 20,
					    .cpu_weight = 200,
					    .tasks_max = 16 },
			   &stamp);
	tap_ok(r == 0 && limits_read_back(80 * MiB),
	       "... with other limits the stamp does not fit: they are written (r=%d)", r);
}

static void cleanup(void)
{
	char rel[256];

	for (size_t h = 0; h < n_hier; h++) {
		for (unsigned u = uid; u <= uid + 1; u++) {
			snprintf(rel, sizeof(rel), "%s/user-%u", parent, u);
			(void)rmdir(hpath(h, rel, NULL));
		}
		snprintf(rel, sizeof(rel), "%s/reaper", parent);
		(void)rmdir(hpath(h, rel, NULL));
		snprintf(rel, sizeof(rel), "%s/" CG_SPARE_PREFIX "aaaa", parent);
		(void)rmdir(hpath(h, rel, NULL));
		snprintf(rel, sizeof(rel), "%s/" CG_SPARE_PREFIX "bbbb", parent);
		(void)rmdir(hpath(h, rel, NULL));
		snprintf(rel, sizeof(rel), "%s/" CG_SPARE_PREFIX "cccc", parent);
		(void)rmdir(hpath(h, rel, NULL));
		snprintf(rel, sizeof(rel), "%s/rollback.slice", top);
		(void)rmdir(hpath(h, rel, NULL));
		(void)rmdir(hpath(h, parent, NULL));
		(void)rmdir(hpath(h, top, NULL));
	}
}

/* Whether cpuacct is a mounted hierarchy of its own: a directory (not the
 * symlink cpuacct -> cpu,cpuacct) on another superblock than cpu's. */
static bool cpuacct_own(void)
{
	struct stat a, c;

	return lstat("/sys/fs/cgroup/cpuacct", &a) == 0 && S_ISDIR(a.st_mode) &&
	       stat("/sys/fs/cgroup/cpu", &c) == 0 && a.st_dev != c.st_dev &&
	       exists("/sys/fs/cgroup/cpuacct/cpuacct.usage");
}

int main(void)
{
	const char *why;

	if (geteuid() != 0) {
		tap_skip("cgroup-manager needs root");
		return tap_done();
	}
	if (cpuacct_own())
		n_hier = 4;
	why = nest_problem();
	if (why) {
		tap_ok(0, "refusing to run outside a nest: %s", why);
		return tap_done();
	}
	snprintf(top, sizeof(top), "/paddock-test.%ld", (long)getpid());
	snprintf(parent, sizeof(parent), "%s/paddock.slice", top);

	test_pick();
	test_create();
	test_rollback();
	test_attach();
	test_enter();
	test_stamp();
	test_oom();
	test_tasks_max();
	test_cpu();
	test_set_limits_live();
	test_usage_cache();
	test_usage_destroy();
	test_leave();
	test_spare_cgroups();

	cleanup();
	tap_ok(gone_everywhere(top), "cleanup: %s is gone from every hierarchy", top);
	return tap_done();
}
