/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spares on the maker's side, run in "paddock spare" (spare_make(),
 * spare_watch_ready()) and in the admin commands that stop them
 * (spare_stop_all()): never in a login.
 */
#include "spare-maker.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "cgroup.h"
#include "holder-ctl.h"
#include "net.h"
#include "ns.h"
#include "state.h"

/* ---- the maker's lock and directory ------------------------------------ */

int spare_maker_lock(int spare_fd, const HolderParams *p, int *ret_fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char key[SPARE_KEY_LEN + 1], name[SPARE_MAKER_NAME_MAX];
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;

	spare_key(p, key);
	spare_maker_name(key, name);
	fd = openat(spare_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	if (fcntl(fd, F_SETLK, &fl) < 0)
		return errno == EAGAIN || errno == EACCES ? -EBUSY : negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int spare_maker_open_dir(const HolderParams *p, int *ret_fd)
{
	_cleanup_(closep) int run_fd = -EBADF;
	int r;

	/* Out of the claiming login's cgroup before anything is made (a
	 * spare, the maker's lock file and inotify instance). */
	if (!streq(p->cgroup_manager, "none")) {
		const CgroupManager *cgm = cg_manager_by_name(p->cgroup_manager);

		if (!cgm || !cgm->has_reaper)
			return -EINVAL;
		r = cgm->leave(p->cgroup_parent);
		if (r < 0)
			return r;
	}
	r = state_open_mount(&run_fd);
	if (r >= 0)
		r = state_repair(run_fd);
	if (r < 0)
		return r;
	return spare_open_dir(run_fd, true, ret_fd);
}

/* SIGTERM to the maker that holds name's lock, and wait (a little) until it
 * is gone: it finishes the spare it is making first. */
static int stop_maker(int spare_fd, const char *name)
{
	_cleanup_(closep) int pidfd = -EBADF;
	struct pollfd pfd;
	pid_t pid;
	int r;

	pid = spare_maker_pid(spare_fd, name);
	if (pid <= 0)
		return pid;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : negative_errno();
	/* The pid was the holder of the lock; is the process behind the
	 * pidfd still the one holding it (not a reuse of the number)? */
	if (spare_maker_pid(spare_fd, name) != pid)
		return 0;
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : negative_errno();
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	do
		r = poll(&pfd, 1, HOLDER_START_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : negative_errno();
}

typedef struct StopMakers {
	int spare_fd;
	int first_error;
} StopMakers;

static bool is_maker(const char *name, const char *unused)
{
	return strncmp(name, SPARE_MAKER_PREFIX, strlen(SPARE_MAKER_PREFIX)) == 0;
}

static int stop_one_maker(const char *name, void *data)
{
	StopMakers *m = data;
	int r = stop_maker(m->spare_fd, name);

	if (m->first_error == 0 && r < 0)
		m->first_error = r;
	return 0;
}

/* Every maker of spare_fd, stopped; the first -errno. */
static int stop_makers(int spare_fd)
{
	StopMakers m = { .spare_fd = spare_fd };

	(void)spare_each_entry(spare_fd, is_maker, NULL, stop_one_maker, &m);
	return m.first_error;
}

/* ---- watching the ready spares ------------------------------------------ */

typedef struct Watch {
	int spare_fd;
	int *pidfds;
	size_t n, max;
} Watch;

static int watch_one(const char *name, void *data)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF;
	Watch *w = data;
	pid_t pid;

	if (spare_is_new(name))
		return 0;
	if (w->n == w->max)
		return 1;
	dir_fd = fs_open_beneath(w->spare_fd, name, O_RDONLY | O_DIRECTORY);
	/* Gone (claimed) or dead: the maker's next spare_make() sees to it. */
	if (dir_fd >= 0 && holder_ctl_connect_dir(dir_fd, &fd, &pid, &w->pidfds[w->n]) >= 0)
		w->n++;
	return 0;
}

size_t spare_watch_ready(int spare_fd, const HolderParams *p, int *pidfds, size_t max)
{
	char key[SPARE_KEY_LEN + 1];
	Watch w = { .spare_fd = spare_fd, .pidfds = pidfds, .max = max };

	spare_key(p, key);
	(void)spare_each_of_key(spare_fd, key, watch_one, &w);
	return w.n;
}

/* ---- making spares ------------------------------------------------------ */

static bool has_id(const char *name, const char *id)
{
	const char *dot = strchr(name, '.');
	size_t n = strlen(id);

	return dot && strncmp(dot + 1, id, n) == 0 && (dot[1 + n] == '\0' || dot[1 + n] == '.');
}

/* A spare cgroup is kept while a spare of its id is in the spare directory. */
static bool spare_cgroup_in_use(const char *cg_name, void *data)
{
	return spare_count_matching(*(int *)data, has_id, cg_name + strlen(CG_SPARE_PREFIX)) > 0;
}

/* A spare of our shape being made (KEY.ID.new/) while we make none: its
 * maker died before the rename (threat 18).  Its holder, if it listens,
 * is killed; one still in its setup exits at its ready line (nobody reads
 * it).  A ready one (KEY.ID/) whose holder is gone: it would count as
 * ready and never be replaced.  Their directories go; their cgroups are
 * swept next. */
static int collect_stale(const char *name, void *data)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, pidfd = -EBADF;
	int spare_fd = *(int *)data, r;
	pid_t pid;

	dir_fd = fs_open_beneath(spare_fd, name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return 0; /* claimed meanwhile */
	r = holder_ctl_connect_dir(dir_fd, &fd, &pid, &pidfd);
	if (!spare_is_new(name) && r != -ESTALE)
		return 0;
	if (r >= 0)
		holder_kill(pidfd);
	(void)state_remove_at(spare_fd, name);
	return 0;
}

int spare_make(int helper_fd, const HolderParams *p, unsigned count, HolderStarted *ret)
{
	_cleanup_(closep) int spare_fd = -EBADF, dir_fd = -EBADF, ns_fd = -EBADF, pidfd = -EBADF;
	char key[SPARE_KEY_LEN + 1], name[SPARE_KEY_LEN + 18], tmp_name[sizeof(name) + 4],
		cmdline[HOLDER_CMDLINE_MAX];
	const CgroupManager *cgm = spare_cgroups_of(p);
	HolderStarted info = { 0 };
	CgroupStamp stamp = { 0 };
	uint64_t id;
	bool created = false, in_cg = false;
	int r, len;

	if (ret)
		*ret = info;
	spare_key(p, key);
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return -EIO;
	snprintf(name, sizeof(name), "%s.%016" PRIx64, key, id);
	snprintf(tmp_name, sizeof(tmp_name), "%s" SPARE_NEW_SUFFIX, name);
	len = holder_params_argv(HOLDER_ARGV_SPARE, p, &(HolderArgvExtra){ .spare = name }, cmdline,
				 sizeof(cmdline));
	if (len < 0)
		return len;

	/* Nothing of the spare is charged to the login that asked for it. */
	r = spare_maker_open_dir(p, &spare_fd);
	if (r < 0)
		return r;

	/* Count and claim a place under the lock: concurrent makers make no
	 * more than count between them. */
	while (flock(spare_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return negative_errno();
	/* The caller holds the shape's maker lock (spare_maker_lock()): no
	 * other maker makes one of this shape now. */
	(void)spare_each_of_key(spare_fd, key, collect_stale, &spare_fd);
	/* The cgroups of spares that are gone (killed, or stopped before
	 * they removed it): under the lock, so none of a spare being made. */
	if (cgm)
		(void)cgm->spare->sweep(p->cgroup_parent, spare_cgroup_in_use, &spare_fd);
	if (spare_count_of_key(spare_fd, key) >= count) {
		(void)flock(spare_fd, LOCK_UN);
		return 0;
	}
	r = mkdirat(spare_fd, tmp_name, 0700) < 0 ? negative_errno() : 0;
	(void)flock(spare_fd, LOCK_UN);
	if (r < 0)
		return r;
	created = true;
	dir_fd = fs_open_beneath(spare_fd, tmp_name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0) {
		r = dir_fd;
		goto out;
	}
	if (mkdirat(dir_fd, HOLDER_NS_DIR, 0700) < 0) {
		r = negative_errno();
		goto out;
	}
	/*
	 * The spare's own cgroup first, and the holder forked in it (the maker
	 * steps in and out): a first login renames it to its user's (spare.h),
	 * with what the holder is made of charged there.  Without it (an
	 * error) the holder waits in the reaper leaf and that login makes a
	 * cgroup, as without spares.  The maker never stays in it.
	 */
	if (cgm) {
		char cg_name[SPARE_CGROUP_NAME_MAX];

		spare_cgroup_name(name, cg_name);
		in_cg = cgm->spare->make(p->cgroup_parent, cg_name, p->spare_limits, true,
					 &stamp) >= 0;
		/* What the claiming login's enter() takes (spare_pick()). */
		if (in_cg && stamp.magic)
			(void)state_user_record_set(dir_fd, &stamp, sizeof(stamp));
		if (!in_cg) {
			r = cgm->leave(p->cgroup_parent);
			if (r < 0)
				goto out;
		}
	}
	r = holder_spawn(dir_fd, -1, helper_fd, cmdline, (size_t)len, p->namespaces, &info, &pidfd);
	if (in_cg) {
		int k = cgm->leave(p->cgroup_parent);

		if (k < 0 && r >= 0)
			r = k;
	}
	if (r < 0)
		goto out;
	/* Its namespaces recorded now, owners checked (threat 1), not by the
	 * login that claims it: that one checks them as a join does. */
	ns_fd = fs_open_beneath(dir_fd, HOLDER_NS_DIR, O_RDONLY | O_DIRECTORY);
	r = ns_fd < 0 ? ns_fd : holder_record(ns_fd, info.pid, pidfd, p->namespaces);
	if (r < 0)
		goto out;
	/* network = nat: its network now (paddock-net, in the maker's network
	 * namespace, the host's), so that its claim makes none (net.h). */
	if (p->spare_net) {
		r = net_spare_up(name, info.pid, pidfd, p->spare_net, info.error,
				 sizeof(info.error));
		if (r < 0)
			goto out;
	}
	if (renameat(spare_fd, tmp_name, spare_fd, name) < 0) {
		r = negative_errno();
		goto out;
	}
	r = 1;
out:
	if (r < 0) {
		holder_kill(pidfd);
		if (created)
			(void)state_remove_at(spare_fd, tmp_name);
		(void)spare_cgroup_remove(cgm, p->cgroup_parent, name);
		info.pid = 0;
	}
	if (ret)
		*ret = info;
	return r;
}

/* ---- stopping spares (paddock stop --spares, paddock reload) ------------ */

typedef struct StopAll {
	int spare_fd;
	unsigned stopped;
	int first_error;
} StopAll;

static int stop_one(const char *name, void *data)
{
	StopAll *s = data;
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, pidfd = -EBADF;
	char reply[HOLDER_MSG_MAX];
	struct pollfd pfd;
	pid_t pid;
	int r;

	if (spare_is_new(name)) {
		char key[SPARE_KEY_LEN + 1], maker[SPARE_MAKER_NAME_MAX];

		/* Left to its maker while one runs; a dead maker's goes. */
		snprintf(key, sizeof(key), "%.*s", SPARE_KEY_LEN, name);
		spare_maker_name(key, maker);
		if (spare_maker_pid(s->spare_fd, maker) == 0)
			(void)collect_stale(name, &s->spare_fd);
		return 0;
	}
	dir_fd = fs_open_beneath(s->spare_fd, name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return 0; /* claimed meanwhile */
	r = holder_ctl_connect_dir(dir_fd, &fd, &pid, &pidfd);
	if (r == -ESTALE) {
		/* Dead. */
		(void)state_remove_at(s->spare_fd, name);
		return 0;
	}
	if (r >= 0)
		r = holder_ctl_exchange(fd, HOLDER_REQ_STOP, reply, sizeof(reply));
	if (r >= 0 && !streq(reply, HOLDER_REPLY_OK))
		r = -EPROTO;
	if (r >= 0) {
		/* Its exit is "its directory is gone". */
		pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		do
			r = poll(&pfd, 1, HOLDER_REPLY_TIMEOUT_MS);
		while (r < 0 && errno == EINTR);
		r = r > 0 ? 0 : r == 0 ? -ETIMEDOUT : negative_errno();
	}
	if (r < 0 && r != -ESTALE) {
		if (s->first_error == 0)
			s->first_error = r;
		return 0;
	}
	s->stopped++;
	return 0;
}

int spare_stop_all(int run_dir_fd, unsigned *ret_stopped)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	StopAll s = { 0 };
	int r;

	*ret_stopped = 0;
	r = spare_open_dir(run_dir_fd, false, &spare_fd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	s.spare_fd = spare_fd;
	/* The makers first: none tops a pool up again behind us. */
	s.first_error = stop_makers(spare_fd);
	(void)spare_each_of_key(spare_fd, NULL, stop_one, &s);
	*ret_stopped = s.stopped;
	return s.first_error;
}
