#include <stdlib.h>
#include <string.h>

#include "ijoin.h"
#include "xalloc.h"

/* Per key: each side's records in arrival order. */
struct ijkey {
	struct tide_ijoin_rec *head[2], *tail[2];
};

void
tide_ijoin_init(struct tide_ijoin *j, int64_t within)
{
	memset(j, 0, sizeof(*j));
	j->within = within;
	tide_htab_init(&j->keys, sizeof(struct ijkey));
	tide_heap_init(&j->order);
}

void
tide_ijoin_release(struct tide_ijoin *j)
{
	struct tide_heap_ent e;

	while (tide_heap_pop(&j->order, &e))
		free(e.item);
	tide_heap_release(&j->order);
	tide_htab_release(&j->keys);
	memset(j, 0, sizeof(*j));
}

int
tide_ijoin_add(struct tide_ijoin *j, int side, const char *key,
    size_t klen, int64_t ts, const char *rec, size_t len,
    tide_ijoin_match_fn match, void *ctx)
{
	struct tide_ijoin_rec *r, *p;
	struct ijkey *k;
	int isnew, ret = 0, other = !side;

	r = tide_xmalloc(sizeof(*r) + klen + len);
	r->next = NULL;
	r->ts = ts;
	r->seq = j->seq++;
	r->side = side;
	r->matched = 0;
	r->klen = klen;
	r->len = len;
	memcpy(r->data, key, klen);
	memcpy(r->data + klen, rec, len);
	k = tide_htab_put(&j->keys, key, klen, &isnew);
	if (isnew)
		memset(k, 0, sizeof(*k));
	/* match() must not touch the table, so k stays valid. */
	for (p = k->head[other]; p != NULL; p = p->next) {
		int64_t d = p->ts > ts ? p->ts - ts : ts - p->ts;

		if (d < 0 || d > j->within)
			continue;	/* d < 0: the difference overflowed */
		p->matched = r->matched = 1;
		if (ret == 0)
			ret = side == TIDE_IJOIN_LEFT ? match(ctx, r, p) :
			    match(ctx, p, r);
	}
	if (k->tail[side])
		k->tail[side]->next = r;
	else
		k->head[side] = r;
	k->tail[side] = r;
	tide_heap_push(&j->order, ts, r->seq, r);
	j->nrec++;
	j->nside[side]++;
	j->bytes += sizeof(*r) + klen + len;
	if (j->nrec > j->peak)
		j->peak = j->nrec;
	return ret;
}

int
tide_ijoin_advance(struct tide_ijoin *j, int64_t wm,
    tide_ijoin_expire_fn expire, void *ctx)
{
	const struct tide_heap_ent *top;
	struct tide_heap_ent e;
	struct tide_ijoin_rec *r, **pp;
	struct ijkey *k;
	int ret = 0, r2;

	while ((top = tide_heap_top(&j->order)) != NULL) {
		r = top->item;
		/* ts + within < wm, without overflowing. */
		if (wm != INT64_MAX && (wm < INT64_MIN + j->within ||
		    r->ts >= wm - j->within))
			break;
		tide_heap_pop(&j->order, &e);
		if (expire && (r2 = expire(ctx, r)) != 0 && ret == 0)
			ret = r2;
		/* Records leave in time order, but a key's list is in arrival
		 * order: unlink wherever it is (lists are short: the key's
		 * records within the interval). */
		k = tide_htab_get(&j->keys, r->data, r->klen);
		for (pp = &k->head[r->side]; *pp != r; pp = &(*pp)->next)
			;
		*pp = r->next;
		if (k->tail[r->side] == r) {
			struct tide_ijoin_rec *t = k->head[r->side];

			while (t && t->next)
				t = t->next;
			k->tail[r->side] = t;
		}
		if (k->head[0] == NULL && k->head[1] == NULL)
			tide_htab_del(&j->keys, r->data, r->klen);
		j->nrec--;
		j->nside[r->side]--;
		j->bytes -= sizeof(*r) + r->klen + r->len;
		free(r);
	}
	if (tide_htab_waste(&j->keys) > (1u << 20))
		tide_htab_compact(&j->keys);
	return ret;
}
