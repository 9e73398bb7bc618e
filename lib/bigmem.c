#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"
#include "xalloc.h"

void *
tide_big_alloc(size_t n)
{
	void *p;

	if (n < TIDE_BIG_HUGE)
		return tide_xmalloc(n ? n : 1);
	n = (n + TIDE_BIG_HUGE - 1) & ~(TIDE_BIG_HUGE - 1);
	if ((p = aligned_alloc(TIDE_BIG_HUGE, n)) == NULL)
		return tide_xmalloc(n);
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

void *
tide_big_calloc(size_t n, size_t size)
{
	size_t len;
	void *p;

	/* tide_xcalloc() reports an overflowing size. */
	if (__builtin_mul_overflow(n, size, &len) || len < TIDE_BIG_HUGE)
		return tide_xcalloc(n, size);
	p = tide_big_alloc(len);
	memset(p, 0, len);
	return p;
}

void *
tide_big_grow(void *p, size_t old, size_t n)
{
	void *q;

	if (n < TIDE_BIG_HUGE)
		return tide_xrealloc(p, n);
	q = tide_big_alloc(n);
	if (old)
		memcpy(q, p, old);
	free(p);
	return q;
}

void *
tide_big_grow_lines(void *p, size_t old, size_t n)
{
	void *q;

	if (n < TIDE_BIG_HUGE) {
		if ((q = aligned_alloc(64, (n + 63) & ~(size_t)63)) == NULL)
			q = tide_xmalloc(n);
	} else
		q = tide_big_alloc(n);
	if (old)
		memcpy(q, p, old);
	free(p);
	return q;
}
