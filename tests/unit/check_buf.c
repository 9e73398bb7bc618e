#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "err.h"
#include "unit.h"

START_TEST(test_buf_grows_and_terminates)
{
	struct tide_buf b = TIDE_BUF_INIT;
	int i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(tide_buf_adds(&b, "abc"), 0);
	ck_assert_uint_eq(b.len, 3000);
	ck_assert_uint_eq(strlen(tide_buf_cstr(&b)), 3000);
	ck_assert_int_eq(tide_buf_addf(&b, "%d-%s", 42, "x"), 0);
	ck_assert_str_eq(tide_buf_cstr(&b) + 3000, "42-x");
	tide_buf_reset(&b);
	ck_assert_str_eq(tide_buf_cstr(&b), "");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_buf_cap_rejects_growth_and_keeps_content)
{
	struct tide_buf b;

	tide_buf_init(&b, 8);
	ck_assert_int_eq(tide_buf_add(&b, "12345678", 8), 0);
	ck_assert_int_eq(tide_buf_addc(&b, '9'), TIDE_ETOOBIG);
	ck_assert_int_eq(tide_buf_add(&b, "x", 1), TIDE_ETOOBIG);
	ck_assert_int_eq(tide_buf_addf(&b, "%s", "y"), TIDE_ETOOBIG);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_int_eq(memcmp(b.data, "12345678", 8), 0);
	ck_assert_int_eq(tide_buf_grow(&b, (size_t)-1), TIDE_ETOOBIG);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_buf_addi64_extremes)
{
	struct tide_buf b = TIDE_BUF_INIT;

	tide_buf_addi64(&b, INT64_MIN);
	tide_buf_addc(&b, ' ');
	tide_buf_addi64(&b, INT64_MAX);
	tide_buf_addc(&b, ' ');
	tide_buf_addi64(&b, 0);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "-9223372036854775808 9223372036854775807 0");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_buf_detach_leaves_empty)
{
	struct tide_buf b = TIDE_BUF_INIT;
	size_t n;
	char *p;

	tide_buf_adds(&b, "hello");
	p = tide_buf_detach(&b, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(p, "hello");
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_null(b.data);
	free(p);
}
END_TEST

static const char *
enc(struct tide_buf *b, const char *s, size_t n)
{
	tide_buf_reset(b);
	ck_assert_int_eq(tide_b64_encode(b, s, n), 0);
	return tide_buf_cstr(b);
}

START_TEST(test_b64_rfc4648_vectors)
{
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_str_eq(enc(&b, "", 0), "");
	ck_assert_str_eq(enc(&b, "f", 1), "Zg==");
	ck_assert_str_eq(enc(&b, "fo", 2), "Zm8=");
	ck_assert_str_eq(enc(&b, "foo", 3), "Zm9v");
	ck_assert_str_eq(enc(&b, "foob", 4), "Zm9vYg==");
	ck_assert_str_eq(enc(&b, "fooba", 5), "Zm9vYmE=");
	ck_assert_str_eq(enc(&b, "foobar", 6), "Zm9vYmFy");
	ck_assert_str_eq(enc(&b, "\xff\xfe\x00", 3), "//4A");
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_b64_round_trip_all_bytes)
{
	struct tide_buf e = TIDE_BUF_INIT, d = TIDE_BUF_INIT;
	char all[256];
	int i;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	ck_assert_int_eq(tide_b64_encode(&e, all, 256), 0);
	ck_assert_int_eq(tide_b64_decode(&d, e.data, e.len), 0);
	ck_assert_uint_eq(d.len, 256);
	ck_assert_int_eq(memcmp(d.data, all, 256), 0);
	tide_buf_release(&e);
	tide_buf_release(&d);
}
END_TEST

START_TEST(test_b64_decode_rejects_bad_input)
{
	struct tide_buf d = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_b64_decode(&d, "Zg=", 3), TIDE_EINVAL);	/* length */
	ck_assert_int_eq(tide_b64_decode(&d, "Z!==", 4), TIDE_EINVAL);	/* alphabet */
	ck_assert_int_eq(tide_b64_decode(&d, "Z=g=", 4), TIDE_EINVAL);	/* padding order */
	ck_assert_int_eq(tide_b64_decode(&d, "Zg==Zg==", 8), TIDE_EINVAL);	/* padding mid-way */
	ck_assert_int_eq(tide_b64_decode(&d, "====", 4), TIDE_EINVAL);
	ck_assert_uint_eq(d.len, 0);
	ck_assert_int_eq(tide_b64_decode(&d, "Zm8=", 4), 0);
	ck_assert_uint_eq(d.len, 2);
	tide_buf_release(&d);
}
END_TEST

Suite *suite_buf(void);

Suite *
suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_grows_and_terminates);
	tcase_add_test(tc, test_buf_cap_rejects_growth_and_keeps_content);
	tcase_add_test(tc, test_buf_addi64_extremes);
	tcase_add_test(tc, test_buf_detach_leaves_empty);
	tcase_add_test(tc, test_b64_rfc4648_vectors);
	tcase_add_test(tc, test_b64_round_trip_all_bytes);
	tcase_add_test(tc, test_b64_decode_rejects_bad_input);
	suite_add_tcase(s, tc);
	return s;
}
