/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit records: the text is built here field by field and sent with
 * libaudit's audit_send().  Not audit_log_user_message(): it resolves the
 * remote host through DNS, reads /proc/self/exe and lstat()s the tty, and
 * close_session runs inside the user's namespaces, where none of that is
 * the host's; it also writes hostname= and terminal= unencoded.
 *
 * The kernel wraps the text as msg='...' after its own pid= uid= auid=
 * ses= (the sender's, from its credentials and loginuid), so the body names
 * the user id= (libaudit's field for an account's uid) and the namespaces
 * mnt_ns= ... net_ns=: a second uid= or pid= would shadow the kernel's in
 * parsers that keep one value per name.
 */
#include "audit.h"

#include <errno.h>
#include <libaudit.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"

/* Exported by libaudit.so.1 (auditctl's own path to the kernel) but only
 * declared in its private header: sends one netlink message and returns the
 * kernel's verdict (sequence number > 0, or -errno). */
extern int audit_send(int fd, int type, const void *data, unsigned int size);

AuditSendFn audit_send_fn = audit_send;

static const char *const op_names[AUDIT_OP_COUNT] = {
	[AUDIT_OP_START] = "start",
	[AUDIT_OP_JOIN] = "join",
	[AUDIT_OP_END] = "end",
	[AUDIT_OP_LIMITS] = "limits",
	[AUDIT_OP_REFUSE] = "refuse",
	[AUDIT_OP_UNISOLATED] = "unisolated",
	[AUDIT_OP_POLICY_ERROR] = "policy-error",
	[AUDIT_OP_DRY_RUN] = "dry-run",
};

const char *audit_op_name(AuditOp op)
{
	return (unsigned)op < AUDIT_OP_COUNT ? op_names[op] : NULL;
}

const char *audit_mode_name(AuditMode mode)
{
	switch (mode) {
	case AUDIT_MODE_AUTO:
		return "auto";
	case AUDIT_MODE_REQUIRED:
		return "required";
	case AUDIT_MODE_OFF:
		return "off";
	}
	return "?";
}

int audit_record_type(const AuditRecord *rec)
{
	if (!rec->success)
		return AUDIT_USER_ERR;
	return rec->op == AUDIT_OP_LIMITS ? AUDIT_VIRT_RESOURCE : AUDIT_VIRT_CONTROL;
}

/* ---- formatting ------------------------------------------------------- */

typedef struct Buf {
	char *p;
	size_t len, used;
	bool overflow;
} Buf;

_printf_(2, 3) static void put(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used) {
		b->overflow = true;
		return;
	}
	b->used += (size_t)n;
}

/*
 * name=VALUE for an untrusted value: libaudit's encoding, "quoted" when
 * audit_value_needs_encoding() finds nothing unsafe, hex otherwise.  A
 * single quote is hex too: libaudit lets it through, but it would end the
 * kernel's msg='...' early for naive readers.  NULL or "" is "?".
 */
static int put_untrusted(Buf *b, const char *name, const char *value, size_t max)
{
	size_t n;

	if (!value || !*value) {
		put(b, " %s=?", name);
		return 0;
	}
	n = strnlen(value, max);
	if (audit_value_needs_encoding(value, (unsigned)n) || memchr(value, '\'', n)) {
		_cleanup_(freep) char *hex = malloc(2 * n + 1);

		if (!hex)
			return -ENOMEM;
		put(b, " %s=%s", name, audit_encode_value(hex, value, (unsigned)n));
	} else {
		/* audit_encode_nv_string() quotes all of value whatever vlen says:
		 * hand it the cut copy. */
		_cleanup_(freep) char *cut = strndup(value, n);
		_cleanup_(freep) char *nv =
			cut ? audit_encode_nv_string(name, cut, (unsigned)n) : NULL;

		if (!nv)
			return -ENOMEM;
		put(b, " %s", nv);
	}
	return 0;
}

/* A fixed phrase from our own code ("caller check (single-threaded
 * caller)"): made one token, every run of other characters one '-'. */
