#include <math.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "ser.h"
#include "unit.h"

START_TEST(test_ser_u64_is_little_endian_fixed_width)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *end;
	uint64_t v;

	tide_ser_put_u64(&b, 0x0102030405060708ULL);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_int_eq(memcmp(b.data, "\x08\x07\x06\x05\x04\x03\x02\x01", 8),
	    0);
	p = b.data;
	end = b.data + b.len;
	ck_assert_int_eq(tide_ser_get_u64(&p, end, &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ULL);
	ck_assert_ptr_eq(p, end);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_ser_round_trips_i64_f64_and_bytes)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *end, *s;
	int64_t i;
	double d;
	size_t n;

	tide_ser_put_u64(&b, (uint64_t)INT64_MIN);
	tide_ser_put_f64(&b, -0.1);
	tide_ser_put_f64(&b, INFINITY);
	tide_ser_put_bytes(&b, "abc", 3);
	tide_ser_put_bytes(&b, NULL, 0);
	ck_assert_uint_eq(b.len, 8 + 8 + 8 + 8 + 3 + 8);
	p = b.data;
	end = b.data + b.len;
	ck_assert_int_eq(tide_ser_get_i64(&p, end, &i), 0);
	ck_assert(i == INT64_MIN);
	ck_assert_int_eq(tide_ser_get_f64(&p, end, &d), 0);
	ck_assert(d == -0.1);
	ck_assert_int_eq(tide_ser_get_f64(&p, end, &d), 0);
	ck_assert(isinf(d) && d > 0);
	ck_assert_int_eq(tide_ser_get_bytes(&p, end, &s, &n, 3), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(s, "abc", 3), 0);
	ck_assert_ptr_eq(s, b.data + 32);	/* into the input */
	ck_assert_int_eq(tide_ser_get_bytes(&p, end, &s, &n, 0), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_eq(p, end);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_ser_get_rejects_input_cut_short)
{
	static const char seven[7] = { 1, 2, 3, 4, 5, 6, 7 };
	const char *p = seven;
	uint64_t v;
	int64_t i;
	double d;

	ck_assert_int_eq(tide_ser_get_u64(&p, seven + 7, &v), TIDE_EFORMAT);
	ck_assert_int_eq(tide_ser_get_i64(&p, seven + 7, &i), TIDE_EFORMAT);
	ck_assert_int_eq(tide_ser_get_f64(&p, seven + 7, &d), TIDE_EFORMAT);
	ck_assert_ptr_eq(p, seven);
	ck_assert_int_eq(tide_ser_get_u64(&p, seven, &v), TIDE_EFORMAT);
}
END_TEST

START_TEST(test_ser_get_bytes_rejects_lengths_out_of_bounds)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *s;
	size_t n;

	/* Longer than what follows. */
	tide_ser_put_u64(&b, 4);
	tide_buf_add(&b, "abc", 3);
	p = b.data;
	ck_assert_int_eq(tide_ser_get_bytes(&p, b.data + b.len, &s, &n, 100),
	    TIDE_EFORMAT);
	ck_assert_ptr_eq(p, b.data);
	/* Longer than max. */
	tide_buf_reset(&b);
	tide_ser_put_bytes(&b, "abcd", 4);
	p = b.data;
	ck_assert_int_eq(tide_ser_get_bytes(&p, b.data + b.len, &s, &n, 3),
	    TIDE_EFORMAT);
	ck_assert_int_eq(tide_ser_get_bytes(&p, b.data + b.len, &s, &n, 4), 0);
	/* A length that would wrap a pointer. */
	tide_buf_reset(&b);
	tide_ser_put_u64(&b, UINT64_MAX);
	p = b.data;
	ck_assert_int_eq(tide_ser_get_bytes(&p, b.data + b.len, &s, &n,
	    SIZE_MAX), TIDE_EFORMAT);
	tide_buf_release(&b);
}
END_TEST

Suite *suite_ser(void);

Suite *
suite_ser(void)
{
	Suite *s = suite_create("ser");
	TCase *tc = tcase_create("ser");

	tcase_add_test(tc, test_ser_u64_is_little_endian_fixed_width);
	tcase_add_test(tc, test_ser_round_trips_i64_f64_and_bytes);
	tcase_add_test(tc, test_ser_get_rejects_input_cut_short);
	tcase_add_test(tc, test_ser_get_bytes_rejects_lengths_out_of_bounds);
	suite_add_tcase(s, tc);
	return s;
}
