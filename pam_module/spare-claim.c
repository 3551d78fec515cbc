/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spares on the login's side, run in the caller (sshd, su) under the
 * user's lock: take a ready spare (spare_take(), or spare_pick() then
 * spare_claim()), and start "paddock spare" to top the pool up
 * (spare_replenish()).
 */
#include "spare-claim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/macro.h"
#include "cgroup.h"
#include "holder-ctl.h"
#include "ns.h"
#include "state.h"

/* Spares tried by one login before it builds its own holder. */
#define TAKE_TRIES 3

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
	k = t->cgm->spare->adopt(t->p->cgroup_parent, cg_name, t->p->uid);
	/* Only when every directory it names is the user's now. */
	if (st.magic && k == (int)st.n_dirs)
		t->pick->stamp = st;
}

static int take_one(const char *name, void *data)
{
	Take *t = data;
	char uid_name[16];
	int r;

	if (spare_is_new(name) || t->tries >= TAKE_TRIES)
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

	r = spare_open_dir(run_dir_fd, false, &spare_fd);
	if (r < 0)
		return r;
	spare_key(p, key);
	t.spare_fd = spare_fd;
	r = spare_each_of_key(spare_fd, key, take_one, &t);
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

/* ---- topping the pool up ------------------------------------------------ */

int spare_replenish(int run_dir_fd, int helper_fd, const HolderParams *p, unsigned count)
{
	_cleanup_(closep) int spare_fd = -EBADF;
	char key[SPARE_KEY_LEN + 1], cmdline[HOLDER_CMDLINE_MAX];
	int r, len;

	if (count == 0)
		return 0;
	r = spare_open_dir(run_dir_fd, false, &spare_fd);
	if (r >= 0) {
		char name[SPARE_MAKER_NAME_MAX];

		spare_key(p, key);
		if (spare_count_of_key(spare_fd, key) >= count)
			return 0;
		/* A maker of the shape still runs: it saw the claim. */
		spare_maker_name(key, name);
		if (spare_maker_pid(spare_fd, name) > 0)
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
