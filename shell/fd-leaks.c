/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fd-leaks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/ns.h"
#include "../pam_module/state.h"
#include "admin.h"

typedef struct FdLeak {
	pid_t pid;
	uid_t uid;
	int fd;
	int mnt_id;
	char comm[32];
	char target[PATH_MAX]; /* what /proc/PID/fd/FD names */
} FdLeak;

typedef struct MountIds {
	int *id;
	size_t n;
} MountIds;

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The ids of the mounts of our (the host's) mount namespace, sorted. */
static int host_mount_ids(MountIds *ret)
{
	_cleanup_(fclosep) FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t cap = 0;
	char line[4096];

	if (!f)
		return negative_errno();
	while (fgets(line, sizeof(line), f)) {
		int id;

		if (sscanf(line, "%d ", &id) != 1)
			continue;
		if (ret->n == cap) {
			int *p = realloc(ret->id, (cap = cap ? cap * 2 : 256) * sizeof(*p));

			if (!p)
				return -ENOMEM;
			ret->id = p;
		}
		ret->id[ret->n++] = id;
	}
	qsort(ret->id, ret->n, sizeof(*ret->id), int_cmp);
	return 0;
}

/* The mnt_id: line of /proc/PID/fdinfo/FD. */
static int fd_mount_id(int pid_dir, const char *fd)
{
	_cleanup_(closep) int info = -EBADF;
	char path[64], buf[1024], *p;
	ssize_t n;
	int id;

	snprintf(path, sizeof(path), "fdinfo/%s", fd);
	info = openat(pid_dir, path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return -errno;
	n = read(info, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "mnt_id:");
	return p && sscanf(p, "mnt_id: %d", &id) == 1 ? id : -EIO;
}

/* Report the descriptors of process pid_dir (uid's) on host mounts. */
static int scan_process(int pid_dir, pid_t pid, uid_t uid, const MountIds *host)
{
	_cleanup_(closep) int comm = -EBADF;
	FdLeak leak = { .pid = pid, .uid = uid };
	struct dirent *de;
	int fds, count = 0;
	ssize_t n;
	DIR *d;

	comm = openat(pid_dir, "comm", O_RDONLY | O_CLOEXEC);
	n = comm >= 0 ? read(comm, leak.comm, sizeof(leak.comm) - 1) : -1;
	leak.comm[n > 0 ? n - 1 : 0] = '\0';
	fds = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fds < 0 || !(d = fdopendir(fds))) {
		safe_close(fds);
		return 0; /* gone meanwhile */
	}
	while ((de = readdir(d))) {
		struct stat st;
		int id;

		/* 0, 1 and 2 are the session's terminal or pipes, handed on by
		 * design: a file there is where the caller sent the output. */
		if (de->d_name[0] == '.' || atoi(de->d_name) <= 2 ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		id = fd_mount_id(pid_dir, de->d_name);
		if (id < 0 || !bsearch(&id, host->id, host->n, sizeof(int), int_cmp))
			continue;
		leak.fd = atoi(de->d_name);
		leak.mnt_id = id;
		n = readlinkat(dirfd(d), de->d_name, leak.target, sizeof(leak.target) - 1);
		leak.target[n > 0 ? n : 0] = '\0';
		printf("fds: warning: pid %d (%s, uid %u) inside its paddock holds fd %d on %s, "
		       "a mount of the host (id %d): a caller leaked it\n",
		       (int)leak.pid, leak.comm, (unsigned)leak.uid, leak.fd, leak.target,
		       leak.mnt_id);
		count++;
	}
	closedir(d);
	return count;
}

int fd_leaks_report(void)
{
	_cleanup_(closep) int run = -EBADF, proc = -EBADF;
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(freep) uint64_t *mnt = NULL;
	MountIds host = { 0 };
	struct dirent *de;
	size_t n = 0;
	int r, count = 0;
	DIR *d;

	r = admin_list_paddocks("check", &run, &uids, &n);
	if (r < 0)
		return r;
	mnt = calloc(n ? n : 1, sizeof(*mnt));
	if (!mnt)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		NsInodes ino;

		if (ns_read_inodes(run, uids[i], 1u << NS_MNT, &ino) >= 0)
			mnt[i] = ino.ino[NS_MNT];
	}
	r = host_mount_ids(&host);
	proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r < 0 || proc < 0 || !(d = fdopendir(dup(proc)))) {
		free(host.id);
		return r < 0 ? r : -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_(closep) int pid_dir = -EBADF;
		struct stat ns, self;
		uint64_t pid;

		if (units_parse_u64(de->d_name, &pid) < 0 || pid == 0 || pid > INT32_MAX)
			continue;
		pid_dir = openat(proc, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pid_dir < 0 || fstat(pid_dir, &self) < 0 ||
		    fstatat(pid_dir, "ns/mnt", &ns, 0) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (mnt[i] && ns.st_ino == mnt[i] && self.st_uid == uids[i])
				count += scan_process(pid_dir, (pid_t)pid, uids[i], &host);
	}
	closedir(d);
	free(host.id);
	return count;
}
