/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's side of sessions: accept connections on the control socket,
 * receive each one's first datagram, act on it (session, claim, stop,
 * status; "close" later on a session), count the live sessions and reply.
 */
#include "holder-sessions.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../pam_module/holder-proto.h"

/* Non-blocking: accept4() loops until the queue is empty. */
int holder_listen(void)
{
	int fl = fcntl(HOLDER_FD_CTL, F_GETFL);

	if (fl < 0 || fcntl(HOLDER_FD_CTL, F_SETFL, fl | O_NONBLOCK) < 0)
		return negative_errno();
	return listen(HOLDER_FD_CTL, SOMAXCONN) < 0 ? negative_errno() : 0;
}

void holder_timer_arm(Holder *h, uint64_t ms)
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
		holder_timer_arm(h, 0);
	}
}

void holder_sessions_zero(Holder *h)
{
	if (h->o->p.linger == 0) {
		h->phase = PHASE_EXPIRED;
		return;
	}
	h->phase = PHASE_LINGER;
	holder_timer_arm(h, h->o->p.linger * 1000);
}

static void session_removed(Holder *h)
{
	if (h->sessions > 0 && --h->sessions == 0)
		holder_sessions_zero(h);
}

void holder_reply(int fd, const char *msg)
{
	(void)send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* A claim failed half-way: say why, and go (the claimer kills us anyway,
 * and removes UID/; holder-proto.h). */
_Noreturn static void claim_failed(int fd, const char *step, int r)
{
	char buf[HOLDER_MSG_MAX];

	snprintf(buf, sizeof(buf), HOLDER_REPLY_ERROR " %s: %s", step, strerror(-r));
	holder_reply(fd, buf);
	syslog(LOG_ERR, "spare: %s failed: %s", step, strerror(-r));
	_exit(1);
}

static uint64_t handle_claim(Holder *h, int fd, const char *msg, size_t n, int passed_fd)
{
	const char *step = "claim";
	int r = holder_claim(h->o, msg, n, passed_fd, holder_count_processes(h->proc), &step);

	if (r < 0)
		claim_failed(fd, step, r);
	/* The login waits for the answer, not for the log line.  This
	 * connection is its session now (holder-proto.h). */
	holder_reply(fd, HOLDER_REPLY_OK);
	session_added(h);
	syslog(LOG_INFO, "uid %u (%s): spare claimed", (unsigned)h->o->p.uid, h->o->p.user);
	return CONN_DONE | CONN_SESSION;
}

/* Act on a connection's first datagram (n bytes, msg[n] is NUL); returns
 * the new flags. */
static uint64_t handle_message(Holder *h, int fd, const char *msg, size_t n, int passed_fd)
{
	char buf[HOLDER_MSG_MAX];

	if (h->o->spare && n > sizeof(HOLDER_REQ_CLAIM) &&
	    memcmp(msg, HOLDER_REQ_CLAIM, sizeof(HOLDER_REQ_CLAIM)) == 0)
		return handle_claim(h, fd, msg, n, passed_fd);
	/* Nobody joins a spare: it has no user yet. */
	if (streq(msg, HOLDER_REQ_SESSION) && !h->o->spare) {
		session_added(h);
		holder_reply(fd, HOLDER_REPLY_OK);
		return CONN_DONE | CONN_SESSION;
	}
	if (streq(msg, HOLDER_REQ_STOP)) {
		if (!h->stop) {
			h->stop = true;
			h->reason = "stop requested";
		}
		holder_reply(fd, HOLDER_REPLY_OK);
		return CONN_DONE;
	}
	if (streq(msg, HOLDER_REQ_STATUS)) {
		snprintf(buf, sizeof(buf), HOLDER_REPLY_STATUS, h->sessions,
			 holder_count_processes(h->proc));
		holder_reply(fd, buf);
		return CONN_DONE;
	}
	holder_reply(fd, HOLDER_REPLY_ERROR);
	return CONN_DONE;
}

/* "close" on a session connection: the session ends now and the reply
 * says how many are left, so the module knows whether it closed the last. */
static uint64_t handle_close(Holder *h, int fd, uint64_t flags)
{
	char buf[HOLDER_MSG_MAX];

	session_removed(h);
	snprintf(buf, sizeof(buf), HOLDER_REPLY_CLOSED, h->sessions);
	holder_reply(fd, buf);
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

void holder_conn(Holder *h, uint64_t data)
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
			if (!(flags & CONN_SESSION) || !streq(buf, HOLDER_REQ_CLOSE))
				continue;
			/* Nothing more can come that counts: hang up now, so
			 * that the module's close() has no peer left to wake. */
			conn_close(h, fd, handle_close(h, fd, flags));
			return;
		} else {
			flags = handle_message(h, fd, buf, (size_t)n, passed);
			/* A request that is no session (status, stop) is answered
			 * in full: hang up now, so that the asker's close() does
			 * not wake us a second time. */
			if (!(flags & CONN_SESSION)) {
				conn_close(h, fd, flags);
				return;
			}
		}
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.u64 = ev_data(fd, TAG_CONN, flags) };
		(void)epoll_ctl(h->ep, EPOLL_CTL_MOD, fd, &ev);
	}
}

void holder_accept(Holder *h)
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
		holder_conn(h, ev.data.u64);
	}
}
