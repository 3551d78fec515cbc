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

/* One call of pam_sm_open_session: what each step leaves for the next. */
typedef struct Login {
	pam_handle_t *pamh;
	ModuleArgs args;
	Audit au;
	Counters counters; /* the node's login counters, open for this call */
	Policy *policy;
	PolicyGlobal g;
	UserPolicy up;
	Identity id;
	CgroupLimits limits;
	const char *user;
	const char *denied; /* what a denied user is told, by how far the login got */
	SessionData *sd;    /* the session being opened; PAM data once recorded */
} Login;

/* What the steps of pam_sm_open_session return to go on: any PAM code ends it. */
#define NEXT_STEP (-1)

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

static void session_data_free(SessionData *sd)
{
	if (!sd)
		return;
	/* In a forked child (PAM_DATA_SILENT from pam_end) the session belongs
	 * to the parent: only drop our copy of the descriptors. */
	if (sd->fd >= 0)
		close(sd->fd);
	if (sd->audit_fd >= 0)
		close(sd->audit_fd);
	free(sd->user);
	free(sd);
}

/* A SessionData for user with no descriptors yet; NULL: no memory. */
static SessionData *session_data_new(const char *user)
{
	SessionData *sd = calloc(1, sizeof(*sd));

	if (!sd)
		return NULL;
	sd->fd = sd->audit_fd = -EBADF;
	sd->user = strdup(user);
	if (!sd->user) {
		free(sd);
		return NULL;
	}
	return sd;
}

static void session_data_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	session_data_free(data);
}

/* ---- audit ------------------------------------------------------------ */

static const char *pam_item(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS ? v : NULL;
}

static void log_pam(void *pamh, int priority, const char *fmt, va_list ap)
{
	pam_vsyslog(pamh, priority, fmt, ap);
}

/* An Audit for this PAM call: its items, its syslog. */
static void audit_init_pam(Audit *au, pam_handle_t *pamh, bool debug)
{
	audit_init(au, pam_item(pamh, PAM_SERVICE), pam_item(pamh, PAM_TTY),
		   pam_item(pamh, PAM_RHOST), debug, log_pam, pamh);
}

/* A session refused before or without isolation: step failed with r. */
static void record_refusal(Login *l, const char *user, uid_t uid, const char *step, int r)
{
	AuditRecord rec = {
		.op = AUDIT_OP_REFUSE,
		.user = user,
		.uid = uid,
		.decision = "deny",
		.step = step,
		.error = -r,
	};

	counters_bump(&l->counters, COUNTER_BIT(COUNTER_DENIED_USER));
	(void)audit_write(&l->au, &rec);
}

/* The policy or the module line is unusable: root is exempt, others denied
 * (PAM_IGNORE, PAM_SESSION_ERR). */
