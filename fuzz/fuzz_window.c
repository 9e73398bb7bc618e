/*
 * libFuzzer target for the window engine (lib/window.h) driven as
 * tide-window drives it: each input line is a record, validated, looked up
 * (time "ts", key "k", the fields of a fixed aggregate list), added, and
 * the watermark advanced; the end of input flushes.  Byte 0 picks the
 * kind (bits 0-1: tumble 10, hop 10 every 4, session gap 5, over 7), the
 * emit mode (bits 2-3: final, early=3, every), lateness 6 (0x10),
 * --exclude-current (0x20), an offset (0x40) and --max-keys 3 (0x80);
 * byte 1 the delay (bits 0-2), auto time unit (0x08, else ms, so small
 * numbers make small windows), --key-missing null (0x10) and which offset
 * (bits 5-7: small ones, or near the int64 limits).  FUZZ_WINDOW_TRACE in
 * the environment logs each result to stderr.
 *
 * What must hold:
 *   - every result is one valid JSON object (as tide-window writes it),
 *     with start < end (tumble and hop: end - start is the window size,
 *     session: at least the gap);
 *   - tide_win_add() emits only with lateness, for windows that the
 *     watermark has passed (updates, or first results); an advance emits
 *     updates only of sessions a late record reopened; a final
 *     result fired by an advance ends at or before the watermark; the
 *     results of one advance come in (end, key) order, final ones first,
 *     then provisional ones (emit early and every only);
 *   - without lateness, final results of tumble and session windows count
 *     every record that was added and not late, each once, and tumble
 *     windows hold them where align + n*size <= t < align + (n+1)*size
 *     says (the sum of start*count over results equals the sum of that
 *     start over records, in 128-bit arithmetic); over gives one result
 *     per such record, counting it unless --exclude-current;
 *   - the state saved before the end, loaded into a new engine, flushes to
 *     the same bytes as the engine it came from, and a flush leaves no
 *     window open.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "time.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AGGS "count,sum(x),min(x),max(x),avg(x),var_samp(x),first(m),last(m)," \
    "distinct(m),approx_distinct(m),p90(x),top(2,m)"
#define MAXF 16

/* A broken invariant aborts, naming itself so a crash file explains itself. */
#define must(cond) must_at((cond), __LINE__, #cond)

static void
must_at(int cond, int line, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_window.c:%d: broken: %s\n", line, what);
		abort();
	}
}

/* What one engine's results are checked against. */
struct fz {
	const struct tide_aggspec *spec;
	const struct tide_win_conf *c;
	struct tide_path count;		/* "count" in a result */
	struct tide_buf ob;		/* one result */
	struct tide_buf out;		/* results, when capturing */
	struct tide_buf lkey;		/* the last result's key in this advance */
	int64_t lend;
	int capture;
	int trace;			/* FUZZ_WINDOW_TRACE set: log results */
	int in_advance;			/* results come from advance or flush */
	int flushing;
	int nbatch;			/* results so far in this advance */
	int lprov;			/* the last one was provisional */
	int64_t wm;
	uint64_t counted;		/* records counted by final results */
	__int128 startsum;		/* tumble: their window starts, summed */
};

static int
key_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c != 0)
		return c;
	return (na > nb) - (na < nb);
}

static int64_t
result_count(struct fz *f)
{
	struct tide_json_val v;
	int64_t n;

	must(tide_json_get(f->ob.data, f->ob.len, &f->count, &v) == 1);
	must(tide_json_int64(&v, &n) == 0);
	return n;
}

