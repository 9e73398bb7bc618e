/*
 * A stream scored in micro-batches: see score.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "err.h"
#include "score.h"
#include "time.h"
#include "xalloc.h"

int
tide_score_open(struct tide_score *s, const char *path)
{
	int r;

	s->path = path;
	s->last = 1;
	s->status = 0;
	s->msg[0] = '\0';
	s->n = 0;
	if (s->batch < 1)
		s->batch = 1;
	/* The features' paths, then the appended name's: a record that has
	 * it already is found in the same pass. */
	s->rpaths = tide_xcalloc((size_t)s->nfeat + 1, sizeof(*s->rpaths));
	memcpy(s->rpaths, s->paths, (size_t)s->nfeat * sizeof(*s->rpaths));
	tide_path_name(&s->rpaths[s->nfeat], s->as);
	s->vals = tide_xcalloc((size_t)s->nfeat + 1, sizeof(*s->vals));
	s->line = tide_xcalloc(s->batch, sizeof(*s->line));
	s->len = tide_xcalloc(s->batch, sizeof(*s->len));
	s->x = tide_xcalloc(s->batch * (size_t)s->nfeat, sizeof(double));
	s->y = NULL;
	tide_score_set_nout(s, s->nout);
	tide_buf_init(&s->ob, s->maxrec + (1u << 20));
	if ((r = tide_recin_open(&s->in, path, 0, s->maxrec)) < 0) {
		snprintf(s->msg, sizeof(s->msg), "cannot open '%s': %s", path,
		    tide_recin_strerror(&s->in, r));
		return r;
	}
	tide_recin_set_paths(&s->in, s->rpaths, s->nfeat + 1);
	if (strcmp(path, "-") == 0) {
		if (s->idle)
			tide_recin_set_idle(&s->in, s->idle, s->idlectx);
		else
			tide_recin_set_idle(&s->in, tide_wout_idle, s->out);
	}
	return 0;
}

void
tide_score_close(struct tide_score *s)
{
	if (s->rpaths != NULL)
		tide_path_release(&s->rpaths[s->nfeat]);
	free(s->rpaths);
	free(s->vals);
	free(s->line);
	free(s->len);
	free(s->x);
	free(s->y);
	s->rpaths = NULL;
	s->vals = NULL;
	s->line = NULL;
	s->len = NULL;
	s->x = s->y = NULL;
	tide_buf_release(&s->ob);
	tide_recin_close(&s->in);
}

void
tide_score_set_nout(struct tide_score *s, int nout)
{
	s->nout = nout;
	free(s->y);
	s->y = tide_xcalloc(s->batch * (size_t)nout, sizeof(double));
}

/* Write record i of the batch with its values appended: 0 or TIDE_EIO. */
static int
write_one(struct tide_score *s, size_t i)
{
	const double *y = s->y + i * (size_t)s->nout;
	struct tide_jobj o;
	int k, r;

	s->ob.len = 0;
	r = tide_jobj_append(&o, &s->ob, s->line[i], s->len[i]);
	if (r == 0)
		r = tide_jobj_key(&o, s->as, strlen(s->as));
	if (r == 0 && s->nout == 1)
		r = tide_json_write_double(&s->ob, y[0]);
	else if (r == 0) {
		r = tide_buf_add(&s->ob, "[", 1);
		for (k = 0; r == 0 && k < s->nout; k++) {
			if (k > 0)
				r = tide_buf_add(&s->ob, ",", 1);
			if (r == 0)
				r = tide_json_write_double(&s->ob, y[k]);
		}
		if (r == 0)
			r = tide_buf_add(&s->ob, "]", 1);
	}
	if (r == 0)
		r = tide_jobj_end(&o);
	if (r < 0) {
		snprintf(s->msg, sizeof(s->msg), "line too long with its "
		    "score: over %zu bytes", s->ob.max);
		return TIDE_EIO;
	}
	if (tide_wout_rec(s->out, s->ob.data, s->ob.len) < 0) {
		snprintf(s->msg, sizeof(s->msg), "write error: %s",
		    tide_strerror(s->out->err));
		return TIDE_EIO;
	}
	return 0;
}

int
tide_score_drain(struct tide_score *s)
{
	size_t i;
	double us;
	int r;

	if (s->n == 0)
		return 0;
	if ((r = s->predict(s->predctx, s->x, s->n, s->y, s->msg,
	    sizeof(s->msg))) != 0) {
		s->status = r < 0 ? r : TIDE_EINVAL;
		s->n = 0;
		return 1;
	}
	for (i = 0; i < s->n; i++)
		if ((r = write_one(s, i)) < 0) {
			s->status = r;
			s->n = 0;
			return 1;
		}
	s->nscored += s->n;
	s->nbatch++;
	if (s->lat != NULL) {
		us = (double)(tide_mono_us() - s->t0);
		if (us < 1)
			us = 1;	/* a sketch of positive values */
		for (i = 0; i < s->n; i++)
			tide_dds_add(s->lat, us);
	}
	s->n = 0;
	return 0;
}

