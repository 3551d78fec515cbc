/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "paddock holder": PID 1 of a user's paddock (pam_module/holder-proto.h is
 * the contract with the module that starts it).
 */
#pragma once

/*
 * Run the holder.  argv[0] is "holder", the options follow (holder-proto.h).
 * Started by pam_paddock.so only: it refuses to run unless it is PID 1 of a
 * new PID namespace, root, in a new mount namespace, with fds 3..7 as the
 * contract says.  Writes the ready line on fd 5, serves the control socket
 * until the paddock ends, tears it down and returns the exit status: 0
 * after a teardown, 1 when the setup failed (the error line was written).
 */
int holder_main(int argc, char **argv);
