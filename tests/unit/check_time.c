#include <stdint.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "time.h"
#include "unit.h"

/* Expected epochs below were computed independently with Python's
 * datetime (UTC, proleptic Gregorian). */

static int64_t
dur(const char *s)
{
	int64_t ms = -12345;

	ck_assert_int_eq(tide_dur_parse(s, &ms), 0);
	return ms;
}

static int
dur_err(const char *s)
{
	int64_t ms = -12345;
	int r = tide_dur_parse(s, &ms);

	ck_assert_int_lt(r, 0);
	ck_assert_int_eq(ms, -12345);	/* untouched on failure */
	return r;
}

static int64_t
rfc(const char *s)
{
	int64_t ms = -12345;

	ck_assert_msg(tide_time_parse_rfc3339(s, strlen(s), &ms) == 0,
	    "rejected %s", s);
	return ms;
}

static int
rfc_err(const char *s)
{
	int64_t ms = -12345;

	return tide_time_parse_rfc3339(s, strlen(s), &ms);
}

START_TEST(test_dur_parse_accepts_units_and_compounds)
{
	ck_assert_int_eq(dur("250ms"), 250);
	ck_assert_int_eq(dur("30s"), 30000);
	ck_assert_int_eq(dur("5m"), 300000);
	ck_assert_int_eq(dur("1h30m"), 5400000);
	ck_assert_int_eq(dur("1d"), 86400000);
	ck_assert_int_eq(dur("2d3h4m5s6ms"), 183845006);
	ck_assert_int_eq(dur("0"), 0);
	ck_assert_int_eq(dur("0s"), 0);
	ck_assert_int_eq(dur("1000us"), 1);
	ck_assert_int_eq(dur("3000000ns"), 3);
	ck_assert_int_eq(dur("1s500ms"), 1500);
	ck_assert_int_eq(dur("90m"), 5400000);
	ck_assert_int_eq(dur("007s"), 7000);
}
END_TEST

START_TEST(test_dur_parse_accepts_fractions_words_and_iso8601)
{
	ck_assert_int_eq(dur("1.5m"), 90000);
	ck_assert_int_eq(dur("1.5h"), 5400000);
	ck_assert_int_eq(dur("0.25s"), 250);
	ck_assert_int_eq(dur("1.5s"), 1500);
	ck_assert_int_eq(dur("2.000s"), 2000);
	ck_assert_int_eq(dur("1h0.5m"), 3630000);
	ck_assert_int_eq(dur("5min"), 300000);
	ck_assert_int_eq(dur("5mins"), 300000);
	ck_assert_int_eq(dur("10sec"), 10000);
	ck_assert_int_eq(dur("2hours"), 7200000);
	ck_assert_int_eq(dur("1day"), 86400000);
	ck_assert_int_eq(dur("1hr30min"), 5400000);
	ck_assert_int_eq(dur("PT5M"), 300000);
	ck_assert_int_eq(dur("PT1H30M"), 5400000);
	ck_assert_int_eq(dur("PT0.5S"), 500);
	ck_assert_int_eq(dur("PT0,5S"), 500);
	ck_assert_int_eq(dur("P1D"), 86400000);
	ck_assert_int_eq(dur("P1DT2H"), 93600000);
	ck_assert_int_eq(dur("P2W"), 14 * 86400000LL);
	ck_assert_int_eq(dur("PT36H"), 129600000);
	ck_assert_int_eq(dur("PT1.5M"), 90000);
}
END_TEST

