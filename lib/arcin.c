/* Archive input: see arcin.h. */
#include <sys/stat.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcin.h"
#include "envelope.h"
#include "err.h"
#include "printfmt.h"
#include "xalloc.h"

void
tide_arcin_init(struct tide_arcin *a, const struct tide_arcin_conf *conf,
    const char *path, int fileidx)
{
	memset(a, 0, sizeof(*a));
	a->conf = conf;
	a->path = path;
	a->fileidx = fileidx;
	a->all = 1;
}

int
tide_arcin_open(struct tide_arcin *a)
{
	const struct tide_arcin_conf *c = a->conf;
	int r;

	/* Archives may be zstd (stdin too); envelopes are checked by their
	 * decoder, records with a time field by the reader. */
	if ((r = tide_recin_open(&a->in, a->path, TIDE_RECIN_SNIFF_STDIN |
	    (c->timefield ? 0 : TIDE_RECIN_RAW), c->maxrec)) < 0)
		return r;
	if (c->timefield)
		tide_recin_set_paths(&a->in, c->timepath, 1);
	tide_env_dec_init(&a->dec, c->maxrec);
	a->open = 1;
	return 0;
}

void
tide_arcin_close(struct tide_arcin *a)
{
	if (!a->open)
		return;
	tide_recin_close(&a->in);
	tide_env_dec_release(&a->dec);
	a->open = 0;
}

int
tide_arcin_rereadable(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &st) < 0)
		return 1;
	return S_ISREG(st.st_mode);
}

int
tide_arcin_in_range(const struct tide_arcin_conf *c, int64_t ts)
{
	return (!c->have_from || ts >= c->from) && (!c->have_to || ts < c->to);
}

static int
bad(struct tide_arcin *a, const struct tide_rec *rec)
{
	a->bad = rec->p;
	a->badlen = rec->len;
	return TIDE_ARCIN_BAD;
}

int
tide_arcin_next(struct tide_arcin *a)
{
	const struct tide_arcin_conf *c = a->conf;
	struct tide_rec rec;
	struct tide_json_val v;
	int64_t ts;
	int r;

	for (;;) {
		r = tide_recin_next(&a->in, &rec, &v, -1);
		if (r == TIDE_EOF)
			return 0;
		if (r < 0)
			return r;
		if (rec.err) {
			tide_rec_reason(&rec, a->in.max, a->why,
			    sizeof(a->why));
			return bad(a, &rec);
		}
		if (c->timefield == NULL) {
			if (tide_env_decode(&a->dec, rec.p, rec.len) < 0) {
				snprintf(a->why, sizeof(a->why), "not an "
				    "envelope: %s", a->dec.reason);
				return bad(a, &rec);
			}
			if (a->dec.env.ts_type == TIDE_ENV_TS_NONE) {
				snprintf(a->why, sizeof(a->why), "%s",
				    "envelope has no time (\"ts\")");
				return bad(a, &rec);
			}
			a->key.ts = a->dec.env.ts;
			a->key.partition = a->dec.env.partition;
			a->key.offset = a->dec.env.offset >= 0 ?
			    a->dec.env.offset : (int64_t)rec.lineno;
		} else {
			/* Checked, and v looked up, by the reader. */
			if (v.type == TIDE_JSON_NONE) {
				char wa[160];

				snprintf(a->why, sizeof(a->why), "field '%s' "
				    "is missing%s", c->timefield,
				    tide_env_why_absent(rec.p, rec.len,
				    c->timepath, wa, sizeof(wa)));
				return bad(a, &rec);
			}
			if (tide_time_from_json(&v, c->unit, &ts) < 0) {
				snprintf(a->why, sizeof(a->why), "field '%s' "
				    "is not a time: %.*s", c->timefield,
				    (int)(v.len > 64 ? 64 : v.len), v.p);
				return bad(a, &rec);
			}
			a->tval = v;
			a->key.ts = ts;
			a->key.partition = a->fileidx;
			a->key.offset = (int64_t)rec.lineno;
		}
		if (!tide_arcin_in_range(c, a->key.ts))
			continue;
		if (!a->all && a->key.partition != a->partition)
			continue;
		a->line = rec.p;
		a->len = rec.len;
		return 1;
	}
}

