#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "err.h"
#include "htab.h"
#include "ser.h"
#include "sketch.h"
#include "xalloc.h"

/* Per-aggregate state, laid out one after another in a block. */
struct st_count { int64_t n; };
/*
 * sum, avg: exact in u.i while every value is an integer and the sum stays
 * in int64; else Neumaier-compensated doubles in u.s and c.  nf is the
 * count << 2 | SUM_DBL | SUM_WIDE, so the block stays 24 bytes.
 */
struct st_sum { union { int64_t i; double s; } u; double c; uint64_t nf; };
#define SUM_DBL 1u	/* u.s and c hold the sum */
#define SUM_WIDE 2u	/* an integer sum left int64 */
#define SUM_N(m) ((int64_t)((m)->nf >> 2))
#define SUM_ONE 4u
/* min, max: the value, an exact int64 when it came as an integer; nf is
 * the count << 1 | MM_INT. */
struct st_mm { union { int64_t i; double d; } u; uint64_t nf; };
#define MM_INT 1u
#define MM_N(m) ((int64_t)((m)->nf >> 1))
#define MM_ONE 2u
struct st_fl { int64_t t; char *p; uint32_t len, cap; int has; };
struct st_var { int64_t n; double mean, m2; };
/* count_distinct: a key with few distinct values keeps them in a small
 * packed array (struct sset: entries of a 4-byte length and the bytes,
 * found by a linear scan); past SET_SMALLN values or SET_SMALLB bytes they
 * move to a hash table.  One key with three values costs about 100 bytes,
 * where a table costs 4.6 KB (issue 18 item 8).  The count and the values
 * are the same either way; only their order differs, and no result
 * depends on it. */
struct sset { uint32_t n, len, cap; char d[]; };
struct st_set { struct tide_htab *h; struct sset *s; };
#define SET_SMALLN 16
#define SET_SMALLB 512
struct st_hll { struct tide_hll h; };
struct st_dds { struct tide_dds d; };
struct st_top { struct tide_topk t; };

static const struct {
	const char *name;
	enum tide_agg_op op;
	int numeric;
	size_t size;
} ops[] = {
	{ "count", TIDE_AGG_COUNT, 0, sizeof(struct st_count) },
	{ "sum", TIDE_AGG_SUM, 1, sizeof(struct st_sum) },
	{ "avg", TIDE_AGG_AVG, 1, sizeof(struct st_sum) },
	{ "mean", TIDE_AGG_AVG, 1, sizeof(struct st_sum) },
	{ "min", TIDE_AGG_MIN, 1, sizeof(struct st_mm) },
	{ "max", TIDE_AGG_MAX, 1, sizeof(struct st_mm) },
	{ "first", TIDE_AGG_FIRST, 0, sizeof(struct st_fl) },
	{ "last", TIDE_AGG_LAST, 0, sizeof(struct st_fl) },
	{ "var", TIDE_AGG_VAR, 1, sizeof(struct st_var) },
	{ "var_pop", TIDE_AGG_VAR, 1, sizeof(struct st_var) },
	{ "var_samp", TIDE_AGG_VAR_SAMP, 1, sizeof(struct st_var) },
	{ "stddev", TIDE_AGG_STDDEV, 1, sizeof(struct st_var) },
	{ "stddev_pop", TIDE_AGG_STDDEV, 1, sizeof(struct st_var) },
	{ "stddev_samp", TIDE_AGG_STDDEV_SAMP, 1, sizeof(struct st_var) },
	{ "distinct", TIDE_AGG_DISTINCT, 0, sizeof(struct st_set) },
	{ "count_distinct", TIDE_AGG_DISTINCT, 0, sizeof(struct st_set) },
	{ "approx_distinct", TIDE_AGG_APPROX_DISTINCT, 0, sizeof(struct st_hll) },
	{ "median", TIDE_AGG_QUANTILE, 1, sizeof(struct st_dds) },
	{ "top", TIDE_AGG_TOP, 0, sizeof(struct st_top) },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int
fail(struct tide_aggerr *err, size_t off, const char *fmt, const char *arg)
{
	if (err) {
		err->offset = off;
		snprintf(err->reason, sizeof(err->reason), fmt, arg ? arg : "");
	}
	return TIDE_EINVAL;
}

/* Output name from the function and field: sum(card.bin) -> sum_card_bin. */
static char *
default_name(const char *fn, size_t fnlen, const char *field)
{
	size_t n = fnlen + (field ? strlen(field) + 1 : 0), i, j = 0;
	char *s = tide_xmalloc(n + 1);

	for (i = 0; i < fnlen; i++)
		s[j++] = isalnum((unsigned char)fn[i]) ? fn[i] : '_';
	if (field) {
		s[j++] = '_';
		for (i = 0; field[i]; i++)
			if (field[i] != '"')
				s[j++] = isalnum((unsigned char)field[i]) ||
				    field[i] == '_' ? field[i] : '_';
	}
	s[j] = '\0';
	return s;
}

/* Intern a field path: its index in s->paths. */
static int
add_field(struct tide_aggspec *s, const char *text, size_t n, int numeric,
    size_t off, struct tide_aggerr *err)
{
	struct tide_path p;
	char *spec = tide_xmemdup(text, n);
	int i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->paths[i].text, spec) == 0) {
			free(spec);
			s->numeric[i] |= (unsigned char)numeric;
			return i;
		}
	if (tide_path_parse(&p, spec) < 0) {
		fail(err, off, "bad field path '%s'", spec);
		free(spec);
		return -1;
	}
	free(spec);
	s->paths = tide_xreallocarray(s->paths, (size_t)s->nfields + 1,
	    sizeof(*s->paths));
	s->numeric = tide_xreallocarray(s->numeric, (size_t)s->nfields + 1, 1);
	s->paths[s->nfields] = p;
	s->numeric[s->nfields] = (unsigned char)numeric;
	return s->nfields++;
}

static const char *
skipws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Trim spaces around t[0..*n). */
static const char *
trim(const char *t, size_t *n)
{
	while (*n && (*t == ' ' || *t == '\t')) {
		t++;
		(*n)--;
	}
	while (*n && (t[*n - 1] == ' ' || t[*n - 1] == '\t'))
		(*n)--;
	return t;
}

/* A quantile name: p50, p99, p99.9, p0, p100: q = *num / *den exactly
 * (digits, an optional fraction of up to 9 digits, at most 100). */
static int
parse_pn(const char *fn, size_t n, uint64_t *num, uint64_t *den)
{
	uint64_t m = 0, d = 100;
	size_t i;
	int frac = -1;

	if (n < 2 || fn[0] != 'p' || !isdigit((unsigned char)fn[1]))
		return 0;
	for (i = 1; i < n; i++) {
		if (fn[i] == '.' && frac < 0 && i + 1 < n) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)fn[i]) || frac == 9 ||
		    m > 100000000000000ULL)
			return 0;
		m = m * 10 + (uint64_t)(fn[i] - '0');
		if (frac >= 0) {
			frac++;
			d *= 10;
		}
	}
	if (m > d)
		return 0;
	*num = m;
	*den = d;
	return 1;
}

static int
parse_one(struct tide_aggspec *s, const char *text, const char **pp,
    struct tide_aggerr *err)
{
	const char *p = skipws(*pp), *fn, *args[2] = { NULL, NULL };
	size_t fnlen, alen[2] = { 0, 0 }, i;
	int nargs = 0, numeric = 0, k = 0;
	struct tide_agg a;
	uint64_t qn = 0, qd = 1;

