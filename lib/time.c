/*
 * Time and durations (lib/time.h is the contract).
 *
 * Calendar arithmetic is done here, in int64, with Howard Hinnant's
 * days-from-civil algorithm (proleptic Gregorian, any year): timegm() and
 * the C library's locale and time zone state are neither portable nor
 * reentrant enough for a parser that sees every record.
 *
 * Choices the header leaves open:
 * - A duration's units must come in decreasing order, each at most once
 *   (`1h30m`, not `30m1h` or `1m1m`): a repeated or reversed unit is far more
 *   often a typo than intent.
 * - A duration that is not a whole number of the unit asked for (`1500us`
 *   from tide_dur_parse, which gives ms) is TIDE_ERANGE rather than
 *   silently truncated: a window of `1ns` must not become a window of 0.
 * - RFC 3339 accepts a space in place of the `T` (RFC 3339 section 5.6
 *   note) and rejects leap second 60 and hour 24.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "json.h"
#include "time.h"

#define NS_PER_MS INT64_C(1000000)
#define MS_PER_DAY INT64_C(86400000)

/* Whole days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
days_in_month(int64_t y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Floor division and modulo, for negative epochs. */
static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* --- durations --- */

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{ "d", 86400 * INT64_C(1000000000) },
	{ "h", 3600 * INT64_C(1000000000) },
	{ "m", 60 * INT64_C(1000000000) },
	{ "s", INT64_C(1000000000) },
	{ "ms", INT64_C(1000000) },
	{ "us", INT64_C(1000) },
	{ "ns", 1 },
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

/* Other names of the units above (index into units[]). */
static const struct {
	const char *name;
	size_t unit;
} aliases[] = {
	{ "day", 0 }, { "days", 0 },
	{ "hour", 1 }, { "hours", 1 }, { "hr", 1 }, { "hrs", 1 },
	{ "min", 2 }, { "mins", 2 }, { "minute", 2 }, { "minutes", 2 },
	{ "sec", 3 }, { "secs", 3 }, { "second", 3 }, { "seconds", 3 },
};

/* The unit named by u[0..len), as an index into units[]; NUNITS if none. */
static size_t
unit_index(const char *u, size_t len)
{
	size_t i;

	for (i = 0; i < NUNITS; i++)
		if (strlen(units[i].name) == len && memcmp(units[i].name, u, len) == 0)
			return i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i].name) == len &&
		    memcmp(aliases[i].name, u, len) == 0)
			return aliases[i].unit;
	return NUNITS;
}

/*
 * One <number><unit> at *sp, the number an integer or a decimal fraction
 * (`1.5`): adds it in ns to *total.  The unit's letters are the run of
 * [a-z] after the number, or with iso the one letter that follows.
 */
static int
dur_term(const char **sp, int iso, size_t *last, int *first, __int128 *total)
{
	const char *s = *sp, *u;
	__int128 v = 0, frac = 0, scale = 1, add;
	size_t i, ulen;

	if (*s < '0' || *s > '9')
		return TIDE_EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		/* Past any int64 ms even in ns: stop counting. */
		if (v > (__int128)INT64_MAX * NS_PER_MS)
			return TIDE_ERANGE;
	}
	if (*s == '.' || (iso && *s == ',')) {
		if (s[1] < '0' || s[1] > '9')
			return TIDE_EINVAL;
		for (s++; *s >= '0' && *s <= '9'; s++) {
			/* Digits past ns of a day are zeros or sub-ns. */
			if (scale < (__int128)1000000000000000000) {
				frac = frac * 10 + (*s - '0');
				scale *= 10;
			} else if (*s != '0')
				return TIDE_ERANGE;
		}
	}
	if (iso) {
		static const char iso_units[] = "WDHMS";

		if (*s == '\0' || strchr(iso_units, *s) == NULL)
			return TIDE_EINVAL;
		/* W is 7 days: counted as days, written once. */
		i = *s == 'W' ? 0 : *s == 'D' ? 0 : *s == 'H' ? 1 :
		    *s == 'M' ? 2 : 3;
		if (*s == 'W') {
			v *= 7;
			frac *= 7;
		}
		s++;
	} else {
		for (u = s; *s >= 'a' && *s <= 'z'; s++)
			;
		ulen = (size_t)(s - u);
		if ((i = unit_index(u, ulen)) == NUNITS)
			return TIDE_EINVAL;
	}
	if (!*first && i <= *last)
		return TIDE_EINVAL;
	*first = 0;
	*last = i;
	if (v > (__int128)INT64_MAX * NS_PER_MS / units[i].ns)
		return TIDE_ERANGE;
	add = v * units[i].ns;
	if (frac != 0) {
		/* Exact in ns, or not a duration we can hold. */
		if (frac * units[i].ns % scale != 0)
			return TIDE_ERANGE;
		add += frac * units[i].ns / scale;
	}
	*total += add;
	if (*total > (__int128)INT64_MAX * NS_PER_MS)
		return TIDE_ERANGE;
	*sp = s;
	return 0;
}

