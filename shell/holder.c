/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder: PID 1 of a user's paddock.  It finishes the paddock's mount
 * setup inside the new namespaces, reaps orphans, counts the live sessions
 * (one control connection each), and tears the paddock down when the last
 * session is gone and the linger time has passed.  Small and allocation-free
 * on purpose: it runs on every first login and lives as long as the user.
 */
#include "holder.h"
#include "holder-internal.h"
#include "holder-mount.h"
#include "holder-net.h"
#include "holder-sessions.h"
#include "holder-spare.h"
#include "holder-teardown.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "../pam_module/cgroup.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/holder-spawn.h"
#include "../pam_module/spare.h"

#define LOCK_RETRY_MS 50
#define ALONE_POLL_MS 1000

/* ---- options ---------------------------------------------------------- */

static int pick_manager(const char *name, const CgroupManager **ret)
{
	if (streq(name, "none")) {
		*ret = NULL;
		return 0;
	}
	*ret = cg_manager_by_name(name);
	return *ret ? 0 : -EINVAL;
}

/* The options after "holder" (holder-params.h): a spare's have --spare. */
static int parse_opts(int argc, char **argv, HolderOpts *o)
{
	HolderArgvKind kind = HOLDER_ARGV_USER;
	HolderParams p;
	HolderArgvExtra x;
	int r;

	for (int i = 1; i < argc; i += 2)
		if (streq(argv[i], "--spare"))
			kind = HOLDER_ARGV_SPARE;
	r = holder_params_parse_argv(kind, argc - 1, argv + 1, &p, &x, NULL);
	if (r < 0)
		return r;
	r = pick_manager(p.cgroup_manager, &o->cgm);
	if (r < 0)
		return r;
	if (x.spare && strlen(x.spare) >= sizeof(o->made_as))
		return -EINVAL;
	o->p = p;
	o->spare = x.spare;
	if (x.spare)
		snprintf(o->made_as, sizeof(o->made_as), "%s", x.spare);
	return 0;
}

/* ---- setup steps ------------------------------------------------------ */

static int fd_is(int fd, mode_t type, bool root_only)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((st.st_mode & S_IFMT) != type)
		return -EBADF;
	if (root_only && (st.st_uid != 0 || (st.st_mode & 077)))
		return -EPERM;
	return 0;
}

/* PID 1, root, in a mount namespace that is not the host's, fds as the
 * contract says; everything else closed and every fd close-on-exec. */
