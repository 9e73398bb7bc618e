/*
 * Mergeable sketches for the approximate aggregates of tide-window.
 *
 * Each sketch summarises a stream in bounded memory and merges with another
 * of the same parameters so that merge(A, B) answers as one sketch fed A's
 * and B's values would (exactly for HyperLogLog and DDSketch; within the
 * stated bound for Space-Saving).  That is what lets windows be computed
 * from panes, sessions be merged and state be checkpointed without changing
 * results.  Sketches own their memory: release them with the _release call.
 *
 * HyperLogLog (struct tide_hll): distinct counts from 64-bit hashes, 2^p
 * one-byte registers, p in [4, 18]; standard error about 1.04 / sqrt(2^p)
 * (p = 14: 0.81%).  Small counts use linear counting, so they are exact in
 * practice.  A sketch starts sparse: a sorted array of its non-zero
 * registers (index << 8 | value), 4 bytes each, and turns dense when that
 * array would pass a quarter of the dense size or TIDE_HLL_SPARSEMAX
 * entries.  Both forms give the same estimate, bit for bit.
 *
 * DDSketch (struct tide_dds): quantiles with relative error alpha: the
 * value returned for a rank (0-based) is within alpha * |x| of the exact
 * order statistic x of that rank, and the extremes (rank 0 and n - 1) are
 * exact.  Quantile q is the rank of SQL's PERCENTILE_DISC, the nearest
 * rank ceil(q * n) counted from 1.  Buckets are logarithmic with
 * gamma = (1 + alpha) / (1 - alpha); at most TIDE_DDS_MAXBINS buckets per
 * sign are kept (the lowest are collapsed beyond that, which only affects
 * quantiles of the lowest values, and only past a range of 10^(bins*0.0087)).
 *
 * Space-Saving (struct tide_topk): the k most frequent values with cap >= k
 * counters; any value whose true count exceeds n / cap is present, and each
 * reported count overestimates the true one by at most its error.
 */
#ifndef TIDE_SKETCH_H
#define TIDE_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define TIDE_HLL_PMIN 4
#define TIDE_HLL_PMAX 18

#define TIDE_HLL_SPARSEMAX 1024

struct tide_hll {
	int p;
	uint8_t *reg;		/* dense: 2^p registers, or NULL */
	uint32_t *sp;		/* sparse (reg NULL): sn entries idx << 8 | value */
	uint32_t sn, scap;
};

void tide_hll_init(struct tide_hll *h, int p);
void tide_hll_release(struct tide_hll *h);
void tide_hll_add(struct tide_hll *h, uint64_t hash);
/* Raise register idx to at least val: 0, or -1 when out of range (val is
 * 1 to 65 - p). */
int tide_hll_set(struct tide_hll *h, uint32_t idx, unsigned val);
/* Entries a sparse sketch of precision p holds at most before turning
 * dense (a state file checks against it). */
uint32_t tide_hll_sparse_max(int p);
/* Bytes the registers take (sparse or dense). */
static inline size_t
tide_hll_bytes(const struct tide_hll *h)
{
	return h->reg ? (size_t)1 << h->p : (size_t)h->scap * 4;
}
/* Merge src into dst (same p). */
void tide_hll_merge(struct tide_hll *dst, const struct tide_hll *src);
double tide_hll_estimate(const struct tide_hll *h);

#define TIDE_DDS_ALPHA 0.01
#define TIDE_DDS_MAXBINS 2048

/*
 * One sign's logarithmic buckets: counts of bins [off, off + n) (dense,
 * c not NULL), or sparse: sn bins of non-zero count, in increasing order,
 * while there are at most TIDE_DDS_SPARSEN of them within
 * TIDE_DDS_SPARSESPAN buckets (a key with a few values costs a few bins,
 * not the buckets between them).  The dense form never collapses buckets
 * within such a span, so both forms answer alike.
 */
#define TIDE_DDS_SPARSEN 8
#define TIDE_DDS_SPARSESPAN 512

struct tide_dds_bin {
	int32_t k;
	uint64_t w;
};

struct tide_dds_store {
	uint64_t *c;
	int32_t off;
	uint32_t n;
	struct tide_dds_bin *sp;
	uint32_t sn, scap;
};

/* Make a dense store sparse when it fits (after reading one). */
void tide_dds_store_trim(struct tide_dds_store *s);

struct tide_dds {
	struct tide_dds_store pos, neg;
	uint64_t zero;		/* values of magnitude below the smallest bucket */
	uint64_t count;
	double min, max;	/* exact extremes, so q = 0 and q = 1 are exact */
};

/* Bytes the buckets take (sparse or dense). */
static inline size_t
tide_dds_store_bytes(const struct tide_dds_store *s)
{
	return s->c ? (size_t)s->n * sizeof(*s->c) :
	    (size_t)s->scap * sizeof(*s->sp);
}
static inline size_t
tide_dds_bytes(const struct tide_dds *d)
{
	return tide_dds_store_bytes(&d->pos) + tide_dds_store_bytes(&d->neg);
}

void tide_dds_init(struct tide_dds *d);
void tide_dds_release(struct tide_dds *d);
void tide_dds_add(struct tide_dds *d, double v);
void tide_dds_merge(struct tide_dds *dst, const struct tide_dds *src);
/* Make d's sparse stores dense, as more buckets would (the unit checks
 * compare the two forms). */
void tide_dds_dense(struct tide_dds *d);
/* The value of 0-based rank (count - 1 past the end); NaN when empty. */
double tide_dds_rank(const struct tide_dds *d, uint64_t rank);
/* PERCENTILE_DISC's 0-based rank for q = num / den of n values:
 * ceil(q * n) - 1, at least 0, computed exactly. */
uint64_t tide_dds_disc_rank(uint64_t n, uint64_t num, uint64_t den);
/* Quantile q in [0, 1] (rank ceil(q * n) - 1 in doubles); NaN when empty. */
double tide_dds_quantile(const struct tide_dds *d, double q);

struct tide_topk_ent {
	char *v;		/* the value's bytes (owned) */
	uint32_t len;
	uint64_t count;
	uint64_t err;		/* overestimation bound */
};

struct tide_topk {
	struct tide_topk_ent *e;
	uint32_t n, cap;
};

void tide_topk_init(struct tide_topk *t, uint32_t cap);
void tide_topk_release(struct tide_topk *t);
/* Count one occurrence of v[0..len), weight w. */
void tide_topk_add(struct tide_topk *t, const char *v, size_t len, uint64_t w);
void tide_topk_merge(struct tide_topk *dst, const struct tide_topk *src);
/* Sort the entries by count descending, then value bytes ascending, so
 * the first k are the answer (deterministic under ties). */
void tide_topk_sort(struct tide_topk *t);

#endif
