/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock check --system: the preflight an admin runs before enabling the
 * module (threats.md 12).  Every PAM service's session stack (following
 * "@include", "session include" and "session substack", in /etc/pam.d and
 * the vendor directory /usr/lib/pam.d): whether it has pam_paddock where
 * it must, fails closed, runs after pam_systemd on systemd hosts, and has
 * only arguments the module knows; the services where the module is not
 * needed or must not be, with the reason; the helper at the path the module
 * executes; the cgroup controllers the limits need; logind's
 * KillUserProcesses; sshd settings that bypass PAM sessions; descriptors of
 * the host held inside paddocks (fd-leaks.h).  Everything else is
 * read below a root directory (--root), so that tests check copies of real
 * systems and never the host's files by accident.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../pam_module/module-args.h"
#include "../conf/netaddr.h"
#include "../conf/policy.h"
#include "commands.h"
#include "fd-leaks.h"

#define MODULE_NAME	  "pam_paddock.so"
#define SYSTEMD_MODULE	  "pam_systemd.so"
#define INCLUDE_DEPTH_MAX 16
#define STACK_MAX	  256
#define SSHD_PATH	  "/usr/sbin/sshd"

/* One session line of a service's stack, includes expanded. */
typedef struct PamEntry {
	char module[64];   /* basename */
	char control[160]; /* "required", "[success=ok default=bad]" ... */
	char args[512];	   /* the module's arguments, space separated */
	char file[PATH_MAX];
	unsigned line;
	bool dash;	  /* "-session": skipped silently when the module is missing */
	bool in_substack; /* "done" and jumps there end the substack only */
} PamEntry;

typedef struct PamStack {
	PamEntry e[STACK_MAX];
	size_t n;
	const char *error;
} PamStack;

/* Where the PAM files are: the admin's directory, then the vendor's. */
typedef struct PamDirs {
	const char *dir;
	char vendor[PATH_MAX]; /* "" when not used */
} PamDirs;

/* Split a line into whitespace-separated words; '[...]' stays one word. */
static size_t split_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		w[n++] = p;
		if (*p == '[') {
			char *close = strchr(p, ']');

			p = close ? close + 1 : p + strlen(p);
		} else {
			p += strcspn(p, " \t");
		}
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static const char *base_name(const char *path)
{
	const char *base = strrchr(path, '/');

	return base ? base + 1 : path;
}

/* The path of an included file: absolute, or the admin's then the vendor's. */
static int pam_file_path(const PamDirs *d, const char *root, const char *name, char **ret)
{
	if (name[0] == '/')
		return asprintf(ret, "%s%s", root, name) < 0 ? -ENOMEM : 0;
	if (asprintf(ret, "%s/%s", d->dir, name) < 0)
		return -ENOMEM;
	if (access(*ret, F_OK) == 0 || !*d->vendor)
		return 0;
	free(*ret);
	return asprintf(ret, "%s/%s", d->vendor, name) < 0 ? -ENOMEM : 0;
}

static int scan_pam_file(const PamDirs *d, const char *root, const char *name, int depth,
			 bool substack, PamStack *s);

/* One logical line of a PAM file (comments stripped, continuations joined). */
static int scan_pam_line(const PamDirs *d, const char *root, const char *file, unsigned no,
			 char *line, int depth, bool substack, PamStack *s)
{
	char *w[32];
	size_t n = split_words(line, w, ELEMENTSOF(w));
	const char *type;
	PamEntry *e;

	if (n == 0)
		return 0;
	if (streq(w[0], "@include"))
		return n >= 2 ? scan_pam_file(d, root, w[1], depth + 1, substack, s) : 0;
	type = w[0][0] == '-' ? w[0] + 1 : w[0];
	if (strcasecmp(type, "session") != 0 || n < 3)
		return 0;
	if (streq(w[1], "include") || streq(w[1], "substack"))
		return scan_pam_file(d, root, w[2], depth + 1, substack || streq(w[1], "substack"),
				     s);
	if (s->n == STACK_MAX) {
		s->error = "the session stack is too long to check";
		return -E2BIG;
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->module, sizeof(e->module), "%s", base_name(w[2]));
	snprintf(e->control, sizeof(e->control), "%s", w[1]);
	for (size_t i = 3; i < n; i++)
		snprintf(e->args + strlen(e->args), sizeof(e->args) - strlen(e->args), "%s%s",
			 i > 3 ? " " : "", w[i]);
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = no;
	e->dash = w[0][0] == '-';
	e->in_substack = substack;
	return 0;
}

