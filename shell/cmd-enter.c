/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock enter USER [--root] [-- CMD...]: run a command inside a user's
 * live paddock, like nsenter, but into the recorded namespaces through the
 * module's own verified join (ns_join), never from a pid found in /proc,
 * and in the user's cgroup.  By default the command runs as the user with
 * privileges dropped and verified (OpenSSH style), under the seccomp filter
 * of the user's sessions; --root keeps root.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../pam_module/ns.h"
#include "../pam_module/state.h"
#include "../pam_module/syscall-filter.h"
#include "admin.h"
#include "commands.h"

#define USER_PATH  "PATH=/usr/local/bin:/usr/bin:/bin"
#define ROOT_PATH  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define GROUPS_MAX 65536

/* Everything the child needs, resolved in the host namespaces (threat 6). */
typedef struct EnterPlan {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int n_groups;
	bool root;
	char *shell; /* the default command: a login shell */
	char *argv0; /* "-bash" */
	char **cmd;  /* NULL: the shell */
	char *env[8];
	unsigned filter; /* SYSCALL_FILTER_*: what the user's sessions run under */
} EnterPlan;

static void plan_done(EnterPlan *p)
{
	free(p->groups);
	free(p->shell);
	free(p->argv0);
	for (size_t i = 0; i < ELEMENTSOF(p->env); i++)
		free(p->env[i]);
}

