/* SPDX-License-Identifier: Apache-2.0 */
/* topview.c - the --top view in the terminal, through ncurses. */
#include "compat.h"

#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "err.h"
#include "topview.h"
#include "xalloc.h"

#define NSEC 1000000000ull
#define REDRAW_NS NSEC		/* the table is redrawn once a second */
#define SIZE_CHECK_NS (NSEC / 5)	/* a resize is looked for this often */
#define HEAD_LINES 4		/* title, summary, blank, heading */

static void draw(struct top *t);

static const char keys_help[] = "o: sort by own  t: by total  a: last second / since start  q: quit";

int top_open(struct top *t, const struct stacks *st, const struct top_options *o, FILE *out,
	     FILE *in, uint64_t now_ns)
{
	SCREEN *s;

	memset(t, 0, sizeof *t);
	t->o = *o;
	t->out = out;
	t->in = in;
	t->span = TOP_SPAN_LAST;
	strbuf_init(&t->line);
	toptable_init(&t->table, st, o->line_numbers, o->exclude_idle, now_ns);
	if (!isatty(fileno(out)))
		return pf_fail(PF_EINVAL, "standard output is not a terminal");
	setlocale(LC_CTYPE, "");
	if (!(s = newterm(NULL, out, in)))
		return pf_fail(PF_ESYS, "cannot set up the terminal (TERM=%s)",
			       getenv("TERM") ? getenv("TERM") : "");
	t->screen = s;
	cbreak();	/* not raw: Ctrl-C stays SIGINT */
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	getmaxyx(stdscr, t->rows, t->cols);
	t->next_draw_ns = now_ns + REDRAW_NS;
	t->next_size_ns = now_ns + SIZE_CHECK_NS;
	draw(t);	/* the frame of the table at once; its rows after a second */
	return 0;
}

int top_fd(const struct top *t)
{
	return fileno(t->in);
}

void top_add_stack(struct top *t, const uint32_t *frames, size_t depth, uint32_t origin,
		   bool holds_gil)
{
	toptable_add_stack(&t->table, frames, depth, origin, holds_gil);
}

void top_end_sample(struct top *t, enum top_outcome outcome)
{
	toptable_add_sample(&t->table, outcome);
}

uint64_t top_next_tick(const struct top *t)
{
	return t->next_draw_ns;
}

/* ------------------------------------------------------------- drawing */

/* Where a line of the table goes: the screen, or plain text at the end. */
typedef void (*put_line)(struct top *t, int y, const struct strbuf *text, bool strong);

static void put_screen(struct top *t, int y, const struct strbuf *text, bool strong)
{
	(void)t;
	if (strong)
		attron(A_REVERSE);
	mvaddnstr(y, 0, text->buf, (int)text->len);
	if (strong) {
		for (int x = getcurx(stdscr); x < COLS; x++)
			addch(' ');
		attroff(A_REVERSE);
	}
}

static void put_plain(struct top *t, int y, const struct strbuf *text, bool strong)
{
	(void)y;
	(void)strong;
	fwrite(text->buf, 1, text->len, t->out);
	fputc('\n', t->out);
}

static void title_line(struct top *t, size_t width)
{
	const struct top_counts *c = toptable_counts(&t->table, t->span);

	strbuf_reset(&t->line);
	strbuf_addf(&t->line, "pyflame --top  %s   sorted by %s, %s %.1f s", t->o.title,
		    t->sort == TOP_SORT_OWN ? "own" : "total",
		    t->span == TOP_SPAN_LAST ? "last" : "since start", (double)c->ns / NSEC);
	if (t->line.len > width)
		t->line.len = width;	/* ASCII but for the title's names: a cut is rare */
	t->line.buf[t->line.len] = '\0';
}

/* The whole table, `height` lines of `width` columns at most. */
static void compose(struct top *t, int height, size_t width, put_line put)
{
	size_t n;

	title_line(t, width);
	put(t, 0, &t->line, false);
	strbuf_reset(&t->line);
	toptable_summary(&t->table, t->span, t->o.interval_ns, width, &t->line);
	put(t, 1, &t->line, false);
	strbuf_reset(&t->line);
	put(t, 2, &t->line, false);
	toptable_heading(width, &t->line);
	put(t, 3, &t->line, true);
	XGROW(t->list, t->list_cap, (size_t)(height > 0 ? height : 1));
	n = toptable_rows(&t->table, t->span, t->sort, t->list,
			  height > HEAD_LINES ? (size_t)(height - HEAD_LINES) : 0);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&t->line);
		toptable_row(&t->table, t->span, &t->list[i], width, &t->line);
		put(t, HEAD_LINES + (int)i, &t->line, false);
	}
}

static void draw(struct top *t)
{
	struct strbuf help;

	erase();
	compose(t, t->rows - 1, (size_t)(t->cols > 0 ? t->cols : 0), put_screen);
	strbuf_init(&help);
	strbuf_add(&help, keys_help, sizeof keys_help - 1 < (size_t)t->cols ?
		   sizeof keys_help - 1 : (size_t)(t->cols > 0 ? t->cols : 0));
	put_screen(t, t->rows - 1, &help, true);
	strbuf_release(&help);
	refresh();
	t->draws++;
}

/* Whether the terminal changed size since last seen (then ncurses is told). */
static bool resized(struct top *t)
{
	struct winsize ws;

	if (ioctl(fileno(t->out), TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col ||
	    (ws.ws_row == t->rows && ws.ws_col == t->cols))
		return false;
	resizeterm(ws.ws_row, ws.ws_col);
	t->rows = ws.ws_row;
	t->cols = ws.ws_col;
	return true;
}

void top_tick(struct top *t, uint64_t now_ns)
{
	bool redraw = false;

	if (!t->screen)
		return;
	if (now_ns >= t->next_size_ns) {
		t->next_size_ns = now_ns + SIZE_CHECK_NS;
		redraw = resized(t);
	}
	if (now_ns >= t->next_draw_ns) {
		toptable_roll(&t->table, now_ns);
		t->next_draw_ns = now_ns + REDRAW_NS;
		redraw = true;
	}
	if (redraw)
		draw(t);
}

/* ---------------------------------------------------------------- keys */

enum top_action top_input(struct top *t, uint64_t now_ns)
{
	bool redraw = false;
	int c;

	if (!t->screen)
		return TOP_GO_ON;
	while ((c = getch()) != ERR) {
		switch (c) {
		case 'q':
		case 'Q':
			return TOP_QUIT;
		case 'o':
			t->sort = TOP_SORT_OWN;
			break;
		case 't':
			t->sort = TOP_SORT_TOTAL;
			break;
		case 'a':
			t->span = t->span == TOP_SPAN_LAST ? TOP_SPAN_ALL : TOP_SPAN_LAST;
			break;
		case KEY_RESIZE:
			getmaxyx(stdscr, t->rows, t->cols);
			break;
		default:
			continue;
		}
		redraw = true;
	}
	(void)now_ns;
	if (redraw)
		draw(t);
	return TOP_GO_ON;
}

/* ---------------------------------------------------------------- end */

void top_close(struct top *t, const char *why)
{
	if (t->screen) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
		if (why) {	/* the last table stays, on the normal screen */
			compose(t, t->rows - 1, (size_t)t->cols, put_plain);
			fprintf(t->out, "%s\n", why);
		}
		fflush(t->out);
	}
	toptable_release(&t->table);
	free(t->list);
	t->list = NULL;
	strbuf_release(&t->line);
}
