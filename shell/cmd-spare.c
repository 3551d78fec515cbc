/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock spare: fill the pool of spare paddocks of one shape
 * (pam_module/spare.h), then top it up after each claim until
 * SPARE_MAKER_LINGER_MS pass without one.  Started detached by
 * pam_paddock.so after a first login, with fd 3 the helper it opened (the
 * holder is exec'd from it, no path looked up again), fds 0-2 /dev/null.
 * Not for people: it says what went wrong in syslog only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "../pam_module/net.h"
#include "../pam_module/spare-maker.h"
#include "commands.h"

#define SPARE_HELPER_FD 3

/* fd 3 must be what the module checked (session.c, open_helper). */
static int check_helper_fd(void)
{
	struct stat st;

	if (fstat(SPARE_HELPER_FD, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

/* Make spares of p's shape until count exist (or are being made), the
 * dead ones collected first (spare_make()).  Returns how many were made,
 * or -errno. */
static int fill(const HolderParams *p, unsigned count, HolderStarted *started)
{
	int made = 0;

	for (unsigned i = 0; i < count; i++) {
		int r = spare_make(SPARE_HELPER_FD, p, count, started);

		if (r < 0)
			return r;
		if (r == 0)
			break;
		made++;
		syslog(LOG_DEBUG, "spare paddock ready, holder pid %d", (int)started->pid);
	}
	return made;
}

/* Read what inotify has; false once the watched directory is gone. */
static bool drain(int ino)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool alive = true;
	ssize_t n;

	while ((n = read(ino, buf, sizeof(buf))) > 0)
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)q;

			if (e->mask & (IN_DELETE_SELF | IN_IGNORED))
				alive = false;
			q += sizeof(*e) + e->len;
		}
	return alive;
}

/* The pidfds of our ready spares' holders, for poll after the first two. */
typedef struct Watched {
	struct pollfd pfd[2 + POLICY_PRESTART_MAX];
	size_t n; /* pfd entries in use, the first two included */
} Watched;

static void unwatch(Watched *w)
{
	for (size_t i = 2; i < w->n; i++)
		safe_close(w->pfd[i].fd);
	w->n = 2;
}

static void watch(Watched *w, int spare_fd, const HolderParams *p)
{
	int fds[POLICY_PRESTART_MAX];
	size_t k;

	unwatch(w);
	k = spare_watch_ready(spare_fd, p, fds, ELEMENTSOF(fds));
	for (size_t i = 0; i < k; i++)
		w->pfd[w->n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
}

/*
 * Fill the pool; then, holding the shape's maker lock, fill it again after
 * every change of STATE_DIR/spare/ (a claim renames a spare away) and every
 * exit of a ready spare's holder (killed: spare_make() collects its
 * directory and makes another) until SPARE_MAKER_LINGER_MS pass without
 * one, or SIGTERM (paddock stop --spares, reload: the spare being made is
 * finished first).  Idle, it lets the lock go and looks once more, so a
 * claim made by a login that still saw the lock held is never left to
 * nobody.
 */
static int maker_run(const HolderParams *p, unsigned count, HolderStarted *started)
{
	_cleanup_(closep) int spare_fd = -EBADF, lock_fd = -EBADF, ino = -EBADF, sig = -EBADF;
	struct flock unlock = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	Watched w = { .n = 2 };
	char path[64];
	sigset_t term;
	int r;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigaddset(&term, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &term, NULL) < 0)
		return negative_errno();
	sig = signalfd(-1, &term, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig < 0)
		return negative_errno();
	r = spare_maker_open_dir(p, &spare_fd);
	if (r < 0)
		return r;
	r = spare_maker_lock(spare_fd, p, &lock_fd);
	if (r == -EBUSY)
		return 0; /* the shape's maker runs: it tops the pool up */
	if (r < 0)
		return r;
	/* Watching before the first count: no claim falls between. */
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", spare_fd);
	if (ino < 0 ||
	    inotify_add_watch(ino, path, IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR) <
		    0)
		return negative_errno();
	w.pfd[0] = (struct pollfd){ .fd = sig, .events = POLLIN };
	w.pfd[1] = (struct pollfd){ .fd = ino, .events = POLLIN };
	for (;;) {
		int n;

		r = fill(p, count, started);
		if (r < 0)
			break;
		watch(&w, spare_fd, p);
		do
			n = poll(w.pfd, w.n, SPARE_MAKER_LINGER_MS);
		while (n < 0 && errno == EINTR);
		if (n < 0 || w.pfd[0].revents) {
			r = n < 0 ? negative_errno() : 0;
			break;
		}
		if (n > 0 && !w.pfd[1].revents)
			continue; /* a spare's holder exited */
		if (n > 0) {
			if (!drain(ino)) {
				r = 0;
				break;
			}
			/*
			 * A claim took a spare: the claiming login is still in
			 * its cgroup steps and its join, and v1 makes every
			 * cgroup change wait for one lock, which the next
			 * spare's cgroup would hold (a memory cgroup's mkdir,
			 * the slow one).  The login first, then the spare.
			 */
			do
				n = poll(w.pfd, 1, SPARE_MAKER_SETTLE_MS);
			while (n < 0 && errno == EINTR);
			if (n != 0) {
				r = n < 0 ? negative_errno() : 0;
				break;
			}
			(void)drain(ino);
			continue;
		}
		/* Idle: one more look before going, so that no spare whose
		 * holder died unseen stays counted as ready. */
		r = fill(p, count, started);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		if (fcntl(lock_fd, F_SETLK, &unlock) < 0) {
			r = negative_errno();
			break;
		}
		if (spare_count_of(spare_fd, p) >= count)
			break;
		if (fcntl(lock_fd, F_SETLK, &lock) < 0)
			break; /* a maker started since then has it */
	}
	unwatch(&w);
	return r;
}

int cmd_spare(int argc, char **argv)
{
	static CgroupLimits limits;
	HolderParams p;
	HolderArgvExtra x;
	HolderStarted started = { 0 };
	int r;

	openlog("paddock-spare", LOG_PID, LOG_AUTHPRIV);
	if (getuid() != 0 || geteuid() != 0) {
		fprintf(stderr, "paddock spare: only pam_paddock.so starts this, as root\n");
		return 1;
	}
	r = holder_params_parse_argv(HOLDER_ARGV_MAKER, argc - 1, argv + 1, &p, &x, &limits);
	if (r < 0) {
		fprintf(stderr, "paddock spare: bad arguments (see pam_module/spare.h)\n");
		return 2;
	}
	r = check_helper_fd();
	if (r >= 0) {
		(void)close_range(SPARE_HELPER_FD + 1, ~0U, 0);
		r = maker_run(&p, x.count, &started);
	}
	if (r < 0) {
		syslog(LOG_WARNING, "making a spare paddock failed: %s%s%s", strerror(-r),
		       *started.error ? ": " : "", started.error);
		return 1;
	}
	return 0;
}
