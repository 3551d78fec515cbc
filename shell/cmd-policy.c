/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paddock check and paddock explain: the policy as an admin sees it. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "../conf/identity.h"
#include "../conf/macro.h"
#include "../conf/policy.h"
#include "../conf/units.h"
#include "commands.h"

/* Parse the options shared by the policy commands; returns optind, -1 on a
 * usage error, -2 for --help. */
static int parse_conf_option(int argc, char **argv, const char **conf)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*conf = optarg;
			break;
		case 'h':
			return -2;
		default:
			return -1;
		}
	}
	return optind;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "system", no_argument, NULL, 's' },
		{ "pam-dir", required_argument, NULL, 'p' },
		{ "sshd-config", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(policy_freep) Policy *p = NULL;
	SystemCheckOptions so = { 0 };
	const char *conf = NULL;
	bool sys = false;
	PolicyError err;
	int c, i, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return command_help("check");
		case 'c':
			conf = optarg;
			break;
		case 'r':
			so.root = optarg;
			break;
		case 's':
			sys = true;
			break;
		case 'p':
			so.pam_dir = optarg;
			break;
		case 'd':
			so.sshd_config = optarg;
			break;
		default:
			goto usage;
		}
	}
	i = optind;
	if (argc - i > 1)
		goto usage;
	if (argc - i == 1)
		r = policy_load_file(argv[i], &p, &err);
	else
		r = policy_load(conf, &p, &err);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.text);
		fprintf(stderr, "paddock check: policy refused; sessions of isolated users "
				"would be denied (root stays exempt)\n");
		if (sys)
			(void)check_system(&so, NULL);
		return 1;
	}
	for (size_t f = 0; f < policy_file_count(p); f++)
		printf("%s: ok\n", policy_file_path(p, f));
	return sys ? check_system(&so, p) : 0;
usage:
	return command_usage_error("check");
}

/* Render one effective value; a few keys get their expanded meaning. */
static void format_value(char *buf, size_t len, const char *key, const PolicySource *s,
			 const UserPolicy *up, const Identity *id)
{
	if (up && streq(key, "hostname")) {
		struct utsname u;
		char host[128];

		uname(&u);
		if (policy_expand_hostname(up->hostname, id->user, id->uid, u.nodename, host,
					   sizeof(host)) == 0) {
			snprintf(buf, len, "%s (%s)", s->value, host);
			return;
		}
	}
	if (up && streq(key, "tmp_size") && up->tmp_size.percent) {
		char sz[32];

		if (up->memory_max != UNITS_MAX) {
			snprintf(buf, len, "%s (%s)", s->value,
				 units_format_size(policy_tmp_bytes(up, 0), sz, sizeof(sz)));
			return;
		}
		snprintf(buf, len, "%s (of RAM: memory_max is max)", s->value);
		return;
	}
	snprintf(buf, len, "%s", s->value);
}

static void print_row(const char *key, const char *value, const PolicySource *s)
{
	if (s->file)
		printf("  %-16s %-24s %s:%u [%s]\n", key, value, s->file, s->line, s->section);
	else if (s->section)
		printf("  %-16s %-24s %s\n", key, value, s->section);
	else
		printf("  %-16s %-24s built-in default\n", key, value);
}

int cmd_explain(int argc, char **argv)
{
	_cleanup_(policy_freep) Policy *p = NULL;
	PolicySource src[64];
	const char *conf = NULL;
	Identity id = { 0 };
	PolicyGlobal g;
	UserPolicy up;
	PolicyError err;
	int i, r, ret = 0;

	i = parse_conf_option(argc, argv, &conf);
	if (i == -2)
		return command_help("explain");
	if (i < 0 || argc - i != 1)
		return command_usage_error("explain");
	r = identity_lookup(argv[i], &id);
	if (r < 0) {
		fprintf(stderr, "paddock explain: user '%s': %s\n", argv[i],
			r == -ENOENT ? "no such user" : strerror(-r));
		return 1;
	}

	printf("user      %s (uid %u)\n", id.user, (unsigned)id.uid);
	printf("groups   ");
	for (size_t k = 0; k < id.n_groups; k++)
		printf(" %s", id.groups[k]);
	printf("\n");

	r = policy_load(conf, &p, &err);
	if (r < 0) {
		printf("policy    REFUSED: %s\n", err.text);
		printf("isolated  %s\n", id.uid == 0
						 ? "no (root is exempt by a built-in rule; "
						   "the broken policy does not apply)"
						 : "DENIED: every session of this user is refused "
						   "until the policy is fixed");
		identity_done(&id);
		return 1;
	}
	printf("policy   ");
	for (size_t f = 0; f < policy_file_count(p); f++)
		printf(" %s", policy_file_path(p, f));
	printf("\n");

	r = policy_resolve(p, &id.policy, &up, src, &err);
	if (r < 0) {
		printf("isolated  DENIED: %s\n", err.text);
		ret = 1;
	} else {
		printf("isolated  %s\n",
		       up.isolate ? "yes" : "no (PAM_IGNORE: sessions are left alone)");
	}

	printf("\n[global]\n");
	policy_global(p, &g, src);
	for (size_t k = 0; k < policy_key_count(); k++) {
		const PolicyKeyInfo *ki = policy_key_info(k);

		if (ki->global)
			print_row(ki->name, src[k].value, &src[k]);
	}
	printf("\n[effective for %s]\n", id.user);
	(void)policy_resolve(p, &id.policy, &up, src, NULL);
	for (size_t k = 0; k < policy_key_count(); k++) {
		const PolicyKeyInfo *ki = policy_key_info(k);
		char value[512];

		if (ki->global)
			continue;
		format_value(value, sizeof(value), ki->name, &src[k], &up, &id);
		print_row(ki->name, value, &src[k]);
	}
	identity_done(&id);
	return ret;
}
