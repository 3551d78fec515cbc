/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root tier: the holder, holder_start() and ns_join() against the real kernel.
 *
 * Starts real holders (build/paddock holder) for throwaway uids 4242xx (no
 * account needed), joins them from forked children, and checks from a
 * grandchild (the first process to land in the paddock's PID namespace) what
 * a user would see; then checks that the paddock is torn down completely.
 *
 * Everything happens in a private mount namespace of this process with a
 * fresh tmpfs on STATE_DIR, so the host's /run/paddock is never touched; the
 * cgroup manager is "none" (cgroups have their own test).  Every process
 * started is killed by pid or pidfd at the end, also after a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../conf/macro.h"
#include "../../conf/policy.h"
#include "../../pam_module/holder-proto.h"
#include "../../pam_module/holder-spawn.h"
#include "../../pam_module/holder-ctl.h"
#include "../../pam_module/ns.h"
#include "../../pam_module/state.h"
#include "../unit/tap.h"

#define ALL_NS	    (POLICY_NS_MOUNT | POLICY_NS_PID | POLICY_NS_IPC | POLICY_NS_UTS | POLICY_NS_NET)
#define HOSTNAME    "pdkt-holder-test"
#define MAX_TRACKED 32

static int run_fd = -EBADF; /* the private STATE_DIR mount */
static int helper_fd = -EBADF;
static int holders[MAX_TRACKED]; /* pidfds of every holder started */
static size_t n_holders;
static pid_t children[MAX_TRACKED];
static size_t n_children;
static struct stat host_tmp, host_shm;
/* The user's lock as the module holds it: from holder_start() until the
 * first session is joined (else a linger-0 holder may end at once). */
static int held_lock = -EBADF;

/* ---- helpers ------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The names in uid's ns/ (below dir_fd, STATE_DIR), space-separated, into
 * buf; -1 when it cannot be read. */
static int records_dir(int dir_fd, uid_t uid, char *buf, size_t len)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int fd;

	snprintf(path, sizeof(path), "%u/ns", (unsigned)uid);
	fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !(dir = fdopendir(fd)))
		return -1;
	buf[0] = '\0';
	while ((d = readdir(dir)))
		if (!streq(d->d_name, ".") && !streq(d->d_name, ".."))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", *buf ? " " : "",
				 d->d_name);
	closedir(dir);
	return 0;
}

