/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam tier: the real pam_paddock.so through a real libpam conversation,
 * using pam_start_confdir() with service files written into a private
 * directory (nothing under /etc/pam.d is touched).  These cases decide
 * without side effects: exports, exempt users, broken policies, bad module
 * arguments, non-root and multi-threaded callers.  Each must leave no state
 * behind (checked: no new entry appears in /run/paddock).
 *
 * Run from the repository root (tests/run does).
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"

static char module[PATH_MAX];
static char helper[PATH_MAX];
static char dir[] = "/tmp/paddock-pamtest-XXXXXX";

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	*resp = calloc((size_t)n, sizeof(struct pam_response));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* A service name whose session stack is pam_permit + pam_paddock ARGS. */
static void service_named(const char *name, const char *args)
{
	char text[2 * PATH_MAX + 512];

	snprintf(text, sizeof(text),
		 "auth required pam_permit.so\n"
		 "account required pam_permit.so\n"
		 "session required pam_permit.so\n"
		 "session required %s helper=%s %s\n",
		 module, helper, args);
	write_file(name, text, 0644);
}

static void service(const char *args)
{
	service_named("svc", args);
}

/* Open (and close) a session of service for user; returns pam_open_session's code. */
static int open_session_of(const char *name, const char *user)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *h = NULL;
	int r;

	r = pam_start_confdir(name, user, &c, dir, &h);
	if (r != PAM_SUCCESS)
		return -1000 - r;
	r = pam_open_session(h, 0);
	if (r == PAM_SUCCESS)
		pam_close_session(h, 0);
	pam_end(h, r);
	return r;
}

static int open_session(const char *user)
{
	return open_session_of("svc", user);
}

static int count_run_entries(void)
{
	/* The node's login counters count refusals too, and a good policy is memoized
	 * (pam_paddock(8)): neither is a session's state. */
	char cmd[] = "ls -A /run/paddock 2>/dev/null | "
		     "grep -v -e '\\.lock$' -e '^counters$' -e '^policy\\.memo$' | wc -l";
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

int main(void)
{
	char conf[PATH_MAX + 64], arg[PATH_MAX + 64];
	void *so;
	int before, r;

	if (!realpath("build/pam_paddock.so", module) || !realpath("build/paddock", helper)) {
		tap_ok(0, "build/pam_paddock.so and build/paddock exist (run from the repo root)");
		return tap_done();
	}
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		perror("mkdtemp");
		return 1;
	}
	before = count_run_entries();

	/* The module exports the PAM entry points and nothing else. */
	so = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	tap_ok(so != NULL, "dlopen(pam_paddock.so) with RTLD_NOW resolves every symbol");
	if (so) {
		tap_ok(dlsym(so, "pam_sm_open_session") && dlsym(so, "pam_sm_close_session"),
		       "exports pam_sm_open_session and pam_sm_close_session");
		tap_ok(!dlsym(so, "pam_sm_authenticate"), "does not export pam_sm_authenticate");
		tap_ok(!dlsym(so, "policy_load") && !dlsym(so, "session_open") &&
			       !dlsym(so, "cgroup_manager_v1"),
		       "internal symbols (policy_load, session_open, cgroup_manager_v1) are "
		       "hidden");
		dlclose(so);
	}

	/* A policy that isolates nobody: every session is left alone. */
	write_file("off.conf", "[default]\nisolate = no\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s/off.conf", dir);
	service(conf);
	tap_ok(open_session("nobody") == PAM_SUCCESS, "isolate = no: session opens (PAM_IGNORE)");
	tap_ok(open_session("root") == PAM_SUCCESS, "isolate = no: root's session opens");

	/* A broken policy: isolated users denied, root exempt. */
	write_file("broken.conf", "[default]\nmemroy_max = 1G\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s/broken.conf", dir);
	service(conf);
	tap_ok(open_session("nobody") == PAM_SESSION_ERR,
	       "broken policy: non-root session denied with PAM_SESSION_ERR");
	tap_ok(open_session("root") == PAM_SUCCESS,
	       "broken policy: root is exempt by the built-in rule");

	/* A policy file with unsafe permissions is a broken policy. */
	write_file("loose.conf", "[default]\nisolate = no\n", 0666);
	snprintf(conf, sizeof(conf), "conf=%s/loose.conf", dir);
	service(conf);
	tap_ok(open_session("nobody") == PAM_SESSION_ERR,
	       "world-writable policy file: non-root session denied");

	/* A missing policy file is a broken policy too. */
	snprintf(conf, sizeof(conf), "conf=%s/missing.conf", dir);
	service(conf);
	tap_ok(open_session("nobody") == PAM_SESSION_ERR,
	       "missing policy file: non-root session denied");
	tap_ok(open_session("root") == PAM_SUCCESS, "missing policy file: root exempt");

	/* Unknown module argument: fail closed for non-root. */
	snprintf(arg, sizeof(arg), "conf=%s/off.conf dbug", dir);
	service(arg);
	tap_ok(open_session("nobody") == PAM_SESSION_ERR,
	       "unknown module argument: non-root session denied");

	/* An unknown user. */
	write_file("on.conf", "[default]\nisolate = yes\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s/on.conf", dir);
	service(conf);
	r = open_session("pdkt-no-such-user");
	tap_ok(r != PAM_SUCCESS, "unknown user: session refused (%d)", r);

	/* A non-root caller for an isolated user: clean refusal, no side effect. */
	{
		pid_t pid = fork();
		int st = 0;

		if (pid == 0) {
			if (setgid(65534) < 0 || setuid(65534) < 0)
				_exit(99);
			_exit(open_session("nobody") == PAM_SESSION_ERR ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "non-root caller: isolated user's session denied with PAM_SESSION_ERR");
	}

	/* A multi-threaded caller: refused before any side effect. */
	{
		pid_t pid = fork();
		int st = 0;

		if (pid == 0) {
			pthread_t t;

			if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
				_exit(99);
			_exit(open_session("nobody") == PAM_SESSION_ERR ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "multi-threaded caller: session denied with PAM_SESSION_ERR");
	}

	/* systemd's user manager cannot enter a PID namespace: refused, or let
	 * through unisolated when on_error = allow (audited). */
	snprintf(conf, sizeof(conf), "conf=%s/on.conf", dir);
	service_named("systemd-user", conf);
	tap_ok(open_session_of("systemd-user", "nobody") == PAM_SESSION_ERR,
	       "service systemd-user, isolated user: denied with PAM_SESSION_ERR");
	tap_ok(open_session_of("systemd-user", "root") == PAM_SUCCESS,
	       "service systemd-user: root exempt");
	write_file("allow.conf", "[global]\non_error = allow\n[default]\nisolate = yes\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s/allow.conf", dir);
	service_named("systemd-user", conf);
	tap_ok(open_session_of("systemd-user", "nobody") == PAM_SUCCESS,
	       "service systemd-user with on_error = allow: opens unisolated");

	tap_ok(count_run_entries() == before,
	       "no state left under /run/paddock by the refused sessions");

	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", dir);
	}
	return tap_done();
}
