#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileout.h"
#include "sidecar.h"
#include "unit.h"

/* Each test works in its own temporary directory (unit.h). */
static void
setup(void)
{
	unit_tmp_start("sidecar");
}

START_TEST(test_sidecar_path_is_hidden_beside_the_file)
{
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_sidecar_path("out.ndjson", &b), 0);
	ck_assert_str_eq(b.data, ".out.ndjson.tide-offsets");
	ck_assert_int_eq(tide_sidecar_path("a/b/f.ndjson.zst", &b), 0);
	ck_assert_str_eq(b.data, "a/b/.f.ndjson.zst.tide-offsets");
	ck_assert_int_eq(tide_sidecar_path("/f", &b), 0);
	ck_assert_str_eq(b.data, "/.f.tide-offsets");
	ck_assert_str_eq(tide_sidecar_base("a/b/f"), "f");
	ck_assert_str_eq(tide_sidecar_base("f"), "f");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_sidecar_round_trip)
{
	struct tide_barrier_offs o = TIDE_BARRIER_OFFS_INIT;
	struct tide_buf scratch = TIDE_BUF_INIT;
	struct tide_sidecar sc;
	const char *failed = NULL, *why = NULL;

	ck_assert_int_eq(tide_barrier_offs_set(&o, "tx", 2, 0, 1043), 0);
	ck_assert_int_eq(tide_barrier_offs_set(&o, "a \"q\"", 5, 3, 7), 0);
	ck_assert_int_eq(tide_sidecar_write(unit_path(".f.tide-offsets"), "f",
	    20480, &o, &scratch, &failed), 0);
	unit_assert_file(unit_path(".f.tide-offsets"),
	    "{\"segment\":\"f\",\"length\":20480,\"offsets\":"
	    "[[\"tx\",0,1043],[\"a \\\"q\\\"\",3,7]]}\n");
	ck_assert(!unit_exists(unit_path(".f.tide-offsets.tmp")));
	tide_sidecar_init(&sc);
	ck_assert_int_eq(tide_sidecar_read(unit_path(".f.tide-offsets"), &sc,
	    &why), 0);
	ck_assert_str_eq(sc.segment.data, "f");
	ck_assert_int_eq(sc.length, 20480);
	ck_assert_uint_eq(sc.offs.n, 2);
	ck_assert_int_eq(tide_barrier_offs_get(&sc.offs, "tx", 2, 0), 1043);
	ck_assert_int_eq(tide_barrier_offs_get(&sc.offs, "a \"q\"", 5, 3), 7);
	/* Replaced, not appended to. */
	tide_barrier_offs_reset(&o);
	ck_assert_int_eq(tide_sidecar_write(unit_path(".f.tide-offsets"), "f",
	    0, &o, &scratch, &failed), 0);
	unit_assert_file(unit_path(".f.tide-offsets"),
	    "{\"segment\":\"f\",\"length\":0,\"offsets\":[]}\n");
	tide_sidecar_release(&sc);
	tide_barrier_offs_release(&o);
	tide_buf_release(&scratch);
}
END_TEST

START_TEST(test_sidecar_missing_is_enoent)
{
	struct tide_sidecar sc;

	tide_sidecar_init(&sc);
	ck_assert_int_eq(tide_sidecar_read(unit_path("none"), &sc, NULL),
	    TIDE_ENOENT);
	tide_sidecar_release(&sc);
}
END_TEST

