/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_paddock.so: the PAM entry points.  This layer decides (policy, user,
 * caller), converts errors to PAM codes and logs; the privileged work is in
 * session.c.  Module arguments:
 *
 *   conf=PATH     the main policy file (default /etc/security/paddock.conf)
 *   helper=PATH   the paddock helper (default SBINDIR/paddock)
 *   debug         extra detail in syslog
 *
 * Every decision is logged at info level (authpriv); debug only adds detail.
 * Every decision about an isolated user, and every failure, is also an
 * audit record (audit.h) as the policy's audit key says: auto writes when
 * the kernel takes records, required denies when it does not, off writes
 * none.  Records are written in the host namespaces with a socket opened
 * before the join; close_session reuses that socket (it runs inside the
 * user's namespaces and touches no path).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "audit.h"
#include "caller-fds.h"
#include "cgroup.h"
#include "counters.h"
#include "module-args.h"
#include "holder-ctl.h"
#include "ns.h"
#include "session.h"
#include "state.h"
#include "syscall-filter.h"

#ifndef PADDOCK_VERSION
#error "PADDOCK_VERSION is set by the Makefile (VERSION)"
#endif

#define DATA_NAME "pam_paddock_session"

/* The audit side of one PAM call: the policy's mode and the kernel link,
 * opened on first use (users the policy leaves alone cost nothing). */
typedef struct Audit {
	pam_handle_t *pamh;
	AuditMode mode;
	AuditLink link;
	bool connected;
	bool debug;
	int fd;
	const char *service, *tty, *rhost;
	Counters counters; /* the node's login counters, open for this call */
} Audit;

/* What close_session needs, kept as PAM data. */
typedef struct SessionData {
	int fd;
	pid_t owner; /* the process that opened it: cleanup in forks does nothing */
	bool debug;
	AuditMode audit_mode;
	int audit_fd; /* opened in the host namespaces; -EBADF: no records */
	char *user;
	uid_t uid;
	uint64_t linger;
	SessionInfo info;
	CgroupLimits limits;
} SessionData;

/* The one place errno values become PAM codes. */
static int errno_to_pam(int r)
{
	switch (r) {
	case 0:
		return PAM_SUCCESS;
	case -ENOMEM:
		return PAM_BUF_ERR;
	case -ENOENT:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_SESSION_ERR;
	}
}

/* Threads share namespaces and credentials: setns() and cgroup moves of a
 * multi-threaded caller would be partial.  Counted from /proc before any
 * setns, while /proc is still the host's: the link count of a task
 * directory is 2 plus its threads (one stat); else the entries. */
static int count_threads(void)
{
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	if (stat("/proc/self/task", &st) < 0)
		return -errno;
	if (st.st_nlink >= 3)
		return st.st_nlink - 2 > INT_MAX ? INT_MAX : (int)(st.st_nlink - 2);
	d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void session_data_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	SessionData *sd = data;

	/* In a forked child (PAM_DATA_SILENT from pam_end) the session belongs
	 * to the parent: only drop our copy of the descriptors. */
	if (sd->fd >= 0)
		close(sd->fd);
	if (sd->audit_fd >= 0)
		close(sd->audit_fd);
	free(sd->user);
	free(sd);
}

/* ---- audit ------------------------------------------------------------ */

static const char *pam_item(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS ? v : NULL;
}

static void audit_init(pam_handle_t *pamh, Audit *au, bool debug)
{
	*au = (Audit){
		.pamh = pamh,
		.mode = AUDIT_MODE_AUTO, /* until a policy says otherwise */
		.debug = debug,
		.fd = -EBADF,
		.service = pam_item(pamh, PAM_SERVICE),
		.tty = pam_item(pamh, PAM_TTY),
		.rhost = pam_item(pamh, PAM_RHOST),
	};
}

static void audit_done(Audit *au)
{
	au->fd = safe_close(au->fd);
}

/* Open the kernel link once, and say in syslog when no record can be
 * written (info: auto carries on; error: the session will be denied). */
static void audit_ensure(Audit *au, const char *user)
{
	const char *why = NULL;
	int err = 0;

	if (au->connected)
		return;
	au->connected = true;
	au->link = audit_connect(au->mode, &au->fd, &err, &why);
	if (au->link == AUDIT_LINK_READY || au->link == AUDIT_LINK_OFF) {
		if (au->debug)
			pam_syslog(au->pamh, LOG_DEBUG, "audit = %s: %s", audit_mode_name(au->mode),
				   au->link == AUDIT_LINK_OFF ? "no records" : "writing records");
		return;
	}
	pam_syslog(au->pamh, audit_permits(au->mode, au->link) ? LOG_INFO : LOG_ERR,
		   "user %s: audit = %s: no audit record can be written: %s%s%s", user ? user : "?",
		   audit_mode_name(au->mode), why, err ? ": " : "", err ? strerror(err) : "");
}

/*
 * Write rec (the PAM items are filled in here).  Returns whether audit lets
 * the session go on: false only when the record could not be written and
 * the mode says that denies (required; auto when the link is broken).
 */
static bool audit_write(Audit *au, AuditRecord *rec)
{
	int r;

	rec->service = au->service;
	rec->tty = au->tty;
	rec->rhost = au->rhost;
	audit_ensure(au, rec->user);
	if (au->link != AUDIT_LINK_READY)
		return audit_permits(au->mode, au->link);
	r = audit_emit(au->fd, rec);
	if (r >= 0) {
		if (au->debug)
			pam_syslog(au->pamh, LOG_DEBUG,
				   "user %s: audit record op=%s res=%s written",
				   rec->user ? rec->user : "?", audit_op_name(rec->op),
				   rec->success ? "success" : "failed");
		return true;
	}
	au->link = audit_classify_error(r);
	pam_syslog(au->pamh, audit_permits(au->mode, au->link) ? LOG_WARNING : LOG_ERR,
		   "user %s: audit = %s: audit record op=%s not written: %s",
		   rec->user ? rec->user : "?", audit_mode_name(au->mode), audit_op_name(rec->op),
		   strerror(-r));
	return audit_permits(au->mode, au->link);
}

/* A session refused before or without isolation: step failed with r. */
static void audit_refusal(Audit *au, const char *user, uid_t uid, const char *step, int r,
			  const CgroupLimits *limits)
{
	AuditRecord rec = {
		.op = AUDIT_OP_REFUSE,
		.user = user,
		.uid = uid,
		.decision = "deny",
		.step = step,
		.error = -r,
		.limits = limits,
	};

	counters_bump(&au->counters, COUNTER_BIT(COUNTER_DENIED_USER));
	(void)audit_write(au, &rec);
}

/* The policy or the module line is unusable: root is exempt, others denied. */
static void audit_policy_error(Audit *au, const Identity *id, const char *detail)
{
	AuditRecord rec = {
		.op = AUDIT_OP_POLICY_ERROR,
		.user = id->user,
		.uid = id->uid,
		.decision = id->uid == 0 ? "exempt" : "deny",
		.step = "policy",
		.error = EINVAL,
		.detail = detail,
	};

	counters_bump(&au->counters,
		      COUNTER_BIT(id->uid == 0 ? COUNTER_EXEMPT : COUNTER_DENIED_POLICY));
	(void)audit_write(au, &rec);
}

/* ---- enforce = no and the denied user's message ------------------------ */

/* "memory_max=2147483648 memory_high=max ..." for syslog. */
static void format_limits(const CgroupLimits *l, char *buf, size_t len)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = { { "memory_max", l->memory_max },	     { "memory_high", l->memory_high },
		  { "memory_swap_max", l->memory_swap_max }, { "cpu_quota", l->cpu_quota },
		  { "cpu_weight", l->cpu_weight },	     { "tasks_max", l->tasks_max } };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(f) && used < len; i++) {
		int n = f[i].v == UNITS_MAX
				? snprintf(buf + used, len - used, "%s%s=max", i ? " " : "",
					   f[i].name)
				: snprintf(buf + used, len - used, "%s%s=%llu", i ? " " : "",
					   f[i].name, (unsigned long long)f[i].v);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * enforce = no: say in syslog and the audit log what enforce = yes would do
 * for this login (isolate it with these namespaces and limits, or deny it
 * at step with r) and leave the session alone (PAM_IGNORE), unless audit
 * says an unrecorded decision denies.
 */
static int dry_run(Audit *au, const Identity *id, unsigned namespaces, const CgroupLimits *limits,
		   const char *step, int r)
{
	AuditRecord rec = {
		.op = AUDIT_OP_DRY_RUN,
		.success = true,
		.user = id->user,
		.uid = id->uid,
		.decision = step ? "would-deny" : "would-isolate",
		.step = step,
		.error = -r,
		.limits = limits,
		.namespaces = namespaces,
	};
	char ns[64] = "", lim[256] = "";

	for (unsigned bit = 1; bit <= POLICY_NS_NET; bit <<= 1)
		if (namespaces & bit)
			snprintf(ns + strlen(ns), sizeof(ns) - strlen(ns), "%s%s", *ns ? "," : "",
				 policy_ns_name(bit));
	if (limits)
		format_limits(limits, lim, sizeof(lim));
	if (step)
		pam_syslog(
			au->pamh, LOG_NOTICE,
			"user %s (uid %u): enforce = no: would deny the session (%s failed: %s); "
			"session NOT isolated",
			id->user, (unsigned)id->uid, step, strerror(-r));
	else
		pam_syslog(au->pamh, LOG_NOTICE,
			   "user %s (uid %u): enforce = no: would isolate with namespaces %s and "
			   "limits %s; session NOT isolated",
			   id->user, (unsigned)id->uid, ns, lim);
	if (audit_write(au, &rec))
		return PAM_IGNORE;
	pam_syslog(au->pamh, LOG_ERR,
		   "user %s: audit = %s and the decision cannot be recorded; "
		   "session denied",
		   id->user, audit_mode_name(au->mode));
	return PAM_SESSION_ERR;
}

/*
 * Tell the denied user why, in one line through the conversation: the class
 * of reason and a reference the admin finds in syslog, never the policy's
 * contents (who is isolated how is not the user's to read).
 */
static void tell_denied(pam_handle_t *pamh, int flags, const char *user, const char *why)
{
	unsigned ref;

	if (getrandom(&ref, sizeof(ref), GRND_NONBLOCK) != sizeof(ref))
		ref = (unsigned)getpid() ^ (unsigned)time(NULL);
	pam_syslog(pamh, LOG_ERR, "user %s: session refused (%s), reference pdk-%08x", user, why,
		   ref);
	if (!(flags & PAM_SILENT))
		(void)pam_error(pamh,
				"paddock: session refused: %s (reference pdk-%08x). Your "
				"administrator finds the reason in the system log.",
				why, ref);
}

/* Fail according to on_error: deny, or let the user in unisolated (audited
 * choice of the admin; with audit = required only if that is recorded). */
static int fail(Audit *au, const PolicyGlobal *g, const Identity *id, const char *step, int r,
		const CgroupLimits *limits)
{
	bool allow = g && g->on_error == ON_ERROR_ALLOW;
	AuditRecord rec = {
		.op = allow ? AUDIT_OP_UNISOLATED : AUDIT_OP_REFUSE,
		.user = id->user,
		.uid = id->uid,
		.decision = allow ? "allow-unisolated" : "deny",
		.step = step,
		.error = -r,
		.limits = limits,
	};

	if (g && !g->enforce)
		return dry_run(au, id, 0, limits, step, r);
	if (allow) {
		pam_syslog(au->pamh, LOG_WARNING,
			   "user %s: %s failed: %s; on_error = allow: session NOT isolated",
			   id->user, step, strerror(-r));
		if (audit_write(au, &rec)) {
			counters_bump(&au->counters, COUNTER_BIT(COUNTER_UNISOLATED));
			return PAM_SUCCESS;
		}
		counters_bump(&au->counters, COUNTER_BIT(COUNTER_DENIED_AUDIT));
		pam_syslog(au->pamh, LOG_ERR,
			   "user %s: audit = %s and the unisolated session cannot be recorded; "
			   "session denied",
			   id->user, audit_mode_name(au->mode));
		return PAM_SESSION_ERR;
	}
	pam_syslog(au->pamh, LOG_ERR, "user %s: %s failed: %s; session denied", id->user, step,
		   strerror(-r));
	counters_bump(&au->counters,
		      COUNTER_BIT(strncmp(step, "caller check", 12) == 0 ? COUNTER_DENIED_CALLER
									 : COUNTER_DENIED_SETUP));
	(void)audit_write(au, &rec);
	/* Whatever the step and the errno (an ENOMEM from clone3 is a kernel
	 * limit, not a PAM buffer): a denied session is PAM_SESSION_ERR. */
	return PAM_SESSION_ERR;
}

/* The record of a session: start or join, limits, end. */
static AuditRecord session_record(AuditOp op, const char *user, uid_t uid, const SessionInfo *info,
				  const CgroupLimits *limits)
{
	AuditRecord rec = {
		.op = op,
		.success = true,
		.user = user,
		.uid = uid,
		.cgroup = info->cgroup,
		.cgroup_manager = info->cgroup_manager,
		.holder_pid = info->holder_pid,
		.seccomp = info->seccomp,
		.addr = info->net_addr,
		.limits = limits,
		.linger = -1,
	};

	for (unsigned i = 0; i < NS_COUNT; i++)
		rec.ns_ino[i] = info->ns_ino[i];
	return rec;
}

/* ---- entry points ----------------------------------------------------- */

_public_ int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	_cleanup_(policy_freep) Policy *policy = NULL;
	const char *user = NULL, *step = NULL;
	SessionInfo info = { 0 };
	SessionRequest req;
	PolicyGlobal g;
	UserPolicy up;
	PolicyError err;
	CgroupLimits limits;
	Identity id = { 0 };
	AuditRecord rec;
	SessionData *sd;
	Audit au;
	ModuleArgs a;
	int r, policy_r, fd = -EBADF, threads, ret;
	const char *service;
	const char *denied = "your isolated session could not be set up";
	char detail[128];

	module_args_parse(argc, argv, &a);
	audit_init(pamh, &au, a.debug);
	(void)counters_open(&au.counters);
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG, "paddock %s, helper %s, policy %s", PADDOCK_VERSION,
			   a.helper, a.conf ? a.conf : POLICY_DEFAULT_PATH);

	/* 1. Decide, without side effects (but the policy's memo, state.h).
	 * The policy is read first: its audit key says how to record
	 * everything below (a policy that cannot be read leaves the built-in
	 * audit = auto). */
	policy_r = policy_load_memo(a.conf, &state_policy_memo, &policy, &err);
	if (policy_r >= 0) {
		policy_global(policy, &g, NULL);
		au.mode = g.audit;
	}
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "no user name; session denied");
		audit_refusal(&au, NULL, AUDIT_NO_UID, "user", -EINVAL, NULL);
		ret = PAM_SESSION_ERR;
		goto out;
	}
	/* getgrouplist() walks every NSS group source: only when a
	 * [group:NAME] section needs it (a broken policy needs just the uid). */
	if (policy_r >= 0 && policy_uses_groups(policy))
		r = identity_lookup(user, &id);
	else
		r = identity_lookup_no_groups(user, &id);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user %s: lookup failed: %s; session denied", user,
			   r == -ENOENT ? "no such user" : strerror(-r));
		audit_refusal(&au, user, AUDIT_NO_UID, "user lookup", r, NULL);
		ret = errno_to_pam(r);
		goto out;
	}
	denied = "the login policy cannot be applied";
	if (a.bad) {
		/* A typo in the PAM line must not silently weaken isolation. */
		pam_syslog(pamh, LOG_ERR, "unknown module argument '%s'", a.bad);
		snprintf(detail, sizeof(detail), "unknown module argument '%s'", a.bad);
		audit_policy_error(&au, &id, detail);
		ret = id.uid == 0 ? PAM_IGNORE : PAM_SESSION_ERR;
		goto out;
	}
	if (policy_r < 0) {
		pam_syslog(pamh, LOG_ERR, "policy refused: %s", err.text);
		audit_policy_error(&au, &id, err.text);
		if (id.uid == 0) {
			pam_syslog(
				pamh, LOG_NOTICE,
				"user root: exempt by the built-in rule despite the broken policy");
			ret = PAM_IGNORE;
		} else {
			pam_syslog(pamh, LOG_ERR, "user %s: session denied (broken policy)", user);
			ret = PAM_SESSION_ERR;
		}
		goto out;
	}
	r = policy_resolve(policy, &id.policy, &up, NULL, &err);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "user %s: policy cannot be applied: %s", user, err.text);
		audit_policy_error(&au, &id, err.text);
		ret = id.uid == 0 ? PAM_IGNORE : PAM_SESSION_ERR;
		goto out;
	}
	if (!up.isolate) {
		pam_syslog(pamh, LOG_INFO, "user %s: not isolated by policy", user);
		counters_bump(&au.counters, COUNTER_BIT(COUNTER_EXEMPT));
		ret = PAM_IGNORE;
		goto out;
	}
	cg_limits_from_policy(&up, &limits);
	denied = "your session cannot be recorded";

	/* Whether a record can be written is known before any side effect:
	 * audit = required denies here rather than after the join (threat 17). */
	audit_ensure(&au, user);
	if (!audit_permits(au.mode, au.link)) {
		pam_syslog(pamh, LOG_ERR,
			   "user %s: audit = %s and no record can be written; "
			   "session denied",
			   user, audit_mode_name(au.mode));
		counters_bump(&au.counters, COUNTER_BIT(COUNTER_DENIED_AUDIT));
		ret = PAM_SESSION_ERR;
		goto out;
	}

	denied = "your isolated session could not be set up";
	/* Unusual callers: refuse before any side effect (threat 16). */
	if (geteuid() != 0) {
		ret = fail(&au, &g, &id, "caller check", -EPERM, &limits);
		goto out;
	}
	threads = count_threads();
	if (threads != 1) {
		ret = fail(&au, &g, &id, "caller check (single-threaded caller)",
			   threads < 0 ? threads : -EBUSY, &limits);
		goto out;
	}
	/*
	 * systemd's user manager opens its session in the process that then
	 * execs systemd --user: that process can join the paddock's mount
	 * namespace but never its PID namespace (setns makes only children
	 * members), so it would run with a /proc in which it does not exist,
	 * and systemd fails to start.  Refused with the reason instead.
	 */
	service = pam_item(pamh, PAM_SERVICE);
	if (service && streq(service, "systemd-user")) {
		ret = fail(&au, &g, &id,
			   "caller check (systemd-user: the user manager cannot enter the "
			   "paddock's PID namespace; leave pam_paddock out of "
			   "/etc/pam.d/systemd-user)",
			   -EOPNOTSUPP, &limits);
		goto out;
	}
	if (!g.enforce) {
		ret = dry_run(&au, &id, up.namespaces, &limits, NULL, 0);
		goto out;
	}
	sd = calloc(1, sizeof(*sd));
	if (!sd || !(sd->user = strdup(user))) {
		free(sd);
		ret = fail(&au, &g, &id, "record session", -ENOMEM, &limits);
		goto out;
	}

	/* 2-6. The privileged steps. */
	req = (SessionRequest){ .id = &id, .up = &up, .global = &g, .helper_path = a.helper };
	r = session_open(&req, &fd, &info, &step);
	if (r < 0) {
		free(sd->user);
		free(sd);
		counters_bump(&au.counters, COUNTER_BIT(COUNTER_SETUP_FAILURES));
		ret = fail(&au, &g, &id, step, r, &limits);
		goto out;
	}
	/* What the caller hands to the processes it starts from now on: none
	 * of its descriptors past an exec (threat 20), and the session's
	 * filter (threat 19).  A failure denies whatever on_error says: the
	 * caller is inside the paddock already. */
	info.seccomp = syscall_filter_name(syscall_filter_for(&up));
	step = "descriptors";
	r = caller_fds_cloexec();
	if (r >= 0) {
		step = "seccomp filter";
		r = syscall_filter_install(syscall_filter_for(&up));
	}
	if (r < 0) {
		fd = safe_close(fd);
		free(sd->user);
		free(sd);
		ret = fail(&au, NULL, &id, step, r, &limits);
		goto out;
	}

	/* The records of the session: a session the mode says must be
	 * recorded and is not, ends here (closing fd ends it at the holder).
	 * Every record carries the limits; VIRT_RESOURCE says they were
	 * applied: at a start, and at a join only when it wrote them (the
	 * policy changed), so that a join is one record. */
	rec = session_record(info.created ? AUDIT_OP_START : AUDIT_OP_JOIN, user, id.uid, &info,
			     &limits);
	if (!audit_write(&au, &rec)) {
		fd = safe_close(fd);
	} else if (info.created || info.limits_written) {
		rec.op = AUDIT_OP_LIMITS;
		rec.reason = info.created ? "start" : "join";
		if (!audit_write(&au, &rec))
			fd = safe_close(fd);
	}
	if (fd < 0) {
		free(sd->user);
		free(sd);
		denied = "your session cannot be recorded";
		pam_syslog(pamh, LOG_ERR,
			   "user %s: audit = %s and the session cannot be recorded; "
			   "session denied",
			   user, audit_mode_name(au.mode));
		counters_bump(&au.counters, COUNTER_BIT(COUNTER_DENIED_AUDIT));
		ret = PAM_SESSION_ERR;
		goto out;
	}

	sd->fd = fd;
	sd->owner = getpid();
	sd->debug = a.debug;
	sd->audit_mode = au.mode;
	sd->audit_fd = -EBADF;
	sd->uid = id.uid;
	sd->linger = g.linger;
	sd->info = info;
	sd->limits = limits;
	if (pam_set_data(pamh, DATA_NAME, sd, session_data_cleanup) != PAM_SUCCESS) {
		session_data_cleanup(pamh, sd, 0);
		ret = fail(&au, &g, &id, "record session", -ENOMEM, &limits);
		goto out;
	}
	sd->audit_fd = TAKE_FD(au.fd);
	counters_bump(&au.counters,
		      info.created ? COUNTER_BIT(COUNTER_STARTED) |
					     (info.from_spare ? COUNTER_BIT(COUNTER_SPARE) : 0)
				   : COUNTER_BIT(COUNTER_JOINED));
	if (*info.spare_error)
		pam_syslog(pamh, LOG_WARNING,
			   "user %s: claiming a spare paddock failed (%s); started one instead",
			   user, info.spare_error);
	if (info.stale_collected)
		pam_syslog(pamh, LOG_WARNING,
			   "user %s: removed a paddock left half-built or half-claimed", user);
	if (info.spare_started < 0)
		pam_syslog(pamh, LOG_WARNING, "user %s: starting a spare paddock failed: %s", user,
			   strerror(-info.spare_started));
	pam_syslog(pamh, LOG_INFO,
		   "user %s (uid %u): %s paddock, holder pid %d, cgroup %s (%s), "
		   "mnt:%llu pid:%llu ipc:%llu uts:%llu net:%llu%s%s%s%s, seccomp %s",
		   user, (unsigned)id.uid,
		   info.from_spare ? "claimed a spare"
		   : info.created  ? "started"
				   : "joined",
		   info.holder_pid, info.cgroup, info.cgroup_manager, info.ns_ino[0],
		   info.ns_ino[1], info.ns_ino[2], info.ns_ino[3], info.ns_ino[4],
		   *info.net_addr ? ", address " : "", info.net_addr, *info.net_if ? " via " : "",
		   info.net_if, info.seccomp);
	ret = PAM_SUCCESS;