static int check_self(bool spare)
{
	_cleanup_(closep) int self_mnt = -EBADF;
	struct stat a, b;
	int v;
	socklen_t len = sizeof(v);
	int r;

	if (getpid() != 1 || getuid() != 0 || geteuid() != 0)
		return -EPERM;
	if (close_range(HOLDER_FD_COUNT, ~0U, 0) < 0)
		return negative_errno();
	for (int fd = 0; fd < HOLDER_FD_COUNT; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return negative_errno();

	r = fd_is(HOLDER_FD_STATE, S_IFDIR, true);
	if (r < 0)
		return r;
	/* A spare has /dev/null there until it is claimed. */
	r = fd_is(HOLDER_FD_LOCK, spare ? S_IFCHR : S_IFREG, false);
	if (r < 0)
		return r;
	r = fd_is(HOLDER_FD_READY, S_IFIFO, false);
	if (r < 0)
		return r;
	if ((fcntl(HOLDER_FD_READY, F_GETFL) & O_ACCMODE) != O_WRONLY)
		return -EBADF;
	if (getsockopt(HOLDER_FD_CTL, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_UNIX)
		return -ENOTSOCK;
	len = sizeof(v);
	if (getsockopt(HOLDER_FD_CTL, SOL_SOCKET, SO_TYPE, &v, &len) < 0 || v != SOCK_SEQPACKET)
		return -ENOTSOCK;
	if (ioctl(HOLDER_FD_HOST_MNT, NS_GET_NSTYPE) != CLONE_NEWNS ||
	    ioctl(HOLDER_FD_HOST_NET, NS_GET_NSTYPE) != CLONE_NEWNET)
		return -EBADF;
	/* Mounting anything in the host's mount namespace would be fatal:
	 * make sure the clone really gave us a new one. */
	self_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (self_mnt < 0 || fstat(self_mnt, &a) < 0 || fstat(HOLDER_FD_HOST_MNT, &b) < 0)
		return negative_errno();
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return -EPERM;
	return 0;
}

static int no_dump(void)
{
	struct rlimit zero = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0)
		return negative_errno();
	return 0;
}

/* SIGCHLD and SIGTERM arrive through a signalfd; everything asynchronous
 * is ignored; faults keep their default (a crash must not loop). */
static int signals_setup(int *ret_sigfd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct rlimit nofile;
	sigset_t set;
	int fd;

	for (int sig = 1; sig < NSIG; sig++) {
		switch (sig) {
		case SIGKILL:
		case SIGSTOP:
		case SIGCHLD:
		case SIGTERM:
		case SIGSEGV:
		case SIGBUS:
		case SIGFPE:
		case SIGILL:
		case SIGTRAP:
		case SIGSYS:
		case SIGABRT:
			continue;
		default:
			/* glibc reserves two real-time signals (EINVAL). */
			if (sigaction(sig, &ign, NULL) < 0 && errno != EINVAL)
				return negative_errno();
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_SETMASK, &set, NULL) < 0)
		return negative_errno();
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return negative_errno();
	*ret_sigfd = fd;
	/* One fd per session: a burst of logins must not hit EMFILE. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &nofile);
	}
	return 0;
}

static int set_hostname(const char *name)
{
	return sethostname(name, strlen(name)) < 0 ? negative_errno() : 0;
}

/*
 * Our namespaces' nsfs files, open for as long as we live.  Every join and
 * claim checks our namespaces through our pidfd (PIDFD_GET_*_NAMESPACE,
 * pam_module/ns.c), and the kernel makes a namespace's nsfs inode and
 * dentry anew for each such call unless one is open somewhere (it keeps,
 * "stashes", them only while referenced): kept open, the checks of a join
 * are about twice as fast, for little kernel memory per paddock
 * (tests/bench/RESULTS.md).
 */
static int keep_ns_files(Holder *h)
{
	for (unsigned i = 0; i < NS_COUNT; i++) {
		char path[32];

		if (!(h->o->p.namespaces & (1u << i)))
			continue;
		snprintf(path, sizeof(path), "self/ns/%s", ns_types[i].name);
		h->ns_files[i] = openat(h->proc, path, O_RDONLY | O_CLOEXEC);
		if (h->ns_files[i] < 0)
			return negative_errno();
	}
	return 0;
}

#define STEP(name, expr) STEP_OR_RETURN(*step, r, name, expr)

/* The privileged steps, in order, each closing a threat of threats.md. */
static int setup(Holder *h, const char **step)
{
	HolderOpts *o = h->o;
	int r;

	/* 13: run only as the module starts us, never on the host's mounts */
	STEP("check", check_self(o->spare != NULL));
	/* 5: no ptrace, no /proc/1/mem, no core file of a root process */
	STEP("dumpable", no_dump());
	/* 5: nothing a process of the paddock sends reaches us */
	STEP("signals", signals_setup(&h->sig));
	/* 7: nothing mounted from here on leaks to the host */
	STEP("propagation", holder_make_rslave());
	/* 3: every mount target opened beneath our root, no symlinks */
	STEP("root", (h->root = holder_open_root()));
	/* 8: only the paddock's processes are visible */
	STEP("proc", holder_mount_proc(h->root));
	/* 2: processes are counted in our PID namespace only */
	STEP("proc", (h->proc = fs_open_beneath(h->root, "proc", O_RDONLY | O_DIRECTORY)));
	/* 1: no state of any paddock is visible in this one */
	STEP("state", holder_detach_state_dir(h->root));
	/* 8: only the paddock's network interfaces are visible */
	if (o->p.namespaces & POLICY_NS_NET)
		STEP("sys", holder_mount_sys(h->root));
	/* 11, 10: private /tmp, /var/tmp (private_tmp) and POSIX shared
	 * memory in /dev/shm (private_ipc), sharing one bounded tmpfs */
	if (o->p.private_tmp || o->p.private_ipc)
		STEP("tmp", holder_mount_private_tmp(h->root, o));
	/* 11: POSIX message queues are per paddock */
	if (o->p.private_ipc)
		STEP("mqueue", holder_mount_mqueue(h->root, o));
	/* the paddock's own name, so the user sees where they are (a spare's
	 * is set by the claim) */
	if ((o->p.namespaces & POLICY_NS_UTS) && !o->spare)
		STEP("hostname", set_hostname(o->p.hostname));
	/* 11: lo works, and it is the only interface */
	if (o->p.loopback)
		STEP("loopback", holder_loopback_up());
	/* 1: the joins' checks of our namespaces find their files made */
	STEP("namespace files", keep_ns_files(h));
	/* 1, 2: SO_PEERCRED of clients names us, not the sshd that bound it */
	STEP("listen", holder_listen());
	return 0;
}

/* ---- processes -------------------------------------------------------- */

/* Is /proc/NAME a live process (not a zombie)?  Exited ones are not. */
static bool proc_alive(int proc, const char *name)
{
	_cleanup_(closep) int fd = -EBADF;
	char path[32], buf[512];
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stat", name);
	fd = openat(proc, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* The live processes of our PID namespace other than us. */
unsigned holder_count_processes(int proc)
{
	char buf[4096] __attribute__((aligned(8)));
	unsigned n = 0;

	if (lseek(proc, 0, SEEK_SET) < 0)
		return 0;
	for (;;) {
		ssize_t len = getdents64(proc, buf, sizeof(buf));

		if (len <= 0)
			break;
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			const char *s = d->d_name;

			off += d->d_reclen;
			if (*s < '1' || *s > '9' || streq(s, "1"))
				continue;
			while (*s >= '0' && *s <= '9')
				s++;
			if (*s == '\0' && proc_alive(proc, d->d_name))
				n++;
		}
	}
	return n;
}

/* Orphans of the PID namespace are reparented to us: reap them all. */
void holder_reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void drain_signals(Holder *h)
{
	struct signalfd_siginfo si;

	while (read(h->sig, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM && !h->stop) {
			h->stop = true;
			h->reason = "SIGTERM";
		}
	holder_reap_all();
}

/* Our directory was renamed: by our maker, or by a login that claims us
 * (holder_spare_moved()); then that user's lock is our fd 7. */
static void spare_moved(Holder *h)
{
	char buf[4096];
	int lock = -EBADF;
	uid_t uid;

	while (read(h->moved, buf, sizeof(buf)) > 0)
		;
	if (!h->o->spare || h->orphan || holder_spare_moved(&uid, &lock) <= 0)
		return;
	if (dup3(lock, HOLDER_FD_LOCK, O_CLOEXEC) >= 0) {
		h->o->p.uid = uid;
		h->orphan = true;
	}
	close(lock);
}

static void dispatch(Holder *h, const struct epoll_event *ev)
{
	uint64_t ticks;

	switch ((unsigned)(ev->data.u64 >> 32) & 0xff) {
	case TAG_CTL:
		holder_accept(h);
		break;
	case TAG_SIG:
		drain_signals(h);
		break;
	case TAG_TIMER:
		if (read(h->timer, &ticks, sizeof(ticks)) > 0 && h->phase == PHASE_LINGER)
			h->phase = PHASE_EXPIRED;
		break;
	case TAG_MOVED:
		spare_moved(h);
		break;
	default:
		holder_conn(h, ev->data.u64);
		break;
	}
}

/* Act on everything clients sent so far, without waiting. */
static void drain_events(Holder *h)
{
	struct epoll_event evs[16];

	for (int round = 0; round < 64; round++) {
		int n = epoll_wait(h->ep, evs, ELEMENTSOF(evs), 0);

		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			dispatch(h, &evs[i]);
	}
}

/* Tear down now if we should and may; otherwise arrange to look again.
 * Returns 1 once torn down. */
/* A spare renamed to UID/ whose claim never came: the login that renamed
 * it held the user's lock until the claim's answer, so once we hold the
 * lock with no claim queued, it died (threat 18).  Torn down as the
 * user's paddock would be, then the spare's own cgroup (not yet the
 * user's if the login died before adopting it).  Returns 1 once torn
 * down. */
static int reconsider_orphan(Holder *h)
{
	const char *name = h->o->spare;

	if (flock(HOLDER_FD_LOCK, LOCK_EX | LOCK_NB) < 0) {
		holder_timer_arm(h, LOCK_RETRY_MS);
		return 0;
	}
	drain_events(h);
	if (!h->o->spare) {
		(void)flock(HOLDER_FD_LOCK, LOCK_UN); /* claimed after all */
		return 0;
	}
	h->o->p.user = name;
	h->reason = "renamed for a claim that never came";
	(void)holder_teardown(h);
	(void)spare_cgroup_remove(h->o->cgm, h->o->p.cgroup_parent, name);
	return 1;
}

static int reconsider(Holder *h)
{
	bool kill_them = h->stop || h->o->p.kill_on_logout;

	/* A spare has no sessions to wait for, only a stop. */
	if (h->o->spare) {
		if (h->orphan)
			return reconsider_orphan(h);
		if (!h->stop)
			return 0;
		holder_teardown_spare(h);
		return 1;
	}

	if (!h->stop && h->phase != PHASE_EXPIRED)
		return 0;
	if (!kill_them && holder_count_processes(h->proc) > 0) {
		holder_timer_arm(h, ALONE_POLL_MS);
		return 0;
	}
	/* Never block: a login holding the lock waits for our answer. */
	if (flock(HOLDER_FD_LOCK, LOCK_EX | LOCK_NB) < 0) {
		holder_timer_arm(h, LOCK_RETRY_MS);
		return 0;
	}
	/* Whatever arrived before we held the lock still counts. */
	drain_events(h);
	if (!h->stop &&
	    (h->phase != PHASE_EXPIRED || (!kill_them && holder_count_processes(h->proc) > 0))) {
		(void)flock(HOLDER_FD_LOCK, LOCK_UN);
		if (h->phase == PHASE_EXPIRED)
			holder_timer_arm(h, ALONE_POLL_MS);
		return 0;
	}
	if (!h->reason)
		h->reason = h->o->p.kill_on_logout ? "no session left (kill_on_logout)"
						   : "no session and no process left";
	(void)holder_teardown(h);
	return 1;
}

static int loop_setup(Holder *h)
{
	struct epoll_event ev = { .events = EPOLLIN };

	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->ep < 0 || h->timer < 0)
		return negative_errno();
	ev.data.u64 = ev_data(HOLDER_FD_CTL, TAG_CTL, 0);
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, HOLDER_FD_CTL, &ev) < 0)
		return negative_errno();
	ev.data.u64 = ev_data(h->sig, TAG_SIG, 0);
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->sig, &ev) < 0)
		return negative_errno();
	ev.data.u64 = ev_data(h->timer, TAG_TIMER, 0);
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->timer, &ev) < 0)
		return negative_errno();
	if (h->o->spare) {
		h->moved = holder_spare_watch();
		ev.data.u64 = ev_data(h->moved, TAG_MOVED, 0);
		if (h->moved < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->moved, &ev) < 0)
			return h->moved < 0 ? h->moved : negative_errno();
	}
	return 0;
}