/* Bad records: each TIDE_EFORMAT with its reason, nothing kept. */
START_TEST(test_sidecar_bad_records)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "", "cut short (no newline at its end)" },
		{ "{\"segment\":\"f\",\"len", "cut short (no newline at its end)" },
		{ "not json\n", "not a JSON object" },
		{ "[1,2]\n", "not a JSON object" },
		{ "{\"segment\":\"f\",\"length\":3}\n",
		    "not a record of segment, length and offsets" },
		{ "{\"segment\":\"f\",\"length\":\"3\",\"offsets\":[]}\n",
		    "not a record of segment, length and offsets" },
		{ "{\"segment\":1,\"length\":3,\"offsets\":[]}\n",
		    "not a record of segment, length and offsets" },
		{ "{\"segment\":\"f\",\"length\":-1,\"offsets\":[]}\n",
		    "its length is not a byte count" },
		{ "{\"segment\":\"f\",\"length\":1.5,\"offsets\":[]}\n",
		    "its length is not a byte count" },
		{ "{\"segment\":\"a/f\",\"length\":3,\"offsets\":[]}\n",
		    "its segment is not a file name" },
		{ "{\"segment\":\"\",\"length\":3,\"offsets\":[]}\n",
		    "its segment is not a file name" },
		{ "{\"segment\":\"f\",\"length\":3,\"offsets\":[[\"t\",-1,3]]}\n",
		    "its offsets are not [[topic, partition, offset], ...]" },
		{ "{\"segment\":\"f\",\"length\":3,\"offsets\":[[\"t\",0,1],"
		    "[\"t\",0,2]]}\n",
		    "its offsets are not [[topic, partition, offset], ...]" },
	};
	struct tide_sidecar sc;
	const char *why;
	size_t i;

	tide_sidecar_init(&sc);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unit_put(unit_path("sc"), cases[i].text);
		why = NULL;
		ck_assert_msg(tide_sidecar_read(unit_path("sc"), &sc, &why) ==
		    TIDE_EFORMAT, "case %zu", i);
		ck_assert_str_eq(why, cases[i].why);
		ck_assert_uint_eq(sc.offs.n, 0);
		ck_assert_uint_eq(sc.segment.len, 0);
	}
	tide_sidecar_release(&sc);
}
END_TEST

START_TEST(test_sidecar_write_fails_in_a_missing_directory)
{
	struct tide_barrier_offs o = TIDE_BARRIER_OFFS_INIT;
	struct tide_buf scratch = TIDE_BUF_INIT;
	const char *failed = NULL;

	ck_assert_int_eq(tide_sidecar_write(unit_path("no/.f.tide-offsets"),
	    "f", 0, &o, &scratch, &failed), TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(failed, unit_path("no/.f.tide-offsets"));
	tide_buf_release(&scratch);
}
END_TEST

/* ---- lib/fileout's part: a plain file goes on after its length ---------- */

static void
fo_open(struct tide_fileout *f, const char *pattern)
{
	struct tide_fileout_opts o;

	memset(&o, 0, sizeof(o));
	o.stdout_fd = 1;
	ck_assert_int_eq(tide_fileout_open(f, pattern, &o), 0);
}

START_TEST(test_fileout_plain_only)
{
	struct tide_fileout f;
	struct tide_fileout_opts o;

	fo_open(&f, unit_path("out.ndjson"));
	ck_assert(tide_fileout_plain(&f));
	tide_fileout_release(&f);
	fo_open(&f, unit_path("out-%Y.ndjson"));
	ck_assert(!tide_fileout_plain(&f));
	ck_assert_int_eq(tide_fileout_resume(&f, 0), TIDE_EINVAL);
	tide_fileout_release(&f);
	fo_open(&f, "-");
	ck_assert(!tide_fileout_plain(&f));
	tide_fileout_release(&f);
	fo_open(&f, "/dev/null");
	ck_assert(!tide_fileout_plain(&f));
	tide_fileout_release(&f);
	memset(&o, 0, sizeof(o));
	o.rotate_bytes = 100;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("r.ndjson"), &o), 0);
	ck_assert(!tide_fileout_plain(&f));
	tide_fileout_release(&f);
	memset(&o, 0, sizeof(o));
	o.format = TIDE_FILEOUT_CSV;
	ck_assert_int_eq(tide_fileout_open(&f, unit_path("c.csv"), &o), 0);
	ck_assert(!tide_fileout_plain(&f));
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_resume_cuts_the_part_and_goes_on)
{
	struct tide_fileout f;
	int64_t len = -1;

	unit_put(unit_path("out.part"), "{\"a\":1}\n{\"a\":2}\n{\"torn");
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 16), 0);
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{\"a\":3}", 7), 0);
	ck_assert_int_eq(tide_fileout_mark(&f, &len), 0);
	ck_assert_int_eq(len, 24);
	unit_assert_file(unit_path("out.part"),
	    "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("out"), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
	ck_assert(!unit_exists(unit_path("out.part")));
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_resume_takes_back_a_finished_file)
{
	struct tide_fileout f;

	unit_put(unit_path("out"), "{\"a\":1}\n{\"a\":2}\n");
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 8), 0);
	/* Written on as NAME.part until this run ends. */
	ck_assert(!unit_exists(unit_path("out")));
	ck_assert_int_eq(tide_fileout_write(&f, 0, "{\"b\":1}", 7), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("out"), "{\"a\":1}\n{\"b\":1}\n");
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_resume_prefers_the_part)
{
	struct tide_fileout f;

	unit_put(unit_path("out"), "old\n");
	unit_put(unit_path("out.part"), "old\nnew\n");
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 8), 0);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("out"), "old\nnew\n");
	tide_fileout_release(&f);
}
END_TEST

