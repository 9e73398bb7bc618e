#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "unit.h"

/* Each test works in its own temporary directory (unit.h). */
static void
setup(void)
{
	unit_tmp_start("afile");
}

/* Write text to path through tmp. */
static int
afile_put(const char *tmp, const char *fin, const char *text,
    const char **failed)
{
	int fd = tide_afile_create(tmp, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return tide_afile_commit(fd, tmp, fin, failed);
}

START_TEST(test_afile_replaces_the_file_in_one_step)
{
	const char *failed = NULL;
	struct stat st;

	unit_put(unit_path("f"), "old\n");
	ck_assert_int_eq(afile_put(unit_path("f.tmp"), unit_path("f"), "new\n",
	    &failed), 0);
	unit_assert_file(unit_path("f"), "new\n");
	ck_assert_int_eq(lstat(unit_path("f.tmp"), &st), -1);
}
END_TEST

START_TEST(test_afile_creates_a_missing_file_with_mode)
{
	const char *failed = NULL;
	struct stat st;
	mode_t old = umask(022);

	ck_assert_int_eq(afile_put(unit_path("n.part"), unit_path("n"), "x",
	    &failed), 0);
	umask(old);
	ck_assert_int_eq(stat(unit_path("n"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
}
END_TEST

/* Issue 18 item 1: a symbolic link planted at the temporary name is
 * removed, and its target is left as it was. */
START_TEST(test_afile_never_follows_a_link_at_the_temporary_name)
{
	const char *failed = NULL;
	struct stat st;

	unit_put(unit_path("victim"), "precious\n");
	ck_assert_int_eq(symlink(unit_path("victim"), unit_path("out.part")),
	    0);
	ck_assert_int_eq(afile_put(unit_path("out.part"), unit_path("out"),
	    "rec\n", &failed), 0);
	unit_assert_file(unit_path("victim"), "precious\n");
	unit_assert_file(unit_path("out"), "rec\n");
	ck_assert_int_eq(lstat(unit_path("out"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(lstat(unit_path("out.part"), &st), -1);
}
END_TEST

/* A link to a file that does not exist yet must not create it either. */
START_TEST(test_afile_never_creates_a_link_target)
{
	const char *failed = NULL;
	struct stat st;

	ck_assert_int_eq(symlink(unit_path("victim"), unit_path("st.tmp")), 0);
	ck_assert_int_eq(afile_put(unit_path("st.tmp"), unit_path("st"), "s",
	    &failed), 0);
	ck_assert_int_eq(lstat(unit_path("victim"), &st), -1);
	unit_assert_file(unit_path("st"), "s");
}
END_TEST

START_TEST(test_afile_replaces_a_stale_temporary_file)
{
	const char *failed = NULL;
	int fd;

	unit_put(unit_path("s.tmp"), "left by a run that died, and longer\n");
	ck_assert_int_ge(fd = tide_afile_create(unit_path("s.tmp"), 0644), 0);
	ck_assert_int_eq(write(fd, "ok\n", 3), 3);
	ck_assert_int_eq(tide_afile_commit(fd, unit_path("s.tmp"),
	    unit_path("s"), &failed), 0);
	unit_assert_file(unit_path("s"), "ok\n");
}
END_TEST

/* A temporary file a running writer holds (its lock) is left alone:
 * EBUSY, and the writer commits it as if nothing had happened. */
START_TEST(test_afile_create_leaves_a_held_temporary_file_alone)
{
	const char *failed = NULL;
	int fd, fd2;

	ck_assert_int_ge(fd = tide_afile_create(unit_path("h.tmp"), 0644), 0);
	ck_assert_int_eq(write(fd, "first\n", 6), 6);
	errno = 0;
	ck_assert_int_eq(tide_afile_create(unit_path("h.tmp"), 0644), TIDE_EIO);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(tide_afile_commit(fd, unit_path("h.tmp"),
	    unit_path("h"), &failed), 0);
	unit_assert_file(unit_path("h"), "first\n");
	/* Committed and closed: the name is free again. */
	ck_assert_int_ge(fd2 = tide_afile_create(unit_path("h.tmp"), 0644), 0);
	close(fd2);
}
END_TEST

/* A link at the final name is replaced itself, as a redirection through
 * a rename does: its target is not written. */
START_TEST(test_afile_replaces_a_link_at_the_final_name)
{
	const char *failed = NULL;
	struct stat st;

	unit_put(unit_path("victim"), "precious\n");
	ck_assert_int_eq(symlink(unit_path("victim"), unit_path("o")), 0);
	ck_assert_int_eq(afile_put(unit_path("o.tmp"), unit_path("o"), "new\n",
	    &failed), 0);
	unit_assert_file(unit_path("victim"), "precious\n");
	ck_assert_int_eq(lstat(unit_path("o"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_afile_create_fails_in_a_missing_directory)
{
	errno = 0;
	ck_assert_int_eq(tide_afile_create(unit_path("no/such/x.tmp"), 0644),
	    TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_afile_commit_names_the_final_path_when_rename_fails)
{
	const char *failed = NULL;
	struct stat st;

	ck_assert_int_eq(mkdir(unit_path("d"), 0777), 0);
	/* Not empty. */
	ck_assert_int_eq(mkdir(unit_path("d/sub"), 0777), 0);
	ck_assert_int_eq(afile_put(unit_path("d.tmp"), unit_path("d"), "x",
	    &failed), TIDE_EIO);
	ck_assert_str_eq(failed, unit_path("d"));
	/* The temporary file is left for the caller to see or remove. */
	ck_assert_int_eq(lstat(unit_path("d.tmp"), &st), 0);
}
END_TEST

START_TEST(test_afile_sync_dir_takes_any_path)
{
	/* Best effort: none of these may fail or crash. */
	tide_afile_sync_dir(unit_path("x"));
	tide_afile_sync_dir("x");
	tide_afile_sync_dir("/x");
	tide_afile_sync_dir(unit_path("no/such/x"));
}
END_TEST

Suite *suite_afile(void);

Suite *
suite_afile(void)
{
	Suite *s = suite_create("afile");
	TCase *tc = tcase_create("afile");

	tcase_add_checked_fixture(tc, setup, unit_tmp_stop);
	tcase_add_test(tc, test_afile_replaces_the_file_in_one_step);
	tcase_add_test(tc, test_afile_creates_a_missing_file_with_mode);
	tcase_add_test(tc, test_afile_never_follows_a_link_at_the_temporary_name);
	tcase_add_test(tc, test_afile_never_creates_a_link_target);
	tcase_add_test(tc, test_afile_replaces_a_stale_temporary_file);
	tcase_add_test(tc, test_afile_create_leaves_a_held_temporary_file_alone);
	tcase_add_test(tc, test_afile_replaces_a_link_at_the_final_name);
	tcase_add_test(tc, test_afile_create_fails_in_a_missing_directory);
	tcase_add_test(tc, test_afile_commit_names_the_final_path_when_rename_fails);
	tcase_add_test(tc, test_afile_sync_dir_takes_any_path);
	suite_add_tcase(s, tc);
	return s;
}
