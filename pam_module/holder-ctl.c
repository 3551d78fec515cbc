/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "holder-ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "holder-params.h"
#include "holder-proto.h"

/* Linux 6.5; older headers lack it. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

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
 * in dir_fd.  Through /proc/self/fd/N/ (holder_ctl_connect_dir()) the connect()
 * would resolve two magic links more on every join.
 */
int holder_ctl_connect(int run_dir_fd, uid_t uid, const char *first, int *ret_fd, pid_t *ret_pid,
		       int *ret_pidfd)
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

int holder_ctl_connect_dir(int dir_fd, int *ret_fd, pid_t *ret_pid, int *ret_pidfd)
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

int holder_ctl_send(int fd, const char *msg)
{
	return ctl_send(fd, msg);
}

int holder_ctl_recv(int fd, char *reply, size_t len)
{
	return len == 0 ? -EINVAL : ctl_recv(fd, reply, len);
}

int holder_ctl_exchange(int fd, const char *msg, char *reply, size_t len)
{
	int r;

	if (len == 0)
		return -EINVAL;
	r = ctl_send(fd, msg);
	return r < 0 ? r : ctl_recv(fd, reply, len);
}

int holder_ctl_request(int run_dir_fd, uid_t uid, const char *msg, char *reply, size_t len)
{
	_cleanup_(closep) int fd = -EBADF;
	int r;

	r = holder_ctl_connect(run_dir_fd, uid, NULL, &fd, NULL, NULL);
	if (r < 0)
		return r;
	return holder_ctl_exchange(fd, msg, reply, len);
}

int holder_ctl_close_session(int fd)
{
	char reply[HOLDER_MSG_MAX], *end;
	unsigned long v;
	size_t k;
	int r;

	r = holder_ctl_exchange(fd, HOLDER_REQ_CLOSE, reply, sizeof(reply));
	if (r < 0)
		return r;
	/* HOLDER_REPLY_CLOSED: "ok N" */
	k = strlen(HOLDER_REPLY_OK);
	if (strncmp(reply, HOLDER_REPLY_OK " ", k + 1) != 0 || reply[k + 1] < '0' ||
	    reply[k + 1] > '9')
		return -EPROTO;
	errno = 0;
	v = strtoul(reply + k + 1, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -EPROTO;
	return (int)v;
}

int holder_ctl_claim(int fd, const HolderParams *p, int lock_fd, char *reply, size_t len)
{
	char msg[HOLDER_CLAIM_MAX];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c = { 0 };
	struct iovec iov = { .iov_base = msg };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.b,
		.msg_controllen = sizeof(c.b),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int n;

	if (len == 0)
		return -EINVAL;
	n = holder_params_claim(p, msg, sizeof(msg));
	if (n < 0)
		return n;
	iov.iov_len = (size_t)n;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &lock_fd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return errno == EPIPE || errno == ECONNRESET ? -ESTALE : negative_errno();
	return ctl_recv(fd, reply, len);
}

int holder_ctl_parse_status(const char *reply, unsigned *ret_sessions, unsigned *ret_processes)
{
	if (streq(reply, HOLDER_REPLY_DYING))
		return -ESTALE;
	if (sscanf(reply, HOLDER_REPLY_STATUS, ret_sessions, ret_processes) != 2)
		return -EPROTO;
	return 0;
}