/* Epoch units per ms of a number, as tide_time_from_epoch tells it. */
static double
unit_per_ms(enum tide_time_unit u, double v)
{
	if (u == TIDE_UNIT_AUTO) {
		double m = fabs(v);

		u = m < 1e11 ? TIDE_UNIT_S : m < 1e14 ? TIDE_UNIT_MS :
		    m < 1e17 ? TIDE_UNIT_US : TIDE_UNIT_NS;
	}
	return u == TIDE_UNIT_S ? 0.001 : u == TIDE_UNIT_MS ? 1 :
	    u == TIDE_UNIT_US ? 1000 : 1e6;
}

/* A plain record with its time field moved forward by shift ms, written
 * in the form it had. */
static int
shift_plain(const struct tide_arcin *a, struct tide_buf *b, int64_t shift)
{
	const struct tide_json_val *v = &a->tval;
	size_t pre = (size_t)(v->p - a->line);
	int64_t iv;
	double dv, per;
	char tb[32];
	int r;

	if ((r = tide_buf_add(b, a->line, pre)) < 0)
		return r;
	if (v->type == TIDE_JSON_STRING) {
		tide_buf_addc(b, '"');
		tide_buf_add(b, tb, tide_time_fmt(tb, a->key.ts + shift));
		r = tide_buf_addc(b, '"');
	} else {
		tide_json_double(v, &dv);
		per = unit_per_ms(a->conf->unit, dv);
		if (per >= 1 && tide_json_int64(v, &iv) == 0)
			r = tide_json_write_int(b, iv + shift * (int64_t)per);
		else
			r = tide_json_write_double(b, dv + (double)shift * per);
	}
	if (r < 0)
		return r;
	return tide_buf_add(b, v->p + v->len, a->len - pre - v->len);
}

int
tide_arcin_emit(const struct tide_arcin *a, struct tide_buf *b, int envelope,
    int64_t shift)
{
	struct tide_env e;

	if (a->conf->timefield)
		return shift ? shift_plain(a, b, shift) :
		    tide_buf_add(b, a->line, a->len);
	if (!envelope)
		return tide_env_payload(b, a->dec.env.value, a->dec.env.len,
		    NULL);
	e = a->dec.env;
	e.ts += shift;
	return tide_env_encode(b, &e);
}

int
tide_arcin_print(const struct tide_arcin *a, struct tide_printfmt *f,
    struct tide_buf *b, int64_t shift)
{
	struct tide_env e;
	int r;

	if (a->conf->timefield) {
		tide_buf_reset(&f->scratch);
		if ((r = tide_arcin_emit(a, &f->scratch, 0, shift)) < 0)
			return r;
		/* Its time is the event time. */
		tide_printfmt_env_rec(&e, f->scratch.data, f->scratch.len);
		e.ts = a->key.ts + shift;
		e.ts_type = TIDE_ENV_TS_CREATE;
		return tide_printfmt_write(f, &e, b);
	}
	e = a->dec.env;
	if (e.ts_type != TIDE_ENV_TS_NONE)
		e.ts += shift;
	return tide_printfmt_write(f, &e, b);
}

void
tide_arcscan_init(struct tide_arcscan *s)
{
	memset(s, 0, sizeof(*s));
	s->sorted = 1;
	s->prev.ts = INT64_MIN;
	s->prev.partition = INT32_MIN;
	s->prev.offset = INT64_MIN;
}

void
tide_arcscan_add(struct tide_arcscan *s, const struct tide_merge_key *k)
{
	size_t i;

	if (tide_merge_cmp(&s->prev, k) > 0)
		s->sorted = 0;
	s->prev = *k;
	/* A file holds a few partitions: a linear search. */
	for (i = 0; i < s->n; i++)
		if (s->v[i].partition == k->partition)
			break;
	if (i == s->n) {
		s->v = tide_xreallocarray(s->v, s->n + 1, sizeof(*s->v));
		s->v[i].partition = k->partition;
		s->v[i].records = 0;
		s->v[i].first_ts = k->ts;
		s->n++;
	}
	s->v[i].records++;
	s->v[i].last_ts = k->ts;
}

void
tide_arcscan_release(struct tide_arcscan *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
tide_arcscan_json(const struct tide_arcscan_part *p, const char *path,
    int with_partition, struct tide_buf *b)
{
	tide_buf_adds(b, "{\"file\":");
	tide_json_write_str(b, path, strlen(path));
	if (with_partition)
		tide_buf_addf(b, ",\"partition\":%" PRId32, p->partition);
	tide_buf_addf(b, ",\"records\":%" PRIu64 ",\"first_ts\":%" PRId64
	    ",\"last_ts\":%" PRId64 "}\n", p->records, p->first_ts,
	    p->last_ts);
}
