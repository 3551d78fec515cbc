/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory snapshots for tests/bench: /proc/meminfo, the slab caches, the
 * memory cgroup the bench runs in and the holders' own pages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-mem.h"

static long meminfo_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Sum Pss and Rss (kB) of the "paddock holder" processes of uids lo..hi. */
static void holders_mem(uid_t lo, uid_t hi, long *pss, long *rss, long *count)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	*pss = *rss = *count = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], buf[64], line[256];
		uid_t uid;
		ssize_t n;
		int fd;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 22 || memcmp(buf, "paddock\0holder\0--uid\0", 21) != 0)
			continue;
		buf[n] = '\0';
		uid = (uid_t)strtoul(buf + 21, NULL, 10);
		if (uid < lo || uid > hi)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		(*count)++;
		while (fgets(line, sizeof(line), f)) {
			long v;

			if (sscanf(line, "Pss: %ld", &v) == 1)
				*pss += v;
			else if (sscanf(line, "Rss: %ld", &v) == 1)
				*rss += v;
		}
		fclose(f);
	}
	closedir(d);
}

/* One "slab N NAME:KIB ..." line: the memory of every slab cache
 * (num_objs x objsize), to tell which kernel objects a paddock adds. */
static void slab_line(FILE *out, int n)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512], name[128];
	unsigned long active, num, size;

	if (!f)
		return;
	fprintf(out, "slab %d", n);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &num, &size) == 4)
			fprintf(out, " %s:%lu", name, num * size / 1024);
	fputc('\n', out);
	fclose(f);
}

void bench_mem_line(FILE *out, int n, const char *cg_mem, uid_t lo, uid_t hi)
{
	static const char *const keys[] = { "MemFree:",	     "MemAvailable:", "Slab:",
					    "SReclaimable:", "SUnreclaim:",   "KernelStack:",
					    "PageTables:",   "Percpu:",	      "Shmem:" };
	char text[8192], path[512];
	long pss, rss, count;
	ssize_t len;
	int fd;

	sleep(3); /* RCU callbacks, deferred frees and the last teardowns settle */
	holders_mem(lo, hi, &pss, &rss, &count);
	fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "login-bench: /proc/meminfo: %s\n", strerror(errno));
		exit(2);
	}
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[len > 0 ? len : 0] = '\0';
	fprintf(out, "mem %d", n);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fprintf(out, " %s%ld", keys[i], meminfo_kb(text, keys[i]));
	snprintf(path, sizeof(path), "%s/memory.kmem.usage_in_bytes", cg_mem);
	fprintf(out, " cgkmem:%lld", read_ll(path) / 1024);
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", cg_mem);
	fprintf(out, " cgmem:%lld", read_ll(path) / 1024);
	fprintf(out, " holders:%ld holderPss:%ld holderRss:%ld\n", count, pss, rss);
	slab_line(out, n);
	fflush(out);
}