	memset(&a, 0, sizeof(a));
	fn = p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
		p++;
	fnlen = (size_t)(p - fn);
	if (fnlen == 0)
		return fail(err, (size_t)(p - text), "expected an aggregate%s", NULL);
	for (i = 0; i < NOPS; i++)
		if (strlen(ops[i].name) == fnlen &&
		    memcmp(ops[i].name, fn, fnlen) == 0)
			break;
	if (i < NOPS) {
		a.op = ops[i].op;
		numeric = ops[i].numeric;
		if (fnlen == 6 && memcmp(fn, "median", 6) == 0) {
			qn = 1;
			qd = 2;
		}
	} else if (parse_pn(fn, fnlen, &qn, &qd)) {
		a.op = TIDE_AGG_QUANTILE;
		numeric = 1;
	} else {
		char name[40];

		snprintf(name, sizeof(name), "%.*s", (int)(fnlen > 32 ? 32 : fnlen), fn);
		return fail(err, (size_t)(fn - text), "unknown aggregate '%s'", name);
	}
	p = skipws(p);
	if (*p == '(') {
		const char *start = ++p;
		int inq = 0;

		for (;; p++) {
			if (*p == '\0')
				return fail(err, (size_t)(p - text),
				    "missing ')'%s", NULL);
			if (inq) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '"')
					inq = 0;
				continue;
			}
			if (*p == '"')
				inq = 1;
			else if (*p == ',' || *p == ')') {
				if (nargs == 2)
					return fail(err, (size_t)(p - text),
					    "too many arguments%s", NULL);
				args[nargs] = start;
				alen[nargs] = (size_t)(p - start);
				args[nargs] = trim(args[nargs], &alen[nargs]);
				if (alen[nargs] == 0)
					return fail(err, (size_t)(p - text),
					    "empty argument%s", NULL);
				nargs++;
				start = p + 1;
				if (*p == ')')
					break;
			}
		}
		p++;
	}
	a.field = -1;
	if (a.op == TIDE_AGG_TOP) {
		char kb[16], *end;
		long v;

		if (nargs != 2)
			return fail(err, (size_t)(fn - text),
			    "top needs (k, field)%s", NULL);
		if (alen[0] >= sizeof(kb))
			return fail(err, (size_t)(args[0] - text),
			    "top: k is not an integer in [1, 1000]%s", NULL);
		memcpy(kb, args[0], alen[0]);
		kb[alen[0]] = '\0';
		v = strtol(kb, &end, 10);
		if (*end != '\0' || v < 1 || v > 1000)
			return fail(err, (size_t)(args[0] - text),
			    "top: k is not an integer in [1, 1000]%s", NULL);
		k = (int)v;
		args[0] = args[1];
		alen[0] = alen[1];
		nargs = 1;
	} else if (nargs > 1)
		return fail(err, (size_t)(fn - text), "too many arguments%s", NULL);
	if (nargs == 0 && a.op != TIDE_AGG_COUNT)
		return fail(err, (size_t)(fn - text), "aggregate needs a field%s",
		    NULL);
	if (nargs == 1) {
		a.field = add_field(s, args[0], alen[0], numeric,
		    (size_t)(args[0] - text), err);
		if (a.field < 0)
			return TIDE_EINVAL;
	}
	a.q = (double)qn / (double)qd;
	a.qnum = qn;
	a.qden = qd;
	a.k = k;
	p = skipws(p);
	if (strncmp(p, "as", 2) == 0 && (p[2] == ' ' || p[2] == '\t')) {
		const char *nm;

		p = skipws(p + 2);
		nm = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '"' &&
		    *p != '\\' && (unsigned char)*p >= 0x20)
			p++;
		if (p == nm)
			return fail(err, (size_t)(p - text),
			    "'as' needs a name%s", NULL);
		a.name = tide_xmemdup(nm, (size_t)(p - nm));
		p = skipws(p);
	} else if (a.op == TIDE_AGG_TOP) {
		char tn[24];

		snprintf(tn, sizeof(tn), "top%d", k);
		a.name = default_name(tn, strlen(tn), s->paths[a.field].text);
	} else {
		a.name = default_name(fn, fnlen,
		    a.field >= 0 ? s->paths[a.field].text : NULL);
	}
	if (*p != ',' && *p != '\0') {
		free(a.name);
		return fail(err, (size_t)(p - text), "expected ',' or 'as'%s", NULL);
	}
	for (i = 0; i < (size_t)s->naggs; i++)
		if (strcmp(s->aggs[i].name, a.name) == 0) {
			fail(err, (size_t)(fn - text), "duplicate output name '%s'",
			    a.name);
			free(a.name);
			return TIDE_EINVAL;
		}
	if (s->naggs == TIDE_AGG_LIMIT) {
		free(a.name);
		return fail(err, (size_t)(fn - text), "too many aggregates%s", NULL);
	}
	for (i = 0; i < NOPS; i++)
		if (ops[i].op == a.op)
			break;
	a.off = s->size;
	s->size += align8(ops[i].size);
	{
		/* ,"name": as tide_jobj_key() writes it, once; qname
		 * points past the comma, which emit writes with it when
		 * a member came before. */
		struct tide_buf qb = TIDE_BUF_INIT;

		tide_buf_addc(&qb, ',');
		tide_json_write_str(&qb, a.name, strlen(a.name));
		tide_buf_addc(&qb, ':');
		a.qname = tide_xmemdup(qb.data, qb.len) + 1;
		a.qlen = qb.len - 1;
		tide_buf_release(&qb);
	}
	s->aggs = tide_xreallocarray(s->aggs, (size_t)s->naggs + 1,
	    sizeof(*s->aggs));
	s->aggs[s->naggs++] = a;
	*pp = p;
	return 0;
}

int
tide_aggspec_parse(struct tide_aggspec *s, const char *text, int hll_p,
    struct tide_aggerr *err)
{
	const char *p = text;
	int r;

	memset(s, 0, sizeof(*s));
	s->hll_p = hll_p ? hll_p : 14;
	s->precision = -1;
	s->warn = tide_xcalloc(1, sizeof(*s->warn));
	for (;;) {
		if ((r = parse_one(s, text, &p, err)) < 0) {
			tide_aggspec_release(s);
			return r;
		}
		if (*p == '\0')
			break;
		p++;	/* ',' */
	}
	s->plain = 1;
	for (r = 0; r < s->naggs; r++)
		switch (s->aggs[r].op) {
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST:
		case TIDE_AGG_DISTINCT:
		case TIDE_AGG_APPROX_DISTINCT:
		case TIDE_AGG_QUANTILE:
		case TIDE_AGG_TOP:
			s->plain = 0;
			break;
		default:
			break;
		}
	return 0;
}

