/*
 * pbufdec: lib/schema/pbuf driven from the shell, for tests/cli/pbuf.sh
 * only (built by make test, never installed).
 *
 *   pbufdec [-j] [-g] [-t MS] (-m NAME | -c | -r) [-P] FILE...
 *
 * FILE is a descriptor set (protoc --descriptor_set_out), or with -P .proto
 * files compiled by tide_pbuf_compile (the first is the schema, the others
 * its imports, named as given).  -r needs none.  Each line of stdin is one
 * payload in base64; each gets one line out: its JSON, or "error: REASON".
 * -m decodes as message NAME, -c as the Confluent framing's message
 * indexes say, -r schemaless; -j: json_name, -g: -r's guesses; -t:
 * protoc's time-out (default 0: the library's).  Exit 0,
 * 1 when a payload did not decode, 2 when the schema did not load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "err.h"
#include "schema/pbuf.h"
#include "xalloc.h"

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct tide_buf b = TIDE_BUF_INIT;
	char chunk[4096];
	size_t r;

	if (!f) {
		perror(path);
		exit(2);
	}
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tide_buf_add(&b, chunk, r);
	fclose(f);
	tide_buf_cstr(&b);
	return tide_buf_detach(&b, n);
}

int
main(int argc, char **argv)
{
	struct tide_buf out = TIDE_BUF_INIT, bin = TIDE_BUF_INIT,
	    scr = TIDE_BUF_INIT;
	const struct tide_pbuf_msg *m = NULL;
	struct tide_pbuf *p = NULL;
	const char *name = NULL;
	unsigned flags = 0;
	int c, mode = 0, protos = 0, status = 0, timeout = 0;
	char err[512], *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((c = getopt(argc, argv, "jgm:crPt:")) != -1)
		switch (c) {
		case 'j': flags |= TIDE_PBUF_JSON_NAMES; break;
		case 'g': flags |= TIDE_PBUF_RAW_GUESS; break;
		case 'm': mode = 'm'; name = optarg; break;
		case 'c': mode = 'c'; break;
		case 'r': mode = 'r'; break;
		case 'P': protos = 1; break;
		case 't': timeout = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: pbufdec [-jg] [-t ms] (-m NAME | -c | -r) [-P] FILE...\n");
			return 2;
		}
	argc -= optind;
	argv += optind;
	if (mode != 'r') {
		if (argc < 1) {
			fprintf(stderr, "pbufdec: no schema\n");
			return 2;
		}
		if (protos) {
			struct tide_pbuf_src *s = tide_xcalloc(argc, sizeof(*s));

			for (c = 0; c < argc; c++) {
				s[c].name = argv[c];
				s[c].text = slurp(argv[c], &s[c].len);
			}
			p = tide_pbuf_compile(s, argc, timeout, err, sizeof(err));
			for (c = 0; c < argc; c++)
				free((char *)s[c].text);
			free(s);
		} else
			p = tide_pbuf_load_file(argv[0], err, sizeof(err));
		if (!p) {
			printf("load: %s\n", err);
			return 2;
		}
		if (mode == 'm' && !(m = tide_pbuf_find(p, name))) {
			printf("load: no message %s\n", name);
			tide_pbuf_free(p);
			return 2;
		}
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		int r;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		tide_buf_reset(&bin);
		tide_buf_reset(&out);
		if (tide_b64_decode(&bin, line, (size_t)len) < 0) {
			printf("error: the test's line is not base64\n");
			status = 1;
			continue;
		}
		if (mode == 'r')
			r = tide_pbuf_raw(bin.data, bin.len, flags, &out, &scr,
			    err, sizeof(err));
		else if (mode == 'c')
			r = tide_pbuf_decode_confluent(p, bin.data, bin.len,
			    flags, &out, err, sizeof(err));
		else
			r = tide_pbuf_decode(p, m, bin.data, bin.len, flags,
			    &out, err, sizeof(err));
		if (r < 0) {
			printf("error: %s (%s)\n", err, tide_strerror(r));
			status = 1;
		} else
			printf("%.*s\n", (int)out.len, out.data);
	}
	free(line);
	tide_buf_release(&out);
	tide_buf_release(&bin);
	tide_buf_release(&scr);
	tide_pbuf_free(p);
	return status;
}
