/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding descriptors that leaked into paddocks (threats.md 20), for
 * "paddock check --system".  A process of a paddock (in the mount namespace
 * its holder recorded, running as the paddock's user) that holds a file or
 * directory of a mount of the host's mount namespace got it from outside:
 * a paddock's mounts are copies with ids of their own, so nothing opened
 * inside is on a host mount.  Pipes, sockets and memfds live on the
 * kernel's internal mounts, in neither namespace, and are not reported;
 * nor are descriptors 0, 1 and 2 (the session's terminal or pipes, or a
 * file the caller sent the output to).
 */
#pragma once

/*
 * Print a line "fds: warning: ..." on stdout for every leaked descriptor of
 * every live paddock.  Run it as root in the host's namespaces.  Returns the
 * number found, or -errno when the state directory or /proc cannot be read.
 */
int fd_leaks_report(void);
