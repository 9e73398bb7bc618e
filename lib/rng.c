#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "xalloc.h"

uint64_t
tide_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
tide_hash64(uint64_t x)
{
	return tide_splitmix64(&x);
}

void
tide_rng_seed(struct tide_rng *r, uint64_t seed)
{
	int i;

	/* splitmix64 never yields an all-zero state from four draws, which is
	 * the one state xoshiro must not start from. */
	for (i = 0; i < 4; i++)
		r->s[i] = tide_splitmix64(&seed);
}

uint64_t
tide_rng_below(struct tide_rng *r, uint64_t n)
{
	__extension__ typedef unsigned __int128 u128;
	u128 m = (u128)tide_rng_next(r) * n;
	uint64_t lo = (uint64_t)m, t;

	/* Reject the few low products that would make some results more
	 * likely than others: t = 2^64 mod n. */
	if (lo < n) {
		t = -n % n;
		while (lo < t) {
			m = (u128)tide_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

int64_t
tide_rng_range(struct tide_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo;

	if (span == UINT64_MAX)
		return (int64_t)tide_rng_next(r);
	return (int64_t)((uint64_t)lo + tide_rng_below(r, span + 1));
}

double
tide_rng_double(struct tide_rng *r)
{
	return (double)(tide_rng_next(r) >> 11) * 0x1.0p-53;
}

int
tide_rng_chance(struct tide_rng *r, double p)
{
	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	return tide_rng_double(r) < p;
}

void
tide_zipf_init(struct tide_zipf *z, size_t n, double s)
{
	double sum = 0;
	size_t k;

	z->n = n;
	z->cdf = tide_xreallocarray(NULL, n, sizeof(*z->cdf));
	for (k = 0; k < n; k++) {
		sum += s == 0 ? 1.0 : pow((double)(k + 1), -s);
		z->cdf[k] = sum;
	}
	for (k = 0; k < n; k++)
		z->cdf[k] /= sum;
	/* Rounding may leave the last entry a hair under 1; a draw of
	 * 0.99999... must still land on a rank. */
	z->cdf[n - 1] = 1.0;
}

void
tide_zipf_release(struct tide_zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
	z->n = 0;
}

size_t
tide_zipf_draw(const struct tide_zipf *z, struct tide_rng *r)
{
	double u = tide_rng_double(r);
	size_t lo = 0, hi = z->n - 1;

	/* The first k with u < cdf[k]. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u < z->cdf[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
