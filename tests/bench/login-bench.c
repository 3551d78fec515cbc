/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-bench: the driver of `make bench` (tests/bench/run builds and runs it
 * inside the nest of tests/root/lib.sh).  Every login is a real libpam
 * transaction in a process of its own, as sshd's monitor does it: the
 * module moves its caller into the user's cgroup and namespaces, so one
 * process can open one isolated session, never two.
 *
 *   login-bench lat CONFDIR SVC_A SVC_B MODE ITER WARMUP GONE_FMT OUT USER...
 *       Alternates a login through SVC_A (paddock) and SVC_B (pam_permit
 *       only), order flipped every iteration.  MODE first: user i%n each
 *       time, and after each SVC_A login wait until GONE_FMT (printf with
 *       the uid: the user's last cgroup) is gone, so every login starts
 *       a fresh paddock; the wait is timed as the teardown.  (SVC_B may
 *       be another paddock build: the "ab" phase of tests/bench/run.)  MODE
 *       join: a keeper process holds a session of USER[0] through SVC_A the
 *       whole time, so every SVC_A login joins a live paddock.  MODE join2
 *       (two paddock builds): a keeper each, USER[0] through SVC_A and
 *       USER[1] through SVC_B, and each build's logins join its own user's
 *       paddock: the holders of the two builds are compared too.
 *       OUT gets one line per login: stack i start open true close end
 *       teardown cpu (ns; teardown -1 when not measured; cpu: user+system
 *       time of the login process and the processes it reaped, which is
 *       much less disturbed by a busy machine than the wall clock).
 *
 *   login-bench hold CONFDIR SVC N USERFILE CHECKPOINTS GONE_FMT OUT
 *       Logs in the first N users of USERFILE ("name uid" lines) one after
 *       another through SVC and keeps every session open (one keeper
 *       process each, PR_SET_PDEATHSIG so nothing outlives us).  At each
 *       count in CHECKPOINTS (comma separated) and at N: settle 3 s, then
 *       one "mem" line (meminfo fields, kmem of our cgroup, holders' PSS).
 *       Then ends the sessions one by one, each followed by a wait until
 *       GONE_FMT is gone ("-": no wait).  OUT gets "open" and "close" lines.
 *       With LOGIN_BENCH_PACE=DIR:COUNT in the environment, each login
 *       waits first until DIR (STATE_DIR/spare) holds COUNT spares ready and
 *       none being made (at most 10 s; "pace i ns" lines): logins that come
 *       slower than spares are made, instead of one right after the other.
 *       With LOGIN_BENCH_AT_CHECKPOINT=CMD, CMD COUNT runs (system()) at each
 *       checkpoint after its "mem" line, while the sessions are held.
 *
 *   login-bench keep CONFDIR SVC USER
 *       Internal: a keeper of hold and of lat's join mode, exec'd by the
 *       driver after its fork (report pipe on fd 3, SIGUSR1 blocked).
 *
 *   login-bench once CONFDIR SVC USER
 *       One whole login (pam_start .. pam_end, /bin/true in the session):
 *       the paddock entry of the peer comparison.
 *
 *   login-bench peers ITER WARMUP OUT SPECFILE
 *       SPECFILE lines "NAME<TAB>GONE_PATH<TAB>ARGV (space separated)";
 *       runs each command as a whole process (fork, exec, wait), rotating
 *       the order every iteration; after a command with a GONE_PATH ("-":
 *       none) waits until that path is gone (not timed).  OUT: name i ns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-mem.h"

#define GONE_TIMEOUT_NS (30LL * 1000000000LL)

typedef struct Rec {
	int32_t ok;			      /* 1: every PAM call succeeded */
	int32_t rc;			      /* the first failing PAM code */
	int64_t start, open, tru, close, end; /* durations, ns */
	int64_t cpu; /* user + system time of the login process and what it reaped */
} Rec;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "login-bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)msg;
	(void)data;
	*resp = calloc((size_t)n, sizeof(struct pam_response));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int run_true(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		p += n;
		len -= (size_t)n;
	}
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One login in the calling (forked) process.  With hold: after the open
 * and /bin/true, report on fd and wait for SIGUSR1 before closing, then
 * report the close.  Never returns.
 */
_Noreturn static void login_child(const char *confdir, const char *svc, const char *user, int fd,
				  bool hold)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *h = NULL;
	Rec r = { .ok = 1 };
	int64_t t0, t1;
	int rc;

	/* Every real caller (sshd, su, login) has resolved the user before it
	 * opens the session: NSS modules are loaded, as in them. */
	(void)getpwnam(user);
	t0 = now_ns();
	rc = pam_start_confdir(svc, user, &c, confdir, &h);
	t1 = now_ns();
	r.start = t1 - t0;
	if (rc != PAM_SUCCESS) {
		r.ok = 0;
		r.rc = rc;
		write_all(fd, &r, sizeof(r));
		_exit(1);
	}
	t0 = now_ns();
	rc = pam_open_session(h, 0);
	t1 = now_ns();
	r.open = t1 - t0;
	if (rc != PAM_SUCCESS) {
		r.ok = 0;
		r.rc = rc;
		write_all(fd, &r, sizeof(r));
		pam_end(h, rc);
		_exit(1);
	}
	t0 = now_ns();
	if (run_true() < 0)
		r.ok = 0;
	t1 = now_ns();
	r.tru = t1 - t0;
	if (hold) {
		sigset_t set;
		int sig;

		write_all(fd, &r, sizeof(r));
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		while (sigwait(&set, &sig) != 0 || sig != SIGUSR1)
			;
	}
	t0 = now_ns();
	rc = pam_close_session(h, 0);
	t1 = now_ns();
	r.close = t1 - t0;
	if (rc != PAM_SUCCESS && r.ok) {
		r.ok = 0;
		r.rc = rc;
	}
	t0 = now_ns();
	pam_end(h, rc);
	t1 = now_ns();
	r.end = t1 - t0;
	write_all(fd, &r, sizeof(r));
	_exit(r.ok ? 0 : 1);
}

/* Fork a login; returns its pid, the report pipe's read end in *ret_fd. */
static pid_t spawn_login(const char *confdir, const char *svc, const char *user, bool hold,
			 int *ret_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* Like a real caller (an sshd monitor holds a handful of fds), not
		 * the report pipes of every keeper before us: each one would be
		 * copied by the module's fork and closed again before the holder's
		 * exec, a cost that grows with the users held. */
		if ((p[1] != 3 && dup3(p[1], 3, O_CLOEXEC) < 0) || close_range(4, ~0U, 0) < 0)
			_exit(126);
		p[1] = 3;
		if (hold) {
			sigset_t set;

			sigemptyset(&set);
			sigaddset(&set, SIGUSR1);
			sigprocmask(SIG_BLOCK, &set, NULL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* A keeper of its own, as sshd's session processes are
			 * (sshd execs one per connection): a fork alone would
			 * share our anonymous memory's reverse map with every
			 * keeper before it, and each later fork, here or in the
			 * module, would queue behind the kernel's walks of that
			 * map (the host's DAMON reclaim walks it all the time). */
			if (fcntl(p[1], F_SETFD, 0) < 0)
				_exit(126);
			execl("/proc/self/exe", "login-bench", "keep", confdir, svc, user,
			      (char *)NULL);
			_exit(127);
		}
		login_child(confdir, svc, user, p[1], hold);
	}
	close(p[1]);
	*ret_fd = p[0];
	return pid;
}

static int wait_pid_cpu(pid_t pid, int64_t *cpu)
{
	struct rusage ru;
	int st;

	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (cpu)
		*cpu = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int wait_pid(pid_t pid)
{
	return wait_pid_cpu(pid, NULL);
}

/* A whole login: open, /bin/true, close; the record from the child. */
static int login_once(const char *confdir, const char *svc, const char *user, Rec *r)
{
	int fd, st;
	pid_t pid = spawn_login(confdir, svc, user, false, &fd);

	if (read_all(fd, r, sizeof(*r)) < 0)
		r->ok = 0;
	close(fd);
	st = wait_pid_cpu(pid, &r->cpu);
	return r->ok && st == 0 ? 0 : -1;
}

/* Wait until path is gone; returns the time waited, or -1 on timeout. */
static int64_t wait_gone(const char *path)
{
	int64_t t0 = now_ns();
	struct timespec ts = { 0, 100000 };

	while (access(path, F_OK) == 0) {
		if (now_ns() - t0 > GONE_TIMEOUT_NS)
			return -1;
		nanosleep(&ts, NULL);
	}
	return now_ns() - t0;
}

static void gone_path(char *buf, size_t len, const char *fmt, uid_t uid)
{
	/* The format comes from our own run script and has one %u. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, len, fmt, (unsigned)uid);
#pragma GCC diagnostic pop
}

static uid_t user_uid(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "login-bench: no user %s\n", user);
		exit(2);
	}
	return pw->pw_uid;
}

static void print_rec(FILE *f, const char *stack, int i, const Rec *r, int64_t teardown)
{
	fprintf(f,
		"%s %d %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
		" %" PRId64 "\n",
		stack, i, r->start, r->open, r->tru, r->close, r->end, teardown, r->cpu);
}

static int cmd_lat(int argc, char **argv)
{
	const char *confdir, *svc[2], *mode, *gone_fmt;
	int iter, warmup, nusers, keeper_fd[2] = { -1, -1 }, nkeepers = 0;
	pid_t keeper[2] = { 0, 0 };
	char **users;
	FILE *out;

	if (argc < 10)
		return 2;
	confdir = argv[1];
	svc[0] = argv[2];
	svc[1] = argv[3];
	mode = argv[4];
	iter = atoi(argv[5]);
	warmup = atoi(argv[6]);
	gone_fmt = argv[7];
	out = fopen(argv[8], "w");
	if (!out)
		die(argv[8]);
	users = argv + 9;
	nusers = argc - 9;

	if (strcmp(mode, "join") == 0)
		nkeepers = 1;
	else if (strcmp(mode, "join2") == 0 && nusers >= 2)
		nkeepers = 2;
	else if (strcmp(mode, "first") != 0)
		return 2;
	for (int k = 0; k < nkeepers; k++) {
		Rec r;

		keeper[k] = spawn_login(confdir, svc[k], users[k], true, &keeper_fd[k]);
		if (read_all(keeper_fd[k], &r, sizeof(r)) < 0 || !r.ok) {
			fprintf(stderr, "login-bench: keeper login of %s failed (PAM %d)\n",
				users[k], r.rc);
			return 1;
		}
	}
	for (int i = 0; i < warmup + iter; i++) {
		for (int j = 0; j < 2; j++) {
			int s = j ^ (i & 1);
			const char *user = users[nkeepers == 2 ? s : nkeepers ? 0 : i % nusers];
			int64_t td = -1;
			Rec r;

			if (login_once(confdir, svc[s], user, &r) < 0) {
				fprintf(stderr, "login-bench: %s login of %s failed (PAM %d)\n",
					svc[s], user, r.rc);
				return 1;
			}
			/* In first mode every login is followed by the teardown
			 * (immediate where no paddock was made). */
			if (!nkeepers) {
				char path[256];

				gone_path(path, sizeof(path), gone_fmt, user_uid(user));
				td = wait_gone(path);
				if (td < 0) {
					fprintf(stderr, "login-bench: %s still there\n", path);
					return 1;
				}
			}
			if (i >= warmup)
				print_rec(out, s == 0 ? "A" : "B", i - warmup, &r, td);
		}
	}
	for (int k = 0; k < nkeepers; k++) {
		Rec r;

		kill(keeper[k], SIGUSR1);
		if (read_all(keeper_fd[k], &r, sizeof(r)) < 0 || !r.ok ||
		    wait_pid(keeper[k]) != 0) {
			fprintf(stderr, "login-bench: keeper close failed\n");
			return 1;
		}
	}
	fclose(out);
	return 0;
}

static int cmd_once(int argc, char **argv)
{
	Rec r;

	if (argc != 4)
		return 2;
	if (login_once(argv[1], argv[2], argv[3], &r) < 0) {
		fprintf(stderr, "login-bench: login of %s failed (PAM %d)\n", argv[3], r.rc);
		return 1;
	}
	return 0;
}

/* ---- hold: many idle users ------------------------------------------- */

static uid_t uid_lo, uid_hi;

typedef struct User {
	char name[40];
	uid_t uid;
} User;

/* LOGIN_BENCH_PACE: wait until dir has count entries ready (not *.new) and
 * none being made; returns the ns waited, -1 after 10 s. */
static int64_t pace_wait(const char *dir, int count)
{
	int64_t t0 = now_ns();

	for (;;) {
		int ready = 0, making = 0;
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			size_t len = strlen(e->d_name);

			if (e->d_name[0] == '.')
				continue;
			if (len > 4 && strcmp(e->d_name + len - 4, ".new") == 0)
				making++;
			else
				ready++;
		}
		if (d)
			closedir(d);
		if (ready >= count && making == 0)
			return now_ns() - t0;
		if (now_ns() - t0 > 10 * 1000000000LL)
			return -1;
		usleep(500);
	}
}

