/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "../conf/units.h"
#include "cgroup.h"
#include "holder-ctl.h"
#include "net.h"
#include "ns.h"
#include "state.h"

/* Spares tried by one login before it builds its own holder. */
#define TAKE_TRIES 3

static bool has_key(const char *name, const char *key)
{
	return strncmp(name, key, SPARE_KEY_LEN) == 0 && name[SPARE_KEY_LEN] == '.';
}

static bool is_new(const char *name)
{
	size_t n = strlen(name), k = strlen(SPARE_NEW_SUFFIX);

	return n > k && streq(name + n - k, SPARE_NEW_SUFFIX);
}

void spare_cgroup_name(const char *spare_name, char buf[static SPARE_CGROUP_NAME_MAX])
{
	const char *dot = strchr(spare_name, '.');
	const char *id = dot ? dot + 1 : spare_name;
	size_t n = strcspn(id, ".");

	snprintf(buf, SPARE_CGROUP_NAME_MAX, CG_SPARE_PREFIX "%.*s", (int)n, id);
}

void spare_limits_format(const CgroupLimits *l, char buf[static SPARE_LIMITS_MAX])
{
	snprintf(buf, SPARE_LIMITS_MAX,
		 "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		 l->memory_max, l->memory_high, l->memory_swap_max, l->cpu_quota, l->cpu_weight,
		 l->tasks_max);
}

int spare_limits_parse(const char *s, CgroupLimits *ret)
{
	uint64_t *f[] = { &ret->memory_max, &ret->memory_high, &ret->memory_swap_max,
			  &ret->cpu_quota,  &ret->cpu_weight,  &ret->tasks_max };
	char buf[24];

	*ret = (CgroupLimits){ 0 };
	for (size_t i = 0; i < ELEMENTSOF(f); i++) {
		size_t n = strcspn(s, ",");

		/* Six fields, none empty, a comma between each two. */
		if (n == 0 || n >= sizeof(buf) || (s[n] == ',') != (i + 1 < ELEMENTSOF(f)))
			return -EINVAL;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (units_parse_u64(buf, f[i]) < 0)
			return -EINVAL;
		s += n + (s[n] == ',');
	}
	return 0;
}

static bool not_named(const char *name, void *data)
{
	return !streq(name, data);
}

int spare_cgroup_remove(const CgroupManager *cgm, const char *parent, const char *spare_name)
{
	char cg_name[SPARE_CGROUP_NAME_MAX];

	if (!cgm || !cgm->spare_sweep)
		return 0;
	spare_cgroup_name(spare_name, cg_name);
	return cgm->spare_sweep(parent, not_named, cg_name);
}

/* The manager of p when it keeps spare cgroups, else NULL. */
static const CgroupManager *spare_cgroups_of(const HolderParams *p)
{
	const CgroupManager *cgm = cg_manager_by_name(p->cgroup_manager);

	return cgm && cgm->spare_make && cgm->spare_adopt && cgm->spare_sweep ? cgm : NULL;
}

/* STATE_DIR/spare/, root-only; created when create is set. */
static int open_spare_dir(int run_dir_fd, bool create, int *ret_fd)
{
	return state_open_private_dir(run_dir_fd, HOLDER_SPARE_DIR, create, ret_fd);
}

/* Calls fn for each entry of the spare directory that match(name, arg)
 * accepts; stops at the first fn() that returns > 0 (and returns it). */
static int each_entry(int spare_fd, bool (*match)(const char *name, const char *arg),
		      const char *arg, int (*fn)(const char *name, void *data), void *data)
{
	int fd = fcntl(spare_fd, F_DUPFD_CLOEXEC, 3), r = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	/* The duplicate shares spare_fd's offset: from the start. */
	rewinddir(d);
	while (r <= 0 && (de = readdir(d)))
		if (match(de->d_name, arg))
			r = fn(de->d_name, data);
	closedir(d);
	return r;
}

/* ---- the makers' locks ---------------------------------------------------- */