/*
 * A duration in ns, as __int128 so that `106751d` (past int64 ns) still
 * parses for callers that want ms.  Units are in decreasing order above.
 * Either tide's form (`1h30m`, `1.5m`, `5min`) or ISO 8601's (`PT5M`,
 * `P1DT2H`, `PT0.5S`, `P2W`); years and months, whose length varies, are
 * not durations here.
 */
static int
dur_parse_ns(const char *s, __int128 *out)
{
	__int128 total = 0;
	size_t last = 0;
	int first = 1, r, time_part = 0;

	if (s == NULL || *s == '\0')
		return TIDE_EINVAL;
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == 'P') {
		for (s++; *s != '\0';) {
			if (*s == 'T') {
				if (time_part || s[1] == '\0')
					return TIDE_EINVAL;
				time_part = 1;
				s++;
				continue;
			}
			if ((r = dur_term(&s, 1, &last, &first, &total)) < 0)
				return r;
			/* D and W before T; H, M and S after it. */
			if ((last <= 0) == time_part)
				return TIDE_EINVAL;
		}
		if (first)
			return TIDE_EINVAL;	/* "P" or "PT" alone */
		*out = total;
		return 0;
	}
	while (*s != '\0')
		if ((r = dur_term(&s, 0, &last, &first, &total)) < 0)
			return r;
	*out = total;
	return 0;
}

static int
dur_parse_unit(const char *s, int64_t per, int64_t *out)
{
	__int128 ns, q;
	int r;

	if ((r = dur_parse_ns(s, &ns)) < 0)
		return r;
	if (ns % per != 0)
		return TIDE_ERANGE;
	q = ns / per;
	if (q > INT64_MAX)
		return TIDE_ERANGE;
	*out = (int64_t)q;
	return 0;
}

int
tide_dur_parse(const char *s, int64_t *ms)
{
	return dur_parse_unit(s, NS_PER_MS, ms);
}

int
tide_dur_parse_us(const char *s, int64_t *us)
{
	return dur_parse_unit(s, 1000, us);
}

size_t
tide_dur_fmt(char *out, int64_t ms)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} parts[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	uint64_t v;
	size_t n = 0, i;

	if (ms == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	if (ms < 0) {
		out[n++] = '-';
		v = (uint64_t)0 - (uint64_t)ms;	/* INT64_MIN too */
	} else
		v = (uint64_t)ms;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t q = v / parts[i].ms;

		if (q == 0)
			continue;
		v %= parts[i].ms;
		n += (size_t)snprintf(out + n, 32 - n, "%llu%s",
		    (unsigned long long)q, parts[i].name);
	}
	return n;
}

int
tide_time_unit_parse(const char *s, enum tide_time_unit *unit)
{
	static const struct {
		const char *name;
		enum tide_time_unit unit;
	} names[] = {
		{ "auto", TIDE_UNIT_AUTO }, { "s", TIDE_UNIT_S },
		{ "ms", TIDE_UNIT_MS }, { "us", TIDE_UNIT_US },
		{ "ns", TIDE_UNIT_NS },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*unit = names[i].unit;
			return 0;
		}
	return TIDE_EINVAL;
}

/* --- RFC 3339 --- */

