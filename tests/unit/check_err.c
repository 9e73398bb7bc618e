#include "err.h"
#include "unit.h"

START_TEST(test_err_names_every_code)
{
	static const struct { int code; const char *text; } m[] = {
		{ TIDE_OK, "success" }, { TIDE_ENOMEM, "out of memory" },
		{ TIDE_EINVAL, "invalid argument" }, { TIDE_ERANGE, "out of range" },
		{ TIDE_ETOOBIG, "too big" }, { TIDE_EIO, "I/O error" },
		{ TIDE_EPIPE, "broken pipe" }, { TIDE_EOF, "end of input" },
		{ TIDE_EAGAIN, "nothing ready" }, { TIDE_ENOENT, "not found" },
		{ TIDE_EJSON, "not valid JSON" }, { TIDE_ETYPE, "wrong type" },
		{ TIDE_EUTF8, "invalid UTF-8" }, { TIDE_EDEPTH, "nested too deep" },
		{ TIDE_EFORMAT, "unknown or broken format" },
		{ TIDE_EKAFKA, "Kafka error" }, { TIDE_EINTR, "interrupted" },
		{ 1, "unknown error" }, { -17, "unknown error" },
		{ -1000, "unknown error" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ck_assert_str_eq(tide_strerror(m[i].code), m[i].text);
}
END_TEST

Suite *
suite_err(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("err");

	tcase_add_test(tc, test_err_names_every_code);
	suite_add_tcase(s, tc);
	return s;
}