static int
emit(void *arg, const struct tide_win_out *o)
{
	struct fz *f = arg;
	struct tide_jobj j;
	enum tide_json_type type;

	tide_buf_reset(&f->ob);
	tide_jobj_begin(&j, &f->ob);
	tide_jobj_key(&j, "window_start", 12);
	tide_json_write_int(&f->ob, o->start);
	tide_jobj_key(&j, "window_end", 10);
	tide_json_write_int(&f->ob, o->end);
	tide_jobj_key(&j, "k", 1);
	tide_buf_add(&f->ob, o->key, o->klen);
	tide_agg_emit(f->spec, o->state, &j);
	if (o->update) {
		tide_jobj_key(&j, "update", 6);
		tide_buf_adds(&f->ob, "true");
	}
	if (f->c->emit != TIDE_EMIT_FINAL) {
		tide_jobj_key(&j, "final", 5);
		tide_buf_adds(&f->ob, o->provisional ? "false" : "true");
	}
	tide_jobj_end(&j);
	must(tide_json_check(f->ob.data, f->ob.len, TIDE_JSON_MAXDEPTH, &type,
	    NULL) == 0 && type == TIDE_JSON_OBJECT);

	if (f->trace)
		fprintf(stderr, "%s start=%lld end=%lld key=%.*s update=%d "
		    "provisional=%d wm=%lld\n", f->flushing ? "flush" :
		    f->in_advance ? "advance" : "add", (long long)o->start,
		    (long long)o->end, (int)o->klen, o->key, o->update,
		    o->provisional, (long long)f->wm);
	must(o->start < o->end);
	if (f->c->kind == TIDE_WIN_TUMBLE || f->c->kind == TIDE_WIN_HOP)
		must(o->end - o->start == f->c->size);
	if (f->c->kind == TIDE_WIN_SESSION)
		must(o->end - o->start >= f->c->gap);
	must(!(o->update && o->provisional));
	must(!o->provisional || f->c->emit != TIDE_EMIT_FINAL);
	if (!f->in_advance) {
		/* From tide_win_add(): with lateness, a record for a window
		 * whose end the watermark has passed (an update when it had
		 * fired, else its first result). */
		must(f->c->lateness > 0 && !o->provisional);
		if (f->c->kind != TIDE_WIN_SESSION)
			must(o->end <= f->wm);
	} else {
		/* A fired session that a record within the lateness carried
		 * past the watermark is open again: it fires as an update. */
		must(!o->update || (f->c->kind == TIDE_WIN_SESSION &&
		    f->c->lateness > 0));
		if (!o->provisional && !f->flushing)
			must(o->end <= f->wm);
		/* Final results, then provisional ones, each in (end, key)
		 * order. */
		if (f->nbatch > 0 && f->lprov == o->provisional) {
			must(f->lend <= o->end);
			if (f->lend == o->end)
				must(key_cmp(f->lkey.data, f->lkey.len, o->key,
				    o->klen) <= 0);
		} else if (f->nbatch > 0)
			must(!f->lprov && o->provisional);
		f->nbatch++;
		f->lprov = o->provisional;
		f->lend = o->end;
		tide_buf_reset(&f->lkey);
		tide_buf_add(&f->lkey, o->key, o->klen);
	}
	if (!o->provisional && !o->update) {
		int64_t n = result_count(f);

		f->counted += (uint64_t)n;
		f->startsum += (__int128)o->start * n;
	}
	if (f->capture) {
		tide_buf_add(&f->out, f->ob.data, f->ob.len);
		tide_buf_addc(&f->out, '\n');
	}
	return 0;
}

static void
fz_init(struct fz *f, const struct tide_aggspec *spec,
    const struct tide_win_conf *c)
{
	memset(f, 0, sizeof(*f));
	f->spec = spec;
	f->c = c;
	f->trace = getenv("FUZZ_WINDOW_TRACE") != NULL;
	must(tide_path_parse(&f->count, "count") == 0);
	tide_buf_init(&f->ob, TIDE_BUF_NOMAX);
	tide_buf_init(&f->out, TIDE_BUF_NOMAX);
	tide_buf_init(&f->lkey, TIDE_BUF_NOMAX);
}

static void
fz_release(struct fz *f)
{
	tide_path_release(&f->count);
	tide_buf_release(&f->ob);
	tide_buf_release(&f->out);
	tide_buf_release(&f->lkey);
}

static int
advance(struct tide_win *w, struct fz *f, int64_t wm)
{
	int r;

	f->in_advance = 1;
	f->nbatch = 0;
	f->wm = wm;
	r = tide_win_advance(w, wm);
	f->in_advance = 0;
	return r;
}

