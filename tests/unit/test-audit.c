/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit records (pam_module/audit.c): the exact text of every event, the
 * encoding of hostile user, host and tty strings (spaces, quotes, newlines,
 * '=', non-ASCII), the sending path through a replaced audit_send_fn, and
 * the wrapper the PAM entry points write through (Audit).
 * The real kernel path is tests/root/audit.sh.
 */
#include <errno.h>
#include <libaudit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "../../conf/units.h"
#include "../../pam_module/audit.h"
#include "tap.h"

static bool streq_safe(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const CgroupLimits limits = {
	.memory_max = 1073741824,
	.memory_high = UNITS_MAX,
	.memory_swap_max = 0,
	.cpu_quota = 50,
	.cpu_weight = 100,
	.tasks_max = 512,
};

/* The common tail of a session record for alice (fields after the op's own). */
#define ITEMS	" service=\"sshd\" terminal=\"ssh\" hostname=\"192.0.2.7\""
#define PADDOCK " cgroup=\"/paddock.slice/user-1001\" cgroup_manager=cgroupfs-v1"
#define NS                                                                                         \
	" mnt_ns=4026532301 pid_ns=4026532302 ipc_ns=4026532303 uts_ns=4026532304"                 \
	" net_ns=4026532306"
#define LIMITS                                                                                     \
	" memory_max=1073741824 memory_high=max swap_max=0 cpu_quota=50 cpu_weight=100"            \
	" tasks_max=512"
#define NO_PADDOCK " cgroup=? cgroup_manager=? vm-pid=?"
#define NO_NS	   " mnt_ns=? pid_ns=? ipc_ns=? uts_ns=? net_ns=?"
#define FILTER	   " seccomp=tty"
#define NO_FILTER  " seccomp=?"
#define NO_LIMITS  " memory_max=? memory_high=? swap_max=? cpu_quota=? cpu_weight=? tasks_max=?"

static AuditRecord session(AuditOp op)
{
	return (AuditRecord){
		.op = op,
		.success = true,
		.user = "alice",
		.uid = 1001,
		.service = "sshd",
		.tty = "ssh",
		.rhost = "192.0.2.7",
		.cgroup = "/paddock.slice/user-1001",
		.cgroup_manager = "cgroupfs-v1",
		.holder_pid = 4242,
		.ns_ino = { 4026532301, 4026532302, 4026532303, 4026532304, 4026532306 },
		.seccomp = "tty",
		.limits = &limits,
		.linger = -1,
	};
}

static void expect(const AuditRecord *rec, int type, const char *want, const char *what)
{
	char buf[AUDIT_RECORD_MAX];
	int n = audit_format(rec, buf, sizeof(buf));

	if (!tap_ok(n >= 0 && streq_safe(buf, want), "%s: exact text", what)) {
		tap_diag("want: %s", want);
		tap_diag(" got: %s (%d)", n >= 0 ? buf : "", n);
	}
	tap_ok(n == (int)strlen(buf), "%s: length returned", what);
	tap_ok(audit_record_type(rec) == type, "%s: record type %d", what, type);
}

/* ---- every event ------------------------------------------------------ */

static void test_events(void)
{
	AuditRecord r;

	r = session(AUDIT_OP_START);
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=start vm=\"alice\" acct=\"alice\" id=1001" ITEMS PADDOCK
	       " vm-pid=4242" NS FILTER LIMITS " res=success",
	       "start");

	r = session(AUDIT_OP_JOIN);
	r.holder_pid = 0;
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=join vm=\"alice\" acct=\"alice\" id=1001" ITEMS PADDOCK
	       " vm-pid=?" NS FILTER LIMITS " res=success",
	       "join");

	r = session(AUDIT_OP_JOIN);
	r.seccomp = "tty,userns";
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=join vm=\"alice\" acct=\"alice\" id=1001" ITEMS PADDOCK
	       " vm-pid=4242" NS " seccomp=tty,userns" LIMITS " res=success",
	       "join, user namespaces denied");

	r = session(AUDIT_OP_LIMITS);
	r.reason = "start";
	expect(&r, AUDIT_VIRT_RESOURCE,
	       "virt=paddock op=limits vm=\"alice\" acct=\"alice\" id=1001 reason=start" ITEMS
		       PADDOCK " vm-pid=4242" NS FILTER LIMITS " res=success",
	       "limits");

	r = session(AUDIT_OP_END);
	r.reason = "last-session";
	r.linger = 30;
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=end vm=\"alice\" acct=\"alice\" id=1001 reason=last-session"
	       " linger=30" ITEMS PADDOCK " vm-pid=4242" NS FILTER LIMITS " res=success",
	       "end");

	r = session(AUDIT_OP_END);
	r.success = false;
	r.step = "close";
	r.error = ETIMEDOUT;
	r.linger = 0;
	expect(&r, AUDIT_USER_ERR,
	       "virt=paddock op=end vm=\"alice\" acct=\"alice\" id=1001 decision=? step=close"
	       " error=ETIMEDOUT detail=? linger=0" ITEMS PADDOCK " vm-pid=4242" NS FILTER LIMITS
	       " res=failed",
	       "end, holder did not answer");

	r = (AuditRecord){ .op = AUDIT_OP_REFUSE,
			   .user = "alice",
			   .uid = 1001,
			   .decision = "deny",
			   .step = "cgroup attach",
			   .error = ENOENT,
			   .service = "sshd",
			   .tty = "ssh",
			   .rhost = "192.0.2.7",
			   .limits = &limits };
	expect(&r, AUDIT_USER_ERR,
	       "virt=paddock op=refuse vm=\"alice\" acct=\"alice\" id=1001 decision=deny"
	       " step=cgroup-attach error=ENOENT detail=?" ITEMS NO_PADDOCK NO_NS NO_FILTER LIMITS
	       " res=failed",
	       "refuse");

	r.op = AUDIT_OP_UNISOLATED;
	r.decision = "allow-unisolated";
	r.step = "caller check (single-threaded caller)";
	r.error = EBUSY;
	expect(&r, AUDIT_USER_ERR,
	       "virt=paddock op=unisolated vm=\"alice\" acct=\"alice\" id=1001"
	       " decision=allow-unisolated step=caller-check-single-threaded-caller"
	       " error=EBUSY detail=?" ITEMS NO_PADDOCK NO_NS NO_FILTER LIMITS " res=failed",
	       "unisolated");

	r = (AuditRecord){ .op = AUDIT_OP_POLICY_ERROR,
			   .user = "alice",
			   .uid = 1001,
			   .decision = "deny",
			   .step = "policy",
			   .error = EINVAL,
			   .detail = "/etc/security/paddock.conf:3: unknown key 'memroy_max'",
			   .service = "su-l" };
	expect(&r, AUDIT_USER_ERR,
	       "virt=paddock op=policy-error vm=\"alice\" acct=\"alice\" id=1001 decision=deny"
	       " step=policy error=EINVAL detail="
	       "2F6574632F73656375726974792F706164646F636B2E636F6E663A333A20756E6B6E6F776E206B"
	       "657920276D656D726F795F6D617827"
	       " service=\"su-l\" terminal=? hostname=?" NO_PADDOCK NO_NS NO_FILTER NO_LIMITS
	       " res=failed",
	       "policy error (detail hex: spaces and quotes)");

	r = (AuditRecord){ .op = AUDIT_OP_REFUSE,
			   .uid = AUDIT_NO_UID,
			   .decision = "deny",
			   .step = "user",
			   .error = EINVAL };
	expect(&r, AUDIT_USER_ERR,
	       "virt=paddock op=refuse vm=? acct=? id=? decision=deny step=user error=EINVAL"
	       " detail=? service=? terminal=? hostname=?" NO_PADDOCK NO_NS NO_FILTER NO_LIMITS
	       " res=failed",
	       "refuse without a user name");

	/* enforce = no: what would have been applied, nothing made. */
	r = (AuditRecord){ .op = AUDIT_OP_DRY_RUN,
			   .success = true,
			   .user = "alice",
			   .uid = 1001,
			   .decision = "would-isolate",
			   .service = "sshd",
			   .tty = "ssh",
			   .rhost = "192.0.2.7",
			   .limits = &limits,
			   .namespaces = POLICY_NS_MOUNT | POLICY_NS_PID | POLICY_NS_NET };
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=dry-run vm=\"alice\" acct=\"alice\" id=1001"
	       " decision=would-isolate step=? error=? namespaces=mount,pid,net" ITEMS NO_PADDOCK
		       NO_NS NO_FILTER LIMITS " res=success",
	       "dry-run, would isolate");
	r.decision = "would-deny";
	r.step = "caller check";
	r.error = EPERM;
	r.namespaces = 0;
	expect(&r, AUDIT_VIRT_CONTROL,
	       "virt=paddock op=dry-run vm=\"alice\" acct=\"alice\" id=1001"
	       " decision=would-deny step=caller-check error=EPERM namespaces=?" ITEMS NO_PADDOCK
		       NO_NS NO_FILTER LIMITS " res=success",
	       "dry-run, would deny");

	r = session(AUDIT_OP_START);
	r.op = AUDIT_OP_COUNT;
	tap_ok(audit_format(&r, (char[64]){ 0 }, 64) == -EINVAL, "unknown op: -EINVAL");
	tap_ok(streq_safe(audit_op_name(AUDIT_OP_POLICY_ERROR), "policy-error") &&
		       audit_op_name(AUDIT_OP_COUNT) == NULL,
	       "op names");
}

