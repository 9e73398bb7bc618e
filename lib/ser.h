/*
 * Fixed-width little-endian codecs for state files (tide-window --state:
 * lib/window.c's windows and watermarks, lib/agg.c's aggregate blocks).
 * A file is read back by the same build on the same machine kind (a
 * header elsewhere says which configuration wrote it), so there is no
 * versioning here: u64, i64 and f64 are 8 bytes each, a byte string is
 * its u64 length then its bytes.
 *
 * Writers append to a struct tide_buf (which may move its data).  Readers
 * take a cursor *p into [*p, end), advance it past what they read and
 * return 0, or TIDE_EFORMAT when the input is cut short or a length is
 * out of bounds (then *p is where it was for that field).  A byte string
 * read points into the input: valid as long as the input is.
 *
 * The fixed-width ones are inline: a checkpoint of a million keys calls
 * them several million times.
 */
#ifndef TIDE_SER_H
#define TIDE_SER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static inline void
tide_ser_put_u64(struct tide_buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	tide_buf_add(b, x, 8);
}

static inline void
tide_ser_put_f64(struct tide_buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	tide_ser_put_u64(b, v);
}

/* n, then the n bytes at p. */
void tide_ser_put_bytes(struct tide_buf *b, const void *p, size_t n);

static inline int
tide_ser_get_u64(const char **p, const char *end, uint64_t *v)
{
	const unsigned char *s = (const unsigned char *)*p;
	int i;

	if (end - *p < 8)
		return TIDE_EFORMAT;
	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)s[i] << (8 * i);
	*p += 8;
	return 0;
}

static inline int
tide_ser_get_i64(const char **p, const char *end, int64_t *v)
{
	uint64_t u;

	if (tide_ser_get_u64(p, end, &u) < 0)
		return TIDE_EFORMAT;
	*v = (int64_t)u;
	return 0;
}

static inline int
tide_ser_get_f64(const char **p, const char *end, double *d)
{
	uint64_t u;

	if (tide_ser_get_u64(p, end, &u) < 0)
		return TIDE_EFORMAT;
	memcpy(d, &u, 8);
	return 0;
}

/* A byte string of at most max bytes: *s points into the input. */
int tide_ser_get_bytes(const char **p, const char *end, const char **s,
    size_t *n, size_t max);

#endif
