/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paddock top: a live view of the paddocks, one line each, sorted by CPU
 * or memory and drawn again every second (systemd-cgtop's shape), in 80
 * columns, over ssh too.  The figures are usage.h's, as status and metrics
 * read them.  --batch prints one frame to stdout (the CPU column needs two
 * samples: it covers the second between them).
 *
 * The terminal is driven by ncurses, loaded with dlopen() here only:
 * paddock is also the holder, PID 1 of every paddock, and a linked
 * libncurses (with libtinfo) would be mapped by each of them for nothing.
 */
#include <curses.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../conf/macro.h"
#include "../conf/units.h"
#include "../pam_module/spare.h"
#include "../pam_module/state.h"
#include "admin.h"
#include "commands.h"
#include "usage.h"

#define TOP_WIDTH	80
#define TOP_INTERVAL_MS 1000

typedef enum SortKey { SORT_CPU, SORT_MEMORY } SortKey;

/* One paddock of a frame: its figures and its CPU share over the interval. */
typedef struct TopRow {
	PaddockUsage u;
	double cpu_percent; /* < 0: unknown */
} TopRow;

typedef struct Frame {
	TopRow *rows;
	size_t n, failed;
	unsigned spares;
	SortKey sort;
	double taken; /* CLOCK_MONOTONIC, seconds */
} Frame;

static int row_uid_cmp(const void *a, const void *b)
{
	uid_t x = ((const TopRow *)a)->u.info.uid, y = ((const TopRow *)b)->u.info.uid;

	return x < y ? -1 : x > y;
}

static SortKey sort_key;

/* Descending by the key, unknown last, then by uid. */
static int row_sort_cmp(const void *a, const void *b)
{
	const TopRow *x = a, *y = b;
	double vx, vy;

	if (sort_key == SORT_CPU) {
		vx = x->cpu_percent;
		vy = y->cpu_percent;
	} else {
		vx = x->u.usage.memory_current == UINT64_MAX ? -1
							     : (double)x->u.usage.memory_current;
		vy = y->u.usage.memory_current == UINT64_MAX ? -1
							     : (double)y->u.usage.memory_current;
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return row_uid_cmp(a, b);
}

static void frame_free(Frame *f)
{
	free(f->rows);
	*f = (Frame){ 0 };
}

/*
 * A new frame, its CPU shares from the CPU time each paddock used since
 * prev (a frame sorted by uid; NULL: unknown), sorted by uid.
 */
static int frame_take(int run, UserNames *names, const Frame *prev, Frame *ret)
{
	_cleanup_(freep) PaddockUsage *v = NULL;
	Frame f = { 0 };
	size_t n = 0;
	int r;

	r = usage_collect_all(run, names, &v, &n, &f.failed);
	if (r < 0)
		return r;
	f.taken = usage_now();
	f.rows = calloc(n ? n : 1, sizeof(*f.rows));
	if (!f.rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		TopRow *row = &f.rows[i], *old = NULL;
		uint64_t now_us = v[i].usage.cpu_usage_usec;

		row->u = v[i];
		row->cpu_percent = -1;
		if (prev && prev->n)
			old = bsearch(row, prev->rows, prev->n, sizeof(*row), row_uid_cmp);
		if (old && now_us != UINT64_MAX && old->u.usage.cpu_usage_usec != UINT64_MAX &&
		    now_us >= old->u.usage.cpu_usage_usec && f.taken > prev->taken)
			row->cpu_percent = (double)(now_us - old->u.usage.cpu_usage_usec) / 1e4 /
					   (f.taken - prev->taken);
	}
	f.n = n;
	f.spares = spare_count_ready(run);
	*ret = f;
	return 0;
}

static const char *fmt_size(uint64_t v, char *buf, size_t len)
{
	if (v == UINT64_MAX || v == CG_UNKNOWN)
		snprintf(buf, len, "?");
	else if (v == UNITS_MAX)
		snprintf(buf, len, "max");
	else
		units_format_size(v, buf, len);
	return buf;
}

static const char *fmt_u64(uint64_t v, char *buf, size_t len)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/*
 * The frame as lines of at most TOP_WIDTH columns into lines (each
 * TOP_WIDTH + 1 bytes): a title, the column header, one line per paddock
 * sorted by sort, at most max lines.  Returns how many.
 */
static size_t frame_render(Frame *f, SortKey sort, char (*lines)[TOP_WIDTH + 1], size_t max)
{
	char clock[16];
	time_t t = time(NULL);
	struct tm tm;
	size_t k = 0;

	if (max < 2)
		return 0;
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&t, &tm));
	snprintf(lines[k++], TOP_WIDTH + 1,
		 "paddock top %s  %zu paddock%s, %u spare%s  sorted by %s (c m q)%s", clock, f->n,
		 f->n == 1 ? "" : "s", f->spares, f->spares == 1 ? "" : "s",
		 sort == SORT_CPU ? "cpu" : "memory", f->failed ? "  unreadable!" : "");
	snprintf(lines[k++], TOP_WIDTH + 1, "%-16s %7s %4s %5s %6s %7s %6s %5s %4s %9s", "USER",
		 "UID", "SESS", "PROCS", "CPU%", "MEMORY", "LIMIT", "TASKS", "OOM", "THROTTLED");
	sort_key = sort;
	qsort(f->rows, f->n, sizeof(*f->rows), row_sort_cmp);
	for (size_t i = 0; i < f->n && k < max; i++) {
		const TopRow *row = &f->rows[i];
		const CgroupUsage *u = &row->u.usage;
		char cpu[16], mem[16], lim[16], tasks[24], oom[24], thr[24], sess[16], procs[24];

		if (row->cpu_percent < 0)
			snprintf(cpu, sizeof(cpu), "?");
		else
			snprintf(cpu, sizeof(cpu), "%.1f", row->cpu_percent);
		if (u->cpu_throttled_usec == UINT64_MAX)
			snprintf(thr, sizeof(thr), "?");
		else
			snprintf(thr, sizeof(thr), "%.1fs", (double)u->cpu_throttled_usec / 1e6);
		snprintf(lines[k++], TOP_WIDTH + 1, "%-16s %7u %4s %5s %6s %7s %6s %5s %4s %9s",
			 *row->u.info.user ? row->u.info.user : "?", (unsigned)row->u.info.uid,
			 fmt_u64(row->u.info.sessions == ADMIN_UNKNOWN ? UINT64_MAX
								       : row->u.info.sessions,
				 sess, sizeof(sess)),
			 fmt_u64(u->processes, procs, sizeof(procs)), cpu,
			 fmt_size(u->memory_current, mem, sizeof(mem)),
			 fmt_size(u->live.memory_max, lim, sizeof(lim)),
			 fmt_u64(u->tasks_current, tasks, sizeof(tasks)),
			 fmt_u64(u->memory_oom_kills, oom, sizeof(oom)), thr);
	}
	/* Back in uid order: the next frame looks its rows up in this one. */
	qsort(f->rows, f->n, sizeof(*f->rows), row_uid_cmp);
	return k;
}

