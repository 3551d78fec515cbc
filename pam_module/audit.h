/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records in the Linux audit log (libaudit) for every isolation decision:
 * formatting (audit_format, pure: unit tests check the exact text) apart
 * from sending (audit_emit, through audit_send_fn, which unit tests
 * replace).  The record types and fields are a contract for admins' audit
 * rules and SIEMs; AUDIT-DOC.md describes them.  Audit (at the end) is the
 * one wrapper the PAM entry points write records through.  Never includes
 * PAM headers: the PAM glue passes its items and its syslog in.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../conf/policy.h"
#include "cgroup.h"

/* What happened.  The record type follows from op and success. */
typedef enum AuditOp {
	AUDIT_OP_START,	       /* a first session started a new paddock */
	AUDIT_OP_JOIN,	       /* a further session joined the live paddock */
	AUDIT_OP_END,	       /* the last session of the paddock closed */
	AUDIT_OP_LIMITS,       /* the cgroup limits applied for a session */
	AUDIT_OP_REFUSE,       /* an isolated user's session denied */
	AUDIT_OP_UNISOLATED,   /* isolation failed, on_error = allow let it in */
	AUDIT_OP_POLICY_ERROR, /* the policy or the module arguments are unusable */
	AUDIT_OP_DRY_RUN,      /* enforce = no: what the module would have done */
	AUDIT_OP_COUNT,
} AuditOp;

/* Longest record text, NUL included; the kernel takes up to 8560 bytes. */
#define AUDIT_RECORD_MAX 8192
/* Untrusted values are cut to this many bytes before encoding. */
#define AUDIT_VALUE_MAX	 256
#define AUDIT_DETAIL_MAX 1024

/*
 * One record.  Pointers may be NULL and numbers 0 where a value is unknown
 * or does not apply: the field is then written as "?", so every record has
 * every field, in one order.  user, service, tty, rhost, cgroup and detail
 * are untrusted: they are always encoded (libaudit's rules: "quoted" when
 * safe, hex otherwise), never copied raw.
 */
typedef struct AuditRecord {
	AuditOp op;
	bool success;
	const char *user;	    /* acct= and vm= (the paddock's name) */
	uid_t uid;		    /* id=; AUDIT_NO_UID: unknown */
	const char *decision;	    /* failures: "deny", "exempt", "allow-unisolated";
				     * dry-run: "would-isolate", "would-deny" */
	const char *step;	    /* refuse/unisolated: the step that failed */
	int error;		    /* a positive errno, written as its name */
	const char *detail;	    /* policy errors: the parser's message */
	const char *reason;	    /* limits: "start"/"join"; end: "last-session"... */
	long long linger;	    /* end: seconds the paddock lingers; < 0 unknown */
	const char *service;	    /* PAM_SERVICE */
	const char *tty;	    /* PAM_TTY */
	const char *rhost;	    /* PAM_RHOST */
	const char *cgroup;	    /* the user's cgroup path */
	const char *cgroup_manager; /* "cgroupfs-v1", ... */
	int holder_pid;		    /* vm-pid=: the holder in the host PID namespace */
	const char *addr;	    /* addr=: network = nat, the paddock's address; NULL/"": none */
	unsigned long long ns_ino[NS_COUNT];
	const char *seccomp; /* the session's filter: "tty", "tty,userns" */
	const CgroupLimits *limits;
	unsigned namespaces; /* dry-run: POLICY_NS_* it would have made */
} AuditRecord;

#define AUDIT_NO_UID ((uid_t)-1)

/* The audit record type of rec: AUDIT_VIRT_CONTROL, AUDIT_VIRT_RESOURCE or
 * AUDIT_USER_ERR (every failure). */
int audit_record_type(const AuditRecord *rec);

/* The op= word of op ("start", "policy-error", ...). */
const char *audit_op_name(AuditOp op);

/*
 * Format the text of rec (what goes into the kernel's msg='...') into buf.
 * Returns its length (without the NUL), -EINVAL for a bad op, -ENOBUFS
 * when len is too small, -ENOMEM.
 */
int audit_format(const AuditRecord *rec, char *buf, size_t len);

/*
 * The function that hands a record to the kernel: libaudit's audit_send()
 * (it waits for the kernel's answer).  data is the NUL-terminated text and
 * size counts the NUL.  Returns > 0 or -errno.  Unit tests replace it.
 */