static int scan_pam_file(const PamDirs *d, const char *root, const char *name, int depth,
			 bool substack, PamStack *s)
{
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_(freep) char *path = NULL;
	char line[4096], logical[8192];
	size_t have = 0;
	unsigned no = 0, first = 1;
	int r;

	if (depth > INCLUDE_DEPTH_MAX) {
		s->error = "includes nested too deep (a loop?)";
		return -ELOOP;
	}
	r = pam_file_path(d, root, name, &path);
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f) {
		/* PAM itself fails a stack whose include is missing. */
		s->error = "an included file is missing";
		return negative_errno();
	}
	logical[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		size_t len;
		bool more;
		char *hash = strchr(line, '#');

		no++;
		if (have == 0)
			first = no;
		if (hash)
			*hash = '\0';
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		more = len > 0 && line[len - 1] == '\\';
		if (more)
			line[--len] = ' ';
		if (have + len + 1 >= sizeof(logical))
			have = 0; /* an absurd line: parse the tail only */
		memcpy(logical + have, line, len + 1);
		have += len;
		if (more)
			continue;
		r = scan_pam_line(d, root, path, first, logical, depth, substack, s);
		if (r < 0)
			return r;
		have = 0;
		logical[0] = '\0';
	}
	return 0;
}

/* Not services: backups, package manager leftovers, Debian's include files. */
static bool skip_pam_name(const char *name)
{
	static const char *const suffixes[] = { "~",	     ".bak",	  ".dpkg-old", ".dpkg-dist",
						".dpkg-new", ".dpkg-tmp", ".rpmnew",   ".rpmsave",
						".orig",     ".swp" };
	size_t n = strlen(name);

	if (name[0] == '.' || strncmp(name, "common-", 7) == 0 || strstr(name, ".ucf-"))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t k = strlen(suffixes[i]);

		if (n >= k && streq(name + n - k, suffixes[i]))
			return true;
	}
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int base_cmp(const void *a, const void *b)
{
	return strcmp(base_name(*(char *const *)a), base_name(*(char *const *)b));
}

/* Add the services of dir to names (a name already there wins: /etc/pam.d
 * overrides /usr/lib/pam.d, as in Linux-PAM). */
