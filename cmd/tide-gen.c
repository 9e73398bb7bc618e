/*
 * tide-gen: deterministic synthetic events (transactions, customers,
 * telemetry) for demos, tests and benchmarks.
 *
 * The same seed and options give byte-identical output (--stamp aside):
 * every value comes from xoshiro256** (lib/rng.h) and integer arithmetic,
 * event times follow a schedule computed from the record index, and
 * per-key attributes (an account's home country and base risk) are hashes
 * of the seed and the key, so transactions and customers generated with
 * the same seed agree about the same account.
 *
 * Records are formatted by hand into one line buffer -- the values are
 * identifiers, integers and fixed-point decimals, none of which needs
 * escaping -- and written through struct tide_wout: no allocation and no
 * printf per record.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "exitcode.h"
#include "prog.h"
#include "rio.h"
#include "rng.h"
#include "sig.h"
#include "time.h"
#include "xalloc.h"

/* 2026-11-01T00:00:00Z: a fixed default so output does not depend on when
 * it was made. */
#define DEFAULT_START	1793491200000LL
#define DEFAULT_SEED	1
#define DEFAULT_STEP	10		/* ms between events without --rate */
#define DEFAULT_ACCOUNTS 1000
#define DEFAULT_SKEW	0.8
#define DEFAULT_LATE_BY	5000		/* ms */
#define DEFAULT_GAP	3600000		/* ms between customer versions */
#define DEFAULT_MACHINES 20
#define MAX_ACCOUNTS	1000000		/* ids are a000000..a999999 */
#define MAX_MACHINES	10000		/* mc0000..mc9999 */
#define NMERCHANTS	2000		/* m00000..m01999 */
#define MERCHANT_SKEW	1.0
#define TICK_US		10000		/* pacing: emit and flush every 10 ms */
#define LINE_MAX_LEN	512		/* longest record we format, with room */

enum {
	OPT_COUNT = TIDE_OPT_LONG,
	OPT_RATE,
	OPT_SEED,
	OPT_START,
	OPT_STEP,
	OPT_FORMAT,
	OPT_STAMP,
	OPT_ACCOUNTS,
	OPT_SKEW,
	OPT_LATE,
	OPT_LATE_BY,
	OPT_VERSIONS,
	OPT_VERSION_GAP,
	OPT_MACHINES,
	OPT_FRAUD,
};

enum kind { K_TRANSACTIONS, K_CUSTOMERS, K_TELEMETRY };
enum fmt { FMT_NDJSON, FMT_CSV };

static const char *const kind_names[] = { "transactions", "customers",
    "telemetry" };

/* Which kinds each kind-specific option applies to (bit per enum kind). */
#define KB(k) (1u << (k))

struct gen {
	enum kind kind;
	enum fmt fmt;
	long long count;	/* -1: no limit */
	double rate;		/* records a second; 0: as fast as possible */
	uint64_t seed;
	int64_t start;		/* ms */
	long long step;		/* ms; -1: from the rate */
	int stamp;
	long accounts;
	double skew;
	double late;
	long long late_by;	/* ms */
	long versions;		/* 0: no valid_from field */
	long long gap;		/* ms */
	long machines;
	int fraud;		/* transactions: the labelled fraud field */

	struct tide_rng rng;
	struct tide_rng late_rng;	/* its own stream: --late only moves ts */
	struct tide_zipf acct_zipf;
	struct tide_zipf merch_zipf;
	unsigned char *home;	/* transactions: account -> country index */
	uint16_t *risk;		/* account -> risk score in thousandths */
	unsigned char *segment;	/* customers: account -> segment index */
	int32_t *limit;		/* customers: account -> credit limit */
	int64_t *value;		/* telemetry: machine*NSENSOR+sensor -> 1/100 */
	int64_t *base;		/* telemetry: the value it reverts to */
};


/* --- formatting ---------------------------------------------------------- */

/*
 * One record being formatted into a fixed buffer.  The same calls make
 * NDJSON ({"name":value,...}) or CSV (value,...): key() writes the
 * separator (and the name, for JSON), a val_*() the value.
 */
struct line {
	char *p;
	int nfield;
	enum fmt fmt;
};

