/*
 * lib/model/ubj: a bounds-checked walk over XGBoost's UBJSON, run on a
 * model's bytes before they are handed to XGBoost.  XGBoost's reader
 * (UBJReader, xgboost 1.7) copies lengths, counts and values from the
 * buffer without checking them against its end, so a truncated or
 * damaged file makes it read past the buffer and crash; this walk reads
 * the same structure and refuses, with a reason and a byte offset,
 * anything it would read past the end on, or would not read at all.
 *
 * Taken is the subset of UBJSON (https://ubjson.org/) that XGBoost
 * writes and reads:
 *
 *	Z T F                     null, true, false
 *	i U C / I / l d / L       1, 2, 4, 8 bytes of value, big-endian
 *	S L <int64 n> <n bytes>   a string (its length always an L)
 *	{ (L <int64 n> <n bytes> <value>)* }
 *	                          an object: keys are lengths and bytes, with
 *	                          no S; no $ or # (XGBoost reads neither)
 *	[ <value>* ]              an array
 *	[ # L <int64 n> <value>{n}
 *	                          an array of n values, no ]
 *	[ $ <t> # L <int64 n> <n raw values of type t>
 *	                          a typed array, t one of d U l L (4, 1, 4, 8
 *	                          bytes each), no ]
 *
 * The whole buffer is one object (the model), with nothing after it.
 * Lengths and counts must be in 0 .. the bytes left (a counted array's
 * values take a byte at least each); nesting is at most TIDE_UBJ_MAXDEPTH
 * deep (XGBoost recurses per level, and its models nest 8 or so).  Not
 * taken: D and H (XGBoost refuses them), the no-op N, typed arrays of
 * other types, and any other marker.  The walk allocates nothing and
 * says nothing of what the model means: a file that passes can still be
 * a model XGBoost refuses.
 */
#ifndef TIDE_MODEL_UBJ_H
#define TIDE_MODEL_UBJ_H

#include <stddef.h>

#define TIDE_UBJ_MAXDEPTH 64

struct tide_ubj_err {
	const char *reason;	/* static text */
	size_t offset;		/* of the byte where it went wrong */
};

/* Walk p[0..len): 0, or -1 with err. */
int tide_ubj_check(const void *p, size_t len, struct tide_ubj_err *err);

#endif