static void put_word(Buf *b, const char *name, const char *word)
{
	bool dash = false, any = false;

	put(b, " %s=", name);
	for (const char *s = word ? word : ""; *s && !b->overflow; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.') {
			if (dash && any)
				put(b, "-");
			put(b, "%c", c);
			dash = false;
			any = true;
		} else {
			dash = true;
		}
	}
	if (!any)
		put(b, "?");
}

static void put_u64(Buf *b, const char *name, uint64_t v, bool known)
{
	if (!known)
		put(b, " %s=?", name);
	else if (v == UNITS_MAX)
		put(b, " %s=max", name);
	else
		put(b, " %s=%llu", name, (unsigned long long)v);
}

static void put_error(Buf *b, int error)
{
	const char *name = error > 0 ? strerrorname_np(error) : NULL;

	if (error <= 0)
		put(b, " error=?");
	else if (name)
		put(b, " error=%s", name);
	else
		put(b, " error=%d", error);
}

int audit_format(const AuditRecord *rec, char *buf, size_t len)
{
	const CgroupLimits *l = rec->limits;
	Buf b = { .p = buf, .len = len };
	int r;

	if (!audit_op_name(rec->op))
		return -EINVAL;
	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';

	put(&b, "virt=paddock op=%s", audit_op_name(rec->op));
	/* vm= makes "ausearch -vm USER" find every record of one paddock. */
	if ((r = put_untrusted(&b, "vm", rec->user, AUDIT_VALUE_MAX)) < 0 ||
	    (r = put_untrusted(&b, "acct", rec->user, AUDIT_VALUE_MAX)) < 0)
		return r;
	if (rec->uid == AUDIT_NO_UID)
		put(&b, " id=?");
	else
		put(&b, " id=%u", (unsigned)rec->uid);

	if (!rec->success || rec->op == AUDIT_OP_REFUSE || rec->op == AUDIT_OP_UNISOLATED ||
	    rec->op == AUDIT_OP_POLICY_ERROR) {
		put_word(&b, "decision", rec->decision);
		put_word(&b, "step", rec->step);
		put_error(&b, rec->error);
		if ((r = put_untrusted(&b, "detail", rec->detail, AUDIT_DETAIL_MAX)) < 0)
			return r;
	} else if (rec->op == AUDIT_OP_LIMITS || rec->op == AUDIT_OP_END) {
		put_word(&b, "reason", rec->reason);
	} else if (rec->op == AUDIT_OP_DRY_RUN) {
		/* What enforce = yes would have done: isolate with these
		 * namespaces and the limits below, or deny at step. */
		put_word(&b, "decision", rec->decision);
		put_word(&b, "step", rec->step);
		put_error(&b, rec->error);
		put(&b, " namespaces=");
		for (unsigned bit = 1, any = 0; bit <= POLICY_NS_NET; bit <<= 1)
			if (rec->namespaces & bit)
				put(&b, "%s%s", any++ ? "," : "", policy_ns_name(bit));
		if (!rec->namespaces)
			put(&b, "?");
	}
	if (rec->op == AUDIT_OP_END) {
		if (rec->linger < 0)
			put(&b, " linger=?");
		else
			put(&b, " linger=%lld", rec->linger);
	}

	if ((r = put_untrusted(&b, "service", rec->service, AUDIT_VALUE_MAX)) < 0 ||
	    (r = put_untrusted(&b, "terminal", rec->tty, AUDIT_VALUE_MAX)) < 0 ||
	    (r = put_untrusted(&b, "hostname", rec->rhost, AUDIT_VALUE_MAX)) < 0 ||
	    (r = put_untrusted(&b, "cgroup", rec->cgroup, AUDIT_VALUE_MAX)) < 0)
		return r;
	put_word(&b, "cgroup_manager", rec->cgroup_manager);
	if (rec->holder_pid > 0)
		put(&b, " vm-pid=%d", rec->holder_pid);
	else
		put(&b, " vm-pid=?");
	if (rec->addr && *rec->addr)
		put_word(&b, "addr", rec->addr);
	for (unsigned i = 0; i < NS_COUNT; i++)
		put_u64(&b, ns_types[i].audit_field, rec->ns_ino[i], rec->ns_ino[i] != 0);
	/* Our own names (syscall_filter_name), a comma between them. */
	put(&b, " seccomp=%s", rec->seccomp ? rec->seccomp : "?");
	put_u64(&b, "memory_max", l ? l->memory_max : 0, l);
	put_u64(&b, "memory_high", l ? l->memory_high : 0, l);
	put_u64(&b, "swap_max", l ? l->memory_swap_max : 0, l);
	put_u64(&b, "cpu_quota", l ? l->cpu_quota : 0, l);
	put_u64(&b, "cpu_weight", l ? l->cpu_weight : 0, l);
	put_u64(&b, "tasks_max", l ? l->tasks_max : 0, l);
	put(&b, " res=%s", rec->success ? "success" : "failed");

	if (b.overflow)
		return -ENOBUFS;
	return (int)b.used;
}

