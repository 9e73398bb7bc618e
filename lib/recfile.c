/* One input file read as records: see recfile.h. */
#include <string.h>

#include "csvrec.h"
#include "err.h"
#include "recfile.h"
#include "sig.h"

struct csvctx {
	const struct tide_recfile_cb *cb;
	int stop;
};

static int
csv_row(void *ctx, const struct tide_csv_row *row)
{
	struct csvctx *c = ctx;
	int r;

	if (tide_sig_stops())
		return TIDE_EINTR;
	if (row->err)
		/* The row's own bytes; none when it was longer than the
		 * maximum, as for an NDJSON line. */
		r = c->cb->bad(c->cb->ctx, row->line, row->raw ? row->raw : "",
		    row->rawlen, row->reason);
	else {
		if (c->cb->lineno)
			*c->cb->lineno = row->line;
		r = c->cb->rec(c->cb->ctx, row->rec, row->len);
	}
	if (r > 0) {
		c->stop = r;
		return TIDE_EINTR;
	}
	return 0;
}

static int
read_csv(struct tide_recin *in, size_t max, const struct tide_recfile_cb *cb,
    struct tide_recfile_err *err)
{
	struct csvctx c = { cb, 0 };
	struct tide_csv csv;
	int r, readerr;

	tide_csv_init(&csv, 0, max, csv_row, &c);
	r = tide_recin_csv(in, &csv, &readerr);
	if (readerr) {
		err->readerr = 1;
		err->code = r;
	} else if (r < 0 && r != TIDE_EINTR && r != TIDE_EOF) {
		err->line = csv.errline;
		err->reason = csv.reason ? csv.reason : tide_strerror(r);
	}
	tide_csv_release(&csv);
	if (c.stop)
		return c.stop;
	if (r == TIDE_EOF)
		return 0;
	return r < 0 ? r : 0;
}

int
tide_recfile_read(struct tide_recin *in, int csv, size_t max,
    const struct tide_recfile_cb *cb, struct tide_recfile_err *err)
{
	struct tide_rec rec;
	char why[300];
	int r;

	memset(err, 0, sizeof(*err));
	if (csv)
		return read_csv(in, max, cb, err);
	for (;;) {
		if (tide_sig_stops())
			return TIDE_EINTR;
		r = tide_recin_next(in, &rec, cb->vals, -1);
		if (r == TIDE_EOF)
			return 0;
		if (r == TIDE_EINTR)
			continue;
		if (r < 0) {
			err->readerr = 1;
			err->code = r;
			return r;
		}
		if (rec.err)
			r = cb->bad(cb->ctx, rec.lineno, rec.p, rec.len,
			    tide_rec_reason(&rec, max, why, sizeof(why)));
		else {
			if (cb->lineno)
				*cb->lineno = rec.lineno;
			r = cb->rec(cb->ctx, rec.p, rec.len);
		}
		if (r > 0)
			return r;
	}
}
