#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "xalloc.h"

/* --- HyperLogLog ------------------------------------------------------- */

void
tide_hll_init(struct tide_hll *h, int p)
{
	if (p < TIDE_HLL_PMIN)
		p = TIDE_HLL_PMIN;
	if (p > TIDE_HLL_PMAX)
		p = TIDE_HLL_PMAX;
	h->p = p;
	h->reg = NULL;
	h->sp = NULL;
	h->sn = h->scap = 0;
}

void
tide_hll_release(struct tide_hll *h)
{
	free(h->reg);
	free(h->sp);
	h->reg = NULL;
	h->sp = NULL;
	h->sn = h->scap = 0;
}

uint32_t
tide_hll_sparse_max(int p)
{
	uint32_t q = ((uint32_t)1 << p) / 16;	/* a quarter of the dense bytes */

	return q < TIDE_HLL_SPARSEMAX ? q : TIDE_HLL_SPARSEMAX;
}

static void
hll_densify(struct tide_hll *h)
{
	uint32_t i;

	h->reg = tide_xcalloc((size_t)1 << h->p, 1);
	for (i = 0; i < h->sn; i++)
		h->reg[h->sp[i] >> 8] = (uint8_t)(h->sp[i] & 0xff);
	free(h->sp);
	h->sp = NULL;
	h->sn = h->scap = 0;
}