static int list_services(const char *dir, char ***names, size_t *n, size_t *cap)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		struct stat st;
		bool dup = false;

		if (skip_pam_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = streq((*names)[i], de->d_name);
		if (dup)
			continue;
		if (*n == *cap) {
			char **m = realloc(*names, (*cap = *cap ? *cap * 2 : 32) * sizeof(char *));

			if (!m)
				break;
			*names = m;
		}
		(*names)[*n] = strdup(de->d_name);
		if (!(*names)[*n])
			break;
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* What a service is for paddock. */
typedef enum Need {
	NEED_YES,      /* users log in through it: the module must be there */
	NEED_NOT,      /* nobody becomes an isolated user through it */
	NEED_MUST_NOT, /* the module cannot work there */
} Need;

typedef struct SystemCheck {
	const char *root; /* "" for / */
	PamDirs pam;
	const char *pam_root; /* root of the PAM files' absolute includes: "" for --pam-dir */
	const char *sshd_config;
	const char *sshd_root; /* the same for sshd's Include lines */
	bool systemd_host;     /* the module would use the systemd manager */
	char *helper; /* a helper= argument of the module's lines, NULL: the built-in path */
	int problems;
} SystemCheck;

static Need service_need(const SystemCheck *c, const char *name, const char **why)
{
	if (streq(name, "runuser") || streq(name, "runuser-l")) {
		*why = "root-only (pam_rootok): root runs a command as another user, nobody logs "
		       "in through it";
		return NEED_NOT;
	}
	if (streq(name, "sudo")) {
		*why = "runs what sudoers(5) grants, an admin's decision (sudo -i uses sudo-i)";
		return NEED_NOT;
	}
	if (streq(name, "systemd-user") && !c->systemd_host) {
		*why = "systemd is not running: no user manager starts";
		return NEED_NOT;
	}
	if (streq(name, "systemd-user")) {
		*why = "the user manager cannot enter a paddock's PID namespace, so the module "
		       "refuses it; user services run under the slice's limits, outside the "
		       "namespaces";
		return NEED_MUST_NOT;
	}
	if (c->systemd_host && (streq(name, "cron") || streq(name, "crond"))) {
		*why = "on a systemd host a cron job has no logind session, so the systemd "
		       "manager refuses it; cron jobs run unisolated: keep isolated users off "
		       "cron (/etc/cron.allow)";
		return NEED_MUST_NOT;
	}
	return NEED_YES;
}

_printf_(2, 3) static void problem(SystemCheck *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->problems++;
}

/* The action a bracket control takes for PAM return value key ("" if none). */
static void bracket_action(const char *control, const char *key, char *ret, size_t len)
{
	size_t k = strlen(key);
	const char *p = control;

	*ret = '\0';
	while ((p = strstr(p, key))) {
		if ((p == control || p[-1] == '[' || p[-1] == ' ' || p[-1] == '\t') &&
		    p[k] == '=') {
			snprintf(ret, len, "%.*s", (int)strcspn(p + k + 1, " \t]"), p + k + 1);
			return;
		}
		p += k;
	}
}

/* Whether a control lets a failure of the module pass (fail open). */
static bool fails_open(const char *control)
{
	char act[32];

	if (streq(control, "required") || streq(control, "requisite"))
		return false;
	if (control[0] != '[')
		return true; /* optional, sufficient */
	bracket_action(control, "session_err", act, sizeof(act));
	if (!*act)
		bracket_action(control, "default", act, sizeof(act));
	return !(streq(act, "bad") || streq(act, "die") || !*act);
}

/* How far a line before the module can jump: 0 none, SIZE_MAX past the end. */
static size_t control_skips(const char *control)
{
	size_t far = 0;

	if (streq(control, "sufficient"))
		return SIZE_MAX;
	if (control[0] != '[')
		return 0;
	for (const char *p = strchr(control, '='); p; p = strchr(p + 1, '=')) {
		char *end;
		unsigned long n;

		if (strncmp(p + 1, "done", 4) == 0)
			return SIZE_MAX;
		n = strtoul(p + 1, &end, 10);
		if (end != p + 1 && n > far)
			far = n;
	}
	return far;
}

/* The module's line in a stack: its control, arguments and place. */
static void check_module_line(SystemCheck *c, const char *svc, const PamStack *s, size_t at)
{
	const PamEntry *e = &s->e[at];
	char args[sizeof(e->args)], *w[32];
	const char *argv[32];
	size_t n;
	ModuleArgs a;
	bool systemd = false;

	if (e->dash)
		problem(c,
			"pam: %s: PROBLEM: \"-session\" at %s:%u: a missing module file is "
			"skipped silently (fail open); write \"session\"",
			svc, e->file, e->line);
	if (fails_open(e->control))
		problem(c,
			"pam: %s: PROBLEM: \"%s\" at %s:%u lets a failure of pam_paddock pass "
			"(fail open): the user gets an unisolated session; use \"required\"",
			svc, e->control, e->file, e->line);
	for (size_t i = 0; i < at; i++) {
		size_t far = s->e[i].in_substack ? 0 : control_skips(s->e[i].control);

		if (far == SIZE_MAX || (far > 0 && i + far >= at))
			problem(c,
				"pam: %s: PROBLEM: \"%s %s\" at %s:%u can end the stack or jump "
				"past pam_paddock, which then never runs",
				svc, s->e[i].control, s->e[i].module, s->e[i].file, s->e[i].line);
	}
	snprintf(args, sizeof(args), "%s", e->args);
	n = split_words(args, w, ELEMENTSOF(w));
	for (size_t i = 0; i < n; i++)
		argv[i] = w[i];
	module_args_parse((int)n, argv, &a);
	if (a.bad)
		problem(c,
			"pam: %s: PROBLEM: unknown module argument '%s' at %s:%u: the module "
			"denies every isolated user's session",
			svc, a.bad, e->file, e->line);
	if (!streq(a.helper, PADDOCK_HELPER_PATH) && !c->helper)
		c->helper = strdup(a.helper);
	if (!c->systemd_host)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!streq(s->e[i].module, SYSTEMD_MODULE))
			continue;
		systemd = true;
		if (i > at)
			problem(c,
				"pam: %s: PROBLEM: pam_paddock (%s:%u) runs before pam_systemd "
				"(%s:%u): logind has not made the session and the slice yet, so "
				"the systemd manager refuses it; put pam_paddock after it",
				svc, e->file, e->line, s->e[i].file, s->e[i].line);
		break;
	}
	if (!systemd)
		problem(c,
			"pam: %s: PROBLEM: pam_paddock without pam_systemd on a systemd host: "
			"the session has no place in the user's slice and the systemd manager "
			"refuses it",
			svc);
}

