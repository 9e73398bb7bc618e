/*
 * libFuzzer target for lib/zfile, the reader under every .zst input
 * (tide-source files, tide-replay archives, tide-join tables).  The bytes
 * go in a memory file read as "x.zst" and as an unnamed file, in small
 * pieces: each read ends in data then 0, or an error the header promises,
 * never a crash.  Then the bytes, compressed by tide_zw and read back,
 * must be exactly the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "zfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

static int
memfile(const void *p, size_t n)
{
	int fd = memfd_create("fuzz", 0);

	must(fd >= 0);
	must(n == 0 || write(fd, p, n) == (ssize_t)n);
	must(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* Read fd through zfile; out (may be NULL) gets the bytes.  The result:
 * 0 at a clean end, else the error. */
static int
drain(int fd, const char *name, size_t step, char **out, size_t *outlen)
{
	struct tide_zr z;
	char buf[4096];
	size_t len = 0;
	char *all = NULL;
	ssize_t r;

	if ((r = tide_zr_fdopen(&z, fd, name)) == 0) {
		while ((r = tide_zr_read(&z, buf, step)) > 0) {
			must((size_t)r <= step);
			if (out) {
				all = realloc(all, len + (size_t)r);
				memcpy(all + len, buf, (size_t)r);
			}
			len += (size_t)r;
		}
		/* Sticky: the end or the error again. */
		must(tide_zr_read(&z, buf, step) == r);
	}
	must(r == 0 || r == TIDE_EFORMAT);
	tide_zr_close(&z);
	if (out) {
		*out = all;
		*outlen = len;
	} else
		free(all);
	return (int)r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tide_zw w;
	size_t step = 1 + (size ? data[0] : 0) * 16, n;
	char *back;
	int fd;

	fd = memfile(data, size);
	drain(fd, "x.zst", step, NULL, NULL);
	close(fd);
	fd = memfile(data, size);
	/* Not zstd (a frame or a skippable frame) and not named .zst: read
	 * as it is. */
	if (size < 4 || (memcmp(data, "\x28\xb5\x2f\xfd", 4) != 0 &&
	    ((data[0] & 0xf0) != 0x50 || memcmp(data + 1, "\x2a\x4d\x18", 3) != 0))) {
		must(drain(fd, NULL, step, &back, &n) == 0);
		must(n == size && (n == 0 || memcmp(back, data, n) == 0));
		free(back);
	} else
		drain(fd, NULL, step, NULL, NULL);
	close(fd);

	/* Round trip through the writer, flushed halfway. */
	fd = memfd_create("fuzz-w", 0);
	must(fd >= 0);
	tide_zw_init(&w, fd, 1, 1);
	must(tide_zw_write(&w, data, size / 2) == 0);
	must(tide_zw_flush(&w) == 0);
	must(tide_zw_write(&w, data + size / 2, size - size / 2) == 0);
	must(tide_zw_close(&w) == 0);
	must(lseek(fd, 0, SEEK_SET) == 0);
	must(drain(fd, "y.zst", step, &back, &n) == 0);
	must(n == size && (n == 0 || memcmp(back, data, n) == 0));
	free(back);
	close(fd);
	return 0;
}