/* ---- the terminal: ncurses through dlopen ------------------------------------------- */

typedef struct Curses {
	WINDOW *(*c_initscr)(void);
	int (*c_endwin)(void);
	int (*c_cbreak)(void);
	int (*c_noecho)(void);
	int (*c_keypad)(WINDOW *w, bool on);
	int (*c_curs_set)(int visibility);
	void (*c_wtimeout)(WINDOW *w, int ms);
	int (*c_wgetch)(WINDOW *w);
	int (*c_werase)(WINDOW *w);
	int (*c_mvwaddnstr)(WINDOW *w, int y, int x, const char *s, int n);
	int (*c_wrefresh)(WINDOW *w);
	int (*c_wattr_on)(WINDOW *w, attr_t a, void *opts);
	int (*c_wattr_off)(WINDOW *w, attr_t a, void *opts);
	int (*c_getmaxy)(const WINDOW *w);
	int (*c_getmaxx)(const WINDOW *w);
} Curses;

/* The ABI sonames of Debian's libncursesw6 (wide) and libncurses6. */
static const char *const curses_sonames[] = { "libncursesw.so.6", "libncurses.so.6" };

static int curses_load(Curses *ret)
{
	static const struct {
		const char *name;
		size_t offset;
	} symbols[] = {
		{ "initscr", offsetof(Curses, c_initscr) },
		{ "endwin", offsetof(Curses, c_endwin) },
		{ "cbreak", offsetof(Curses, c_cbreak) },
		{ "noecho", offsetof(Curses, c_noecho) },
		{ "keypad", offsetof(Curses, c_keypad) },
		{ "curs_set", offsetof(Curses, c_curs_set) },
		{ "wtimeout", offsetof(Curses, c_wtimeout) },
		{ "wgetch", offsetof(Curses, c_wgetch) },
		{ "werase", offsetof(Curses, c_werase) },
		{ "mvwaddnstr", offsetof(Curses, c_mvwaddnstr) },
		{ "wrefresh", offsetof(Curses, c_wrefresh) },
		{ "wattr_on", offsetof(Curses, c_wattr_on) },
		{ "wattr_off", offsetof(Curses, c_wattr_off) },
		{ "getmaxy", offsetof(Curses, c_getmaxy) },
		{ "getmaxx", offsetof(Curses, c_getmaxx) },
	};
	void *h = NULL;

	for (size_t i = 0; i < ELEMENTSOF(curses_sonames) && !h; i++)
		h = dlopen(curses_sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ELIBACC;
	for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX: a function's address fits a data pointer (dlsym depends on it). */
		*(void **)((char *)ret + symbols[i].offset) = f;
	}
	return 0;
}

