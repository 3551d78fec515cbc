/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock: the helper.  One binary, three roles: the per-user holder (started
 * by pam_paddock.so only), the login-shell guard, and the admin commands.
 * It needs no setuid bit and no file capabilities.
 */
#include <stdio.h>
#include <string.h>

#include "../conf/macro.h"
#include "../conf/version.h"
#include "commands.h"
#include "holder.h"

/*
 * The one home of every command's synopsis: "paddock --help" prints the
 * help lines, "paddock CMD --help" the command's help line and its
 * options, a usage error the help line on stderr.  The bash completion
 * reads the commands and options from this output.
 */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
	const char *options; /* "paddock CMD --help" adds these lines; may be NULL */
} commands[] = {
	{ "check", cmd_check,
	  "check [--conf PATH] [FILE]   validate the policy; --system: PAM and sshd too",
	  "  --conf PATH         the main policy file (default /etc/security/paddock.conf)\n"
	  "  --system            also check the PAM stacks, the helper, cgroups, logind, sshd\n"
	  "  --root DIR          --system: read the configuration under DIR instead of /\n"
	  "  --pam-dir DIR       --system: the PAM services (default /etc/pam.d)\n"
	  "  --sshd-config FILE  --system: sshd's configuration (default /etc/ssh/sshd_config)\n" },
	{ "explain", cmd_explain,
	  "explain [--conf PATH] USER   effective policy for USER and its sources",
	  "  --conf PATH         the main policy file (default /etc/security/paddock.conf)\n" },
	{ "status", cmd_status,
	  "status [--json] [USER]       live paddocks, usage and limits (root)",
	  "  --json              one JSON array (always valid UTF-8)\n"
	  "  --conf PATH         the policy the limits are compared with\n" },
	{ "metrics", cmd_metrics,
	  "metrics [--textfile DIR]     Prometheus metrics of the node's paddocks (root)", NULL },
	{ "top", cmd_top, "top [--batch] [--sort KEY]   live view of the paddocks (root)", NULL },
	{ "enter", cmd_enter, "enter [--root] USER [-- CMD] run CMD in USER's paddock (root)",
	  "  --root              stay root inside the paddock (debugging)\n"
	  "  --conf PATH         the policy whose session filter applies (default\n"
	  "                      /etc/security/paddock.conf)\n" },
	{ "stop", cmd_stop,
	  "stop USER|--all|--spares     end USER's paddock, every one, or every spare (root)",
	  "  --all               every paddock and every spare paddock\n"
	  "  --spares            every spare paddock\n"
	  "  --conf PATH         the policy whose audit setting applies\n" },
	{ "reload", cmd_reload,
	  "reload [--conf PATH]         apply the policy's limits to live paddocks (root)",
	  "  --conf PATH         the main policy file (default /etc/security/paddock.conf)\n" },
	{ "shell", cmd_shell,
	  "shell [ARGS]                 the login-shell guard (also as paddock-shell)", NULL },
	{ "spare", cmd_spare,
	  "spare ...                    make a spare paddock (started by pam_paddock.so only)",
	  NULL },
	{ "holder", holder_main,
	  "holder ...                   PID 1 of a paddock (started by pam_paddock.so only)",
	  NULL },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: paddock COMMAND [ARGS]\n       paddock --version\n\ncommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  paddock %s\n", commands[i].help);
	fprintf(f, "\nEvery command takes --help.  See paddock(8).\n");
	return f == stdout ? 0 : 2;
}

static int find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(name, commands[i].name))
			return (int)i;
	return -1;
}

/* The synopsis part of a help line: up to the run of spaces before the summary. */
static int synopsis_len(const char *help)
{
	const char *end = strstr(help, "  ");

	return (int)(end ? (size_t)(end - help) : strlen(help));
}

int command_help(const char *name)
{
	int i = find_command(name);

	if (i < 0) {
		fprintf(stderr, "paddock: unknown command '%s'\n", name);
		return usage(stderr);
	}
	printf("usage: paddock %.*s\n\n%s\n", synopsis_len(commands[i].help), commands[i].help,
	       commands[i].help + synopsis_len(commands[i].help) +
		       strspn(commands[i].help + synopsis_len(commands[i].help), " "));
	if (commands[i].options)
		printf("\noptions:\n%s  --help              this text\n", commands[i].options);
	printf("\nSee paddock(8).\n");
	return 0;
}

int command_usage_error(const char *name)
{
	int i = find_command(name);

	if (i < 0)
		return usage(stderr);
	fprintf(stderr, "usage: paddock %.*s\nTry 'paddock %s --help'.\n",
		synopsis_len(commands[i].help), commands[i].help, name);
	return 2;
}

bool is_help_option(const char *arg)
{
	return streq(arg, "--help") || streq(arg, "-h");
}

int main(int argc, char **argv)
{
	int i;

	/* As a login shell the helper is the guard, whatever its arguments. */
	if (argc >= 1 && shell_guard_name(argv[0]))
		return shell_guard_main(argc, argv);
	if (argc < 2)
		return usage(stderr);
	if (is_help_option(argv[1]) || streq(argv[1], "help"))
		return argc > 2 ? command_help(argv[2]) : usage(stdout);
	if (streq(argv[1], "--version") || streq(argv[1], "-V")) {
		printf("paddock %s\n", PADDOCK_VERSION);
		return 0;
	}
	i = find_command(argv[1]);
	if (i < 0) {
		fprintf(stderr, "paddock: unknown command '%s'\n", argv[1]);
		return usage(stderr);
	}
	/* "paddock CMD --help" for every command, the internal ones too (their
	 * own arguments come from the module and never start so). */
	if (argc == 3 && is_help_option(argv[2]))
		return command_help(argv[1]);
	return commands[i].run(argc - 1, argv + 1);
}
