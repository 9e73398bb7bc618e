/*
 * The walk over XGBoost's UBJSON: see ubj.h.  One pass, left to right,
 * with a fixed stack of the open containers (kind, and the values a
 * counted array has left); every length and count is checked against
 * the bytes left before anything is skipped.
 */
#include <stdint.h>

#include "model/ubj.h"

struct frame {
	unsigned char kind;	/* '{', '[' (up to ']'), '#' (counted) */
	uint64_t left;		/* '#': values to come */
};

#define FAIL(r, o) do { \
	err->reason = (r); \
	err->offset = (o); \
	return -1; \
} while (0)

/* The length at b[*i]: an L marker and a big-endian int64 in 0 .. the
 * bytes left after it, in *n, *i past it; 0 or -1 with err (what says
 * whose length it is). */
static int
length(const unsigned char *b, size_t len, size_t *i, uint64_t *n,
    const char *trunc, struct tide_ubj_err *err)
{
	size_t at = *i, k;
	uint64_t v = 0;

	if (at >= len)
		FAIL(trunc, at);
	if (b[at] != 'L')
		FAIL("a length whose marker is not L (int64)", at);
	if (len - at - 1 < 8)
		FAIL(trunc, at);
	for (k = 1; k <= 8; k++)
		v = v << 8 | b[at + k];
	if (v >> 63)
		FAIL("a negative length", at);
	*i = at + 9;
	*n = v;
	return 0;
}

/* Bytes of a value of marker c (a number of fixed size), or 0. */
static size_t
fixed(unsigned char c)
{
	switch (c) {
	case 'i': case 'U': case 'C':
		return 1;
	case 'I':
		return 2;
	case 'l': case 'd':
		return 4;
	case 'L':
		return 8;
	default:
		return 0;
	}
}

int
tide_ubj_check(const void *p, size_t len, struct tide_ubj_err *err)
{
	const unsigned char *b = p;
	struct frame st[TIDE_UBJ_MAXDEPTH], *f;
	size_t i, at, w;
	uint64_t n;
	unsigned char c;
	int d;

	if (len == 0)
		FAIL("empty", 0);
	if (b[0] != '{')
		FAIL("not an object (a model) at its start", 0);
	st[0].kind = '{';
	st[0].left = 0;
	d = 1;
	i = 1;
	while (d > 0) {
		/* The innermost container's next value, or its end. */
		f = &st[d - 1];
		if (f->kind == '#') {
			if (f->left == 0) {
				d--;
				continue;
			}
			f->left--;
		} else {
			if (i >= len)
				FAIL(f->kind == '{' ? "truncated in an object" :
				    "truncated in an array", i);
			if (b[i] == (f->kind == '{' ? '}' : ']')) {
				i++;
				d--;
				continue;
			}
			if (f->kind == '{') {
				at = i;
				if (length(b, len, &i, &n, "truncated in a key",
				    err) < 0)
					return -1;
				if (n > len - i)
					FAIL("truncated in a key", at);
				i += (size_t)n;
			}
		}
		if (i >= len)
			FAIL("truncated: a value missing", i);
		at = i;
		c = b[i++];
		if ((w = fixed(c)) > 0) {
			if (len - i < w)
				FAIL("truncated in a number", at);
			i += w;
			continue;
		}
		switch (c) {
		case 'Z': case 'T': case 'F':
			break;
		case 'S':
			if (length(b, len, &i, &n, "truncated in a string",
			    err) < 0)
				return -1;
			if (n > len - i)
				FAIL("truncated in a string", at);
			i += (size_t)n;
			break;
		case '{':
		case '[':
			if (c == '[' && i < len && b[i] == '$') {
				if (len - i < 3)
					FAIL("truncated in a typed array", at);
				c = b[i + 1];
				if ((c != 'd' && c != 'U' && c != 'l' && c !=
				    'L') || (w = fixed(c)) == 0)
					FAIL("a typed array of a type XGBoost "
					    "does not read (not d, U, l or L)",
					    i + 1);
				if (b[i + 2] != '#')
					FAIL("a typed array without its count "
					    "(#)", i + 2);
				i += 3;
				if (length(b, len, &i, &n, "truncated in a "
				    "typed array", err) < 0)
					return -1;
				if (n > (len - i) / w)
					FAIL("truncated in a typed array", at);
				i += (size_t)n * w;
				break;
			}
			if (d == TIDE_UBJ_MAXDEPTH)
				FAIL("nested too deep", at);
			f = &st[d++];
			f->kind = c;
			f->left = 0;
			if (c == '[' && i < len && b[i] == '#') {
				i++;
				if (length(b, len, &i, &n, "truncated in an "
				    "array", err) < 0)
					return -1;
				/* A value takes a byte at least. */
				if (n > len - i)
					FAIL("truncated in an array (more values "
					    "than bytes)", at);
				f->kind = '#';
				f->left = n;
			}
			break;
		case 'D':
			FAIL("a float64 (D), which XGBoost does not read", at);
		case 'H':
			FAIL("a high-precision number (H), which XGBoost does "
			    "not read", at);
		default:
			FAIL("an unknown marker", at);
		}
	}
	if (i != len)
		FAIL("bytes after the model's end", i);
	return 0;
}
