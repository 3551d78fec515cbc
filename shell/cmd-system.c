/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock check --system: the entry points that would skip the module
 * (threats.md 12).  Every PAM service in /etc/pam.d whose session stack
 * lacks pam_paddock (following "@include", "session include" and "session
 * substack"), sshd settings that bypass PAM sessions ("UsePAM no") or
 * the login-shell guard ("PermitUserEnvironment"), and descriptors of the
 * host held inside paddocks (fd-leaks.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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
#include "../conf/netaddr.h"
#include "../conf/policy.h"
#include "commands.h"
#include "fd-leaks.h"

#define MODULE_NAME	  "pam_paddock.so"
#define INCLUDE_DEPTH_MAX 16
#define SSHD_PATH	  "/usr/sbin/sshd"

/* What one service's session stack contains. */
typedef struct PamScan {
	bool session;  /* at least one session line */
	bool found;    /* pam_paddock among them */
	char via[256]; /* the include that brought it in, "" when direct */
	const char *error;
} PamScan;

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

static bool is_module(const char *path)
{
	const char *base = strrchr(path, '/');

	return streq(base ? base + 1 : path, MODULE_NAME);
}

static int scan_pam_file(const char *dir, const char *name, int depth, const char *via, PamScan *s);

/* One logical line of a PAM file (comments stripped, continuations joined). */
static int scan_pam_line(const char *dir, char *line, int depth, const char *via, PamScan *s)
{
	char *w[8];
	size_t n = split_words(line, w, ELEMENTSOF(w));
	const char *type;

	if (n == 0)
		return 0;
	if (streq(w[0], "@include"))
		return n >= 2 ? scan_pam_file(dir, w[1], depth + 1, via ? via : w[1], s) : 0;
	type = w[0][0] == '-' ? w[0] + 1 : w[0];
	if (strcasecmp(type, "session") != 0 || n < 3)
		return 0;
	if (streq(w[1], "include") || streq(w[1], "substack"))
		return scan_pam_file(dir, w[2], depth + 1, via ? via : w[2], s);
	s->session = true;
	if (!s->found && is_module(w[2])) {
		s->found = true;
		snprintf(s->via, sizeof(s->via), "%s", via ? via : "");
	}
	return 0;
}

static int scan_pam_file(const char *dir, const char *name, int depth, const char *via, PamScan *s)
{
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_(freep) char *path = NULL;
	char line[4096], logical[8192];
	size_t have = 0;

	if (depth > INCLUDE_DEPTH_MAX) {
		s->error = "includes nested too deep (a loop?)";
		return -ELOOP;
	}
	if (name[0] == '/' ? asprintf(&path, "%s", name) < 0
			   : asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
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
		int r;

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
		r = scan_pam_line(dir, logical, depth, via, s);
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

/* Every service of dir; returns the number lacking the module, or -errno. */
static int check_pam(const char *dir)
{
	_cleanup_(freep) char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int missing = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "paddock check: %s: %s\n", dir, strerror(errno));
		return negative_errno();
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *copy;

		if (skip_pam_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **m = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(char *));

			if (!m)
				break;
			names = m;
		}
		copy = strdup(de->d_name);
		if (!copy)
			break;
		names[n++] = copy;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);

	for (size_t i = 0; i < n; i++) {
		PamScan s = { 0 };
		int r = scan_pam_file(dir, names[i], 0, NULL, &s);

		if (r < 0)
			printf("pam: %s: cannot be checked: %s\n", names[i],
			       s.error ? s.error : strerror(-r));
		else if (!s.session)
			printf("pam: %s: no session stack (opens no session)\n", names[i]);
		else if (s.found)
			printf("pam: %s: ok (pam_paddock%s%s)\n", names[i], *s.via ? " via " : "",
			       s.via);
		else
			printf("pam: %s: MISSING: the session stack lacks pam_paddock\n", names[i]);
		if (r < 0 || (s.session && !s.found))
			missing++;
		free(names[i]);
	}
	return missing;
}

/* sshd_config: the first value of each keyword wins, Include files in place. */
typedef struct SshdScan {
	char use_pam[16];
	char use_pam_at[512];
	char user_env[64];
	char user_env_at[512];
} SshdScan;

static void scan_sshd_file(const char *path, int depth, SshdScan *s);

static void scan_sshd_include(const char *pattern, int depth, SshdScan *s)
{
	glob_t g;
	char *full = NULL;

	if (asprintf(&full, pattern[0] == '/' ? "%s" : "/etc/ssh/%s", pattern) < 0)
		return;
	if (glob(full, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			scan_sshd_file(g.gl_pathv[i], depth + 1, s);
		globfree(&g);
	}
	free(full);
}

static void scan_sshd_file(const char *path, int depth, SshdScan *s)
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
				scan_sshd_include(w[i], depth, s);
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

/* Returns the number of bypasses found. */
static int check_sshd(const char *config)
{
	SshdScan s;
	char use_pam[64] = "", user_env[64] = "";
	bool pam_off, env_on;
	int problems = 0;

	memset(&s, 0, sizeof(s));
	if (access(config, F_OK) < 0) {
		printf("sshd: %s: not present\n", config);
		return 0;
	}
	scan_sshd_file(config, 0, &s);
	if (sshd_effective(config, use_pam, user_env, sizeof(use_pam)) == 0) {
		pam_off = strcasecmp(use_pam, "no") == 0;
		env_on = strcasecmp(user_env, "no") != 0 && *user_env;
	} else {
		/* UsePAM defaults to no in sshd itself (Debian's file sets yes). */
		pam_off = !*s.use_pam || strcasecmp(s.use_pam, "no") == 0;
		env_on = *s.user_env && strcasecmp(s.user_env, "no") != 0;
	}
	if (pam_off) {
		printf("sshd: BYPASS: UsePAM %s%s%s: sshd opens no PAM session, so no paddock\n",
		       *s.use_pam ? s.use_pam : "is not set (sshd's default is no)",
		       *s.use_pam_at ? " at " : "", s.use_pam_at);
		problems++;
	} else {
		printf("sshd: ok (UsePAM yes%s%s)\n", *s.use_pam_at ? " at " : "", s.use_pam_at);
	}
	if (env_on)
		printf("sshd: warning: PermitUserEnvironment %s%s%s: users can set LD_PRELOAD for "
		       "the login-shell guard\n",
		       *s.user_env ? s.user_env : user_env, *s.user_env_at ? " at " : "",
		       s.user_env_at);
	return problems;
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

int check_system(const Policy *p, const char *pam_dir, const char *sshd_config)
{
	int missing, bypass, pools = 0;

	missing = check_pam(pam_dir);
	bypass = check_sshd(sshd_config);
	check_fd_leaks();
	check_forwarding();
	if (p)
		pools = check_nat_pools(p);
	if (missing < 0)
		return 1;
	if (pools > 0) {
		printf("paddock check: nat_pool overlaps the host's network\n");
		return 1;
	}
	if (missing + bypass > 0) {
		printf("paddock check: %d problem%s: those entry points skip the paddock\n",
		       missing + bypass, missing + bypass == 1 ? "" : "s");
		return 1;
	}
	printf("paddock check: every PAM session stack has pam_paddock; sshd uses PAM\n");
	return 0;
}