static volatile sig_atomic_t top_quit;

static void on_quit_signal(int sig)
{
	top_quit = 1;
}

static void draw(const Curses *c, WINDOW *w, char (*lines)[TOP_WIDTH + 1], size_t n)
{
	int cols = c->c_getmaxx(w);

	c->c_werase(w);
	for (size_t i = 0; i < n; i++) {
		if (i == 1)
			c->c_wattr_on(w, A_REVERSE, NULL);
		c->c_mvwaddnstr(w, (int)i, 0, lines[i], cols);
		if (i == 1)
			c->c_wattr_off(w, A_REVERSE, NULL);
	}
	c->c_wrefresh(w);
}

static int top_live(int run, UserNames *names, SortKey sort)
{
	_cleanup_(freep) char(*lines)[TOP_WIDTH + 1] = NULL;
	struct sigaction sa = { .sa_handler = on_quit_signal };
	Frame prev = { 0 }, cur = { 0 };
	double next;
	Curses c;
	WINDOW *w;
	int r;

	r = curses_load(&c);
	if (r < 0) {
		fprintf(stderr, "paddock top: cannot load %s (libncursesw6): use --batch\n",
			curses_sonames[0]);
		return r;
	}
	r = frame_take(run, names, NULL, &prev);
	if (r < 0)
		return r;
	w = c.c_initscr();
	if (!w) {
		frame_free(&prev);
		return -ENOTTY;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	c.c_cbreak();
	c.c_noecho();
	c.c_keypad(w, true);
	c.c_curs_set(0);
	next = usage_now();
	while (!top_quit) {
		size_t max = (size_t)(c.c_getmaxy(w) > 2 ? c.c_getmaxy(w) : 2), n;
		int key;

		if (usage_now() >= next) {
			r = frame_take(run, names, &prev, &cur);
			if (r < 0)
				break;
			frame_free(&prev);
			prev = cur;
			next = usage_now() + TOP_INTERVAL_MS / 1000.0;
		}
		free(lines);
		lines = calloc(max, sizeof(*lines));
		if (!lines) {
			r = -ENOMEM;
			break;
		}
		n = frame_render(&prev, sort, lines, max);
		draw(&c, w, lines, n);
		c.c_wtimeout(w, (int)((next - usage_now()) * 1000) + 1);
		key = c.c_wgetch(w);
		if (key == 'q' || key == 'Q')
			break;
		if (key == 'c' || key == 'C')
			sort = SORT_CPU;
		else if (key == 'm' || key == 'M')
			sort = SORT_MEMORY;
	}
	c.c_endwin();
	frame_free(&prev);
	return r < 0 ? r : 0;
}

static int top_batch(int run, UserNames *names, SortKey sort)
{
	_cleanup_(freep) char(*lines)[TOP_WIDTH + 1] = NULL;
	Frame first = { 0 }, second = { 0 };
	size_t n;
	int r;

	r = frame_take(run, names, NULL, &first);
	if (r < 0)
		return r;
	usleep(TOP_INTERVAL_MS * 1000);
	r = frame_take(run, names, &first, &second);
	frame_free(&first);
	if (r < 0)
		return r;
	lines = calloc(second.n + 2, sizeof(*lines));
	if (!lines) {
		frame_free(&second);
		return -ENOMEM;
	}
	n = frame_render(&second, sort, lines, second.n + 2);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", lines[i]);
	frame_free(&second);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "sort", required_argument, NULL, 's' },
		{},
	};
	_cleanup_(user_names_freep) UserNames *names = NULL;
	_cleanup_(closep) int run = -EBADF;
	SortKey sort = SORT_CPU;
	bool batch = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+bs:", opts, NULL)) != -1) {
		if (c == 'b')
			batch = true;
		else if (c == 's' && streq(optarg, "cpu"))
			sort = SORT_CPU;
		else if (c == 's' && streq(optarg, "memory"))
			sort = SORT_MEMORY;
		else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (!admin_require_root("top"))
		return 1;
	r = state_open_run_dir(&run);
	if (r < 0) {
		fprintf(stderr, "paddock top: %s: %s\n", STATE_DIR, strerror(-r));
		return 1;
	}
	names = user_names_load();
	r = batch ? top_batch(run, names, sort) : top_live(run, names, sort);
	if (r < 0) {
		fprintf(stderr, "paddock top: %s\n", strerror(-r));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: paddock top [--batch] [--sort cpu|memory]\n");
	return 2;
}
