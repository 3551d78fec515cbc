/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's state directory STATE_DIR (/run/paddock, root, 0700), the one
 * owner of everything under it (layout: holder-proto.h): opening it, making
 * it a private mount of its own and repairing that, a user's UID/ made and
 * removed, the per-user lock and the record kept on it, the policy's memo.
 * Nothing outside STATE_DIR is ever used for state, and no path below it is
 * opened by name through a symlink (threat 3).
 */
#pragma once

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../conf/policy.h"

/*
 * Open STATE_DIR as an O_DIRECTORY fd, creating it (0700) when missing.
 * Refuses (-EPERM) a directory not owned by root or with any group/other
 * permission, and (-ELOOP) a symlink anywhere in the path.
 */
int state_open_run_dir(int *ret_fd);

/*
 * Open (creating it, 0700, when create is set) the directory path below
 * dirfd without following symlinks, and refuse (-EPERM) one that is not
 * root's or that others could read or write.  Returns 0 and an
 * O_DIRECTORY|O_CLOEXEC fd, or -errno.  state_open_run_dir() is this for
 * STATE_DIR.
 */
int state_open_private_dir(int dirfd, const char *path, bool create, int *ret_fd);

/*
 * Open STATE_DIR/UID.lock (O_RDWR, O_CLOEXEC, no symlinks; created 0600 when
 * create is set) without locking it: every open is its own open file
 * description, so the holder's flock conflicts with the module's.  Refuses
 * (-EPERM) anything but a root-owned regular file.  Returns 0 and the fd,
 * -ENOENT when it is missing and !create, other -errno.
 */
int state_open_user_lock(int run_dir_fd, uid_t uid, bool create, int *ret_fd);

/*
 * Take the per-user lock STATE_DIR/UID.lock (flock LOCK_EX, blocking), the
 * lock that makes concurrent first logins of one user build one paddock.
 * Returns 0 and the locked fd (closing it unlocks), or -errno.
 */
int state_lock_user(int run_dir_fd, uid_t uid, int *ret_fd);

/*
 * A small record kept for one user between logins (the cgroup manager's
 * CgroupStamp, opaque here): the xattr trusted.paddock.cgroup of the
 * user's lock file, so it needs no file of its own (no tmpfs page per
 * user), only CAP_SYS_ADMIN reads or writes it, and it lasts as long as
 * STATE_DIR (the boot).  lock_fd: from state_lock_user(); the lock
 * serialises the logins that read and write it.
 *
 * state_user_record_get: fills buf only when the record is exactly len
 * bytes; returns 0, -ENODATA when there is none, -EBADMSG for one of
 * another size, -EOPNOTSUPP when STATE_DIR has no xattrs, other -errno.
 * state_user_record_set: returns 0 or -errno; on failure the old record is
 * removed (a stale record must not outlive a failed update).
 * state_user_record_drop: remove it; returns 0 (also when there is none) or
 * -errno.
 */
int state_user_record_get(int lock_fd, void *buf, size_t len);
int state_user_record_set(int lock_fd, const void *buf, size_t len);
int state_user_record_drop(int lock_fd);

/*
 * Drop the record of uid (paddock reload, after writing limits behind the
 * logins' backs): under the per-user lock, so that no login in progress
 * writes an older record afterwards.  Returns 0 (also when there is none,
 * or no lock file) or -errno.
 */
int state_user_record_forget(int run_dir_fd, uid_t uid);

/*
 * Where the module keeps the memo of the policy it loaded
 * (policy_load_memo()): STATE_DIR/policy.memo, one for the machine, read
 * only when it is root's regular file (0600, one link) and written by a
 * rename, only into a STATE_DIR that exists already.  The memo is used only
 * for the very files it was made from, by the build that made it
 * (conf/policy-memo.c).  It lasts as long as STATE_DIR (the boot).
 */
extern const PolicyMemoIO state_policy_memo;

/*
 * Make the STATE_DIR directory behind run_dir_fd a private mount of its own
 * filesystem (a tmpfs, mode 0700), so that each holder can detach its copy
 * and find the empty directory of /run below it (no paddock sees STATE_DIR,
 * not even as root: a bind of the directory onto itself would show the
 * same directory again), and nothing mounted below it propagates anywhere.
 * Idempotent; a directory that is the root of a mount of another
 * filesystem already is left as it is (holder_start() makes it private
 * again before it uses it).  Otherwise the tmpfs is mounted over it and
 * made private: run_dir_fd then still names the directory *under* the new
 * mount, so the caller must use *ret_fd (a new O_DIRECTORY|O_CLOEXEC fd on
 * the mount root) from now on.  Returns 0 or -errno.
 */
int state_make_private(int run_dir_fd, int *ret_fd);

/*
 * Remove the state of uid's paddock: unlink ctl and the namespace records
 * (ns/all), remove ns/ and UID/.  Only for a paddock known dead
 * (ns_join said -ESTALE, under the lock) or by its own holder at teardown.
 * Never removes anything it does not know (-ENOTEMPTY then).  Returns 0
 * (also when there was nothing), or the first -errno.
 */
int state_remove_user(int run_dir_fd, uid_t uid);

/* The same for the directory name below dir_fd (a spare's, below
 * STATE_DIR/spare/). */
int state_remove_at(int dir_fd, const char *name);

/*
 * The private STATE_DIR mount root: opened once when it is already a mount
 * (every login but the first since boot); else state_make_private()
 * under the global lock on STATE_DIR (two first logins must not stack two
 * mounts), on a fresh lookup of the directory.  Returns 0 with *ret_fd, or
 * -errno.
 */
int state_open_mount(int *ret_fd);

/*
 * Before building anything below run_dir_fd: check that it is the private
 * STATE_DIR mount root (-EINVAL otherwise) and make it private again (an
 * admin's "mount --make-shared" repaired).  Returns 0 or -errno.
 */
int state_repair(int run_dir_fd);

/*
 * Create UID/ (0700) and UID/ns/ below run_dir_fd, fresh: a leftover UID/
 * is the state of a dead paddock (the caller holds the lock and found no
 * live holder) and is removed first.  Returns 0 with O_DIRECTORY fds of
 * both, or -errno.
 */
int state_create_user(int run_dir_fd, uid_t uid, int *ret_uid_fd, int *ret_ns_fd);
