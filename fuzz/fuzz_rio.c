/*
 * libFuzzer target for the record reader (lib/rio), the front door of
 * every program.  The first byte picks the record cap, the second a seed
 * for read sizes; the rest is the input, read once in one piece and once
 * in pseudo-random pieces (as a pipe delivers it).  What must hold: the
 * two runs give the same records, over-long lines and line numbers;
 * a record holds no newline and is within the cap; every line of the
 * input is accounted for, as a record or as an over-long line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "rio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

struct src {
	const char *p;
	size_t n, off;
	uint32_t seed;		/* 0: as much as asked */
};

static ssize_t
src_read(void *ctx, void *p, size_t n)
{
	struct src *s = ctx;
	size_t k = s->n - s->off;

	if (k > n)
		k = n;
	if (s->seed != 0 && k > 0) {
		s->seed = s->seed * 1103515245u + 12345u;
		k = 1 + (s->seed >> 16) % k;
	}
	memcpy(p, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

/* Read everything; log each result to b.  Returns the lines seen. */
static uint64_t
run(const char *p, size_t n, size_t max, uint32_t seed, struct tide_buf *b)
{
	struct src s = { p, n, 0, seed };
	struct tide_rin in;
	const char *line;
	size_t len;
	uint64_t last = 0;
	int r;

	tide_rin_init_fn(&in, src_read, &s, max);
	while ((r = tide_rin_next(&in, &line, &len, -1)) != TIDE_EOF) {
		must(r == 1 || r == TIDE_ETOOBIG);
		must(in.lineno == last + 1);
		last = in.lineno;
		if (r == 1) {
			must(len <= max);
			must(memchr(line, '\n', len) == NULL);
			tide_buf_addf(b, "%llu:", (unsigned long long)last);
			tide_buf_add(b, line, len);
			tide_buf_addc(b, '\n');
		} else
			tide_buf_addf(b, "%llu!\n", (unsigned long long)last);
	}
	must(in.bytes == n);
	tide_rin_release(&in);
	return last;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tide_buf one = TIDE_BUF_INIT, chunked = TIDE_BUF_INIT;
	const char *p = (const char *)data + 2;
	size_t n, max, i;
	uint64_t lines, nl = 0;

	if (size < 2)
		return 0;
	n = size - 2;
	max = 1 + data[0] % 64;
	for (i = 0; i < n; i++)
		if (p[i] == '\n')
			nl++;
	lines = run(p, n, max, 0, &one);
	/* One per newline, and one for a last line without a newline. */
	must(lines == nl + (n > 0 && p[n - 1] != '\n'));
	must(run(p, n, max, 1u + data[1], &chunked) == lines);
	must(one.len == chunked.len && (one.len == 0 ||
	    memcmp(one.data, chunked.data, one.len) == 0));
	tide_buf_release(&one);
	tide_buf_release(&chunked);
	return 0;
}
