/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/root/filter-probe.c: make one system call the session's seccomp
 * filter rules on (pam_module/syscall-filter.h) and print what came of it:
 * "ok", or the errno's name.  tests/root/session-filter.sh runs it inside
 * sessions and outside them (the control: the same call works there).
 *
 *   tiocsti[-high|-i386|-x32]  TIOCSTI of a newline into a pseudo-terminal
 *                              of its own that is its controlling terminal
 *                              (so only the filter can refuse it); -high: bit
 *                              32 set in the request word (CVE-2019-10063);
 *                              -i386: through the 32-bit ABI (int 0x80);
 *                              -x32: through the x32 ABI (the kernel may
 *                              lack it: ENOSYS outside the filter)
 *   tiocsti-fd0[-high]         the same on fd 0 (the caller's terminal)
 *   tioclinux[-high]           TIOCLINUX on that terminal
 *   unshare-user[-i386]        unshare(CLONE_NEWUSER)
 *   clone-user                 clone(CLONE_NEWUSER | SIGCHLD)
 *   clone3                     clone3 of a plain child
 *   setns-user, setns-zero     setns(our own user namespace, CLONE_NEWUSER / 0)
 *   fork                       fork() and posix_spawn() through the C library
 *   dump PID                   (root) the constants the jumps of PID's first
 *                              filter compare with, one "jump 0x..." a line
 *                              (PTRACE_SECCOMP_GET_FILTER): which ABIs and
 *                              requests it covers, also where this kernel runs
 *                              no i386 code to try them with
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT	     0x40000000L
#define X32_IOCTL    514 /* x32 has an ioctl of its own (compat) */
#define I386_IOCTL   54
#define I386_UNSHARE 310

extern char **environ;

static int result(long r)
{
	printf("%s\n", r < 0 ? strerrorname_np(errno) : "ok");
	return 0;
}

/* i386 system call through int 0x80 (the compat entry the filter sees as
 * AUDIT_ARCH_I386); arguments are 32 bits wide. */
static long i386_syscall(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* A pseudo-terminal that becomes our controlling terminal, so TIOCSTI on it
 * passes the kernel's own checks: only a filter can refuse it. */
static int own_tty(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	if (setsid() < 0 && errno != EPERM)
		return -1;
	s = open(ptsname(m), O_RDWR);
	if (s < 0)
		return -1;
	(void)ioctl(s, TIOCSCTTY, 0);
	return s;
}

static long tty_call(const char *how, int fd, unsigned long req)
{
	static char *low;
	char nl = '\n';

	if (strstr(how, "-high"))
		return syscall(SYS_ioctl, fd, (1UL << 32) | req, &nl);
	if (strstr(how, "-i386") || strstr(how, "-x32")) {
		if (!low) {
			low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
			if (low == MAP_FAILED)
				return -1;
		}
		*low = nl;
		if (strstr(how, "-i386"))
			return i386_syscall(I386_IOCTL, fd, (long)req, (long)(uintptr_t)low);
		return syscall(X32_BIT | X32_IOCTL, fd, req, low);
	}
	return syscall(SYS_ioctl, fd, req, &nl);
}

static long in_child(long pid)
{
	int st;

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		(void)waitpid((pid_t)pid, &st, 0);
	return pid < 0 ? -1 : 0;
}

/* The jump constants of pid's most recent filter (index 0). */
static int dump(pid_t pid)
{
	struct sock_filter insn[4096];
	long n;
	int st;

	if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0 || waitpid(pid, &st, __WALL) != pid)
		return result(-1);
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, NULL);
	if (n > 0 && n <= (long)(sizeof(insn) / sizeof(insn[0])))
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, insn);
	(void)ptrace(PTRACE_DETACH, pid, 0, 0);
	if (n <= 0)
		return result(n < 0 ? -1 : 0);
	for (long i = 0; i < n; i++)
		if (BPF_CLASS(insn[i].code) == BPF_JMP && BPF_SRC(insn[i].code) == BPF_K &&
		    BPF_OP(insn[i].code) != BPF_JA)
			printf("jump 0x%x\n", insn[i].k);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	char linux_sub[2] = { 7 /* TIOCL_GETMOUSEREPORTING */, 0 };
	int fd;

	if (strncmp(c, "tiocsti-fd0", 11) == 0)
		return result(tty_call(c, 0, TIOCSTI));
	if (strncmp(c, "tiocsti", 7) == 0 || strncmp(c, "tioclinux", 9) == 0) {
		fd = own_tty();
		if (fd < 0) {
			printf("no-tty %s\n", strerrorname_np(errno));
			return 1;
		}
		if (c[4] == 'l')
			return result(
				strstr(c, "-high")
					? syscall(SYS_ioctl, fd, (1UL << 32) | TIOCLINUX, linux_sub)
					: syscall(SYS_ioctl, fd, TIOCLINUX, linux_sub));
		return result(tty_call(c, fd, TIOCSTI));
	}
	if (strcmp(c, "unshare-user") == 0)
		return result(unshare(CLONE_NEWUSER));
	if (strcmp(c, "unshare-user-i386") == 0)
		return result(i386_syscall(I386_UNSHARE, CLONE_NEWUSER, 0, 0));
	if (strcmp(c, "clone-user") == 0)
		return result(in_child(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)));
	if (strcmp(c, "clone3") == 0) {
		struct clone_args a = { .exit_signal = SIGCHLD };

		return result(in_child(syscall(SYS_clone3, &a, sizeof(a))));
	}
	if (strcmp(c, "setns-user") == 0 || strcmp(c, "setns-zero") == 0) {
		fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return result(-1);
		return result(setns(fd, c[6] == 'u' ? CLONE_NEWUSER : 0));
	}
	if (strcmp(c, "fork") == 0) {
		char name[] = "true", *args[] = { name, NULL };
		pid_t pid;
		int st;

		if (in_child(fork()) < 0)
			return result(-1);
		errno = posix_spawnp(&pid, name, NULL, NULL, args, environ);
		if (errno)
			return result(-1);
		return result(waitpid(pid, &st, 0) == pid && st == 0 ? 0 : -1);
	}
	if (strcmp(c, "dump") == 0 && argc > 2)
		return dump((pid_t)atoi(argv[2]));
	fprintf(stderr, "usage: filter-probe CALL (see the source)\n");
	return 2;
}
