/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's network setup, inside the paddock's network namespace.
 */
#pragma once

/* Bring the loopback interface up.  0 or -errno. */
int holder_loopback_up(void);
