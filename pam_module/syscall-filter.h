/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session's seccomp filter (threats.md 19), installed by the module in
 * the caller as the session opens, so that everything the caller forks
 * from then on (the user's shell, sshd's user-side child, su's child) runs
 * under it:
 *
 *   tty     ioctl TIOCSTI and TIOCLINUX fail with EPERM, whatever the high
 *           bits of the request word (the kernel reads only the low 32);
 *   userns  (user_namespaces = deny) unshare and clone with CLONE_NEWUSER,
 *           setns into a user namespace or of an unnamed type fail with
 *           EPERM; clone3 fails with ENOSYS (its flags live in memory the
 *           filter cannot read), so the C library falls back to clone.
 *
 * The filter is built with libseccomp for the native ABI and the compat
 * ABIs the kernel runs beside it (x86_64: i386 and x32); a system call of
 * any other ABI kills the process.
 */
#pragma once

#include "../conf/policy.h"

enum {
	SYSCALL_FILTER_TTY = 1u << 0,
	SYSCALL_FILTER_USERNS = 1u << 1,
};

/* The filter a user's sessions get: tty always, userns per the policy. */
unsigned syscall_filter_for(const UserPolicy *up);

/* Its name for audit records and syslog: "tty" or "tty,userns"; NULL for 0. */
const char *syscall_filter_name(unsigned filter);

/*
 * Build the filter and load it into the calling process, without setting
 * no_new_privs (setuid programs keep working in the session): the kernel
 * then requires CAP_SYS_ADMIN, which the module's caller has.  The caller
 * must be single-threaded (the filter is not synchronised to other
 * threads).  Returns 0 or -errno; on error nothing was loaded.
 */
int syscall_filter_install(unsigned filter);