/* STATE_DIR/spare/.maker.KEY: locked (fcntl, F_WRLCK) by the "paddock
 * spare" that serves the shape KEY while it runs.  A dot name: no spare. */
#define MAKER_PREFIX   ".maker."
#define MAKER_NAME_MAX (sizeof(MAKER_PREFIX) + SPARE_KEY_LEN)

static void maker_name(const char *key, char buf[static MAKER_NAME_MAX])
{
	snprintf(buf, MAKER_NAME_MAX, MAKER_PREFIX "%s", key);
}

/* The pid of the process that holds the lock spare_fd/name (in our PID
 * namespace), 0 when nobody does, -errno. */
static pid_t maker_pid(int spare_fd, const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	_cleanup_(closep) int fd = fs_open_beneath(spare_fd, name, O_RDWR | O_NOCTTY);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fcntl(fd, F_GETLK, &fl) < 0)
		return negative_errno();
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

int spare_maker_lock(int spare_fd, const HolderParams *p, int *ret_fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char key[SPARE_KEY_LEN + 1], name[MAKER_NAME_MAX];
	_cleanup_(closep) int fd = -EBADF;
	struct stat st;

	spare_key(p, key);
	maker_name(key, name);
	fd = openat(spare_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	if (fcntl(fd, F_SETLK, &fl) < 0)
		return errno == EAGAIN || errno == EACCES ? -EBUSY : negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int spare_maker_open_dir(const HolderParams *p, int *ret_fd)
{
	_cleanup_(closep) int run_fd = -EBADF;
	int r;

	/* Out of the claiming login's cgroup before anything is made (a
	 * spare, the maker's lock file and inotify instance). */
	if (!streq(p->cgroup_manager, "none")) {
		const CgroupManager *cgm = cg_manager_by_name(p->cgroup_manager);

		if (!cgm || streq(cgm->name, "systemd"))
			return -EINVAL;
		r = cgm->leave(p->cgroup_parent);
		if (r < 0)
			return r;
	}
	r = state_open_mount(&run_fd);
	if (r >= 0)
		r = state_repair(run_fd);
	if (r < 0)
		return r;
	return open_spare_dir(run_fd, true, ret_fd);
}

/* SIGTERM to the maker that holds name's lock, and wait (a little) until it
 * is gone: it finishes the spare it is making first. */
static int stop_maker(int spare_fd, const char *name)
{
	_cleanup_(closep) int pidfd = -EBADF;
	struct pollfd pfd;
	pid_t pid;
	int r;

	pid = maker_pid(spare_fd, name);
	if (pid <= 0)
		return pid;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : negative_errno();
	/* The pid was the holder of the lock; is the process behind the
	 * pidfd still the one holding it (not a reuse of the number)? */
	if (maker_pid(spare_fd, name) != pid)
		return 0;
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : negative_errno();
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	do
		r = poll(&pfd, 1, HOLDER_START_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : negative_errno();
}

typedef struct StopMakers {
	int spare_fd;
	int first_error;
} StopMakers;

static bool is_maker(const char *name, const char *unused)
{
	return strncmp(name, MAKER_PREFIX, strlen(MAKER_PREFIX)) == 0;
}

static int stop_one_maker(const char *name, void *data)
{
	StopMakers *m = data;
	int r = stop_maker(m->spare_fd, name);

	if (m->first_error == 0 && r < 0)
		m->first_error = r;
	return 0;
}

/* Every maker of spare_fd, stopped; the first -errno. */
static int stop_makers(int spare_fd)
{
	StopMakers m = { .spare_fd = spare_fd };

	(void)each_entry(spare_fd, is_maker, NULL, stop_one_maker, &m);
	return m.first_error;
}

static bool of_key(const char *name, const char *key)
{
	return key ? has_key(name, key) : name[0] != '.';
}

/* Calls fn for each entry of the spare directory whose name starts with
 * key (NULL: every spare); stops at the first fn() that returns > 0 (and
 * returns it). */
static int each_of_key(int spare_fd, const char *key, int (*fn)(const char *name, void *data),
		       void *data)
{
	return each_entry(spare_fd, of_key, key, fn, data);
}

static int count_one(const char *name, void *data)
{
	(*(unsigned *)data)++;
	return 0;
}

static unsigned count_of_key(int spare_fd, const char *key)
{
	unsigned n = 0;

	(void)each_of_key(spare_fd, key, count_one, &n);
	return n;
}

unsigned spare_count_of(int spare_fd, const HolderParams *p)
{
	char key[SPARE_KEY_LEN + 1];

	spare_key(p, key);
	return count_of_key(spare_fd, key);
}

typedef struct Watch {
	int spare_fd;
	int *pidfds;
	size_t n, max;
} Watch;

static int watch_one(const char *name, void *data)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF;
	Watch *w = data;
	pid_t pid;

	if (is_new(name))
		return 0;
	if (w->n == w->max)
		return 1;
	dir_fd = fs_open_beneath(w->spare_fd, name, O_RDONLY | O_DIRECTORY);
	/* Gone (claimed) or dead: the maker's next spare_make() sees to it. */
	if (dir_fd >= 0 && holder_ctl_connect_dir(dir_fd, &fd, &pid, &w->pidfds[w->n]) >= 0)
		w->n++;
	return 0;
}

size_t spare_watch_ready(int spare_fd, const HolderParams *p, int *pidfds, size_t max)
{
	char key[SPARE_KEY_LEN + 1];
	Watch w = { .spare_fd = spare_fd, .pidfds = pidfds, .max = max };

	spare_key(p, key);
	(void)each_of_key(spare_fd, key, watch_one, &w);
	return w.n;
}

/* ---- taking a spare (the module, under the user's lock) ---------------- */

typedef struct Take {
	int run_dir_fd, spare_fd;
	const HolderParams *p;
	HolderStarted *ret;
	SparePick *pick;	  /* NULL: claim at once */
	SpareSession *session;	  /* the claimed spare's session, when not NULL */
	const CgroupManager *cgm; /* with pick: the manager of the spare cgroups */
	unsigned tries;
	int last;
} Take;

/* UID/ is ours now: make the spare the user's holder. */
static int claim(Take *t, const char *uid_name, int *pidfd)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, lock_fd = -EBADF;
	char reply[HOLDER_MSG_MAX];
	pid_t pid = 0;
	int r;

	dir_fd = fs_open_beneath(t->run_dir_fd, uid_name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return dir_fd;
	r = holder_ctl_connect_dir(dir_fd, &fd, &pid, pidfd);
	if (r < 0)
		return r;
	/* Its own open file description: the holder's flock conflicts with ours. */
	r = state_open_user_lock(t->run_dir_fd, t->p->uid, false, &lock_fd);
	if (r < 0)
		return r;
	r = holder_ctl_claim(fd, t->p, lock_fd, reply, sizeof(reply));
	if (r < 0)
		return r;
	if (!streq(reply, HOLDER_REPLY_OK)) {
		snprintf(t->ret->error, sizeof(t->ret->error), "%s", reply);
		return -EIO;
	}
	/* Recorded by its maker (spare_make()), checked as a join checks them. */
	r = ns_check_holder(t->run_dir_fd, t->p->uid, t->p->namespaces, pid, *pidfd,
			    t->session ? &t->session->inodes : &(NsInodes){ { 0 } });
	if (r < 0)
		return r;
	t->ret->pid = pid;
	if (t->session)
		t->session->fd = TAKE_FD(fd);
	return 0;
}

/* The spare name is UID/ now: make it the user's holder; on failure it is
 * killed and UID/ removed (threat 13: nothing half-claimed stays). */
static int claim_or_kill(Take *t, const char *uid_name)
{
	_cleanup_(closep) int pidfd = -EBADF;
	int r;

	r = claim(t, uid_name, &pidfd);
	if (r >= 0) {
		if (t->session)
			t->session->pidfd = TAKE_FD(pidfd);
		return 0;
	}
	if (t->session)
		t->session->fd = safe_close(t->session->fd);
	holder_kill(pidfd);
	(void)state_remove_user(t->run_dir_fd, t->p->uid);
	return r;
}

/*
 * The picked spare's cgroup becomes the user's, once the spare is ours (its
 * directory is UID/ now): never the cgroup of a spare another login claims.
 * A maker's sweep cannot take it meanwhile: the spare's holder is in it.
 */
static void adopt(Take *t, const char *uid_name)
{
	_cleanup_(closep) int dir_fd =
		fs_open_beneath(t->run_dir_fd, uid_name, O_RDONLY | O_DIRECTORY);
	char cg_name[SPARE_CGROUP_NAME_MAX];
	CgroupStamp st = { 0 };
	int k;

	/* The limits its maker wrote there (spare_make()), for enter(). */
	if (dir_fd < 0 || state_user_record_get(dir_fd, &st, sizeof(st)) < 0)
		st = (CgroupStamp){ 0 };
	spare_cgroup_name(t->pick->name, cg_name);
	k = t->cgm->spare_adopt(t->p->cgroup_parent, cg_name, t->p->uid);
	/* Only when every directory it names is the user's now. */
	if (st.magic && k == (int)st.n_dirs)
		t->pick->stamp = st;
}

static int take_one(const char *name, void *data)
{
	Take *t = data;
	char uid_name[16];
	int r;

	if (is_new(name) || t->tries >= TAKE_TRIES)
		return 0;
	t->tries++;
	snprintf(uid_name, sizeof(uid_name), "%u", (unsigned)t->p->uid);
	if (renameat2(t->spare_fd, name, t->run_dir_fd, uid_name, RENAME_NOREPLACE) < 0) {
		r = negative_errno();
		if (r == -EEXIST && !t->pick) {
			/* The state of a dead paddock (the caller found none alive). */
			r = state_remove_user(t->run_dir_fd, t->p->uid);
			if (r >= 0 && renameat2(t->spare_fd, name, t->run_dir_fd, uid_name,
						RENAME_NOREPLACE) < 0)
				r = negative_errno();
		}
		if (r < 0) {
			/* ENOENT: another login took it first. */
			t->last = r;
			return 0;
		}
	}
	if (t->pick) {
		snprintf(t->pick->name, sizeof(t->pick->name), "%s", name);
		adopt(t, uid_name);
		return 1;
	}
	if (t->session)
		snprintf(t->session->name, sizeof(t->session->name), "%s", name);
	r = claim_or_kill(t, uid_name);
	if (r >= 0)
		return 1;
	t->last = r;
	return 0;
}

static int take(int run_dir_fd, const HolderParams *p, SparePick *pick, HolderStarted *ret,
		SpareSession *session)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	char key[SPARE_KEY_LEN + 1];
	HolderStarted info = { 0 };
	Take t = { .run_dir_fd = run_dir_fd,
		   .p = p,
		   .ret = &info,
		   .pick = pick,
		   .session = session,
		   .cgm = spare_cgroups_of(p),
		   .last = -ENOENT };
	int r;

	r = open_spare_dir(run_dir_fd, false, &spare_fd);
	if (r < 0)
		return r;
	spare_key(p, key);
	t.spare_fd = spare_fd;
	r = each_of_key(spare_fd, key, take_one, &t);
	if (r <= 0) {
		info.pid = 0;
		r = r < 0 ? r : t.last;
	} else {
		r = 0;
	}
	if (ret)
		*ret = info;
	return r;
}

int spare_take(int run_dir_fd, const HolderParams *p, HolderStarted *ret, SpareSession *session)
{
	if (session)
		*session = (SpareSession){ .fd = -EBADF, .pidfd = -EBADF };
	return take(run_dir_fd, p, NULL, ret, session);
}

int spare_pick(int run_dir_fd, const HolderParams *p, SparePick *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!spare_cgroups_of(p))
		return -EOPNOTSUPP;
	return take(run_dir_fd, p, ret, NULL, NULL);
}