/* Every service; prints one line per service and per problem. */
static void check_pam(SystemCheck *c)
{
	_cleanup_(freep) char **names = NULL;
	_cleanup_(freep) PamStack *s = malloc(sizeof(PamStack));
	size_t n = 0, cap = 0;

	if (!s || list_services(c->pam.dir, &names, &n, &cap) < 0) {
		problem(c, "pam: %s: %s", c->pam.dir, strerror(s ? errno : ENOMEM));
		return;
	}
	if (*c->pam.vendor)
		(void)list_services(c->pam.vendor, &names, &n, &cap);
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);

	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		Need need = service_need(c, names[i], &why);
		size_t at = SIZE_MAX;
		int r;

		memset(s, 0, sizeof(*s));
		r = scan_pam_file(&c->pam, c->pam_root, names[i], 0, false, s);
		for (size_t k = 0; k < s->n && at == SIZE_MAX; k++)
			if (streq(s->e[k].module, MODULE_NAME))
				at = k;
		if (r < 0)
			problem(c, "pam: %s: cannot be checked: %s", names[i],
				s->error ? s->error : strerror(-r));
		else if (s->n == 0)
			printf("pam: %s: no session stack (opens no session)\n", names[i]);
		else if (at == SIZE_MAX && need == NEED_YES)
			problem(c, "pam: %s: MISSING: the session stack lacks pam_paddock",
				names[i]);
		else if (at == SIZE_MAX)
			printf("pam: %s: ok without pam_paddock (%s: %s)\n", names[i],
			       need == NEED_NOT ? "not needed" : "must not be there", why);
		else if (need == NEED_MUST_NOT)
			problem(c, "pam: %s: PROBLEM: pam_paddock at %s:%u must not be there: %s",
				names[i], s->e[at].file, s->e[at].line, why);
		else
			printf("pam: %s: ok (pam_paddock at %s:%u)\n", names[i], s->e[at].file,
			       s->e[at].line);
		if (r >= 0 && at != SIZE_MAX)
			check_module_line(c, names[i], s, at);
		free(names[i]);
	}
}

/* The helper the module executes: a root-owned regular executable that only
 * root can replace, in directories only root can change (a sticky one, such
 * as /tmp, lets nobody else rename or remove root's entries). */