/* ---- hostile strings -------------------------------------------------- */

/*
 * Split a record on spaces as a naive reader would: every token must be
 * NAME=VALUE with a known NAME, each NAME once, and the last one res=.  A
 * value that smuggled a space, quote or newline through would show up here.
 */
static bool tokens_clean(const char *text, const char *want_res)
{
	static const char *const names[] = {
		"virt",	       "op",	   "vm",	"acct",		  "id",	       "decision",
		"step",	       "error",	   "detail",	"reason",	  "linger",    "service",
		"terminal",    "hostname", "cgroup",	"cgroup_manager", "vm-pid",    "mnt_ns",
		"pid_ns",      "ipc_ns",   "uts_ns",	"net_ns",	  "seccomp",   "memory_max",
		"memory_high", "swap_max", "cpu_quota", "cpu_weight",	  "tasks_max", "res",
	};
	unsigned seen[sizeof(names) / sizeof(names[0])] = { 0 };
	char copy[AUDIT_RECORD_MAX], *save = NULL, *tok, *last = NULL;

	if (strpbrk(text, "\n\r\t'\\") || strlen(text) >= sizeof(copy))
		return false;
	strcpy(copy, text);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		size_t i;

		if (!eq)
			return false;
		*eq = '\0';
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (streq_safe(tok, names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0]) || seen[i]++)
			return false;
		/* a quoted value holds no quote of its own */
		const char *v = eq + 1;
		size_t vl = strlen(v);

		if (v[0] == '"' && (vl < 2 || v[vl - 1] != '"' || memchr(v + 1, '"', vl - 2)))
			return false;
		*eq = '=';
		last = tok;
	}
	return last && streq_safe(last, want_res);
}

