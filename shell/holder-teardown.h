/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The end of a paddock: the holder kills what is left in its PID
 * namespace, removes the state directory and the cgroup, and returns.
 */
#pragma once

#include "holder-internal.h"

/*
 * Tear down a user's paddock; the caller holds the per-user lock (fd
 * HOLDER_FD_LOCK), which is released at the end.  Every step is tried;
 * failures are logged.  Returns 0 or the last step's -errno.
 */
int holder_teardown(Holder *h);

/* Tear down a spare that was never claimed: its state directory and its
 * spare cgroup go; failures are logged. */
void holder_teardown_spare(Holder *h);