int spare_claim(int run_dir_fd, const HolderParams *p, HolderStarted *ret, SpareSession *session)
{
	HolderStarted info = { 0 };
	Take t = { .run_dir_fd = run_dir_fd,
		   .spare_fd = -EBADF,
		   .p = p,
		   .ret = &info,
		   .session = session };
	char uid_name[16];
	int r;

	if (session)
		*session = (SpareSession){ .fd = -EBADF, .pidfd = -EBADF };
	snprintf(uid_name, sizeof(uid_name), "%u", (unsigned)p->uid);
	r = claim_or_kill(&t, uid_name);
	if (r < 0)
		info.pid = 0;
	if (ret)
		*ret = info;
	return r;
}

void spare_unpick(int run_dir_fd, const HolderParams *p)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, pidfd = -EBADF;
	char uid_name[16];
	pid_t pid;

	/* Not back into the pool: its cgroup is the user's now.  Killed, and
	 * nothing of it left as the user's (threat 13). */
	snprintf(uid_name, sizeof(uid_name), "%u", (unsigned)p->uid);
	dir_fd = fs_open_beneath(run_dir_fd, uid_name, O_RDONLY | O_DIRECTORY);
	if (dir_fd >= 0 && holder_ctl_connect_dir(dir_fd, &fd, &pid, &pidfd) >= 0)
		holder_kill(pidfd);
	(void)state_remove_user(run_dir_fd, p->uid);
}

