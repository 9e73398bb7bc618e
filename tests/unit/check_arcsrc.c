/*
 * lib/arcsrc: a replay's archive inputs as merge sources -- a scan up
 * front (bad lines reported, records in range counted, time order
 * checked) and then one source, or one per partition; a one-pass input as
 * one source, its first record out of order handed back once; errors as
 * codes with their path, line and errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcsrc.h"
#include "bad.h"
#include "err.h"
#include "prog.h"
#include "unit.h"

static const struct tide_option no_opts[] = { TIDE_OPT_END };
static const struct tide_prog test_prog = { "tide-test", "[-q]", "test" };

static char path[64];
static int reports;

static void
put(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_arcsrc.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
on_report(void *ctx)
{
	(void)ctx;
	reports++;
}

/* as over envelopes, its bad lines to bad (strict or not). */
static void
setup(struct tide_arcsrcs *as, struct tide_arcin_conf *c,
    struct tide_bad *bad, int strict)
{
	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(tide_bad_init(bad, strict, NULL), 0);
	tide_arcsrc_init(as, c, bad);
	as->on_report = on_report;
	reports = 0;
}

/*
 * The merge over as's sources, drained: each record's "p:ts" appended to
 * out; the count of TIDE_ARCSRC_UNORDERED seen in *unordered.
 */
static void
drain(struct tide_arcsrcs *as, char *out, size_t cap, int *unordered)
{
	struct tide_merge m;
	struct tide_arcsrc *f;
	size_t n = 0;
	int r;

	*unordered = 0;
	out[0] = '\0';
	tide_merge_init(&m);
	ck_assert_int_eq(tide_arcsrc_open(as, &m), 0);
	while (tide_merge_count(&m) > 0) {
		f = tide_merge_top(&m);
		n += (size_t)snprintf(out + n, cap - n, "%d:%lld ",
		    (int)f->a.key.partition, (long long)f->a.key.ts);
		ck_assert_uint_lt(n, cap);
		r = tide_arcsrc_advance(as, f, &m);
		ck_assert_int_ge(r, 0);
		*unordered += r == TIDE_ARCSRC_UNORDERED;
	}
	tide_arcsrc_close(as);
	tide_merge_release(&m);
}

#define ENV(p, o, ts) "{\"topic\":\"t\",\"partition\":" #p ",\"offset\":" \
	#o ",\"ts\":" #ts ",\"ts_type\":\"create\",\"key\":null,\"value\":{}}\n"

START_TEST(test_arcsrc_scan_in_order_is_one_source)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;
	struct tide_buf dry;
	char out[256];
	int un;

	put(ENV(0, 0, 1000) ENV(1, 0, 2000) ENV(0, 1, 3000));
	setup(&as, &c, &bad, 0);
	tide_buf_init(&dry, TIDE_BUF_NOMAX);
	ck_assert_int_eq(tide_arcsrc_scan(&as, path, 0, &dry), 1);
	ck_assert_uint_eq(as.n, 1);
	ck_assert_int_eq(as.v[0].a.all, 1);
	ck_assert_int_eq(as.v[0].report, 0);
	ck_assert_uint_eq(as.total, 3);
	ck_assert_uint_eq(as.ngood, 3);
	ck_assert_int_eq(as.first_ts, 1000);
	ck_assert_int_eq(as.last_ts, 3000);
	/* One JSON line per partition. */
	ck_assert_ptr_nonnull(strchr(tide_buf_cstr(&dry), '\n'));
	ck_assert_ptr_nonnull(strchr(strchr(tide_buf_cstr(&dry), '\n') + 1,
	    '\n'));
	drain(&as, out, sizeof(out), &un);
	ck_assert_str_eq(out, "0:1000 1:2000 0:3000 ");
	ck_assert_int_eq(un, 0);
	ck_assert_uint_eq(as.ngood, 3);	/* the second pass is not counted */
	tide_arcsrc_release(&as);
	tide_buf_release(&dry);
	unlink(path);
}
END_TEST

