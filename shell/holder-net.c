/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's network setup, run in the paddock's network namespace.
 */
#include "holder-net.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../conf/macro.h"

int holder_loopback_up(void)
{
	_cleanup_(closep) int fd = -EBADF;
	struct ifreq ifr = { 0 };

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return negative_errno();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return negative_errno();
	return 0;
}
