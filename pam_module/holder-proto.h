/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contract between pam_paddock.so (which starts the holder and talks to
 * it) and "paddock holder" (shell/holder.c), PID 1 of a user's paddock.
 *
 * State layout, all root-owned, under STATE_DIR (mode 0700):
 *   STATE_DIR/UID.lock        per-user lock (flock LOCK_EX); never removed
 *   STATE_DIR/UID/            per-user directory, mode 0700
 *   STATE_DIR/UID/ns/all      namespace records: a line "NAME INODE\n" per
 *                             namespace of the holder (mnt pid ipc uts net, in
 *                             that order, those of --ns), then "holder PID\n"
 *                             (its pid where the module runs), written once it
 *                             is ready; ns_join checks the live holder's
 *                             namespaces against them before setns, and the
 *                             admin tools find the holder by them without
 *                             waking it (PID's pid namespace is the recorded
 *                             one: the holder is its PID 1, so no other
 *                             process can have it once the holder is gone).
 *                             Records, not nsfs bind mounts ("pins"): the holder
 *                             keeps its namespaces alive, and a mount per user
 *                             in the host's mount namespace would be copied by
 *                             every later clone of a mount namespace (first
 *                             logins slower with every pin alive; fs.mount-max
 *                             caps them), and binding a mount namespace fails
 *                             at random on Linux 6.18 (ELOOP from the loop
 *                             check, which compares per-CPU batched ids).
 *   STATE_DIR/UID/ctl         the holder's control socket (SOCK_SEQPACKET)
 *
 * STATE_DIR is a private tmpfs of its own (state_make_private), and
 * each holder detaches its copy of it: no paddock sees any state.
 *
 * Start: the module, in the host namespaces, creates UID/ and UID/ns/ and
 * binds UID/ctl (the holder calls listen(), so SO_PEERCRED of every client
 * names the holder, not the sshd that bound it), then clone3()s a child with
 * the new namespaces (mount and pid always) which execs the helper (fd opened
 * before any setns) as
 *
 *   paddock holder --uid UID --user NAME --hostname NAME --ns MASK
 *                  --tmp-size BYTES --private-tmp 0|1 --private-ipc 0|1
 *                  --loopback 0|1 --kill-on-logout 0|1 --linger SECONDS
 *                  --cgroup-manager NAME --cgroup-parent PATH
 *
 * MASK is the decimal POLICY_NS_* mask and must contain MOUNT and PID;
 * BYTES > 0; --loopback 1 needs NET; the mqueue part of --private-ipc needs
 * IPC; NAME of --cgroup-manager is a CgroupManager.name or "none".
 * The environment is exactly HOLDER_ENV_PATH, and these are the only
 * descriptors (all others closed):
 */
#pragma once

#define STATE_DIR "/run/paddock"

#define HOLDER_FD_STATE	   3 /* O_DIRECTORY fd of STATE_DIR/UID (host mount ns) */
#define HOLDER_FD_HOST_MNT 4 /* the host mount namespace (nsfs) */
#define HOLDER_FD_READY	   5 /* pipe: holder writes one HolderReady line, closes */
#define HOLDER_FD_CTL	   6 /* listening SOCK_SEQPACKET control socket */
#define HOLDER_FD_LOCK	   7 /* STATE_DIR/UID.lock, its own open file description */
#define HOLDER_FD_HOST_NET 8 /* the host network namespace (nsfs): network = nat's teardown */
#define HOLDER_FD_COUNT	   9 /* fds 0-2 are /dev/null */

#define HOLDER_ENV_PATH	      "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define HOLDER_CTL_NAME	      "ctl"
#define HOLDER_NS_DIR	      "ns"
#define HOLDER_NS_RECORDS     "all"	/* in HOLDER_NS_DIR */
#define HOLDER_NS_RECORDS_NEW "all.new" /* written, then renamed to "all" */
#define HOLDER_RECORD_PID     "holder"	/* the line of ns/all naming the holder's pid */

/*
 * Ready line: "ok\n" once the mounts, hostname and lo are done, or
 * "error STEP: MESSAGE\n" (then the holder exits 1).  The module records the
 * namespaces (from the pidfd, else /proc/PID/ns/) after "ok".
 */
#define HOLDER_READY_OK "ok\n"
/* How long the module waits for the ready line, and for any ctl reply. */
#define HOLDER_START_TIMEOUT_MS 5000
#define HOLDER_REPLY_TIMEOUT_MS 5000