START_TEST(test_arcsrc_scan_out_of_order_is_one_source_per_partition)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;
	char out[256];
	int un;

	put(ENV(1, 0, 2000) ENV(1, 1, 4000) ENV(0, 0, 1000) ENV(0, 1, 3000));
	setup(&as, &c, &bad, 0);
	ck_assert_int_eq(tide_arcsrc_scan(&as, path, 0, NULL), 0);
	ck_assert_uint_eq(as.n, 2);
	ck_assert_int_eq(as.v[0].a.all, 0);
	ck_assert_int_eq(as.v[0].a.partition + as.v[1].a.partition, 1);
	ck_assert_uint_eq(as.total, 4);
	ck_assert_int_eq(as.first_ts, 1000);
	ck_assert_int_eq(as.last_ts, 4000);
	drain(&as, out, sizeof(out), &un);
	ck_assert_str_eq(out, "0:1000 1:2000 0:3000 1:4000 ");
	ck_assert_int_eq(un, 0);
	tide_arcsrc_release(&as);
	unlink(path);
}
END_TEST

START_TEST(test_arcsrc_scan_reports_bad_lines_once)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;
	char out[256];
	int un;

	put(ENV(0, 0, 1000) "not json\n" ENV(0, 1, 2000));
	setup(&as, &c, &bad, 0);
	ck_assert_int_eq(tide_arcsrc_scan(&as, path, 0, NULL), 1);
	ck_assert_int_eq(reports, 1);
	ck_assert_uint_eq(bad.count, 1);
	ck_assert_uint_eq(as.total, 2);
	ck_assert_uint_eq(as.ngood, 2);
	/* The second pass skips it quietly. */
	drain(&as, out, sizeof(out), &un);
	ck_assert_str_eq(out, "0:1000 0:2000 ");
	ck_assert_int_eq(reports, 1);
	ck_assert_uint_eq(bad.count, 1);
	tide_arcsrc_release(&as);
	unlink(path);
}
END_TEST

START_TEST(test_arcsrc_strict_bad_line_stops_with_its_code)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;

	put(ENV(0, 0, 1000) "not json\n");
	setup(&as, &c, &bad, 1);
	ck_assert_int_eq(tide_arcsrc_scan(&as, path, 0, NULL),
	    TIDE_ARCSRC_BADSTOP);
	ck_assert_int_eq(as.err.bad, TIDE_EINVAL);
	ck_assert_str_eq(as.err.path, path);
	ck_assert_uint_eq(as.n, 0);
	tide_arcsrc_release(&as);
	unlink(path);
}
END_TEST

START_TEST(test_arcsrc_errors_come_back_with_path_line_errno)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;

	setup(&as, &c, &bad, 0);
	ck_assert_int_eq(tide_arcsrc_scan(&as, "/nonexistent/x", 0, NULL),
	    TIDE_EIO);
	ck_assert_str_eq(as.err.path, "/nonexistent/x");
	ck_assert_uint_eq(as.err.line, 0);
	ck_assert_int_eq(as.err.errnum, ENOENT);
	ck_assert_uint_eq(as.n, 0);
	tide_arcsrc_release(&as);
}
END_TEST

START_TEST(test_arcsrc_one_pass_reports_as_met_and_warns_once)
{
	struct tide_arcin_conf c;
	struct tide_arcsrcs as;
	struct tide_bad bad;
	char out[256];
	int un;

	put(ENV(0, 0, 3000) "not json\n" ENV(0, 1, 1000) ENV(1, 0, 500)
	    ENV(0, 2, 4000));
	setup(&as, &c, &bad, 0);
	tide_arcsrc_add_once(&as, path, 0);
	ck_assert_uint_eq(as.n, 1);
	ck_assert_uint_eq(as.total, 0);
	drain(&as, out, sizeof(out), &un);
	/* In the order read; out of order said once. */
	ck_assert_str_eq(out, "0:3000 0:1000 1:500 0:4000 ");
	ck_assert_int_eq(un, 1);
	ck_assert_int_eq(reports, 1);
	ck_assert_uint_eq(bad.count, 1);
	ck_assert_uint_eq(as.ngood, 4);
	tide_arcsrc_release(&as);
	unlink(path);
}
END_TEST

Suite *
suite_arcsrc(void)
{
	Suite *s = suite_create("arcsrc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_arcsrc_scan_in_order_is_one_source);
	tcase_add_test(tc,
	    test_arcsrc_scan_out_of_order_is_one_source_per_partition);
	tcase_add_test(tc, test_arcsrc_scan_reports_bad_lines_once);
	tcase_add_test(tc, test_arcsrc_strict_bad_line_stops_with_its_code);
	tcase_add_test(tc, test_arcsrc_errors_come_back_with_path_line_errno);
	tcase_add_test(tc, test_arcsrc_one_pass_reports_as_met_and_warns_once);
	suite_add_tcase(s, tc);
	return s;
}