/* Exactly n digits at p as an int; -1 if any is not a digit. */
static int
digits(const char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* `YYYY-MM-DD` at s (10 bytes available) to days since the epoch. */
static int
parse_date(const char *s, int64_t *days)
{
	int y, m, d;

	if ((y = digits(s, 4)) < 0 || s[4] != '-' ||
	    (m = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 0)
		return TIDE_EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return TIDE_EINVAL;
	*days = days_from_civil(y, m, d);
	return 0;
}

int
tide_time_parse_rfc3339(const char *s, size_t n, int64_t *ms)
{
	int64_t days, t;
	int hh, mi, ss, frac = 0, oh, om, r;
	size_t i, nd;

	/* 2026-11-01T00:00:00Z is the shortest form: 20 bytes. */
	if (n < 20)
		return TIDE_EINVAL;
	if ((r = parse_date(s, &days)) < 0)
		return r;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return TIDE_EINVAL;
	if ((hh = digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || s[16] != ':' ||
	    (ss = digits(s + 17, 2)) < 0)
		return TIDE_EINVAL;
	if (hh > 23 || mi > 59 || ss > 59)
		return TIDE_EINVAL;
	i = 19;
	if (s[i] == '.') {
		/* Any number of digits; the first three are the ms, the
		 * rest only truncate (toward negative infinity, since the
		 * fraction always adds to the second). */
		for (i++, nd = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 3)
				frac = frac * 10 + (s[i] - '0');
		if (nd == 0)
			return TIDE_EINVAL;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if (i >= n)
		return TIDE_EINVAL;
	if (s[i] == 'Z' || s[i] == 'z') {
		oh = om = 0;
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (n - i < 6 || (oh = digits(s + i + 1, 2)) < 0 ||
		    s[i + 3] != ':' || (om = digits(s + i + 4, 2)) < 0 ||
		    oh > 23 || om > 59)
			return TIDE_EINVAL;
		if (s[i] == '-') {
			oh = -oh;
			om = -om;
		}
		i += 6;
	} else
		return TIDE_EINVAL;
	if (i != n)
		return TIDE_EINVAL;
	/* Years are 4 digits, so none of this can overflow int64. */
	t = days * 86400 + hh * 3600 + mi * 60 + ss - (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return 0;
}

int
tide_time_parse_arg(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t d, days;
	size_t n = strlen(s), i;
	int r;

	if (n == 0)
		return TIDE_EINVAL;
	if (strcmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (s[0] == '-' || s[0] == '+') {
		if ((r = tide_dur_parse(s + 1, &d)) < 0)
			return r;
		if (s[0] == '-' ? __builtin_sub_overflow(now_ms, d, ms) :
		    __builtin_add_overflow(now_ms, d, ms))
			return TIDE_ERANGE;
		return 0;
	}
	if (n == 10 && s[4] == '-') {
		if ((r = parse_date(s, &days)) < 0)
			return r;
		*ms = days * MS_PER_DAY;
		return 0;
	}
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == n) {
		/* Epoch milliseconds. */
		for (d = 0, i = 0; i < n; i++)
			if (__builtin_mul_overflow(d, 10, &d) ||
			    __builtin_add_overflow(d, s[i] - '0', &d))
				return TIDE_ERANGE;
		*ms = d;
		return 0;
	}
	/* `2026-11-01T00:10` and `2026-11-01T00:10:30[.5]` with no zone are
	 * UTC, as a date is. */
	if (n >= 16 && n < 40 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
	    s[n - 1] >= '0' && s[n - 1] <= '9' && s[n - 3] != '+' &&
	    s[n - 3] != '-' && s[n - 6] != '+' && s[n - 6] != '-') {
		char z[48];

		snprintf(z, sizeof(z), "%s%sZ", s, n == 16 ? ":00" : "");
		return tide_time_parse_rfc3339(z, strlen(z), ms);
	}
	/* `2026-11-01T10:02Z` and `2026-11-01T10:02+01:00`: minutes with a
	 * zone, the seconds 00. */
	if (n > 16 && n < 40 && s[13] == ':' && (s[16] == 'Z' ||
	    s[16] == 'z' || s[16] == '+' || s[16] == '-')) {
		char z[48];

		snprintf(z, sizeof(z), "%.16s:00%s", s, s + 16);
		return tide_time_parse_rfc3339(z, strlen(z), ms);
	}
	return tide_time_parse_rfc3339(s, n, ms);
}

/* --- epoch numbers --- */

static enum tide_time_unit
unit_by_magnitude(double a)
{
	if (a < 1e11)
		return TIDE_UNIT_S;
	if (a < 1e14)
		return TIDE_UNIT_MS;
	if (a < 1e17)
		return TIDE_UNIT_US;
	return TIDE_UNIT_NS;
}

int
tide_time_from_epoch(double v, enum tide_time_unit unit, int64_t *ms)
{
	double x, r;

	if (!isfinite(v))
		return TIDE_ERANGE;
	if (unit == TIDE_UNIT_AUTO)
		unit = unit_by_magnitude(fabs(v));
	switch (unit) {
	case TIDE_UNIT_S:
		x = v * 1e3;
		break;
	case TIDE_UNIT_MS:
		x = v;
		break;
	case TIDE_UNIT_US:
		x = v / 1e3;
		break;
	case TIDE_UNIT_NS:
		x = v / 1e6;
		break;
	default:
		return TIDE_EINVAL;
	}
	/*
	 * 1764547200.123 s is 1764547200122.99998 ms in binary floating
	 * point: a result within a few ulps of an integer is that integer,
	 * otherwise the fraction is truncated toward negative infinity as
	 * in RFC 3339 text.
	 */
	r = nearbyint(x);
	if (fabs(x - r) > fabs(x) * 8 * DBL_EPSILON)
		r = floor(x);
	if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
		return TIDE_ERANGE;
	*ms = (int64_t)r;
	return 0;
}

/* An integer epoch, kept exact (ns epochs do not fit a double). */
static int
from_epoch_int(int64_t v, enum tide_time_unit unit, int64_t *ms)
{
	if (unit == TIDE_UNIT_AUTO) {
		/* |INT64_MIN| does not fit: it is ns by magnitude anyway. */
		double a = v == INT64_MIN ? 1e19 : (double)(v < 0 ? -v : v);

		unit = unit_by_magnitude(a);
	}
	switch (unit) {
	case TIDE_UNIT_S:
		if (__builtin_mul_overflow(v, 1000, ms))
			return TIDE_ERANGE;
		return 0;
	case TIDE_UNIT_MS:
		*ms = v;
		return 0;
	case TIDE_UNIT_US:
		*ms = floordiv(v, 1000);
		return 0;
	case TIDE_UNIT_NS:
		*ms = floordiv(v, NS_PER_MS);
		return 0;
	default:
		return TIDE_EINVAL;
	}
}

int
tide_time_from_json(const struct tide_json_val *v, enum tide_time_unit unit,
    int64_t *ms)
{
	struct tide_buf b;
	int64_t i;
	double d;
	int r;

	switch (v->type) {
	case TIDE_JSON_NUMBER:
		if (tide_json_int64(v, &i) == 0)
			return from_epoch_int(i, unit, ms);
		if ((r = tide_json_double(v, &d)) < 0)
			return r;
		return tide_time_from_epoch(d, unit, ms);
	case TIDE_JSON_STRING:
		if (v->len < 2)
			return TIDE_EINVAL;
		/* Time text has no escapes; unescape only when it must. */
		if (memchr(v->p + 1, '\\', v->len - 2) == NULL)
			return tide_time_parse_rfc3339(v->p + 1, v->len - 2,
			    ms);
		tide_buf_init(&b, 64);
		if ((r = tide_json_str(v, &b)) == 0)
			r = tide_time_parse_rfc3339(b.data, b.len, ms);
		else
			r = TIDE_EINVAL;
		tide_buf_release(&b);
		return r;
	default:
		return TIDE_ETYPE;
	}
}

size_t
tide_time_fmt(char *out, int64_t ms)
{
	int64_t days, rem, y;
	int m, d, n;

	days = floordiv(ms, MS_PER_DAY);
	/* Not ms - days * MS_PER_DAY: that overflows near INT64_MIN. */
	if ((rem = ms % MS_PER_DAY) < 0)
		rem += MS_PER_DAY;
	civil_from_days(days, &y, &m, &d);
	n = snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (long long)y, m, d, (int)(rem / 3600000),
	    (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
	    (int)(rem % 1000));
	return n < 0 ? 0 : (size_t)n;
}

int64_t
tide_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
tide_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