static int add_env(EnterPlan *p, size_t *n, const char *key, const char *value)
{
	if (!value)
		return 0;
	if (*n + 1 >= ELEMENTSOF(p->env))
		return -E2BIG;
	if (asprintf(&p->env[*n], "%s%s", key, value) < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int make_plan(const Identity *id, bool root, char **cmd, EnterPlan *p)
{
	const char *shell = id->login_shell, *home = id->home, *name = id->user, *base;
	struct passwd *rootpw = NULL;
	size_t n = 0;
	int ng = 64, r;

	p->uid = id->uid;
	p->gid = id->gid;
	p->root = root;
	p->cmd = cmd;
	if (root) {
		rootpw = getpwuid(0);
		if (!rootpw)
			return -ENOENT;
		shell = rootpw->pw_shell;
		home = rootpw->pw_dir;
		name = rootpw->pw_name;
	} else {
		/* The user's groups, through NSS, now (threat 6). */
		for (;;) {
			gid_t *g = realloc(p->groups, sizeof(gid_t) * (size_t)ng);
			int want = ng;

			if (!g)
				return -ENOMEM;
			p->groups = g;
			if (getgrouplist(id->user, id->gid, p->groups, &want) >= 0) {
				p->n_groups = want;
				break;
			}
			if (want <= ng || want > GROUPS_MAX)
				return -E2BIG;
			ng = want;
		}
	}
	if (!shell || !*shell)
		shell = "/bin/sh";
	base = strrchr(shell, '/');
	p->shell = strdup(shell);
	if (!p->shell || asprintf(&p->argv0, "-%s", base ? base + 1 : shell) < 0)
		return -ENOMEM;

	/* A fresh environment, like a login: nothing of the admin's leaks in. */
	r = add_env(p, &n, "HOME=", home && *home ? home : "/");
	if (r >= 0)
		r = add_env(p, &n, "USER=", name);
	if (r >= 0)
		r = add_env(p, &n, "LOGNAME=", name);
	if (r >= 0)
		r = add_env(p, &n, "SHELL=", shell);
	if (r >= 0)
		r = add_env(p, &n, "", root ? ROOT_PATH : USER_PATH);
	if (r >= 0)
		r = add_env(p, &n, "TERM=", getenv("TERM"));
	if (r >= 0)
		r = add_env(p, &n, "LANG=", getenv("LANG"));
	return r;
}

/*
 * The filter of the user's sessions (syscall-filter.h), from the policy at
 * conf (NULL: the default): a command run as the user gets what a login of
 * the user gets.  --root runs the admin's own command: no filter.  A policy
 * that cannot be read or applied fails enter, as it denies the user's
 * logins.  Returns 0 or -errno with err set.
 */
static int plan_filter(const char *conf, const Identity *id, EnterPlan *p, PolicyError *err)
{
	_cleanup_(policy_freep) Policy *policy = NULL;
	UserPolicy up;
	int r;

	if (p->root)
		return 0;
	r = policy_load(conf, &policy, err);
	if (r >= 0)
		r = policy_resolve(policy, &id->policy, &up, NULL, err);
	if (r < 0)
		return r;
	p->filter = syscall_filter_for(&up);
	return 0;
}

/*
 * Become the user for good, then prove it (OpenSSH's permanently_set_uid):
 * every uid and gid is the user's, the groups are the user's, no capability
 * is left, and getting root back fails.
 */
static int drop_privileges(const EnterPlan *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { 0 };
	_cleanup_(freep) gid_t *have = NULL;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int n;

	if (setgroups((size_t)p->n_groups, p->groups) < 0 ||
	    setresgid(p->gid, p->gid, p->gid) < 0 || setresuid(p->uid, p->uid, p->uid) < 0)
		return negative_errno();

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return negative_errno();
	if (ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid ||
	    sg != p->gid)
		return -EPERM;
	have = calloc(GROUPS_MAX, sizeof(gid_t));
	if (!have)
		return -ENOMEM;
	n = getgroups(GROUPS_MAX, have);
	if (n != p->n_groups)
		return -EPERM;
	for (int i = 0; i < n; i++) {
		bool found = false;

		for (int j = 0; j < p->n_groups && !found; j++)
			found = have[i] == p->groups[j];
		if (!found)
			return -EPERM;
	}
	if (p->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		return -EPERM;
	if (p->gid != 0 && (setgid(0) != -1 || setegid(0) != -1))
		return -EPERM;
	if (syscall(SYS_capget, &hdr, caps) < 0)
		return negative_errno();
	if (p->uid != 0 &&
	    (caps[0].effective | caps[1].effective | caps[0].permitted | caps[1].permitted))
		return -EPERM;
	return 0;
}

static void child_fail(const char *what, int r)
{
	fprintf(stderr, "paddock enter: %s: %s\n", what, strerror(-r));
}

/* In the paddock's PID namespace now; never returns. */
static _Noreturn void run_child(EnterPlan *p)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	const char *home;
	int r;

	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Threat 4: nothing of ours (state, lock, session socket, or what
	 * the admin's shell leaked to us) reaches the command. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		child_fail("closing descriptors", negative_errno());
		_exit(1);
	}
	/* Threat 19: the user's processes run under the filter of the
	 * user's sessions (pam_paddock.c installs it in the login's caller);
	 * loaded while we are still root, as no_new_privs stays unset. */
	r = syscall_filter_install(p->filter);
	if (r < 0) {
		child_fail("seccomp filter", r);
		_exit(1);
	}
	if (!p->root) {
		r = drop_privileges(p);
		if (r < 0) {
			child_fail("dropping privileges", r);
			_exit(1);
		}
	}
	/* As the user: the home directory as the paddock shows it. */
	home = p->env[0] + strlen("HOME=");
	if (chdir(home) < 0 && chdir("/") < 0) {
		child_fail("chdir", negative_errno());
		_exit(1);
	}
	if (p->cmd) {
		execvpe(p->cmd[0], p->cmd, p->env);
		r = errno;
		fprintf(stderr, "paddock enter: %s: %s\n", p->cmd[0], strerror(r));
	} else {
		char *argv[] = { p->argv0, NULL };

		execve(p->shell, argv, p->env);
		r = errno;
		fprintf(stderr, "paddock enter: %s: %s\n", p->shell, strerror(r));
	}
	_exit(r == ENOENT ? 127 : 126);
}

static volatile sig_atomic_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		(void)kill(forward_to, sig);
}

/* Wait for the child, passing on SIGTERM and SIGHUP; its status is ours. */
static int wait_child(pid_t pid)
{
	struct sigaction fwd = { .sa_handler = forward }, ign = { .sa_handler = SIG_IGN };
	int status;

	forward_to = pid;
	(void)sigaction(SIGTERM, &fwd, NULL);
	(void)sigaction(SIGHUP, &fwd, NULL);
	/* Ctrl-C and Ctrl-\ go to the command (same terminal), not to us. */
	(void)sigaction(SIGINT, &ign, NULL);
	(void)sigaction(SIGQUIT, &ign, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* sshd's -1000 must not reach the user's processes (threat 10). */
static int reset_oom_score_adj(void)
{
	_cleanup_(closep) int fd =
		open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return negative_errno();
	return write(fd, "0", 1) == 1 ? 0 : negative_errno();
}

#define STEP(what, expr)                                                                           \
	do {                                                                                       \
		step = (what);                                                                     \
		r = (expr);                                                                        \
		if (r < 0)                                                                         \
			goto fail;                                                                 \
	} while (0)

int cmd_enter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", no_argument, NULL, 'r' },
		{ "conf", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(closep) int run = -EBADF, lock = -EBADF, session = -EBADF;
	Identity id = { 0 };
	EnterPlan plan = { 0 };
	PaddockInfo info;
	const char *step = NULL, *user, *conf = NULL;
	PolicyError err = { 0 };
	char **cmd = NULL;
	bool root = false;
	pid_t pid;
	int c, r, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+rc:h", opts, NULL)) != -1) {
		if (c == 'h')
			return command_help("enter");
		if (c == 'c')
			conf = optarg;
		else if (c == 'r')
			root = true;
		else
			goto usage;
	}
	if (optind >= argc)
		goto usage;
	user = argv[optind];
	i = optind + 1;
	/* --root may also follow USER. */
	if (i < argc && streq(argv[i], "--root")) {
		root = true;
		i++;
	}
	if (i < argc && streq(argv[i], "--"))
		i++;
	if (i < argc)
		cmd = argv + i;
	if (!admin_require_root("enter"))
		return 1;

	/* The privileged steps, in order, each closing a threat of threats.md. */
	/* 6: NSS (user, groups, shell, home) in the host namespaces, before any join. */
	STEP("user", identity_lookup(user, &id));
	STEP("user", make_plan(&id, root, cmd, &plan));
	/* 19: the filter the user's sessions run under, decided here too. */
	STEP("policy", plan_filter(conf, &id, &plan, &err));
	/* 3: root-only state, no symlinks; 13: no teardown or start while we join. */
	STEP("state directory", state_open_run_dir(&run));
	STEP("lock", state_lock_user(run, id.uid, &lock));
	/* 1: the paddock is found through its holder's control socket only. */
	STEP("paddock", admin_paddock_info(run, id.uid, &info));
	/* 9, 10: charged to the user's cgroup, killable like the user's own. */
	if (info.cgm)
		STEP("cgroup", info.cgm->attach_self(info.cgroup_parent, id.uid));
	STEP("oom_score_adj", reset_oom_score_adj());
	/* 1, 2: the module's verified join, all namespaces at once. */
	STEP("join", ns_join(run, id.uid, info.ns_mask, &session, NULL));
	lock = safe_close(lock);
	run = safe_close(run);

	pid = fork();
	if (pid < 0) {
		step = "fork";
		r = negative_errno();
		goto fail;
	}
	if (pid == 0)
		run_child(&plan);
	r = wait_child(pid);
	identity_done(&id);
	plan_done(&plan);
	return r;

fail:
	if (r == -ESTALE)
		fprintf(stderr, "paddock enter: %s has no live paddock\n", user);
	else if (streq(step, "policy"))
		fprintf(stderr, "%s\npaddock enter: %s: the policy cannot be applied\n", err.text,
			user);
	else if (r == -ENOENT && streq(step, "user"))
		fprintf(stderr, "paddock enter: user '%s': no such user\n", user);
	else
		fprintf(stderr, "paddock enter: %s: %s: %s\n", user, step, strerror(-r));
	identity_done(&id);
	plan_done(&plan);
	return 1;
usage:
	return command_usage_error("enter");
}
