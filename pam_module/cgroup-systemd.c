/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd manager: where systemd is PID 1 it is the only writer of its
 * cgroup tree, so paddock never creates, writes or moves anything in it.  The
 * user's limits go on user-UID.slice as runtime unit properties over D-Bus
 * (org.freedesktop.systemd1.Manager.SetUnitProperties, runtime = true),
 * which systemd turns into the cgroup files of whichever hierarchy it runs.
 * The slice holds every session-N.scope of the user and user@UID.service, so
 * one set of limits covers all of the user's processes.
 *
 * Who puts the processes there: pam_systemd, earlier in the session stack,
 * has logind create session-N.scope in user-UID.slice with the caller in it.
 * attach_self() only verifies that, because a caller outside the slice (no
 * pam_systemd, a stack where it runs after pam_paddock, su from inside
 * another session, cron) would escape the limits.
 *
 * Facts this relies on (systemd 252, measured in the VM tier):
 *   - SetUnitProperties works on a slice that is not started yet: the unit is
 *     loaded on demand and the runtime drop-ins (/run/systemd/system.control/
 *     user-UID.slice.d/50-*.conf) apply when logind starts it;
 *   - those drop-ins stay until reboot; the next login or paddock reload
 *     rewrites them, and teardown leaves the slice to systemd.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup-fs.h"
#include "cgroup.h"
#include "sd-bus-dl.h"

#define SD_DEST	   "org.freedesktop.systemd1"
#define SD_PATH	   "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_SLICE   "org.freedesktop.systemd1.Slice"
#define USER_SLICE "user.slice"
/* systemd's "no limit" for every property set here (CGROUP_LIMIT_MAX, USEC_INFINITY). */
#define SD_INFINITY  UINT64_MAX
#define USEC_PER_SEC UINT64_C(1000000)

static int slice_name(uid_t uid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "user-%" PRIu32 ".slice", (uint32_t)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* libsystemd's sd-bus, once bus_open() has loaded it (sd-bus-dl.h). */
static const SdBus *sdb;

/*
 * The caller's connection to the system bus, loading libsystemd first.
 * sd-bus opens its socket O_CLOEXEC, and every caller here closes it before
 * returning (threat 4).
 */
static int bus_open(sd_bus **ret)
{
	int r;

	r = sd_bus_dl(&sdb);
	if (r < 0)
		return r;
	return sdb->open_system(ret);
}

static void bus_closep(sd_bus **bus)
{
	if (*bus)
		sdb->flush_close_unref(*bus);
}

static void message_unrefp(sd_bus_message **m)
{
	if (*m)
		sdb->message_unref(*m);
}

static void bus_error_freep(sd_bus_error *e)
{
	if (sdb)
		sdb->error_free(e);
}

/* A limit as a property value: UNITS_MAX is systemd's infinity (the same
 * value, spelled out so the mapping is visible). */
static uint64_t sd_limit(uint64_t v)
{
	return v == UNITS_MAX ? SD_INFINITY : v;
}

static int sd_set_limits(const char *parent, uid_t uid, const CgroupLimits *l)
{
	_cleanup_(bus_closep) sd_bus *bus = NULL;
	_cleanup_(message_unrefp) sd_bus_message *m = NULL;
	_cleanup_(message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_(bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
	uint64_t quota = SD_INFINITY;
	char unit[32];
	int r;

	r = cg_limits_check(l);
	if (r < 0)
		return r;
	r = slice_name(uid, unit, sizeof(unit));
	if (r < 0)
		return r;
	/* cpu_quota is percent of one CPU; CPUQuotaPerSecUSec is CPU time per second. */
	if (l->cpu_quota != UNITS_MAX &&
	    __builtin_mul_overflow(l->cpu_quota, USEC_PER_SEC / 100, &quota))
		return -ERANGE;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	r = sdb->message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					 "SetUnitProperties");
	if (r < 0)
		return r;
	/* runtime = true: nothing is written below /etc; a reboot forgets it. */
	r = sdb->message_append(m, "sb", unit, 1);
	if (r < 0)
		return r;
	/* clang-format off */
	r = sdb->message_append(m, "a(sv)", 6,
				  "MemoryMax", "t", sd_limit(l->memory_max),
				  "MemoryHigh", "t", sd_limit(l->memory_high),
				  "MemorySwapMax", "t", sd_limit(l->memory_swap_max),
				  "CPUQuotaPerSecUSec", "t", quota,
				  "CPUWeight", "t", l->cpu_weight,
				  "TasksMax", "t", sd_limit(l->tasks_max));
	/* clang-format on */
	if (r < 0)
		return r;
	/* systemd applies all properties or none (it checks them all first). */
	return sdb->call(bus, m, 0, &error, &reply);
}

static int sd_create(const char *parent, uid_t uid, const CgroupLimits *limits)
{
	/* The slice is logind's to create (pam_systemd); a slice that is not
	 * started yet takes the properties all the same (see the top). */
	return sd_set_limits(parent, uid, limits);
}

/*
 * Is the calling process in user-UID.slice?  /proc/self/cgroup is read now,
 * in the host namespaces.  The unified line ("0::PATH", pure v2 and hybrid)
 * or, on a legacy v1 host, systemd's own hierarchy ("N:name=systemd:PATH")
 * names the cgroup systemd put us in.
 */
static int sd_attach_self(const char *parent, uid_t uid)
{
	char buf[4096], prefix[64];
	char *line, *save = NULL;
	int n, r;

	n = snprintf(prefix, sizeof(prefix), "/" USER_SLICE "/user-%" PRIu32 ".slice/",
		     (uint32_t)uid);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -ENAMETOOLONG;
	r = fs_read_file(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf));
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *path;

		if (strncmp(line, "0::", 3) == 0)
			path = line + 3;
		else if ((path = strstr(line, ":name=systemd:")) && path > line)
			path += strlen(":name=systemd:");
		else
			continue;
		if (strncmp(path, prefix, (size_t)n) == 0 && path[n] != '\0')
			return 0;
	}
	/*
	 * Not in the user's slice: its processes would escape the limits, and
	 * paddock does not move processes in systemd's tree.  The session stack
	 * must run pam_systemd (creating a session) before pam_paddock.
	 */
	return -EOPNOTSUPP;
}