static void check_helper(SystemCheck *c)
{
	const char *path = c->helper ? c->helper : PADDOCK_HELPER_PATH;
	char full[PATH_MAX], *slash;
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", c->root, path);
	if (lstat(full, &st) < 0) {
		problem(c,
			"helper: PROBLEM: %s: %s: the module cannot start a paddock, so every "
			"isolated user's session is denied (install paddock there)",
			path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    !(st.st_mode & S_IXUSR)) {
		problem(c,
			"helper: PROBLEM: %s is not a root-owned executable regular file "
			"writable by root only (mode %04o, uid %u): root runs it for every login",
			path, (unsigned)st.st_mode & 07777, (unsigned)st.st_uid);
		return;
	}
	/* Every directory below the root, the root's own path excluded. */
	while ((slash = strrchr(full, '/')) && (size_t)(slash - full) > strlen(c->root)) {
		*slash = '\0';
		if (lstat(full, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
		    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
			problem(c,
				"helper: PROBLEM: %s: a directory on the way to %s is not "
				"root's alone: whoever can write it can replace the helper",
				full + strlen(c->root), path);
			return;
		}
	}
	printf("helper: ok (%s)\n", path);
}

/* The controllers the limits need, from the kernel's table (ROOT/proc/cgroups)
 * and, on a pure cgroup v2 host, the root's cgroup.controllers. */
static void check_cgroups(SystemCheck *c)
{
	static const char *const need[] = { "memory", "cpu", "pids" };
	_cleanup_(fclosep) FILE *f = NULL, *v2 = NULL;
	char path[PATH_MAX], line[512], v2list[512] = "";
	bool enabled[ELEMENTSOF(need)] = { false };
	bool ok = true;

	snprintf(path, sizeof(path), "%s/proc/cgroups", c->root);
	f = fopen(path, "re");
	if (!f) {
		problem(c, "cgroup: PROBLEM: %s: %s: no cgroup controllers", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned hier, num, en;

		if (sscanf(line, "%63s %u %u %u", name, &hier, &num, &en) != 4)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(need); i++)
			if (streq(name, need[i]) && en == 1)
				enabled[i] = true;
	}
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cgroup.controllers", c->root);
	v2 = fopen(path, "re");
	if (v2 && !fgets(v2list, sizeof(v2list), v2))
		v2list[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(need); i++) {
		char word[72];

		snprintf(word, sizeof(word), " %s ", need[i]);
		v2list[strcspn(v2list, "\n")] = ' ';
		if (!enabled[i])
			problem(c,
				"cgroup: PROBLEM: the %s controller is disabled in the kernel "
				"(cgroup_disable= on the command line?): its limits cannot be "
				"enforced and isolated users' sessions are denied",
				need[i]);
		else if (v2) {
			char padded[sizeof(v2list) + 2];

			snprintf(padded, sizeof(padded), " %s", v2list);
			if (!strstr(padded, word))
				problem(c,
					"cgroup: PROBLEM: the %s controller is not available in "
					"the unified hierarchy (bound to a v1 hierarchy?)",
					need[i]);
			else
				continue;
		} else
			continue;
		ok = false;
	}
	if (ok)
		printf("cgroup: ok (memory, cpu and pids controllers)\n");
}

/* One logind.conf file: the last KillUserProcesses= in [Login] wins. */
static void scan_logind(const char *path, char *value, size_t len, char *at, size_t at_len)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
	char line[1024];
	unsigned no = 0;
	bool login = false;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		no++;
		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '[')
			login = streq(p, "[Login]");
		else if (login && strncmp(p, "KillUserProcesses", 17) == 0) {
			char *v = p + 17 + strspn(p + 17, " \t");

			if (*v != '=')
				continue;
			v++;
			snprintf(value, len, "%s", v + strspn(v, " \t"));
			snprintf(at, at_len, "%s:%u", path, no);
		}
	}
}

/* logind.conf, then its drop-ins by name across the three directories. */
static void check_logind(SystemCheck *c)
{
	static const char *const dirs[] = { "/usr/lib/systemd/logind.conf.d",
					    "/run/systemd/logind.conf.d",
					    "/etc/systemd/logind.conf.d" };
	char path[PATH_MAX], value[64] = "", at[PATH_MAX + 16] = "";
	glob_t g = { 0 };
	int flags = 0;

	if (!c->systemd_host)
		return;
	snprintf(path, sizeof(path), "%s/etc/systemd/logind.conf", c->root);
	scan_logind(path, value, sizeof(value), at, sizeof(at));
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s/*.conf", c->root, dirs[i]);
		if (glob(path, flags, NULL, &g) == 0)
			flags = GLOB_APPEND;
	}
	if (flags) {
		/* Drop-ins apply in the order of their names, whatever the directory. */
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), base_cmp);
		for (size_t i = 0; i < g.gl_pathc; i++)
			scan_logind(g.gl_pathv[i], value, sizeof(value), at, sizeof(at));
		globfree(&g);
	}
	if (strcasecmp(value, "yes") == 0 || streq(value, "1") || strcasecmp(value, "true") == 0 ||
	    strcasecmp(value, "on") == 0)
		problem(c,
			"logind: PROBLEM: KillUserProcesses=%s at %s: logind kills the holder "
			"with the user's first session, and every other session of the user "
			"with it; set it to no",
			value, at);
	else
		printf("logind: ok (KillUserProcesses=%s)\n", *value ? value : "no, the default");
}

/* sshd_config: the first value of each keyword wins, Include files in place. */
typedef struct SshdScan {
	char use_pam[16];
	char use_pam_at[512];
	char user_env[64];
	char user_env_at[512];
} SshdScan;

static void scan_sshd_file(const char *root, const char *path, int depth, SshdScan *s);

