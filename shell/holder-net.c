/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holder's network: lo, run in the paddock's network namespace at
 * setup; network = nat's release at teardown (holder-net.h).
 */
#include "holder-net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/net.h"

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

/* paddock-net down waits for the pool's lock behind the ups and downs of other
 * paddocks (many end at once when a node drains); killed, it leaves what the
 * next paddock-net collects. */
#define RELEASE_TIMEOUT_MS 60000

int holder_net_run(char **argv, int netns_fd, int timeout_ms)
{
	_cleanup_(closep) int fd = -EBADF, pidfd = -EBADF;
	char *envp[] = { (char *)(uintptr_t)HOLDER_ENV_PATH, NULL };
	struct pollfd p;
	int status, r;
	pid_t pid;

	r = net_open_helper_self(&fd);
	if (r < 0)
		return r;
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int null_fd;

		if (netns_fd >= 0) {
			null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null_fd < 0 || setns(netns_fd, CLONE_NEWNET) < 0 ||
			    dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0)
				_exit(127);
		}
		execveat(fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	pidfd = pidfd_open(pid, 0);
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (pidfd < 0 || poll(&p, 1, timeout_ms) <= 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return -ETIMEDOUT;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int holder_net_release(uid_t uid, const char *user, const char *spare)
{
	NetDownArgs a;
	int r = net_down_args(uid, user, spare, &a);

	return r <= 0 ? r : holder_net_run(a.argv, HOLDER_FD_HOST_NET, RELEASE_TIMEOUT_MS);
}