/* ---- making spares ------------------------------------------------------ */

int spare_replenish(int run_dir_fd, int helper_fd, const HolderParams *p, unsigned count)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	char key[SPARE_KEY_LEN + 1], cmdline[HOLDER_CMDLINE_MAX];
	int r, len;

	if (count == 0)
		return 0;
	r = open_spare_dir(run_dir_fd, false, &spare_fd);
	if (r >= 0) {
		char name[MAKER_NAME_MAX];

		spare_key(p, key);
		if (count_of_key(spare_fd, key) >= count)
			return 0;
		/* A maker of the shape still runs: it saw the claim. */
		maker_name(key, name);
		if (maker_pid(spare_fd, name) > 0)
			return 0;
	} else if (r != -ENOENT) {
		return r;
	}
	len = holder_params_argv(HOLDER_ARGV_MAKER, p, &(HolderArgvExtra){ .count = count },
				 cmdline, sizeof(cmdline));
	if (len < 0)
		return len;
	r = holder_spawn_detached(helper_fd, cmdline, (size_t)len);
	return r < 0 ? r : 1;
}

static bool has_id(const char *name, const char *id)
{
	const char *dot = strchr(name, '.');
	size_t n = strlen(id);

	return dot && strncmp(dot + 1, id, n) == 0 && (dot[1 + n] == '\0' || dot[1 + n] == '.');
}