static void scan_sshd_include(const char *root, const char *pattern, int depth, SshdScan *s)
{
	glob_t g;
	char *full = NULL;

	if (asprintf(&full, "%s%s%s", root, pattern[0] == '/' ? "" : "/etc/ssh/", pattern) < 0)
		return;
	if (glob(full, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			scan_sshd_file(root, g.gl_pathv[i], depth + 1, s);
		globfree(&g);
	}
	free(full);
}

static void scan_sshd_file(const char *root, const char *path, int depth, SshdScan *s)
{
	_cleanup_(fclosep) FILE *f = NULL;
	char line[4096];
	unsigned no = 0;
	bool in_match = false;

	if (depth > INCLUDE_DEPTH_MAX)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *w[4], *p = line;
		size_t n;

		no++;
		p[strcspn(p, "#\r\n")] = '\0';
		for (char *q = p; *q; q++)
			if (*q == '=')
				*q = ' ';
		n = split_words(p, w, ELEMENTSOF(w));
		if (n < 2)
			continue;
		if (strcasecmp(w[0], "Match") == 0)
			in_match = true;
		else if (strcasecmp(w[0], "Include") == 0)
			for (size_t i = 1; i < n; i++)
				scan_sshd_include(root, w[i], depth, s);
		else if (!in_match && strcasecmp(w[0], "UsePAM") == 0 && !*s->use_pam) {
			snprintf(s->use_pam, sizeof(s->use_pam), "%s", w[1]);
			snprintf(s->use_pam_at, sizeof(s->use_pam_at), "%s:%u", path, no);
		} else if (!in_match && strcasecmp(w[0], "PermitUserEnvironment") == 0 &&
			   !*s->user_env) {
			snprintf(s->user_env, sizeof(s->user_env), "%s", w[1]);
			snprintf(s->user_env_at, sizeof(s->user_env_at), "%s:%u", path, no);
		}
	}
}

/* "sshd -T -f CONFIG": the effective values, when we may run it (root). */
static int sshd_effective(const char *config, char *use_pam, char *user_env, size_t len)
{
	int pipefd[2], status;
	pid_t pid;
	FILE *f;
	char line[1024];
	bool any = false;

	if (geteuid() != 0 || access(SSHD_PATH, X_OK) < 0)
		return -ENOENT;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return negative_errno();
	}
	if (pid == 0) {
		static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
		char *const envp[] = { path_env, NULL };
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || null < 0 ||
		    dup2(null, STDIN_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(127);
		execle(SSHD_PATH, "sshd", "-T", "-f", config, (char *)NULL, envp);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "re");
	if (!f) {
		close(pipefd[0]);
		waitpid(pid, NULL, 0);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "usepam ", 7) == 0) {
			snprintf(use_pam, len, "%s", line + 7);
			any = true;
		} else if (strncmp(line, "permituserenvironment ", 22) == 0)
			snprintf(user_env, len, "%s", line + 22);
	}
	fclose(f);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return any && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Reports UsePAM no (a problem) and PermitUserEnvironment (a warning). */
static void check_sshd(SystemCheck *c)
{
	const char *config = c->sshd_config;
	SshdScan s;
	char use_pam[64] = "", user_env[64] = "";
	bool pam_off, env_on;

	memset(&s, 0, sizeof(s));
	if (access(config, F_OK) < 0) {
		printf("sshd: %s: not present\n", config);
		return;
	}
	scan_sshd_file(c->sshd_root, config, 0, &s);
	/* sshd -T reads the host's Include files: only for the host itself. */
	if (!*c->root && sshd_effective(config, use_pam, user_env, sizeof(use_pam)) == 0) {
		pam_off = strcasecmp(use_pam, "no") == 0;
		env_on = strcasecmp(user_env, "no") != 0 && *user_env;
	} else {
		/* UsePAM defaults to no in sshd itself (Debian's file sets yes). */
		pam_off = !*s.use_pam || strcasecmp(s.use_pam, "no") == 0;
		env_on = *s.user_env && strcasecmp(s.user_env, "no") != 0;
	}
	if (pam_off) {
		problem(c, "sshd: BYPASS: UsePAM %s%s%s: sshd opens no PAM session, so no paddock",
			*s.use_pam ? s.use_pam : "is not set (sshd's default is no)",
			*s.use_pam_at ? " at " : "", s.use_pam_at);
	} else {
		printf("sshd: ok (UsePAM yes%s%s)\n", *s.use_pam_at ? " at " : "", s.use_pam_at);
	}
	if (env_on)
		printf("sshd: warning: PermitUserEnvironment %s%s%s: users can set LD_PRELOAD for "
		       "the login-shell guard\n",
		       *s.user_env ? s.user_env : user_env, *s.user_env_at ? " at " : "",
		       s.user_env_at);
}

