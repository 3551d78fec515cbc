/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "syscall-filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "../conf/macro.h"

/* The request word of ioctl is an unsigned int: the kernel drops the high
 * half of the register, so the filter must too (CVE-2019-10063). */
#define LOW32 UINT64_C(0xffffffff)

typedef struct FilterRule {
	unsigned filter; /* SYSCALL_FILTER_* that brings it in */
	int nr;
	int error;
	unsigned n_args; /* 0 or 1 */
	struct scmp_arg_cmp arg;
} FilterRule;

/* Each rule: the system call, the errno it gets, and when. */
static int add_rules(scmp_filter_ctx ctx, unsigned filter)
{
	const FilterRule rules[] = {
		/* Typing into the terminal the caller shares: after "su - user",
		 * into root's shell (CVE-2016-7545 class). */
		{ SYSCALL_FILTER_TTY, SCMP_SYS(ioctl), EPERM, 1,
		  SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, TIOCSTI) },
		/* TIOCLINUX's selection paste does the same on a virtual console. */
		{ SYSCALL_FILTER_TTY, SCMP_SYS(ioctl), EPERM, 1,
		  SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, TIOCLINUX) },
		{ SYSCALL_FILTER_USERNS, SCMP_SYS(unshare), EPERM, 1,
		  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER) },
		{ SYSCALL_FILTER_USERNS, SCMP_SYS(clone), EPERM, 1,
		  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER) },
		/* clone3's flags are in a struct the filter cannot read: ENOSYS
		 * makes the C library fall back to clone, which is checked. */
		{ SYSCALL_FILTER_USERNS, SCMP_SYS(clone3), ENOSYS, 0, { 0 } },
		/* A user namespace made elsewhere (a session outside paddock)
		 * and passed in: by its type, or by type 0 ("whatever fd is"),
		 * which the filter cannot tell apart. */
		{ SYSCALL_FILTER_USERNS, SCMP_SYS(setns), EPERM, 1,
		  SCMP_A1(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER) },
		{ SYSCALL_FILTER_USERNS, SCMP_SYS(setns), EPERM, 1,
		  SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, 0) },
	};

	for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
		const FilterRule *f = &rules[i];
		int r;

		if (!(filter & f->filter))
			continue;
		/* Not the _exact variants: those take one ABI only. */
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(f->error), f->nr, f->n_args,
					   f->n_args ? &f->arg : NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The compat ABIs a native kernel also runs: their system calls have
 * numbers of their own and must be filtered as well. */
static int add_compat_arches(scmp_filter_ctx ctx)
{
	static const struct {
		uint32_t native, compat[2];
	} table[] = {
		{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
		{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
	};
	uint32_t native = seccomp_arch_native();

	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		if (table[i].native != native)
			continue;
		for (size_t j = 0; j < ELEMENTSOF(table[i].compat) && table[i].compat[j]; j++) {
			int r = seccomp_arch_add(ctx, table[i].compat[j]);

			if (r < 0 && r != -EEXIST)
				return r;
		}
	}
	return 0;
}

unsigned syscall_filter_for(const UserPolicy *up)
{
	return SYSCALL_FILTER_TTY |
	       (up->user_namespaces == USERNS_DENY ? SYSCALL_FILTER_USERNS : 0);
}

const char *syscall_filter_name(unsigned filter)
{
	switch (filter) {
	case SYSCALL_FILTER_TTY:
		return "tty";
	case SYSCALL_FILTER_TTY | SYSCALL_FILTER_USERNS:
		return "tty,userns";
	case SYSCALL_FILTER_USERNS:
		return "userns";
	default:
		return NULL;
	}
}

int syscall_filter_install(unsigned filter)
{
	scmp_filter_ctx ctx;
	int r;

	if (filter == 0)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	/* no_new_privs would stop sudo, su and passwd in the session. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A filter alone must not switch on the speculative store bypass
	 * mitigation for the whole session (kernels before 5.16 did). */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
	/* An ABI the filter does not know could reach the calls unfiltered. */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* The kernel's own errno when it refuses the filter, not ECANCELED. */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r >= 0)
		r = add_compat_arches(ctx);
	if (r >= 0)
		r = add_rules(ctx, filter);
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}
