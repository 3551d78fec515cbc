/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "holder-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "ns.h"
#include "state.h"

/* The holder's fds before they are moved to 3..7: above every target. */
#define CHILD_FD_MIN 16
/* The intermediate's stack: clone3() and, in the holder, child_exec(). */
#define INTERMEDIATE_STACK (64 * 1024)

/* Bind (not listen: the holder does, see holder-proto.h) UID/ctl. */
static int ctl_bind(int uid_fd, int *ret_fd)
{
	_cleanup_(closep) int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	r = fs_fd_path(sa.sun_path, sizeof(sa.sun_path), uid_fd, HOLDER_CTL_NAME);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	/* Root's alone whatever the caller's umask: bind() gives the socket
	 * the mode of its inode less the umask, so it is never wider than
	 * 0600, and the chmod after it makes it exactly that. */
	if (fchmod(fd, 0600) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fchmodat(uid_fd, HOLDER_CTL_NAME, 0600, 0) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read from fd until len bytes, a newline (when line) or EOF, by deadline. */
static ssize_t read_until(int fd, void *buf, size_t len, bool line, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int k;

		if (left <= 0)
			return -ETIMEDOUT;
		k = poll(&pfd, 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		got += (size_t)n;
		if (line && memchr(buf, '\n', got))
			break;
	}
	return (ssize_t)got;
}

/* Everything the forked processes need, prepared before fork (no malloc,
 * no formatting after it). */
typedef struct Spawn {
	int src[HOLDER_FD_COUNT]; /* src[3..nfds-1]: the child's fds 3.. */
	int nfds;		  /* HOLDER_FD_COUNT for a holder */
	int null_fd;
	int helper_fd;
	uint64_t clone_flags;
	char *argv[40];
	char *envp[2];
	/* Written by the intermediate (it shares our memory and fd table). */
	int pidfd;
	pid_t pid;
	int error;
} Spawn;

/* Write an int in decimal without stdio (async-signal-safe). */
static void write_error(int fd, const char *what, int err)
{
	char buf[96], num[12];
	size_t n = 0, k = 0;

	for (const char *s = what; *s && n < sizeof(buf) - 16; s++)
		buf[n++] = *s;
	if (err < 0)
		err = -err;
	do
		num[k++] = (char)('0' + err % 10);
	while ((err /= 10) && k < sizeof(num));
	while (k)
		buf[n++] = num[--k];
	buf[n++] = '\n';
	(void)!write(fd, buf, n);
}

/* The holder, between clone3 and exec: only async-signal-safe calls. */
_Noreturn static void child_exec(const Spawn *s)
{
	int tmp[HOLDER_FD_COUNT], null_fd, helper,
		ready_fd = s->nfds > HOLDER_FD_READY ? s->src[HOLDER_FD_READY] : -1;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Move every fd above the targets first so no dup3 clobbers a source. */
	for (int i = 3; i < s->nfds; i++) {
		tmp[i] = fcntl(s->src[i], F_DUPFD_CLOEXEC, CHILD_FD_MIN);
		if (tmp[i] < 0)
			goto fail;
	}
	null_fd = fcntl(s->null_fd, F_DUPFD_CLOEXEC, CHILD_FD_MIN);
	helper = fcntl(s->helper_fd, F_DUPFD_CLOEXEC, CHILD_FD_MIN);
	if (null_fd < 0 || helper < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (dup3(null_fd, i, 0) < 0)
			goto fail;
	for (int i = 3; i < s->nfds; i++)
		if (dup3(tmp[i], i, 0) < 0)
			goto fail;
	if (s->nfds > HOLDER_FD_READY)
		ready_fd = HOLDER_FD_READY;
	if (dup3(helper, s->nfds, O_CLOEXEC) < 0)
		goto fail;
	/* Nothing of the caller (sshd's sockets, PAM's files) reaches the
	 * holder (threat 4); the helper fd is closed by the exec itself. */
	if (close_range((unsigned)s->nfds + 1, ~0U, 0) < 0)
		goto fail;

	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Out of the caller's session and process group: a signal to the
	 * login's group (su's or sshd's on a hangup or a kill by an admin)
	 * must not reach the paddock of every session of the user, nor the
	 * spares (threat 18). */
	(void)setsid();

	execveat(s->nfds, "", s->argv, s->envp, AT_EMPTY_PATH);
fail:
	if (ready_fd >= 0)
		write_error(ready_fd, "error exec: errno ", errno);
	_exit(127);
}

/*
 * The intermediate: it shares the module's memory and fd table, and the
 * module waits (CLONE_VFORK) until it exits.  It starts the holder with a
 * pidfd (CLONE_PIDFD: no pid is ever looked up, none can be reused) that
 * lands in the shared fd table, and exits, so the holder is nobody's child
 * in the caller (sshd's SIGCHLD handlers never see it).  Only the holder's
 * clone copies the caller's address space: one copy, not two.
 */
static int intermediate(void *arg)
{
	Spawn *s = arg;
	struct clone_args ca = {
		.flags = s->clone_flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&s->pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid;

	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		child_exec(s);
	if (pid < 0)
		s->error = errno;
	else
		s->pid = (pid_t)pid;
	_exit(0);
}

int holder_put_word(char *buf, size_t len, size_t *n, const char *w)
{
	size_t k = strlen(w) + 1;

	if (*n + k > len)
		return -E2BIG;
	memcpy(buf + *n, w, k);
	*n += k;
	return 0;
}

/* Point s->argv at the words of a command line (holder_params_argv()). */
static int split_argv(Spawn *s, char *buf, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		if (k + 1 >= ELEMENTSOF(s->argv))
			return -E2BIG;
		s->argv[k++] = buf + i;
	}
	s->argv[k] = NULL;
	s->envp[0] = (char *)(uintptr_t)HOLDER_ENV_PATH;
	s->envp[1] = NULL;
	return 0;
}

/* Run the intermediate with every signal blocked (no handler of the
 * caller may run in it, on its stack, in our memory); returns once it has
 * exited, with its pid. */
static int run_intermediate(Spawn *s, pid_t *ret_pid)
{
	sigset_t all, old;
	void *stack;
	pid_t pid;
	int e;

	stack = mmap(NULL, INTERMEDIATE_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return negative_errno();
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0) {
		e = errno;
		(void)munmap(stack, INTERMEDIATE_STACK);
		return -e;
	}
	pid = clone(intermediate, (char *)stack + INTERMEDIATE_STACK,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, s);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)munmap(stack, INTERMEDIATE_STACK);
	if (pid < 0)
		return -e;
	*ret_pid = pid;
	return 0;
}

/* Reap the intermediate.  ECHILD is fine: a caller's own SIGCHLD handler
 * (waitpid(-1)) may have reaped it first. */
static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int pidfd_alive(int pidfd)
{
	return pidfd_send_signal(pidfd, 0, NULL, 0) < 0 ? negative_errno() : 0;
}

/* Namespace i of the holder, checked for the record: its inode number.
 * self_ns: our /proc/self/ns; userns: the stat of our user namespace. */
static int record_one(pid_t pid, int pidfd, unsigned i, int self_ns, const struct stat *userns,
		      uint64_t *ret)
{
	_cleanup_(closep) int theirs = -EBADF;
	struct stat a, b;
	bool by_path;
	int r;

	theirs = ns_open_of(pidfd, pid, i, &by_path);
	if (theirs < 0)
		return theirs;
	if (fstat(theirs, &a) < 0 || fstatat(self_ns, ns_name(i), &b, 0) < 0)
		return negative_errno();
	/* Recording one of our own namespaces would let the user's later
	 * logins join the host (clone3 silently lacking a flag). */
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return -EPERM;
	/* Made by root of our user namespace, not inside a user's: checked
	 * here once, the record is what every join checks (threat 1). */
	r = ns_owned_by(theirs, userns);
	if (r < 0)
		return r;
	/* A /proc/PID fallback named the holder only if it is still alive now
	 * (threat 2). */
	if (by_path) {
		r = pidfd_alive(pidfd);
		if (r < 0)
			return r;
	}
	*ret = a.st_ino;
	return 0;
}

/* A new root-only file name in ns_dir_fd holding len bytes of buf. */
static int write_new(int ns_dir_fd, const char *name, const char *buf, size_t len)
{
	_cleanup_(closep) int f = -EBADF;

	f = openat(ns_dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return negative_errno();
	if (write(f, buf, len) != (ssize_t)len)
		return errno ? negative_errno() : -EIO;
	return 0;
}

/*
 * The records of the holder's namespaces, checked by ns_join() against the
 * live holder before every join: the root-only file ns/all (one open per
 * join), written once every namespace was checked.  Nothing is bind-mounted
 * (see ns.h).
 */
int holder_record(int ns_dir_fd, pid_t pid, int pidfd, unsigned mask)
{
	_cleanup_(closep) int self_ns = -EBADF;
	char all[HOLDER_MSG_MAX];
	struct stat userns;
	size_t len = 0;
	int r;

	/* Ours, once: /proc/self resolved once for all the namespaces.  Our
	 * own user namespace rather than /proc/1's: the same thing on a host,
	 * and still right when sshd runs in a container. */
	self_ns = open("/proc/self/ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (self_ns < 0)
		return negative_errno();
	if (fstatat(self_ns, "user", &userns, 0) < 0)
		return negative_errno();

	for (unsigned i = 0; i < NS_COUNT; i++) {
		uint64_t ino;

		if (!(mask & (1u << i)))
			continue;
		r = record_one(pid, pidfd, i, self_ns, &userns, &ino);
		if (r < 0)
			return r;
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s %llu\n", ns_name(i),
					(unsigned long long)ino);
	}
	len += (size_t)snprintf(all + len, sizeof(all) - len, HOLDER_RECORD_PID " %d\n", (int)pid);
	/* Whole or absent to every reader, whenever the writer dies (threat
	 * 18): written beside, then renamed into place. */
	(void)unlinkat(ns_dir_fd, HOLDER_NS_RECORDS_NEW, 0);
	r = write_new(ns_dir_fd, HOLDER_NS_RECORDS_NEW, all, len);
	if (r >= 0 && renameat(ns_dir_fd, HOLDER_NS_RECORDS_NEW, ns_dir_fd, HOLDER_NS_RECORDS) < 0)
		r = negative_errno();
	return r;
}

void holder_kill(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return;
	(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	/* Its namespaces die with it; wait a little so a retry starts clean. */
	while (poll(&pfd, 1, 1000) < 0 && errno == EINTR)
		;
}

int holder_collect(int run_dir_fd, uid_t uid, int pidfd)
{
	holder_kill(pidfd);
	return state_remove_user(run_dir_fd, uid);
}

int holder_spawn(int dir_fd, int lock_fd, int helper_fd, char *cmdline, size_t len, unsigned mask,
		 HolderStarted *ret, int *ret_pidfd)
{
	_cleanup_(closep) int ctl_fd = -EBADF, mnt_fd = -EBADF, net_fd = -EBADF, null_fd = -EBADF,
			      pidfd = -EBADF;
	int ready[2] = { -EBADF, -EBADF };
	Spawn s = { .helper_fd = helper_fd, .pidfd = -EBADF, .nfds = HOLDER_FD_COUNT };
	HolderStarted info = { 0 };
	char line[HOLDER_MSG_MAX];
	pid_t mid = 0;
	ssize_t n;
	int r;

	r = split_argv(&s, cmdline, len);
	if (r < 0)
		goto out;
	r = ctl_bind(dir_fd, &ctl_fd);
	if (r < 0)
		goto out;
	mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	net_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (mnt_fd < 0 || net_fd < 0 || null_fd < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto out;
	}

	s.src[HOLDER_FD_STATE] = dir_fd;
	s.src[HOLDER_FD_HOST_MNT] = mnt_fd;
	s.src[HOLDER_FD_HOST_NET] = net_fd;
	s.src[HOLDER_FD_READY] = ready[1];
	s.src[HOLDER_FD_CTL] = ctl_fd;
	s.src[HOLDER_FD_LOCK] = lock_fd >= 0 ? lock_fd : null_fd;
	s.null_fd = null_fd;
	s.clone_flags = (uint64_t)ns_clone_flags(mask);

	r = run_intermediate(&s, &mid);
	if (r < 0)
		goto out;
	reap(mid);
	/* Our copy of the write end goes, so a dead holder reads as EOF. */
	ready[1] = safe_close(ready[1]);
	if (s.pid <= 0 || s.pidfd < 0) {
		r = s.error > 0 ? -s.error : -EIO;
		goto out;
	}
	info.pid = s.pid;
	pidfd = s.pidfd;

	n = read_until(ready[0], line, sizeof(line) - 1, true, now_ms() + HOLDER_START_TIMEOUT_MS);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	line[n] = '\0';
	if (!streq(line, HOLDER_READY_OK)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(info.error, sizeof(info.error), "%s",
			 *line ? line : "exited before ready");
		r = -EIO;
		goto out;
	}
	*ret_pidfd = TAKE_FD(pidfd);
	r = 0;
out:
	if (r < 0) {
		holder_kill(pidfd);
		info.pid = 0;
	}
	for (int i = 0; i < 2; i++)
		ready[i] = safe_close(ready[i]);
	if (ret)
		*ret = info;
	return r;
}

int holder_spawn_detached(int helper_fd, char *cmdline, size_t len)
{
	_cleanup_(closep) int null_fd = -EBADF;
	Spawn s = { .helper_fd = helper_fd, .pidfd = -EBADF, .nfds = 4 };
	pid_t mid = 0;
	int r;

	r = split_argv(&s, cmdline, len);
	if (r < 0)
		return r;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (null_fd < 0)
		return negative_errno();
	s.src[3] = helper_fd;
	s.null_fd = null_fd;
	r = run_intermediate(&s, &mid);
	if (r < 0)
		return r;
	reap(mid);
	if (s.pidfd >= 0)
		close(s.pidfd);
	return s.pid > 0 ? 0 : s.error > 0 ? -s.error : -EIO;
}

int holder_start(int run_dir_fd, int helper_fd, const HolderParams *p, HolderStarted *ret)
{
	_cleanup_(closep) int uid_fd = -EBADF, ns_fd = -EBADF, lock_fd = -EBADF, pidfd = -EBADF;
	HolderStarted info = { 0 };
	char cmdline[HOLDER_CMDLINE_MAX];
	bool created = false;
	int r, len;

	r = holder_params_check(p);
	if (r < 0)
		goto out;
	r = state_repair(run_dir_fd);
	if (r < 0)
		goto out;
	r = len = holder_params_argv(HOLDER_ARGV_USER, p, NULL, cmdline, sizeof(cmdline));
	if (r < 0)
		goto out;

	created = true; /* from here on, failure removes whatever UID/ holds */
	r = state_create_user(run_dir_fd, p->uid, &uid_fd, &ns_fd);
	if (r < 0)
		goto out;
	/* Its own open file description: the holder's flock conflicts with ours. */
	r = state_open_user_lock(run_dir_fd, p->uid, false, &lock_fd);
	if (r < 0)
		goto out;
	r = holder_spawn(uid_fd, lock_fd, helper_fd, cmdline, (size_t)len, p->namespaces, &info,
			 &pidfd);
	if (r < 0)
		goto out;
	r = holder_record(ns_fd, info.pid, pidfd, p->namespaces);
out:
	if (r < 0) {
		/* Threat 13: nothing half-built stays behind for a later login. */
		holder_kill(pidfd);
		if (created)
			(void)state_remove_user(run_dir_fd, p->uid);
		info.pid = 0;
	}
	if (ret)
		*ret = info;
	return r;
}

int holder_run_helper(int helper_fd, char *cmdline, size_t len, int extra_fd, int timeout_ms,
		      char *reply, size_t reply_len)
{
	_cleanup_(closep) int null_fd = -EBADF;
	int pipe_fds[2] = { -EBADF, -EBADF };
	Spawn s = { .helper_fd = helper_fd, .pidfd = -EBADF, .nfds = 5 };
	pid_t mid = 0;
	ssize_t n;
	int r;

	reply[0] = '\0';
	r = split_argv(&s, cmdline, len);
	if (r < 0)
		return r;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (null_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) < 0)
		return negative_errno();
	s.src[3] = pipe_fds[1];
	s.src[4] = extra_fd >= 0 ? extra_fd : null_fd;
	s.null_fd = null_fd;
	r = run_intermediate(&s, &mid);
	if (r >= 0) {
		reap(mid);
		if (s.pid <= 0 || s.pidfd < 0)
			r = s.error > 0 ? -s.error : -EIO;
	}
	pipe_fds[1] = safe_close(pipe_fds[1]);
	if (r >= 0) {
		n = read_until(pipe_fds[0], reply, reply_len - 1, true, now_ms() + timeout_ms);
		if (n < 0) {
			r = (int)n;
			holder_kill(s.pidfd);
		} else {
			reply[n] = '\0';
			reply[strcspn(reply, "\n")] = '\0';
		}
	}
	safe_close(pipe_fds[0]);
	if (s.pidfd >= 0)
		close(s.pidfd);
	return r;
}