void
tide_aggspec_release(struct tide_aggspec *s)
{
	int i;

	for (i = 0; i < s->naggs; i++) {
		free(s->aggs[i].name);
		free(s->aggs[i].qname - 1);
	}
	for (i = 0; i < s->nfields; i++)
		tide_path_release(&s->paths[i]);
	free(s->aggs);
	free(s->paths);
	free(s->numeric);
	free(s->warn);
	memset(s, 0, sizeof(*s));
}

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * A validated JSON number without exponent and with at most 15 digits
 * (Clinger's fast path): m and 10^k are exact doubles, so m / 10^k is the
 * correctly rounded value, the one strtod gives.  Returns 0 when the text
 * needs the slow path.
 */
static int
fast_number(const char *p, size_t n, double *out, int64_t *iv, int *isint)
{
	const char *e = p + n;
	uint64_t m = 0;
	int nd = 0, k = -1, neg = 0;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			m = m * 10 + (uint64_t)(*p - '0');
			nd++;
			if (k >= 0)
				k++;
		} else if (*p == '.' && k < 0)
			k = 0;
		else
			return 0;
	}
	if (nd == 0 || nd > 15)
		return 0;
	*out = k > 0 ? (double)m / pow10tab[k] : (double)m;
	if ((*isint = k < 0) != 0)
		*iv = neg ? -(int64_t)m : (int64_t)m;
	if (neg)
		*out = -*out;
	return 1;
}

int
tide_agg_values(const struct tide_aggspec *s, const struct tide_json_val *jv,
    struct tide_aggval *vals, int *badfield)
{
	int i;

	for (i = 0; i < s->nfields; i++) {
		struct tide_aggval *v = &vals[i];

		v->type = jv[i].type;
		v->raw = jv[i].p;
		v->len = jv[i].len;
		v->isint = 0;
		if (v->type == TIDE_JSON_NUMBER) {
			if (fast_number(v->raw, v->len, &v->num, &v->i,
			    &v->isint))
				continue;
			/* An integer that fits int64 stays exact. */
			if (tide_json_int64(&jv[i], &v->i) == 0) {
				v->isint = 1;
				v->num = (double)v->i;
				continue;
			}
			if (tide_json_double(&jv[i], &v->num) < 0 ||
			    !isfinite(v->num)) {
				*badfield = i;
				return TIDE_ETYPE;
			}
		} else if (v->type == TIDE_JSON_NULL) {
			v->type = TIDE_JSON_NONE;
		} else if (v->type != TIDE_JSON_NONE && s->numeric[i]) {
			*badfield = i;
			return TIDE_ETYPE;
		}
	}
	return 0;
}

/* Set up aggregate i's state p, zeroed, as a new block has it. */
static void
init_one(const struct tide_aggspec *s, int i, void *p)
{
	switch (s->aggs[i].op) {
	case TIDE_AGG_APPROX_DISTINCT:
		tide_hll_init(&((struct st_hll *)p)->h, s->hll_p);
		break;
	case TIDE_AGG_QUANTILE:
		tide_dds_init(&((struct st_dds *)p)->d);
		break;
	case TIDE_AGG_TOP:
		/* More counters than k make the top k reliable. */
		tide_topk_init(&((struct st_top *)p)->t,
		    (uint32_t)(s->aggs[i].k < 8 ? 32 : 4 * s->aggs[i].k));
		break;
	default:
		break;
	}
}

void
tide_agg_init(const struct tide_aggspec *s, void *st)
{
	int i;

	memset(st, 0, s->size);
	for (i = 0; i < s->naggs; i++)
		init_one(s, i, (char *)st + s->aggs[i].off);
}

static void
sum_add(struct st_sum *m, double x)
{
	double t = m->u.s + x;

	if (fabs(m->u.s) >= fabs(x))
		m->c += (m->u.s - t) + x;
	else
		m->c += (x - t) + m->u.s;
	m->u.s = t;
}

/* What (double)i left out of i, exactly (0 below 2^53). */
static double
int_rest(int64_t i, double d)
{
	if (i > -9007199254740992 && i < 9007199254740992)
		return 0;
	if (d >= 9223372036854775808.0)	/* i rounded up to 2^63 */
		return (double)((i - INT64_MAX) - 1);
	return (double)(i - (int64_t)d);
}

/* The integer sum into doubles: u.s and the rest (exact) in c. */
static void
sum_to_dbl(struct st_sum *m)
{
	int64_t i;
	double d;

	if (m->nf & SUM_DBL)
		return;
	i = m->u.i;
	d = (double)i;
	m->u.s = d;
	m->c = int_rest(i, d);
	m->nf |= SUM_DBL;
}

/* Add integer x to a double sum without losing its low bits. */
static void
sum_add_int(struct st_sum *m, int64_t x)
{
	double d = (double)x, r = int_rest(x, d);

	sum_add(m, d);
	if (r != 0)
		sum_add(m, r);
}

/* Add integer x (isint) or double d to a sum. */
static inline void
sum_in(struct st_sum *m, int isint, int64_t x, double d)
{
	int64_t r;

	if ((m->nf & SUM_DBL) && !isint) {	/* the common case */
		sum_add(m, d);
		return;
	}
	if (!(m->nf & SUM_DBL) && isint) {
		if (!__builtin_add_overflow(m->u.i, x, &r)) {
			m->u.i = r;
			return;
		}
		m->nf |= SUM_WIDE;
	}
	sum_to_dbl(m);
	if (isint)
		sum_add_int(m, x);
	else
		sum_add(m, d);
}

/* Compare integer a with the finite double d exactly: <0, 0 or >0. */
static int
cmp_int_dbl(int64_t a, double d)
{
	int64_t t;
	double f;

	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = (int64_t)d;	/* truncated: exact below 2^63 */
	if (a != t)
		return a < t ? -1 : 1;
	f = d - (double)t;
	return (f < 0) - (f > 0);
}

/* Whether value (isint, x, d) should replace m's: dir -1 for min, 1 for
 * max.  Integers and doubles compare exactly (2^53 + 1 is more than the
 * double 2^53); on a tie the value held stays. */
static inline int
mm_better(const struct st_mm *m, int isint, int64_t x, double d, int dir)
{
	int c;

	if (MM_N(m) == 0)
		return 1;
	if (!isint && !(m->nf & MM_INT))
		return dir < 0 ? d < m->u.d : d > m->u.d;
	if (isint && (m->nf & MM_INT))
		return dir < 0 ? x < m->u.i : x > m->u.i;
	c = isint ? cmp_int_dbl(x, m->u.d) : -cmp_int_dbl(m->u.i, d);
	return dir < 0 ? c < 0 : c > 0;
}

static void
mm_set(struct st_mm *m, int isint, int64_t x, double d)
{
	if (isint) {
		m->u.i = x;
		m->nf |= MM_INT;
	} else {
		m->u.d = d;
		m->nf &= ~(uint64_t)MM_INT;
	}
}

static void
fl_set(struct st_fl *f, int64_t t, const char *p, size_t n)
{
	if (n > f->cap) {
		f->p = tide_xrealloc(f->p, n);
		f->cap = (uint32_t)n;
	}
	memcpy(f->p, p, n);
	f->len = (uint32_t)n;
	f->t = t;
	f->has = 1;
}

/* --- count_distinct's set ------------------------------------------------ */

static void
set_tohtab(struct st_set *m)
{
	struct sset *ss = m->s;
	uint32_t off = 0, l;

	m->h = tide_xmalloc(sizeof(*m->h));
	tide_htab_init(m->h, 0);
	while (ss && off < ss->len) {
		memcpy(&l, ss->d + off, 4);
		tide_htab_put(m->h, ss->d + off + 4, l, NULL);
		off += 4 + l;
	}
	free(ss);
	m->s = NULL;
}