static bool mountinfo_has(const char *needle)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return true; /* fail safe: "still mounted" */
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static bool uid_dir_exists(uid_t uid)
{
	char name[16];
	struct stat st;

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return fstatat(run_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int track_holder(pid_t pid)
{
	int fd = pidfd_open(pid, 0);

	if (fd >= 0 && n_holders < MAX_TRACKED)
		holders[n_holders++] = fd;
	return fd;
}

/* Wait until the process behind pidfd has exited; returns ms waited or -1. */
static int64_t wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int64_t t0 = now_ms();

	if (pidfd < 0)
		return -1;
	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return now_ms() - t0;
}

static bool alive(int pidfd)
{
	return pidfd >= 0 && pidfd_send_signal(pidfd, 0, NULL, 0) == 0;
}

static void cleanup(void)
{
	for (size_t i = 0; i < n_children; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	for (size_t i = 0; i < n_holders; i++) {
		if (alive(holders[i])) {
			pidfd_send_signal(holders[i], SIGKILL, NULL, 0);
			wait_exit(holders[i], 2000);
		}
		close(holders[i]);
	}
	n_holders = 0;
	for (uid_t uid = 424200; uid < 424210; uid++)
		if (run_fd >= 0)
			state_remove_user(run_fd, uid);
}

static void params_default(HolderParams *p, uid_t uid)
{
	*p = (HolderParams){
		.uid = uid,
		.user = "pdkt-holder",
		.hostname = HOSTNAME,
		.namespaces = ALL_NS,
		.tmp_size = 16 << 20,
		.private_tmp = true,
		.private_ipc = true,
		.loopback = true,
		.kill_on_logout = true,
		.linger = 0,
		.cgroup_manager = "none",
		.cgroup_parent = "/paddock.slice",
	};
}

/* Start a holder as the module does: under the user's lock, which stays
 * held (held_lock) until the next session_open() has joined. */
static int start(const HolderParams *p, HolderStarted *hs, int64_t *ms)
{
	int64_t t0;
	int r;

	r = state_lock_user(run_fd, p->uid, &held_lock);
	if (r < 0)
		return r;
	t0 = now_ms();
	r = holder_start(run_fd, helper_fd, p, hs);
	if (ms)
		*ms = now_ms() - t0;
	if (r >= 0)
		track_holder(hs->pid);
	else
		held_lock = safe_close(held_lock);
	return r;
}

/* ---- a session: a child that joins, and its grandchild inside ----------- */

typedef struct Report {
	int join_rc;
	int64_t join_ms;
	NsInodes inodes;
	bool session_cloexec;
	/* from the grandchild, as root */
	pid_t pid;
	int nprocs;
	bool pid1_is_holder;
	char hostname[65];
	int n_ifaces;
	bool lo_up;
	bool tmp_tmpfs, tmp_private, var_tmp_private, shm_private;
	bool tmp_shared, tmp_bounded, tmp_root_hidden, tmp_flags_ok, shm_host, tmp_host;
	bool cgroup_ro_visible;
	bool no_state_visible;
	uint64_t ino_seen[NS_COUNT];
	/* as the user */
	int kill1_errno, environ_errno, ptrace_errno, tmp_write_errno;
} Report;

typedef struct Session {
	pid_t child;
	int report_fd; /* read the Report */
	Report rep;
} Session;

static int count_proc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static bool pid1_is_holder(void)
{
	char buf[512];
	int fd = open("/proc/1/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, "paddock holder --uid") != NULL;
}

static void net_view(Report *r)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	struct ifreq ifr = { 0 };
	int fd;

	r->n_ifaces = -1;
	if (d) {
		r->n_ifaces = 0;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				r->n_ifaces++;
		closedir(d);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, "lo");
	r->lo_up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	if (fd >= 0)
		close(fd);
}

static bool private_tmpfs(const char *path, const struct stat *host)
{
	struct stat st;
	struct statfs sf;

	return stat(path, &st) == 0 && statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC &&
	       st.st_dev != host->st_dev && (st.st_mode & 07777) == 01777;
}

/* "MAJ:MIN" and root of the mount on mount point path, from our mountinfo. */
static bool mount_of(const char *path, char dev[static 32], char root[static 256])
{
	char line[4096], d[32], r[256], mp[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	/* The last one wins: it is the one on top. */
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %31s %255s %255s", d, r, mp) == 3 && streq(mp, path)) {
			snprintf(dev, 32, "%s", d);
			snprintf(root, 256, "%s", r);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/* Is the root directory of the file system dev mounted anywhere we see? */
static bool fs_root_mounted(const char *dev)
{
	char line[4096], d[32], r[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return true; /* fail safe */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %31s %255s", d, r) == 2 && streq(d, dev) &&
			streq(r, "/");
	fclose(f);
	return found;
}

/* /tmp, /var/tmp and /dev/shm: directories of one tmpfs of tmp_size (16M),
 * whose root is mounted nowhere, with the mount flags of each. */
static void tmp_view(Report *r)
{
	const char *const paths[] = { "/tmp", "/var/tmp", "/dev/shm" };
	char dev[3][32], root[3][256];
	struct statvfs sv[3];
	struct stat st;
	bool all = true;

	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		all = all && mount_of(paths[i], dev[i], root[i]) && statvfs(paths[i], &sv[i]) == 0;
	r->tmp_shared = all && streq(dev[0], dev[1]) && streq(dev[0], dev[2]) &&
			!streq(root[0], root[1]) && !streq(root[0], root[2]) &&
			!streq(root[1], root[2]);
	r->tmp_bounded = all && (uint64_t)sv[0].f_blocks * sv[0].f_frsize == 16 << 20;
	r->tmp_root_hidden = all && !streq(root[0], "/") && !fs_root_mounted(dev[0]);
	r->tmp_flags_ok = all;
	for (size_t i = 0; all && i < ELEMENTSOF(paths); i++) {
		unsigned long want = ST_NOSUID | ST_NODEV | (i == 2 ? ST_NOEXEC : 0);

		r->tmp_flags_ok = r->tmp_flags_ok &&
				  (sv[i].f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == want;
	}
	r->tmp_host = stat("/tmp", &st) == 0 && st.st_dev == host_tmp.st_dev &&
		      st.st_ino == host_tmp.st_ino;
	r->shm_host = stat("/dev/shm", &st) == 0 && st.st_dev == host_shm.st_dev &&
		      st.st_ino == host_shm.st_ino;
}

/* The grandchild: the first process in the paddock's PID namespace. */
static void inside(Report *r, uid_t uid)
{
	struct utsname u;
	struct statvfs sv;
	struct stat st;
	char path[64];
	DIR *d;

	r->pid = getpid();
	r->nprocs = count_proc();
	r->pid1_is_holder = pid1_is_holder();
	if (uname(&u) == 0)
		snprintf(r->hostname, sizeof(r->hostname), "%s", u.nodename);
	net_view(r);
	r->tmp_tmpfs = private_tmpfs("/tmp", &host_tmp);
	r->tmp_private = r->tmp_tmpfs && stat("/tmp", &st) == 0;
	r->var_tmp_private = private_tmpfs("/var/tmp", &host_tmp);
	r->shm_private = private_tmpfs("/dev/shm", &host_shm);
	tmp_view(r);
	d = opendir("/sys/fs/cgroup");
	r->cgroup_ro_visible =
		d && readdir(d) && statvfs("/sys/fs/cgroup", &sv) == 0 && (sv.f_flag & ST_RDONLY);
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%s/%u", STATE_DIR, (unsigned)uid);
	r->no_state_visible = stat(path, &st) < 0 && errno == ENOENT;
	for (unsigned i = 0; i < NS_COUNT; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_name(i));
		r->ino_seen[i] = stat(path, &st) == 0 ? st.st_ino : 0;
	}

	/* Now as the user: the holder must be out of reach (threat 5). */
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0) {
		r->kill1_errno = r->environ_errno = r->ptrace_errno = -1;
		return;
	}
	r->kill1_errno = kill(1, SIGTERM) < 0 ? errno : 0;
	int fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
	r->environ_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	r->ptrace_errno = ptrace(PTRACE_ATTACH, 1, NULL, NULL) < 0 ? errno : 0;
	fd = open("/tmp/pdkt-probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	r->tmp_write_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Fork a session: the child joins uid's paddock (as the module would) and
 * keeps the session fd until it is killed; its grandchild reports
 * what it sees and exits; with linger_bg it first forks a user process
 * that stays behind (an orphan of the paddock: reparented to the holder).
 */
static int session_open(Session *s, uid_t uid, unsigned mask, bool linger_bg)
{
	int rep[2];
	pid_t pid;

	memset(s, 0, sizeof(*s));
	if (pipe2(rep, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		Report r = { 0 };
		int sfd = -1, lock = -1;
		int64_t t0;

		close(rep[0]);
		t0 = now_ms();
		/* Take over the start's lock (an inherited fd of it) or take
		 * it, and drop it once joined, as the module does. */
		lock = held_lock;
		if (lock < 0)
			r.join_rc = state_lock_user(run_fd, uid, &lock);
		if (r.join_rc >= 0)
			r.join_rc = ns_join(run_fd, uid, mask, &sfd, &r.inodes);
		r.join_ms = now_ms() - t0;
		if (lock >= 0)
			close(lock); /* the module unlocks once joined */
		if (r.join_rc < 0) {
			(void)!write(rep[1], &r, sizeof(r));
			_exit(0);
		}
		r.session_cloexec = (fcntl(sfd, F_GETFD) & FD_CLOEXEC) != 0;
		pid_t gc = fork();
		if (gc == 0) {
			inside(&r, uid);
			if (linger_bg && fork() == 0) {
				close(rep[1]);
				close(sfd);
				for (;;)
					pause();
			}
			(void)!write(rep[1], &r, sizeof(r));
			_exit(0);
		}
		close(rep[1]);
		/* Reap like sshd does: a PID namespace ends only once every
		 * process of it was reaped, also by parents outside it. */
		for (;;)
			if (wait(NULL) < 0 && errno == ECHILD)
				pause();
	}
	if (n_children < MAX_TRACKED)
		children[n_children++] = pid;
	close(rep[1]);
	held_lock = safe_close(held_lock);
	s->child = pid;
	s->report_fd = rep[0];

	struct pollfd p = { .fd = rep[0], .events = POLLIN };
	if (poll(&p, 1, 10000) != 1 || read(rep[0], &s->rep, sizeof(s->rep)) != sizeof(s->rep))
		return -ETIMEDOUT;
	return s->rep.join_rc;
}

/* End the session the way a dying sshd does: the process goes, and with
 * it the session fd. */
static void session_close(Session *s)
{
	if (s->report_fd > 0)
		close(s->report_fd);
	if (s->child > 0) {
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
		for (size_t i = 0; i < n_children; i++)
			if (children[i] == s->child)
				children[i] = 0;
	}
	s->child = 0;
	s->report_fd = -1;
}

static bool torn_down(uid_t uid)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "%s/%u/", STATE_DIR, (unsigned)uid);
	return !mountinfo_has(needle) && !uid_dir_exists(uid);
}

/* ---- the tests ---------------------------------------------------------- */

/* A plain directory becomes a private mount of its own, once. */
static void test_make_private(void)
{
	_cleanup_(closep) int dir = -EBADF, fd1 = -EBADF, fd2 = -EBADF;
	char probe[] = STATE_DIR "/probe.XXXXXX";
	HolderParams p;
	int r1, r2;

	if (!mkdtemp(probe)) {
		tap_ok(0, "make_private: mkdtemp: %s", strerror(errno));
		return;
	}
	dir = open(probe, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r1 = state_make_private(dir, &fd1);
	r2 = fd1 >= 0 ? state_make_private(fd1, &fd2) : -EBADF;
	tap_ok(r1 == 0 && r2 == 0,
	       "make_private: bind-mounts a plain directory, idempotent (%d %d)", r1, r2);
	params_default(&p, 424209);
	tap_ok(holder_start(dir, helper_fd, &p, NULL) == -EINVAL,
	       "holder_start: refuses a STATE_DIR fd that is not the mount root");
	int count = 0;
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f))
		count += strstr(line, probe) != NULL;
	if (f)
		fclose(f);
	tap_ok(count == 1, "make_private: exactly one mount, private (%d)", count);
	umount2(probe, MNT_DETACH);
	rmdir(probe);
}

static void test_full_cycle(void)
{
	const uid_t uid = 424201;
	HolderParams p;
	HolderStarted hs = { 0 };
	Session a, b;
	NsInodes rec;
	char reply[HOLDER_MSG_MAX];
	int64_t ms;
	int r, pidfd;

	params_default(&p, uid);
	r = start(&p, &hs, &ms);
	tap_ok(r == 0 && hs.pid > 0, "start: holder_start = %d (%s), pid %d, %lld ms", r, hs.error,
	       (int)hs.pid, (long long)ms);
	if (r < 0)
		return;
	pidfd = track_holder(hs.pid);
	tap_ok(ns_read_inodes(run_fd, uid, ALL_NS, &rec) == 0 && rec.ino[0] && rec.ino[4],
	       "start: all five namespaces recorded");
	tap_ok(!mountinfo_has(STATE_DIR "/424201"),
	       "start: nothing mounted below %s/%u (records, not pins)", STATE_DIR, (unsigned)uid);

	r = session_open(&a, uid, ALL_NS, false);
	tap_ok(r == 0, "join: ns_join = %d in %lld ms", r, (long long)a.rep.join_ms);
	if (r < 0) {
		session_close(&a);
		return;
	}
	tap_ok(a.rep.session_cloexec, "join: the session fd is O_CLOEXEC (threat 4)");
	tap_ok(memcmp(&a.rep.inodes, &rec, sizeof(rec)) == 0, "join: reports the recorded inodes");
	bool same = true;
	for (unsigned i = 0; i < NS_COUNT; i++)
		same = same && a.rep.ino_seen[i] == rec.ino[i];
	tap_ok(same, "inside: /proc/self/ns/* are the recorded namespaces");
	tap_ok(a.rep.pid > 1 && a.rep.pid < 10, "inside: a small pid in the paddock (%d)",
	       a.rep.pid);
	tap_ok(a.rep.pid1_is_holder, "inside: PID 1 is paddock holder");
	tap_ok(a.rep.nprocs == 2, "inside: /proc shows the holder and us only (%d)", a.rep.nprocs);
	tap_ok(streq(a.rep.hostname, HOSTNAME), "inside: hostname %s", a.rep.hostname);
	tap_ok(a.rep.n_ifaces == 1 && a.rep.lo_up, "inside: only lo, and it is up (%d)",
	       a.rep.n_ifaces);
	tap_ok(a.rep.tmp_private && a.rep.var_tmp_private,
	       "inside: /tmp and /var/tmp are private tmpfs, 1777");
	tap_ok(a.rep.shm_private, "inside: /dev/shm is a private tmpfs");
	tap_ok(a.rep.tmp_shared,
	       "inside: /tmp, /var/tmp and /dev/shm are three directories of one tmpfs");
	tap_ok(a.rep.tmp_bounded, "inside: ... of tmp_size (16M) in all");
	tap_ok(a.rep.tmp_root_hidden, "inside: ... whose root is mounted nowhere");
	tap_ok(a.rep.tmp_flags_ok, "inside: ... nosuid,nodev, and /dev/shm noexec");
	tap_ok(a.rep.cgroup_ro_visible, "inside: /sys/fs/cgroup visible, read-only");
	tap_ok(a.rep.no_state_visible, "inside: %s/%u is not visible (state dir detached)",
	       STATE_DIR, (unsigned)uid);
	tap_ok(a.rep.kill1_errno == EPERM, "as the user: kill(1) fails EPERM (%d)",
	       a.rep.kill1_errno);
	tap_ok(a.rep.environ_errno == EACCES, "as the user: /proc/1/environ unreadable (%d)",
	       a.rep.environ_errno);
	tap_ok(a.rep.ptrace_errno == EPERM, "as the user: ptrace(1) fails EPERM (%d)",
	       a.rep.ptrace_errno);
	tap_ok(a.rep.tmp_write_errno == 0, "as the user: /tmp is writable");

	r = session_open(&b, uid, ALL_NS, false);
	tap_ok(r == 0 && memcmp(&b.rep.inodes, &a.rep.inodes, sizeof(NsInodes)) == 0,
	       "second join: same namespaces (%d)", r);
	/* The grandchildren may still be exiting: ask until they are gone. */
	for (int i = 0; i < 50; i++) {
		r = holder_ctl_request(run_fd, uid, "status", reply, sizeof(reply));
		if (r <= 0 || streq(reply, "sessions 2 processes 0"))
			break;
		sleep_ms(20);
	}
	tap_ok(r > 0 && streq(reply, "sessions 2 processes 0"), "status: '%s'", r > 0 ? reply : "");

	/* ns/all is the one record: without it the paddock is not joined. */
	{
		char names[256];
		NsInodes none;
		Session c = { 0 };

		tap_ok(records_dir(run_fd, uid, names, sizeof(names)) == 0 && streq(names, "all"),
		       "records: ns/ holds ns/all only ('%s')", names);
		snprintf(names, sizeof(names), "%u/ns/all", (unsigned)uid);
		tap_ok(unlinkat(run_fd, names, 0) == 0 &&
			       ns_read_inodes(run_fd, uid, ALL_NS, &none) == -ENOENT,
		       "records: ns/all removed: read as missing (-ENOENT)");
		r = session_open(&c, uid, ALL_NS, false);
		tap_ok(r == -EUCLEAN,
		       "records: ... and such a paddock is not joined: not whole (%d)", r);
		session_close(&c);
	}

	session_close(&a);
	sleep_ms(100);
	tap_ok(alive(pidfd), "one session closed: the holder lives on");
	int64_t t0 = now_ms();
	session_close(&b);
	int64_t waited = wait_exit(pidfd, 5000);
	tap_ok(waited >= 0, "last session closed (linger 0): holder exited after %lld ms",
	       (long long)(now_ms() - t0));
	tap_ok(torn_down(uid), "teardown: nothing mounted, no %s/%u", STATE_DIR, (unsigned)uid);
	r = ns_join(run_fd, uid, ALL_NS, &(int){ -1 }, NULL);
	tap_ok(r == -ESTALE, "teardown: ns_join now says -ESTALE (%d)", r);
}

/* The first child of parent found in /proc (host view), or 0. */
static pid_t child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[300], buf[512], *p;
		int fd, ppid;
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == parent)
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* kill_on_logout = no: a process left behind keeps the paddock; once it is
 * gone the holder tears down by itself. */
static void test_no_kill(void)
{
	const uid_t uid = 424202;
	HolderParams p;
	HolderStarted hs = { 0 };
	Session s;
	char reply[HOLDER_MSG_MAX];
	int r, pidfd;

	params_default(&p, uid);
	p.kill_on_logout = false;
	r = start(&p, &hs, NULL);
	tap_ok(r == 0, "no-kill: started (%d)", r);
	if (r < 0)
		return;
	pidfd = track_holder(hs.pid);
	r = session_open(&s, uid, ALL_NS, true);
	tap_ok(r == 0, "no-kill: joined, left a background process (pid %d inside)", s.rep.pid);
	session_close(&s);
	sleep_ms(1500);
	r = holder_ctl_request(run_fd, uid, "status", reply, sizeof(reply));
	tap_ok(alive(pidfd) && r > 0 && streq(reply, "sessions 0 processes 1"),
	       "no-kill: no session, the holder waits for its last process ('%s')",
	       r > 0 ? reply : "");
	/* Kill the background process from outside, as an admin would. */
	pid_t bg = child_of(hs.pid);
	tap_ok(bg > 0 && kill(bg, SIGKILL) == 0,
	       "no-kill: the orphan was reparented to the holder");
	int64_t waited = wait_exit(pidfd, 4000);
	tap_ok(waited >= 0 && torn_down(uid), "no-kill: alone now, torn down after %lld ms",
	       (long long)waited);
}

/* "stop" with a live session kills everything; linger keeps an idle one. */
static void test_stop_and_linger(void)
{
	const uid_t uid = 424203;
	HolderParams p;
	HolderStarted hs = { 0 };
	Session s;
	char reply[HOLDER_MSG_MAX];
	int r, pidfd;

	params_default(&p, uid);
	p.linger = 1;
	r = start(&p, &hs, NULL);
	tap_ok(r == 0, "linger: started (%d)", r);
	if (r < 0)
		return;
	pidfd = track_holder(hs.pid);
	r = session_open(&s, uid, ALL_NS, false);
	session_close(&s);
	sleep_ms(400);
	tap_ok(r == 0 && alive(pidfd), "linger 1: still there 0.4 s after the last session");
	r = session_open(&s, uid, ALL_NS, true);
	tap_ok(r == 0, "linger: a new session joins the lingering paddock");
	sleep_ms(1200);
	tap_ok(alive(pidfd), "linger: the new session cancelled the teardown");
	r = holder_ctl_request(run_fd, uid, "stop", reply, sizeof(reply));
	tap_ok(r > 0 && streq(reply, "ok"), "stop: answered '%s'", r > 0 ? reply : "");
	int64_t waited = wait_exit(pidfd, 5000);
	tap_ok(waited >= 0 && torn_down(uid), "stop: torn down with a session open, %lld ms",
	       (long long)waited);
	session_close(&s);
}

/* private_tmp and private_ipc are separate keys: each alone gets its own
 * mount points of the tmpfs, the others stay the host's. */
static void test_tmp_ipc_apart(void)
{
	const uid_t uid = 424205;
	HolderParams p;
	HolderStarted hs = { 0 };
	Session s;
	int r, pidfd;

	for (int ipc_only = 0; ipc_only <= 1; ipc_only++) {
		const char *what = ipc_only ? "private_ipc only" : "private_tmp only";

		params_default(&p, uid);
		p.private_tmp = !ipc_only;
		p.private_ipc = ipc_only;
		r = start(&p, &hs, NULL);
		tap_ok(r == 0, "%s: started (%d, '%s')", what, r, hs.error);
		if (r < 0)
			return;
		pidfd = track_holder(hs.pid);
		r = session_open(&s, uid, ALL_NS, false);
		tap_ok(r == 0, "%s: joined (%d)", what, r);
		if (ipc_only)
			tap_ok(s.rep.shm_private && s.rep.tmp_host && !s.rep.var_tmp_private,
			       "%s: /dev/shm private, /tmp and /var/tmp the host's", what);
		else
			tap_ok(s.rep.tmp_private && s.rep.var_tmp_private && s.rep.shm_host,
			       "%s: /tmp and /var/tmp private, /dev/shm the host's", what);
		session_close(&s);
		tap_ok(wait_exit(pidfd, 5000) >= 0 && torn_down(uid), "%s: torn down", what);
	}
}

/* Threat 13: a failing holder leaves nothing; a dead one is collected. */
static void test_failures(void)
{
	const uid_t uid = 424204;
	HolderParams p;
	HolderStarted hs = { 0 };
	Session s;
	int r, pidfd;

	params_default(&p, uid);
	p.hostname = "bad_name";
	r = start(&p, &hs, NULL);
	tap_ok(r == -EIO && strstr(hs.error, "error arguments"),
	       "failure: holder error reported (%d, '%s')", r, hs.error);
	tap_ok(torn_down(uid), "failure: nothing of %s/%u left", STATE_DIR, (unsigned)uid);

	params_default(&p, uid);
	p.namespaces = POLICY_NS_MOUNT | POLICY_NS_PID | POLICY_NS_NET;
	p.linger = 60; /* the refused join's session must not end it */
	r = start(&p, &hs, NULL);
	tap_ok(r == 0, "partial mask: started without ipc/uts (%d)", r);
	if (r < 0)
		return;
	pidfd = track_holder(hs.pid);
	r = session_open(&s, uid, ALL_NS, false);
	tap_ok(r == -ENOENT, "join: a namespace that is not recorded is refused (%d)", r);
	session_close(&s);

	/* Threat 1: a record that names another namespace (here our own net
	 * namespace) is never joined, however the record came to say it. */
	{
		char buf[256], fake[256];
		struct stat self_net;
		int fd = openat(run_fd, "424204/ns/all", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
		char *net = n > 0 ? (buf[n] = '\0', strstr(buf, "net ")) : NULL;

		if (net && stat("/proc/self/ns/net", &self_net) == 0) {
			/* The same file, its net line naming our own namespace. */
			int k = snprintf(fake, sizeof(fake), "%.*snet %llu\n", (int)(net - buf),
					 buf, (unsigned long long)self_net.st_ino);
			const char *rest = strchr(net, '\n');

			if (rest)
				k += snprintf(fake + k, sizeof(fake) - (size_t)k, "%s", rest + 1);
			(void)!ftruncate(fd, 0);
			(void)!pwrite(fd, fake, (size_t)k, 0);
			r = session_open(&s, uid, p.namespaces, false);
			tap_ok(r == -EUCLEAN,
			       "join: a record naming another namespace is refused, the "
			       "paddock not whole (%d)",
			       r);
			session_close(&s);
			(void)!ftruncate(fd, 0);
			(void)!pwrite(fd, buf, (size_t)n, 0);
			r = session_open(&s, uid, p.namespaces, false);
			tap_ok(r == 0, "join: with the record restored it works again (%d)", r);
			session_close(&s);
		} else
			tap_ok(false, "join: the net record of %u could be read (%d)",
			       (unsigned)uid, errno);
		if (fd >= 0)
			close(fd);
	}

	/* A holder that died without teardown leaves stale state behind. */
	pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	wait_exit(pidfd, 2000);
	tap_ok(uid_dir_exists(uid), "stale: SIGKILLed holder left %s/%u", STATE_DIR, (unsigned)uid);
	r = session_open(&s, uid, p.namespaces, false);
	tap_ok(r == -ESTALE, "stale: ns_join says -ESTALE (%d)", r);
	session_close(&s);
	params_default(&p, uid);
	r = start(&p, &hs, NULL);
	tap_ok(r == 0, "stale: holder_start collects it and starts anew (%d)", r);
	if (r < 0)
		return;
	pidfd = track_holder(hs.pid);
	r = session_open(&s, uid, ALL_NS, false);
	tap_ok(r == 0, "stale: the new paddock joins (%d)", r);
	session_close(&s);
	tap_ok(wait_exit(pidfd, 5000) >= 0 && torn_down(uid), "stale: and tears down");
}

/* A private mount namespace with a fresh tmpfs on STATE_DIR. */
static int nest(void)
{
	struct stat st;

	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	/* Creating STATE_DIR on the host's /run would be a trace: cover /run. */
	if (stat(STATE_DIR, &st) < 0 &&
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return -errno;
	if (mkdir(STATE_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mount("tmpfs", STATE_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	if (stat("/tmp", &host_tmp) < 0 || stat("/dev/shm", &host_shm) < 0)
		return -errno;
	return 0;
}

static int open_helper(void)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/../../paddock", self);
	helper_fd = open(path, O_PATH | O_CLOEXEC);
	return helper_fd < 0 ? -errno : 0;
}

int main(void)
{
	_cleanup_(closep) int raw = -EBADF;
	int r;

	if (geteuid() != 0) {
		tap_skip("holder test needs root");
		return tap_done();
	}
	r = nest();
	tap_ok(r == 0, "setup: private mount namespace, tmpfs on %s (%s)", STATE_DIR,
	       r < 0 ? strerror(-r) : "ok");
	if (r < 0)
		return tap_done();
	r = open_helper();
	tap_ok(r == 0, "setup: build/paddock found (%s)", r < 0 ? strerror(-r) : "ok");
	if (r < 0)
		return tap_done();
	r = state_open_run_dir(&raw);
	if (r == 0)
		r = state_make_private(raw, &run_fd);
	tap_ok(r == 0, "setup: STATE_DIR opened and private (%d)", r);
	if (r < 0)
		return tap_done();

	test_make_private();
	test_full_cycle();
	test_no_kill();
	test_stop_and_linger();
	test_tmp_ipc_apart();
	test_failures();

	cleanup();
	tap_ok(!mountinfo_has(STATE_DIR "/4242"), "cleanup: nothing left mounted");
	return tap_done();
}
