/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock's state directory STATE_DIR (/run/paddock, root, 0700) and the
 * per-user lock.  Nothing outside STATE_DIR is ever used for state, and no
 * path below it is opened by name through a symlink (threat 3).
 */
#pragma once

#include <sys/types.h>

/*
 * Open STATE_DIR as an O_DIRECTORY fd, creating it (0700) when missing.
 * Refuses (-EPERM) a directory not owned by root or with any group/other
 * permission, and (-ELOOP) a symlink anywhere in the path.
 */
int state_open_run_dir(int *ret_fd);

/*
 * Take the per-user lock STATE_DIR/UID.lock (flock LOCK_EX, blocking), the
 * lock that makes concurrent first logins of one user build one paddock.
 * Returns 0 and the locked fd (closing it unlocks), or -errno.
 */
int state_lock_user(int run_dir_fd, uid_t uid, int *ret_fd);