typedef int (*AuditSendFn)(int fd, int type, const void *data, unsigned size);
extern AuditSendFn audit_send_fn;

/* Format rec and send it on fd.  Returns 0 or -errno (formatting or the
 * kernel's refusal). */
int audit_emit(int fd, const AuditRecord *rec);

/*
 * Whether records can be written.  UNAVAILABLE: the kernel has no audit,
 * audit is disabled (enabled=0: the kernel would drop user records), or
 * this process may not write (no CAP_AUDIT_WRITE, a non-initial user or PID
 * namespace: EPERM, ECONNREFUSED).  BROKEN: anything else (EMFILE, ENOMEM,
 * ENOBUFS ...), which Linux-PAM's own session audit treats as fatal.
 */
typedef enum AuditLink {
	AUDIT_LINK_OFF, /* audit = off: nothing is opened */
	AUDIT_LINK_READY,
	AUDIT_LINK_UNAVAILABLE,
	AUDIT_LINK_BROKEN,
} AuditLink;

/*
 * Open the audit socket for mode (AUDIT_MODE_OFF: none) and find out
 * whether records can be written, without writing one: audit_open(),
 * CAP_AUDIT_WRITE and, for AUDIT_MODE_REQUIRED only, the kernel's enabled
 * flag (AUDIT_GET on a second, short-lived socket; EPERM there means
 * "cannot tell" and is not held against us).  auto does not ask: a
 * disabled audit drops user records without an error, and a kernel that
 * refuses them answers the send.
 * Returns the link state; READY sets *ret_fd (O_CLOEXEC, the caller closes
 * it), any other state sets *ret_fd to -EBADF, *ret_error (positive errno,
 * 0 if none) and *ret_why (static text for syslog).  Call it in the host
 * network namespace: the socket stays bound to the one it was made in.
 */
AuditLink audit_connect(AuditMode mode, int *ret_fd, int *ret_error, const char **ret_why);

/* The link state a failed audit_emit() (-errno r) reveals. */
AuditLink audit_classify_error(int r);

/*
 * May the session go on, as far as audit is concerned?  off: always.
 * auto: unless BROKEN (Linux-PAM's rule).  required: only when READY.
 */
bool audit_permits(AuditMode mode, AuditLink link);

/* "auto", "required", "off". */
const char *audit_mode_name(AuditMode mode);

/* Where the wrapper says what happened: the PAM glue passes pam_vsyslog()'s
 * arguments through (ctx is its pam_handle_t).  priority is a LOG_ level. */
typedef void (*AuditLogFn)(void *ctx, int priority, const char *fmt, va_list ap);

/*
 * The audit side of one PAM call: the policy's mode, the kernel link
 * (opened on first use: users the policy leaves alone cost nothing), the
 * PAM items every record carries, and the log that says in syslog what
 * was and was not written.  The caller sets mode once the policy is read
 * (until then audit = auto); the other fields are the wrapper's.
 */
typedef struct Audit {
	AuditMode mode;
	AuditLink link;
	bool connected; /* audit_ensure() ran, or audit_resume() */
	bool debug;	/* say in the log each record written */
	int fd;		/* READY: the socket; else -EBADF */
	const char *service, *tty, *rhost;
	AuditLogFn log;
	void *log_ctx;
} Audit;

/* An Audit with mode auto and no link yet.  service, tty, rhost (each may
 * be NULL) must outlive it. */
void audit_init(Audit *au, const char *service, const char *tty, const char *rhost, bool debug,
		AuditLogFn log, void *log_ctx);

/*
 * An Audit whose link was opened earlier (by audit_ensure() in the open
 * session), for a call that must not open one: close_session runs in the
 * user's namespaces.  Takes fd (>= 0, a READY link).
 */
void audit_resume(Audit *au, AuditMode mode, int fd);

/*
 * Open the kernel link once (audit_connect() for au->mode), and say in the
 * log when no record can be written (info: the mode lets the session go
 * on; error: it will be denied).  user names the login in that line (NULL:
 * "?").  Returns whether audit lets the session go on (audit_permits()).
 */
bool audit_ensure(Audit *au, const char *user);

/*
 * Write rec with the PAM items filled in (audit_ensure() first).  Returns
 * whether audit lets the session go on: false only when the record could
 * not be written and the mode says that denies (required; auto when the
 * link is broken).  Failures are said in the log.
 */
bool audit_write(Audit *au, AuditRecord *rec);

/* Close the link's socket, if any. */
void audit_done(Audit *au);
