/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's side of sessions: the control socket (HOLDER_FD_CTL) and
 * its connections, one per session (pam_module/holder-proto.h), the
 * session count and the linger timer.
 */
#pragma once

#include <stdint.h>

#include "holder-internal.h"

/* Listen on the control socket, non-blocking.  0 or -errno. */
int holder_listen(void);

/* Arm the holder's timer to fire once in ms milliseconds (0: disarm). */
void holder_timer_arm(Holder *h, uint64_t ms);

/* The last session is gone: linger (the timer runs) or expire now. */
void holder_sessions_zero(Holder *h);

/* Send msg as one datagram on fd, without waiting; errors are ignored
 * (a client that went away needs no answer). */
void holder_reply(int fd, const char *msg);

/* Accept every queued connection (root's only) and act on what each has
 * sent already. */
void holder_accept(Holder *h);

/* Act on what arrived on a connection; data is its epoll data (ev_data()
 * with TAG_CONN and the CONN_* flags).  A failed claim ends the holder. */
void holder_conn(Holder *h, uint64_t data);
