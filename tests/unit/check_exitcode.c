#include "err.h"
#include "exitcode.h"
#include "unit.h"

START_TEST(test_exit_of_maps_each_code)
{
	static const struct { int code, status; } m[] = {
		{ 0, 0 }, { 65, 65 }, { 75, 75 },
		{ TIDE_EIO, 74 }, { TIDE_EPIPE, 74 }, { TIDE_EKAFKA, 69 },
		{ TIDE_EINVAL, 65 }, { TIDE_ERANGE, 65 }, { TIDE_ETOOBIG, 65 },
		{ TIDE_EJSON, 65 }, { TIDE_ETYPE, 65 }, { TIDE_EUTF8, 65 },
		{ TIDE_EDEPTH, 65 }, { TIDE_EFORMAT, 65 }, { TIDE_ENOENT, 65 },
		{ TIDE_ENOMEM, 1 }, { TIDE_EOF, 1 }, { TIDE_EAGAIN, 1 },
		{ TIDE_EINTR, 1 }, { -1000, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ck_assert_int_eq(tide_exit_of(m[i].code), m[i].status);
}
END_TEST

Suite *
suite_exitcode(void)
{
	Suite *s = suite_create("exitcode");
	TCase *tc = tcase_create("exitcode");

	tcase_add_test(tc, test_exit_of_maps_each_code);
	suite_add_tcase(s, tc);
	return s;
}