static void
set_add(struct st_set *m, const char *v, size_t n)
{
	struct sset *ss = m->s;
	uint32_t off = 0, l, need;

	if (m->h) {
		tide_htab_put(m->h, v, n, NULL);
		return;
	}
	if (ss) {
		while (off < ss->len) {
			memcpy(&l, ss->d + off, 4);
			if (l == n && memcmp(ss->d + off + 4, v, n) == 0)
				return;
			off += 4 + l;
		}
	}
	if (n > SET_SMALLB || (ss && (ss->n >= SET_SMALLN ||
	    ss->len + 4 + n > SET_SMALLB))) {
		set_tohtab(m);
		tide_htab_put(m->h, v, n, NULL);
		return;
	}
	need = (ss ? ss->len : 0) + 4 + (uint32_t)n;
	if (ss == NULL || need > ss->cap) {
		uint32_t cap = ss ? ss->cap * 2 : 32;

		while (cap < need)
			cap *= 2;
		ss = tide_xrealloc(ss, sizeof(*ss) + cap);
		if (m->s == NULL)
			ss->n = ss->len = 0;
		ss->cap = cap;
		m->s = ss;
	}
	l = (uint32_t)n;
	memcpy(ss->d + ss->len, &l, 4);
	if (n)
		memcpy(ss->d + ss->len + 4, v, n);
	ss->len += 4 + l;
	ss->n++;
}

static size_t
set_count(const struct st_set *m)
{
	return m->h ? tide_htab_count(m->h) : m->s ? m->s->n : 0;
}

/* Iterate the values: *pos starts at 0; 0 at the end. */
static int
set_next(const struct st_set *m, size_t *pos, const char **v, size_t *n)
{
	uint32_t l;

	if (m->h)
		return tide_htab_next(m->h, pos, v, n) != NULL;
	if (m->s == NULL || *pos >= m->s->len)
		return 0;
	memcpy(&l, m->s->d + *pos, 4);
	*v = m->s->d + *pos + 4;
	*n = l;
	*pos += 4 + l;
	return 1;
}

static void
set_release(struct st_set *m)
{
	if (m->h) {
		tide_htab_release(m->h);
		free(m->h);
	}
	free(m->s);
	m->h = NULL;
	m->s = NULL;
}

/*
 * The canonical bytes of a value, for distinct, approx_distinct and top:
 * a type letter then the text, with numbers in shortest form (1.0 and 1 are
 * one value, and -0 and 0) and strings unescaped ("\u0041" and "A" are one
 * value).
 * Writes into buf (cap bytes) or, when longer, into *big.
 */
static const char *
canon(const struct tide_aggval *v, char *buf, size_t cap, struct tide_buf *big,
    size_t *n)
{
	if (v->type == TIDE_JSON_NUMBER) {
		buf[0] = 'n';
		/* -0 is 0, as a comparison has it (and sqlite3's DISTINCT). */
		*n = 1 + tide_json_fmt_double(buf + 1, v->num == 0 ? 0.0 :
		    v->num);
		return buf;
	}
	if (v->type == TIDE_JSON_STRING) {
		if (memchr(v->raw, '\\', v->len) == NULL && v->len - 1 <= cap) {
			buf[0] = 's';
			memcpy(buf + 1, v->raw + 1, v->len - 2);
			*n = v->len - 1;
			return buf;
		}
		tide_buf_reset(big);
		tide_buf_addc(big, 's');
		tide_json_str(&(struct tide_json_val){ v->type, v->raw, v->len },
		    big);
		*n = big->len;
		return big->data;
	}
	if (v->len + 1 <= cap) {
		buf[0] = 'o';
		memcpy(buf + 1, v->raw, v->len);
		*n = v->len + 1;
		return buf;
	}
	tide_buf_reset(big);
	tide_buf_addc(big, 'o');
	tide_buf_add(big, v->raw, v->len);
	*n = big->len;
	return big->data;
}

static int
write_canon(struct tide_buf *b, const char *p, size_t n)
{
	if (n == 0)
		return tide_buf_adds(b, "null");
	switch (p[0]) {
	case 's':
		return tide_json_write_str(b, p + 1, n - 1);
	default:
		return tide_buf_add(b, p + 1, n - 1);
	}
}

void
tide_agg_update(const struct tide_aggspec *s, void *st, int64_t t,
    const struct tide_aggval *vals)
{
	char cbuf[256];
	struct tide_buf big = TIDE_BUF_INIT;
	int i;

	for (i = 0; i < s->naggs; i++) {
		const struct tide_agg *a = &s->aggs[i];
		const struct tide_aggval *v = a->field >= 0 ? &vals[a->field] : NULL;
		void *p = (char *)st + a->off;
		const char *c;
		size_t cn;

		if (a->op == TIDE_AGG_COUNT) {
			if (v == NULL || v->type != TIDE_JSON_NONE)
				((struct st_count *)p)->n++;
			continue;
		}
		if (v->type == TIDE_JSON_NONE)
			continue;
		switch (a->op) {
		case TIDE_AGG_COUNT:
			break;
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG:
			sum_in(p, v->isint, v->i, v->num);
			((struct st_sum *)p)->nf += SUM_ONE;
			break;
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX: {
			struct st_mm *m = p;

			if (mm_better(m, v->isint, v->i, v->num,
			    a->op == TIDE_AGG_MIN ? -1 : 1))
				mm_set(m, v->isint, v->i, v->num);
			m->nf += MM_ONE;
			break;
		}
		case TIDE_AGG_FIRST: {
			struct st_fl *f = p;

			if (!f->has || t < f->t)
				fl_set(f, t, v->raw, v->len);
			break;
		}
		case TIDE_AGG_LAST: {
			struct st_fl *f = p;

			if (!f->has || t >= f->t)
				fl_set(f, t, v->raw, v->len);
			break;
		}
		case TIDE_AGG_VAR:
		case TIDE_AGG_VAR_SAMP:
		case TIDE_AGG_STDDEV:
		case TIDE_AGG_STDDEV_SAMP: {
			struct st_var *m = p;
			double d = v->num - m->mean;

			m->n++;
			m->mean += d / (double)m->n;
			m->m2 += d * (v->num - m->mean);
			break;
		}
		case TIDE_AGG_DISTINCT: {
			c = canon(v, cbuf, sizeof(cbuf), &big, &cn);
			set_add(p, c, cn);
			break;
		}
		case TIDE_AGG_APPROX_DISTINCT:
			c = canon(v, cbuf, sizeof(cbuf), &big, &cn);
			tide_hll_add(&((struct st_hll *)p)->h, tide_hash(c, cn));
			break;
		case TIDE_AGG_QUANTILE:
			tide_dds_add(&((struct st_dds *)p)->d, v->num);
			break;
		case TIDE_AGG_TOP:
			c = canon(v, cbuf, sizeof(cbuf), &big, &cn);
			tide_topk_add(&((struct st_top *)p)->t, c, cn, 1);
			break;
		}
	}
	if (big.data != NULL)	/* no call per update when it was not used */
		tide_buf_release(&big);
}

