/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's state directory STATE_DIR (/run/paddock, root, 0700) and the
 * per-user lock.  Nothing outside STATE_DIR is ever used for state, and no
 * path below it is opened by name through a symlink (threat 3).
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