/* A spare cgroup is kept while a spare of its id is in the spare directory. */
static bool spare_cgroup_in_use(const char *cg_name, void *data)
{
	unsigned n = 0;

	(void)each_entry(*(int *)data, has_id, cg_name + strlen(CG_SPARE_PREFIX), count_one, &n);
	return n > 0;
}

/* A spare of our shape being made (KEY.ID.new/) while we make none: its
 * maker died before the rename (threat 18).  Its holder, if it listens,
 * is killed; one still in its setup exits at its ready line (nobody reads
 * it).  A ready one (KEY.ID/) whose holder is gone: it would count as
 * ready and never be replaced.  Their directories go; their cgroups are
 * swept next. */
static int collect_stale(const char *name, void *data)
{
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, pidfd = -EBADF;
	int spare_fd = *(int *)data, r;
	pid_t pid;

	dir_fd = fs_open_beneath(spare_fd, name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return 0; /* claimed meanwhile */
	r = holder_ctl_connect_dir(dir_fd, &fd, &pid, &pidfd);
	if (!is_new(name) && r != -ESTALE)
		return 0;
	if (r >= 0)
		holder_kill(pidfd);
	(void)state_remove_at(spare_fd, name);
	return 0;
}

int spare_make(int helper_fd, const HolderParams *p, unsigned count, HolderStarted *ret)
{
	_cleanup_(closep) int spare_fd = -EBADF, dir_fd = -EBADF, ns_fd = -EBADF, pidfd = -EBADF;
	char key[SPARE_KEY_LEN + 1], name[SPARE_KEY_LEN + 18], tmp_name[sizeof(name) + 4],
		cmdline[HOLDER_CMDLINE_MAX];
	const CgroupManager *cgm = spare_cgroups_of(p);
	HolderStarted info = { 0 };
	CgroupStamp stamp = { 0 };
	uint64_t id;
	bool created = false, in_cg = false;
	int r, len;

	if (ret)
		*ret = info;
	spare_key(p, key);
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return -EIO;
	snprintf(name, sizeof(name), "%s.%016" PRIx64, key, id);
	snprintf(tmp_name, sizeof(tmp_name), "%s" SPARE_NEW_SUFFIX, name);
	len = holder_params_argv(HOLDER_ARGV_SPARE, p, &(HolderArgvExtra){ .spare = name }, cmdline,
				 sizeof(cmdline));
	if (len < 0)
		return len;

	/* Nothing of the spare is charged to the login that asked for it. */
	r = spare_maker_open_dir(p, &spare_fd);
	if (r < 0)
		return r;

	/* Count and claim a place under the lock: concurrent makers make no
	 * more than count between them. */
	while (flock(spare_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return negative_errno();
	/* The caller holds the shape's maker lock (spare_maker_lock()): no
	 * other maker makes one of this shape now. */
	(void)each_of_key(spare_fd, key, collect_stale, &spare_fd);
	/* The cgroups of spares that are gone (killed, or stopped before
	 * they removed it): under the lock, so none of a spare being made. */
	if (cgm)
		(void)cgm->spare_sweep(p->cgroup_parent, spare_cgroup_in_use, &spare_fd);
	if (count_of_key(spare_fd, key) >= count) {
		(void)flock(spare_fd, LOCK_UN);
		return 0;
	}
	r = mkdirat(spare_fd, tmp_name, 0700) < 0 ? negative_errno() : 0;
	(void)flock(spare_fd, LOCK_UN);
	if (r < 0)
		return r;
	created = true;
	dir_fd = fs_open_beneath(spare_fd, tmp_name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0) {
		r = dir_fd;
		goto out;
	}
	if (mkdirat(dir_fd, HOLDER_NS_DIR, 0700) < 0) {
		r = negative_errno();
		goto out;
	}
	/*
	 * The spare's own cgroup first, and the holder forked in it (the maker
	 * steps in and out): a first login renames it to its user's (spare.h),
	 * with what the holder is made of charged there.  Without it (an
	 * error) the holder waits in the reaper leaf and that login makes a
	 * cgroup, as without spares.  The maker never stays in it.
	 */
	if (cgm) {
		char cg_name[SPARE_CGROUP_NAME_MAX];

		spare_cgroup_name(name, cg_name);
		in_cg = cgm->spare_make(p->cgroup_parent, cg_name, p->spare_limits, true, &stamp) >=
			0;
		/* What the claiming login's enter() takes (spare_pick()). */
		if (in_cg && stamp.magic)
			(void)state_user_record_set(dir_fd, &stamp, sizeof(stamp));
		if (!in_cg) {
			r = cgm->leave(p->cgroup_parent);
			if (r < 0)
				goto out;
		}
	}
	r = holder_spawn(dir_fd, -1, helper_fd, cmdline, (size_t)len, p->namespaces, &info, &pidfd);
	if (in_cg) {
		int k = cgm->leave(p->cgroup_parent);

		if (k < 0 && r >= 0)
			r = k;
	}
	if (r < 0)
		goto out;
	/* Its namespaces recorded now, owners checked (threat 1), not by the
	 * login that claims it: that one checks them as a join does. */
	ns_fd = fs_open_beneath(dir_fd, HOLDER_NS_DIR, O_RDONLY | O_DIRECTORY);
	r = ns_fd < 0 ? ns_fd : holder_record(ns_fd, info.pid, pidfd, p->namespaces);
	if (r < 0)
		goto out;
	/* network = nat: its network now (paddock-net, in the maker's network
	 * namespace, the host's), so that its claim makes none (net.h). */
	if (p->spare_net) {
		r = net_spare_up(name, info.pid, pidfd, p->spare_net, info.error,
				 sizeof(info.error));
		if (r < 0)
			goto out;
	}
	if (renameat(spare_fd, tmp_name, spare_fd, name) < 0) {
		r = negative_errno();
		goto out;
	}
	r = 1;
out:
	if (r < 0) {
		holder_kill(pidfd);
		if (created)
			(void)state_remove_at(spare_fd, tmp_name);
		(void)spare_cgroup_remove(cgm, p->cgroup_parent, name);
		info.pid = 0;
	}
	if (ret)
		*ret = info;
	return r;
}

/* ---- stopping spares (paddock stop --spares, paddock reload) ------------ */

typedef struct StopAll {
	int spare_fd;
	unsigned stopped;
	int first_error;
} StopAll;

static int stop_one(const char *name, void *data)
{
	StopAll *s = data;
	_cleanup_(closep) int dir_fd = -EBADF, fd = -EBADF, pidfd = -EBADF;
	char reply[HOLDER_MSG_MAX];
	struct pollfd pfd;
	pid_t pid;
	int r;

	if (is_new(name)) {
		char key[SPARE_KEY_LEN + 1], maker[MAKER_NAME_MAX];

		/* Left to its maker while one runs; a dead maker's goes. */
		snprintf(key, sizeof(key), "%.*s", SPARE_KEY_LEN, name);
		maker_name(key, maker);
		if (maker_pid(s->spare_fd, maker) == 0)
			(void)collect_stale(name, &s->spare_fd);
		return 0;
	}
	dir_fd = fs_open_beneath(s->spare_fd, name, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		return 0; /* claimed meanwhile */
	r = holder_ctl_connect_dir(dir_fd, &fd, &pid, &pidfd);
	if (r == -ESTALE) {
		/* Dead. */
		(void)state_remove_at(s->spare_fd, name);
		return 0;
	}
	if (r >= 0)
		r = holder_ctl_exchange(fd, HOLDER_REQ_STOP, reply, sizeof(reply));
	if (r >= 0 && !streq(reply, HOLDER_REPLY_OK))
		r = -EPROTO;
	if (r >= 0) {
		/* Its exit is "its directory is gone". */
		pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		do
			r = poll(&pfd, 1, HOLDER_REPLY_TIMEOUT_MS);
		while (r < 0 && errno == EINTR);
		r = r > 0 ? 0 : r == 0 ? -ETIMEDOUT : negative_errno();
	}
	if (r < 0 && r != -ESTALE) {
		if (s->first_error == 0)
			s->first_error = r;
		return 0;
	}
	s->stopped++;
	return 0;
}

int spare_stop_all(int run_dir_fd, unsigned *ret_stopped)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	StopAll s = { 0 };
	int r;

	*ret_stopped = 0;
	r = open_spare_dir(run_dir_fd, false, &spare_fd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	s.spare_fd = spare_fd;
	/* The makers first: none tops a pool up again behind us. */
	s.first_error = stop_makers(spare_fd);
	(void)each_of_key(spare_fd, NULL, stop_one, &s);
	*ret_stopped = s.stopped;
	return s.first_error;
}

static int count_ready(const char *name, void *data)
{
	if (!is_new(name))
		(*(unsigned *)data)++;
	return 0;
}

unsigned spare_count_ready(int run_dir_fd)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	unsigned n = 0;

	if (open_spare_dir(run_dir_fd, false, &spare_fd) >= 0)
		(void)each_of_key(spare_fd, NULL, count_ready, &n);
	return n;
}