static int cmd_hold(int argc, char **argv)
{
	const char *confdir, *svc, *gone_fmt;
	int n, nck = 0, ck[32], *fds;
	pid_t *pids;
	User *users;
	FILE *uf, *out;
	struct rlimit rl;
	char *ckstr, *tok, *save = NULL, *pace_dir = NULL;
	const char *pace, *pace_count, *at_ck;
	int64_t t_all;
	int pace_n = 0;

	if (argc != 8)
		return 2;
	confdir = argv[1];
	svc = argv[2];
	n = atoi(argv[3]);
	gone_fmt = argv[6];
	ckstr = strdup(argv[5]);
	for (tok = strtok_r(ckstr, ",", &save); tok && nck < 31; tok = strtok_r(NULL, ",", &save))
		if (atoi(tok) > 0 && atoi(tok) < n)
			ck[nck++] = atoi(tok);
	ck[nck++] = n;
	out = fopen(argv[7], "w");
	if (!out)
		die(argv[7]);
	uf = fopen(argv[4], "r");
	if (!uf)
		die(argv[4]);
	users = calloc((size_t)n, sizeof(*users));
	pids = calloc((size_t)n, sizeof(*pids));
	fds = calloc((size_t)n, sizeof(*fds));
	if (!users || !pids || !fds)
		die("calloc");
	for (int i = 0; i < n; i++) {
		unsigned u;

		if (fscanf(uf, "%39s %u", users[i].name, &u) != 2) {
			fprintf(stderr, "login-bench: %s has fewer than %d users\n", argv[4], n);
			return 2;
		}
		users[i].uid = u;
		if (i == 0 || u < uid_lo)
			uid_lo = u;
		if (u > uid_hi)
			uid_hi = u;
	}
	fclose(uf);
	/* One report pipe per keeper stays open in here. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	pace = getenv("LOGIN_BENCH_PACE");
	at_ck = getenv("LOGIN_BENCH_AT_CHECKPOINT");
	if (pace && (pace_count = strrchr(pace, ':'))) {
		pace_dir = strndup(pace, (size_t)(pace_count - pace));
		pace_n = atoi(pace_count + 1);
	}
	bench_mem_line(out, 0, "/sys/fs/cgroup/memory", uid_lo, uid_hi);
	t_all = now_ns();
	for (int i = 0, c = 0; i < n; i++) {
		Rec r;

		if (pace_dir && i > 0)
			fprintf(out, "pace %d %" PRId64 "\n", i, pace_wait(pace_dir, pace_n));
		pids[i] = spawn_login(confdir, svc, users[i].name, true, &fds[i]);
		if (read_all(fds[i], &r, sizeof(r)) < 0 || !r.ok) {
			fprintf(stderr, "login-bench: login %d (%s) failed (PAM %d)\n", i,
				users[i].name, r.rc);
			fprintf(out, "fail %d %d\n", i, r.rc);
			n = i;
			wait_pid(pids[i]);
			close(fds[i]);
			break;
		}
		fprintf(out, "open %d %" PRId64 " %" PRId64 " %" PRId64 "\n", i, r.start, r.open,
			r.tru);
		if (i + 1 == ck[c]) {
			fprintf(out, "elapsed %d %" PRId64 "\n", i + 1, now_ns() - t_all);
			bench_mem_line(out, i + 1, "/sys/fs/cgroup/memory", uid_lo, uid_hi);
			c++;
			if (at_ck) {
				char cmd[4096];

				fflush(out);
				snprintf(cmd, sizeof(cmd), "%s %d", at_ck, i + 1);
				if (system(cmd) != 0)
					fprintf(stderr, "login-bench: '%s' failed\n", cmd);
			}
		}
	}
	fflush(out);
	t_all = now_ns();
	for (int i = 0; i < n; i++) {
		char path[256];
		int64_t t0 = now_ns(), td = -1, tc;
		Rec r;

		kill(pids[i], SIGUSR1);
		if (read_all(fds[i], &r, sizeof(r)) < 0)
			r.ok = 0;
		wait_pid(pids[i]);
		close(fds[i]);
		tc = now_ns() - t0;
		if (strcmp(gone_fmt, "-") != 0) {
			gone_path(path, sizeof(path), gone_fmt, users[i].uid);
			td = wait_gone(path);
		}
		fprintf(out, "close %d %d %" PRId64 " %" PRId64 " %" PRId64 "\n", i, r.ok, r.close,
			tc, td);
	}
	fprintf(out, "closeall %d %" PRId64 "\n", n, now_ns() - t_all);
	bench_mem_line(out, -1, "/sys/fs/cgroup/memory", uid_lo, uid_hi);
	fclose(out);
	return 0;
}

/* ---- peers: whole processes ------------------------------------------ */

typedef struct Peer {
	char name[64];
	char gone[256];
	char *argv[32];
} Peer;

static int cmd_peers(int argc, char **argv)
{
	Peer peers[16];
	int np = 0, iter, warmup;
	char line[2048];
	FILE *spec, *out;

	if (argc != 5)
		return 2;
	iter = atoi(argv[1]);
	warmup = atoi(argv[2]);
	out = fopen(argv[3], "w");
	spec = fopen(argv[4], "r");
	if (!out || !spec)
		die("open");
	while (np < 16 && fgets(line, sizeof(line), spec)) {
		char *name = strtok(line, "\t\n"), *gone = strtok(NULL, "\t\n"),
		     *cmd = strtok(NULL, "\t\n"), *a;
		int k = 0;

		if (!name || !gone || !cmd)
			continue;
		snprintf(peers[np].name, sizeof(peers[np].name), "%s", name);
		snprintf(peers[np].gone, sizeof(peers[np].gone), "%s", gone);
		for (a = strtok(cmd, " "); a && k < 31; a = strtok(NULL, " "))
			peers[np].argv[k++] = strdup(a);
		peers[np].argv[k] = NULL;
		np++;
	}
	fclose(spec);
	for (int i = 0; i < warmup + iter; i++)
		for (int j = 0; j < np; j++) {
			Peer *p = &peers[(i + j) % np];
			int64_t t0 = now_ns(), t;
			int st;
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0) {
				int nul = open("/dev/null", O_RDWR);

				dup2(nul, 0);
				dup2(nul, 1);
				execv(p->argv[0], p->argv);
				_exit(127);
			}
			st = wait_pid(pid);
			t = now_ns() - t0;
			if (st != 0) {
				fprintf(stderr, "login-bench: %s exited %d\n", p->name, st);
				fprintf(out, "fail %s %d\n", p->name, st);
			} else if (i >= warmup)
				fprintf(out, "%s %d %" PRId64 "\n", p->name, i - warmup, t);
			if (strcmp(p->gone, "-") != 0 && wait_gone(p->gone) < 0) {
				fprintf(stderr, "login-bench: %s still there\n", p->gone);
				return 1;
			}
		}
	fclose(out);
	return 0;
}

int main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 2 && strcmp(argv[1], "lat") == 0)
		r = cmd_lat(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "once") == 0)
		r = cmd_once(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "hold") == 0)
		r = cmd_hold(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "peers") == 0)
		r = cmd_peers(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "floor") == 0)
		r = bench_floor(argc - 1, argv + 1);
	else if (argc == 5 && strcmp(argv[1], "keep") == 0)
		login_child(argv[2], argv[3], argv[4], 3, true);
	if (r == 2)
		fprintf(stderr, "usage: see the comment at the top of tests/bench/login-bench.c\n");
	return r;
}
