#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "unit.h"

/* Each test works in its own temporary directory. */
static char dir[64];

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-afile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
put(const char *file, const char *text)
{
	FILE *fp = fopen(file, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
assert_file(const char *file, const char *want)
{
	char buf[256];
	FILE *fp = fopen(file, "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf, want);
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

	put(path("f"), "old\n");
	ck_assert_int_eq(afile_put(path("f.tmp"), path("f"), "new\n", &failed),
	    0);
	assert_file(path("f"), "new\n");
	ck_assert_int_eq(lstat(path("f.tmp"), &st), -1);
}
END_TEST

START_TEST(test_afile_creates_a_missing_file_with_mode)
{
	const char *failed = NULL;
	struct stat st;
	mode_t old = umask(022);

	ck_assert_int_eq(afile_put(path("n.part"), path("n"), "x", &failed),
	    0);
	umask(old);
	ck_assert_int_eq(stat(path("n"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
}
END_TEST

/* Issue 18 item 1: a symbolic link planted at the temporary name is
 * removed, and its target is left as it was. */
START_TEST(test_afile_never_follows_a_link_at_the_temporary_name)
{
	const char *failed = NULL;
	struct stat st;

	put(path("victim"), "precious\n");
	ck_assert_int_eq(symlink(path("victim"), path("out.part")), 0);
	ck_assert_int_eq(afile_put(path("out.part"), path("out"), "rec\n",
	    &failed), 0);
	assert_file(path("victim"), "precious\n");
	assert_file(path("out"), "rec\n");
	ck_assert_int_eq(lstat(path("out"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(lstat(path("out.part"), &st), -1);
}
END_TEST

/* A link to a file that does not exist yet must not create it either. */
START_TEST(test_afile_never_creates_a_link_target)
{
	const char *failed = NULL;
	struct stat st;

	ck_assert_int_eq(symlink(path("victim"), path("st.tmp")), 0);
	ck_assert_int_eq(afile_put(path("st.tmp"), path("st"), "s", &failed),
	    0);
	ck_assert_int_eq(lstat(path("victim"), &st), -1);
	assert_file(path("st"), "s");
}
END_TEST

START_TEST(test_afile_replaces_a_stale_temporary_file)
{
	const char *failed = NULL;
	int fd;

	put(path("s.tmp"), "left by a run that died, and longer\n");
	ck_assert_int_ge(fd = tide_afile_create(path("s.tmp"), 0644), 0);
	ck_assert_int_eq(write(fd, "ok\n", 3), 3);
	ck_assert_int_eq(tide_afile_commit(fd, path("s.tmp"), path("s"),
	    &failed), 0);
	assert_file(path("s"), "ok\n");
}
END_TEST

/* A temporary file a running writer holds (its lock) is left alone:
 * EBUSY, and the writer commits it as if nothing had happened. */
START_TEST(test_afile_create_leaves_a_held_temporary_file_alone)
{
	const char *failed = NULL;
	int fd, fd2;

	ck_assert_int_ge(fd = tide_afile_create(path("h.tmp"), 0644), 0);
	ck_assert_int_eq(write(fd, "first\n", 6), 6);
	errno = 0;
	ck_assert_int_eq(tide_afile_create(path("h.tmp"), 0644), TIDE_EIO);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(tide_afile_commit(fd, path("h.tmp"), path("h"),
	    &failed), 0);
	assert_file(path("h"), "first\n");
	/* Committed and closed: the name is free again. */
	ck_assert_int_ge(fd2 = tide_afile_create(path("h.tmp"), 0644), 0);
	close(fd2);
}
END_TEST

/* A link at the final name is replaced itself, as a redirection through
 * a rename does: its target is not written. */
START_TEST(test_afile_replaces_a_link_at_the_final_name)
{
	const char *failed = NULL;
	struct stat st;

	put(path("victim"), "precious\n");
	ck_assert_int_eq(symlink(path("victim"), path("o")), 0);
	ck_assert_int_eq(afile_put(path("o.tmp"), path("o"), "new\n", &failed),
	    0);
	assert_file(path("victim"), "precious\n");
	ck_assert_int_eq(lstat(path("o"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_afile_create_fails_in_a_missing_directory)
{
	errno = 0;
	ck_assert_int_eq(tide_afile_create(path("no/such/x.tmp"), 0644),
	    TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_afile_commit_names_the_final_path_when_rename_fails)
{
	const char *failed = NULL;
	struct stat st;

	ck_assert_int_eq(mkdir(path("d"), 0777), 0);
	ck_assert_int_eq(mkdir(path("d/sub"), 0777), 0);	/* not empty */
	ck_assert_int_eq(afile_put(path("d.tmp"), path("d"), "x", &failed),
	    TIDE_EIO);
	ck_assert_str_eq(failed, path("d"));
	/* The temporary file is left for the caller to see or remove. */
	ck_assert_int_eq(lstat(path("d.tmp"), &st), 0);
}
END_TEST

START_TEST(test_afile_sync_dir_takes_any_path)
{
	/* Best effort: none of these may fail or crash. */
	tide_afile_sync_dir(path("x"));
	tide_afile_sync_dir("x");
	tide_afile_sync_dir("/x");
	tide_afile_sync_dir(path("no/such/x"));
}
END_TEST

Suite *suite_afile(void);

Suite *
suite_afile(void)
{
	Suite *s = suite_create("afile");
	TCase *tc = tcase_create("afile");

	tcase_add_checked_fixture(tc, setup, teardown);
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
