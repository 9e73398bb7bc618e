/*
 * Barriers a stage holds back (doc/DELIVERY.md, "What each stage does with
 * a barrier"): tide-window without --state passes a barrier on only once
 * every window open when it arrived has fired, so the barriers read in the
 * meantime wait here, in arrival order, each with the event time the
 * watermark must reach first.
 *
 * A small FIFO of at most cap barriers whose memory is set up once: each
 * slot keeps a copy of its barrier line in a buffer that grows to the
 * longest line it has held and is reused, so holding a barrier allocates
 * nothing in the steady state.  When it is full the newest arriving barrier
 * is dropped (tide_bhold_push() says so): acknowledgements are cumulative,
 * so a dropped barrier only delays commits until a later one passes.  A
 * final barrier is never dropped: it takes the newest held one's slot.
 *
 * The struct is the caller's, used from one thread.  Nothing here prints.
 */
#ifndef TIDE_BHOLD_H
#define TIDE_BHOLD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TIDE_BHOLD_CAP 64	/* as many as a head keeps pending */

struct tide_bhold_ent {
	int64_t seq;
	int final;
	int64_t until;		/* passes once the watermark is >= this */
	int64_t upto;		/* windows starting at or before this hold it */
	struct tide_buf line;	/* the barrier line, without its newline */
};

struct tide_bhold {
	struct tide_bhold_ent *v;
	size_t cap, first, n;
	uint64_t dropped;	/* barriers dropped because it was full */
};

/* Make h an empty FIFO of cap barriers (0: TIDE_BHOLD_CAP). */
void tide_bhold_init(struct tide_bhold *h, size_t cap);
void tide_bhold_release(struct tide_bhold *h);

/*
 * Hold the barrier line[0..len) (no newline), seq, final, until and upto
 * as in struct tide_bhold_ent.  1 when held at the tail; 0 when dropped
 * (full, not final); 2 when full and final: it replaced the newest held
 * barrier, which is dropped instead.  TIDE_ETOOBIG past
 * TIDE_BARRIER_MAXLINE bytes.
 */
int tide_bhold_push(struct tide_bhold *h, const char *line, size_t len,
    int64_t seq, int final, int64_t until, int64_t upto);

/* The oldest held barrier, or NULL; valid until the next push or pop. */
static inline struct tide_bhold_ent *
tide_bhold_head(struct tide_bhold *h)
{
	return h->n ? &h->v[h->first] : NULL;
}

/* The newest held barrier, or NULL; valid until the next push or pop. */
static inline struct tide_bhold_ent *
tide_bhold_tail(struct tide_bhold *h)
{
	return h->n ? &h->v[(h->first + h->n - 1) % h->cap] : NULL;
}

/* Forget the oldest held barrier (none held: nothing). */
void tide_bhold_pop(struct tide_bhold *h);

static inline size_t
tide_bhold_count(const struct tide_bhold *h)
{
	return h->n;
}

#endif