static inline void
put(struct line *l, const char *s, size_t n)
{
	memcpy(l->p, s, n);
	l->p += n;
}

static inline void
key(struct line *l, const char *name)
{
	if (l->fmt == FMT_CSV) {
		if (l->nfield++)
			*l->p++ = ',';
		return;
	}
	*l->p++ = l->nfield++ ? ',' : '{';
	*l->p++ = '"';
	put(l, name, strlen(name));
	*l->p++ = '"';
	*l->p++ = ':';
}

static inline void
end(struct line *l)
{
	if (l->fmt == FMT_NDJSON)
		*l->p++ = '}';
	*l->p++ = '\n';
}

/* Decimal digits of u, at least width of them (zero-padded). */
static inline void
digits(struct line *l, uint64_t u, int width)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (e - s < width)
		*--s = '0';
	put(l, s, (size_t)(e - s));
}

static inline void
val_int(struct line *l, int64_t v)
{
	if (v < 0) {
		*l->p++ = '-';
		digits(l, (uint64_t)0 - (uint64_t)v, 1);
	} else
		digits(l, (uint64_t)v, 1);
}

/*
 * v / 10^scale written as the shortest decimal that reads back to the same
 * double, as tide_json_write_double() would: 1250 at scale 2 is 12.5, 1200
 * is 12, 5 is 0.05.  (Any shorter decimal is a different number farther
 * than half an ulp away, so trimming trailing zeros is the shortest form.)
 */
static inline void
val_fixed(struct line *l, int64_t v, int scale)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000 };
	uint64_t u, frac;
	int w = scale;

	if (v < 0) {
		*l->p++ = '-';
		u = (uint64_t)0 - (uint64_t)v;
	} else
		u = (uint64_t)v;
	digits(l, u / pow10[scale], 1);
	frac = u % pow10[scale];
	if (frac == 0)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		w--;
	}
	*l->p++ = '.';
	digits(l, frac, w);
}

/* An identifier: prefix and a zero-padded number, "a000123". */
static inline void
val_id(struct line *l, const char *prefix, uint64_t n, int width)
{
	if (l->fmt == FMT_NDJSON)
		*l->p++ = '"';
	put(l, prefix, strlen(prefix));
	digits(l, n, width);
	if (l->fmt == FMT_NDJSON)
		*l->p++ = '"';
}

/* A string that needs no escaping in JSON or quoting in CSV. */
static inline void
val_word(struct line *l, const char *s)
{
	if (l->fmt == FMT_NDJSON)
		*l->p++ = '"';
	put(l, s, strlen(s));
	if (l->fmt == FMT_NDJSON)
		*l->p++ = '"';
}

static inline void
val_bool(struct line *l, int b)
{
	if (b)
		put(l, "true", 4);
	else
		put(l, "false", 5);
}

/* --- the data model ------------------------------------------------------ */

/* Home countries, weighted by share of accounts (percent). */
static const struct {
	const char *code;
	int weight;
} countries[] = {
	{ "US", 30 }, { "GB", 10 }, { "DE", 10 }, { "FR", 8 }, { "ES", 6 },
	{ "IT", 6 }, { "NL", 5 }, { "CA", 6 }, { "BR", 6 }, { "IN", 5 },
	{ "JP", 5 }, { "AU", 3 },
};
#define NCOUNTRY (sizeof(countries) / sizeof(countries[0]))

static const struct {
	const char *name;
	int weight;		/* percent of accounts */
	int32_t lo, hi;		/* credit limit range, in steps of 500 */
} segments[] = {
	{ "standard", 60, 1000, 10000 },
	{ "premium", 20, 5000, 50000 },
	{ "business", 12, 10000, 100000 },
	{ "student", 8, 500, 2000 },
};
#define NSEGMENT (sizeof(segments) / sizeof(segments[0]))

/* Sensors: values in hundredths; a machine's level is base +- spread,
 * and each reading walks by up to step from the last. */
static const struct {
	const char *name;
	int64_t base, spread, step;
} sensors[] = {
	{ "temp", 6000, 1000, 25 },
	{ "pressure", 300, 50, 3 },
	{ "vibration", 50, 20, 2 },
	{ "rpm", 150000, 20000, 500 },
};
#define NSENSOR (sizeof(sensors) / sizeof(sensors[0]))

