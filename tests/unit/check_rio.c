#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "rio.h"
#include "unit.h"

/* A reader over a pipe fed with the given bytes (then closed). */
static int
pipe_with(const char *data, size_t n)
{
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	if (fork() == 0) {
		close(fd[0]);
		while (n > 0) {
			ssize_t w = write(fd[1], data, n);
			if (w <= 0)
				_exit(1);
			data += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

static int
next(struct tide_rin *in, char *out, size_t cap)
{
	const char *p;
	size_t n;
	int r = tide_rin_next(in, &p, &n, -1);

	if (r == 1) {
		ck_assert_uint_lt(n, cap);
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return r;
}

START_TEST(test_rin_splits_lines_and_strips_cr)
{
	struct tide_rin in;
	char buf[64];

	tide_rin_init(&in, pipe_with("a\nbb\r\n\nlast", 12), 0);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "a");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "bb");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "last");
	ck_assert_uint_eq(in.lineno, 4);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_EOF);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_EOF);
	close(in.fd);
	tide_rin_release(&in);
}
END_TEST

START_TEST(test_rin_oversized_line_is_skipped_with_its_number)
{
	struct tide_rin in;
	char buf[64];
	const char *data = "ok\n0123456789abcdef\nafter\n0123456789abcdefXYZ";

	tide_rin_init(&in, pipe_with(data, strlen(data)), 8);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "ok");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_ETOOBIG);
	ck_assert_uint_eq(in.lineno, 2);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "after");
	ck_assert_uint_eq(in.lineno, 3);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_ETOOBIG);
	ck_assert_uint_eq(in.lineno, 4);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_EOF);
	close(in.fd);
	tide_rin_release(&in);
}
END_TEST

START_TEST(test_rin_line_of_exactly_max_is_accepted)
{
	struct tide_rin in;
	char buf[64];

	tide_rin_init(&in, pipe_with("12345678\n123456789\n", 19), 8);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "12345678");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_ETOOBIG);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_EOF);
	close(in.fd);
	tide_rin_release(&in);
}
END_TEST

START_TEST(test_rin_long_lines_across_buffer_refills)
{
	size_t n = 3 * TIDE_RIO_BUFSZ + 17, i;
	char *data = malloc(2 * n + 2), *out = malloc(n + 1);
	struct tide_rin in;

	for (i = 0; i < n; i++)
		data[i] = data[n + 1 + i] = (char)('a' + i % 26);
	data[n] = data[2 * n + 1] = '\n';
	tide_rin_init(&in, pipe_with(data, 2 * n + 2), 0);
	ck_assert_int_eq(next(&in, out, n + 1), 1);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_int_eq(memcmp(out, data, n), 0);
	ck_assert_int_eq(next(&in, out, n + 1), 1);
	ck_assert_int_eq(memcmp(out, data, n), 0);
	ck_assert_int_eq(next(&in, out, n + 1), TIDE_EOF);
	close(in.fd);
	tide_rin_release(&in);
	free(data);
	free(out);
}
END_TEST

static int idle_calls;

static int
count_idle(void *ctx)
{
	(void)ctx;
	idle_calls++;
	return 0;
}

START_TEST(test_rin_timeout_calls_idle_and_returns_eagain)
{
	struct tide_rin in;
	const char *p;
	size_t n;
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	tide_rin_init(&in, fd[0], 0);
	tide_rin_set_idle(&in, count_idle, NULL);
	idle_calls = 0;
	ck_assert_int_eq(write(fd[1], "partial", 7), 7);
	ck_assert_int_eq(tide_rin_next(&in, &p, &n, 20), TIDE_EAGAIN);
	ck_assert_int_ge(idle_calls, 1);
	ck_assert_int_eq(write(fd[1], "\n", 1), 1);
	ck_assert_int_eq(tide_rin_next(&in, &p, &n, 20), 1);
	ck_assert_int_eq((int)n, 7);
	ck_assert_int_eq(memcmp(p, "partial", 7), 0);
	close(fd[1]);
	ck_assert_int_eq(tide_rin_next(&in, &p, &n, 20), TIDE_EOF);
	close(fd[0]);
	tide_rin_release(&in);
}
END_TEST

static ssize_t
chunky_read(void *ctx, void *p, size_t n)
{
	const char **s = ctx;

	(void)n;
	if (**s == '\0')
		return 0;
	*(char *)p = *(*s)++;	/* one byte at a time */
	return 1;
}

START_TEST(test_rin_reads_through_a_function)
{
	const char *src = "x\ny\n";
	struct tide_rin in;
	char buf[8];

	tide_rin_init_fn(&in, chunky_read, &src, 0);
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "x");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "y");
	ck_assert_int_eq(next(&in, buf, sizeof(buf)), TIDE_EOF);
	tide_rin_release(&in);
}
END_TEST

START_TEST(test_wout_buffers_until_flush)
{
	struct tide_wout w;
	char got[32];
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	tide_wout_init(&w, fd[1]);
	ck_assert_int_eq(tide_wout_rec(&w, "abc", 3), 0);
	ck_assert_int_eq(tide_wout_add(&w, "de", 2), 0);
	ck_assert_int_eq((int)read(fd[0], got, sizeof(got)), -1);	/* nothing yet */
	ck_assert_int_eq(tide_wout_flush(&w), 0);
	ck_assert_int_eq((int)read(fd[0], got, sizeof(got)), 6);
	ck_assert_int_eq(memcmp(got, "abc\nde", 6), 0);
	ck_assert_uint_eq(w.bytes, 6);
	tide_wout_release(&w);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

START_TEST(test_wout_closed_pipe_gives_epipe)
{
	struct tide_wout w;
	int fd[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(fd), 0);
	close(fd[0]);
	tide_wout_init(&w, fd[1]);
	ck_assert_int_eq(tide_wout_rec(&w, "x", 1), 0);
	ck_assert_int_eq(tide_wout_flush(&w), TIDE_EPIPE);
	ck_assert_int_eq(tide_wout_rec(&w, "y", 1), TIDE_EPIPE);	/* sticky */
	tide_wout_release(&w);
	close(fd[1]);
}
END_TEST

START_TEST(test_wout_full_device_gives_eio)
{
	struct tide_wout w;
	int fd = open("/dev/full", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	tide_wout_init(&w, fd);
	ck_assert_int_eq(tide_wout_rec(&w, "x", 1), 0);
	ck_assert_int_eq(tide_wout_flush(&w), TIDE_EIO);
	tide_wout_release(&w);
	close(fd);
}
END_TEST

Suite *suite_rio(void);

Suite *
suite_rio(void)
{
	Suite *s = suite_create("rio");
	TCase *tc = tcase_create("rio");

	tcase_add_test(tc, test_rin_splits_lines_and_strips_cr);
	tcase_add_test(tc, test_rin_oversized_line_is_skipped_with_its_number);
	tcase_add_test(tc, test_rin_line_of_exactly_max_is_accepted);
	tcase_add_test(tc, test_rin_long_lines_across_buffer_refills);
	tcase_add_test(tc, test_rin_timeout_calls_idle_and_returns_eagain);
	tcase_add_test(tc, test_rin_reads_through_a_function);
	tcase_add_test(tc, test_wout_buffers_until_flush);
	tcase_add_test(tc, test_wout_closed_pipe_gives_epipe);
	tcase_add_test(tc, test_wout_full_device_gives_eio);
	suite_add_tcase(s, tc);
	return s;
}
