/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's subcommands.  Each returns the process exit status:
 * 0 success, 1 failure (message already printed), 2 usage error.
 * paddock(8) documents every one of them.
 */
#pragma once

#include <stdbool.h>

#include "../conf/policy.h"

/* paddock CMD --help: CMD's synopsis and options on stdout (main.c); returns 0. */
int command_help(const char *name);

/* A usage error of CMD: its synopsis on stderr; returns 2. */
int command_usage_error(const char *name);

/* Whether arg is --help or -h. */
bool is_help_option(const char *arg);

/* paddock check [--conf PATH] [--system [--pam-dir DIR] [--sshd-config FILE]] [FILE] */
int cmd_check(int argc, char **argv);

/* paddock explain [--conf PATH] USER */
int cmd_explain(int argc, char **argv);

/* Where "paddock check --system" looks; NULL members: the defaults below root. */
typedef struct SystemCheckOptions {
	const char *root;	 /* NULL or "/": this host */
	const char *pam_dir;	 /* default ROOT/etc/pam.d, then ROOT/usr/lib/pam.d */
	const char *sshd_config; /* default ROOT/etc/ssh/sshd_config */
} SystemCheckOptions;

/*
 * The system half of "paddock check --system" (cmd-system.c): the PAM
 * services, the helper, cgroup controllers, logind and sshd as the module
 * would meet them, and (p not NULL, on the live host) a nat_pool or
 * nat_pool6 of p overlapping an address or route of this network namespace;
 * p is the policy (NULL: refused or unknown).  Prints one line per finding;
 * returns 0, or 1 when there is a problem.
 */
typedef struct Policy Policy;
int check_system(const SystemCheckOptions *o, const Policy *p);

/* paddock status [--json] [--conf PATH] [USER] (root) */
int cmd_status(int argc, char **argv);

/* paddock metrics [--textfile DIR] (root) */
int cmd_metrics(int argc, char **argv);

/* paddock top [--batch] [--sort cpu|memory] (root) */
int cmd_top(int argc, char **argv);

/* paddock enter [--root] USER [--] [CMD...] (root) */
int cmd_enter(int argc, char **argv);

/* paddock stop [--conf PATH] USER | --all | --spares (root) */
int cmd_stop(int argc, char **argv);

/* paddock reload [--conf PATH] (root) */
int cmd_reload(int argc, char **argv);

/* paddock shell [ARGS...]: the login-shell guard, explicitly. */
int cmd_shell(int argc, char **argv);

/* paddock spare: make one spare paddock (internal; pam_module/spare.h). */
int cmd_spare(int argc, char **argv);

/* Whether argv[0] names the guard: basename "paddock-shell" or "-paddock-shell". */
bool shell_guard_name(const char *argv0);

/* The guard started under its own name (a login shell when argv[0] starts with '-'). */
int shell_guard_main(int argc, char **argv);
