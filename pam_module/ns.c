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
#include "holder-ctl.h"
#include "holder-proto.h"
#include "holder-spawn.h"

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
 * namespace, then "holder PID".  Fills the bits of ns_mask (every
 * namespace recorded when all is true) and *ret_pid.  -ENODATA when the
 * file is missing, -ENOENT when it is malformed or lacks a namespace of
 * ns_mask (a paddock started under another policy), -EPERM when it is not
 * root's regular file. */
static int read_records_file(int run_dir_fd, uid_t uid, unsigned ns_mask, bool all, NsInodes *ret,
			     pid_t *ret_pid)
{
	_cleanup_(closep) int fd = -EBADF;
	char path[64], buf[HOLDER_MSG_MAX];
	NsInodes out = { { 0 } };
	unsigned seen = 0;
	uint64_t pid = 0;
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
		if (sp[1] < '1' || sp[1] > '9')
			return -ENOENT;
		errno = 0;
		v = strtoull(sp + 1, &end, 10);
		if (errno || *end != '\n')
			return -ENOENT;
		if (streq(p, HOLDER_RECORD_PID)) {
			if (pid || v > INT_MAX)
				return -ENOENT;
			pid = v;
			continue;
		}
		while (i < NS_COUNT && !streq(p, ns_types[i].name))
			i++;
		if (i == NS_COUNT || (seen & (1u << i)))
			return -ENOENT;
		seen |= 1u << i;
		if (all || (ns_mask & (1u << i)))
			out.ino[i] = v;
	}
	if ((seen & ns_mask) != ns_mask || !pid)
		return -ENOENT;
	*ret = out;
	if (ret_pid)
		*ret_pid = (pid_t)pid;
	return 0;
}

/* The records of the user's paddock for ns_mask; -ENODATA when there are
 * none (no ns/all: a paddock whose maker died before its records). */
static int read_records(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret)
{
	return read_records_file(run_dir_fd, uid, ns_mask, false, ret, NULL);
}

int ns_read_inodes(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret)
{
	int r = read_records(run_dir_fd, uid, ns_mask, ret);

	return r == -ENODATA ? -ENOENT : r;
}

int ns_read_holder(int run_dir_fd, uid_t uid, NsInodes *ret, pid_t *ret_pid)
{
	int r = read_records_file(run_dir_fd, uid, POLICY_NS_MOUNT | POLICY_NS_PID, true, ret,
				  ret_pid);

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
	r = holder_ctl_connect(run_dir_fd, uid, HOLDER_REQ_SESSION, &fd, &pid, &pidfd);
	if (r < 0)
		return r;
	r = verify_holder(run_dir_fd, uid, ns_mask, pid, pidfd, &inodes);
	if (r == -ENODATA || r == -EUCLEAN)
		goto stale;
	if (r < 0)
		return r;
	r = holder_ctl_recv(fd, reply, sizeof(reply));
	if (r < 0)
		return r;
	if (streq(reply, HOLDER_REPLY_DYING))
		return -ESTALE;
	/* "error": a spare renamed to UID/ by a login that died before its
	 * claim (nobody joins a spare). */
	if (!streq(reply, HOLDER_REPLY_OK))
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