/* Per-key values derived from the seed and the key alone, so every kind
 * generated with the same seed sees the same account. */
static uint64_t
key_hash(const struct gen *g, uint64_t salt, uint64_t k)
{
	return tide_hash64(g->seed ^ tide_hash64(salt ^ (k << 8)));
}

static int
weighted(uint64_t h, int n, const int *w)
{
	int i, x = (int)(h % 100);

	for (i = 0; i < n - 1; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static void
setup_accounts(struct gen *g)
{
	int cw[NCOUNTRY], sw[NSEGMENT];
	size_t i;
	long a;

	for (i = 0; i < NCOUNTRY; i++)
		cw[i] = countries[i].weight;
	for (i = 0; i < NSEGMENT; i++)
		sw[i] = segments[i].weight;
	g->home = tide_xmalloc((size_t)g->accounts);
	g->risk = tide_xreallocarray(NULL, (size_t)g->accounts, sizeof(*g->risk));
	g->segment = tide_xmalloc((size_t)g->accounts);
	for (a = 0; a < g->accounts; a++) {
		double u = (double)(key_hash(g, 1, (uint64_t)a) >> 11) * 0x1.0p-53;

		g->home[a] = (unsigned char)weighted(key_hash(g, 2, (uint64_t)a),
		    (int)NCOUNTRY, cw);
		/* Most accounts are low risk: u^3 piles the mass near 0. */
		g->risk[a] = (uint16_t)(u * u * u * 1000);
		g->segment[a] = (unsigned char)weighted(key_hash(g, 3,
		    (uint64_t)a), (int)NSEGMENT, sw);
	}
}

/* Event time of record i: the nominal schedule, never the wall clock, so
 * paced output is as deterministic as unpaced output. */
static int64_t
event_time(const struct gen *g, uint64_t i)
{
	if (g->step >= 0)
		return g->start + (int64_t)i * g->step;
	return g->start + (int64_t)((double)i * 1000.0 / g->rate);
}

/* A late record is dated 1..late_by ms before its place in the stream. */
static int64_t
maybe_late(struct gen *g, int64_t t)
{
	if (g->late > 0 && tide_rng_chance(&g->late_rng, g->late))
		t -= 1 + (int64_t)tide_rng_below(&g->late_rng,
		    (uint64_t)g->late_by);
	return t;
}

static void
stamp(struct gen *g, struct line *l)
{
	if (g->stamp) {
		key(l, "sent_ms");
		val_int(l, tide_now_ms());
	}
}

/*
 * --fraud: the label of transaction i, from a rule the transaction and
 * its customer show (an amount, the card not present, the account's risk
 * score, as tide-gen customers gives it) plus noise: one label in 200
 * flipped, either way.  The noise comes from the seed and i alone, not from the
 * generator's stream, so the other fields are as without --fraud.
 */
static int
is_fraud(const struct gen *g, uint64_t i, uint64_t acct, uint64_t cents,
    int present)
{
	int risk = g->risk[acct], f;

	f = (!present && cents >= 10000 && risk >= 100) ||
	    (cents >= 50000 && risk >= 300) ||
	    (!present && cents >= 300000);
	if (key_hash(g, 9, i) % 200 == 0)
		f = !f;
	return f;
}

static int
gen_transaction(struct gen *g, uint64_t i, struct line *l)
{
	struct tide_rng *r = &g->rng;
	uint64_t acct, merch, cents, c;
	int k, foreign, present;

	acct = g->skew > 0 ? tide_zipf_draw(&g->acct_zipf, r) :
	    tide_rng_below(r, (uint64_t)g->accounts);
	merch = tide_zipf_draw(&g->merch_zipf, r);
	/* Amounts spread over orders of magnitude: the range doubles with
	 * probability 1/2 each time, up to 1024 times $10. */
	k = __builtin_ctzll(tide_rng_next(r) | (1ULL << 10));
	cents = 1 + tide_rng_below(r, 1000ULL << k);
	/* Riskier accounts pay abroad and without the card more often. */
	foreign = (int)tide_rng_below(r, 1000) < 30 + g->risk[acct] / 4;
	c = foreign ? tide_rng_below(r, NCOUNTRY) : g->home[acct];
	foreign = c != g->home[acct];

	key(l, "ts");
	val_int(l, maybe_late(g, event_time(g, i)));
	key(l, "account");
	val_id(l, "a", acct, 6);
	key(l, "merchant");
	val_id(l, "m", merch, 5);
	key(l, "amount");
	val_fixed(l, (int64_t)cents, 2);
	key(l, "country");
	val_word(l, countries[c].code);
	/* The last draw of the record, taken here as before. */
	present = (int)tide_rng_below(r, 100) < (foreign ? 30 : 75);
	key(l, "card_present");
	val_bool(l, present);
	if (g->fraud) {
		key(l, "fraud");
		val_bool(l, is_fraud(g, i, acct, cents, present));
	}
	stamp(g, l);
	end(l);
	return 1;
}

static int32_t
credit_limit(struct tide_rng *r, int seg)
{
	int32_t lo = segments[seg].lo / 500, hi = segments[seg].hi / 500;

	return (int32_t)tide_rng_range(r, lo, hi) * 500;
}

/*
 * Customers come grouped by version: every account's version 0 (valid from
 * --start), then every account's version 1, and so on, so valid_from only
 * grows across groups.  Version v > 0 is valid from start + v * gap plus a
 * per-account jitter under gap / 2: accounts change at different times.
 */
static int
gen_customer(struct gen *g, uint64_t i, struct line *l)
{
	struct tide_rng *r = &g->rng;
	uint64_t v = i / (uint64_t)g->accounts;
	long a = (long)(i % (uint64_t)g->accounts);
	int64_t from = g->start;
	int64_t risk;

	if (v >= (uint64_t)(g->versions ? g->versions : 1))
		return 0;
	if (v == 0)
		g->limit[a] = credit_limit(r, g->segment[a]);
	else {
		risk = (int64_t)g->risk[a] + tide_rng_range(r, -50, 50);
		g->risk[a] = (uint16_t)(risk < 0 ? 0 : risk > 999 ? 999 : risk);
		/* A new segment brings a limit from its own range. */
		if (tide_rng_below(r, 100) < 5) {
			g->segment[a] = (unsigned char)tide_rng_below(r, NSEGMENT);
			g->limit[a] = credit_limit(r, g->segment[a]);
		} else if (tide_rng_below(r, 100) < 20)
			g->limit[a] = credit_limit(r, g->segment[a]);
		from += (int64_t)v * g->gap;
		if (g->gap >= 2)
			from += (int64_t)tide_rng_below(r, (uint64_t)g->gap / 2);
	}
	key(l, "account");
	val_id(l, "a", (uint64_t)a, 6);
	key(l, "risk_score");
	val_fixed(l, g->risk[a], 3);
	key(l, "segment");
	val_word(l, segments[g->segment[a]].name);
	key(l, "credit_limit");
	val_int(l, g->limit[a]);
	if (g->versions) {
		key(l, "valid_from");
		val_int(l, from);
	}
	stamp(g, l);
	end(l);
	return 1;
}

static void
setup_telemetry(struct gen *g)
{
	size_t n = (size_t)g->machines * NSENSOR, j;

	g->value = tide_xreallocarray(NULL, n, sizeof(*g->value));
	g->base = tide_xreallocarray(NULL, n, sizeof(*g->base));
	for (j = 0; j < n; j++) {
		int64_t sp = sensors[j % NSENSOR].spread;

		g->base[j] = sensors[j % NSENSOR].base - sp +
		    (int64_t)(key_hash(g, 4, j) % (uint64_t)(2 * sp + 1));
		g->value[j] = g->base[j];
	}
}

/*
 * Each reading walks from the last one of its machine and sensor, pulled
 * back towards the machine's level, so rolling windows see drift and noise
 * rather than white noise.  A reading flagged as an error is a spike.
 */
static int
gen_telemetry(struct gen *g, uint64_t i, struct line *l)
{
	struct tide_rng *r = &g->rng;
	uint64_t m = tide_rng_below(r, (uint64_t)g->machines);
	uint64_t s = tide_rng_below(r, NSENSOR);
	size_t j = (size_t)(m * NSENSOR + s);
	int64_t v, st = sensors[s].step;
	int err;

	v = g->value[j] + tide_rng_range(r, -st, st);
	v -= (v - g->base[j]) / 8;
	if (v < 0)
		v = 0;
	g->value[j] = v;
	err = tide_rng_below(r, 1000) < 5;
	if (err)
		v += 10 * sensors[s].spread;

	key(l, "ts");
	val_int(l, maybe_late(g, event_time(g, i)));
	key(l, "machine");
	val_id(l, "mc", m, 4);
	key(l, "sensor");
	val_word(l, sensors[s].name);
	key(l, "value");
	val_fixed(l, v, 2);
	key(l, "error");
	val_bool(l, err);
	stamp(g, l);
	end(l);
	return 1;
}

static const char *
csv_header(const struct gen *g)
{
	switch (g->kind) {
	case K_TRANSACTIONS:
		return g->fraud ?
		    "ts,account,merchant,amount,country,card_present,fraud" :
		    "ts,account,merchant,amount,country,card_present";
	case K_CUSTOMERS:
		return g->versions ?
		    "account,risk_score,segment,credit_limit,valid_from" :
		    "account,risk_score,segment,credit_limit";
	case K_TELEMETRY:
		return "ts,machine,sensor,value,error";
	}
	return "";
}

/* --- main loop ----------------------------------------------------------- */

static void
sleep_until_us(int64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000), (long)(t % 1000000) * 1000 };

	/* A signal ends the sleep early (EINTR); the caller looks again. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Quiet on EPIPE (the reader went away, as with `| head`); else fatal. */
static void
check_write(int r)
{
	if (r == TIDE_EPIPE)
		exit(TIDE_EX_OK);
	if (r < 0)
		tide_die(TIDE_EX_IOERR, "cannot write output: %s",
		    r == TIDE_EIO && errno ? strerror(errno) : tide_strerror(r));
}


static void
gen_release(struct gen *g)
{
	if (g->acct_zipf.cdf)
		tide_zipf_release(&g->acct_zipf);
	if (g->merch_zipf.cdf)
		tide_zipf_release(&g->merch_zipf);
	free(g->home);
	free(g->risk);
	free(g->segment);
	free(g->limit);
	free(g->value);
	free(g->base);
}

/* --- options ------------------------------------------------------------- */

/* File scope, so that what they own stays reachable when check_write()
 * exits from inside the loop (leak checkers then stay quiet). */
static struct gen g;
static struct tide_wout out;

/* "100", "100/s", "6000/m", "1.5/h": records a second, > 0. */
static int
opt_rate(const struct tide_option *opt, const char *s, struct tide_opt_err *err)
{
	char *end;
	double v, per = 1;

	(void)err;
	errno = 0;
	if ((*s < '0' || *s > '9') && *s != '.')
		tide_usage_error("--rate: not a rate: '%s' (e.g. 100/s)", s);
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		tide_usage_error("--rate: not a rate: '%s' (e.g. 100/s)", s);
	if (strcmp(end, "") == 0 || strcmp(end, "/s") == 0)
		per = 1;
	else if (strcmp(end, "/m") == 0 || strcmp(end, "/min") == 0)
		per = 60;
	else if (strcmp(end, "/h") == 0)
		per = 3600;
	else
		tide_usage_error("--rate: not a rate: '%s' (e.g. 100/s)", s);
	v /= per;
	if (!(v > 0))
		tide_usage_error("--rate: must be more than 0: '%s'", s);
	if (v > 1e9)
		tide_usage_error("--rate: more than 1e9/s: '%s'", s);
	*(double *)opt->dest = v;
	return 0;
}

static int
opt_format(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	(void)err;
	if (strcmp(arg, "ndjson") == 0)
		*(enum fmt *)opt->dest = FMT_NDJSON;
	else if (strcmp(arg, "csv") == 0)
		*(enum fmt *)opt->dest = FMT_CSV;
	else
		tide_usage_error("--format: unknown format '%s' (ndjson or csv)",
		    arg);
	return 0;
}

static const struct tide_option opts[] = {
	TIDE_OPTS_VERBOSITY,
	TIDE_OPT_INT(OPT_COUNT, "count", "n", "write n records (default: all "
	    "customers; no end for the others)", &g.count, 0, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_RATE, "rate", "n/s", "pace output at n records "
	    "a second (also n/m, n/h)", opt_rate, &g.rate),
	TIDE_OPT_INT(OPT_SEED, "seed", "s", "seed of the generator (default 1)",
	    &g.seed, 0, LLONG_MAX),
	TIDE_OPT_TIME(OPT_START, "start", "time", "event time of the first "
	    "record (default 2026-11-01T00:00:00Z; now)", &g.start),
	TIDE_OPT_DUR(OPT_STEP, "step", "d", "event-time step between records "
	    "(default 10ms, or 1/rate with --rate)", &g.step, 0, LLONG_MAX),
	TIDE_OPT_CALLBACK(OPT_FORMAT, "format", "fmt", "ndjson (default) or csv "
	    "(with a header)", opt_format, &g.fmt),
	TIDE_OPT_FLAG(OPT_STAMP, "stamp", "add sent_ms, the wall-clock send "
	    "time in epoch ms", &g.stamp),
	TIDE_OPT_INT(OPT_ACCOUNTS, "accounts", "n", "number of accounts "
	    "(default 1000)", &g.accounts, 1, MAX_ACCOUNTS),
	TIDE_OPT_DOUBLE(OPT_SKEW, "skew", "s", "Zipf exponent of account "
	    "activity (default 0.8; 0 uniform)", &g.skew, 0, 10),
	TIDE_OPT_DOUBLE(OPT_LATE, "late", "p", "fraction of records that "
	    "arrive late (default 0)", &g.late, 0, 1),
	TIDE_OPT_DUR(OPT_LATE_BY, "late-by", "d", "how late a late record is "
	    "at most (default 5s)", &g.late_by, 1, LLONG_MAX),
	TIDE_OPT_INT(OPT_VERSIONS, "versions", "n", "customers: n dated "
	    "versions per account, with valid_from", &g.versions, 1, 1000),
	TIDE_OPT_DUR(OPT_VERSION_GAP, "version-gap", "d", "customers: time "
	    "between versions (default 1h)", &g.gap, 1, LLONG_MAX),
	TIDE_OPT_INT(OPT_MACHINES, "machines", "n", "telemetry: number of "
	    "machines (default 20)", &g.machines, 1, MAX_MACHINES),
	TIDE_OPT_FLAG(OPT_FRAUD, "fraud", "transactions: add fraud, a label "
	    "from a hidden rule plus noise", &g.fraud),
	TIDE_OPT_END,
};

static const struct tide_prog prog = {
	"tide-gen",
	"[-qv] [--count n] [--rate n/s] [--seed s] [--start time] [--step d] "
	    "[--format fmt] [--stamp] [--accounts n] [--skew s] [--late p] "
	    "[--late-by d] [--versions n] [--version-gap d] [--machines n] "
	    "[--fraud] "
	    "transactions | customers | telemetry",
	"Write deterministic synthetic events: card transactions, a customer "
	    "table, or machine telemetry.",
};

/* Options that apply to some kinds only, and those kinds. */
static const struct {
	int id;
	const char *name;
	unsigned kinds;
} only[] = {
	{ OPT_ACCOUNTS, "accounts", KB(K_TRANSACTIONS) | KB(K_CUSTOMERS) },
	{ OPT_SKEW, "skew", KB(K_TRANSACTIONS) },
	{ OPT_LATE, "late", KB(K_TRANSACTIONS) | KB(K_TELEMETRY) },
	{ OPT_LATE_BY, "late-by", KB(K_TRANSACTIONS) | KB(K_TELEMETRY) },
	{ OPT_STEP, "step", KB(K_TRANSACTIONS) | KB(K_TELEMETRY) },
	{ OPT_VERSIONS, "versions", KB(K_CUSTOMERS) },
	{ OPT_VERSION_GAP, "version-gap", KB(K_CUSTOMERS) },
	{ OPT_MACHINES, "machines", KB(K_TELEMETRY) },
	{ OPT_FRAUD, "fraud", KB(K_TRANSACTIONS) },
};

static void
parse_options(int argc, char **argv)
{
	size_t k;
	int ix;

	tide_prog_init_opts(&prog, opts);
	ix = tide_opt_parse(argc, argv);
	if (ix >= argc)
		tide_usage_error("missing the kind of events: transactions, "
		    "customers or telemetry");
	if (ix + 1 < argc)
		tide_usage_error("unexpected argument '%s'", argv[ix + 1]);
	for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strcmp(argv[ix], kind_names[k]) == 0)
			break;
	if (k == sizeof(kind_names) / sizeof(kind_names[0]))
		tide_usage_error("unknown kind '%s' (transactions, customers or "
		    "telemetry)", argv[ix]);
	g.kind = (enum kind)k;
	for (k = 0; k < sizeof(only) / sizeof(only[0]); k++)
		if (tide_opt_given(only[k].id) && !(only[k].kinds & KB(g.kind)))
			tide_usage_error("option '--%s' does not apply to '%s'",
			    only[k].name, kind_names[g.kind]);
	if (g.step < 0 && g.rate == 0)
		g.step = DEFAULT_STEP;
}