static int policy_error(Login *l, const char *detail)
{
	AuditRecord rec = {
		.op = AUDIT_OP_POLICY_ERROR,
		.user = l->id.user,
		.uid = l->id.uid,
		.decision = l->id.uid == 0 ? "exempt" : "deny",
		.step = "policy",
		.error = EINVAL,
		.detail = detail,
	};

	counters_bump(&l->counters,
		      COUNTER_BIT(l->id.uid == 0 ? COUNTER_EXEMPT : COUNTER_DENIED_POLICY));
	(void)audit_write(&l->au, &rec);
	return l->id.uid == 0 ? PAM_IGNORE : PAM_SESSION_ERR;
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

/* audit says a login it cannot record is denied (why: what failed, for
 * syslog): say so, count it, deny. */
static int deny_unrecorded(Login *l, const char *why)
{
	pam_syslog(l->pamh, LOG_ERR, "user %s: audit = %s and %s; session denied", l->user,
		   audit_mode_name(l->au.mode), why);
	counters_bump(&l->counters, COUNTER_BIT(COUNTER_DENIED_AUDIT));
	return PAM_SESSION_ERR;
}

/* The audit record of a decision about login l taken at step (NULL: none),
 * which failed with r (0: none failed): the fields dry_run() and fail() share. */
static AuditRecord step_record(const Login *l, AuditOp op, const char *decision, const char *step,
			       int r)
{
	return (AuditRecord){
		.op = op,
		.user = l->id.user,
		.uid = l->id.uid,
		.decision = decision,
		.step = step,
		.error = -r,
		.limits = &l->limits,
	};
}

/*
 * enforce = no: say in syslog and the audit log what enforce = yes would do
 * for this login (isolate it with these namespaces and limits, or deny it
 * at step with r) and leave the session alone (PAM_IGNORE), unless audit
 * says an unrecorded decision denies.
 */
static int dry_run(Login *l, unsigned namespaces, const char *step, int r)
{
	const Identity *id = &l->id;
	AuditRecord rec =
		step_record(l, AUDIT_OP_DRY_RUN, step ? "would-deny" : "would-isolate", step, r);
	char ns[64] = "", lim[256] = "";

	rec.success = true;
	rec.namespaces = namespaces;

	for (unsigned bit = 1; bit <= POLICY_NS_NET; bit <<= 1)
		if (namespaces & bit)
			snprintf(ns + strlen(ns), sizeof(ns) - strlen(ns), "%s%s", *ns ? "," : "",
				 policy_ns_name(bit));
	format_limits(&l->limits, lim, sizeof(lim));
	if (step)
		pam_syslog(
			l->pamh, LOG_NOTICE,
			"user %s (uid %u): enforce = no: would deny the session (%s failed: %s); "
			"session NOT isolated",
			id->user, (unsigned)id->uid, step, strerror(-r));
	else
		pam_syslog(l->pamh, LOG_NOTICE,
			   "user %s (uid %u): enforce = no: would isolate with namespaces %s and "
			   "limits %s; session NOT isolated",
			   id->user, (unsigned)id->uid, ns, lim);
	if (audit_write(&l->au, &rec))
		return PAM_IGNORE;
	pam_syslog(l->pamh, LOG_ERR,
		   "user %s: audit = %s and the decision cannot be recorded; "
		   "session denied",
		   id->user, audit_mode_name(l->au.mode));
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
 * choice of the admin; with audit = required only if that is recorded).
 * g NULL: deny whatever the policy says (the caller is in the paddock). */
static int fail(Login *l, const PolicyGlobal *g, const char *step, int r)
{
	const Identity *id = &l->id;
	bool allow = g && g->on_error == ON_ERROR_ALLOW;
	AuditRecord rec = step_record(l, allow ? AUDIT_OP_UNISOLATED : AUDIT_OP_REFUSE,
				      allow ? "allow-unisolated" : "deny", step, r);

	if (g && !g->enforce)
		return dry_run(l, 0, step, r);
	if (allow) {
		pam_syslog(l->pamh, LOG_WARNING,
			   "user %s: %s failed: %s; on_error = allow: session NOT isolated",
			   id->user, step, strerror(-r));
		if (audit_write(&l->au, &rec)) {
			counters_bump(&l->counters, COUNTER_BIT(COUNTER_UNISOLATED));
			return PAM_SUCCESS;
		}
		counters_bump(&l->counters, COUNTER_BIT(COUNTER_DENIED_AUDIT));
		pam_syslog(l->pamh, LOG_ERR,
			   "user %s: audit = %s and the unisolated session cannot be recorded; "
			   "session denied",
			   id->user, audit_mode_name(l->au.mode));
		return PAM_SESSION_ERR;
	}
	pam_syslog(l->pamh, LOG_ERR, "user %s: %s failed: %s; session denied", id->user, step,
		   strerror(-r));
	counters_bump(&l->counters,
		      COUNTER_BIT(strncmp(step, "caller check", 12) == 0 ? COUNTER_DENIED_CALLER
									 : COUNTER_DENIED_SETUP));
	(void)audit_write(&l->au, &rec);
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

/* ---- the steps of pam_sm_open_session --------------------------------- */

/*
 * 1. Decide, without side effects (but the policy's memo, state.h): the
 * policy, the user, whether and how to isolate, whether the decision can be
 * recorded.  The policy is read first: its audit key says how to record
 * everything below (a policy that cannot be read leaves the built-in
 * audit = auto).
 */
static int decide(Login *l)
{
	PolicyError err;
	char detail[128];
	int r, policy_r;

	policy_r = policy_load_memo(l->args.conf, &state_policy_memo, &l->policy, &err);
	if (policy_r >= 0) {
		policy_global(l->policy, &l->g, NULL);
		l->au.mode = l->g.audit;
	}
	if (pam_get_item(l->pamh, PAM_USER, (const void **)&l->user) != PAM_SUCCESS || !l->user ||
	    !*l->user) {
		pam_syslog(l->pamh, LOG_ERR, "no user name; session denied");
		record_refusal(l, NULL, AUDIT_NO_UID, "user", -EINVAL);
		return PAM_SESSION_ERR;
	}
	/* getgrouplist() walks every NSS group source: only when a
	 * [group:NAME] section needs it (a broken policy needs just the uid). */
	if (policy_r >= 0 && policy_uses_groups(l->policy))
		r = identity_lookup(l->user, &l->id);
	else
		r = identity_lookup_no_groups(l->user, &l->id);
	if (r < 0) {
		pam_syslog(l->pamh, LOG_ERR, "user %s: lookup failed: %s; session denied", l->user,
			   r == -ENOENT ? "no such user" : strerror(-r));
		record_refusal(l, l->user, AUDIT_NO_UID, "user lookup", r);
		return errno_to_pam(r);
	}
	l->denied = "the login policy cannot be applied";
	if (l->args.bad) {
		/* A typo in the PAM line must not silently weaken isolation. */
		pam_syslog(l->pamh, LOG_ERR, "unknown module argument '%s'", l->args.bad);
		snprintf(detail, sizeof(detail), "unknown module argument '%s'", l->args.bad);
		return policy_error(l, detail);
	}
	if (policy_r < 0) {
		pam_syslog(l->pamh, LOG_ERR, "policy refused: %s", err.text);
		r = policy_error(l, err.text);
		if (r == PAM_IGNORE)
			pam_syslog(
				l->pamh, LOG_NOTICE,
				"user root: exempt by the built-in rule despite the broken policy");
		else
			pam_syslog(l->pamh, LOG_ERR, "user %s: session denied (broken policy)",
				   l->user);
		return r;
	}
	r = policy_resolve(l->policy, &l->id.policy, &l->up, NULL, &err);
	if (r < 0) {
		pam_syslog(l->pamh, LOG_ERR, "user %s: policy cannot be applied: %s", l->user,
			   err.text);
		return policy_error(l, err.text);
	}
	if (!l->up.isolate) {
		pam_syslog(l->pamh, LOG_INFO, "user %s: not isolated by policy", l->user);
		counters_bump(&l->counters, COUNTER_BIT(COUNTER_EXEMPT));
		return PAM_IGNORE;
	}
	cg_limits_from_policy(&l->up, &l->limits);
	l->denied = "your session cannot be recorded";

	/* Whether a record can be written is known before any side effect:
	 * audit = required denies here rather than after the join (threat 17). */
	if (!audit_ensure(&l->au, l->user))
		return deny_unrecorded(l, "no record can be written");
	l->denied = "your isolated session could not be set up";
	return NEXT_STEP;
}

/* 2. Unusual callers: refused before any side effect (threat 16). */
static int check_caller(Login *l)
{
	int threads;

	if (geteuid() != 0)
		return fail(l, &l->g, "caller check", -EPERM);
	threads = count_threads();
	if (threads != 1)
		return fail(l, &l->g, "caller check (single-threaded caller)",
			    threads < 0 ? threads : -EBUSY);
	/*
	 * systemd's user manager opens its session in the process that then
	 * execs systemd --user: that process can join the paddock's mount
	 * namespace but never its PID namespace (setns makes only children
	 * members), so it would run with a /proc in which it does not exist,
	 * and systemd fails to start.  Refused with the reason instead.
	 */
	if (l->au.service && streq(l->au.service, "systemd-user"))
		return fail(l, &l->g,
			    "caller check (systemd-user: the user manager cannot enter the "
			    "paddock's PID namespace; leave pam_paddock out of "
			    "/etc/pam.d/systemd-user)",
			    -EOPNOTSUPP);
	return NEXT_STEP;
}

/*
 * 3. Open the session: the privileged steps (session.c), then what the
 * caller hands to the processes it starts from now on: none of its
 * descriptors past an exec (threat 20), and the session's filter (threat
 * 19).  enforce = no: what would be done, and nothing.
 */
static int open_paddock(Login *l)
{
	SessionRequest req = {
		.id = &l->id, .up = &l->up, .global = &l->g, .helper_path = l->args.helper
	};
	const char *step = NULL;
	SessionData *sd;
	int r;

	if (!l->g.enforce)
		return dry_run(l, l->up.namespaces, NULL, 0);
	sd = l->sd = session_data_new(l->user);
	if (!sd)
		return fail(l, &l->g, "record session", -ENOMEM);

	r = session_open(&req, &sd->fd, &sd->info, &step);
	if (r < 0) {
		counters_bump(&l->counters, COUNTER_BIT(COUNTER_SETUP_FAILURES));
		return fail(l, &l->g, step, r);
	}
	/* A failure here denies whatever on_error says: the caller is inside
	 * the paddock already. */
	sd->info.seccomp = syscall_filter_name(syscall_filter_for(&l->up));
	step = "descriptors";
	r = caller_fds_cloexec();
	if (r >= 0) {
		step = "seccomp filter";
		r = syscall_filter_install(syscall_filter_for(&l->up));
	}
	if (r < 0) {
		sd->fd = safe_close(sd->fd);
		return fail(l, NULL, step, r);
	}
	return NEXT_STEP;
}

/* What syslog says of a session opened and recorded. */
static void log_opened(const Login *l, const SessionInfo *info)
{
	if (*info->spare_error)
		pam_syslog(l->pamh, LOG_WARNING,
			   "user %s: claiming a spare paddock failed (%s); started one instead",
			   l->user, info->spare_error);
	if (info->stale_collected)
		pam_syslog(l->pamh, LOG_WARNING,
			   "user %s: removed a paddock left half-built or half-claimed", l->user);
	if (info->spare_started < 0)
		pam_syslog(l->pamh, LOG_WARNING, "user %s: starting a spare paddock failed: %s",
			   l->user, strerror(-info->spare_started));
	pam_syslog(l->pamh, LOG_INFO,
		   "user %s (uid %u): %s paddock, holder pid %d, cgroup %s (%s), "
		   "mnt:%llu pid:%llu ipc:%llu uts:%llu net:%llu%s%s%s%s, seccomp %s",
		   l->user, (unsigned)l->id.uid,
		   info->from_spare ? "claimed a spare"
		   : info->created  ? "started"
				    : "joined",
		   info->holder_pid, info->cgroup, info->cgroup_manager, info->ns_ino[0],
		   info->ns_ino[1], info->ns_ino[2], info->ns_ino[3], info->ns_ino[4],
		   *info->net_addr ? ", address " : "", info->net_addr,
		   *info->net_if ? " via " : "", info->net_if, info->seccomp);
}

/*
 * 4. Record the session: its audit records, then the PAM data that
 * close_session finds.  A session the mode says must be recorded and is
 * not ends here (closing its fd ends it at the holder).  Every record
 * carries the limits; VIRT_RESOURCE says they were applied: at a start,
 * and at a join only when it wrote them (the policy changed), so that a
 * join is one record.
 */
static int record_session(Login *l)
{
	SessionData *sd = l->sd;
	const SessionInfo *info = &sd->info;
	AuditRecord rec;

	rec = session_record(info->created ? AUDIT_OP_START : AUDIT_OP_JOIN, l->user, l->id.uid,
			     info, &l->limits);
	if (!audit_write(&l->au, &rec)) {
		sd->fd = safe_close(sd->fd);
	} else if (info->created || info->limits_written) {
		rec.op = AUDIT_OP_LIMITS;
		rec.reason = info->created ? "start" : "join";
		if (!audit_write(&l->au, &rec))
			sd->fd = safe_close(sd->fd);
	}
	if (sd->fd < 0) {
		l->denied = "your session cannot be recorded";
		return deny_unrecorded(l, "the session cannot be recorded");
	}

	sd->owner = getpid();
	sd->debug = l->args.debug;
	sd->audit_mode = l->au.mode;
	sd->uid = l->id.uid;
	sd->linger = l->g.linger;
	sd->limits = l->limits;
	if (pam_set_data(l->pamh, DATA_NAME, sd, session_data_cleanup) != PAM_SUCCESS) {
		sd->fd = safe_close(sd->fd);
		return fail(l, &l->g, "record session", -ENOMEM);
	}
	l->sd = NULL; /* PAM's now */
	sd->audit_fd = TAKE_FD(l->au.fd);
	counters_bump(&l->counters,
		      info->created ? COUNTER_BIT(COUNTER_STARTED) |
					      (info->from_spare ? COUNTER_BIT(COUNTER_SPARE) : 0)
				    : COUNTER_BIT(COUNTER_JOINED));
	log_opened(l, info);
	return PAM_SUCCESS;
}

static void login_done(Login *l)
{
	session_data_free(l->sd);
	counters_close(&l->counters);
	audit_done(&l->au);
	identity_done(&l->id);
	policy_free(l->policy);
}

/* ---- entry points ----------------------------------------------------- */

_public_ int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	_cleanup_(login_done) Login l = {
		.pamh = pamh,
		.counters = { .fd = -EBADF },
		.denied = "your isolated session could not be set up",
	};
	int ret;

	module_args_parse(argc, argv, &l.args);
	audit_init_pam(&l.au, pamh, l.args.debug);
	(void)counters_open(&l.counters);
	if (l.args.debug)
		pam_syslog(pamh, LOG_DEBUG, "paddock %s, helper %s, policy %s", PADDOCK_VERSION,
			   l.args.helper, l.args.conf ? l.args.conf : POLICY_DEFAULT_PATH);

	ret = decide(&l);
	if (ret == NEXT_STEP)
		ret = check_caller(&l);
	if (ret == NEXT_STEP)
		ret = open_paddock(&l);
	if (ret == NEXT_STEP)
		ret = record_session(&l);
	if (ret != PAM_SUCCESS && ret != PAM_IGNORE)
		tell_denied(pamh, flags, l.user ? l.user : "?", l.denied);
	return ret;
}

_public_ int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	_cleanup_(audit_done) Audit au = { .fd = -EBADF };
	const void *data = NULL;
	SessionData *sd;
	AuditRecord rec;
	int left;

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
	/* Through the socket open_session made in the host namespaces: one
	 * made here would belong to the user's network namespace. */
	if (sd->audit_fd < 0)
		return PAM_SUCCESS;
	audit_init_pam(&au, pamh, sd->debug);
	audit_resume(&au, sd->audit_mode, TAKE_FD(sd->audit_fd));
	return audit_write(&au, &rec) ? PAM_SUCCESS : PAM_SESSION_ERR;
}
