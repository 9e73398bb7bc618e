/*
 * avrocat: lib/schema/avro driven from the shell, for tests/cli/avro.sh
 * (a test program, not installed).  Line in, line out:
 *
 *   avrocat parse SCHEMA            "ok", or "error: REASON"
 *   avrocat decode [-s] [-n] SCHEMA hex payloads in, JSON (or the spec's
 *                                   form with -s, decimals as numbers
 *                                   with -n) or "error: REASON" out
 *   avrocat encode SCHEMA           JSON records in, hex payloads or
 *                                   "error: REASON" out
 *   avrocat bench SCHEMA FILE       for tests/bench/avro.sh: FILE's
 *                                   payloads (each a 4-byte big-endian
 *                                   length, then the bytes) decoded to
 *                                   JSON lines on stdout; then, on
 *                                   stderr, "records N" and "cpu S": the
 *                                   CPU seconds of the decode loop alone
 *                                   (the file already read, the schema
 *                                   parsed), as lib/schema/wire decodes
 *                                   for tide-source: into one reused
 *                                   buffer, copied to the output, written
 *                                   by 64 KiB
 *
 * Exit 0, or 2 for a bad command line and 1 for a schema refused (or, in
 * bench, a payload that does not decode).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "schema/avro.h"

static char *
slurp(const char *path, size_t *n)
{
	struct tide_buf b = TIDE_BUF_INIT;
	char chunk[4096];
	size_t k;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tide_buf_add(&b, chunk, k);
	fclose(f);
	tide_buf_cstr(&b);
	*n = b.len;
	return b.data;
}

static int
unhex(const char *s, size_t n, struct tide_buf *out)
{
	size_t i;
	unsigned v;

	if (n % 2)
		return -1;
	for (i = 0; i < n; i += 2) {
		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		tide_buf_addc(out, (char)v);
	}
	return 0;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
flush_out(struct tide_buf *out)
{
	size_t off = 0;
	ssize_t k;

	while (off < out->len) {
		if ((k = write(1, out->data + off, out->len - off)) < 0) {
			perror("avrocat: write");
			return -1;
		}
		off += (size_t)k;
	}
	tide_buf_reset(out);
	return 0;
}

/* avrocat bench SCHEMA FILE: the decoder alone, against python3-avro's
 * DatumReader over the same file (tests/bench/avro.sh). */
static int
bench(struct tide_avro *a, const char *path)
{
	struct tide_buf dec = TIDE_BUF_INIT, out = TIDE_BUF_INIT;
	const unsigned char *p;
	char err[512], *data;
	size_t n, pos = 0, len, count = 0;
	double t0, t1;
	int r = 0;

	data = slurp(path, &n);
	p = (const unsigned char *)data;
	t0 = cpu_now();
	while (pos < n) {
		if (n - pos < 4) {
			fprintf(stderr, "avrocat: %s: a length cut short at "
			    "byte %zu\n", path, pos);
			r = 1;
			break;
		}
		len = (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 |
		    (size_t)p[pos + 2] << 8 | p[pos + 3];
		pos += 4;
		if (len > n - pos) {
			fprintf(stderr, "avrocat: %s: payload %zu runs past "
			    "the end\n", path, count + 1);
			r = 1;
			break;
		}
		tide_buf_reset(&dec);
		if (tide_avro_decode(a, p + pos, len, TIDE_AVRO_PLAIN, &dec,
		    err, sizeof(err)) < 0) {
			fprintf(stderr, "avrocat: %s: payload %zu: %s\n", path,
			    count + 1, err);
			r = 1;
			break;
		}
		tide_buf_add(&out, dec.data, dec.len);
		tide_buf_addc(&out, '\n');
		pos += len;
		count++;
		if (out.len >= 65536 && flush_out(&out) < 0) {
			r = 1;
			break;
		}
	}
	if (r == 0 && flush_out(&out) < 0)
		r = 1;
	t1 = cpu_now();
	fprintf(stderr, "records %zu\ncpu %.6f\n", count, t1 - t0);
	tide_buf_release(&dec);
	tide_buf_release(&out);
	free(data);
	return r;
}

int
main(int argc, char **argv)
{
	struct tide_buf in = TIDE_BUF_INIT, out = TIDE_BUF_INIT;
	enum tide_avro_json form = TIDE_AVRO_PLAIN;
	struct tide_avro *a;
	char err[512], *schema, *line = NULL;
	size_t n, cap = 0, i;
	ssize_t len;
	int encode = 0, r;

	if (argc == 4 && strcmp(argv[1], "bench") == 0) {
		schema = slurp(argv[2], &n);
		a = tide_avro_parse(schema, n, err, sizeof(err));
		free(schema);
		if (a == NULL) {
			printf("error: %s\n", err);
			return 1;
		}
		r = bench(a, argv[3]);
		tide_avro_free(a);
		return r;
	}
	if (argc >= 2 && strcmp(argv[1], "parse") == 0 && argc == 3)
		;
	else if (argc >= 3 && strcmp(argv[1], "encode") == 0 && argc == 3)
		encode = 1;
	else if (argc >= 3 && argc <= 5 && strcmp(argv[1], "decode") == 0) {
		for (i = 2; i < (size_t)argc - 1; i++)
			if (strcmp(argv[i], "-s") == 0)
				form |= TIDE_AVRO_SPEC;
			else if (strcmp(argv[i], "-n") == 0)
				form |= TIDE_AVRO_DECNUM;
			else
				break;
		if (i != (size_t)argc - 1) {
			fprintf(stderr, "usage: avrocat decode [-s] [-n] "
			    "schema\n");
			return 2;
		}
	} else {
		fprintf(stderr, "usage: avrocat parse|encode|decode [-s] [-n] "
		    "schema\n       avrocat bench schema file\n");
		return 2;
	}
	schema = slurp(argv[argc - 1], &n);
	a = tide_avro_parse(schema, n, err, sizeof(err));
	free(schema);
	if (a == NULL) {
		printf("error: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "parse") == 0) {
		printf("ok\n");
		tide_avro_free(a);
		return 0;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		tide_buf_reset(&out);
		if (encode) {
			r = tide_avro_encode(a, line, (size_t)len, &out, err,
			    sizeof(err));
			if (r == 0) {
				for (i = 0; i < out.len; i++)
					printf("%02x",
					    (unsigned char)out.data[i]);
				printf("\n");
			}
		} else {
			tide_buf_reset(&in);
			if (unhex(line, (size_t)len, &in) < 0) {
				printf("error: not hex\n");
				continue;
			}
			r = tide_avro_decode(a, in.data, in.len, form, &out,
			    err, sizeof(err));
			if (r == 0)
				printf("%.*s\n", (int)out.len, out.data);
		}
		if (r < 0)
			printf("error: %s\n", err);
	}
	free(line);
	tide_buf_release(&in);
	tide_buf_release(&out);
	tide_avro_free(a);
	return 0;
}
