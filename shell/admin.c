/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "admin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../conf/fs-util.h"
#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/audit.h"
#include "../pam_module/holder-ctl.h"
#include "../pam_module/holder-params.h"
#include "../pam_module/holder-proto.h"
#include "../pam_module/ns.h"
#include "../pam_module/state.h"

bool admin_require_root(const char *command)
{
	if (getuid() == 0 && geteuid() == 0)
		return true;
	fprintf(stderr, "paddock %s: permission denied: only root may run this command\n", command);
	return false;
}

int admin_parse_user(const char *command, const char *arg, uid_t *ret_uid)
{
	Identity id = { 0 };
	uint64_t v;
	int r;

	r = identity_lookup(arg, &id);
	if (r >= 0) {
		*ret_uid = id.uid;
		identity_done(&id);
		return 0;
	}
	if (r == -ENOENT && units_parse_u64(arg, &v) == 0 && v < UINT32_MAX) {
		*ret_uid = (uid_t)v;
		return 0;
	}
	fprintf(stderr, "paddock %s: user '%s': %s\n", command, arg,
		r == -ENOENT ? "no such user" : strerror(-r));
	return r;
}

static int uid_cmp(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

int admin_list_uids(int run_dir_fd, uid_t **ret, size_t *ret_n)
{
	_cleanup_(freep) uid_t *uids = NULL;
	_cleanup_(closep) int fd = -EBADF;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	fd = fcntl(run_dir_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d)
		return negative_errno();
	TAKE_FD(fd);
	/* The dup shares its offset with run_dir_fd: an earlier listing left it at the end. */
	rewinddir(d);
	while ((de = readdir(d))) {
		char ctl[32];
		struct stat st;
		uint64_t v;

		/* Only UID/ directories holding a socket named ctl (holder-proto.h). */
		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    units_parse_u64(de->d_name, &v) < 0 || v >= UINT32_MAX)
			continue;
		snprintf(ctl, sizeof(ctl), "%s/" HOLDER_CTL_NAME, de->d_name);
		if (fstatat(run_dir_fd, ctl, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (n == cap) {
			uid_t *m = realloc(uids, (cap = cap ? cap * 2 : 16) * sizeof(uid_t));

			if (!m) {
				closedir(d);
				return -ENOMEM;
			}
			uids = m;
		}
		uids[n++] = (uid_t)v;
	}
	closedir(d);
	if (n)
		qsort(uids, n, sizeof(uid_t), uid_cmp);
	*ret = TAKE_PTR(uids);
	*ret_n = n;
	return 0;
}

int admin_list_paddocks(const char *command, int *ret_run_dir_fd, uid_t **ret, size_t *ret_n)
{
	int r;

	r = state_open_run_dir(ret_run_dir_fd);
	if (r >= 0)
		r = admin_list_uids(*ret_run_dir_fd, ret, ret_n);
	if (r < 0)
		fprintf(stderr, "paddock %s: %s: %s\n", command, STATE_DIR, strerror(-r));
	return r;
}

int admin_ctl(int run_dir_fd, uid_t uid, const char *msg, char *reply, size_t len, pid_t *ret_pid,
	      int *ret_pidfd)
{
	_cleanup_(closep) int fd = -EBADF, pidfd = -EBADF;
	pid_t pid;
	int n, r;

	r = holder_ctl_connect(run_dir_fd, uid, NULL, &fd, &pid, &pidfd);
	if (r < 0)
		return r;
	n = holder_ctl_exchange(fd, msg, reply, len);
	if (n < 0)
		return n;
	if (streq(reply, HOLDER_REPLY_DYING))
		return -ESTALE;
	*ret_pid = pid;
	*ret_pidfd = TAKE_FD(pidfd);
	return n;
}

/* The holder's options (holder-params.h) from its command line. */
static int parse_holder_cmdline(char *buf, size_t n, PaddockInfo *p)
{
	HolderParams hp;

	if (holder_params_parse_cmdline(buf, n, &hp) < 0 || hp.uid != p->uid)
		return -EPROTO;
	p->ns_mask = hp.namespaces;
	snprintf(p->cgroup_manager, sizeof(p->cgroup_manager), "%s", hp.cgroup_manager);
	snprintf(p->cgroup_parent, sizeof(p->cgroup_parent), "%s", hp.cgroup_parent);
	return 0;
}

/* Field 22 of /proc/PID/stat, starttime; the command name before it may
 * hold spaces and parentheses, so the fields count from the last ')'. */
static int parse_start_ticks(char *stat, uint64_t *ret)
{
	char *p = strrchr(stat, ')'), *save = NULL, *tok;
	int field = 2;

	if (!p)
		return -EPROTO;
	for (tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (++field == 22)
			return units_parse_u64(tok, ret) < 0 ? -EPROTO : 0;
	return -EPROTO;
}

/* /proc/PID, which names that process for as long as the fd is open: a
 * file read through it after the process went fails, whoever has the
 * number then. */
static int open_proc(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : errno == ENOENT || errno == ESRCH ? -ESTALE : negative_errno();
}

static int read_proc(int proc, const char *name, char *buf, size_t len)
{
	int r = fs_read_file(proc, name, buf, len);

	return r == -ENOENT || r == -ESRCH ? -ESTALE : r;
}

/* p's holder (p->holder_pid, /proc/PID open as proc) described from its
 * command line and stat; p->cgroup from them. */
static int describe_holder(int proc, PaddockInfo *p)
{
	char cmdline[4096], stat[1024];
	int n, k, r;

	n = read_proc(proc, "cmdline", cmdline, sizeof(cmdline));
	if (n < 0)
		return n;
	k = read_proc(proc, "stat", stat, sizeof(stat));
	if (k < 0)
		return k;
	r = parse_holder_cmdline(cmdline, (size_t)n, p);
	if (r >= 0)
		r = parse_start_ticks(stat, &p->holder_start_ticks);
	if (r < 0)
		return r;
	p->cgm = cg_manager_by_name(p->cgroup_manager);
	if (p->cgm && p->cgm->path(p->cgroup_parent, p->uid, p->cgroup, sizeof(p->cgroup)) < 0)
		p->cgroup[0] = '\0';
	return 0;
}

/* The recorded inodes of p's namespaces (p->ns_mask), 0 for the others. */
static void keep_ns(PaddockInfo *p, const NsInodes *rec)
{
	for (unsigned i = 0; i < NS_COUNT; i++)
		if (p->ns_mask & (1u << i))
			p->ns.ino[i] = rec->ino[i];
}

int admin_paddock_info(int run_dir_fd, uid_t uid, PaddockInfo *ret)
{
	NsInodes rec;
	_cleanup_(closep) int fd = -EBADF, pidfd = -EBADF, proc = -EBADF;
	PaddockInfo p = { .uid = uid };
	char reply[HOLDER_MSG_MAX];
	unsigned processes;
	struct passwd *pw;
	int r;

	r = holder_ctl_connect(run_dir_fd, uid, NULL, &fd, &p.holder_pid, &pidfd);
	if (r >= 0)
		r = holder_ctl_send(fd, HOLDER_REQ_STATUS);
	if (r >= 0)
		r = holder_ctl_recv(fd, reply, sizeof(reply));
	if (r >= 0)
		r = holder_ctl_parse_status(reply, &p.sessions, &processes);
	if (r >= 0)
		r = proc = open_proc(p.holder_pid);
	if (r >= 0)
		r = describe_holder(proc, &p);
	if (r < 0)
		return r;
	/* Threat 2: what we read was the holder's only if it is still alive. */
	if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		return errno == ESRCH ? -ESTALE : negative_errno();
	if (ns_read_holder(run_dir_fd, uid, &rec, NULL) == 0)
		keep_ns(&p, &rec);
	pw = getpwuid(uid);
	if (pw)
		snprintf(p.user, sizeof(p.user), "%s", pw->pw_name);
	*ret = p;
	return 0;
}

int admin_paddock_read(int run_dir_fd, uid_t uid, const CtlConns *conns, PaddockInfo *ret)
{
	_cleanup_(closep) int proc = -EBADF;
	PaddockInfo p = { .uid = uid, .sessions = ADMIN_UNKNOWN };
	NsInodes rec;
	struct stat st;
	char ctl[32];
	int r;

	r = ns_read_holder(run_dir_fd, uid, &rec, &p.holder_pid);
	if (r < 0)
		return r == -ENOENT ? -ESTALE : r;
	proc = open_proc(p.holder_pid);
	if (proc < 0)
		return proc;
	/* The recorded PID namespace is the holder's, and it is that
	 * namespace's PID 1: so the process at PID is the holder. */
	if (fstatat(proc, "ns/pid", &st, 0) < 0)
		return errno == ENOENT || errno == ESRCH ? -ESTALE : negative_errno();
	if (st.st_ino != rec.ino[NS_PID])
		return -ESTALE;
	r = describe_holder(proc, &p);
	if (r < 0)
		return r;
	keep_ns(&p, &rec);
	snprintf(ctl, sizeof(ctl), "%u/" HOLDER_CTL_NAME, (unsigned)uid);
	if (conns && fstatat(run_dir_fd, ctl, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode))
		p.sessions = ctl_conns_count(conns, st.st_dev, st.st_ino);
	*ret = p;
	return 0;
}

void admin_audit(const AdminEvent *e, AuditMode mode)
{
	const PaddockInfo *p = e->info;
	bool reload = streq(e->op, "reload");
	AuditRecord rec = {
		.op = e->r < 0 && e->detail && !p ? AUDIT_OP_POLICY_ERROR
		      : reload			  ? AUDIT_OP_LIMITS
						  : AUDIT_OP_END,
		.success = e->r >= 0,
		.user = e->user,
		.uid = e->uid,
		.step = e->r < 0 ? e->op : NULL,
		.error = e->r < 0 ? -e->r : 0,
		.detail = e->detail,
		.reason = reload ? "reload" : "admin-stop",
		.linger = 0,
		.service = "paddock",
		.cgroup = p && *p->cgroup ? p->cgroup : NULL,
		.cgroup_manager = p ? p->cgroup_manager : NULL,
		.holder_pid = p ? (int)p->holder_pid : 0,
		.limits = e->limits,
	};
	_cleanup_(closep) int fd = -EBADF;
	const char *why = NULL;
	int err = 0, r;

	for (unsigned i = 0; p && i < NS_COUNT; i++)
		rec.ns_ino[i] = p->ns.ino[i];

	openlog("paddock", LOG_PID, LOG_AUTHPRIV);
	syslog(e->r < 0 ? LOG_ERR : LOG_NOTICE, "%s: user %s (uid %d) by uid %u%s%s: %s", e->op,
	       e->user ? e->user : "?", e->uid == AUDIT_NO_UID ? -1 : (int)e->uid,
	       (unsigned)getuid(), e->detail ? ": " : "", e->detail ? e->detail : "",
	       e->r < 0 ? strerror(-e->r) : "done");
	closelog();

	if (audit_connect(mode, &fd, &err, &why) != AUDIT_LINK_READY) {
		if (mode == AUDIT_MODE_REQUIRED)
			fprintf(stderr,
				"paddock %s: audit = required, but no record can be written: "
				"%s%s%s\n",
				e->op, why ? why : "?", err ? ": " : "", err ? strerror(err) : "");
		return;
	}
	r = audit_emit(fd, &rec);
	if (r < 0 && audit_classify_error(r) == AUDIT_LINK_BROKEN)
		fprintf(stderr, "paddock %s: writing the audit record: %s\n", e->op, strerror(-r));
}