/*
 * Control protocol: one datagram each way, text, at most HOLDER_MSG_MAX bytes.
 *
 *   client -> "session"  holder -> "ok"      the connection now counts as one
 *                                            live session until it is closed
 *                                  "dying"   the paddock is being torn down;
 *                                            retry after taking the lock
 *   client -> "stop"     holder -> "ok"      tear down now (paddock stop)
 *   client -> "status"   holder -> "sessions N processes N"
 *   anything else        holder -> "error"
 *
 * and, as a later datagram on a connection that sent "session":
 *
 *   client -> "close"    holder -> "ok N"    the session ended; N sessions
 *                                            are left (0: it was the last)
 *
 * Only the first datagram of a connection is acted on, "close" on a live
 * session connection excepted (a session fd that leaks into a user process
 * cannot later send "stop"; "close" can only end the session it belongs
 * to, as closing the fd would); clients must be uid 0.  close_session sends
 * "close" before closing the fd: it learns there whether the paddock's last
 * session ended, without any path (it runs inside the user's namespaces).
 * The holder hangs up right after its answer to "close", and to any first
 * datagram but "session" (status, stop, error): the client's close() then
 * wakes nobody, which halves the wakeups of a holder that paddock metrics
 * asks every 15 s.
 * "dying" is only sent once the holder holds the per-user lock and has
 * committed to tear down, so a client that holds the lock never sees it.
 * The module must hold the lock from holder_start() until its ns_join() has
 * been answered: a new holder starts with 0 sessions, and with linger 0 it
 * would tear down as soon as it gets the lock.
 * processes N counts the live (non-zombie) processes of the PID namespace
 * other than the holder.
 *
 * The holder counts a session per connection that sent "session"; when the
 * count reaches 0 (it starts at 0) it waits PolicyGlobal.linger seconds
 * and, if still 0, tears down: with kill-on-logout it kills every process of
 * its PID namespace, otherwise it waits until it is the last process.  It
 * takes the per-user lock without blocking (retrying every 50 ms while
 * serving clients), then acts on what clients sent meanwhile (a "session"
 * cancels the teardown).  Teardown, under the lock: unlink ctl, answer
 * pending clients "dying", kill the rest of the PID namespace (bounded wait),
 * setns(HOST_MNT) and unlink the records, remove UID/ (only if it is
 * still the directory of fd 3), leave the user's cgroup (CgroupManager.leave),
 * remove it (CgroupManager.destroy, retried for 2 s while -EBUSY), exit 0.
 * SIGTERM from root outside the paddock acts like "stop".
 *
 * Reaping: processes whose parent dies inside the PID namespace go to the
 * holder, but a session's first process (its parent, sshd or su, is outside)
 * goes to the host's reaper when that parent dies: the kernel reparents by
 * the dying parent's namespace.  Such processes still count as processes of
 * the paddock and are killed by kill-on-logout.  When the holder exits the
 * kernel waits until every process of the namespace has been reaped, also
 * by parents outside it; the teardown is complete before that.
 */
#define HOLDER_MSG_MAX 256

/* The words of the protocol above: one definition each, for the client
 * (holder-ctl.h) and the holder (shell/holder-sessions.c) alike. */
#define HOLDER_REQ_SESSION  "session"
#define HOLDER_REQ_STOP	    "stop"
#define HOLDER_REQ_STATUS   "status"
#define HOLDER_REQ_CLOSE    "close"
#define HOLDER_REQ_CLAIM    "claim" /* the first word of the claim, below */
#define HOLDER_REPLY_OK	    "ok"
#define HOLDER_REPLY_DYING  "dying"
#define HOLDER_REPLY_ERROR  "error"
#define HOLDER_REPLY_STATUS "sessions %u processes %u"
#define HOLDER_REPLY_CLOSED "ok %u" /* to "close": the sessions left */

/*
 * Spare holders (PolicyGlobal.prestart; pam_module/spare.h): a holder
 * started ahead of demand for no user yet, as
 *
 *   paddock holder --spare NAME --ns MASK --tmp-size BYTES --private-tmp 0|1
 *                  --private-ipc 0|1 --loopback 0|1 --cgroup-manager NAME
 *                  --cgroup-parent PATH --pad SPACES
 *
 * with fd 3 its directory STATE_DIR/spare/NAME, fd 7 /dev/null, and every
 * setup step done but the hostname.  It lives in a cgroup of its own,
 * PARENT/spare-ID (CgroupSpareOps.make, v1; the manager's reaper leaf
 * elsewhere) and never tears down by itself.  A first login claims it:
 * renames that cgroup to the user's (v1), its directory to UID/, then, as
 * the first datagram of a connection, sends
 *
 *   "claim\0UID\0USER\0HOSTNAME\0TMP_SIZE\0KILL_ON_LOGOUT\0LINGER\0MASK\0
 *    PRIVATE_TMP\0PRIVATE_IPC\0LOOPBACK\0CGROUP_MANAGER\0CGROUP_PARENT"
 *
 * (at most HOLDER_CLAIM_MAX bytes) with the user's lock file (its own open
 * file description) as SCM_RIGHTS.  The holder checks that the shape is its
 * own and that its PID namespace is empty, moves itself into the user's
 * cgroup unless it is in it already (attach_self: the single-threaded
 * holder writes "0"; then its spare cgroup is removed), sets the hostname,
 * resizes its tmpfs, rewrites its command line (in the room of --pad) to
 * the one holder_params_argv() gives for the user, and answers "ok": from then
 * on it is the user's holder, as if started for them, and the connection
 * counts as a session, as after "session" (the claimer joins through the
 * holder's pidfd and keeps it; a claimer that joins on a connection of its
 * own instead just closes it).  Any other answer ("error STEP: MESSAGE")
 * and the holder exits; the claimer kills it and removes UID/.
 */
#define HOLDER_SPARE_DIR   "spare"
#define HOLDER_SPARE_PAD   512
#define HOLDER_CLAIM_MAX   1024
#define HOLDER_CMDLINE_MAX 2048
