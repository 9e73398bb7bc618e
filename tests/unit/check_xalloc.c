#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "xalloc.h"
#include "unit.h"

/* Run an allocation that cannot succeed in a child; its stderr and status. */
static int
oom_child(void (*fn)(void), char *msg, size_t cap)
{
	int p[2], st;
	pid_t pid;
	ssize_t n;
	size_t len = 0;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (len + 1 < cap && (n = read(p[0], msg + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
huge_malloc(void)
{
	(void)tide_xmalloc(SIZE_MAX / 2);
}

static void
huge_array(void)
{
	(void)tide_xreallocarray(NULL, SIZE_MAX / 4, 8);
}

START_TEST(test_xalloc_out_of_memory_names_the_program)
{
	char msg[256], want[256];

	ck_assert_int_eq(oom_child(huge_malloc, msg, sizeof(msg)), TIDE_EX_FAIL);
	snprintf(want, sizeof(want), "%s: out of memory allocating %zu bytes\n",
	    program_invocation_short_name, SIZE_MAX / 2);
	/* The last line (under ASan a warning of its own comes first). */
	ck_assert_uint_ge(strlen(msg), strlen(want));
	ck_assert_str_eq(msg + strlen(msg) - strlen(want), want);
	/* Not "tide: ...": the program's name, as in every other message. */
	ck_assert_ptr_null(strstr(msg, "\ntide:"));
	ck_assert(strncmp(msg, "tide:", 5) != 0);
}
END_TEST

START_TEST(test_xalloc_array_overflow_is_out_of_memory)
{
	char msg[256];

	ck_assert_int_eq(oom_child(huge_array, msg, sizeof(msg)), TIDE_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(msg, ": out of memory allocating "));
}
END_TEST

START_TEST(test_xalloc_small_allocations_work)
{
	char *p = tide_xmalloc(0), *q = tide_xstrdup("abc");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(q, "abc");
	free(p);
	free(q);
}
END_TEST

Suite *
suite_xalloc(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("xalloc");

	tcase_add_test(tc, test_xalloc_out_of_memory_names_the_program);
	tcase_add_test(tc, test_xalloc_array_overflow_is_out_of_memory);
	tcase_add_test(tc, test_xalloc_small_allocations_work);
	suite_add_tcase(s, tc);
	return s;
}
