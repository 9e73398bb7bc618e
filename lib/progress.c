/*
 * The progress line (see progress.h).  Formatting is kept apart from
 * drawing so it can be tested without a terminal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "time.h"

int
tide_progress_wanted(int force, int fd)
{
	if (force >= 0)
		return force > 0;
	return fd >= 0 && isatty(fd);
}

void
tide_progress_init(struct tide_progress *p, int fd, const char *label)
{
	struct winsize ws;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->label = label;
	p->t0 = tide_mono_us();
	p->last = INT64_MIN;
	/* A line longer than the terminal wraps, and "\r" then redraws only
	 * its last row: keep within the width. */
	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		p->width = ws.ws_col;
}

int
tide_progress_due(struct tide_progress *p)
{
	if (p->fd < 0)
		return 0;
	if (p->last == INT64_MIN)
		return 1;
	return tide_mono_us() - p->last >= TIDE_PROGRESS_INTERVAL_US;
}

static void
put(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

void
tide_progress_draw(struct tide_progress *p, struct tide_progress_stat *st)
{
	char buf[TIDE_PROGRESS_LINE + 8];
	size_t n;

	if (p->fd < 0)
		return;
	p->last = tide_mono_us();
	st->elapsed_us = p->last - p->t0;
	n = tide_progress_format(p->line, sizeof(p->line), p->label, st);
	if (p->width && n > p->width - 1)
		n = p->width - 1;
	/* One write, so the line is not seen half drawn. */
	memcpy(buf, "\r", 1);
	memcpy(buf + 1, p->line, n);
	memcpy(buf + 1 + n, "\033[K", 3);
	put(p->fd, buf, n + 4);
	p->shown = 1;
}

void
tide_progress_clear(struct tide_progress *p)
{
	if (p->fd < 0 || !p->shown)
		return;
	put(p->fd, "\r\033[K", 4);
	p->shown = 0;
}

/* ---- formatting ------------------------------------------------------- */

struct out {
	char *buf;
	size_t n, len;
};

static void
add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->n == 0 || o->len >= o->n - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	o->len += (size_t)r;
	if (o->len > o->n - 1)
		o->len = o->n - 1;	/* truncated */
}

/* A count or rate: exact below 10000, else scaled by thousands with one
 * decimal, moving to the next unit where rounding would show 1000.0. */
static void
add_count(struct out *o, double v)
{
	static const char *const unit[] = { "k", "M", "G", "T", "P" };
	size_t i = 0;

	if (v < 10000) {
		add(o, "%.0f", v);
		return;
	}
	v /= 1000;
	while (v >= 999.95 && i + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		i++;
	}
	add(o, "%.1f%s", v, unit[i]);
}

static void
add_bytes(struct out *o, double v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t i = 0;

	if (v < 1024) {
		add(o, "%.0f B", v);
		return;
	}
	v /= 1024;
	while (v >= 1023.95 && i + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		i++;
	}
	add(o, "%.1f %s", v, unit[i]);
}

static void
add_pos(struct out *o, enum tide_progress_unit u, uint64_t v)
{
	if (u == TIDE_PROGRESS_BYTES)
		add_bytes(o, (double)v);
	else
		add_count(o, (double)v);
}

static void
add_eta(struct out *o, double secs)
{
	unsigned long long s;

	if (secs < 0) {
		add(o, "?");
		return;
	}
	/* Round up: "0s" only when done. */
	s = secs > 1e9 ? 1000000000ULL : (unsigned long long)secs;
	if ((double)s < secs)
		s++;
	if (s >= 3600)
		add(o, "%lluh%02llum%02llus", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		add(o, "%llum%02llus", s / 60, s % 60);
	else
		add(o, "%llus", s);
}

size_t
tide_progress_format(char *buf, size_t n, const char *label,
    const struct tide_progress_stat *st)
{
	struct out o = { buf, n, 0 };
	double secs = st->elapsed_us > 0 ? (double)st->elapsed_us / 1e6 : 0;
	double rrate = secs > 0 ? (double)st->records / secs : 0;
	double brate = secs > 0 ? (double)st->bytes / secs : 0;
	double prate = secs > 0 ? (double)st->pos / secs : 0;
	uint64_t pct;

	if (n > 0)
		buf[0] = '\0';
	add(&o, "%s: ", label);
	if (st->total) {
		add_pos(&o, st->unit, st->pos);
		add(&o, "/");
		add_pos(&o, st->unit, st->total);
		pct = st->pos >= st->total ? 100 :
		    (uint64_t)((double)st->pos * 100 / (double)st->total);
		if (pct > 100)
			pct = 100;
		if (st->unit == TIDE_PROGRESS_RECORDS)
			add(&o, " records (%u%%), ", (unsigned)pct);
		else {
			add(&o, " (%u%%), ", (unsigned)pct);
			add_count(&o, (double)st->records);
			add(&o, " records, ");
		}
		add_count(&o, rrate);
		add(&o, " records/s");
		if (st->unit == TIDE_PROGRESS_BYTES) {
			add(&o, ", ");
			add_bytes(&o, prate);
			add(&o, "/s");
		}
		add(&o, ", ETA ");
		add_eta(&o, st->pos >= st->total ? 0 : prate > 0 ?
		    (double)(st->total - st->pos) / prate : -1);
	} else {
		add_count(&o, (double)st->records);
		add(&o, " records");
		if (st->bytes) {
			add(&o, ", ");
			add_bytes(&o, (double)st->bytes);
		}
		add(&o, ", ");
		add_count(&o, rrate);
		add(&o, " records/s");
		if (st->bytes) {
			add(&o, ", ");
			add_bytes(&o, brate);
			add(&o, "/s");
		}
	}
	if (st->note)
		add(&o, ", %s", st->note);
	return o.len;
}