START_TEST(test_fileout_resume_bad_cases)
{
	struct tide_fileout f;

	/* Neither NAME nor NAME.part. */
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 8), TIDE_ENOENT);
	tide_fileout_release(&f);
	ck_assert(!unit_exists(unit_path("out")) &&
	    !unit_exists(unit_path("out.part")));
	/* Shorter than the record says: untouched. */
	unit_put(unit_path("out"), "abc");
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 8), TIDE_EFORMAT);
	tide_fileout_release(&f);
	unit_assert_file(unit_path("out"), "abc");
	unit_put(unit_path("out.part"), "ab");
	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_resume(&f, 3), TIDE_EFORMAT);
	tide_fileout_release(&f);
	unit_assert_file(unit_path("out.part"), "ab");
}
END_TEST

START_TEST(test_fileout_mark_makes_the_file)
{
	struct tide_fileout f;
	int64_t len = -1;

	fo_open(&f, unit_path("out"));
	ck_assert_int_eq(tide_fileout_mark(&f, &len), 0);
	ck_assert_int_eq(len, 0);
	ck_assert(unit_exists(unit_path("out.part")));
	ck_assert_int_eq(tide_fileout_write(&f, 0, "1", 1), 0);
	ck_assert_int_eq(tide_fileout_mark(&f, &len), 0);
	ck_assert_int_eq(len, 2);
	ck_assert_int_eq(tide_fileout_close(&f), 0);
	unit_assert_file(unit_path("out"), "1\n");
	tide_fileout_release(&f);
}
END_TEST

Suite *suite_sidecar(void);

Suite *
suite_sidecar(void)
{
	Suite *s = suite_create("sidecar");
	TCase *tc = tcase_create("sidecar");

	tcase_add_checked_fixture(tc, setup, unit_tmp_stop);
	tcase_add_test(tc, test_sidecar_path_is_hidden_beside_the_file);
	tcase_add_test(tc, test_sidecar_round_trip);
	tcase_add_test(tc, test_sidecar_missing_is_enoent);
	tcase_add_test(tc, test_sidecar_bad_records);
	tcase_add_test(tc, test_sidecar_write_fails_in_a_missing_directory);
	tcase_add_test(tc, test_fileout_plain_only);
	tcase_add_test(tc, test_fileout_resume_cuts_the_part_and_goes_on);
	tcase_add_test(tc, test_fileout_resume_takes_back_a_finished_file);
	tcase_add_test(tc, test_fileout_resume_prefers_the_part);
	tcase_add_test(tc, test_fileout_resume_bad_cases);
	tcase_add_test(tc, test_fileout_mark_makes_the_file);
	suite_add_tcase(s, tc);
	return s;
}
