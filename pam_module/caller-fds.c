/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "caller-fds.h"

#include <unistd.h>

#include "../conf/macro.h"

int caller_fds_cloexec(void)
{
	/* One system call, whatever the number of descriptors: the caller's
	 * /proc/self is not ours to walk after the join. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return negative_errno();
	return 0;
}
