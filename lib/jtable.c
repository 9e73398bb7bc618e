#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad.h"
#include "buf.h"
#include "csvrec.h"
#include "err.h"
#include "json.h"
#include "jtable.h"
#include "recin.h"
#include "time.h"
#include "xalloc.h"

void
tide_jtable_say(struct tide_jtable *jt, enum tide_jtable_level level,
    const char *fmt, ...)
{
	char msg[1100];
	va_list ap;

	if (jt->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jt->say(jt->ctx, level, msg);
}

int
tide_jtable_reload(struct tide_jtable *jt, struct tide_jtable_err *err)
{
	memset(err, 0, sizeof(*err));
	return jt->ops->reload(jt, err);
}

void
tide_jtable_stats(struct tide_jtable *jt, struct tide_jtable_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (jt)
		jt->ops->stats(jt, s);
}

static void
free_table(struct tide_table *t)
{
	if (t) {
		tide_table_release(t);
		free(t);
	}
}

void
tide_jtable_commit(struct tide_jtable *jt)
{
	if (jt->next) {
		free_table(jt->table);
		jt->table = jt->next;
		jt->next = NULL;
	}
}

void
tide_jtable_drop(struct tide_jtable *jt)
{
	free_table(jt->next);
	jt->next = NULL;
}

void
tide_jtable_close(struct tide_jtable *jt)
{
	if (jt) {
		tide_jtable_drop(jt);
		jt->ops->close(jt);
	}
}

/* The file table. */

static int
jfile_bad(void *ctx, uint64_t lineno, const char *msg)
{
	struct tide_jfile *f = ctx;

	f->badrows++;
	if (f->strict || f->badrows <= TIDE_BAD_SHOWN)
		tide_jtable_say(&f->jt, TIDE_JTABLE_WARN, "%s: line %llu: %s",
		    f->path, (unsigned long long)lineno, msg);
	if (f->badrows == TIDE_BAD_SHOWN && !f->strict)
		tide_jtable_say(&f->jt, TIDE_JTABLE_WARN, "%s: further bad "
		    "rows are counted, not shown", f->path);
	return f->strict;
}

/* The first row ends the header read: a negative code stops the parser
 * (a positive one would not, and the whole table would be parsed twice). */
static int
first_row(void *ctx, const struct tide_csv_row *row)
{
	(void)ctx;
	(void)row;
	return TIDE_EOF;
}

/* Whether what[i] (a field path) names a column of c's header. */
static int
in_header(const struct tide_csv *c, const char *what)
{
	struct tide_path p;
	const char *name;
	size_t len;
	int i, found = 0;

	if (tide_path_parse(&p, what) < 0)
		return 1;	/* the table's own check says why */
	for (i = 0; p.nseg == 1 && i < c->nhdr && !found; i++) {
		name = tide_csv_name(c, i, &len);
		found = len == p.seg[0].len && memcmp(name, p.seg[0].name,
		    len) == 0;
	}
	tide_path_release(&p);
	return found;
}

/* Whether line[0..len) (a JSON object) has the field path what. */
static int
in_row(const char *line, size_t len, const char *what)
{
	struct tide_json_val v;
	struct tide_path p;

	if (tide_path_parse(&p, what) < 0)
		return 1;
	tide_json_get(line, len, &p, &v);
	tide_path_release(&p);
	return v.type != TIDE_JSON_NONE;
}

/*
 * Before the load: a key or --select field that a CSV table's header
 * lacks is a usage error (TIDE_EINVAL, err->usage); an NDJSON table has
 * no header, so a --select field its first row lacks is said once (rows
 * without it join as null).  Standard input is not read twice: not
 * checked.  0, or TIDE_EINVAL.
 */
static int
jfile_check_fields(struct tide_jfile *f, struct tide_jtable_err *err)
{
	const struct tide_table_spec *sp = &f->spec;
	enum tide_table_fmt fmt = f->fmt == TIDE_TABLE_AUTO ?
	    tide_table_fmt_of(f->path) : f->fmt;
	struct tide_recin in;
	struct tide_csv c;
	struct tide_rec rec;
	struct tide_buf names = TIDE_BUF_INIT;
	const char *what = NULL, *why = NULL, *name;
	size_t len;
	int i, readerr, r = 0;

	if (strcmp(f->path, "-") == 0)
		return 0;
	if (tide_recin_open(&in, f->path, TIDE_RECIN_RAW |
	    TIDE_RECIN_SKIP_BLANK, 0) < 0) {
		tide_recin_close(&in);
		return 0;	/* the load says why it cannot be read */
	}
	if (fmt == TIDE_TABLE_CSV) {
		tide_csv_init(&c, TIDE_CSV_EMPTY_NULL, in.max, first_row, NULL);
		tide_recin_csv(&in, &c, &readerr);
		for (i = 0; c.nhdr > 0 && i < sp->nkeys + sp->ncols && !what;
		    i++) {
			what = i < sp->nkeys ? sp->keys[i] :
			    sp->cols[i - sp->nkeys];
			why = i < sp->nkeys ? "the key" : "--select";
			if (in_header(&c, what))
				what = NULL;
		}
		for (i = 0; what && i < c.nhdr; i++) {
			name = tide_csv_name(&c, i, &len);
			tide_buf_add(&names, ",", i > 0);
			tide_buf_add(&names, name, len);
		}
		if (what) {
			snprintf(err->msg, sizeof(err->msg), "table '%s' has no "
			    "column '%s' for %s: its header is %.*s",
			    f->jt.label, what, why, (int)(names.len > 300 ? 300 :
			    names.len), names.len ? names.data : "");
			err->usage = 1;
			r = TIDE_EINVAL;
		}
		tide_buf_release(&names);
		tide_csv_release(&c);
	} else if (tide_recin_next(&in, &rec, NULL, -1) == 1 &&
	    rec.err == TIDE_REC_OK)
		for (i = 0; i < sp->ncols; i++)
			if (!in_row(rec.p, rec.len, sp->cols[i]))
				tide_jtable_say(&f->jt, TIDE_JTABLE_WARN, "table "
				    "'%s': its first row has no field '%s' "
				    "(--select): rows without it join as null",
				    f->jt.label, sp->cols[i]);
	tide_recin_close(&in);
	return r;
}

/* Load the file into a new table: *out, or a code with err. */
static int
jfile_load(struct tide_jfile *f, struct tide_table **out,
    struct tide_jtable_err *err)
{
	struct tide_table_rowerr rerr;
	struct tide_table *t = tide_xcalloc(1, sizeof(*t));
	int64_t t0 = tide_mono_us();
	int r;

	f->badrows = 0;
	memset(err, 0, sizeof(*err));
	if ((r = tide_table_init(t, &f->spec, &rerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", rerr.msg);
		err->usage = 1;
		free_table(t);
		return r;
	}
	/* --max-record bounds stream records; table rows keep the default. */
	r = tide_table_load(t, f->path, f->fmt, 0, jfile_bad, f, &rerr);
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "table '%s': %s",
		    f->jt.label, rerr.msg);
		free_table(t);
		return r;
	}
	if (f->badrows > TIDE_BAD_SHOWN)
		tide_jtable_say(&f->jt, TIDE_JTABLE_WARN, "table '%s': %d bad "
		    "rows skipped", f->jt.label, f->badrows);
	/* Nothing to join with, though there were rows: an error of its
	 * own (the stream's records are judged apart, lib/bad.h). */
	if (t->rows == 0 && f->badrows > 0) {
		snprintf(err->msg, sizeof(err->msg), "table '%s': no good rows "
		    "(%d bad)", f->jt.label, f->badrows);
		free_table(t);
		return TIDE_EINVAL;
	}
	f->jt.loadms = (tide_mono_us() - t0) / 1000;
	tide_jtable_say(&f->jt, TIDE_JTABLE_INFO, "table '%s': %llu rows, %zu "
	    "keys, %llu versions, %zu bytes, loaded in %lld ms", f->jt.label,
	    (unsigned long long)t->rows, tide_table_nkeys(t),
	    (unsigned long long)t->versions, tide_table_bytes(t),
	    (long long)f->jt.loadms);
	*out = t;
	return 0;
}

static int
jfile_reload(struct tide_jtable *jt, struct tide_jtable_err *err)
{
	tide_jtable_drop(jt);
	return jfile_load((struct tide_jfile *)jt, &jt->next, err);
}

static void
jfile_stats(struct tide_jtable *jt, struct tide_jtable_stats *s)
{
	if (jt->table) {
		s->rows = jt->table->rows;
		s->versions = jt->table->versions;
		s->keys = tide_table_nkeys(jt->table);
		s->bytes = tide_table_bytes(jt->table);
	}
}

static void
jfile_close(struct tide_jtable *jt)
{
	free_table(jt->table);
	jt->table = NULL;
}

static const struct tide_jtable_ops jfile_ops = {
	"file", jfile_reload, jfile_stats, jfile_close,
};

int
tide_jfile_open(struct tide_jfile *f, const struct tide_joinconf *c,
    tide_jtable_say_fn say, void *ctx, struct tide_jtable_err *err)
{
	memset(f, 0, sizeof(*f));
	memset(err, 0, sizeof(*err));
	f->jt.ops = &jfile_ops;
	f->jt.label = c->table;
	f->jt.say = say;
	f->jt.ctx = ctx;
	f->path = c->table;
	f->fmt = c->fmt;
	f->strict = c->strict;
	tide_joinconf_table_spec(c, &f->spec);
	if (jfile_check_fields(f, err) < 0)
		return TIDE_EINVAL;
	return jfile_load(f, &f->jt.table, err);
}