void
tide_agg_merge(const struct tide_aggspec *s, void *dst, const void *src)
{
	int i;

	for (i = 0; i < s->naggs; i++) {
		const struct tide_agg *a = &s->aggs[i];
		void *d = (char *)dst + a->off;
		const void *p = (const char *)src + a->off;

		switch (a->op) {
		case TIDE_AGG_COUNT:
			((struct st_count *)d)->n += ((const struct st_count *)p)->n;
			break;
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG: {
			const struct st_sum *m = p;
			struct st_sum *o = d;

			if (SUM_N(m) == 0)
				break;
			if (m->nf & SUM_DBL) {
				sum_to_dbl(o);
				sum_add(o, m->u.s);
				sum_add(o, m->c);
			} else
				sum_in(o, 1, m->u.i, 0);
			o->nf = (o->nf + (m->nf & ~(uint64_t)3)) |
			    (m->nf & SUM_WIDE);
			break;
		}
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX: {
			const struct st_mm *m = p;
			struct st_mm *o = d;
			int mi = (int)(m->nf & MM_INT);

			if (MM_N(m) && mm_better(o, mi, m->u.i, m->u.d,
			    a->op == TIDE_AGG_MIN ? -1 : 1))
				mm_set(o, mi, m->u.i, m->u.d);
			o->nf += m->nf & ~(uint64_t)MM_INT;
			break;
		}
		case TIDE_AGG_FIRST: {
			const struct st_fl *f = p;
			struct st_fl *o = d;

			if (f->has && (!o->has || f->t < o->t))
				fl_set(o, f->t, f->p, f->len);
			break;
		}
		case TIDE_AGG_LAST: {
			const struct st_fl *f = p;
			struct st_fl *o = d;

			/* Blocks are merged in time order (panes) or
			 * arrival order is unknown (sessions): on a tie the
			 * block merged in, the later one, wins. */
			if (f->has && (!o->has || f->t >= o->t))
				fl_set(o, f->t, f->p, f->len);
			break;
		}
		case TIDE_AGG_VAR:
		case TIDE_AGG_VAR_SAMP:
		case TIDE_AGG_STDDEV:
		case TIDE_AGG_STDDEV_SAMP: {
			const struct st_var *m = p;
			struct st_var *o = d;
			double n, delta;

			if (m->n == 0)
				break;
			if (o->n == 0) {
				*o = *m;
				break;
			}
			n = (double)(o->n + m->n);
			delta = m->mean - o->mean;
			o->m2 += m->m2 + delta * delta * (double)o->n *
			    (double)m->n / n;
			o->mean += delta * (double)m->n / n;
			o->n += m->n;
			break;
		}
		case TIDE_AGG_DISTINCT: {
			const struct st_set *m = p;
			struct st_set *o = d;
			const char *key;
			size_t pos = 0, klen;

			while (set_next(m, &pos, &key, &klen))
				set_add(o, key, klen);
			break;
		}
		case TIDE_AGG_APPROX_DISTINCT:
			tide_hll_merge(&((struct st_hll *)d)->h,
			    &((const struct st_hll *)p)->h);
			break;
		case TIDE_AGG_QUANTILE:
			tide_dds_merge(&((struct st_dds *)d)->d,
			    &((const struct st_dds *)p)->d);
			break;
		case TIDE_AGG_TOP:
			tide_topk_merge(&((struct st_top *)d)->t,
			    &((const struct st_top *)p)->t);
			break;
		}
	}
}

/*
 * tide_json_fmt_double()'s bytes, faster: it tries "%.15g", "%.16g" and
 * "%.17g" with snprintf and strtod until one reads back as d, and sums
 * often need 16 or 17 digits.  Here, for 1e-4 <= |d| < 1e15 (plain
 * notation under %g), the P-digit decimal of d = m * 2^-s is computed
 * exactly in 128-bit integers (q = m * 10^k / 2^s rounded half to even,
 * as printf rounds), and whether it reads back as d is decided exactly
 * too: q / 10^k is within half an ulp of d (ties to even m, as strtod
 * breaks them).  Anything else (a carry into a new digit, a power of two
 * whose lower neighbour is closer) goes to tide_json_fmt_double().
 */
static const unsigned __int128 p10x[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL, (unsigned __int128)10000000000000000000ULL * 10,
};

static size_t
fmt_fast(char *out, double d)
{
	double a = fabs(d);
	unsigned __int128 n, q, rem, half, lhs, tk;
	uint64_t m, u;
	int e2, s, x, p, k, i;
	char dig[24], *w = out;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	m = (uint64_t)ldexp(frexp(a, &e2), 53);
	s = 53 - e2;	/* a = m / 2^s, 3 <= s <= 66 */
	/* x = floor(log10(a)), made exact: 10^x <= a < 10^(x+1). */
	x = (int)floor(log10(a));
	for (i = 0; i < 2; i++) {
		if (x >= 0 ? (unsigned __int128)m < p10x[x] << s :
		    (unsigned __int128)m * p10x[-x] < (unsigned __int128)1 << s)
			x--;
		else if (x + 1 >= 0 ? (unsigned __int128)m >= p10x[x + 1] << s :
		    (unsigned __int128)m * p10x[-x - 1] >= (unsigned __int128)1 << s)
			x++;
	}
	if (x < -4 || x > 14)
		return 0;
	for (p = 15; p <= 17; p++) {
		__int128 diff;

		k = p - 1 - x;	/* digits after the point: 0..20 */
		if (k < 0 || k > 20)
			return 0;
		tk = p10x[k];
		n = (unsigned __int128)m * tk;
		q = n >> s;
		rem = n - (q << s);
		half = (unsigned __int128)1 << (s - 1);
		if (rem > half || (rem == half && (q & 1)))
			q++;
		if (q >= p10x[p] || q < p10x[p - 1])
			return 0;
		diff = (__int128)(q << s) - (__int128)n;
		if (m == (1ULL << 52) && diff < 0)
			return 0;
		lhs = (unsigned __int128)(diff < 0 ? -diff : diff) * 2;
		if (lhs < tk || (lhs == tk && (m & 1) == 0))
			break;
	}
	if (p > 17)
		return 0;
	for (u = (uint64_t)q, i = p - 1; i >= 0; i--) {
		dig[i] = (char)('0' + (int)(u % 10));	/* q < 10^17: 64 bits */
		u /= 10;
	}
	while (p > 1 && dig[p - 1] == '0' && p - 1 > x)
		p--;	/* trailing zeros of the fraction go, as with %g */
	if (d < 0)
		*w++ = '-';
	if (x < 0) {
		*w++ = '0';
		*w++ = '.';
		for (i = 0; i < -x - 1; i++)
			*w++ = '0';
		memcpy(w, dig, (size_t)p);
		w += p;
	} else {
		memcpy(w, dig, (size_t)x + 1);
		w += x + 1;
		if (p > x + 1) {
			*w++ = '.';
			memcpy(w, dig + x + 1, (size_t)(p - x - 1));
			w += p - x - 1;
		}
	}
	*w = '\0';
	return (size_t)(w - out);
}

/* tide_json_fmt_double()'s first try, copied (it is static there): the
 * shortest decimal of up to 15 digits that reads back as d, exactly the
 * bytes of "%.15g" when that round-trips; 0 when there is none. */
static const char digits2[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of u, ending at e (written backwards, two at a
 * time); returns where they start. */
static char *
utoa_back(char *e, uint64_t u)
{
	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);

		u /= 100;
		e -= 2;
		memcpy(e, digits2 + 2 * r, 2);
	}
	if (u >= 10) {
		e -= 2;
		memcpy(e, digits2 + 2 * u, 2);
	} else
		*--e = (char)('0' + u);
	return e;
}

