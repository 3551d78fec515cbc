/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The login-shell guard: "paddock shell", or the helper started under the
 * name paddock-shell (the installed symlink, usable as a login shell).
 *
 * It runs as the user, with no privilege at all (no setuid bit, no file
 * capabilities), and refuses to start a shell unless it can prove that it
 * runs inside this user's paddock.  Then it execs the policy's "shell" with
 * the login conventions intact.  It is defence in depth for entry points
 * that skipped the PAM session (threats.md 12): a service without the
 * module, a "UsePAM no" sshd.
 *
 * The proof.  The user controls the environment, every file the user can
 * write, the arguments, and (with unprivileged user namespaces) namespaces
 * and mounts of their own; none of it may count.  The guard cannot read the
 * root-only records under /run/paddock, and /proc/1/ns/ of the holder is not
 * readable either (root, not dumpable).  What it checks instead, in order:
 *
 *   1. Our PID namespace is owned by the *initial* user namespace, and so
 *      are we.  The namespace fd comes from the kernel (pidfd_open(getpid())
 *      + PIDFD_GET_PID_NAMESPACE, Linux 6.11; older kernels fall back to
 *      /proc/self/ns/pid).  NS_GET_USERNS on it only succeeds when the owner
 *      is the caller's user namespace or a descendant of it, and the
 *      initial one has the fixed nsfs inode PROC_USER_INIT_INO: if it comes
 *      back, we are in the initial user namespace whatever path we opened.
 *      An unprivileged process there cannot create or enter a mount or PID
 *      namespace, nor mount anything: everything it sees was set up by root.
 *      (A user who built namespaces in a user namespace of their own fails
 *      here; so does a paddock inside a container with its own user
 *      namespace: the guard fails closed there, see paddock(8).)
 *   2. That PID namespace is not the initial one (PROC_PID_INIT_INO): a
 *      login that skipped the module runs in the host's and stops here.
 *   3. /proc is the procfs of that namespace: statfs says procfs,
 *      /proc/self names getpid(), and /proc/self/ns/pid is the namespace
 *      of step 1.  So /proc/1 is PID 1 of our namespace.
 *   4. PID 1 is a paddock holder for our uid: it runs as root (real,
 *      effective, saved and fs uid 0 in /proc/1/status) and its command line
 *      is "paddock holder ... --uid UID ..." with UID = getuid().  Only root
 *      starts a process as PID 1 of a namespace owned by the initial user
 *      namespace, and only that process (root, not dumpable) can change its
 *      command line.
 *
 * What is left is a setuid-root program that starts, as root and as PID 1
 * of a new PID namespace, a command line the user chooses: that program
 * would be a root hole of its own.  The guard never trusts an environment
 * variable or a file the user can create.  The dynamic loader does honour
 * LD_PRELOAD for a non-setuid program: sshd must keep PermitUserEnvironment
 * off (its default; "paddock check --system" reports it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../pam_module/holder-params.h"
#include "commands.h"

/* include/linux/proc_ns.h: the fixed nsfs inodes of the initial namespaces. */
#define PROC_USER_INIT_INO 0xEFFFFFFDU
#define PROC_PID_INIT_INO  0xEFFFFFFCU

/* linux/pidfd.h of Linux 6.11; older headers lack it. */
#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#endif

#define GUARD_NAME  "paddock-shell"
#define SHELLS_FILE "/etc/shells"

extern char **environ;

/* Why the proof failed, for the refusal message. */
typedef struct Refusal {
	char text[256];
} Refusal;

static int refuse_with(Refusal *why, int r, const char *text)
{
	snprintf(why->text, sizeof(why->text), "%s", text);
	return r;
}

/* An fd on an nsfs file of the given CLONE_NEW* type? */
static int check_nsfs(int fd, int type)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return negative_errno();
	if (sfs.f_type != NSFS_MAGIC || ioctl(fd, NS_GET_NSTYPE) != type)
		return -EPERM;
	return 0;
}

/* Our PID namespace, from the kernel when it can tell (no path involved). */
static int own_pidns(void)
{
	_cleanup_(closep) int pidfd = -EBADF;
	int fd;

	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd >= 0) {
		fd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);
		if (fd >= 0)
			return fd;
		if (errno != ENOTTY && errno != EINVAL)
			return negative_errno();
	}
	/* Before 6.11: the path is fine, step 1 does not depend on it. */
	fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

/* Step 1: the PID namespace and we ourselves are in the initial user namespace. */
static int prove_initial_userns(int pidns, Refusal *why)
{
	_cleanup_(closep) int owner = -EBADF;
	struct stat st;

	if (check_nsfs(pidns, CLONE_NEWPID) < 0)
		return refuse_with(why, -EPERM, "cannot identify our PID namespace");
	owner = ioctl(pidns, NS_GET_USERNS);
	if (owner < 0)
		return refuse_with(why, -EPERM,
				   "running in a user namespace (a paddock's is the initial one)");
	if (check_nsfs(owner, CLONE_NEWUSER) < 0 || fstat(owner, &st) < 0 ||
	    st.st_ino != PROC_USER_INIT_INO)
		return refuse_with(why, -EPERM,
				   "the PID namespace belongs to a user namespace, not to root");
	return 0;
}

