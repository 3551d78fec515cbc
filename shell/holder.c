/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder: PID 1 of a user's paddock.  It finishes the paddock's mount
 * setup inside the new namespaces, reaps orphans, counts the live sessions
 * (one control connection each), and tears the paddock down when the last
 * session is gone and the linger time has passed.  Small and allocation-free
 * on purpose: it runs on every first login and lives as long as the user.
 */
#include "holder.h"
#include "holder-spare.h"

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

#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "../pam_module/cgroup.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/holder-start.h"
#include "../pam_module/spare.h"

#define LOCK_RETRY_MS  50
#define ALONE_POLL_MS  1000
#define KILL_WAIT_MS   2000
#define CGROUP_BUSY_MS 2000

typedef enum Phase {
	PHASE_RUN,     /* sessions > 0 */
	PHASE_LINGER,  /* no session; the linger timer runs */
	PHASE_EXPIRED, /* no session for the linger time: tear down when we may */
} Phase;

#define HOLDER_NS_FILES 5 /* mnt pid ipc uts net: the POLICY_NS_* bits */
_Static_assert(POLICY_NS_MOUNT == 1u << 0 && POLICY_NS_PID == 1u << 1 && POLICY_NS_IPC == 1u << 2 &&
		       POLICY_NS_UTS == 1u << 3 && POLICY_NS_NET == 1u << 4,
	       "keep_ns_files() names the POLICY_NS_* bits in order");

typedef struct Holder {
	HolderOpts *o;
	int ep, sig, timer, proc, root;
	int ns_files[HOLDER_NS_FILES]; /* keep_ns_files(); -EBADF: not ours */
	unsigned sessions;
	Phase phase;
	bool stop;
	const char *reason;
} Holder;

/* epoll data: fd in the low 32 bits, then the kind and connection flags. */
enum {
	TAG_CTL = 1,
	TAG_SIG,
	TAG_TIMER,
	TAG_CONN,
};
#define CONN_DONE    (UINT64_C(1) << 40) /* its one datagram was acted on */
#define CONN_SESSION (UINT64_C(1) << 41) /* counted as a live session */

static uint64_t ev_data(int fd, unsigned tag, uint64_t flags)
{
	return (uint64_t)(uint32_t)fd | (uint64_t)tag << 32 | flags;
}

/* ---- options ---------------------------------------------------------- */

static int parse_bool01(const char *s, bool *ret)
{
	if (streq(s, "0") || streq(s, "1")) {
		*ret = s[0] == '1';
		return 0;
	}
	return -EINVAL;
}