/* ---- sending ---------------------------------------------------------- */

int audit_emit(int fd, const AuditRecord *rec)
{
	_cleanup_(freep) char *text = malloc(AUDIT_RECORD_MAX);
	int n, r;

	if (!text)
		return -ENOMEM;
	n = audit_format(rec, text, AUDIT_RECORD_MAX);
	if (n < 0)
		return n;
	r = audit_send_fn(fd, audit_record_type(rec), text, (unsigned)n + 1);
	return r < 0 ? r : 0;
}

AuditLink audit_classify_error(int r)
{
	switch (-r) {
	case ECONNREFUSED: /* nobody listens: a non-initial user namespace */
	case EPERM:	   /* no CAP_AUDIT_WRITE, or a non-initial PID namespace */
	case EINVAL:	   /* socket(NETLINK_AUDIT): no audit in the kernel */
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
		return AUDIT_LINK_UNAVAILABLE;
	default:
		return AUDIT_LINK_BROKEN;
	}
}

static bool can_write_audit(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return true; /* cannot tell: the send will */
	if (cap_get_flag(caps, CAP_AUDIT_WRITE, CAP_EFFECTIVE, &v) < 0)
		v = CAP_SET;
	cap_free(caps);
	return v == CAP_SET;
}

/* The kernel's enabled flag: 0, 1, 2 (locked), or < 0 when it cannot tell
 * (AUDIT_GET needs CAP_AUDIT_CONTROL).  A socket of its own: the status
 * reply and the kernel's acknowledgement arrive in either order, and
 * neither must be mistaken for the answer to a record later. */
static int kernel_enabled(void)
{
	int fd = audit_open(), r;

	if (fd < 0)
		return -1;
	r = audit_is_enabled(fd);
	audit_close(fd);
	return r;
}

AuditLink audit_connect(AuditMode mode, int *ret_fd, int *ret_error, const char **ret_why)
{
	int fd;

	*ret_fd = -EBADF;
	*ret_error = 0;
	*ret_why = NULL;
	if (mode == AUDIT_MODE_OFF) {
		*ret_why = "audit = off";
		return AUDIT_LINK_OFF;
	}
	/* What audit_open() makes, close-on-exec from the start (it sets
	 * FD_CLOEXEC with a second call): this fd must never reach the
	 * user's processes.  libaudit sends on it. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0) {
		*ret_error = errno;
		if (audit_classify_error(-errno) == AUDIT_LINK_UNAVAILABLE) {
			*ret_why = "the kernel has no audit support";
			return AUDIT_LINK_UNAVAILABLE;
		}
		*ret_why = "the audit socket cannot be opened";
		return AUDIT_LINK_BROKEN;
	}
	/*
	 * Only required asks the kernel whether audit is enabled: AUDIT_GET
	 * costs a kernel thread per reply (tests/bench/RESULTS.md).  auto sends
	 * regardless, as Linux-PAM's pam_loginuid and libaudit's
	 * audit_log_acct_message() do: a disabled audit acknowledges user
	 * records and drops them, and a kernel that refuses them says so on the
	 * send (audit_classify_error()).
	 */
	if (mode == AUDIT_MODE_REQUIRED && kernel_enabled() == 0) {
		close(fd);
		*ret_why = "audit is disabled in the kernel (enabled=0)";
		return AUDIT_LINK_UNAVAILABLE;
	}
	if (!can_write_audit()) {
		close(fd);
		*ret_error = EPERM;
		*ret_why = "no CAP_AUDIT_WRITE";
		return AUDIT_LINK_UNAVAILABLE;
	}
	*ret_fd = fd;
	return AUDIT_LINK_READY;
}

