/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "holder-proto.h"
#include "holder-spawn.h"

/* Linux 6.5; older headers lack it. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* Linux 6.11: a pidfd hands out its process's namespaces, no /proc path
 * and no pid involved; Debian 12's headers lack them. */
#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC 0xFF
#endif
#define PIDFD_NS_IOCTL(n) _IO(PIDFS_IOCTL_MAGIC, (n))

int ns_clone_flags(unsigned ns_mask)
{
	int flags = 0;

	for (unsigned i = 0; i < NS_COUNT; i++)
		if (ns_mask & (1u << i))
			flags |= ns_types[i].clone_flag;
	return flags;
}

int ns_open_of(int pidfd, pid_t pid, unsigned i, bool *ret_by_path)
{
	_cleanup_(closep) int fd = -EBADF;
	struct statfs sfs;
	char path[64];

	if (ret_by_path)
		*ret_by_path = false;
	if (i >= NS_COUNT)
		return -EINVAL;
	fd = ioctl(pidfd, PIDFD_NS_IOCTL(ns_types[i].pidfd_ioctl_nr), 0);
	if (fd >= 0)
		return TAKE_FD(fd);
	if (errno == ESRCH)
		return -ESTALE;
	/* Older kernels: ENOTTY (no such ioctl) or EINVAL. */
	if (errno != ENOTTY && errno != EINVAL && errno != EOPNOTSUPP)
		return negative_errno();
	if (ret_by_path)
		*ret_by_path = true;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_types[i].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESTALE : negative_errno();
	if (fstatfs(fd, &sfs) < 0)
		return negative_errno();
	if (sfs.f_type != NSFS_MAGIC)
		return -EPERM;
	return TAKE_FD(fd);
}

static int open_user_dir(int run_dir_fd, uid_t uid, const char *sub)
{
	char name[32];
	int fd;

	snprintf(name, sizeof(name), sub ? "%u/%s" : "%u", (unsigned)uid, sub);
	fd = fs_open_beneath(run_dir_fd, name, O_RDONLY | O_DIRECTORY);
	return fd;
}

static void set_timeouts(int fd)
{
	struct timeval tv = {
		.tv_sec = HOLDER_REPLY_TIMEOUT_MS / 1000,
		.tv_usec = (HOLDER_REPLY_TIMEOUT_MS % 1000) * 1000,
	};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A pidfd for the peer: the socket's own reference (Linux 6.5) when there
 * is one, so no pid number is ever looked up again; else pidfd_open(), made
 * safe by the caller's liveness check after it used the pid (verify_holder(),
 * admin_paddock_info()). */
static int peer_pidfd(int fd, pid_t pid, int *ret)
{
	int pidfd = -EBADF;
	socklen_t len = sizeof(pidfd);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
		*ret = pidfd;
		return 0;
	}
	if (errno != ENOPROTOOPT && errno != EINVAL)
		return errno == ESRCH ? -ESTALE : negative_errno();
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? -ESTALE : negative_errno();
	*ret = pidfd;
	return 0;
}

static int ctl_send(int fd, const char *msg);

/*
 * Connect to the ctl socket in dir_fd by sun_path (connect() has no *at()
 * form and follows symlinks: the socket is checked through dir_fd first),
 * send first (when not NULL) before anything else, so that the holder
 * works on it while we check it, then check the peer.
 */
