#include <string.h>

#include "log.h"
#include "unit.h"

static enum tide_log_level got_level;
static char got[2048];
static int calls;

static void
capture(enum tide_log_level level, const char *msg)
{
	got_level = level;
	strcpy(got, msg);
	calls++;
}

START_TEST(test_log_goes_to_the_installed_handler)
{
	tide_log_fn old = tide_log_set(capture);

	calls = 0;
	tide_log(TIDE_LOG_INFO, "table '%s': %d rows", "t", 3);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got_level, TIDE_LOG_INFO);
	ck_assert_str_eq(got, "table 't': 3 rows");
	tide_log(TIDE_LOG_WARN, "librdkafka: %d %s: %s", 7, "FAIL", "down");
	ck_assert_int_eq(got_level, TIDE_LOG_WARN);
	ck_assert_str_eq(got, "librdkafka: 7 FAIL: down");
	ck_assert_ptr_eq(tide_log_set(old), capture);
}
END_TEST

START_TEST(test_log_without_a_handler_drops)
{
	tide_log_fn old = tide_log_set(NULL);

	calls = 0;
	tide_log(TIDE_LOG_WARN, "nobody hears %s", "this");
	ck_assert_int_eq(calls, 0);
	tide_log_set(old);
}
END_TEST

START_TEST(test_log_cuts_a_long_message_at_1k)
{
	char big[1500];
	tide_log_fn old = tide_log_set(capture);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tide_log(TIDE_LOG_WARN, "%s", big);
	ck_assert_uint_eq(strlen(got), 1023);
	tide_log_set(old);
}
END_TEST

Suite *
suite_log(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, test_log_goes_to_the_installed_handler);
	tcase_add_test(tc, test_log_without_a_handler_drops);
	tcase_add_test(tc, test_log_cuts_a_long_message_at_1k);
	suite_add_tcase(s, tc);
	return s;
}