static int parse_u64_max(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	int r = units_parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static int pick_manager(const char *name, const CgroupManager **ret)
{
	if (streq(name, "none")) {
		*ret = NULL;
		return 0;
	}
	*ret = cg_manager_by_name(name);
	return *ret ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, HolderOpts *o)
{
	static const char *const names[] = {
		"--uid",
		"--user",
		"--hostname",
		"--ns",
		"--tmp-size",
		"--private-tmp",
		"--private-ipc",
		"--loopback",
		"--kill-on-logout",
		"--linger",
		"--cgroup-manager",
		"--cgroup-parent",
		"--spare",
		"--pad",
	};
	/* A user's holder has the first 12, a spare the shape, --spare and --pad. */
	const unsigned user_set = (1u << 12) - 1, spare_set = 1u << 3 | 1u << 4 | 1u << 5 |
							      1u << 6 | 1u << 7 | 1u << 10 |
							      1u << 11 | 1u << 12 | 1u << 13;
	unsigned seen = 0;
	uint64_t v = 0;
	int r;

	if (argc % 2 != 1)
		return -EINVAL;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *a = argv[i + 1];
		size_t idx;

		for (idx = 0; idx < ELEMENTSOF(names); idx++)
			if (streq(k, names[idx]))
				break;
		if (idx == ELEMENTSOF(names) || (seen & (1u << idx)))
			return -EINVAL;
		seen |= 1u << idx;
		switch (idx) {
		case 0:
			r = parse_u64_max(a, UINT32_MAX - 1, &v);
			o->uid = (uid_t)v;
			break;
		case 1:
			o->user = a;
			r = *a ? 0 : -EINVAL;
			break;
		case 2:
			o->hostname = a;
			r = valid_hostname(a) ? 0 : -EINVAL;
			break;
		case 3:
			r = parse_u64_max(a, (1u << 5) - 1, &v);
			o->ns = (unsigned)v;
			break;
		case 4:
			r = parse_u64_max(a, UINT64_MAX - 1, &o->tmp_size);
			break;
		case 5:
			r = parse_bool01(a, &o->private_tmp);
			break;
		case 6:
			r = parse_bool01(a, &o->private_ipc);
			break;
		case 7:
			r = parse_bool01(a, &o->loopback);
			break;
		case 8:
			r = parse_bool01(a, &o->kill_on_logout);
			break;
		case 9:
			/* A timerfd takes seconds as time_t; a year is plenty. */
			r = parse_u64_max(a, 366u * 24 * 3600, &o->linger);
			break;
		case 10:
			r = pick_manager(a, &o->cgm);
			break;
		case 11:
			o->cgroup_parent = a;
			r = *a == '/' ? 0 : -EINVAL;
			break;
		case 12:
			o->spare = a;
			r = *a && !strchr(a, '/') && a[0] != '.' ? 0 : -EINVAL;
			break;
		default:
			/* room for the claim's command line (holder-proto.h) */
			r = strlen(a) == HOLDER_SPARE_PAD && strspn(a, " ") == HOLDER_SPARE_PAD
				    ? 0
				    : -EINVAL;
			break;
		}
		if (r < 0)
			return r;
	}
	if (seen != (o->spare ? spare_set : user_set))
		return -EINVAL;
	if (o->spare)
		o->uid = (uid_t)-1;
	/* The combinations holder-proto.h forbids. */
	if (!(o->ns & POLICY_NS_MOUNT) || !(o->ns & POLICY_NS_PID) || o->tmp_size == 0 ||
	    (o->loopback && !(o->ns & POLICY_NS_NET)))
		return -EINVAL;
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
	if (ioctl(HOLDER_FD_HOST_MNT, NS_GET_NSTYPE) != CLONE_NEWNS)
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

/* Our root: the anchor every mount target is opened beneath. */
static int open_root(void)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? negative_errno() : fd;
}

static int make_rslave(void)
{
	return mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ? negative_errno() : 0;
}

/* A new superblock of fstype, mounted on root/path (no symlinks followed). */
static int mount_fresh(int root, const char *path, const char *fstype, unsigned attrs)
{
	_cleanup_(closep) int fs = -EBADF, mnt = -EBADF, target = -EBADF;

	target = holder_state_open(root, path, O_PATH | O_DIRECTORY);
	if (target < 0)
		return target;
	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return negative_errno();
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return negative_errno();
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* Detach the host's view mounted at a top-level directory of our copy of
 * the host's mount tree (nothing of it needs to stay reachable). */
static int detach_top(const char *path)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return negative_errno();
	return 0;
}

