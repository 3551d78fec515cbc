/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address pool of nat paddocks (net-pool.h). */
#include "net-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/cgroup-fs.h"
#include "../pam_module/state.h"

uint32_t net_pool_slots(const NetCidr *pool)
{
	return UINT32_C(1) << (31 - pool->prefix);
}

/* Add v to the address a of len bytes (big-endian), from byte end-1 down. */
static void addr_add(uint8_t *a, size_t end, uint64_t v)
{
	for (size_t i = end; i-- > 0 && v;) {
		v += a[i];
		a[i] = (uint8_t)v;
		v >>= 8;
	}
}

int net_pool_addrs(const NetCidr *pool, const NetCidr *pool6, uint32_t slot, NetAddrs *ret)
{
	NetAddrs a = { .host4 = *pool };

	a.host4.prefix = 31;
	addr_add(a.host4.addr, 4, (uint64_t)slot * 2);
	a.peer4 = a.host4;
	addr_add(a.peer4.addr, 4, 1);
	if (pool6 && pool6->family) {
		/* The slot-th /64: bits pool6->prefix..63 hold the slot. */
		if (pool6->prefix < 64 && 64 - pool6->prefix < 32 &&
		    slot >= (UINT32_C(1) << (64 - pool6->prefix)))
			return -ERANGE;
		if (pool6->prefix == 64 && slot > 0)
			return -ERANGE;
		a.host6 = *pool6;
		a.host6.prefix = 64;
		addr_add(a.host6.addr, 8, slot);
		a.peer6 = a.host6;
		a.host6.addr[15] = 1;
		a.peer6.addr[15] = 2;
	}
	*ret = a;
	return 0;
}

/* Read a small decimal record "N\n" from name in dir. */
static int read_u32(int dir, const char *name, uint32_t *ret)
{
	char buf[16];
	uint64_t v;
	int n = fs_read_file(dir, name, buf, sizeof(buf));

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	if (units_parse_u64(buf, &v) < 0 || v > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

bool net_pool_is_spare(const char *owner)
{
	return strchr(owner, '.') != NULL;
}

void net_pool_spare_if(uint32_t slot, char buf[static NET_IF_NAME_MAX])
{
	snprintf(buf, NET_IF_NAME_MAX, NET_SPARE_IF_PREFIX "%u", (unsigned)slot);
}

int net_pool_find(int net_fd, const char *owner, uint32_t *ret_slot)
{
	char name[NET_OWNER_MAX + 4];

	snprintf(name, sizeof(name), "u-%s", owner);
	return read_u32(net_fd, name, ret_slot);
}

/* The owner recorded for slot (net/N), into buf. */
static int slot_owner(int net_fd, uint32_t slot, char buf[static NET_OWNER_MAX])
{
	char name[16];
	int n;

	snprintf(name, sizeof(name), "%u", (unsigned)slot);
	n = fs_read_file(net_fd, name, buf, NET_OWNER_MAX);
	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return *buf ? 0 : -EBADMSG;
}

bool net_pool_owner_alive(int run_fd, const char *owner, uint32_t slot)
{
	char host_if[NET_IF_NAME_MAX];
	struct stat st;

	/* A spare's network lives as long as its namespace, claimed or not:
	 * its host end goes with it (the claim renames no record of the
	 * pool, net.h).  Whatever cannot be told is alive. */
	if (net_pool_is_spare(owner)) {
		net_pool_spare_if(slot, host_if);
		return if_nametoindex(host_if) != 0 || errno != ENODEV;
	}
	return fstatat(run_fd, owner, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Whether slot's owner (other than owner) has a paddock, live or stale. */
static bool slot_busy(int run_fd, int net_fd, uint32_t slot, const char *owner, bool *ret_own)
{
	char who[NET_OWNER_MAX];

	*ret_own = false;
	if (slot_owner(net_fd, slot, who) < 0)
		return false;
	if (streq(who, owner)) {
		*ret_own = true;
		return false;
	}
	return net_pool_owner_alive(run_fd, who, slot);
}

/* Write "TEXT\n" to name in dir, atomically (a temporary file renamed). */
static int write_line(int dir, const char *name, const char *text)
{
	_cleanup_(closep) int fd = -EBADF;
	char tmp[NET_OWNER_MAX + 16], buf[NET_OWNER_MAX + 2];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	if (write(fd, buf, (size_t)n) != n || renameat(dir, tmp, dir, name) < 0) {
		int e = errno;

		(void)unlinkat(dir, tmp, 0);
		return -e;
	}
	return 0;
}

int net_pool_take(int run_fd, int net_fd, const NetCidr *pool, const char *owner,
		  uint32_t *ret_slot)
{
	uint32_t n = net_pool_slots(pool), slot, start;
	char name[NET_OWNER_MAX + 4], num[16];
	uint64_t h = 0;
	bool own;
	int r;

	/* The slot this owner had: the same address again. */
	if (net_pool_find(net_fd, owner, &slot) >= 0 && slot < n &&
	    !slot_busy(run_fd, net_fd, slot, owner, &own) && own) {
		*ret_slot = slot;
		return 0;
	}
	/* A start spread over the pool by owner (a uid's number), so that a
	 * user usually finds a free slot at once and often the address of an
	 * earlier paddock. */
	if (units_parse_u64(owner, &h) < 0)
		for (const char *c = owner; *c; c++)
			h = h * 31 + (unsigned char)*c;
	start = (uint32_t)((h * UINT64_C(2654435761)) % n);
	for (uint32_t i = 0; i < n; i++) {
		slot = (start + i) % n;
		if (slot_busy(run_fd, net_fd, slot, owner, &own))
			continue;
		(void)net_pool_release(net_fd, owner);
		snprintf(name, sizeof(name), "%u", (unsigned)slot);
		r = write_line(net_fd, name, owner);
		if (r >= 0) {
			snprintf(name, sizeof(name), "u-%s", owner);
			snprintf(num, sizeof(num), "%u", (unsigned)slot);
			r = write_line(net_fd, name, num);
		}
		if (r < 0)
			return r;
		*ret_slot = slot;
		return 0;
	}
	return -ENOSPC;
}

int net_pool_release(int net_fd, const char *owner)
{
	char name[NET_OWNER_MAX + 4], who[NET_OWNER_MAX];
	uint32_t slot;

	if (net_pool_find(net_fd, owner, &slot) < 0)
		return 0;
	snprintf(name, sizeof(name), "%u", (unsigned)slot);
	if (slot_owner(net_fd, slot, who) >= 0 && streq(who, owner) &&
	    unlinkat(net_fd, name, 0) < 0 && errno != ENOENT)
		return negative_errno();
	snprintf(name, sizeof(name), "u-%s", owner);
	if (unlinkat(net_fd, name, 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

int net_pool_open_locked(int run_fd, int *ret_net_fd, int *ret_lock_fd)
{
	_cleanup_(closep) int net_fd = -EBADF, lock_fd = -EBADF;
	int r;

	r = state_open_private_dir(run_fd, NET_STATE_DIR, true, &net_fd);
	if (r < 0)
		return r;
	lock_fd = openat(net_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return negative_errno();
	if (flock(lock_fd, LOCK_EX) < 0)
		return negative_errno();
	*ret_net_fd = TAKE_FD(net_fd);
	*ret_lock_fd = TAKE_FD(lock_fd);
	return 0;
}