/* A value for a message: at most 40 bytes of it. */
#define SHOW(v) (int)((v)->len > 40 ? 40 : (v)->len), (v)->p, \
	(v)->len > 40 ? "..." : ""

/* Row i of the batch from the record's values: 0, or -1 with why. */
static int
features(struct tide_score *s, double *x, char *why, size_t n)
{
	const struct tide_json_val *v = s->vals;
	int i;

	if (v[s->nfeat].type != TIDE_JSON_NONE) {
		snprintf(why, n, "already has a field '%s'", s->as);
		return -1;
	}
	for (i = 0; i < s->nfeat; i++, v++)
		switch (v->type) {
		case TIDE_JSON_NUMBER:
			if (tide_json_double(v, &x[i]) < 0 || !isfinite(x[i])) {
				snprintf(why, n, "feature '%s' is out of range: "
				    "%.*s%s", s->paths[i].text, SHOW(v));
				return -1;
			}
			break;
		case TIDE_JSON_TRUE:
			x[i] = 1;
			break;
		case TIDE_JSON_FALSE:
			x[i] = 0;
			break;
		case TIDE_JSON_NONE:
		case TIDE_JSON_NULL:
			if (s->missing_bad || !s->nan_ok) {
				snprintf(why, n, "feature '%s' is %s%s",
				    s->paths[i].text, v->type == TIDE_JSON_NONE ?
				    "missing" : "null", s->missing_bad ? "" :
				    " (the model takes no missing values)");
				return -1;
			}
			x[i] = NAN;
			break;
		default:
			snprintf(why, n, "feature '%s' is not a number: %.*s%s",
			    s->paths[i].text, SHOW(v));
			return -1;
		}
	return 0;
}

int
tide_score_next(struct tide_score *s, int timeout_ms)
{
	struct tide_rec rr;
	char why[512];
	int r;

	/* The batch points into the reader's buffer: score it before a read
	 * may move it, or block. */
	if (s->n > 0 && (s->last != 1 || !tide_recin_buffered(&s->in)) &&
	    tide_score_drain(s) != 0)
		return 1;
	r = tide_recin_next(&s->in, &rr, s->vals, timeout_ms);
	if (r == TIDE_EOF || r == TIDE_EINTR || r == TIDE_EAGAIN)
		return r;
	if (r == TIDE_EFORMAT) {
		snprintf(s->msg, sizeof(s->msg), "%s: not a valid zstd file",
		    s->path);
		return r;
	}
	if (r == TIDE_EIO && !s->out->err) {
		snprintf(s->msg, sizeof(s->msg), "%s: read error: %s", s->path,
		    tide_recin_strerror(&s->in, r));
		return r;
	}
	if (r != 1) {
		/* The idle hook's flush failed (TIDE_EPIPE: the reader went
		 * away), or another code of the caller's hook. */
		snprintf(s->msg, sizeof(s->msg), "write error: %s",
		    tide_strerror(r));
		s->status = TIDE_EIO;
		return 1;
	}
	s->last = rr.err == TIDE_REC_TOOBIG ? TIDE_ETOOBIG : r;
	if (__builtin_expect(tide_barrier_is(rr.p, rr.len), 0)) {
		if (tide_score_drain(s) != 0)
			return 1;
		s->bar = rr.p;
		s->barlen = rr.len;
		s->barlineno = rr.lineno;
		return TIDE_SCORE_BARRIER;
	}
	s->nin++;
	if (rr.err == TIDE_REC_OK && features(s, s->x + s->n *
	    (size_t)s->nfeat, why, sizeof(why)) == 0) {
		if (s->n == 0 && s->lat != NULL)
			s->t0 = tide_mono_us();
		s->line[s->n] = rr.p;
		s->len[s->n] = rr.len;
		if (++s->n == s->batch && tide_score_drain(s) != 0)
			return 1;
		return 0;
	}
	if (rr.err != TIDE_REC_OK)
		tide_rec_reason(&rr, s->maxrec, why, sizeof(why));
	/* In order: what was read before it is out first. */
	if (tide_score_drain(s) != 0)
		return 1;
	if ((r = s->bad(s->ctx, s->path, rr.lineno, rr.p, rr.len, why)) != 0) {
		s->status = r;
		return 1;
	}
	return 0;
}
