#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "readahead.h"
#include "unit.h"

/* Read line[] into the ring as lib/recin would: its key path looked up
 * into the slot's values, the verdict err. */
static void
add(struct tide_readahead *ra, const struct tide_path *kp, const char *line,
    uint64_t lineno, enum tide_rec_err err, const struct tide_table *t)
{
	struct tide_json_val *v = tide_readahead_vals(ra, 1);
	struct tide_rec in;

	memset(&in, 0, sizeof(in));
	in.p = line;
	in.len = strlen(line);
	in.lineno = lineno;
	in.err = err;
	if (!err)
		tide_json_get_many(line, in.len, kp, 1, v);
	tide_readahead_add(ra, &in, t);
}

START_TEST(test_readahead_keeps_order_and_keys_each_record)
{
	struct tide_readahead ra;
	struct tide_path kp;
	struct tide_rarec *r;
	char lines[40][32];
	unsigned i;

	ck_assert_int_eq(tide_path_parse(&kp, "id"), 0);
	tide_readahead_init(&ra, 1, 1024, 1, 0);
	ck_assert_uint_eq(ra.lag, 0);
	ck_assert_ptr_null(tide_readahead_take(&ra));
	/* Round and round the ring, one in and one out. */
	for (i = 0; i < 40; i++) {
		snprintf(lines[i], sizeof(lines[i]), "{\"id\":%u}", i);
		add(&ra, &kp, lines[i], i + 1, TIDE_REC_OK, NULL);
		ck_assert_int_eq(tide_readahead_due(&ra), 1);
		r = tide_readahead_take(&ra);
		ck_assert_ptr_eq(r->line, lines[i]);
		ck_assert_uint_eq(r->lineno, i + 1);
		ck_assert_int_eq(r->kr, 0);
		ck_assert_int_eq(r->hashed, 1);
		ck_assert_uint_eq(r->h, tide_table_hash(r->kb.data, r->kb.len));
	}
	ck_assert_uint_eq(tide_readahead_count(&ra), 0);
	tide_readahead_release(&ra);
	tide_path_release(&kp);
}
END_TEST

START_TEST(test_readahead_lag_holds_records_back)
{
	static const struct tide_table_spec spec = { .nkeys = 1,
	    .keys = { "id" } };
	struct tide_readahead ra;
	struct tide_table t;
	struct tide_table_rowerr err;
	struct tide_path kp;
	struct tide_rarec *r;
	char lines[12][32];
	unsigned i;

	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_add(&t, "{\"id\":3,\"x\":1}", 14, &err), 0);
	ck_assert_int_eq(tide_table_finish(&t), 0);
	ck_assert_int_eq(tide_path_parse(&kp, "id"), 0);
	tide_readahead_init(&ra, 1, 1024, 1, 1);
	ck_assert_uint_eq(ra.lag, TIDE_READAHEAD_LAG);
	for (i = 0; i < TIDE_READAHEAD_LAG; i++) {
		snprintf(lines[i], sizeof(lines[i]), "{\"id\":%u}", i);
		add(&ra, &kp, lines[i], i + 1, TIDE_REC_OK, &t);
		ck_assert_int_eq(tide_readahead_due(&ra), 0);
	}
	add(&ra, &kp, "{\"id\":8}", 9, TIDE_REC_OK, &t);
	ck_assert_int_eq(tide_readahead_due(&ra), 1);
	r = tide_readahead_take(&ra);
	ck_assert_str_eq(r->line, "{\"id\":0}");
	ck_assert_int_eq(tide_readahead_due(&ra), 0);
	/* Drained in order. */
	for (i = 1; (r = tide_readahead_take(&ra)) != NULL; i++)
		ck_assert_uint_eq(r->lineno, i + 1);
	ck_assert_uint_eq(i, 9);
	tide_readahead_release(&ra);
	tide_path_release(&kp);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_readahead_bad_and_keyless_records)
{
	struct tide_readahead ra;
	struct tide_path kp;
	struct tide_rarec *r;

	ck_assert_int_eq(tide_path_parse(&kp, "id"), 0);
	/* A view table: keys, no hashes. */
	tide_readahead_init(&ra, 1, 1024, 0, 1);
	ck_assert_uint_eq(ra.lag, 0);
	add(&ra, &kp, "not json", 1, TIDE_REC_JSON, NULL);
	add(&ra, &kp, "{\"x\":1}", 2, TIDE_REC_OK, NULL);
	add(&ra, &kp, "{\"id\":null}", 3, TIDE_REC_OK, NULL);
	add(&ra, &kp, "{\"id\":\"a\"}", 4, TIDE_REC_OK, NULL);
	r = tide_readahead_take(&ra);
	ck_assert_int_eq(r->err, TIDE_REC_JSON);
	ck_assert_int_eq(r->hashed, 0);
	r = tide_readahead_take(&ra);
	ck_assert_int_eq(r->kr, TIDE_ENOENT);
	r = tide_readahead_take(&ra);
	ck_assert_int_eq(r->kr, TIDE_ENOENT);
	r = tide_readahead_take(&ra);
	ck_assert_int_eq(r->kr, 0);
	ck_assert_int_eq(r->hashed, 0);
	ck_assert_ptr_null(tide_readahead_take(&ra));
	/* Values grow with the plan's paths. */
	ck_assert_ptr_nonnull(tide_readahead_vals(&ra, 7));
	ck_assert_int_eq(ra.nvals, 7);
	tide_readahead_release(&ra);
	tide_path_release(&kp);
}
END_TEST

Suite *
suite_readahead(void)
{
	Suite *s = suite_create("readahead");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_readahead_keeps_order_and_keys_each_record);
	tcase_add_test(tc, test_readahead_lag_holds_records_back);
	tcase_add_test(tc, test_readahead_bad_and_keyless_records);
	suite_add_tcase(s, tc);
	return s;
}