int
main(int argc, char **argv)
{
	int (*next)(struct gen *, uint64_t, struct line *);
	char buf[LINE_MAX_LEN];
	struct line l;
	uint64_t i;
	int64_t t0 = 0, now = 0;

	g.fmt = FMT_NDJSON;
	g.count = -1;
	g.seed = DEFAULT_SEED;
	g.start = DEFAULT_START;
	g.step = -1;
	g.accounts = DEFAULT_ACCOUNTS;
	g.skew = DEFAULT_SKEW;
	g.late_by = DEFAULT_LATE_BY;
	g.gap = DEFAULT_GAP;
	g.machines = DEFAULT_MACHINES;
	parse_options(argc, argv);

	tide_rng_seed(&g.rng, g.seed);
	tide_rng_seed(&g.late_rng, tide_hash64(g.seed ^ 0x6c617465ULL));
	switch (g.kind) {
	case K_TRANSACTIONS:
		setup_accounts(&g);
		if (g.skew > 0)
			tide_zipf_init(&g.acct_zipf, (size_t)g.accounts, g.skew);
		tide_zipf_init(&g.merch_zipf, NMERCHANTS, MERCHANT_SKEW);
		next = gen_transaction;
		break;
	case K_CUSTOMERS:
		setup_accounts(&g);
		g.limit = tide_xreallocarray(NULL, (size_t)g.accounts,
		    sizeof(*g.limit));
		next = gen_customer;
		break;
	default:
		setup_telemetry(&g);
		next = gen_telemetry;
		break;
	}

	/* A stop signal (SIGINT, SIGTERM, SIGHUP) ends the output: tide-gen
	 * heads a pipeline (doc/DELIVERY.md).  No SA_RESTART: it cuts a
	 * pacing sleep short. */
	tide_sig_init(0);
	tide_wout_init(&out, STDOUT_FILENO);
	if (g.fmt == FMT_CSV) {
		const char *h = csv_header(&g);

		check_write(tide_wout_add(&out, h, strlen(h)));
		if (g.stamp)
			check_write(tide_wout_add(&out, ",sent_ms", 8));
		check_write(tide_wout_add(&out, "\n", 1));
	}
	if (g.rate > 0)
		t0 = now = tide_mono_us();
	i = 0;
	while ((g.count < 0 || i < (uint64_t)g.count) && !tide_sig_stops()) {
		if (g.rate > 0) {
			/* Record i is due at t0 + i / rate: computed from the
			 * start, so errors do not accumulate.  Records due
			 * before the next tick go out together, then flush. */
			int64_t due = t0 + (int64_t)((double)i * 1e6 / g.rate);

			if (due > now && (now = tide_mono_us()) < due) {
				check_write(tide_wout_flush(&out));
				sleep_until_us(due > now + TICK_US ? due :
				    now + TICK_US);
				/* On time, or woken early by a signal. */
				now = tide_mono_us();
				continue;
			}
		}
		l.p = buf;
		l.nfield = 0;
		l.fmt = g.fmt;
		if (!next(&g, i, &l))
			break;
		check_write(tide_wout_add(&out, buf, (size_t)(l.p - buf)));
		i++;
	}
	check_write(tide_wout_flush(&out));
	if (tide_sig_stops())
		tide_info("stopped by a signal after %llu records",
		    (unsigned long long)i);
	tide_wout_release(&out);
	gen_release(&g);
	return TIDE_EX_OK;
}