/* Step 2: not the host's PID namespace. */
static int prove_not_host(const struct stat *pidns, Refusal *why)
{
	if (pidns->st_ino == PROC_PID_INIT_INO)
		return refuse_with(why, -EPERM, "running in the host's PID namespace");
	return 0;
}

/* Step 3: /proc shows our PID namespace.  Returns an O_PATH fd on /proc. */
static int prove_proc_is_ours(const struct stat *pidns, Refusal *why)
{
	_cleanup_(closep) int proc = -EBADF;
	struct statfs sfs;
	struct stat st;
	char self[32], want[32];
	ssize_t n;

	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (proc < 0 || fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return refuse_with(why, -EPERM, "/proc is not a procfs");
	n = readlinkat(proc, "self", self, sizeof(self) - 1);
	if (n <= 0)
		return refuse_with(why, -EPERM, "cannot read /proc/self");
	self[n] = '\0';
	snprintf(want, sizeof(want), "%d", (int)getpid());
	if (!streq(self, want))
		return refuse_with(why, -EPERM, "/proc belongs to another PID namespace");
	if (fstatat(proc, "self/ns/pid", &st, 0) < 0 || st.st_dev != pidns->st_dev ||
	    st.st_ino != pidns->st_ino)
		return refuse_with(why, -EPERM, "/proc belongs to another PID namespace");
	return TAKE_FD(proc);
}

/* "Uid:\t0\t0\t0\t0" in a status file: every uid of the process is root. */
static bool status_all_root(char *status)
{
	char *line = strstr(status, "\nUid:");
	unsigned n = 0;

	if (!line)
		return false;
	line += 5;
	for (;;) {
		line += strspn(line, " \t");
		if (*line == '\n' || *line == '\0')
			break;
		if (line[0] != '0' || (line[1] != '\t' && line[1] != ' ' && line[1] != '\n'))
			return false;
		line++;
		n++;
	}
	return n == 4;
}

/* Step 4: PID 1 is root and "paddock holder ... --uid UID ...". */
static int prove_pid1_is_holder(int proc, uid_t uid, Refusal *why)
{
	char buf[4096];
	HolderParams holder;
	int n;

	n = fs_read_file(proc, "1/status", buf, sizeof(buf));
	if (n < 0 || !status_all_root(buf))
		return refuse_with(why, -EPERM, "PID 1 of this PID namespace is not root's");
	n = fs_read_file(proc, "1/cmdline", buf, sizeof(buf));
	if (n <= 0)
		return refuse_with(why, -EPERM, "cannot read PID 1's command line");
	if (holder_params_parse_cmdline(buf, (size_t)n, &holder) < 0)
		return refuse_with(why, -EPERM,
				   "PID 1 of this PID namespace is not a paddock holder");
	if (holder.uid != uid)
		return refuse_with(why, -EPERM, "this is another user's paddock");
	return 0;
}

/* Run the proof; 0 when we are inside uid's paddock. */
static int guard_prove(uid_t uid, Refusal *why)
{
	_cleanup_(closep) int pidns = -EBADF, proc = -EBADF;
	struct stat st;
	int r;

	pidns = own_pidns();
	if (pidns < 0 || fstat(pidns, &st) < 0)
		return refuse_with(why, -EPERM, "cannot identify our PID namespace");
	r = prove_initial_userns(pidns, why);
	if (r < 0)
		return r;
	r = prove_not_host(&st, why);
	if (r < 0)
		return r;
	proc = prove_proc_is_ours(&st, why);
	if (proc < 0)
		return proc;
	return prove_pid1_is_holder(proc, uid, why);
}

/* Is path a line of /etc/shells (root's file, nobody else may write it)? */
static int listed_in_shells(const char *path)
{
	_cleanup_(fclosep) FILE *f = NULL;
	char line[POLICY_PATH_MAX + 2];
	struct stat st;

	f = fopen(SHELLS_FILE, "re");
	if (!f)
		return negative_errno();
	if (fstat(fileno(f), &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '/' && streq(line, path))
			return 1;
	}
	return 0;
}

/* The real shell: an executable that is not this program (no loop). */
static int check_shell_file(const char *path)
{
	struct stat sh, self;

	if (stat(path, &sh) < 0)
		return negative_errno();
	if (!S_ISREG(sh.st_mode) || !(sh.st_mode & 0111))
		return -EACCES;
	if (stat("/proc/self/exe", &self) == 0 && self.st_dev == sh.st_dev &&
	    self.st_ino == sh.st_ino)
		return -ELOOP;
	return 0;
}

/* The effective policy's shell for uid, checked.  why explains a failure. */
static int policy_shell(uid_t uid, char *shell, size_t len, Refusal *why)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	_cleanup_(freep) char *buf = NULL;
	struct passwd pw, *res = NULL;
	Identity id = { 0 };
	PolicyError err;
	UserPolicy up;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	int r;

	buf = malloc(sz > 0 ? (size_t)sz * 4 : 65536);
	if (!buf)
		return -ENOMEM;
	r = getpwuid_r(uid, &pw, buf, sz > 0 ? (size_t)sz * 4 : 65536, &res);
	if (r != 0 || !res)
		return refuse_with(why, -ENOENT, "our uid has no user name");
	r = identity_lookup(pw.pw_name, &id);
	if (r < 0 || id.uid != uid) {
		identity_done(&id);
		return refuse_with(why, r < 0 ? r : -EPERM, "cannot look our user up");
	}
	r = policy_load(NULL, &p, &err);
	if (r >= 0)
		r = policy_resolve(p, &id.policy, &up, NULL, &err);
	identity_done(&id);
	if (r < 0)
		return refuse_with(why, r, err.text);
	snprintf(shell, len, "%s", up.shell);

	r = listed_in_shells(shell);
	if (r <= 0) {
		snprintf(why->text, sizeof(why->text),
			 "the policy's shell %s is not listed in %s%s", shell, SHELLS_FILE,
			 r < 0 ? " (unreadable or not root's)" : "");
		return -EPERM;
	}
	r = check_shell_file(shell);
	if (r < 0) {
		snprintf(why->text, sizeof(why->text), "the policy's shell %s: %s", shell,
			 r == -ELOOP ? "is the guard itself" : strerror(-r));
		return r;
	}
	return 0;
}

