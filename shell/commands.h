/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's subcommands.  Each returns the process exit status:
 * 0 success, 1 failure (message already printed), 2 usage error.
 * paddock(8) documents every one of them.
 */
#pragma once

#include <stdbool.h>

/* paddock check [--conf PATH] [--system [--pam-dir DIR] [--sshd-config FILE]] [FILE] */
int cmd_check(int argc, char **argv);

/* paddock explain [--conf PATH] USER */
int cmd_explain(int argc, char **argv);

/*
 * The system half of "paddock check --system" (cmd-system.c): PAM services
 * of pam_dir whose session stack lacks the module, sshd settings that
 * bypass it, and (p not NULL) a nat_pool or nat_pool6 of p overlapping an
 * address or route of this network namespace.  Prints one line per
 * finding; returns 0 or 1.
 */
typedef struct Policy Policy;
int check_system(const Policy *p, const char *pam_dir, const char *sshd_config);

/* paddock status [--json] [--conf PATH] [USER] (root) */
int cmd_status(int argc, char **argv);

/* paddock metrics [--textfile DIR] (root) */
int cmd_metrics(int argc, char **argv);

/* paddock top [--batch] [--sort cpu|memory] (root) */
int cmd_top(int argc, char **argv);

/* paddock enter [--root] USER [--] [CMD...] (root) */
int cmd_enter(int argc, char **argv);

/* paddock stop USER (root) */
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
