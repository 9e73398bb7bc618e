#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "xalloc.h"

void
tide_buf_init(struct tide_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void
tide_buf_release(struct tide_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
tide_buf_grow(struct tide_buf *b, size_t n)
{
	size_t want, cap;

	if (n > b->max || b->len > b->max - n)
		return TIDE_ETOOBIG;
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if (cap > b->max && b->max != TIDE_BUF_NOMAX)
		cap = want > b->max ? want : b->max;
	b->data = tide_xrealloc(b->data, cap + 1);	/* room for a NUL */
	b->cap = cap;
	return 0;
}

int
tide_buf_addf(struct tide_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TIDE_EINVAL;
	if ((r = tide_buf_grow(b, (size_t)n + 1)) < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
tide_buf_cstr(struct tide_buf *b)
{
	if (b->data == NULL && tide_buf_grow(b, 1) < 0)
		return "";
	b->data[b->len] = '\0';	/* grow() always leaves a byte past cap */
	return b->data;
}

char *
tide_buf_detach(struct tide_buf *b, size_t *len)
{
	char *p;

	tide_buf_cstr(b);
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int
tide_buf_addi64(struct tide_buf *b, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--s = '-';
	return tide_buf_add(b, s, (size_t)(e - s));
}