/* Descriptors of the host that reached a paddock (threat 20): a warning each. */
static void check_fd_leaks(void)
{
	int n = fd_leaks_report();

	if (n == 0)
		printf("fds: ok (no process inside a paddock holds a file of the host's mounts)\n");
	else if (n < 0)
		printf("fds: cannot look for leaked descriptors: %s\n", strerror(-n));
}

/* network = nat: the forwarding state of this network namespace (informational). */
static void check_forwarding(void)
{
	char v = '?';
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "re");

	if (f) {
		v = (char)fgetc(f);
		fclose(f);
	}
	if (v == '1')
		printf("network: IPv4 forwarding on\n");
	else if (v == '0')
		printf("network: IPv4 forwarding off (the first network = nat paddock turns it on, "
		       "after a rule of table inet paddock that drops every other forwarded "
		       "packet)\n");
	else
		printf("network: IPv4 forwarding: unknown\n");
}

/* A paddock's own host end (pdkUID): its address and route are the pool's. */
static bool paddock_if(const char *name)
{
	return strncmp(name, "pdk", 3) == 0;
}

/* The prefix of a netmask. */
static unsigned mask_prefix(const uint8_t *m, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += (unsigned)__builtin_popcount(m[i]);
	return n;
}

static bool overlaps(const NetCidr *a, const NetCidr *b)
{
	return netaddr_contains(a, b) || netaddr_contains(b, a);
}

/* One overlap of pool (key at file:line) with the host's net (what: "address
 * 10.0.0.1/16 of eth0"); 1. */
static int overlap_report(const PolicySource *src, const char *key, const NetCidr *pool,
			  const char *what)
{
	char p[64];

	netaddr_format(pool, true, p, sizeof(p));
	printf("%s:%u: %s = %s overlaps the %s (the pool must be a range this host does "
	       "not use)\n",
	       src->file ? src->file : "(built-in)", src->line, key, p, what);
	return 1;
}

