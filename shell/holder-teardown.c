/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's teardown: kill what is left of the paddock, remove its
 * state directory and its cgroup (a spare's: its directory and spare
 * cgroup), bounded in time.
 */
#include "holder-teardown.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/holder-spawn.h"
#include "../pam_module/spare.h"
#include "holder-mount.h"
#include "holder-net.h"
#include "holder-sessions.h"

#define KILL_WAIT_MS   2000
#define CGROUP_BUSY_MS 2000

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
		holder_reap_all();
		if (holder_count_processes(h->proc) == 0)
			return;
		sleep_ms(step);
	}
	syslog(LOG_WARNING, "uid %u: processes left after SIGKILL", (unsigned)h->o->p.uid);
}

/* Tell clients queued on the socket that we are going, and stop listening. */
static void refuse_pending(void)
{
	for (;;) {
		int fd = accept4(HOLDER_FD_CTL, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			break;
		holder_reply(fd, HOLDER_REPLY_DYING);
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
	root = holder_open_root();
	if (root < 0)
		return root;
	run = fs_open_beneath(root, STATE_DIR + 1, O_RDONLY | O_DIRECTORY);
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
	r = o->cgm->leave(o->p.cgroup_parent);
	if (r < 0)
		return r;
	/* The sessions' callers (sshd, su) may still be exiting: usually for
	 * well under a millisecond, so look again soon, then less often. */
	for (unsigned waited = 0, step = 1;; waited += step, step = backoff(step)) {
		r = o->cgm->destroy(o->p.cgroup_parent, o->p.uid);
		if (r != -EBUSY || waited >= CGROUP_BUSY_MS)
			return r;
		sleep_ms(step);
	}
}

/* Under the lock (threat 13): nobody can join or start a paddock for this
 * user until the state is gone. */
int holder_teardown(Holder *h)
{
	const HolderOpts *o = h->o;
	int r, ret = 0;

	syslog(LOG_INFO, "uid %u (%s): tearing down the paddock: %s", (unsigned)o->p.uid, o->p.user,
	       h->reason);
	if (unlinkat(HOLDER_FD_STATE, HOLDER_CTL_NAME, 0) < 0 && errno != ENOENT)
		ret = negative_errno();
	refuse_pending();
	kill_all(h);
	r = remove_state(o->p.uid);
	if (r < 0) {
		syslog(LOG_ERR, "uid %u: removing %s/%u: %s", (unsigned)o->p.uid, STATE_DIR,
		       (unsigned)o->p.uid, strerror(-r));
		ret = r;
	}
	/* network = nat: the address and the ruleset's elements (the links
	 * went with our network namespace); from the host's mount namespace,
	 * where remove_state() left us. */
	r = holder_net_release(o->p.uid, o->p.user, *o->made_as ? o->made_as : NULL);
	if (r < 0) {
		syslog(LOG_ERR, "uid %u: releasing the network (paddock-net down): %s",
		       (unsigned)o->p.uid, strerror(-r));
		ret = r;
	}
	r = remove_cgroup(o);
	if (r < 0) {
		syslog(LOG_ERR, "uid %u: removing the cgroup (%s): %s", (unsigned)o->p.uid,
		       o->cgm->name, strerror(-r));
		ret = r;
	}
	(void)flock(HOLDER_FD_LOCK, LOCK_UN);
	return ret;
}

/* A spare stopped before any claim: no user, no lock; its directory goes,
 * and the spare cgroup it was made in (spare.h): out of it into the reaper
 * leaf first, then it is removed. */
void holder_teardown_spare(Holder *h)
{
	_cleanup_(closep) int root = -EBADF, run = -EBADF;
	int r;

	syslog(LOG_INFO, "spare %s: stopping: %s", h->o->spare, h->reason);
	(void)unlinkat(HOLDER_FD_STATE, HOLDER_CTL_NAME, 0);
	refuse_pending();
	kill_all(h);
	if (setns(HOLDER_FD_HOST_MNT, CLONE_NEWNS) < 0)
		r = negative_errno();
	else if ((root = holder_open_root()) < 0)
		r = root;
	else if ((run = fs_open_beneath(root, STATE_DIR + 1, O_RDONLY | O_DIRECTORY)) < 0)
		r = run;
	else
		r = holder_spare_remove_state(run, h->o->spare);
	if (r < 0)
		syslog(LOG_ERR, "spare %s: removing %s/%s/%s: %s", h->o->spare, STATE_DIR,
		       HOLDER_SPARE_DIR, h->o->spare, strerror(-r));
	/* Its network made ahead (pam_module/net.h): link, elements, address. */
	if (root >= 0) {
		r = holder_net_release((uid_t)-1, NULL, h->o->spare);
		if (r < 0)
			syslog(LOG_ERR, "spare %s: releasing the network (paddock-net down): %s",
			       h->o->spare, strerror(-r));
	}
	if (root >= 0 && h->o->cgm && h->o->cgm->spare) {
		r = h->o->cgm->leave(h->o->p.cgroup_parent);
		if (r >= 0)
			r = spare_cgroup_remove(h->o->cgm, h->o->p.cgroup_parent, h->o->spare);
		if (r < 0)
			syslog(LOG_ERR, "spare %s: removing its cgroup: %s", h->o->spare,
			       strerror(-r));
	}
}
