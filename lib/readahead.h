/*
 * Records read ahead of their join: a ring of TIDE_READAHEAD_RING stream
 * records between their reading (lib/recin: checked and looked up in one
 * pass) and their join, each keyed (tide_table_key()) and hashed on
 * entry.  With lag on, a record is joined TIDE_READAHEAD_LAG records after
 * it was read: on entry its table index slot is prefetched, LAG / 2
 * records later its table entry, so at its join both are (mostly) in
 * cache -- the read-ahead with a prefetch hook that lib/recin.h leaves to
 * its caller.  Records come out in the order they went in.
 *
 * Ownership: a record's line points into the reader's buffer, so the
 * caller drains the ring (tide_readahead_take() until NULL) before
 * anything that may move or refill that buffer: a read that may block,
 * one when tide_recin_buffered() says a read is needed, an oversized
 * line.  The ring owns each slot's key buffer and value array; a record
 * returned by tide_readahead_take() stays valid until the next
 * tide_readahead_vals().  Nothing is allocated per record (the value
 * arrays grow only when a new plan has more paths, with the ring empty).
 */
#ifndef TIDE_READAHEAD_H
#define TIDE_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "recin.h"
#include "table.h"

#define TIDE_READAHEAD_RING 16
#define TIDE_READAHEAD_LAG 8

/* A stream record between its reading and its join. */
struct tide_rarec {
	const char *line;		/* in the reader's buffer */
	size_t len;
	uint64_t lineno;
	enum tide_rec_err err;		/* the reader's verdict */
	struct tide_json_err jerr;
	struct tide_json_val *vals;	/* the plan's paths */
	struct tide_buf kb;		/* its key (kr 0) */
	int kr;				/* tide_table_key()'s result */
	uint64_t h;			/* the key's hash (hashed set) */
	int hashed;
};

struct tide_readahead {
	struct tide_rarec r[TIDE_READAHEAD_RING];
	unsigned head, n, lag;
	int nvals;			/* vals per record */
	int nkeys;			/* the key: vals[0..nkeys) */
	int hash;			/* hash keys (for an in-memory table) */
};

/*
 * Set up an empty ring for keys of nkeys values, each key at most maxkey
 * bytes.  hash: hash each key (a table in memory is to be looked up);
 * lag: hold records back to prefetch (needs hash).
 */
void tide_readahead_init(struct tide_readahead *ra, int nkeys, size_t maxkey,
    int hash, int lag);
void tide_readahead_release(struct tide_readahead *ra);

/* The values array for the next record, sized for npath paths. */
struct tide_json_val *tide_readahead_vals(struct tide_readahead *ra,
    int npath);

/* Take in the record in (its values looked up into the array
 * tide_readahead_vals() gave): key it, hash it, and prefetch its slot in t
 * and an earlier record's entry (with lag; t may be NULL without). */
void tide_readahead_add(struct tide_readahead *ra, const struct tide_rec *in,
    const struct tide_table *t);

/* The oldest record, taken out of the ring; NULL when it is empty. */
struct tide_rarec *tide_readahead_take(struct tide_readahead *ra);

/* Whether the oldest record is due for its join (more than the lag held). */
static inline int tide_readahead_due(const struct tide_readahead *ra) { return ra->n > ra->lag; }
static inline unsigned tide_readahead_count(const struct tide_readahead *ra) { return ra->n; }

#endif
