#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "unit.h"

static const char *
fmt(const struct tide_progress_stat *st)
{
	static char buf[TIDE_PROGRESS_LINE];
	size_t n = tide_progress_format(buf, sizeof(buf), "tide-x", st);

	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

static struct tide_progress_stat
stat_of(uint64_t records, uint64_t bytes, uint64_t pos, uint64_t total,
    enum tide_progress_unit unit, double secs)
{
	struct tide_progress_stat st;

	memset(&st, 0, sizeof(st));
	st.records = records;
	st.bytes = bytes;
	st.pos = pos;
	st.total = total;
	st.unit = unit;
	st.elapsed_us = (int64_t)(secs * 1e6);
	return st;
}

START_TEST(test_progress_format_bounded_records)
{
	struct tide_progress_stat st = stat_of(1234, 0, 1234, 10000,
	    TIDE_PROGRESS_RECORDS, 2.0);

	ck_assert_str_eq(fmt(&st), "tide-x: 1234/10.0k records (12%), 617 "
	    "records/s, ETA 15s");
	st = stat_of(250000, 0, 250000, 1000000, TIDE_PROGRESS_RECORDS, 10);
	ck_assert_str_eq(fmt(&st), "tide-x: 250.0k/1.0M records (25%), 25.0k "
	    "records/s, ETA 30s");
}
END_TEST

START_TEST(test_progress_format_bounded_bytes)
{
	struct tide_progress_stat st = stat_of(5000, 0, 3 << 20, 12 << 20,
	    TIDE_PROGRESS_BYTES, 3.0);

	ck_assert_str_eq(fmt(&st), "tide-x: 3.0 MiB/12.0 MiB (25%), 5000 "
	    "records, 1667 records/s, 1.0 MiB/s, ETA 9s");
}
END_TEST

START_TEST(test_progress_format_unbounded)
{
	struct tide_progress_stat st = stat_of(123456, 1536, 0, 0,
	    TIDE_PROGRESS_RECORDS, 4.0);

	ck_assert_str_eq(fmt(&st), "tide-x: 123.5k records, 1.5 KiB, 30.9k "
	    "records/s, 384 B/s");
	/* No bytes: not shown. */
	st = stat_of(7, 0, 0, 0, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 7 records, 7 records/s");
}
END_TEST

START_TEST(test_progress_format_scales_counts_and_bytes)
{
	static const struct {
		uint64_t v;
		const char *records, *bytes;
	} c[] = {
		{ 0, "0", "0 B" },
		{ 1023, "1023", "1023 B" },
		{ 1024, "1024", "1.0 KiB" },
		{ 9999, "9999", "9.8 KiB" },
		{ 10000, "10.0k", "9.8 KiB" },
		{ 999949, "999.9k", "976.5 KiB" },
		{ 999999, "1.0M", "976.6 KiB" },
		{ 1048575, "1.0M", "1.0 MiB" },
		{ 1500000000, "1.5G", "1.4 GiB" },
		{ 5ULL << 40, "5.5T", "5.0 TiB" },
	};
	struct tide_progress_stat st;
	char want[128];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* No elapsed time: rates are 0. */
		st = stat_of(c[i].v, 0, 0, 0, TIDE_PROGRESS_RECORDS, 0);
		snprintf(want, sizeof(want), "tide-x: %s records, 0 records/s",
		    c[i].records);
		ck_assert_str_eq(fmt(&st), want);
		st = stat_of(0, 0, c[i].v, UINT64_MAX, TIDE_PROGRESS_BYTES, 0);
		ck_assert_msg(strncmp(fmt(&st) + 8, c[i].bytes,
		    strlen(c[i].bytes)) == 0 && fmt(&st)[8 +
		    strlen(c[i].bytes)] == '/', "%llu: '%s', want '%s'",
		    (unsigned long long)c[i].v, fmt(&st), c[i].bytes);
	}
}
END_TEST

START_TEST(test_progress_format_eta_and_percent_edges)
{
	struct tide_progress_stat st;

	/* Nothing done yet: no rate, no ETA. */
	st = stat_of(0, 0, 0, 100, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 0/100 records (0%), 0 records/s, "
	    "ETA ?");
	/* Done: 100% and 0s. */
	st = stat_of(100, 0, 100, 100, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 100/100 records (100%), 100 "
	    "records/s, ETA 0s");
	/* Past the total (a count that overshoots): capped. */
	st = stat_of(150, 0, 150, 100, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 150/100 records (100%), 150 "
	    "records/s, ETA 0s");
	/* 99.9% is 99%, and a fraction of a second left is 1s. */
	st = stat_of(999, 0, 999, 1000, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 999/1000 records (99%), 999 "
	    "records/s, ETA 1s");
	/* Minutes and hours. */
	st = stat_of(1, 0, 1, 188, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 1/188 records (0%), 1 "
	    "records/s, ETA 3m07s");
	st = stat_of(1, 0, 1, 3727, TIDE_PROGRESS_RECORDS, 1.0);
	ck_assert_str_eq(fmt(&st), "tide-x: 1/3727 records (0%), 1 "
	    "records/s, ETA 1h02m06s");
	/* No elapsed time: no rate. */
	st = stat_of(5, 0, 5, 10, TIDE_PROGRESS_RECORDS, 0);
	ck_assert_str_eq(fmt(&st), "tide-x: 5/10 records (50%), 0 records/s, "
	    "ETA ?");
}
END_TEST

START_TEST(test_progress_format_note_and_truncation)
{
	struct tide_progress_stat st = stat_of(7, 0, 0, 0,
	    TIDE_PROGRESS_RECORDS, 1.0);
	char small[16];
	size_t n;

	st.note = "lag 1.5ms";
	ck_assert_str_eq(fmt(&st), "tide-x: 7 records, 7 records/s, lag 1.5ms");
	n = tide_progress_format(small, sizeof(small), "tide-x", &st);
	ck_assert_uint_eq(n, 15);
	ck_assert_str_eq(small, "tide-x: 7 recor");
	n = tide_progress_format(small, 1, "tide-x", &st);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(small, "");
}
END_TEST

/* Draw into a pipe: what a terminal would get. */
static size_t
drain(int fd, char *buf, size_t cap)
{
	ssize_t r;
	size_t n = 0;

	while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

START_TEST(test_progress_draws_redraws_in_place_and_clears)
{
	struct tide_progress p;
	struct tide_progress_stat st = stat_of(3, 0, 0, 0,
	    TIDE_PROGRESS_RECORDS, 0);
	char buf[1024];
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	tide_progress_init(&p, fds[1], "tide-x");
	/* Nothing shown: nothing to clear. */
	tide_progress_clear(&p);
	ck_assert_uint_eq(drain(fds[0], buf, sizeof(buf)), 0);
	/* The first update is due at once... */
	ck_assert_int_eq(tide_progress_due(&p), 1);
	tide_progress_draw(&p, &st);
	drain(fds[0], buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "\rtide-x: 3 records, ", 20) == 0, "%s", buf);
	ck_assert_msg(strcmp(buf + strlen(buf) - 3, "\033[K") == 0, "%s", buf);
	ck_assert_ptr_null(strchr(buf, '\n'));
	/* ... the next one only after the interval. */
	ck_assert_int_eq(tide_progress_due(&p), 0);
	usleep(TIDE_PROGRESS_INTERVAL_US + 20000);
	ck_assert_int_eq(tide_progress_due(&p), 1);
	tide_progress_clear(&p);
	drain(fds[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "\r\033[K");
	/* Cleared once. */
	tide_progress_clear(&p);
	ck_assert_uint_eq(drain(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_progress_off_draws_nothing)
{
	struct tide_progress p;
	struct tide_progress_stat st = stat_of(3, 0, 0, 0,
	    TIDE_PROGRESS_RECORDS, 0);

	tide_progress_init(&p, -1, "tide-x");
	ck_assert_int_eq(tide_progress_due(&p), 0);
	tide_progress_draw(&p, &st);
	tide_progress_clear(&p);
	ck_assert_int_eq(p.shown, 0);
}
END_TEST

START_TEST(test_progress_wanted_by_force_or_terminal)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(tide_progress_wanted(1, fds[1]), 1);
	ck_assert_int_eq(tide_progress_wanted(0, fds[1]), 0);
	/* A pipe is not a terminal. */
	ck_assert_int_eq(tide_progress_wanted(-1, fds[1]), 0);
	ck_assert_int_eq(tide_progress_wanted(-1, -1), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

Suite *
suite_progress(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("progress");

	tcase_add_test(tc, test_progress_format_bounded_records);
	tcase_add_test(tc, test_progress_format_bounded_bytes);
	tcase_add_test(tc, test_progress_format_unbounded);
	tcase_add_test(tc, test_progress_format_scales_counts_and_bytes);
	tcase_add_test(tc, test_progress_format_eta_and_percent_edges);
	tcase_add_test(tc, test_progress_format_note_and_truncation);
	tcase_add_test(tc, test_progress_draws_redraws_in_place_and_clears);
	tcase_add_test(tc, test_progress_off_draws_nothing);
	tcase_add_test(tc, test_progress_wanted_by_force_or_terminal);
	suite_add_tcase(s, tc);
	return s;
}
