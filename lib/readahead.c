/*
 * Records read ahead of their join: see readahead.h.
 */
#include <stdlib.h>
#include <string.h>

#include "readahead.h"
#include "xalloc.h"

void
tide_readahead_init(struct tide_readahead *ra, int nkeys, size_t maxkey,
    int hash, int lag)
{
	int i;

	memset(ra, 0, sizeof(*ra));
	ra->nkeys = nkeys;
	ra->hash = hash;
	ra->lag = hash && lag ? TIDE_READAHEAD_LAG : 0;
	for (i = 0; i < TIDE_READAHEAD_RING; i++)
		tide_buf_init(&ra->r[i].kb, maxkey);
}

void
tide_readahead_release(struct tide_readahead *ra)
{
	int i;

	for (i = 0; i < TIDE_READAHEAD_RING; i++) {
		tide_buf_release(&ra->r[i].kb);
		free(ra->r[i].vals);
	}
	memset(ra, 0, sizeof(*ra));
}

struct tide_json_val *
tide_readahead_vals(struct tide_readahead *ra, int npath)
{
	int i;

	if (ra->nvals < npath) {
		/* A new plan (after a reload): the ring is empty. */
		for (i = 0; i < TIDE_READAHEAD_RING; i++)
			ra->r[i].vals = tide_xreallocarray(ra->r[i].vals,
			    (size_t)npath, sizeof(*ra->r[i].vals));
		ra->nvals = npath;
	}
	return ra->r[(ra->head + ra->n) % TIDE_READAHEAD_RING].vals;
}

void
tide_readahead_add(struct tide_readahead *ra, const struct tide_rec *in,
    const struct tide_table *t)
{
	struct tide_rarec *rec;

	rec = &ra->r[(ra->head + ra->n++) % TIDE_READAHEAD_RING];
	rec->line = in->p;
	rec->len = in->len;
	rec->lineno = in->lineno;
	rec->err = in->err;
	rec->jerr = in->jerr;
	rec->hashed = 0;
	if (!rec->err) {
		rec->kr = tide_table_key(&rec->kb, rec->vals, ra->nkeys);
		if (rec->kr == 0 && ra->hash) {
			rec->h = tide_table_hash(rec->kb.data, rec->kb.len);
			rec->hashed = 1;
			if (ra->lag)
				tide_table_prefetch_slot(t, rec->h);
		}
	}
	if (ra->lag && ra->n > ra->lag / 2) {
		rec = &ra->r[(ra->head + ra->n - 1 - ra->lag / 2) %
		    TIDE_READAHEAD_RING];
		if (rec->hashed)
			tide_table_prefetch_entry(t, rec->h);
	}
}

struct tide_rarec *
tide_readahead_take(struct tide_readahead *ra)
{
	struct tide_rarec *rec;

	if (ra->n == 0)
		return NULL;
	rec = &ra->r[ra->head];
	ra->head = (ra->head + 1) % TIDE_READAHEAD_RING;
	ra->n--;
	return rec;
}