static void
hll_raise(struct tide_hll *h, uint32_t idx, uint8_t val)
{
	uint32_t lo = 0, hi = h->sn;

	if (h->reg) {
		if (val > h->reg[idx])
			h->reg[idx] = val;
		return;
	}
	while (lo < hi) {	/* first entry with index >= idx */
		uint32_t mid = lo + (hi - lo) / 2;

		if ((h->sp[mid] >> 8) < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->sn && (h->sp[lo] >> 8) == idx) {
		if (val > (h->sp[lo] & 0xff))
			h->sp[lo] = idx << 8 | val;
		return;
	}
	if (h->sn >= tide_hll_sparse_max(h->p)) {
		hll_densify(h);
		h->reg[idx] = val;
		return;
	}
	if (h->sn == h->scap) {
		h->scap = h->scap ? h->scap * 2 : 4;
		h->sp = tide_xreallocarray(h->sp, h->scap, sizeof(*h->sp));
	}
	memmove(h->sp + lo + 1, h->sp + lo, (h->sn - lo) * sizeof(*h->sp));
	h->sp[lo] = idx << 8 | val;
	h->sn++;
}

void
tide_hll_add(struct tide_hll *h, uint64_t hash)
{
	uint64_t idx, rest;
	uint8_t rank;

	idx = hash >> (64 - h->p);
	/* The guard bit keeps the rank bounded when the rest is all zero. */
	rest = (hash << h->p) | ((uint64_t)1 << (h->p - 1));
	rank = (uint8_t)(__builtin_clzll(rest) + 1);
	if (h->reg)
		h->reg[idx] = rank > h->reg[idx] ? rank : h->reg[idx];
	else
		hll_raise(h, (uint32_t)idx, rank);
}

int
tide_hll_set(struct tide_hll *h, uint32_t idx, unsigned val)
{
	if (idx >= (uint32_t)1 << h->p || val < 1 || val > 65u - (unsigned)h->p)
		return -1;
	hll_raise(h, idx, (uint8_t)val);
	return 0;
}

void
tide_hll_merge(struct tide_hll *dst, const struct tide_hll *src)
{
	size_t i, m = (size_t)1 << dst->p;

	if (src->p != dst->p)
		return;
	if (src->reg == NULL) {
		for (i = 0; i < src->sn; i++)
			hll_raise(dst, src->sp[i] >> 8,
			    (uint8_t)(src->sp[i] & 0xff));
		return;
	}
	if (dst->reg == NULL)
		hll_densify(dst);
	for (i = 0; i < m; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
}

double
tide_hll_estimate(const struct tide_hll *h)
{
	size_t i, j = 0, m = (size_t)1 << h->p, zeros = 0;
	double sum = 0, alpha, est;

	if (h->reg == NULL && h->sn == 0)
		return 0;
	/* Sparse, and every partial sum exact (multiples of 2^-r, r at most
	 * 52 - p, below 2^(p+1)): the sum in any order is the dense loop's,
	 * found in O(entries). */
	if (h->reg == NULL) {
		for (j = 0; j < h->sn; j++)
			if ((int)(h->sp[j] & 0xff) > 52 - h->p)
				break;
		if (j == h->sn) {
			zeros = m - h->sn;
			sum = (double)zeros;
			for (j = 0; j < h->sn; j++)
				sum += ldexp(1.0, -(int)(h->sp[j] & 0xff));
			goto done;
		}
		j = 0;
	}
	/* Else in index order, so both forms sum the same doubles. */
	for (i = 0; i < m; i++) {
		unsigned r = 0;

		if (h->reg)
			r = h->reg[i];
		else if (j < h->sn && (h->sp[j] >> 8) == i)
			r = h->sp[j++] & 0xff;
		sum += ldexp(1.0, -(int)r);
		if (r == 0)
			zeros++;
	}
done:
	switch (m) {
	case 16: alpha = 0.673; break;
	case 32: alpha = 0.697; break;
	case 64: alpha = 0.709; break;
	default: alpha = 0.7213 / (1.0 + 1.079 / (double)m);
	}
	est = alpha * (double)m * (double)m / sum;
	/* Linear counting is far more accurate while registers are empty. */
	if (zeros && est <= 2.5 * (double)m)
		est = (double)m * log((double)m / (double)zeros);
	return est;
}

/* --- DDSketch ----------------------------------------------------------- */

static double dds_lngamma;	/* log(gamma), computed once */
#define DDS_MINVAL 1e-9		/* magnitudes below count as zero */

static double
dds_gamma_ln(void)
{
	if (dds_lngamma == 0)
		dds_lngamma = log((1 + TIDE_DDS_ALPHA) / (1 - TIDE_DDS_ALPHA));
	return dds_lngamma;
}

static int32_t
dds_key(double v)
{
	return (int32_t)ceil(log(v) / dds_gamma_ln());
}

static double
dds_value(int32_t k)
{
	double g = exp(dds_gamma_ln());

	/* The point of bucket (g^(k-1), g^k] with equal relative error to both
	 * ends. */
	return 2.0 * exp((double)k * dds_gamma_ln()) / (g + 1.0);
}

static void dense_add(struct tide_dds_store *s, int32_t k, uint64_t w);
static void store_dense(struct tide_dds_store *s);

static void
sparse_free(struct tide_dds_store *s)
{
	free(s->sp);
	s->sp = NULL;
	s->sn = s->scap = 0;
}

/* Add to a sparse store: 0, or -1 when k does not fit it. */
static int
sparse_add(struct tide_dds_store *s, int32_t k, uint64_t w)
{
	uint32_t i = 0;

	while (i < s->sn && s->sp[i].k < k)
		i++;
	if (i < s->sn && s->sp[i].k == k) {
		s->sp[i].w += w;
		return 0;
	}
	if (s->sn >= TIDE_DDS_SPARSEN || (s->sn > 0 &&
	    (int64_t)(k > s->sp[s->sn - 1].k ? k : s->sp[s->sn - 1].k) -
	    (k < s->sp[0].k ? k : s->sp[0].k) >= TIDE_DDS_SPARSESPAN))
		return -1;
	if (s->sn == s->scap) {
		s->scap = s->scap ? s->scap * 2 : 2;
		s->sp = tide_xreallocarray(s->sp, s->scap, sizeof(*s->sp));
	}
	memmove(s->sp + i + 1, s->sp + i, (s->sn - i) * sizeof(*s->sp));
	s->sp[i].k = k;
	s->sp[i].w = w;
	s->sn++;
	return 0;
}

static void
store_add(struct tide_dds_store *s, int32_t k, uint64_t w)
{
	if (s->c == NULL) {
		if (sparse_add(s, k, w) == 0)
			return;
		/* Dense from here: the bins in increasing order, as a dense
		 * store fed them would hold them (the span never collapses). */
		store_dense(s);
	}
	dense_add(s, k, w);
}

static void
store_dense(struct tide_dds_store *s)
{
	uint32_t i;

	if (s->c != NULL || s->sn == 0)
		return;
	for (i = 0; i < s->sn; i++)
		dense_add(s, s->sp[i].k, s->sp[i].w);
	sparse_free(s);
}

void
tide_dds_dense(struct tide_dds *d)
{
	store_dense(&d->pos);
	store_dense(&d->neg);
}

void
tide_dds_store_trim(struct tide_dds_store *s)
{
	struct tide_dds_store t;
	uint32_t i;

	if (s->c == NULL)
		return;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < s->n; i++)
		if (s->c[i] && sparse_add(&t, s->off + (int32_t)i, s->c[i]) < 0) {
			free(t.sp);
			return;
		}
	free(s->c);
	*s = t;
}

static void
dense_add(struct tide_dds_store *s, int32_t k, uint64_t w)
{
	uint32_t i;

	if (s->n == 0) {
		s->c = tide_xcalloc(16, sizeof(*s->c));
		s->off = k - 8;
		s->n = 16;
	}
	if (k < s->off) {
		int64_t want = (int64_t)s->off + s->n - k;

		if (want > TIDE_DDS_MAXBINS) {
			/* Collapse: the lowest bucket absorbs what is below it. */
			k = s->off;
		} else {
			uint32_t grow = (uint32_t)(s->off - k) + s->n / 2;
			uint64_t *c;

			if ((int64_t)s->n + grow > TIDE_DDS_MAXBINS)
				grow = (uint32_t)(want - s->n);
			c = tide_xcalloc(s->n + grow, sizeof(*c));
			memcpy(c + grow, s->c, s->n * sizeof(*c));
			free(s->c);
			s->c = c;
			s->off -= (int32_t)grow;
			s->n += grow;
		}
	} else if (k >= s->off + (int64_t)s->n) {
		int64_t want = (int64_t)k - s->off + 1;

		if (want > TIDE_DDS_MAXBINS) {
			/* Shift the window up, folding the lowest buckets in. */
			int64_t shift = want - TIDE_DDS_MAXBINS;
			uint32_t newn = TIDE_DDS_MAXBINS;
			uint64_t *c = tide_xcalloc(newn, sizeof(*c));

			for (i = 0; i < s->n; i++) {
				int64_t j = (int64_t)i - shift;

				c[j < 0 ? 0 : j] += s->c[i];
			}
			free(s->c);
			s->c = c;
			s->off += (int32_t)shift;
			s->n = newn;
		} else {
			uint32_t newn = (uint32_t)want + s->n / 2;

			if (newn > TIDE_DDS_MAXBINS)
				newn = TIDE_DDS_MAXBINS;
			s->c = tide_xreallocarray(s->c, newn, sizeof(*s->c));
			memset(s->c + s->n, 0, (newn - s->n) * sizeof(*s->c));
			s->n = newn;
		}
	}
	s->c[k - s->off] += w;
}

void
tide_dds_init(struct tide_dds *d)
{
	memset(d, 0, sizeof(*d));
}

void
tide_dds_release(struct tide_dds *d)
{
	free(d->pos.c);
	free(d->neg.c);
	free(d->pos.sp);
	free(d->neg.sp);
	memset(d, 0, sizeof(*d));
}

void
tide_dds_add(struct tide_dds *d, double v)
{
	if (isnan(v))
		return;
	if (d->count == 0 || v < d->min)
		d->min = v;
	if (d->count == 0 || v > d->max)
		d->max = v;
	d->count++;
	if (v > DDS_MINVAL)
		store_add(&d->pos, dds_key(v), 1);
	else if (v < -DDS_MINVAL)
		store_add(&d->neg, dds_key(-v), 1);
	else
		d->zero++;
}

static void
store_merge(struct tide_dds_store *dst, const struct tide_dds_store *src)
{
	uint32_t i;

	for (i = 0; i < src->sn; i++)
		store_add(dst, src->sp[i].k, src->sp[i].w);
	for (i = 0; i < src->n; i++)
		if (src->c[i])
			store_add(dst, src->off + (int32_t)i, src->c[i]);
}

void
tide_dds_merge(struct tide_dds *dst, const struct tide_dds *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->zero += src->zero;
	store_merge(&dst->pos, &src->pos);
	store_merge(&dst->neg, &src->neg);
}

double
tide_dds_rank(const struct tide_dds *d, uint64_t rank)
{
	double v = NAN;
	uint64_t seen = 0;
	int64_t i;

	if (d->count == 0)
		return NAN;
	if (rank == 0)
		return d->min;
	if (rank >= d->count - 1)
		return d->max;
	for (i = (int64_t)d->neg.sn - 1; i >= 0; i--) {
		seen += d->neg.sp[i].w;
		if (seen > rank) {
			v = -dds_value(d->neg.sp[i].k);
			goto out;
		}
	}
	for (i = (int64_t)d->neg.n - 1; i >= 0; i--) {
		seen += d->neg.c[i];
		if (seen > rank) {
			v = -dds_value(d->neg.off + (int32_t)i);
			goto out;
		}
	}
	seen += d->zero;
	if (seen > rank) {
		v = 0;
		goto out;
	}
	for (i = 0; i < (int64_t)d->pos.sn; i++) {
		seen += d->pos.sp[i].w;
		if (seen > rank) {
			v = dds_value(d->pos.sp[i].k);
			goto out;
		}
	}
	for (i = 0; i < (int64_t)d->pos.n; i++) {
		seen += d->pos.c[i];
		if (seen > rank) {
			v = dds_value(d->pos.off + (int32_t)i);
			goto out;
		}
	}
	v = d->max;
out:
	/* The exact extremes bound every answer. */
	if (v < d->min)
		v = d->min;
	if (v > d->max)
		v = d->max;
	return v;
}

uint64_t
tide_dds_disc_rank(uint64_t n, uint64_t num, uint64_t den)
{
	unsigned __int128 c;

	if (n == 0 || num == 0 || den == 0)
		return 0;
	/* ceil(num * n / den), exact in 128 bits; rank 1 is index 0. */
	c = ((unsigned __int128)num * n + den - 1) / den;
	if (c > n)
		c = n;
	return (uint64_t)c - 1;
}

double
tide_dds_quantile(const struct tide_dds *d, double q)
{
	double c;

	if (d->count == 0)
		return NAN;
	if (q <= 0)
		return d->min;
	if (q >= 1)
		return d->max;
	c = ceil(q * (double)d->count);
	return tide_dds_rank(d, c < 1 ? 0 : (uint64_t)c - 1);
}

/* --- Space-Saving --------------------------------------------------------- */

void
tide_topk_init(struct tide_topk *t, uint32_t cap)
{
	t->e = NULL;
	t->n = 0;
	t->cap = cap ? cap : 1;
}

void
tide_topk_release(struct tide_topk *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].v);
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static int
ent_cmp(const struct tide_topk_ent *a, const struct tide_topk_ent *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if ((c = memcmp(a->v, b->v, n)) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void
topk_add_err(struct tide_topk *t, const char *v, size_t len, uint64_t w,
    uint64_t err)
{
	uint32_t i, min = 0;

	for (i = 0; i < t->n; i++)
		if (t->e[i].len == len && memcmp(t->e[i].v, v, len) == 0) {
			t->e[i].count += w;
			t->e[i].err += err;
			return;
		}
	if (t->e == NULL)
		t->e = tide_xcalloc(t->cap, sizeof(*t->e));
	if (t->n < t->cap) {
		t->e[t->n].v = tide_xmemdup(v, len);
		t->e[t->n].len = (uint32_t)len;
		t->e[t->n].count = w;
		t->e[t->n].err = err;
		t->n++;
		return;
	}
	/* Replace the smallest counter; ties go to the greatest value so the
	 * choice does not depend on slot order. */
	for (i = 1; i < t->n; i++)
		if (ent_cmp(&t->e[i], &t->e[min]) > 0)
			min = i;
	free(t->e[min].v);
	t->e[min].v = tide_xmemdup(v, len);
	t->e[min].len = (uint32_t)len;
	t->e[min].err = t->e[min].count + err;
	t->e[min].count += w;
}

void
tide_topk_add(struct tide_topk *t, const char *v, size_t len, uint64_t w)
{
	topk_add_err(t, v, len, w, 0);
}

void
tide_topk_merge(struct tide_topk *dst, const struct tide_topk *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++)
		topk_add_err(dst, src->e[i].v, src->e[i].len, src->e[i].count,
		    src->e[i].err);
}

static int
ent_qcmp(const void *a, const void *b)
{
	return ent_cmp(a, b);
}

void
tide_topk_sort(struct tide_topk *t)
{
	if (t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), ent_qcmp);
}