/* The host's addresses (getifaddrs) against pool; the number of overlaps. */
static int pool_vs_addresses(const PolicySource *src, const char *key, const NetCidr *pool)
{
	struct ifaddrs *ifa = NULL;
	int n = 0;

	if (getifaddrs(&ifa) < 0) {
		printf("network: cannot list the host's addresses: %m\n");
		return 1;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		NetCidr c = { 0 };
		char a[64], what[160];

		if (!i->ifa_addr || !i->ifa_netmask || paddock_if(i->ifa_name))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && pool->family == AF_INET) {
			c.family = AF_INET;
			memcpy(c.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			c.prefix = (uint8_t)mask_prefix(
				(const uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr,
				4);
		} else if (i->ifa_addr->sa_family == AF_INET6 && pool->family == AF_INET6) {
			c.family = AF_INET6;
			memcpy(c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			c.prefix = (uint8_t)mask_prefix(
				(const uint8_t *)&((struct sockaddr_in6 *)i->ifa_netmask)
					->sin6_addr,
				16);
		} else {
			continue;
		}
		if (!overlaps(pool, &c))
			continue;
		netaddr_format(&c, true, a, sizeof(a));
		snprintf(what, sizeof(what), "host's address %s of %s", a, i->ifa_name);
		n += overlap_report(src, key, pool, what);
	}
	freeifaddrs(ifa);
	return n;
}

/* Hex digits into bytes (the routes of /proc/net/ipv6_route). */
static bool unhex(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* The host's routes of the main table (/proc/net/route, ipv6_route) against
 * pool, default routes aside; the number of overlaps. */
static int pool_vs_routes(const PolicySource *src, const char *key, const NetCidr *pool)
{
	bool v6 = pool->family == AF_INET6;
	_cleanup_(fclosep) FILE *f = fopen(v6 ? "/proc/net/ipv6_route" : "/proc/net/route", "re");
	char line[512];
	int n = 0;

	if (!f) {
		printf("network: cannot list the host's routes: %m\n");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char ifname[32], dst[40], r[64], what[160];
		NetCidr c = { .family = pool->family };
		unsigned plen, mask;
		uint32_t d;

		if (v6) {
			if (sscanf(line, "%32s %x %*s %*s %*s %*s %*s %*s %*s %31s", dst, &plen,
				   ifname) != 3 ||
			    !unhex(dst, c.addr, 16))
				continue;
		} else {
			if (sscanf(line, "%31s %x %*x %*x %*d %*d %*d %x", ifname, &d, &mask) != 3)
				continue;
			memcpy(c.addr, &d, 4);
			plen = mask_prefix((const uint8_t *)&mask, 4);
		}
		if (plen == 0 || plen > (v6 ? 128U : 32U) || paddock_if(ifname))
			continue;
		c.prefix = (uint8_t)plen;
		if (!overlaps(pool, &c))
			continue;
		netaddr_format(&c, true, r, sizeof(r));
		snprintf(what, sizeof(what), "host's route %s (%s)", r,
			 streq(ifname, "*") ? "no device" : ifname);
		n += overlap_report(src, key, pool, what);
	}
	return n;
}

/* nat_pool and nat_pool6 against this network namespace's addresses and
 * routes: a paddock given an address the host uses cuts the host off. */
static int check_nat_pools(const Policy *p)
{
	_cleanup_(freep) PolicySource *src = NULL;
	PolicyGlobal g;
	int n = 0;

	if (!policy_uses_nat(p)) {
		printf("network: no section sets network = nat (nat_pool not checked)\n");
		return 0;
	}
	src = calloc(policy_key_count(), sizeof(*src));
	if (!src)
		return 1;
	policy_global(p, &g, src);
	for (size_t k = 0; k < policy_key_count(); k++) {
		const char *key = policy_key_info(k)->name;
		const NetCidr *pool = streq(key, "nat_pool")	? &g.nat_pool
				      : streq(key, "nat_pool6") ? &g.nat_pool6
								: NULL;

		if (!pool || !pool->family)
			continue;
		n += pool_vs_addresses(&src[k], key, pool);
		n += pool_vs_routes(&src[k], key, pool);
	}
	if (n == 0)
		printf("network: nat_pool overlaps none of the host's addresses and routes\n");
	return n;
}

/* Whether the module would use the systemd manager there (sd_booted()'s test). */
static bool systemd_manager(const char *root, const PolicyGlobal *g)
{
	char path[PATH_MAX];
	struct stat st;

	if (g && g->cgroup_manager != CGROUP_MANAGER_AUTO)
		return g->cgroup_manager == CGROUP_MANAGER_SYSTEMD;
	snprintf(path, sizeof(path), "%s/run/systemd/system", root);
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int check_system(const SystemCheckOptions *o, const Policy *p)
{
	PolicyGlobal gbuf, *g = NULL;
	SystemCheck c = { .root = o->root && !streq(o->root, "/") ? o->root : "" };
	_cleanup_(freep) char *pam_dir = NULL, *sshd_config = NULL;

	/* A file named directly is read as written: its includes are not below the root. */
	c.pam_root = o->pam_dir ? "" : c.root;
	c.sshd_root = o->sshd_config ? "" : c.root;

	if (o->pam_dir) {
		c.pam.dir = o->pam_dir;
	} else {
		if (asprintf(&pam_dir, "%s/etc/pam.d", c.root) < 0)
			return 1;
		c.pam.dir = pam_dir;
		snprintf(c.pam.vendor, sizeof(c.pam.vendor), "%s/usr/lib/pam.d", c.root);
	}
	if (o->sshd_config)
		c.sshd_config = o->sshd_config;
	else if (asprintf(&sshd_config, "%s/etc/ssh/sshd_config", c.root) < 0)
		return 1;
	else
		c.sshd_config = sshd_config;
	if (p) {
		policy_global(p, &gbuf, NULL);
		g = &gbuf;
	}
	c.systemd_host = systemd_manager(c.root, g);
	printf("system: %s%s, %s cgroup manager\n", *c.root ? "root " : "this host", c.root,
	       c.systemd_host ? "the systemd" : "a cgroupfs");

	check_pam(&c);
	check_helper(&c);
	check_cgroups(&c);
	check_logind(&c);
	check_sshd(&c);
	/* Live processes are this host's, not those of a copy below --root. */
	if (!*c.root) {
		check_fd_leaks();
		check_forwarding();
		if (p)
			c.problems += check_nat_pools(p);
	}
	free(c.helper);
	if (c.problems > 0) {
		printf("paddock check: %d problem%s (above): fix %s before enabling the module\n",
		       c.problems, c.problems == 1 ? "" : "s", c.problems == 1 ? "it" : "them");
		return 1;
	}
	printf("paddock check: the system is ready for pam_paddock\n");
	return 0;
}
