/*
 * struct tide_buf: a growable byte buffer with a hard cap (curl's dynbuf,
 * sshbuf's max_size).  Growth past the cap fails with TIDE_ETOOBIG and
 * leaves the buffer as it was, so an oversized record is a data error, never
 * an out-of-memory.  The data is not NUL-terminated unless tide_buf_cstr()
 * is called.  Any add may move b->data: do not keep pointers into it across
 * calls.  The fast paths are inline: appending to a buffer with room costs
 * a memcpy and no call.
 */
#ifndef TIDE_BUF_H
#define TIDE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TIDE_BUF_NOMAX ((size_t)-1)

struct tide_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;	/* hard cap on len; TIDE_BUF_NOMAX for none */
};

#define TIDE_BUF_INIT { NULL, 0, 0, TIDE_BUF_NOMAX }

void tide_buf_init(struct tide_buf *b, size_t max);
void tide_buf_release(struct tide_buf *b);
/* Make room for n more bytes: 0, or TIDE_ETOOBIG past the cap. */
int tide_buf_grow(struct tide_buf *b, size_t n);
int tide_buf_addf(struct tide_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* NUL-terminate (not counted in len) and return data. */
const char *tide_buf_cstr(struct tide_buf *b);
/* Take the allocation: the buffer is left empty. */
char *tide_buf_detach(struct tide_buf *b, size_t *len);

static inline void
tide_buf_reset(struct tide_buf *b)
{
	b->len = 0;
}

static inline int
tide_buf_add(struct tide_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		int r = tide_buf_grow(b, n);
		if (r < 0)
			return r;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static inline int
tide_buf_addc(struct tide_buf *b, char c)
{
	if (b->cap == b->len) {
		int r = tide_buf_grow(b, 1);
		if (r < 0)
			return r;
	}
	b->data[b->len++] = c;
	return 0;
}

static inline int
tide_buf_adds(struct tide_buf *b, const char *s)
{
	return tide_buf_add(b, s, strlen(s));
}

/* Decimal integer. */
int tide_buf_addi64(struct tide_buf *b, int64_t v);

#endif