START_TEST(test_dur_parse_rejects_bad_fractions_and_iso8601)
{
	int64_t us;

	/* Finer than the unit asked for, or than a nanosecond. */
	ck_assert_int_eq(dur_err("1.0005s"), TIDE_ERANGE);
	ck_assert_int_eq(dur_err("1.5ns"), TIDE_ERANGE);
	ck_assert_int_eq(tide_dur_parse_us("0.0000001s", &us), TIDE_ERANGE);
	ck_assert_int_eq(dur_err("1.m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err(".5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("1,5m"), TIDE_EINVAL);	/* comma: ISO only */
	ck_assert_int_eq(dur_err("1.5.5m"), TIDE_EINVAL);
	/* ISO 8601: years and months vary in length; order; T placement. */
	ck_assert_int_eq(dur_err("P1Y"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("P1M"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("P"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("P1DT"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT1D"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("P5H"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT5M1H"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT5M5M"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PTT5M"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("pt5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("PT5"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("P1W1D"), TIDE_EINVAL);
}
END_TEST

START_TEST(test_dur_parse_rejects_empty_negative_and_signs)
{
	ck_assert_int_eq(dur_err(""), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("-5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("+5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err(" 5m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("-PT5M"), TIDE_EINVAL);
}
END_TEST

START_TEST(test_dur_parse_rejects_trailing_garbage)
{
	ck_assert_int_eq(dur_err("5m "), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5mx"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5m3"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("1h30"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("00"), TIDE_EINVAL);
}
END_TEST

START_TEST(test_dur_parse_rejects_unknown_unit)
{
	ck_assert_int_eq(dur_err("5y"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5M"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5secz"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5Min"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("5mss"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("ms"), TIDE_EINVAL);
}
END_TEST

START_TEST(test_dur_parse_rejects_repeated_or_reversed_units)
{
	ck_assert_int_eq(dur_err("1m1m"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("30m1h"), TIDE_EINVAL);
	ck_assert_int_eq(dur_err("1s1d"), TIDE_EINVAL);
}
END_TEST

START_TEST(test_dur_parse_rejects_overflow)
{
	int64_t us;

	ck_assert_int_eq(dur_err("9223372036854775808ms"), TIDE_ERANGE);
	ck_assert_int_eq(dur_err("106751991167301d"), TIDE_ERANGE);
	ck_assert_int_eq(dur_err("99999999999999999999999999999999s"),
	    TIDE_ERANGE);
	/* The largest int64 ms is fine. */
	ck_assert_int_eq(dur("9223372036854775807ms"), INT64_MAX);
	/* In us the same text overflows. */
	ck_assert_int_eq(tide_dur_parse_us("9223372036854775807ms", &us),
	    TIDE_ERANGE);
}
END_TEST

START_TEST(test_dur_parse_rejects_sub_resolution)
{
	int64_t us = 0;

	ck_assert_int_eq(dur_err("1500us"), TIDE_ERANGE);
	ck_assert_int_eq(dur_err("1ns"), TIDE_ERANGE);
	ck_assert_int_eq(tide_dur_parse_us("1500us", &us), 0);
	ck_assert_int_eq(us, 1500);
	ck_assert_int_eq(tide_dur_parse_us("2ms", &us), 0);
	ck_assert_int_eq(us, 2000);
	ck_assert_int_eq(tide_dur_parse_us("1ns", &us), TIDE_ERANGE);
}
END_TEST

START_TEST(test_dur_fmt_writes_shortest_canonical_text)
{
	static const struct {
		int64_t ms;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 250, "250ms" }, { 30000, "30s" },
		{ 300000, "5m" }, { 5400000, "1h30m" }, { 86400000, "1d" },
		{ 90061001, "1d1h1m1s1ms" }, { 1500, "1s500ms" },
		{ 86400000 * 3 + 5, "3d5ms" }, { -60000, "-1m" },
		{ INT64_MAX, "106751991167d7h12m55s807ms" },
		{ INT64_MIN, "-106751991167d7h12m55s808ms" },
	};
	char out[32];
	size_t i, n;
	int64_t back;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tide_dur_fmt(out, cases[i].ms);
		ck_assert_str_eq(out, cases[i].text);
		ck_assert_uint_eq(n, strlen(cases[i].text));
		if (cases[i].ms >= 0) {
			ck_assert_int_eq(tide_dur_parse(out, &back), 0);
			ck_assert_int_eq(back, cases[i].ms);
		}
	}
}
END_TEST

START_TEST(test_time_unit_parse_names)
{
	enum tide_time_unit u;

	ck_assert_int_eq(tide_time_unit_parse("s", &u), 0);
	ck_assert_int_eq(u, TIDE_UNIT_S);
	ck_assert_int_eq(tide_time_unit_parse("ms", &u), 0);
	ck_assert_int_eq(u, TIDE_UNIT_MS);
	ck_assert_int_eq(tide_time_unit_parse("us", &u), 0);
	ck_assert_int_eq(u, TIDE_UNIT_US);
	ck_assert_int_eq(tide_time_unit_parse("ns", &u), 0);
	ck_assert_int_eq(u, TIDE_UNIT_NS);
	ck_assert_int_eq(tide_time_unit_parse("auto", &u), 0);
	ck_assert_int_eq(u, TIDE_UNIT_AUTO);
	ck_assert_int_eq(tide_time_unit_parse("sec", &u), TIDE_EINVAL);
	ck_assert_int_eq(tide_time_unit_parse("", &u), TIDE_EINVAL);
	ck_assert_int_eq(tide_time_unit_parse("MS", &u), TIDE_EINVAL);
}
END_TEST

START_TEST(test_rfc3339_parses_utc_offsets_and_fractions)
{
	ck_assert_int_eq(rfc("2026-11-01T00:00:00Z"), 1793491200000);
	ck_assert_int_eq(rfc("2026-11-01t00:00:00z"), 1793491200000);
	ck_assert_int_eq(rfc("2026-11-01 00:00:00Z"), 1793491200000);
	ck_assert_int_eq(rfc("2024-02-29T12:34:56.789+05:30"), 1709190296789);
	ck_assert_int_eq(rfc("2026-11-01T01:02:03-08:00"), 1793523723000);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00+00:00"), 1793491200000);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00-00:00"), 1793491200000);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00.5Z"), 1793491200500);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00.12Z"), 1793491200120);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00.123456789123Z"),
	    1793491200123);
	ck_assert_int_eq(rfc("2026-11-01T00:00:00.9999Z"), 1793491200999);
	ck_assert_int_eq(rfc("2000-03-01T00:00:00Z"), 951868800000);
	ck_assert_int_eq(rfc("9999-12-31T23:59:59.999Z"), 253402300799999);
}
END_TEST

START_TEST(test_rfc3339_handles_dates_before_the_epoch)
{
	ck_assert_int_eq(rfc("1969-12-31T23:59:59.999Z"), -1);
	/* Sub-ms digits truncate toward negative infinity. */
	ck_assert_int_eq(rfc("1969-12-31T23:59:59.9999Z"), -1);
	ck_assert_int_eq(rfc("1900-01-01T00:00:00Z"), -2208988800000);
	ck_assert_int_eq(rfc("1600-02-29T00:00:00Z"), -11670998400000);
	ck_assert_int_eq(rfc("0001-01-01T00:00:00Z"), -62135596800000);
	ck_assert_int_eq(rfc("0000-01-01T00:00:00Z"), -62167219200000);
}
END_TEST

START_TEST(test_rfc3339_validates_calendar)
{
	ck_assert_int_eq(rfc_err("2026-02-29T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("1900-02-29T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-04-31T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-13-01T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-00-01T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-01-00T00:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-11-01T24:00:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-11-01T23:60:00Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-11-01T23:59:60Z"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-11-01T00:00:00+24:00"), TIDE_EINVAL);
	ck_assert_int_eq(rfc_err("2026-11-01T00:00:00+01:60"), TIDE_EINVAL);
	ck_assert_int_eq(rfc("2000-02-29T00:00:00Z"), 951782400000);
}
END_TEST

START_TEST(test_rfc3339_rejects_malformed_text)
{
	static const char *bad[] = {
		"", "2026-11-01", "2026-11-01T00:00:00",
		"2026-11-01T00:00Z", "2026-11-01T00:00:00.Z",
		"2026-11-01T00:00:00ZZ", "2026-11-01T00:00:00Z ",
		" 2026-11-01T00:00:00Z", "2026-11-01X00:00:00Z",
		"2026-11-01T00:00:00+0100", "2026-11-01T00:00:00+01",
		"2026-11-01T00:00:00+01:00x", "26-11-01T00:00:00Z",
		"2026/11/01T00:00:00Z", "2026-1-01T00:00:00Z",
		"2026-11-01T0:00:00Z", "+2026-11-01T00:00:00Z",
		"2026-11-01T00:00:00,5Z", "2026-11-01T-1:00:00Z",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(rfc_err(bad[i]) == TIDE_EINVAL, "accepted '%s'",
		    bad[i]);
}
END_TEST

START_TEST(test_rfc3339_uses_only_the_given_length)
{
	const char *s = "2026-11-01T00:00:00Zjunk";
	int64_t ms;

	ck_assert_int_eq(tide_time_parse_rfc3339(s, 20, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000);
	ck_assert_int_eq(tide_time_parse_rfc3339(s, 19, &ms), TIDE_EINVAL);
	ck_assert_int_eq(tide_time_parse_rfc3339(s, 21, &ms), TIDE_EINVAL);
}
END_TEST

START_TEST(test_time_parse_arg_accepts_every_form)
{
	int64_t now = 1793491200000, ms;

	ck_assert_int_eq(tide_time_parse_arg("now", now, &ms), 0);
	ck_assert_int_eq(ms, now);
	ck_assert_int_eq(tide_time_parse_arg("-15m", now, &ms), 0);
	ck_assert_int_eq(ms, now - 900000);
	ck_assert_int_eq(tide_time_parse_arg("+1h", now, &ms), 0);
	ck_assert_int_eq(ms, now + 3600000);
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01", now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000);
	ck_assert_int_eq(tide_time_parse_arg("1969-12-31", now, &ms), 0);
	ck_assert_int_eq(ms, -86400000);
	ck_assert_int_eq(tide_time_parse_arg("1764547200123", now, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	ck_assert_int_eq(tide_time_parse_arg("0", now, &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01T10:00:00+02:00",
	    now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 8 * 3600000);
	/* No seconds, no zone: UTC, as a date is. */
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01T00:10", now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 600000);
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01T00:10:30", now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 630000);
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01 00:10:30.25", now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 630250);
	/* Minutes with a zone: the seconds 00. */
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01T10:02Z", now, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 36120000);
	ck_assert_int_eq(tide_time_parse_arg("2026-11-01T10:02+01:00", now,
	    &ms), 0);
	ck_assert_int_eq(ms, 1793491200000 + 32520000);
	ck_assert_int_eq(tide_time_parse_arg("-PT15M", now, &ms), 0);
	ck_assert_int_eq(ms, now - 900000);
}
END_TEST

START_TEST(test_time_parse_arg_rejects_bad_text)
{
	static const char *bad[] = {
		"", "NOW", "now ", "-", "+", "-15", "-15x", "--15m",
		"2026-11-31", "2026-11-1", "2026-11-01T10", "2026-11-01T25:00",
		"2026-11-01T10:00:61", "2026-11-01T10:00+", "2026-11-01T10:0",
		"2026-11-01X10:00", "yesterday", "2026-11-01T10:02Y",
		"2026-11-01T10:02+01", "2026-11-01T10:2Z", "2026-11-01T10:02ZZ",
		"12a", "1.5", "-1d-1d",
	};
	int64_t ms = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tide_time_parse_arg(bad[i], 0, &ms) < 0,
		    "accepted '%s'", bad[i]);
	ck_assert_int_eq(ms, 7);
	ck_assert_int_eq(tide_time_parse_arg("99999999999999999999", 0, &ms),
	    TIDE_ERANGE);
	ck_assert_int_eq(tide_time_parse_arg("+1d", INT64_MAX - 5, &ms),
	    TIDE_ERANGE);
	ck_assert_int_eq(tide_time_parse_arg("-1d", INT64_MIN + 5, &ms),
	    TIDE_ERANGE);
}
END_TEST

START_TEST(test_epoch_unit_by_magnitude)
{
	int64_t ms;

	ck_assert_int_eq(tide_time_from_epoch(1764547200, 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200000);
	ck_assert_int_eq(tide_time_from_epoch(1764547200123.0, 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	ck_assert_int_eq(tide_time_from_epoch(1764547200123456.0, 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	ck_assert_int_eq(tide_time_from_epoch(1.764547200123456e18, 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	/* The boundaries: 1e11 is already ms, 99999999999 still s. */
	ck_assert_int_eq(tide_time_from_epoch(99999999999.0, 0, &ms), 0);
	ck_assert_int_eq(ms, 99999999999000);
	ck_assert_int_eq(tide_time_from_epoch(1e11, 0, &ms), 0);
	ck_assert_int_eq(ms, 100000000000);
	ck_assert_int_eq(tide_time_from_epoch(1e14, 0, &ms), 0);
	ck_assert_int_eq(ms, 100000000000);
	ck_assert_int_eq(tide_time_from_epoch(1e17, 0, &ms), 0);
	ck_assert_int_eq(ms, 100000000000);
	/* Negative epochs go by magnitude too. */
	ck_assert_int_eq(tide_time_from_epoch(-86400, 0, &ms), 0);
	ck_assert_int_eq(ms, -86400000);
}
END_TEST

START_TEST(test_epoch_fraction_keeps_decimal_ms)
{
	int64_t ms;

	/* 1764547200.123 is 1764547200.1229999 in binary. */
	ck_assert_int_eq(tide_time_from_epoch(1764547200.123, 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	ck_assert_int_eq(tide_time_from_epoch(0.0019, TIDE_UNIT_S, &ms), 0);
	ck_assert_int_eq(ms, 1);
	ck_assert_int_eq(tide_time_from_epoch(-0.0005, TIDE_UNIT_S, &ms), 0);
	ck_assert_int_eq(ms, -1);
	ck_assert_int_eq(tide_time_from_epoch(1500.7, TIDE_UNIT_US, &ms), 0);
	ck_assert_int_eq(ms, 1);
}
END_TEST

START_TEST(test_epoch_fixed_unit_overrides_magnitude)
{
	int64_t ms;

	ck_assert_int_eq(tide_time_from_epoch(1764547200123.0, TIDE_UNIT_S,
	    &ms), 0);
	ck_assert_int_eq(ms, 1764547200123000);
	ck_assert_int_eq(tide_time_from_epoch(1764547200.0, TIDE_UNIT_MS,
	    &ms), 0);
	ck_assert_int_eq(ms, 1764547200);
	ck_assert_int_eq(tide_time_from_epoch(5, TIDE_UNIT_MS, &ms), 0);
	ck_assert_int_eq(ms, 5);
	ck_assert_int_eq(tide_time_from_epoch(5, TIDE_UNIT_S, &ms), 0);
	ck_assert_int_eq(ms, 5000);
	ck_assert_int_eq(tide_time_from_epoch(5000, TIDE_UNIT_US, &ms), 0);
	ck_assert_int_eq(ms, 5);
	ck_assert_int_eq(tide_time_from_epoch(5e6, TIDE_UNIT_NS, &ms), 0);
	ck_assert_int_eq(ms, 5);
}
END_TEST

START_TEST(test_epoch_rejects_nan_inf_and_out_of_range)
{
	int64_t ms = 7;

	ck_assert_int_eq(tide_time_from_epoch(NAN, 0, &ms), TIDE_ERANGE);
	ck_assert_int_eq(tide_time_from_epoch(INFINITY, 0, &ms), TIDE_ERANGE);
	ck_assert_int_eq(tide_time_from_epoch(-INFINITY, 0, &ms), TIDE_ERANGE);
	ck_assert_int_eq(tide_time_from_epoch(1e300, TIDE_UNIT_MS, &ms),
	    TIDE_ERANGE);
	ck_assert_int_eq(tide_time_from_epoch(1e19, TIDE_UNIT_MS, &ms),
	    TIDE_ERANGE);
	ck_assert_int_eq(tide_time_from_epoch(1e17, TIDE_UNIT_S, &ms),
	    TIDE_ERANGE);
	ck_assert_int_eq(ms, 7);
}
END_TEST

static int
from_json(const char *text, enum tide_time_unit unit, int64_t *ms)
{
	struct tide_json_val v;

	ck_assert_int_eq(tide_json_check(text, strlen(text), 8, &v.type,
	    NULL), 0);
	v.p = text;
	v.len = strlen(text);
	return tide_time_from_json(&v, unit, ms);
}

START_TEST(test_time_from_json_numbers_keep_ns_precision)
{
	int64_t ms;

	ck_assert_int_eq(from_json("1764547200", 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200000);
	ck_assert_int_eq(from_json("1764547200123", 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	/* Past 2^53: a double would round the ns away. */
	ck_assert_int_eq(from_json("1764547200123999999", 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200123);
	ck_assert_int_eq(from_json("-1", TIDE_UNIT_NS, &ms), 0);
	ck_assert_int_eq(ms, -1);
	ck_assert_int_eq(from_json("-1500", TIDE_UNIT_US, &ms), 0);
	ck_assert_int_eq(ms, -2);
	ck_assert_int_eq(from_json("1764547200.5", 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200500);
	ck_assert_int_eq(from_json("1.7645472e9", 0, &ms), 0);
	ck_assert_int_eq(ms, 1764547200000);
	ck_assert_int_eq(from_json("9223372036854775807", TIDE_UNIT_S, &ms),
	    TIDE_ERANGE);
}
END_TEST

START_TEST(test_time_from_json_strings_and_wrong_types)
{
	int64_t ms;

	ck_assert_int_eq(from_json("\"2026-11-01T00:00:00Z\"", 0, &ms), 0);
	ck_assert_int_eq(ms, 1793491200000);
	/* An escaped character is unescaped first. */
	ck_assert_int_eq(from_json("\"2026-11-01T00:00:00\\u005a\"", 0, &ms),
	    0);
	ck_assert_int_eq(ms, 1793491200000);
	ck_assert_int_eq(from_json("\"yesterday\"", 0, &ms), TIDE_EINVAL);
	ck_assert_int_eq(from_json("\"1764547200\"", 0, &ms), TIDE_EINVAL);
	ck_assert_int_eq(from_json("\"\"", 0, &ms), TIDE_EINVAL);
	ck_assert_int_eq(from_json("null", 0, &ms), TIDE_ETYPE);
	ck_assert_int_eq(from_json("true", 0, &ms), TIDE_ETYPE);
	ck_assert_int_eq(from_json("[1]", 0, &ms), TIDE_ETYPE);
	ck_assert_int_eq(from_json("{\"ts\":1}", 0, &ms), TIDE_ETYPE);
}
END_TEST

START_TEST(test_time_fmt_writes_utc_with_ms)
{
	static const struct {
		int64_t ms;
		const char *text;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1793491200000, "2026-11-01T00:00:00.000Z" },
		{ 1709190296789, "2024-02-29T07:04:56.789Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -86400000, "1969-12-31T00:00:00.000Z" },
		{ -2208988800000, "1900-01-01T00:00:00.000Z" },
		{ -62167219200000, "0000-01-01T00:00:00.000Z" },
		{ 253402300799999, "9999-12-31T23:59:59.999Z" },
	};
	char out[32];
	size_t i, n;
	int64_t back;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tide_time_fmt(out, cases[i].ms);
		ck_assert_str_eq(out, cases[i].text);
		ck_assert_uint_eq(n, strlen(out));
		ck_assert_int_eq(tide_time_parse_rfc3339(out, n, &back), 0);
		ck_assert_int_eq(back, cases[i].ms);
	}
	/* The extremes fit in 32 bytes. */
	ck_assert_uint_lt(tide_time_fmt(out, INT64_MIN), 32);
	ck_assert_uint_lt(tide_time_fmt(out, INT64_MAX), 32);
}
END_TEST

START_TEST(test_time_fmt_round_trips_every_day_of_four_centuries)
{
	char out[32];
	int64_t d, back;
	size_t n;

	/* 1600-01-01 .. 2000-01-01, one odd ms into each day. */
	for (d = -135140; d < 10957; d++) {
		n = tide_time_fmt(out, d * 86400000 + 3723004);
		ck_assert_int_eq(tide_time_parse_rfc3339(out, n, &back), 0);
		ck_assert_int_eq(back, d * 86400000 + 3723004);
	}
}
END_TEST

START_TEST(test_clocks_advance)
{
	int64_t a = tide_now_ms(), m = tide_mono_us(), m2;

	/* After 2020 and not in the far future. */
	ck_assert_int_gt(a, 1577836800000);
	ck_assert_int_lt(a, 4102444800000);
	m2 = tide_mono_us();
	ck_assert_int_ge(m2, m);
}
END_TEST

Suite *suite_time(void);

Suite *
suite_time(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("time");

	tcase_add_test(tc, test_dur_parse_accepts_units_and_compounds);
	tcase_add_test(tc, test_dur_parse_accepts_fractions_words_and_iso8601);
	tcase_add_test(tc, test_dur_parse_rejects_bad_fractions_and_iso8601);
	tcase_add_test(tc, test_dur_parse_rejects_empty_negative_and_signs);
	tcase_add_test(tc, test_dur_parse_rejects_trailing_garbage);
	tcase_add_test(tc, test_dur_parse_rejects_unknown_unit);
	tcase_add_test(tc, test_dur_parse_rejects_repeated_or_reversed_units);
	tcase_add_test(tc, test_dur_parse_rejects_overflow);
	tcase_add_test(tc, test_dur_parse_rejects_sub_resolution);
	tcase_add_test(tc, test_dur_fmt_writes_shortest_canonical_text);
	tcase_add_test(tc, test_time_unit_parse_names);
	tcase_add_test(tc, test_rfc3339_parses_utc_offsets_and_fractions);
	tcase_add_test(tc, test_rfc3339_handles_dates_before_the_epoch);
	tcase_add_test(tc, test_rfc3339_validates_calendar);
	tcase_add_test(tc, test_rfc3339_rejects_malformed_text);
	tcase_add_test(tc, test_rfc3339_uses_only_the_given_length);
	tcase_add_test(tc, test_time_parse_arg_accepts_every_form);
	tcase_add_test(tc, test_time_parse_arg_rejects_bad_text);
	tcase_add_test(tc, test_epoch_unit_by_magnitude);
	tcase_add_test(tc, test_epoch_fraction_keeps_decimal_ms);
	tcase_add_test(tc, test_epoch_fixed_unit_overrides_magnitude);
	tcase_add_test(tc, test_epoch_rejects_nan_inf_and_out_of_range);
	tcase_add_test(tc, test_time_from_json_numbers_keep_ns_precision);
	tcase_add_test(tc, test_time_from_json_strings_and_wrong_types);
	tcase_add_test(tc, test_time_fmt_writes_utc_with_ms);
	tcase_add_test(tc, test_time_fmt_round_trips_every_day_of_four_centuries);
	tcase_add_test(tc, test_clocks_advance);
	suite_add_tcase(s, tc);
	return s;
}