static int ctl_connect(int dir_fd, const char *sun_path, const char *first, int *ret_fd,
		       pid_t *ret_pid, int *ret_pidfd)
{
	_cleanup_(closep) int fd = -EBADF, pidfd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct stat st;
	int r;

	if (fstatat(dir_fd, HOLDER_CTL_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -ESTALE : negative_errno();
	/* connect() follows a symlink in the last component: only a socket. */
	if (!S_ISSOCK(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	if (strlen(sun_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sun_path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno == ECONNREFUSED || errno == ENOENT ? -ESTALE : negative_errno();
	/* Nothing to hide in a request: whoever listens there is checked
	 * below before anything it says counts. */
	if (first) {
		r = ctl_send(fd, first);
		if (r < 0)
			return r;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		return negative_errno();
	if (cred.uid != 0 || cred.pid <= 0)
		return -EPERM;
	if (ret_pidfd) {
		r = peer_pidfd(fd, cred.pid, &pidfd);
		if (r < 0)
			return r;
		*ret_pidfd = TAKE_FD(pidfd);
	}
	*ret_fd = TAKE_FD(fd);
	if (ret_pid)
		*ret_pid = cred.pid;
	return 0;
}

/*
 * uid's holder, by the path STATE_DIR/UID/ctl: run_dir_fd is STATE_DIR
 * (ns.h), root's alone down to UID/, so the path names the socket checked
 * in dir_fd.  Through /proc/self/fd/N/ (ns_ctl_connect_dir()) the connect()
 * would resolve two magic links more on every join.
 */
static int ctl_connect_uid(int run_dir_fd, uid_t uid, const char *first, int *ret_fd,
			   pid_t *ret_pid, int *ret_pidfd)
{
	_cleanup_(closep) int dir_fd = -EBADF;
	char path[sizeof(STATE_DIR) + 32];

	dir_fd = open_user_dir(run_dir_fd, uid, NULL);
	if (dir_fd == -ENOENT)
		return -ESTALE;
	if (dir_fd < 0)
		return dir_fd;
	snprintf(path, sizeof(path), STATE_DIR "/%u/" HOLDER_CTL_NAME, (unsigned)uid);
	return ctl_connect(dir_fd, path, first, ret_fd, ret_pid, ret_pidfd);
}

int ns_ctl_connect(int run_dir_fd, uid_t uid, int *ret_fd, pid_t *ret_pid, int *ret_pidfd)
{
	return ctl_connect_uid(run_dir_fd, uid, NULL, ret_fd, ret_pid, ret_pidfd);
}

int ns_ctl_connect_dir(int dir_fd, int *ret_fd, pid_t *ret_pid, int *ret_pidfd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/" HOLDER_CTL_NAME, dir_fd);
	return ctl_connect(dir_fd, path, NULL, ret_fd, ret_pid, ret_pidfd);
}

static int ctl_send(int fd, const char *msg)
{
	if (strlen(msg) >= HOLDER_MSG_MAX)
		return -EINVAL;
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		return errno == EPIPE || errno == ECONNRESET ? -ESTALE : negative_errno();
	return 0;
}

static int ctl_recv(int fd, char *reply, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, reply, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN	     ? -ETIMEDOUT
		       : errno == ECONNRESET ? -ESTALE
					     : negative_errno();
	if (n == 0)
		return -ESTALE;
	reply[n] = '\0';
	return (int)n;
}

int ns_ctl_send(int fd, const char *msg)
{
	return ctl_send(fd, msg);
}

int ns_ctl_recv(int fd, char *reply, size_t len)
{
	return len == 0 ? -EINVAL : ctl_recv(fd, reply, len);
}

int ns_ctl_exchange(int fd, const char *msg, char *reply, size_t len)
{
	int r;

	if (len == 0)
		return -EINVAL;
	r = ctl_send(fd, msg);
	return r < 0 ? r : ctl_recv(fd, reply, len);
}

int ns_ctl_request(int run_dir_fd, uid_t uid, const char *msg, char *reply, size_t len)
{
	_cleanup_(closep) int fd = -EBADF;
	int r;

	r = ns_ctl_connect(run_dir_fd, uid, &fd, NULL, NULL);
	if (r < 0)
		return r;
	return ns_ctl_exchange(fd, msg, reply, len);
}

int ns_session_close(int fd)
{
	char reply[HOLDER_MSG_MAX], *end;
	unsigned long v;
	int r;

	r = ns_ctl_exchange(fd, "close", reply, sizeof(reply));
	if (r < 0)
		return r;
	if (strncmp(reply, "ok ", 3) != 0 || reply[3] < '0' || reply[3] > '9')
		return -EPROTO;
	errno = 0;
	v = strtoul(reply + 3, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -EPROTO;
	return (int)v;
}

/* dirfd/path (below it, no symlinks) for reading, when it is root's
 * regular file (-EPERM otherwise); its stat in *ret_st. */
static int open_record(int dirfd, const char *path, struct stat *ret_st)
{
	_cleanup_(closep) int fd = fs_open_beneath(dirfd, path, O_RDONLY);

	if (fd < 0)
		return fd;
	if (fstat(fd, ret_st) < 0)
		return negative_errno();
	return S_ISREG(ret_st->st_mode) && ret_st->st_uid == 0 ? TAKE_FD(fd) : -EPERM;
}

/* The records holder_record() wrote: ns/all, a line "NAME INODE" per
 * namespace, for the bits of ns_mask.  -ENODATA when the file is missing,
 * -ENOENT when it is malformed or lacks a namespace of ns_mask (a paddock
 * started under another policy), -EPERM when it is not root's regular
 * file. */
static int read_records_file(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret)
{
	_cleanup_(closep) int fd = -EBADF;
	char path[64], buf[HOLDER_MSG_MAX];
	NsInodes out = { { 0 } };
	unsigned seen = 0;
	struct stat st;
	int n;

	snprintf(path, sizeof(path), "%u/%s/%s", (unsigned)uid, HOLDER_NS_DIR, HOLDER_NS_RECORDS);
	fd = open_record(run_dir_fd, path, &st);
	if (fd < 0)
		return fd == -ENOENT ? -ENODATA : fd;
	n = fs_read_fd(fd, buf, sizeof(buf));
	if (n < 0)
		return n == -EFBIG ? -ENOENT : n;
	for (char *p = buf, *end; *p; p = end + 1) {
		char *sp = strchr(p, ' ');
		unsigned i = 0;
		uint64_t v;

		if (!sp)
			return -ENOENT;
		*sp = '\0';
		while (i < NS_COUNT && !streq(p, ns_types[i].name))
			i++;
		if (i == NS_COUNT || (seen & (1u << i)) || sp[1] < '1' || sp[1] > '9')
			return -ENOENT;
		errno = 0;
		v = strtoull(sp + 1, &end, 10);
		if (errno || *end != '\n')
			return -ENOENT;
		seen |= 1u << i;
		if (ns_mask & (1u << i))
			out.ino[i] = v;
	}
	if ((seen & ns_mask) != ns_mask)
		return -ENOENT;
	*ret = out;
	return 0;
}

/* The records of the user's paddock for ns_mask; -ENODATA when there are
 * none (no ns/all: a paddock whose maker died before its records). */
static int read_records(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret)
{
	return read_records_file(run_dir_fd, uid, ns_mask, ret);
}

int ns_read_inodes(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret)
{
	int r = read_records(run_dir_fd, uid, ns_mask, ret);

	return r == -ENODATA ? -ENOENT : r;
}

int ns_owned_by(int ns_fd, const struct stat *userns)
{
	_cleanup_(closep) int owner = -EBADF;
	struct stat st;

	owner = ioctl(ns_fd, NS_GET_USERNS);
	if (owner < 0)
		return errno == EPERM ? -EPERM : negative_errno();
	if (fstat(owner, &st) < 0)
		return negative_errno();
	return st.st_dev == userns->st_dev && st.st_ino == userns->st_ino ? 0 : -EPERM;
}

/*
 * Threat 1: every namespace we are about to enter is the live holder's, the
 * very one recorded when it started.  Its owner was checked then, before the
 * record was written (holder_record()): a namespace's owner never changes,
 * and the one the holder keeps alive has an inode number no other live
 * namespace has, so the same inode is the same, checked namespace.
 */
static int verify_holder(int run_dir_fd, uid_t uid, unsigned ns_mask, pid_t pid, int pidfd,
			 NsInodes *ret)
{
	NsInodes rec;
	bool by_path = false;
	int r;

	r = read_records(run_dir_fd, uid, ns_mask, &rec);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < NS_COUNT; i++) {
		_cleanup_(closep) int live = -EBADF;
		struct stat ls;
		bool path;

		if (!(ns_mask & (1u << i)))
			continue;
		r = ns_open_of(pidfd, pid, i, &path);
		if (r < 0)
			return r;
		live = r;
		by_path |= path;
		if (fstat(live, &ls) < 0)
			return negative_errno();
		/* From a pidfd it is the namespace itself; a /proc path could
		 * be anything (nsfs is checked there). */
		/* Not the paddock its records describe (threat 18). */
		if (ls.st_ino != rec.ino[i])
			return -EUCLEAN;
	}
	/* Threat 2: where a /proc path was taken, that was the holder only
	 * if the process behind the pidfd is still alive now. */
	if (by_path && pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		return errno == ESRCH ? -ESTALE : negative_errno();
	*ret = rec;
	return 0;
}

int ns_check_holder(int run_dir_fd, uid_t uid, unsigned ns_mask, pid_t pid, int pidfd,
		    NsInodes *ret)
{
	int r;

	if (ns_mask == 0 || ns_mask >= (1u << NS_COUNT))
		return -EINVAL;
	r = verify_holder(run_dir_fd, uid, ns_mask, pid, pidfd, ret);
	return r == -ENODATA ? -ESTALE : r == -EUCLEAN ? -EPERM : r;
}

int ns_enter(int pidfd, unsigned ns_mask)
{
	if (ns_mask == 0 || ns_mask >= (1u << NS_COUNT))
		return -EINVAL;
	return setns(pidfd, ns_clone_flags(ns_mask)) < 0 ? negative_errno() : 0;
}

int ns_join(int run_dir_fd, uid_t uid, unsigned ns_mask, int *ret_session_fd, NsInodes *ret_inodes)
{
	return ns_join_or_stale(run_dir_fd, uid, ns_mask, ret_session_fd, ret_inodes, NULL);
}

int ns_join_or_stale(int run_dir_fd, uid_t uid, unsigned ns_mask, int *ret_session_fd,
		     NsInodes *ret_inodes, int *ret_stale_pidfd)
{
	_cleanup_(closep) int fd = -EBADF, pidfd = -EBADF;
	char reply[HOLDER_MSG_MAX];
	NsInodes inodes;
	pid_t pid;
	int r;

	if (ns_mask == 0 || ns_mask >= (1u << NS_COUNT))
		return -EINVAL;
	/* "session" goes out at once: the holder answers while we check it,
	 * and nothing but the setns() needs the answer. */
	r = ctl_connect_uid(run_dir_fd, uid, "session", &fd, &pid, &pidfd);
	if (r < 0)
		return r;
	r = verify_holder(run_dir_fd, uid, ns_mask, pid, pidfd, &inodes);
	if (r == -ENODATA || r == -EUCLEAN)
		goto stale;
	if (r < 0)
		return r;
	r = ctl_recv(fd, reply, sizeof(reply));
	if (r < 0)
		return r;
	if (streq(reply, "dying"))
		return -ESTALE;
	/* "error": a spare renamed to UID/ by a login that died before its
	 * claim (nobody joins a spare). */
	if (!streq(reply, "ok"))
		goto stale;
	/* One call for all of them: we never end up half inside. */
	if (setns(pidfd, ns_clone_flags(ns_mask)) < 0)
		return negative_errno();
	*ret_session_fd = TAKE_FD(fd);
	if (ret_inodes)
		*ret_inodes = inodes;
	return 0;
stale:
	/* A root process listening on root's UID/ctl: this paddock's holder,
	 * for the caller to kill under the lock it holds. */
	if (ret_stale_pidfd)
		*ret_stale_pidfd = TAKE_FD(pidfd);
	return -EUCLEAN;
}