static size_t
fmt_short(char *out, double d)
{
	char dig[24], *e = dig + sizeof(dig), *p, *w = out;
	double a = fabs(d), m = 0;
	int k, nd;

	if (a < 1e-4 || a >= 1e15)
		return 0;
	for (k = 1; k <= 22; k++) {
		/* nearbyint() without the call: adding and taking away 2^52
		 * rounds to an integer, half to even, below 2^52; at or
		 * above it the result is past 1e15 either way. */
		m = a * pow10tab[k];
		m = (m + 0x1p52) - 0x1p52;
		if (m >= 1e15)
			return 0;
		if (m / pow10tab[k] == a)
			break;
	}
	if (k > 22)
		return 0;
	p = utoa_back(e, (uint64_t)m);
	nd = (int)(e - p);
	if (d < 0)
		*w++ = '-';
	if (nd <= k) {
		/* 0.000ddd */
		*w++ = '0';
		*w++ = '.';
		memset(w, '0', (size_t)(k - nd));
		w += k - nd;
		memcpy(w, p, (size_t)nd);
		w += nd;
	} else {
		memcpy(w, p, (size_t)(nd - k));
		w += nd - k;
		*w++ = '.';
		memcpy(w, e - k, (size_t)k);
		w += k;
	}
	*w = '\0';
	return (size_t)(w - out);
}

size_t
tide_agg_fmt_num(char *out, double d)
{
	size_t n;

	/* Integers below 2^53 are written in full, as "%lld" would. */
	if (fabs(d) < 9007199254740992.0 && d == trunc(d) && d != 0) {
		char t[24], *e = t + sizeof(t), *p;

		p = utoa_back(e, (uint64_t)fabs(d));
		n = 0;
		if (d < 0)
			out[n++] = '-';
		memcpy(out + n, p, (size_t)(e - p));
		n += (size_t)(e - p);
		out[n] = '\0';
		return n;
	}
	if ((n = fmt_short(out, d)) > 0 || (n = fmt_fast(out, d)) > 0)
		return n;
	return tide_json_fmt_double(out, d);
}

size_t
tide_agg_fmt_prec(char *out, double d, int prec)
{
	char *e;
	int n;

	if (prec < 0 || !(fabs(d) < 1e15))
		return tide_agg_fmt_num(out, d);
	n = snprintf(out, 48, "%.*f", prec > 15 ? 15 : prec, d);
	if (memchr(out, '.', (size_t)n) != NULL) {
		for (e = out + n; e[-1] == '0'; e--)
			;
		if (e[-1] == '.')
			e--;
		n = (int)(e - out);
		out[n] = '\0';
	}
	if (n == 2 && out[0] == '-' && out[1] == '0')
		return (size_t)snprintf(out, 48, "0");
	{
		/* Digits past a double's 17 are noise: the shortest text of
		 * the double that the rounded one reads as, when shorter. */
		char alt[48];
		size_t m = tide_agg_fmt_num(alt, strtod(out, NULL));

		if (m < (size_t)n) {
			memcpy(out, alt, m + 1);
			n = (int)m;
		}
	}
	return (size_t)n;
}

/* A double result, formatted in place (48 bytes at most): past a double's
 * range it is null, counted in s->warn. */
static int
write_num(const struct tide_aggspec *s, struct tide_buf *b, double v)
{
	int r;

	if (!isfinite(v)) {
		if (s->warn != NULL)
			s->warn->overflow++;
		return tide_buf_adds(b, "null");
	}
	if (b->cap - b->len < 48 && (r = tide_buf_grow(b, 48)) < 0)
		return r;
	b->len += s->precision < 0 ? tide_agg_fmt_num(b->data + b->len, v) :
	    tide_agg_fmt_prec(b->data + b->len, v, s->precision);
	return 0;
}

/* A sum: exact while it stays an int64, else a double (counted in
 * s->warn when an integer sum left int64). */
static int
write_sum(const struct tide_aggspec *s, struct tide_buf *b,
    const struct st_sum *m, int avg)
{
	int64_t n = SUM_N(m);

	if (n == 0)
		return tide_buf_adds(b, "null");
	if (!(m->nf & SUM_DBL) && !avg)
		return tide_json_write_int(b, m->u.i);
	if (!(m->nf & SUM_DBL))	/* one rounding while the sum is a double */
		return write_num(s, b, m->u.i > -9007199254740992 &&
		    m->u.i < 9007199254740992 ? (double)m->u.i / (double)n :
		    (double)((long double)m->u.i / (long double)n));
	if ((m->nf & SUM_WIDE) && s->warn != NULL)
		s->warn->wide++;
	return write_num(s, b, avg ? (m->u.s + m->c) / (double)n :
	    m->u.s + m->c);
}

int
tide_agg_emit(const struct tide_aggspec *s, const void *st, struct tide_jobj *o)
{
	struct tide_buf *b = o->b;
	int i, r = 0;

	for (i = 0; i < s->naggs && r == 0; i++) {
		const struct tide_agg *a = &s->aggs[i];
		const void *p = (const char *)st + a->off;

		if ((r = o->empty ? tide_buf_add(b, a->qname, a->qlen) :
		    tide_buf_add(b, a->qname - 1, a->qlen + 1)) < 0)
			break;
		o->empty = 0;
		switch (a->op) {
		case TIDE_AGG_COUNT:
			r = tide_json_write_int(b, ((const struct st_count *)p)->n);
			break;
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG:
			r = write_sum(s, b, p, a->op == TIDE_AGG_AVG);
			break;
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX: {
			const struct st_mm *m = p;

			if (MM_N(m) == 0)
				r = tide_buf_adds(b, "null");
			else if (m->nf & MM_INT)
				r = tide_json_write_int(b, m->u.i);
			else
				r = write_num(s, b, m->u.d);
			break;
		}
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST: {
			const struct st_fl *f = p;

			r = f->has ? tide_buf_add(b, f->p, f->len) :
			    tide_buf_adds(b, "null");
			break;
		}
		case TIDE_AGG_VAR:
		case TIDE_AGG_VAR_SAMP:
		case TIDE_AGG_STDDEV:
		case TIDE_AGG_STDDEV_SAMP: {
			const struct st_var *m = p;
			int samp = a->op == TIDE_AGG_VAR_SAMP ||
			    a->op == TIDE_AGG_STDDEV_SAMP;
			double v;

			if (m->n == 0 || (samp && m->n < 2)) {
				r = tide_buf_adds(b, "null");
				break;
			}
			v = m->m2 / (double)(samp ? m->n - 1 : m->n);
			if (v < 0)
				v = 0;
			if (a->op == TIDE_AGG_STDDEV || a->op == TIDE_AGG_STDDEV_SAMP)
				v = sqrt(v);
			r = write_num(s, b, v);
			break;
		}
		case TIDE_AGG_DISTINCT: {
			const struct st_set *m = p;

			r = tide_json_write_int(b, (int64_t)set_count(m));
			break;
		}
		case TIDE_AGG_APPROX_DISTINCT:
			r = tide_json_write_int(b, (int64_t)llround(
			    tide_hll_estimate(&((const struct st_hll *)p)->h)));
			break;
		case TIDE_AGG_QUANTILE: {
			const struct st_dds *m = p;

			r = m->d.count ? write_num(s, b, tide_dds_rank(&m->d,
			    tide_dds_disc_rank(m->d.count, a->qnum, a->qden))) :
			    tide_buf_adds(b, "null");
			break;
		}
		case TIDE_AGG_TOP: {
			/* Sorting reorders counters only: the block's results
			 * do not change, so emit may sort in place. */
			struct tide_topk *t = &((struct st_top *)(uintptr_t)p)->t;
			uint32_t j;

			tide_topk_sort(t);
			r = tide_buf_addc(b, '[');
			for (j = 0; j < t->n && j < (uint32_t)a->k && r == 0; j++) {
				struct tide_jobj e;

				if (j)
					tide_buf_addc(b, ',');
				tide_jobj_begin(&e, b);
				tide_jobj_key(&e, "value", 5);
				write_canon(b, t->e[j].v, t->e[j].len);
				tide_jobj_key(&e, "count", 5);
				tide_json_write_int(b, (int64_t)t->e[j].count);
				r = tide_jobj_end(&e);
			}
			if (r == 0)
				r = tide_buf_addc(b, ']');
			break;
		}
		}
	}
	return r;
}