static void hostile(const char *what, const char *user, const char *tty, const char *rhost,
		    const char *want_acct, const char *want_tty, const char *want_host)
{
	char buf[AUDIT_RECORD_MAX], want[512];
	AuditRecord r = session(AUDIT_OP_START);
	int n;

	r.user = user;
	r.tty = tty;
	r.rhost = rhost;
	n = audit_format(&r, buf, sizeof(buf));
	tap_ok(n > 0, "%s: formatted", what);
	snprintf(want, sizeof(want), " vm=%s acct=%s id=1001 ", want_acct, want_acct);
	if (!tap_ok(strstr(buf, want) != NULL, "%s: user encoded as %s", what, want_acct))
		tap_diag("got: %s", buf);
	snprintf(want, sizeof(want), " terminal=%s hostname=%s ", want_tty, want_host);
	if (!tap_ok(strstr(buf, want) != NULL, "%s: tty and host encoded", what))
		tap_diag("got: %s", buf);
	if (!tap_ok(tokens_clean(buf, "res=success"), "%s: no field injected", what))
		tap_diag("got: %s", buf);
}

static void test_hostile(void)
{
	hostile("spaces", "al ice", "pts 0", "evil host", "616C20696365", "7074732030",
		"6576696C20686F7374");
	hostile("double quotes", "a\"b", "\"", "h\"", "612262", "22", "6822");
	hostile("newlines", "a\nb", "tty\n", "\nres=success", "610A62", "7474790A",
		"0A7265733D73756363657373");
	hostile("'=' is quoted, never bare", "a=b", "x=y", "res=failed", "\"a=b\"", "\"x=y\"",
		"\"res=failed\"");
	hostile("a space with '=' (field injection)", "x res=success", "t id=0", "h acct=root",
		"78207265733D73756363657373", "742069643D30", "6820616363743D726F6F74");
	hostile("non-ASCII (UTF-8)", "na\xc3\xafve", "\xff", "h\xc3\xa9te", "6E61C3AF7665", "FF",
		"68C3A97465");
	hostile("single quote (ends msg='...')", "it's", "pts/0 '$(id)'", "a'b", "69742773",
		"7074732F302027242869642927", "612762");
	hostile("empty and missing", "", "", NULL, "?", "?", "?");
	hostile("control characters", "a\tb", "\x1b[2J", "a\x7f", "610962", "1B5B324A", "617F");
}