static void ready_error(const char *step, int r)
{
	char line[HOLDER_MSG_MAX];
	int n = snprintf(line, sizeof(line), HOLDER_REPLY_ERROR " %s: %s\n", step, strerror(-r));

	if (n > 0)
		(void)!write(HOLDER_FD_READY, line,
			     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int holder_main(int argc, char **argv)
{
	HolderOpts o = { .tmp_ctx = -EBADF };
	Holder h = { .o = &o,
		     .ep = -EBADF,
		     .sig = -EBADF,
		     .timer = -EBADF,
		     .moved = -EBADF,
		     .proc = -EBADF,
		     .root = -EBADF };
	const char *step = "arguments";
	struct epoll_event evs[16];
	int r;

	for (unsigned i = 0; i < NS_COUNT; i++)
		h.ns_files[i] = -EBADF;
	/* No LOG_PID: ours is 1; the syslog daemon sees the real one. */
	openlog("paddock-holder", 0, LOG_AUTHPRIV);
	/* Our whole command line, "paddock" (argv[-1]: main passes argv + 1)
	 * to the end of the last word: the kernel shows it as it is in memory. */
	o.arg_start = argv[-1];
	o.arg_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[-1]);
	r = parse_opts(argc, argv, &o);
	if (r >= 0)
		r = setup(&h, &step);
	if (r >= 0) {
		step = "loop";
		r = loop_setup(&h);
	}
	if (r < 0) {
		ready_error(step, r);
		syslog(LOG_ERR, "uid %u: holder setup failed at %s: %s", (unsigned)o.p.uid, step,
		       strerror(-r));
		return 1;
	}
	/* EPIPE: the login (or maker) that started us died before our ready
	 * line (threat 18): we go, as after "stop", under the lock. */
	if (write(HOLDER_FD_READY, HOLDER_READY_OK, strlen(HOLDER_READY_OK)) < 0) {
		h.stop = true;
		h.reason = "its starter died before the ready line";
	}
	close(HOLDER_FD_READY);

	if (!o.spare)
		holder_sessions_zero(&h);
	for (;;) {
		if (reconsider(&h))
			return 0;
		int n = epoll_wait(h.ep, evs, ELEMENTSOF(evs), -1);

		for (int i = 0; i < n; i++)
			dispatch(&h, &evs[i]);
	}
}