out:
	if (ret != PAM_SUCCESS && ret != PAM_IGNORE)
		tell_denied(pamh, flags, user ? user : "?", denied);
	counters_close(&au.counters);
	audit_done(&au);
	identity_done(&id);
	return ret;
}

_public_ int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	SessionData *sd;
	AuditRecord rec;
	int left, r;

	/* No /proc/self, no path: the caller lives in the user's namespaces now. */
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	/* pam_get_data hands out const; the data is ours to update. */
	memcpy(&sd, &data, sizeof(sd));
	if (sd->owner != getpid() || sd->fd < 0)
		return PAM_IGNORE;

	/* Ending the session on its own connection tells whether it was the
	 * paddock's last; closing the fd afterwards changes nothing more. */
	left = holder_ctl_close_session(sd->fd);
	sd->fd = safe_close(sd->fd);
	if (left > 0) {
		pam_syslog(pamh, LOG_INFO, "user %s: session closed; %d left in the paddock",
			   sd->user, left);
		return PAM_SUCCESS;
	}

	rec = session_record(AUDIT_OP_END, sd->user, sd->uid, &sd->info, &sd->limits);
	rec.linger = (long long)sd->linger;
	if (left == 0) {
		rec.reason = "last-session";
		pam_syslog(pamh, LOG_INFO,
			   "user %s: session closed; it was the paddock's last: teardown after "
			   "linger (%llu s)",
			   sd->user, (unsigned long long)sd->linger);
	} else if (left == -ESTALE) {
		rec.reason = "holder-gone";
		pam_syslog(pamh, LOG_INFO, "user %s: session closed; the paddock was already gone",
			   sd->user);
	} else {
		rec.success = false;
		rec.step = "close";
		rec.error = -left;
		pam_syslog(pamh, LOG_ERR, "user %s: session closed; the holder did not answer: %s",
			   sd->user, strerror(-left));
	}
	if (sd->audit_fd < 0)
		return PAM_SUCCESS;
	rec.service = pam_item(pamh, PAM_SERVICE);
	rec.tty = pam_item(pamh, PAM_TTY);
	rec.rhost = pam_item(pamh, PAM_RHOST);
	r = audit_emit(sd->audit_fd, &rec);
	if (r >= 0) {
		if (sd->debug)
			pam_syslog(pamh, LOG_DEBUG, "user %s: audit record op=end res=%s written",
				   sd->user, rec.success ? "success" : "failed");
		return PAM_SUCCESS;
	}
	if (audit_permits(sd->audit_mode, audit_classify_error(r))) {
		pam_syslog(pamh, LOG_WARNING,
			   "user %s: audit = %s: audit record op=end not "
			   "written: %s",
			   sd->user, audit_mode_name(sd->audit_mode), strerror(-r));
		return PAM_SUCCESS;
	}
	pam_syslog(pamh, LOG_ERR, "user %s: audit = %s: audit record op=end not written: %s",
		   sd->user, audit_mode_name(sd->audit_mode), strerror(-r));
	return PAM_SESSION_ERR;
}