static int
flush(struct tide_win *w, struct fz *f)
{
	int r;

	f->in_advance = f->flushing = 1;
	f->nbatch = 0;
	r = tide_win_flush(w);
	f->in_advance = f->flushing = 0;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tide_aggspec spec;
	static struct tide_path paths[2 + MAXF];
	static int ready;
	struct tide_json_val jv[2 + MAXF];
	struct tide_aggval vals[MAXF + 1];
	struct tide_win_conf c;
	struct tide_win w, w2;
	struct tide_wm m;
	struct fz f, f2;
	struct tide_buf kb = TIDE_BUF_INIT, sb = TIDE_BUF_INIT, ob = TIDE_BUF_INIT;
	struct tide_buf st = TIDE_BUF_INIT;
	enum tide_time_unit unit;
	const char *p, *end, *q;
	static const int64_t aligns[8] = { 0, -3, 7, 123456789012345,
	    INT64_MAX, -INT64_MAX, INT64_MAX - 5, -INT64_MAX + 5 };
	uint64_t added = 0, outs = 0;
	__int128 startsum = 0;
	int exact = 1;
	int64_t wm, lastwm = INT64_MIN;
	int i, nf, keynull;
	uint8_t b0, b1;

	if (!ready) {
		struct tide_aggerr e;

		must(tide_aggspec_parse(&spec, AGGS, 4, &e) == 0);
		must(spec.nfields <= MAXF);
		must(tide_path_parse(&paths[0], "ts") == 0);
		must(tide_path_parse(&paths[1], "k") == 0);
		for (i = 0; i < spec.nfields; i++)
			paths[2 + i] = spec.paths[i];
		ready = 1;
	}
	nf = 2 + spec.nfields;
	if (size < 2)
		return 0;
	b0 = data[0];
	b1 = data[1];
	memset(&c, 0, sizeof(c));
	c.kind = (enum tide_win_kind)(b0 & 3);
	switch ((b0 >> 2) & 3) {
	case 1:
		c.emit = TIDE_EMIT_EARLY;
		c.early = 3;
		break;
	case 2:
		c.emit = TIDE_EMIT_EVERY;
		break;
	default:
		c.emit = TIDE_EMIT_FINAL;
		break;
	}
	switch (c.kind) {
	case TIDE_WIN_TUMBLE:
		c.size = 10;
		break;
	case TIDE_WIN_HOP:
		c.size = 10;
		c.every = 4;
		break;
	case TIDE_WIN_SESSION:
		c.gap = 5;
		break;
	case TIDE_WIN_OVER:
		c.size = 7;
		c.emit = TIDE_EMIT_FINAL;	/* tide-window refuses the others */
		c.exclude_current = (b0 & 0x20) != 0;
		break;
	}
	c.lateness = b0 & 0x10 ? 6 : 0;
	c.align = b0 & 0x40 ? aligns[b1 >> 5] : 0;
	c.max_keys = b0 & 0x80 ? 3 : 0;
	c.spec = &spec;
	unit = b1 & 8 ? TIDE_UNIT_AUTO : TIDE_UNIT_MS;
	keynull = (b1 & 16) != 0;

	fz_init(&f, &spec, &c);
	tide_win_init(&w, &c, emit, &f);
	tide_wm_init(&m, b1 & 7, 0);
	p = (const char *)data + 2;
	end = (const char *)data + size;
	for (; p < end; p = q + 1) {
		enum tide_json_type type;
		const void *ov = NULL;
		size_t len;
		int64_t t;
		int r, bad;

		if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL)
			q = end;
		len = (size_t)(q - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (tide_json_check(p, len, TIDE_JSON_MAXDEPTH, &type, NULL) < 0 ||
		    type != TIDE_JSON_OBJECT)
			continue;
		tide_json_get_many(p, len, paths, nf, jv);
		if (jv[0].type == TIDE_JSON_NONE ||
		    tide_time_from_json(&jv[0], unit, &t) < 0)
			continue;
		/* The key as tide-window makes it: JSON text, escapes in
		 * strings rewritten so equal strings are equal keys. */
		tide_buf_reset(&kb);
		if (jv[1].type == TIDE_JSON_NONE) {
			if (!keynull)
				continue;
			tide_buf_adds(&kb, "null");
		} else if (jv[1].type == TIDE_JSON_STRING &&
		    memchr(jv[1].p, '\\', jv[1].len)) {
			tide_buf_reset(&sb);
			if (tide_json_str(&jv[1], &sb) < 0)
				continue;
			tide_json_write_str(&kb, sb.data, sb.len);
		} else
			tide_buf_add(&kb, jv[1].p, jv[1].len);
		if (tide_agg_values(&spec, jv + 2, vals, &bad) < 0)
			continue;
		r = tide_win_add(&w, t, kb.data, kb.len, vals, &ov);
		must(r >= 0);
		must(r != TIDE_WIN_FULL || c.max_keys > 0);
		if (r == 0) {
			added++;
			if (c.kind == TIDE_WIN_TUMBLE) {
				/* The window a record belongs to, computed apart:
				 * start = align + n*size <= t < start + size. */
				__int128 x = (__int128)t - c.align, sn = x / c.size;

				if (x % c.size != 0 && x < 0)
					sn--;
				sn = sn * c.size + c.align;
				if (sn < INT64_MIN || sn + c.size > INT64_MAX)
					exact = 0;
				startsum += sn;
			}
			if (c.kind == TIDE_WIN_OVER) {
				struct tide_jobj j;
				struct tide_json_val cv;
				int64_t n;

				must(ov != NULL);
				tide_buf_reset(&ob);
				tide_jobj_append(&j, &ob, p, len);
				tide_agg_emit(&spec, ov, &j);
				tide_jobj_end(&j);
				must(tide_json_check(ob.data, ob.len,
				    TIDE_JSON_MAXDEPTH, &type, NULL) == 0 &&
				    type == TIDE_JSON_OBJECT);
				/* The record's own count, last one wins. */
				must(tide_json_get(ob.data, ob.len, &f.count,
				    &cv) == 1 && tide_json_int64(&cv, &n) == 0);
				must(n >= (c.exclude_current ? 0 : 1));
				outs++;
			} else
				must(ov == NULL);
		} else
			must(ov == NULL);
		wm = tide_wm_see(&m, NULL, 0, t, 0);
		must(wm >= lastwm);
		lastwm = wm;
		must(advance(&w, &f, wm) == 0);
	}

	/* Stopped here and started again from the state: the same windows. */
	tide_win_save(&w, &st);
	fz_init(&f2, &spec, &c);
	tide_win_init(&w2, &c, emit, &f2);
	q = st.data;
	must(tide_win_load(&w2, &q, st.data + st.len) == 0);
	must(q == st.data + st.len);
	f.capture = f2.capture = 1;
	f2.counted = f.counted;
	f2.startsum = f.startsum;
	must(flush(&w, &f) == 0);
	must(flush(&w2, &f2) == 0);
	must(f.out.len == f2.out.len && (f.out.len == 0 ||
	    memcmp(f.out.data, f2.out.data, f.out.len) == 0));
	must(tide_win_states(&w) == 0 && tide_win_keys(&w) == 0);
	must(tide_win_states(&w2) == 0 && tide_win_keys(&w2) == 0);

	if (c.kind == TIDE_WIN_OVER)
		must(outs == added);
	else if (c.lateness == 0 && (c.kind == TIDE_WIN_TUMBLE ||
	    c.kind == TIDE_WIN_SESSION))
		must(f.counted == added);
	/* Each record in the window that holds it, whatever the offset. */
	if (c.kind == TIDE_WIN_TUMBLE && c.lateness == 0 && exact)
		must(f.startsum == startsum);

	tide_win_release(&w2);
	fz_release(&f2);
	tide_win_release(&w);
	tide_wm_release(&m);
	fz_release(&f);
	tide_buf_release(&kb);
	tide_buf_release(&sb);
	tide_buf_release(&ob);
	tide_buf_release(&st);
	return 0;
}