/* Free what aggregate i's state p points to. */
static void
clear_one(const struct tide_aggspec *s, int i, void *p)
{
	switch (s->aggs[i].op) {
	case TIDE_AGG_FIRST:
	case TIDE_AGG_LAST:
		free(((struct st_fl *)p)->p);
		((struct st_fl *)p)->p = NULL;
		break;
	case TIDE_AGG_DISTINCT:
		set_release(p);
		break;
	case TIDE_AGG_APPROX_DISTINCT:
		tide_hll_release(&((struct st_hll *)p)->h);
		break;
	case TIDE_AGG_QUANTILE:
		tide_dds_release(&((struct st_dds *)p)->d);
		break;
	case TIDE_AGG_TOP:
		tide_topk_release(&((struct st_top *)p)->t);
		break;
	default:
		break;
	}
}

/*
 * first's and last's value buffer and a distinct set (its array or its
 * hash table) are emptied in place, not freed: tide-window --over resets
 * its result block once a record, and each would otherwise be frees and
 * allocations a record.  The sketches are freed and set up again.
 */
void
tide_agg_reset(const struct tide_aggspec *s, void *st)
{
	struct st_fl *f;
	struct st_set *m;
	size_t end;
	int i;

	if (s->plain) {
		memset(st, 0, s->size);
		return;
	}
	for (i = 0; i < s->naggs; i++) {
		void *p = (char *)st + s->aggs[i].off;

		switch (s->aggs[i].op) {
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST:
			f = p;
			f->t = 0;
			f->len = 0;
			f->has = 0;
			break;
		case TIDE_AGG_DISTINCT:
			m = p;
			if (m->h != NULL)
				tide_htab_clear(m->h);
			if (m->s != NULL)
				m->s->n = m->s->len = 0;
			break;
		default:
			/* A state runs to the next one's offset (parse_one
			 * lays them out in order). */
			end = i + 1 < s->naggs ? s->aggs[i + 1].off : s->size;
			clear_one(s, i, p);
			memset(p, 0, end - s->aggs[i].off);
			init_one(s, i, p);
			break;
		}
	}
}

void
tide_agg_clear(const struct tide_aggspec *s, void *st)
{
	int i;

	for (i = 0; i < s->naggs; i++)
		clear_one(s, i, (char *)st + s->aggs[i].off);
}

/* --- state files ------------------------------------------------------ */

/*
 * Blocks as bytes, for tide-window --state, in lib/ser.h's fixed-width
 * little-endian fields.
 */

void
tide_aggspec_describe(const struct tide_aggspec *s, struct tide_buf *b)
{
	int i;

	tide_buf_addf(b, "hll=%d", s->hll_p);
	for (i = 0; i < s->naggs; i++) {
		const struct tide_agg *a = &s->aggs[i];

		tide_buf_addf(b, ";%d(%s", (int)a->op,
		    a->field >= 0 ? s->paths[a->field].text : "");
		if (a->op == TIDE_AGG_QUANTILE)
			tide_buf_addf(b, ",q=%.17g", a->q);
		if (a->op == TIDE_AGG_TOP)
			tide_buf_addf(b, ",k=%d", a->k);
		/* Blocks of exact integers (state files of older versions
		 * held doubles only). */
		if (a->op == TIDE_AGG_SUM || a->op == TIDE_AGG_AVG ||
		    a->op == TIDE_AGG_MIN || a->op == TIDE_AGG_MAX)
			tide_buf_adds(b, ",int64");
		/* Sketches that may be sparse (older versions: dense only). */
		if (a->op == TIDE_AGG_APPROX_DISTINCT)
			tide_buf_adds(b, ",sparse");
		tide_buf_addf(b, ") as %s", a->name);
	}
}

static void
save_store(struct tide_buf *b, const struct tide_dds_store *s)
{
	uint32_t i, j = 0;
	int32_t k;

	if (s->c || s->sn == 0) {
		tide_ser_put_u64(b, (uint64_t)(int64_t)s->off);
		tide_ser_put_u64(b, s->n);
		for (i = 0; i < s->n; i++)
			tide_ser_put_u64(b, s->c[i]);
		return;
	}
	/* Sparse: as the dense buckets of its span. */
	tide_ser_put_u64(b, (uint64_t)(int64_t)s->sp[0].k);
	tide_ser_put_u64(b, (uint64_t)(s->sp[s->sn - 1].k - s->sp[0].k) + 1);
	for (k = s->sp[0].k; k <= s->sp[s->sn - 1].k; k++)
		tide_ser_put_u64(b, s->sp[j].k == k ? s->sp[j++].w : 0);
}

static int
load_store(const char **p, const char *end, struct tide_dds_store *s)
{
	int64_t off;
	uint64_t n, i;

	if (tide_ser_get_i64(p, end, &off) < 0 || tide_ser_get_u64(p, end, &n) < 0 ||
	    n > TIDE_DDS_MAXBINS || off < INT32_MIN || off > INT32_MAX ||
	    (uint64_t)(end - *p) < 8 * n)
		return TIDE_EFORMAT;
	free(s->c);
	free(s->sp);
	memset(s, 0, sizeof(*s));
	s->off = (int32_t)off;
	s->n = (uint32_t)n;
	if (n)
		s->c = tide_xcalloc((size_t)n, sizeof(*s->c));
	for (i = 0; i < n; i++)
		tide_ser_get_u64(p, end, &s->c[i]);
	tide_dds_store_trim(s);
	return 0;
}

