/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client half of the holder's control protocol (holder-proto.h): the
 * connection to a holder's control socket, with the checks that the socket
 * and its peer are root's, and the exchanges of one datagram each way that
 * the module (join, close, claim) and the admin commands (stop, status) make.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "holder-params.h"

/*
 * Connect to the control socket STATE_DIR/UID/ctl of uid's holder: it must
 * be a socket (no symlink) owned by root, and the peer must be root.  first
 * (when not NULL) is sent before those checks, so that the holder works on
 * it meanwhile (ns_join()'s "session"): nothing counts until they passed.
 * Returns 0 with *ret_fd (SOCK_SEQPACKET, O_CLOEXEC, send and receive
 * timeouts of HOLDER_REPLY_TIMEOUT_MS) and, where not NULL, *ret_pid (the
 * peer's pid, in our PID namespace) and *ret_pidfd (O_CLOEXEC, the caller
 * closes it: the socket's own reference to the peer on Linux 6.5+, else
 * pidfd_open() of *ret_pid, so check with pidfd_send_signal(pidfd, 0) after
 * using the pid that the holder is still alive).  -ESTALE when there is no
 * live holder (no UID/, no ctl, nobody listening), -EPERM when the socket or
 * its peer is not root's, other -errno.  On failure nothing is left open.
 */
int holder_ctl_connect(int run_dir_fd, uid_t uid, const char *first, int *ret_fd, pid_t *ret_pid,
		       int *ret_pidfd);

/* The same for the holder whose state directory is dir_fd (UID/, or a
 * spare's directory below STATE_DIR/spare/). */
int holder_ctl_connect_dir(int dir_fd, int *ret_fd, pid_t *ret_pid, int *ret_pidfd);

/*
 * One control datagram (holder-proto.h) out on fd from holder_ctl_connect() or
 * ns_join(), one back into reply (NUL-terminated, len > 0).  Returns the
 * reply length, -ESTALE when the holder closed on us, -ETIMEDOUT, -EINVAL
 * (len 0, msg not shorter than HOLDER_MSG_MAX), other -errno.
 */
int holder_ctl_exchange(int fd, const char *msg, char *reply, size_t len);

/*
 * The two halves of holder_ctl_exchange(), for a caller that asks many holders
 * at once (paddock metrics): every request out first, then the replies,
 * so that the holders answer meanwhile.  Same results.
 */
int holder_ctl_send(int fd, const char *msg);
int holder_ctl_recv(int fd, char *reply, size_t len);

/*
 * End the session whose connection ns_join() returned by sending "close" on
 * it, and learn how many sessions the paddock has left (the holder answers
 * "ok N").  The caller still closes fd.  Returns N >= 0, -ESTALE when the
 * holder is gone (the paddock was stopped), -ETIMEDOUT, -EPROTO for any
 * other answer, other -errno.
 */
int holder_ctl_close_session(int fd);

/*
 * Send one control message ("stop", "status") to the holder of uid and read
 * its one-datagram reply into reply (NUL-terminated, len > 0).  Returns the
 * reply length, -ESTALE when there is no live holder, -ETIMEDOUT, -EPERM
 * when the peer is not root, other -errno.
 */
int holder_ctl_request(int run_dir_fd, uid_t uid, const char *msg, char *reply, size_t len);

/*
 * Claim the spare holder on fd (from holder_ctl_connect_dir(), nothing sent
 * yet) for p: the claim message of holder-proto.h with lock_fd passed along
 * (SCM_RIGHTS), and its one-datagram answer into reply (NUL-terminated,
 * len > 0; "ok" or "error STEP: MESSAGE").  Returns the reply length,
 * -ESTALE when the holder is gone, -ETIMEDOUT, -E2BIG when p does not fit
 * in a claim, other -errno.
 */
int holder_ctl_claim(int fd, const HolderParams *p, int lock_fd, char *reply, size_t len);

/*
 * The holder's answer to "status" ("sessions N processes N"): 0 with both
 * counts, -ESTALE for "dying", -EPROTO for anything else.
 */
int holder_ctl_parse_status(const char *reply, unsigned *ret_sessions, unsigned *ret_processes);