static int refuse(const char *user, uid_t uid, const char *text)
{
	fprintf(stderr, GUARD_NAME ": refusing to start a shell for %s: %s\n", user, text);
	syslog(LOG_WARNING, "refused a shell for %s (uid %u): %s", user, (unsigned)uid, text);
	closelog();
	return 1;
}

/*
 * The guard.  argv[0] is what the caller gave: "-paddock-shell" for a login
 * shell, anything else otherwise; argv[1..] go to the real shell unchanged
 * ("-c CMD" from sshd for ssh host cmd, scp, rsync and sftp-server).
 */
static int guard_run(int argc, char **argv, bool login)
{
	_cleanup_(freep) char **nargv = NULL;
	_cleanup_(freep) char *argv0 = NULL;
	char shell[POLICY_PATH_MAX], user[64], text[POLICY_PATH_MAX + 64];
	const char *base;
	struct passwd *pw;
	Refusal why = { "" };
	uid_t uid = getuid();
	int r;

	openlog(GUARD_NAME, LOG_PID, LOG_AUTHPRIV);
	pw = getpwuid(uid);
	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "?");
	endpwent();

	/* Installed with a set-id bit by mistake: act as nobody's helper. */
	if (uid != geteuid() || getgid() != getegid())
		return refuse(user, uid, "started set-user-ID or set-group-ID");
	if (guard_prove(uid, &why) < 0) {
		snprintf(text, sizeof(text), "not inside %s's paddock (%s)", user, why.text);
		return refuse(user, uid, text);
	}
	if (policy_shell(uid, shell, sizeof(shell), &why) < 0)
		return refuse(user, uid, why.text);

	base = strrchr(shell, '/') + 1;
	if (asprintf(&argv0, "%s%s", login ? "-" : "", base) < 0)
		return refuse(user, uid, strerror(ENOMEM));
	nargv = calloc((size_t)argc + 1, sizeof(char *));
	if (!nargv)
		return refuse(user, uid, strerror(ENOMEM));
	nargv[0] = argv0;
	for (int i = 1; i < argc; i++)
		nargv[i] = argv[i];
	/* Programs that start "the user's shell" ($SHELL) get the real one. */
	if (setenv("SHELL", shell, 1) < 0)
		return refuse(user, uid, strerror(errno));

	/* Nothing of ours survives the exec: every fd we opened was
	 * O_CLOEXEC and is closed by now; the syslog socket goes too.
	 * Nor anything above 2 we were handed (threat 20): an entry point
	 * that skipped the module may pass a descriptor of the host's tree. */
	closelog();
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		r = errno;
		openlog(GUARD_NAME, LOG_PID, LOG_AUTHPRIV);
		snprintf(text, sizeof(text), "cannot close inherited descriptors: %s", strerror(r));
		return refuse(user, uid, text);
	}
	execve(shell, nargv, environ);
	r = errno;
	openlog(GUARD_NAME, LOG_PID, LOG_AUTHPRIV);
	snprintf(text, sizeof(text), "cannot execute %s: %s", shell, strerror(r));
	return refuse(user, uid, text);
}

int cmd_shell(int argc, char **argv)
{
	return guard_run(argc, argv, false);
}

bool shell_guard_name(const char *argv0)
{
	const char *base;

	if (!argv0)
		return false;
	base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	if (*base == '-')
		base++;
	return streq(base, GUARD_NAME);
}

int shell_guard_main(int argc, char **argv)
{
	return guard_run(argc, argv, argv[0][0] == '-');
}
