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
 *
 * Exit 0, or 2 for a bad command line and 1 for a schema refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		    "schema\n");
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
