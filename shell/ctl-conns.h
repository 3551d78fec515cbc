/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The connections open to every holder's control socket, from one
 * sock_diag dump of this network namespace's UNIX sockets: how paddock
 * status, metrics and top count a paddock's sessions without waking its
 * holder.  Every connection the holder accepted on STATE_DIR/UID/ctl
 * carries that socket file's inode (the kernel copies the listener's path
 * into it), and a session keeps its connection open until it ends
 * (holder-proto.h); a status or stop request counts while it is answered.
 * The module binds ctl in the host's network namespace; a dump made in
 * another one lists neither the listener nor its connections, and the
 * count is then unknown rather than 0.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

typedef struct CtlConns CtlConns;

/*
 * Dump the listening and the established SOCK_SEQPACKET sockets bound to a
 * path, by the path's inode.  Returns 0 with *ret (free with ctl_conns_free), or
 * -errno (the kernel has no UNIX sock_diag: unix_diag not built).
 */
int ctl_conns_dump(CtlConns **ret);
void ctl_conns_free(CtlConns *c);
/* _cleanup_ form of ctl_conns_free(). */
void ctl_conns_freep(CtlConns **c);

/* How many of the dumped connections the listener bound to the socket
 * file dev/ino accepted; UINT_MAX when that listener is not in the dump. */
unsigned ctl_conns_count(const CtlConns *c, dev_t dev, uint64_t ino);
