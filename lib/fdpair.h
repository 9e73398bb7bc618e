/*
 * Feature diff pairing: which record of LEFT goes with which of RIGHT,
 * for lib/fdiff to compare.  Records with equal keys (tide_fdiff_key())
 * pair in their order of appearance: the first of a key in LEFT with the
 * first in RIGHT, and so on; what is left over of a key on either side
 * has no partner.
 *
 * The two sides are sources behind one operation (struct tide_fdsrc):
 * a file, stdin, a Kafka range or a spilled partition alike, each handing
 * out a validated record (struct tide_fdrec, lib/fdiff.h) with its place
 * and encoded key, valid until its next call.
 *
 * Two ways to pair:
 *   - tide_fdpair_sorted(): both sides sorted by key
 *     (tide_fdiff_keycmp()), merged as they are read: constant memory, one
 *     key comparison per record more to check the order, which it does as
 *     it goes (a key before its predecessor is TIDE_ERANGE, naming the
 *     side and line);
 *   - tide_fdpair_hashed(): RIGHT is read into memory, indexed by key, and
 *     LEFT streamed past it.  When what RIGHT holds (its records, their
 *     index) grows past max_memory, both sides are written out into
 *     NPART temporary files by key hash and diffed partition by
 *     partition, each the same way (a partition still too large is split
 *     again, by other bits of the hash: TIDE_FDPAIR_LEVELS levels in all,
 *     the last never split, so 16^3 partitions at most; past that one is
 *     held whatever its size).  A spilled run writes and reads
 *     each record once more per level, and gives its examples partition by
 *     partition, not in input order.
 *
 * Temporary files are created in tmpdir and unlinked at once, so nothing
 * is left behind, whatever ends the program.
 */
#ifndef TIDE_FDPAIR_H
#define TIDE_FDPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "fdiff.h"

#define TIDE_FDPAIR_NPART 16
#define TIDE_FDPAIR_LEVELS 4

/* next(): 1 with *rec (valid until the next call), 0 at the end, or a
 * negative TIDE_E* code (the source keeps what it needs to explain it). */
struct tide_fdsrc {
	int (*next)(void *ctx, struct tide_fdrec *rec);
	void *ctx;
};

struct tide_fdpair_conf {
	size_t max_memory;	/* what RIGHT may hold; 0: no limit */
	const char *tmpdir;	/* for spilled partitions */
	unsigned spills;	/* out: partitions files written (levels x NPART) */
};

/* Why pairing stopped early. */
struct tide_fdpair_err {
	int side;		/* 0 LEFT, 1 RIGHT, -1 neither (a temporary file) */
	uint64_t line;		/* out of order: the record's place */
	int32_t part;
	int errnum;		/* TIDE_EIO on a temporary file: errno */
	char msg[512];		/* out of order: the keys */
};

/*
 * Pair sorted sides.  0; TIDE_ERANGE when a side is out of order (err
 * says which, where, and the two keys); a source's own negative code
 * (err->side says which).
 */
int tide_fdpair_sorted(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_err *err);

/*
 * Pair sides in any order, RIGHT held in memory up to c->max_memory and
 * spilled past it.  0; a source's negative code (err->side); TIDE_EIO on
 * a temporary file (err->side -1, errnum).
 */
int tide_fdpair_hashed(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_conf *c,
    struct tide_fdpair_err *err);

#endif
