/*
 * struct tide_ijoin: the state of an interval join of two streams (left
 * and right): each record joins the other side's records of the same key
 * whose event times lie within +-within ms of its own.
 *
 * The caller feeds records in its processing order and advances the
 * watermark; the module keeps each record until the watermark passes
 * ts + within -- after that no record it could join can still arrive
 * (the caller treats anything older than the watermark as late) -- so the
 * state is bounded by the interval and the watermark, not by the streams.
 * Records are copied in (one allocation each, freed at eviction).
 *
 * Callbacks: match() for each pair as it forms, partners in their arrival
 * order; expire() for each record as it is evicted, in (time, arrival)
 * order, saying whether it ever matched -- so a left join can write an
 * unmatched record once, after its interval has closed, and never a null
 * before a real match.
 */
#ifndef TIDE_IJOIN_H
#define TIDE_IJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "htab.h"

enum tide_ijoin_side { TIDE_IJOIN_LEFT = 0, TIDE_IJOIN_RIGHT = 1 };

/* A stored record, as the callbacks see it. */
struct tide_ijoin_rec {
	struct tide_ijoin_rec *next;	/* in its key's list, arrival order */
	int64_t ts;
	uint64_t seq;
	int side, matched;
	size_t klen, len;
	char data[];			/* key bytes, then the record */
};

static inline const char *tide_ijoin_rec_line(const struct tide_ijoin_rec *r) { return r->data + r->klen; }

/* A pair: the left record and the right one.  Non-zero stops the add. */
typedef int (*tide_ijoin_match_fn)(void *ctx, const struct tide_ijoin_rec *l,
    const struct tide_ijoin_rec *r);
typedef int (*tide_ijoin_expire_fn)(void *ctx, const struct tide_ijoin_rec *rec);

struct tide_ijoin {
	int64_t within;
	struct tide_htab keys;		/* key -> struct tide_ijoin_key */
	struct tide_heap order;		/* every stored record by (ts, seq) */
	uint64_t seq;
	size_t nrec, bytes, peak;	/* records and bytes held, most held */
	size_t nside[2];		/* records held per side */
};

void tide_ijoin_init(struct tide_ijoin *j, int64_t within);
void tide_ijoin_release(struct tide_ijoin *j);

/*
 * Join the record rec[0..len) of side with key[0..klen) at time ts against
 * the stored records of the other side (match() per pair), then store it.
 * Returns 0 or the first non-zero match() result (the record is stored
 * either way).
 */
int tide_ijoin_add(struct tide_ijoin *j, int side, const char *key,
    size_t klen, int64_t ts, const char *rec, size_t len,
    tide_ijoin_match_fn match, void *ctx);

/*
 * Evict every record with ts + within < wm (INT64_MAX: all), calling
 * expire() (may be NULL) for each first.  Returns 0 or the first non-zero
 * expire() result (eviction goes on regardless).
 */
int tide_ijoin_advance(struct tide_ijoin *j, int64_t wm,
    tide_ijoin_expire_fn expire, void *ctx);

#endif
