#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "bhold.h"
#include "err.h"
#include "xalloc.h"

void
tide_bhold_init(struct tide_bhold *h, size_t cap)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->cap = cap ? cap : TIDE_BHOLD_CAP;
	h->v = tide_xcalloc(h->cap, sizeof(*h->v));
	for (i = 0; i < h->cap; i++)
		tide_buf_init(&h->v[i].line, TIDE_BARRIER_MAXLINE);
}

void
tide_bhold_release(struct tide_bhold *h)
{
	size_t i;

	for (i = 0; h->v != NULL && i < h->cap; i++)
		tide_buf_release(&h->v[i].line);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

int
tide_bhold_push(struct tide_bhold *h, const char *line, size_t len,
    int64_t seq, int final, int64_t until, int64_t upto)
{
	struct tide_bhold_ent *e;
	int ret = 1;

	if (len > TIDE_BARRIER_MAXLINE)
		return TIDE_ETOOBIG;
	if (h->n == h->cap) {
		h->dropped++;
		if (!final)
			return 0;
		/* The final one must pass: it takes the newest's place. */
		h->n--;
		ret = 2;
	}
	e = &h->v[(h->first + h->n) % h->cap];
	tide_buf_reset(&e->line);
	if (tide_buf_add(&e->line, line, len) < 0)
		return TIDE_ETOOBIG;
	e->seq = seq;
	e->final = final;
	e->until = until;
	e->upto = upto;
	h->n++;
	return ret;
}

void
tide_bhold_pop(struct tide_bhold *h)
{
	if (h->n == 0)
		return;
	h->first = (h->first + 1) % h->cap;
	h->n--;
}