void
tide_agg_save(const struct tide_aggspec *s, const void *st, struct tide_buf *b)
{
	int i;

	for (i = 0; i < s->naggs; i++) {
		const void *p = (const char *)st + s->aggs[i].off;

		switch (s->aggs[i].op) {
		case TIDE_AGG_COUNT:
			tide_ser_put_u64(b, (uint64_t)((const struct st_count *)p)->n);
			break;
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG: {
			const struct st_sum *m = p;

			tide_ser_put_u64(b, (uint64_t)m->u.i);	/* or u.s's bits */
			tide_ser_put_f64(b, m->c);
			tide_ser_put_u64(b, m->nf);
			break;
		}
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX: {
			const struct st_mm *m = p;

			tide_ser_put_u64(b, (uint64_t)m->u.i);	/* or u.d's bits */
			tide_ser_put_u64(b, m->nf);
			break;
		}
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST: {
			const struct st_fl *f = p;

			tide_ser_put_u64(b, (uint64_t)f->has);
			tide_ser_put_u64(b, (uint64_t)f->t);
			tide_ser_put_bytes(b, f->p, f->has ? f->len : 0);
			break;
		}
		case TIDE_AGG_VAR:
		case TIDE_AGG_VAR_SAMP:
		case TIDE_AGG_STDDEV:
		case TIDE_AGG_STDDEV_SAMP: {
			const struct st_var *m = p;

			tide_ser_put_u64(b, (uint64_t)m->n);
			tide_ser_put_f64(b, m->mean);
			tide_ser_put_f64(b, m->m2);
			break;
		}
		case TIDE_AGG_DISTINCT: {
			const struct st_set *m = p;
			size_t pos = 0, kl;
			const char *k;

			tide_ser_put_u64(b, set_count(m));
			while (set_next(m, &pos, &k, &kl))
				tide_ser_put_bytes(b, k, kl);
			break;
		}
		case TIDE_AGG_APPROX_DISTINCT: {
			const struct tide_hll *h = &((const struct st_hll *)p)->h;

			uint32_t j;
			unsigned char e[4];

			if (h->reg) {
				tide_ser_put_bytes(b, h->reg, (size_t)1 << h->p);
				break;
			}
			/* Sparse: 4 bytes an entry, fewer than the dense 2^p. */
			tide_ser_put_u64(b, (uint64_t)h->sn * 4);
			for (j = 0; j < h->sn; j++) {
				e[0] = (unsigned char)h->sp[j];
				e[1] = (unsigned char)(h->sp[j] >> 8);
				e[2] = (unsigned char)(h->sp[j] >> 16);
				e[3] = (unsigned char)(h->sp[j] >> 24);
				tide_buf_add(b, e, 4);
			}
			break;
		}
		case TIDE_AGG_QUANTILE: {
			const struct tide_dds *d = &((const struct st_dds *)p)->d;

			save_store(b, &d->pos);
			save_store(b, &d->neg);
			tide_ser_put_u64(b, d->zero);
			tide_ser_put_u64(b, d->count);
			tide_ser_put_f64(b, d->min);
			tide_ser_put_f64(b, d->max);
			break;
		}
		case TIDE_AGG_TOP: {
			const struct tide_topk *t = &((const struct st_top *)p)->t;
			uint32_t j;

			tide_ser_put_u64(b, t->n);
			for (j = 0; j < t->n; j++) {
				tide_ser_put_bytes(b, t->e[j].v, t->e[j].len);
				tide_ser_put_u64(b, t->e[j].count);
				tide_ser_put_u64(b, t->e[j].err);
			}
			break;
		}
		}
	}
}

int
tide_agg_load(const struct tide_aggspec *s, void *st, const char **pp,
    const char *end)
{
	const size_t maxv = (size_t)1 << 30;
	int i;

	for (i = 0; i < s->naggs; i++) {
		void *p = (char *)st + s->aggs[i].off;
		uint64_t u, n, j;
		const char *v;
		size_t vl;

		switch (s->aggs[i].op) {
		case TIDE_AGG_COUNT:
			if (tide_ser_get_i64(pp, end, &((struct st_count *)p)->n) < 0)
				return TIDE_EFORMAT;
			break;
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG: {
			struct st_sum *m = p;

			if (tide_ser_get_i64(pp, end, &m->u.i) < 0 ||
			    tide_ser_get_f64(pp, end, &m->c) < 0 ||
			    tide_ser_get_u64(pp, end, &m->nf) < 0)
				return TIDE_EFORMAT;
			break;
		}
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX: {
			struct st_mm *m = p;

			if (tide_ser_get_i64(pp, end, &m->u.i) < 0 ||
			    tide_ser_get_u64(pp, end, &m->nf) < 0)
				return TIDE_EFORMAT;
			break;
		}
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST: {
			struct st_fl *f = p;
			int64_t t;

			if (tide_ser_get_u64(pp, end, &u) < 0 || u > 1 ||
			    tide_ser_get_i64(pp, end, &t) < 0 ||
			    tide_ser_get_bytes(pp, end, &v, &vl, maxv) < 0)
				return TIDE_EFORMAT;
			if (u)
				fl_set(f, t, v, vl);
			break;
		}
		case TIDE_AGG_VAR:
		case TIDE_AGG_VAR_SAMP:
		case TIDE_AGG_STDDEV:
		case TIDE_AGG_STDDEV_SAMP: {
			struct st_var *m = p;

			if (tide_ser_get_i64(pp, end, &m->n) < 0 ||
			    tide_ser_get_f64(pp, end, &m->mean) < 0 ||
			    tide_ser_get_f64(pp, end, &m->m2) < 0)
				return TIDE_EFORMAT;
			break;
		}
		case TIDE_AGG_DISTINCT: {
			struct st_set *m = p;

			if (tide_ser_get_u64(pp, end, &n) < 0)
				return TIDE_EFORMAT;
			for (j = 0; j < n; j++) {
				if (tide_ser_get_bytes(pp, end, &v, &vl, maxv) < 0)
					return TIDE_EFORMAT;
				set_add(m, v, vl);
			}
			break;
		}
		case TIDE_AGG_APPROX_DISTINCT: {
			struct tide_hll *h = &((struct st_hll *)p)->h;

			size_t m = (size_t)1 << h->p;
			uint32_t e, prev = 0;

			if (tide_ser_get_bytes(pp, end, &v, &vl, maxv) < 0)
				return TIDE_EFORMAT;
			if (vl == m) {
				tide_hll_release(h);
				h->reg = tide_xcalloc(m, 1);
				memcpy(h->reg, v, m);
				break;
			}
			/* Sparse: increasing indexes, values in range. */
			if (vl % 4 || vl / 4 > tide_hll_sparse_max(h->p))
				return TIDE_EFORMAT;
			for (j = 0; j < vl / 4; j++) {
				const unsigned char *q =
				    (const unsigned char *)v + 4 * j;

				e = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
				    (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
				if ((j > 0 && e >> 8 <= prev >> 8) ||
				    tide_hll_set(h, e >> 8, e & 0xff) < 0)
					return TIDE_EFORMAT;
				prev = e;
			}
			break;
		}
		case TIDE_AGG_QUANTILE: {
			struct tide_dds *d = &((struct st_dds *)p)->d;

			if (load_store(pp, end, &d->pos) < 0 ||
			    load_store(pp, end, &d->neg) < 0 ||
			    tide_ser_get_u64(pp, end, &d->zero) < 0 ||
			    tide_ser_get_u64(pp, end, &d->count) < 0 ||
			    tide_ser_get_f64(pp, end, &d->min) < 0 ||
			    tide_ser_get_f64(pp, end, &d->max) < 0)
				return TIDE_EFORMAT;
			break;
		}
		case TIDE_AGG_TOP: {
			struct tide_topk *t = &((struct st_top *)p)->t;

			if (tide_ser_get_u64(pp, end, &n) < 0 || n > t->cap)
				return TIDE_EFORMAT;
			if (n && t->e == NULL)
				t->e = tide_xcalloc(t->cap, sizeof(*t->e));
			for (j = 0; j < n; j++) {
				struct tide_topk_ent *e = &t->e[t->n];

				if (tide_ser_get_bytes(pp, end, &v, &vl, maxv) < 0 ||
				    tide_ser_get_u64(pp, end, &e->count) < 0 ||
				    tide_ser_get_u64(pp, end, &e->err) < 0)
					return TIDE_EFORMAT;
				e->v = tide_xmemdup(v, vl);
				e->len = (uint32_t)vl;
				t->n++;
			}
			break;
		}
		}
	}
	return 0;
}
