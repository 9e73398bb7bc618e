/*
 * Deterministic pseudo-random numbers for synthetic data: xoshiro256**
 * (Blackman and Vigna) seeded through splitmix64, so a 64-bit seed gives the
 * same sequence on every platform and run.  Not for anything secret.
 *
 * Everything here is integer arithmetic except tide_rng_double() and the
 * Zipf table, which use IEEE doubles (and pow() once, at table set-up); the
 * draws are bit-identical for the same seed on the same libm.  A generator
 * is a plain struct owned by the caller; no state is global.
 *
 * struct tide_zipf draws ranks 0..n-1 with P(k) proportional to
 * 1 / (k + 1)^s (s = 0 is uniform), by binary search over a cumulative
 * table built once: O(n) memory, O(log n) per draw, no allocation per draw.
 */
#ifndef TIDE_RNG_H
#define TIDE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct tide_rng {
	uint64_t s[4];
};

/* Seed from any 64-bit value (0 included). */
void tide_rng_seed(struct tide_rng *r, uint64_t seed);

/* One step of splitmix64: advances *state and returns the next value. */
uint64_t tide_splitmix64(uint64_t *state);
/* A stateless 64-bit mix (splitmix64's finalizer over x + its increment):
 * for values derived from an id, e.g. an account's home country. */
uint64_t tide_hash64(uint64_t x);

static inline uint64_t
tide_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64 random bits (xoshiro256**). */
static inline uint64_t
tide_rng_next(struct tide_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = tide_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tide_rng_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), without modulo bias (Lemire's method); n > 0. */
uint64_t tide_rng_below(struct tide_rng *r, uint64_t n);
/* Uniform in [lo, hi], lo <= hi. */
int64_t tide_rng_range(struct tide_rng *r, int64_t lo, int64_t hi);
/* Uniform in [0, 1) with 53 random bits. */
double tide_rng_double(struct tide_rng *r);
/* 1 with probability p (p <= 0 never, p >= 1 always). */
int tide_rng_chance(struct tide_rng *r, double p);

struct tide_zipf {
	double *cdf;	/* owned; cdf[k] = P(rank <= k), cdf[n-1] = 1 */
	size_t n;
};

/* Build the table for n >= 1 ranks and exponent s >= 0. */
void tide_zipf_init(struct tide_zipf *z, size_t n, double s);
void tide_zipf_release(struct tide_zipf *z);
/* A rank in [0, n); rank 0 is the most frequent when s > 0. */
size_t tide_zipf_draw(const struct tide_zipf *z, struct tide_rng *r);

#endif