/* ---- bounds ------------------------------------------------------------ */

static void test_bounds(void)
{
	char big[4096], detail[6000], buf[AUDIT_RECORD_MAX];
	AuditRecord r = session(AUDIT_OP_START);
	const char *p;
	int n;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r.user = big;
	r.tty = big;
	r.rhost = big;
	r.cgroup = big;
	n = audit_format(&r, buf, sizeof(buf));
	tap_ok(n > 0 && n < AUDIT_RECORD_MAX, "long values fit one record (%d bytes)", n);
	p = strstr(buf, " acct=\"");
	tap_ok(p && strspn(p + 7, "a") == AUDIT_VALUE_MAX && p[7 + AUDIT_VALUE_MAX] == '"',
	       "a long user name is cut to %d bytes", AUDIT_VALUE_MAX);

	memset(detail, ' ', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	r = (AuditRecord){ .op = AUDIT_OP_POLICY_ERROR,
			   .user = big,
			   .uid = 1,
			   .detail = detail,
			   .tty = big,
			   .rhost = big,
			   .service = big };
	n = audit_format(&r, buf, sizeof(buf));
	tap_ok(n > 0 && n < AUDIT_RECORD_MAX, "worst case fits one record (%d bytes)", n);
	p = strstr(buf, " detail=");
	tap_ok(p && strspn(p + 8, "20") == 2 * AUDIT_DETAIL_MAX,
	       "the detail is cut to %d bytes before hex", AUDIT_DETAIL_MAX);

	r = session(AUDIT_OP_START);
	tap_ok(audit_format(&r, buf, 40) == -ENOBUFS, "a short buffer: -ENOBUFS");
	tap_ok(audit_format(&r, buf, 0) == -ENOBUFS, "no buffer: -ENOBUFS");
}

/* ---- sending ----------------------------------------------------------- */

static struct {
	int calls, fd, type, ret;
	unsigned size;
	char text[AUDIT_RECORD_MAX];
} sent;

static int fake_send(int fd, int type, const void *data, unsigned size)
{
	sent.calls++;
	sent.fd = fd;
	sent.type = type;
	sent.size = size;
	if (size <= sizeof(sent.text))
		memcpy(sent.text, data, size);
	return sent.ret;
}

static void test_emit(void)
{
	AuditRecord r = session(AUDIT_OP_LIMITS);
	char want[AUDIT_RECORD_MAX];
	AuditSendFn real = audit_send_fn;

	r.reason = "join";
	audit_format(&r, want, sizeof(want));
	audit_send_fn = fake_send;
	sent.ret = 7;
	tap_ok(audit_emit(42, &r) == 0, "emit: the kernel's sequence number means success");
	tap_ok(sent.calls == 1 && sent.fd == 42 && sent.type == AUDIT_VIRT_RESOURCE,
	       "emit: one VIRT_RESOURCE message on the given fd");
	tap_ok(sent.size == strlen(want) + 1 && sent.text[sent.size - 1] == '\0' &&
		       streq_safe(sent.text, want),
	       "emit: the formatted text with its NUL");

	r = session(AUDIT_OP_START);
	r.success = false;
	r.op = AUDIT_OP_REFUSE;
	sent.ret = -ECONNREFUSED;
	tap_ok(audit_emit(3, &r) == -ECONNREFUSED && sent.type == AUDIT_USER_ERR,
	       "emit: a refusal goes out as USER_ERR, the kernel's error comes back");
	sent.ret = -ENOBUFS;
	tap_ok(audit_emit(3, &r) == -ENOBUFS, "emit: -ENOBUFS comes back");
	r.op = AUDIT_OP_COUNT;
	sent.calls = 0;
	tap_ok(audit_emit(3, &r) == -EINVAL && sent.calls == 0, "emit: nothing sent for a bad op");
	audit_send_fn = real;
	tap_ok(audit_send_fn != fake_send, "the real sender is back");
}

/* ---- the wrapper of one PAM call -------------------------------------- */

static struct {
	int calls, priority;
	char text[512];
} logged;

static void fake_log(void *ctx, int priority, const char *fmt, va_list ap)
{
	logged.calls++;
	logged.priority = priority;
	vsnprintf(logged.text, sizeof(logged.text), fmt, ap);
	*(int *)ctx += 1;
}

static void test_wrapper(void)
{
	AuditSendFn real = audit_send_fn;
	AuditRecord r = session(AUDIT_OP_END);
	int ctx = 0;
	Audit au;

	audit_send_fn = fake_send;
	audit_init(&au, "sshd", "ssh", "192.0.2.1", true, fake_log, &ctx);
	tap_ok(au.mode == AUDIT_MODE_AUTO && au.fd == -EBADF && !au.connected,
	       "wrapper: auto and no link until a policy or a record asks");
	audit_resume(&au, AUDIT_MODE_REQUIRED, 42);
	sent.ret = 5;
	sent.calls = 0;
	r.service = r.tty = r.rhost = NULL;
	tap_ok(audit_write(&au, &r) && sent.calls == 1 && sent.fd == 42,
	       "wrapper: a resumed link is written to without opening one");
	tap_ok(streq_safe(r.service, "sshd") && streq_safe(r.tty, "ssh") &&
		       streq_safe(r.rhost, "192.0.2.1"),
	       "wrapper: the PAM items go into the record");
	tap_ok(logged.priority == LOG_DEBUG && ctx == 1 &&
		       streq_safe(logged.text,
				  "user alice: audit record op=end res=success written"),
	       "wrapper: debug says each record written, through the caller's log (%s)",
	       logged.text);
	sent.ret = -ENOBUFS;
	tap_ok(!audit_write(&au, &r) && au.link == AUDIT_LINK_BROKEN &&
		       logged.priority == LOG_ERR &&
		       streq_safe(logged.text, "user alice: audit = required: audit record op=end "
					       "not written: No buffer space available"),
	       "wrapper: required and a failed send: denied, said at error level (%s)",
	       logged.text);
	au.mode = AUDIT_MODE_AUTO;
	au.link = AUDIT_LINK_READY;
	sent.ret = -ECONNREFUSED;
	tap_ok(audit_write(&au, &r) && au.link == AUDIT_LINK_UNAVAILABLE &&
		       logged.priority == LOG_WARNING,
	       "wrapper: auto and an unavailable audit: the session goes on, a warning");
	sent.calls = 0;
	tap_ok(audit_write(&au, &r) && sent.calls == 0,
	       "wrapper: nothing more is sent on a link found unavailable");
	au.fd = -EBADF; /* 42 is not ours to close */
	audit_done(&au);

	audit_init(&au, NULL, NULL, NULL, false, fake_log, &ctx);
	au.mode = AUDIT_MODE_OFF;
	logged.calls = sent.calls = 0;
	tap_ok(audit_ensure(&au, "alice") && audit_write(&au, &r) && au.link == AUDIT_LINK_OFF &&
		       sent.calls == 0 && logged.calls == 0 && au.fd == -EBADF,
	       "wrapper: off opens nothing, writes nothing, says nothing without debug");
	audit_done(&au);
	audit_send_fn = real;
}

/* ---- decisions --------------------------------------------------------- */

static void test_decisions(void)
{
	static const struct {
		int err;
		AuditLink link;
	} errs[] = {
		{ -ECONNREFUSED, AUDIT_LINK_UNAVAILABLE },
		{ -EPERM, AUDIT_LINK_UNAVAILABLE },
		{ -EINVAL, AUDIT_LINK_UNAVAILABLE },
		{ -EPROTONOSUPPORT, AUDIT_LINK_UNAVAILABLE },
		{ -EAFNOSUPPORT, AUDIT_LINK_UNAVAILABLE },
		{ -ENOBUFS, AUDIT_LINK_BROKEN },
		{ -EMFILE, AUDIT_LINK_BROKEN },
		{ -ENOMEM, AUDIT_LINK_BROKEN },
	};
	static const struct {
		AuditMode mode;
		AuditLink link;
		bool permits;
	} table[] = {
		{ AUDIT_MODE_OFF, AUDIT_LINK_OFF, true },
		{ AUDIT_MODE_AUTO, AUDIT_LINK_READY, true },
		{ AUDIT_MODE_AUTO, AUDIT_LINK_UNAVAILABLE, true },
		{ AUDIT_MODE_AUTO, AUDIT_LINK_BROKEN, false },
		{ AUDIT_MODE_REQUIRED, AUDIT_LINK_READY, true },
		{ AUDIT_MODE_REQUIRED, AUDIT_LINK_UNAVAILABLE, false },
		{ AUDIT_MODE_REQUIRED, AUDIT_LINK_BROKEN, false },
	};
	int fd = 99, e = 99;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		tap_ok(audit_classify_error(errs[i].err) == errs[i].link, "errno %s is %s",
		       strerrorname_np(-errs[i].err),
		       errs[i].link == AUDIT_LINK_BROKEN ? "broken" : "unavailable");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		tap_ok(audit_permits(table[i].mode, table[i].link) == table[i].permits,
		       "audit = %s, link %d: %s", audit_mode_name(table[i].mode), table[i].link,
		       table[i].permits ? "goes on" : "denies");
	tap_ok(audit_connect(AUDIT_MODE_OFF, &fd, &e, &why) == AUDIT_LINK_OFF && fd < 0 && e == 0 &&
		       why,
	       "audit = off opens nothing");
}

/*
 * libaudit's audit_is_enabled() (the AUDIT_GET behind audit_connect), replaced:
 * counts the questions and answers "disabled".  Only audit = required may ask
 * (a kernel thread per reply): auto sends without asking.
 */
static int enabled_asked;

int audit_is_enabled(int fd)
{
	(void)fd;
	enabled_asked++;
	return 0;
}

static void test_connect(void)
{
	int fd = -EBADF, e = 0, probe = audit_open();
	const char *why = NULL;
	AuditLink link;

	if (probe < 0) {
		tap_skip("audit_connect: this kernel has no audit (%s)", strerror(errno));
		tap_skip("audit_connect: required (no audit)");
		return;
	}
	audit_close(probe);
	enabled_asked = 0;
	link = audit_connect(AUDIT_MODE_AUTO, &fd, &e, &why);
	/* READY as root; without CAP_AUDIT_WRITE UNAVAILABLE, never "disabled". */
	tap_ok(enabled_asked == 0 && (link == AUDIT_LINK_READY || link == AUDIT_LINK_UNAVAILABLE) &&
		       !(why && strstr(why, "disabled")),
	       "audit_connect: auto does not ask the kernel whether audit is enabled (asked %d)",
	       enabled_asked);
	if (fd >= 0)
		audit_close(fd);
	fd = -EBADF;
	link = audit_connect(AUDIT_MODE_REQUIRED, &fd, &e, &why);
	tap_ok(enabled_asked == 1 && link == AUDIT_LINK_UNAVAILABLE && fd < 0 && why &&
		       strstr(why, "disabled"),
	       "audit_connect: required asks, and enabled=0 makes records unavailable (%s)",
	       why ? why : "?");
}

int main(void)
{
	test_events();
	test_hostile();
	test_bounds();
	test_emit();
	test_wrapper();
	test_decisions();
	test_connect();
	return tap_done();
}
