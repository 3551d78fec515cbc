/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock: the helper.  One binary, three roles: the per-user holder (started
 * by pam_paddock.so only), the login-shell guard, and the admin commands.
 * It needs no setuid bit and no file capabilities.
 */
#include <stdio.h>
#include <string.h>

#include "../conf/macro.h"
#include "commands.h"
#include "holder.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "check", cmd_check,
	  "check [--conf PATH] [FILE]   validate the policy; --system: PAM and sshd too" },
	{ "explain", cmd_explain,
	  "explain [--conf PATH] USER   effective policy for USER and its sources" },
	{ "status", cmd_status,
	  "status [--json] [USER]       live paddocks, usage and limits (root)" },
	{ "metrics", cmd_metrics,
	  "metrics [--textfile DIR]     Prometheus metrics of the node's paddocks (root)" },
	{ "top", cmd_top, "top [--batch] [--sort KEY]   live view of the paddocks (root)" },
	{ "enter", cmd_enter, "enter [--root] USER [-- CMD] run CMD in USER's paddock (root)" },
	{ "stop", cmd_stop,
	  "stop USER | --spares         end USER's paddock, or every spare, now (root)" },
	{ "reload", cmd_reload,
	  "reload [--conf PATH]         apply the policy's limits to live paddocks (root)" },
	{ "shell", cmd_shell,
	  "shell [ARGS]                 the login-shell guard (also as paddock-shell)" },
	{ "spare", cmd_spare,
	  "spare ...                    make a spare paddock (started by pam_paddock.so only)" },
	{ "holder", holder_main,
	  "holder ...                   PID 1 of a paddock (started by pam_paddock.so only)" },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: paddock COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  paddock %s\n", commands[i].help);
	fprintf(f, "\nSee paddock(8).\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	/* As a login shell the helper is the guard, whatever its arguments. */
	if (argc >= 1 && shell_guard_name(argv[0]))
		return shell_guard_main(argc, argv);
	if (argc < 2)
		return usage(stderr);
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help"))
		return usage(stdout);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "paddock: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
