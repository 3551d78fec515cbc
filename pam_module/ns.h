/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Joining a user's paddock: finding the live holder through its control
 * socket, proving that its namespaces are the ones recorded when it started
 * (and were made by us, not by a user namespace), and entering them with one
 * setns() on its pidfd.  Nothing is pinned: the holder, PID 1 of the
 * paddock, keeps the namespaces alive, and no mount per user exists in the
 * host's mount namespace (each one would be copied by every later clone of a
 * mount namespace: first logins would grow slower with the users alive).
 *
 * The namespaces are indexed as in conf/namespaces.h: index i is the
 * POLICY_NS_* bit 1u << i.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../conf/namespaces.h"

/* Namespace inode numbers, for audit and status.  0 = not in the mask. */
typedef struct NsInodes {
	uint64_t ino[NS_COUNT];
} NsInodes;

/* The CLONE_NEW* flags for a mask of POLICY_NS_* bits (unknown bits ignored). */
int ns_clone_flags(unsigned ns_mask);

/*
 * Open namespace i of the process behind pidfd: through the pidfd itself
 * (PIDFD_GET_*_NAMESPACE, Linux 6.11), else /proc/PID/ns/NAME (checked to
 * be nsfs), which names that process only if the caller checks afterwards
 * that pidfd is still alive: *ret_by_path (when not NULL) says which.
 * Returns an O_CLOEXEC nsfs fd, -ESTALE when the process is gone, -EINVAL
 * for i out of range, -EPERM for a /proc path that is not nsfs, other
 * -errno.
 */
int ns_open_of(int pidfd, pid_t pid, unsigned i, bool *ret_by_path);

/*
 * Join the live paddock of uid: connect to STATE_DIR/UID/ctl, send
 * "session", check that the peer is root and is the holder whose namespaces
 * are recorded in STATE_DIR/UID/ns/ for every bit of ns_mask (each one's
 * owner was checked before it was recorded: ns_owned_by()), then setns()
 * into all of them at once (the PID namespace applies to the children forked
 * afterwards).  The holder's answer to "session" is read after the checks,
 * before the setns().
 *
 * run_dir_fd must be the private STATE_DIR mount (state_make_private).
 * Call it with the per-user lock held and from a single-threaded process.
 *
 * Returns 0 with *ret_session_fd (connected, O_CLOEXEC: closing it ends the
 * session) and *ret_inodes (may be NULL).  -ESTALE: no live paddock (no
 * ctl, nobody listening, the holder closed or said "dying"): collect the
 * state with holder_start().  -ENOENT: a namespace of the mask is not
 * recorded (the paddock was started under another policy).  -EUCLEAN: the
 * paddock is not whole (see ns_join_or_stale()).  -EPERM: the peer or a
 * namespace failed a check.  -ETIMEDOUT: the holder did not answer within
 * HOLDER_REPLY_TIMEOUT_MS.  Other -errno.  On failure nothing was joined.
 */
int ns_join(int run_dir_fd, uid_t uid, unsigned ns_mask, int *ret_session_fd, NsInodes *ret_inodes);

/*
 * ns_join(), which also says when the paddock is not whole although a
 * holder listens on its socket (threat 18): no records (its maker died
 * between the holder's start and the records), records that are not the
 * holder's, or an answer other than "ok" or "dying" (a spare renamed to
 * UID/ whose claim never came).  Then it returns -EUCLEAN with
 * *ret_stale_pidfd (when not NULL) the pidfd of that holder: the caller,
 * under the per-user lock, collects it (holder_collect()) and starts
 * afresh.  Other returns as ns_join().
 */
int ns_join_or_stale(int run_dir_fd, uid_t uid, unsigned ns_mask, int *ret_session_fd,
		     NsInodes *ret_inodes, int *ret_stale_pidfd);

/*
 * The checks of ns_join() without the join: the holder behind pidfd (pid,
 * in our PID namespace) has the namespaces recorded in STATE_DIR/UID/ns/
 * for every bit of ns_mask.  Returns 0 with *ret, -ESTALE when there is
 * no record at all (or the holder died), -ENOENT when one of the mask is
 * missing, -EPERM when a namespace is not the recorded one, other -errno.
 */
int ns_check_holder(int run_dir_fd, uid_t uid, unsigned ns_mask, pid_t pid, int pidfd,
		    NsInodes *ret);

/*
 * Enter the namespaces of ns_mask of the process behind pidfd with one
 * setns() (all or none), without the checks of ns_join(): for a holder
 * whose namespaces the caller has just checked through that pidfd
 * (ns_check_holder(): a claimed spare, spare.h).  Returns 0 or -errno.
 */
int ns_enter(int pidfd, unsigned ns_mask);

/*
 * Whether the namespace ns_fd is owned by the user namespace userns (the
 * stat of ours, /proc/self/ns/user: made by root here, not inside a user
 * namespace a user made): 0, -EPERM when not, other -errno.  Checked before
 * a namespace is recorded (holder_record()).
 */
int ns_owned_by(int ns_fd, const struct stat *userns);

/*
 * Read the recorded inode numbers of uid's namespaces for the bits of
 * ns_mask, without joining.  Returns 0, -ENOENT when uid has no paddock or
 * a record is missing or holds no number, -EPERM when a record is not a
 * root-owned regular file, other -errno.
 */
int ns_read_inodes(int run_dir_fd, uid_t uid, unsigned ns_mask, NsInodes *ret);

/*
 * Every namespace recorded for uid's paddock (0 where none) and the
 * holder's pid the records name, for the admin tools that read a paddock
 * without asking its holder.  Returns as ns_read_inodes().
 */
int ns_read_holder(int run_dir_fd, uid_t uid, NsInodes *ret, pid_t *ret_pid);