/* Teardown leaves the slice to systemd: logind stops it after the last session. */
static int sd_destroy(const char *parent, uid_t uid)
{
	return 0;
}

/* Nothing to leave: the holder never moved out of the session scope it was born in. */
static int sd_leave(const char *parent)
{
	return 0;
}

/* Usage from the unified hierarchy's files of the slice (pure v2 or hybrid). */
/* user.slice in a CgroupUsageCache: the key its walk is kept under. */
#define SD_CACHE_KEY "/" USER_SLICE

/* The slice's files in the unified hierarchy; p: user.slice from the
 * cache, or NULL (then walked, and kept in cache when there is one). */
static int sd_usage_files(uid_t uid, CgroupUsageCache *cache, const CgWalk *p, CgroupUsage *ret)
{
	_cleanup_(cg_walk_done) CgWalk w = { 0 };
	_cleanup_(closep) int fd = -EBADF;
	char unit[32];
	int r;

	r = slice_name(uid, unit, sizeof(unit));
	if (r < 0)
		return r;
	if (!p) {
		r = cg_walk_open_root(&w, NULL, CGROUP2_SUPER_MAGIC);
		if (r < 0)
			return r;
		r = cg_walk_down(&w, USER_SLICE, false);
		if (r < 0)
			return r;
		p = cache ? cg_usage_cache_set(cache, &cgroup_manager_systemd, SD_CACHE_KEY, &w, 1)
			  : &w;
	}
	fd = cg_walk_open_child(p, unit);
	if (fd < 0)
		return fd;
	return cg_v2_read_usage(fd, ret);
}

/* Usage as systemd reports it (legacy v1 hosts); UINT64_MAX is "unknown"
 * for systemd as for CgroupUsage.  Throttling is not among its properties. */
static int sd_usage_bus(uid_t uid, CgroupUsage *ret)
{
	_cleanup_(bus_closep) sd_bus *bus = NULL;
	_cleanup_(bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(freep) char *path = NULL;
	CgroupUsage u;
	uint64_t cpu_nsec;
	char unit[32];
	int r;

	/* Throttling, events, pressure and the live limits are not among its
	 * properties: they stay unknown. */
	cg_usage_unknown(&u);
	r = slice_name(uid, unit, sizeof(unit));
	if (r < 0)
		return r;
	r = bus_open(&bus);
	if (r < 0)
		return r;
	r = sdb->path_encode(SD_PATH "/unit", unit, &path);
	if (r < 0)
		return r;
	r = sdb->get_property_trivial(bus, SD_DEST, path, SD_SLICE, "MemoryCurrent", &error, 't',
				      &u.memory_current);
	if (r < 0)
		return r;
	r = sdb->get_property_trivial(bus, SD_DEST, path, SD_SLICE, "CPUUsageNSec", &error, 't',
				      &cpu_nsec);
	if (r < 0)
		return r;
	u.cpu_usage_usec = cpu_nsec == UINT64_MAX ? UINT64_MAX : cpu_nsec / 1000;
	r = sdb->get_property_trivial(bus, SD_DEST, path, SD_SLICE, "TasksCurrent", &error, 't',
				      &u.tasks_current);
	if (r < 0)
		return r;
	*ret = u;
	return 0;
}

static int sd_usage(const char *parent, uid_t uid, CgroupUsageCache *cache, CgroupUsage *ret)
{
	const CgWalk *p =
		cache ? cg_usage_cache_get(cache, &cgroup_manager_systemd, SD_CACHE_KEY) : NULL;
	int r;

	/* A kept user.slice walk is in the unified hierarchy with its controllers. */
	if (p)
		return sd_usage_files(uid, cache, p, ret);
	r = cg_v2_available();
	if (r < 0)
		return r;
	/* Hybrid and legacy hosts keep the controllers in v1 hierarchies: ask systemd. */
	return r > 0 ? sd_usage_files(uid, cache, NULL, ret) : sd_usage_bus(uid, ret);
}

static int sd_path(const char *parent, uid_t uid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/" USER_SLICE "/user-%" PRIu32 ".slice", (uint32_t)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const CgroupManager cgroup_manager_systemd = {
	.name = "systemd",
	.create = sd_create,
	.set_limits = sd_set_limits,
	.attach_self = sd_attach_self,
	.destroy = sd_destroy,
	.leave = sd_leave,
	.usage = sd_usage,
	.path = sd_path,
	/* The caller is not in the user's slice: no logind session. */
	.attach_unsupported_step = "cgroup attach (the systemd manager needs pam_systemd "
				   "before pam_paddock, in a new logind session)",
};
