#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad.h"
#include "err.h"
#include "jtable.h"
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
	return jfile_load(f, &f->jt.table, err);
}