bool audit_permits(AuditMode mode, AuditLink link)
{
	switch (mode) {
	case AUDIT_MODE_OFF:
		return true;
	case AUDIT_MODE_REQUIRED:
		return link == AUDIT_LINK_READY;
	case AUDIT_MODE_AUTO:
		return link != AUDIT_LINK_BROKEN;
	}
	return false;
}

/* ---- the wrapper of one PAM call ---------------------------------------- */

_printf_(3, 4) static void say(const Audit *au, int priority, const char *fmt, ...)
{
	va_list ap;

	if (!au->log)
		return;
	va_start(ap, fmt);
	au->log(au->log_ctx, priority, fmt, ap);
	va_end(ap);
}

void audit_init(Audit *au, const char *service, const char *tty, const char *rhost, bool debug,
		AuditLogFn log, void *log_ctx)
{
	*au = (Audit){
		.mode = AUDIT_MODE_AUTO,
		.debug = debug,
		.fd = -EBADF,
		.service = service,
		.tty = tty,
		.rhost = rhost,
		.log = log,
		.log_ctx = log_ctx,
	};
}

void audit_resume(Audit *au, AuditMode mode, int fd)
{
	au->mode = mode;
	au->fd = fd;
	au->link = AUDIT_LINK_READY;
	au->connected = true;
}

bool audit_ensure(Audit *au, const char *user)
{
	const char *why = NULL;
	int err = 0;

	if (au->connected)
		return audit_permits(au->mode, au->link);
	au->connected = true;
	au->link = audit_connect(au->mode, &au->fd, &err, &why);
	if (au->link == AUDIT_LINK_READY || au->link == AUDIT_LINK_OFF) {
		if (au->debug)
			say(au, LOG_DEBUG, "audit = %s: %s", audit_mode_name(au->mode),
			    au->link == AUDIT_LINK_OFF ? "no records" : "writing records");
		return true;
	}
	say(au, audit_permits(au->mode, au->link) ? LOG_INFO : LOG_ERR,
	    "user %s: audit = %s: no audit record can be written: %s%s%s", user ? user : "?",
	    audit_mode_name(au->mode), why, err ? ": " : "", err ? strerror(err) : "");
	return audit_permits(au->mode, au->link);
}

bool audit_write(Audit *au, AuditRecord *rec)
{
	int r;

	rec->service = au->service;
	rec->tty = au->tty;
	rec->rhost = au->rhost;
	(void)audit_ensure(au, rec->user);
	if (au->link != AUDIT_LINK_READY)
		return audit_permits(au->mode, au->link);
	r = audit_emit(au->fd, rec);
	if (r >= 0) {
		if (au->debug)
			say(au, LOG_DEBUG, "user %s: audit record op=%s res=%s written",
			    rec->user ? rec->user : "?", audit_op_name(rec->op),
			    rec->success ? "success" : "failed");
		return true;
	}
	au->link = audit_classify_error(r);
	say(au, audit_permits(au->mode, au->link) ? LOG_WARNING : LOG_ERR,
	    "user %s: audit = %s: audit record op=%s not written: %s", rec->user ? rec->user : "?",
	    audit_mode_name(au->mode), audit_op_name(rec->op), strerror(-r));
	return audit_permits(au->mode, au->link);
}

void audit_done(Audit *au)
{
	au->fd = safe_close(au->fd);
}