static int mount_proc(int root)
{
	int r = detach_top("/proc");

	if (r < 0)
		return r;
	return mount_fresh(root, "proc", "proc",
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* Our copy of the private STATE_DIR mount shows every paddock's control
 * socket and records: detaching it leaves no state visible in ours, not
 * even to root (threat 1). */
static int detach_state_dir(int root)
{
	_cleanup_(closep) int fd = -EBADF;
	char path[64];

	fd = holder_state_open(root, STATE_DIR + 1, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (umount2(path, MNT_DETACH) < 0)
		return negative_errno();
	return 0;
}

/* A sysfs of our network namespace, with the host's cgroup tree (read-only)
 * kept at /sys/fs/cgroup for the user's tools. */
static int mount_sys(int root)
{
	_cleanup_(closep) int cg = -EBADF, cg_dir = -EBADF, target = -EBADF;
	struct mount_attr ro = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC,
	};
	struct statx sx;
	int r;

	cg_dir = holder_state_open(root, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	if (cg_dir >= 0 && statx(cg_dir, "", AT_EMPTY_PATH, STATX_TYPE, &sx) == 0 &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		cg = open_tree(cg_dir, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
		if (cg < 0)
			return negative_errno();
		if (mount_setattr(cg, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0 &&
		    errno != ENOSYS)
			return negative_errno();
	}
	cg_dir = safe_close(cg_dir);

	r = detach_top("/sys");
	if (r < 0)
		return r;
	r = mount_fresh(root, "sys", "sysfs",
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (r < 0 || cg < 0)
		return r;
	target = holder_state_open(root, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	if (target < 0)
		return target;
	if (move_mount(cg, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* One directory of the shared tmpfs and the mount point it is bound on. */
typedef struct TmpBind {
	const char *dir, *target;
	bool noexec, wanted;
	int target_fd, clone_fd;
} TmpBind;

#define TMP_BINDS 3

static void tmp_binds_close(TmpBind (*b)[TMP_BINDS])
{
	for (size_t i = 0; i < TMP_BINDS; i++) {
		(*b)[i].target_fd = safe_close((*b)[i].target_fd);
		(*b)[i].clone_fd = safe_close((*b)[i].clone_fd);
	}
}

/* Clone dir of the backing tmpfs into a detached mount of its own. */
static int tmp_clone(int backing, const char *dir)
{
	int fd = open_tree(backing, dir,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW |
				   AT_NO_AUTOMOUNT);

	return fd < 0 ? negative_errno() : fd;
}

/* Before Linux 6.15 open_tree() cannot clone a detached mount (EINVAL):
 * attach the backing tmpfs on target for as long as the clones take.  No
 * process of the user exists yet (the namespaces are pinned only once we
 * are ready), so nobody can see its root meanwhile. */
static int tmp_attach_backing(int backing, int target)
{
	if (move_mount(backing, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return negative_errno();
	return 0;
}

static int tmp_detach_backing(int backing)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", backing);
	return umount2(path, MNT_DETACH) < 0 ? negative_errno() : 0;
}

/*
 * The private /tmp, /var/tmp and /dev/shm: directories of ONE tmpfs of
 * tmp_size, each bound on its mount point, instead of a tmpfs each.  Every
 * superblock has a memcg-aware shrinker, and every memory cgroup keeps
 * state for every shrinker id up to the most ever alive (about 1 KiB per
 * 64 ids, per cgroup and NUMA node): each superblock of a user makes every
 * user's cgroup bigger (issue 7).  The tmpfs root (0700, the three
 * directories side by side) is never attached where a user could reach
 * it: only the binds of its subdirectories are, and rename or link across
 * them fails with EXDEV (different mounts).
 */
static int mount_private_tmp(int root, HolderOpts *o)
{
	_cleanup_(tmp_binds_close) TmpBind binds[TMP_BINDS] = {
		{ "tmp", "tmp", false, o->private_tmp, -EBADF, -EBADF },
		{ "var-tmp", "var/tmp", false, o->private_tmp, -EBADF, -EBADF },
		{ "shm", "dev/shm", true, o->private_ipc, -EBADF, -EBADF },
	};
	_cleanup_(closep) int fs = -EBADF, backing = -EBADF;
	struct mount_attr noexec = { .attr_set = MOUNT_ATTR_NOEXEC };
	bool attached = false;
	char size[24];
	int r;

	snprintf(size, sizeof(size), "%" PRIu64, o->tmp_size);
	/* Every mount point first: nothing is created if one is missing. */
	for (size_t i = 0; i < TMP_BINDS; i++) {
		TmpBind *b = &binds[i];

		if (!b->wanted)
			continue;
		b->target_fd = holder_state_open(root, b->target, O_PATH | O_DIRECTORY);
		if (b->target_fd < 0)
			return b->target_fd;
	}

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return negative_errno();
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	backing = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (backing < 0)
		return negative_errno();

	for (size_t i = 0; i < TMP_BINDS; i++) {
		_cleanup_(closep) int dir = -EBADF;
		TmpBind *b = &binds[i];

		if (!b->wanted)
			continue;
		if (mkdirat(backing, b->dir, 0700) < 0)
			return negative_errno();
		dir = openat(backing, b->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* Explicitly: mkdir's mode passes through the umask. */
		if (dir < 0 || fchmod(dir, 01777) < 0)
			return negative_errno();
		b->clone_fd = tmp_clone(backing, b->dir);
		if (b->clone_fd == -EINVAL && !attached) {
			r = tmp_attach_backing(backing, b->target_fd);
			if (r < 0)
				return r;
			attached = true;
			b->clone_fd = tmp_clone(backing, b->dir);
		}
		if (b->clone_fd < 0)
			return b->clone_fd;
		if (b->noexec &&
		    mount_setattr(b->clone_fd, "", AT_EMPTY_PATH, &noexec, sizeof(noexec)) < 0)
			return negative_errno();
	}
	/* A spare keeps a handle on the superblock: the claim sets its size. */
	if (o->spare) {
		o->tmp_ctx = fspick(backing, "", FSPICK_CLOEXEC | FSPICK_EMPTY_PATH);
		if (o->tmp_ctx < 0)
			return negative_errno();
	}
	if (attached) {
		r = tmp_detach_backing(backing);
		if (r < 0)
			return r;
	}

	for (size_t i = 0; i < TMP_BINDS; i++) {
		TmpBind *b = &binds[i];

		if (b->wanted && move_mount(b->clone_fd, "", b->target_fd, "",
					    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return negative_errno();
	}
	return 0;
}

/* A fresh mqueue of our IPC namespace, where the host has one. */
static int mount_mqueue(int root, const HolderOpts *o)
{
	_cleanup_(closep) int dir = -EBADF;

	if (!(o->ns & POLICY_NS_IPC))
		return 0;
	dir = holder_state_open(root, "dev/mqueue", O_PATH | O_DIRECTORY);
	if (dir == -ENOENT)
		return 0;
	if (dir < 0)
		return dir;
	return mount_fresh(root, "dev/mqueue", "mqueue",
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

static int set_hostname(const char *name)
{
	return sethostname(name, strlen(name)) < 0 ? negative_errno() : 0;
}

static int loopback_up(void)
{
	_cleanup_(closep) int fd = -EBADF;
	struct ifreq ifr = { 0 };

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return negative_errno();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return negative_errno();
	return 0;
}

/*
 * Our namespaces' nsfs files, open for as long as we live.  Every join and
 * claim checks our namespaces through our pidfd (PIDFD_GET_*_NAMESPACE,
 * pam_module/ns.c), and the kernel makes a namespace's nsfs inode and
 * dentry anew for each such call unless one is open somewhere (it keeps,
 * "stashes", them only while referenced): measured, the five checks of a
 * join take 14 us instead of 28-34, for about 1 KiB of kernel memory per
 * paddock (tests/bench/RESULTS.md).
 */
static int keep_ns_files(Holder *h)
{
	static const char *const names[HOLDER_NS_FILES] = { "mnt", "pid", "ipc", "uts", "net" };

	for (unsigned i = 0; i < HOLDER_NS_FILES; i++) {
		char path[32];

		if (!(h->o->ns & (1u << i)))
			continue;
		snprintf(path, sizeof(path), "self/ns/%s", names[i]);
		h->ns_files[i] = openat(h->proc, path, O_RDONLY | O_CLOEXEC);
		if (h->ns_files[i] < 0)
			return negative_errno();
	}
	return 0;
}

/* Non-blocking: accept4() loops until the queue is empty. */
static int listen_ctl(void)
{
	int fl = fcntl(HOLDER_FD_CTL, F_GETFL);

	if (fl < 0 || fcntl(HOLDER_FD_CTL, F_SETFL, fl | O_NONBLOCK) < 0)
		return negative_errno();
	return listen(HOLDER_FD_CTL, SOMAXCONN) < 0 ? negative_errno() : 0;
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
	STEP("propagation", make_rslave());
	/* 3: every mount target opened beneath our root, no symlinks */
	STEP("root", (h->root = open_root()));
	/* 8: only the paddock's processes are visible */
	STEP("proc", mount_proc(h->root));
	/* 2: processes are counted in our PID namespace only */
	STEP("proc", (h->proc = holder_state_open(h->root, "proc", O_RDONLY | O_DIRECTORY)));
	/* 1: no state of any paddock is visible in this one */
	STEP("state", detach_state_dir(h->root));
	/* 8: only the paddock's network interfaces are visible */
	if (o->ns & POLICY_NS_NET)
		STEP("sys", mount_sys(h->root));
	/* 11, 10: private /tmp, /var/tmp (private_tmp) and POSIX shared
	 * memory in /dev/shm (private_ipc), sharing one bounded tmpfs */
	if (o->private_tmp || o->private_ipc)
		STEP("tmp", mount_private_tmp(h->root, o));
	/* 11: POSIX message queues are per paddock */
	if (o->private_ipc)
		STEP("mqueue", mount_mqueue(h->root, o));
	/* the paddock's own name, so the user sees where they are (a spare's
	 * is set by the claim) */
	if ((o->ns & POLICY_NS_UTS) && !o->spare)
		STEP("hostname", set_hostname(o->hostname));
	/* 11: lo works, and it is the only interface */
	if (o->loopback)
		STEP("loopback", loopback_up());
	/* 1: the joins' checks of our namespaces find their files made */
	STEP("namespace files", keep_ns_files(h));
	/* 1, 2: SO_PEERCRED of clients names us, not the sshd that bound it */
	STEP("listen", listen_ctl());
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
static unsigned count_processes(int proc)
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
static void reap_all(void)
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
	reap_all();
}

/* ---- sessions and the timer ------------------------------------------ */

static void timer_arm(Holder *h, uint64_t ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(ms / 1000),
			      .tv_nsec = (long)(ms % 1000) * 1000000 },
	};

	(void)timerfd_settime(h->timer, 0, &its, NULL);
}

static void session_added(Holder *h)
{
	h->sessions++;
	if (h->phase != PHASE_RUN) {
		h->phase = PHASE_RUN;
		timer_arm(h, 0);
	}
}

static void sessions_zero(Holder *h)
{
	if (h->o->linger == 0) {
		h->phase = PHASE_EXPIRED;
		return;
	}
	h->phase = PHASE_LINGER;
	timer_arm(h, h->o->linger * 1000);
}

static void session_removed(Holder *h)
{
	if (h->sessions > 0 && --h->sessions == 0)
		sessions_zero(h);
}

static void reply(int fd, const char *msg)
{
	(void)send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* A claim failed half-way: say why, and go (the claimer kills us anyway,
 * and removes UID/; holder-proto.h). */
_Noreturn static void claim_failed(int fd, const char *step, int r)
{
	char buf[HOLDER_MSG_MAX];

	snprintf(buf, sizeof(buf), "error %s: %s", step, strerror(-r));
	reply(fd, buf);
	syslog(LOG_ERR, "spare: %s failed: %s", step, strerror(-r));
	_exit(1);
}

static uint64_t handle_claim(Holder *h, int fd, const char *msg, size_t n, int passed_fd)
{
	const char *step = "claim";
	int r = holder_claim(h->o, msg, n, passed_fd, count_processes(h->proc), &step);

	if (r < 0)
		claim_failed(fd, step, r);
	/* The login waits for the answer, not for the log line.  This
	 * connection is its session now (holder-proto.h). */
	reply(fd, "ok");
	session_added(h);
	syslog(LOG_INFO, "uid %u (%s): spare claimed", (unsigned)h->o->uid, h->o->user);
	return CONN_DONE | CONN_SESSION;
}

/* Act on a connection's first datagram (n bytes, msg[n] is NUL); returns
 * the new flags. */
static uint64_t handle_message(Holder *h, int fd, const char *msg, size_t n, int passed_fd)
{
	char buf[HOLDER_MSG_MAX];

	if (h->o->spare && n > 6 && memcmp(msg, "claim", 6) == 0)
		return handle_claim(h, fd, msg, n, passed_fd);
	/* Nobody joins a spare: it has no user yet. */
	if (streq(msg, "session") && !h->o->spare) {
		session_added(h);
		reply(fd, "ok");
		return CONN_DONE | CONN_SESSION;
	}
	if (streq(msg, "stop")) {
		if (!h->stop) {
			h->stop = true;
			h->reason = "stop requested";
		}
		reply(fd, "ok");
		return CONN_DONE;
	}
	if (streq(msg, "status")) {
		snprintf(buf, sizeof(buf), "sessions %u processes %u", h->sessions,
			 count_processes(h->proc));
		reply(fd, buf);
		return CONN_DONE;
	}
	reply(fd, "error");
	return CONN_DONE;
}

/* "close" on a session connection: the session ends now and the reply
 * says how many are left, so the module knows whether it closed the last. */
static uint64_t handle_close(Holder *h, int fd, uint64_t flags)
{
	char buf[HOLDER_MSG_MAX];

	session_removed(h);
	snprintf(buf, sizeof(buf), "ok %u", h->sessions);
	reply(fd, buf);
	return flags & ~CONN_SESSION;
}

static void conn_close(Holder *h, int fd, uint64_t flags)
{
	(void)epoll_ctl(h->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (flags & CONN_SESSION)
		session_removed(h);
}

/* One datagram, and the one fd it may carry (-1: none; any more are
 * closed by the kernel's MSG_CMSG_CLOEXEC only at exec: close them). */
static ssize_t recv_one(int fd, char *buf, size_t len, int *ret_fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b)
	};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*ret_fd = -EBADF;
	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*ret_fd < 0)
				*ret_fd = got;
			else
				close(got);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		buf[0] = '\0'; /* refused as "error" below */
	return n;
}

static void handle_conn(Holder *h, uint64_t data)
{
	int fd = (int)(uint32_t)data;
	uint64_t flags = data & (CONN_DONE | CONN_SESSION);
	char buf[HOLDER_CLAIM_MAX];

	for (;;) {
		_cleanup_(closep) int passed = -EBADF;
		ssize_t n = recv_one(fd, buf, sizeof(buf) - 1, &passed);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(h, fd, flags);
			return;
		}
		buf[n] = '\0';
		/* Only the first datagram counts: a session fd that leaked into
		 * a user process cannot turn into a "stop".  The one exception
		 * ends the session it was sent on, no more. */
		if (flags & CONN_DONE) {
			if (!(flags & CONN_SESSION) || !streq(buf, "close"))
				continue;
			/* Nothing more can come that counts: hang up now, so
			 * that the module's close() has no peer left to wake. */
			conn_close(h, fd, handle_close(h, fd, flags));
			return;
		} else {
			flags = handle_message(h, fd, buf, (size_t)n, passed);
		}
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.u64 = ev_data(fd, TAG_CONN, flags) };
		(void)epoll_ctl(h->ep, EPOLL_CTL_MOD, fd, &ev);
	}
}

static void handle_accept(Holder *h)
{
	for (;;) {
		_cleanup_(closep) int fd = -EBADF;
		struct ucred cred;
		socklen_t len = sizeof(cred);

		fd = accept4(HOLDER_FD_CTL, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		/* STATE_DIR is root-only; refuse anything else all the same. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
			continue;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.u64 = ev_data(fd, TAG_CONN, 0) };
		if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			continue;
		TAKE_FD(fd);
		/* The module sends its request right after connect(): it is
		 * usually here already, and answered without another wakeup. */
		handle_conn(h, ev.data.u64);
	}
}

static void dispatch(Holder *h, const struct epoll_event *ev)
{
	uint64_t ticks;

	switch ((unsigned)(ev->data.u64 >> 32) & 0xff) {
	case TAG_CTL:
		handle_accept(h);
		break;
	case TAG_SIG:
		drain_signals(h);
		break;
	case TAG_TIMER:
		if (read(h->timer, &ticks, sizeof(ticks)) > 0 && h->phase == PHASE_LINGER)
			h->phase = PHASE_EXPIRED;
		break;
	default:
		handle_conn(h, ev->data.u64);
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

/* ---- teardown --------------------------------------------------------- */

/* 1, 2, 4, ... 50 ms between looks at something that is about to happen. */
static unsigned backoff(unsigned step)
{
	return step >= 25 ? 50 : step * 2;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Kill the rest of the PID namespace (from PID 1, kill(-1) reaches exactly
 * it) and wait, bounded, until we are alone: our exit would kill them too,
 * but the cgroup can only be removed once they are gone. */
static void kill_all(Holder *h)
{
	(void)kill(-1, SIGKILL);
	/* Short first waits: most logouts leave nothing or die at once. */
	for (unsigned waited = 0, step = 1; waited < KILL_WAIT_MS;
	     waited += step, step = backoff(step)) {
		reap_all();
		if (count_processes(h->proc) == 0)
			return;
		sleep_ms(step);
	}
	syslog(LOG_WARNING, "uid %u: processes left after SIGKILL", (unsigned)h->o->uid);
}

/* Tell clients queued on the socket that we are going, and stop listening. */
static void refuse_pending(void)
{
	for (;;) {
		int fd = accept4(HOLDER_FD_CTL, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			break;
		reply(fd, "dying");
		close(fd);
	}
	close(HOLDER_FD_CTL);
}

/* Back in the host's mount namespace: remove UID/ if it is still ours (a
 * module that found us dead may have built a new one meanwhile). */
static int remove_state(uid_t uid)
{
	_cleanup_(closep) int root = -EBADF, run = -EBADF;
	char name[16];

	if (setns(HOLDER_FD_HOST_MNT, CLONE_NEWNS) < 0)
		return negative_errno();
	root = open_root();
	if (root < 0)
		return root;
	run = holder_state_open(root, STATE_DIR + 1, O_RDONLY | O_DIRECTORY);
	if (run < 0)
		return run;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return holder_remove_own_dir(run, name);
}

static int remove_cgroup(const HolderOpts *o)
{
	int r;

	if (!o->cgm)
		return 0;
	r = o->cgm->leave(o->cgroup_parent);
	if (r < 0)
		return r;
	/* The sessions' callers (sshd, su) may still be exiting: usually for
	 * well under a millisecond, so look again soon, then less often. */
	for (unsigned waited = 0, step = 1;; waited += step, step = backoff(step)) {
		r = o->cgm->destroy(o->cgroup_parent, o->uid);
		if (r != -EBUSY || waited >= CGROUP_BUSY_MS)
			return r;
		sleep_ms(step);
	}
}

/* Under the lock (threat 13): nobody can join or start a paddock for this
 * user until the state is gone. */
static int teardown(Holder *h)
{
	const HolderOpts *o = h->o;
	int r, ret = 0;

	syslog(LOG_INFO, "uid %u (%s): tearing down the paddock: %s", (unsigned)o->uid, o->user,
	       h->reason);
	if (unlinkat(HOLDER_FD_STATE, HOLDER_CTL_NAME, 0) < 0 && errno != ENOENT)
		ret = negative_errno();
	refuse_pending();
	kill_all(h);
	r = remove_state(o->uid);
	if (r < 0) {
		syslog(LOG_ERR, "uid %u: removing %s/%u: %s", (unsigned)o->uid, STATE_DIR,
		       (unsigned)o->uid, strerror(-r));
		ret = r;
	}
	r = remove_cgroup(o);
	if (r < 0) {
		syslog(LOG_ERR, "uid %u: removing the cgroup (%s): %s", (unsigned)o->uid,
		       o->cgm->name, strerror(-r));
		ret = r;
	}
	(void)flock(HOLDER_FD_LOCK, LOCK_UN);
	return ret;
}

/* A spare stopped before any claim: no user, no lock; its directory goes,
 * and the spare cgroup it was made in (spare.h): out of it into the reaper
 * leaf first, then it is removed. */
static void teardown_spare(Holder *h)
{
	_cleanup_(closep) int root = -EBADF, run = -EBADF;
	int r;

	syslog(LOG_INFO, "spare %s: stopping: %s", h->o->spare, h->reason);
	(void)unlinkat(HOLDER_FD_STATE, HOLDER_CTL_NAME, 0);
	refuse_pending();
	kill_all(h);
	if (setns(HOLDER_FD_HOST_MNT, CLONE_NEWNS) < 0)
		r = negative_errno();
	else if ((root = open_root()) < 0)
		r = root;
	else if ((run = holder_state_open(root, STATE_DIR + 1, O_RDONLY | O_DIRECTORY)) < 0)
		r = run;
	else
		r = holder_spare_remove_state(run, h->o->spare);
	if (r < 0)
		syslog(LOG_ERR, "spare %s: removing %s/%s/%s: %s", h->o->spare, STATE_DIR,
		       HOLDER_SPARE_DIR, h->o->spare, strerror(-r));
	if (root >= 0 && h->o->cgm && h->o->cgm->spare_sweep) {
		r = h->o->cgm->leave(h->o->cgroup_parent);
		if (r >= 0)
			r = spare_cgroup_remove(h->o->cgm, h->o->cgroup_parent, h->o->spare);
		if (r < 0)
			syslog(LOG_ERR, "spare %s: removing its cgroup: %s", h->o->spare,
			       strerror(-r));
	}
}

/* Tear down now if we should and may; otherwise arrange to look again.
 * Returns 1 once torn down. */
static int reconsider(Holder *h)
{
	bool kill_them = h->stop || h->o->kill_on_logout;

	/* A spare has no sessions to wait for, only a stop. */
	if (h->o->spare) {
		if (!h->stop)
			return 0;
		teardown_spare(h);
		return 1;
	}

	if (!h->stop && h->phase != PHASE_EXPIRED)
		return 0;
	if (!kill_them && count_processes(h->proc) > 0) {
		timer_arm(h, ALONE_POLL_MS);
		return 0;
	}
	/* Never block: a login holding the lock waits for our answer. */
	if (flock(HOLDER_FD_LOCK, LOCK_EX | LOCK_NB) < 0) {
		timer_arm(h, LOCK_RETRY_MS);
		return 0;
	}
	/* Whatever arrived before we held the lock still counts. */
	drain_events(h);
	if (!h->stop &&
	    (h->phase != PHASE_EXPIRED || (!kill_them && count_processes(h->proc) > 0))) {
		(void)flock(HOLDER_FD_LOCK, LOCK_UN);
		if (h->phase == PHASE_EXPIRED)
			timer_arm(h, ALONE_POLL_MS);
		return 0;
	}
	if (!h->reason)
		h->reason = h->o->kill_on_logout ? "no session left (kill_on_logout)"
						 : "no session and no process left";
	(void)teardown(h);
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
	return 0;
}

static void ready_error(const char *step, int r)
{
	char line[HOLDER_MSG_MAX];
	int n = snprintf(line, sizeof(line), "error %s: %s\n", step, strerror(-r));

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
		     .proc = -EBADF,
		     .root = -EBADF,
		     .ns_files = { -EBADF, -EBADF, -EBADF, -EBADF, -EBADF } };
	const char *step = "arguments";
	struct epoll_event evs[16];
	int r;

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
		syslog(LOG_ERR, "uid %u: holder setup failed at %s: %s", (unsigned)o.uid, step,
		       strerror(-r));
		return 1;
	}
	if (write(HOLDER_FD_READY, HOLDER_READY_OK, strlen(HOLDER_READY_OK)) < 0)
		return 1;
	close(HOLDER_FD_READY);

	if (!o.spare)
		sessions_zero(&h);
	for (;;) {
		if (reconsider(&h))
			return 0;
		int n = epoll_wait(h.ep, evs, ELEMENTSOF(evs), -1);

		for (int i = 0; i < n; i++)
			dispatch(&h, &evs[i]);
	}
}
