#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwatch.h"
#include "unit.h"

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_fwatch_sees_writes_renames_and_returns)
{
	char dir[] = "/tmp/check_fwatchXXXXXX", path[64], tmp[64];
	struct tide_fwatch w;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	snprintf(tmp, sizeof(tmp), "%s/t.new", dir);
	put(path, "a\n");
	tide_fwatch_init(&w, path);
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 0);
	/* Another size. */
	put(path, "a,b\n");
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 1);
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 0);
	/* Replaced by rename: another inode. */
	put(tmp, "a,c\n");
	ck_assert_int_eq(rename(tmp, path), 0);
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 1);
	/* Gone is no change; back again is. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 0);
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 0);
	put(path, "a,c\n");
	ck_assert_int_eq(tide_fwatch_changed(&w, path), 1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_fwatch_missing_file_and_the_clock)
{
	struct tide_fwatch w;

	tide_fwatch_init(&w, "/nonexistent/t.csv");
	ck_assert_int_eq(w.ok, 0);
	ck_assert_int_eq(tide_fwatch_changed(&w, "/nonexistent/t.csv"), 0);
	/* Once a second at most. */
	ck_assert_int_eq(tide_fwatch_due(&w, 5000000), 1);
	ck_assert_int_eq(tide_fwatch_due(&w, 5999999), 0);
	ck_assert_int_eq(tide_fwatch_due(&w, 6000000), 1);
	ck_assert_int_eq(tide_fwatch_due(&w, 6000001), 0);
}
END_TEST

Suite *
suite_fwatch(void)
{
	Suite *s = suite_create("fwatch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fwatch_sees_writes_renames_and_returns);
	tcase_add_test(tc, test_fwatch_missing_file_and_the_clock);
	suite_add_tcase(s, tc);
	return s;
}
