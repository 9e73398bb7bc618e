/*
 * libFuzzer target for lib/csvrec.  The first two bytes choose the flags,
 * the cap and a seed; the rest is CSV fed in chunks of pseudo-random sizes.
 * What must hold: every record is a JSON object that tide_json_check()
 * accepts, every bad row has a reason, line numbers never go backwards,
 * and the rows (their raw bytes too) and the result are the same as when
 * the input is fed in one piece.  Then a field written by
 * tide_csv_write_field() must read back as the same string, its row's raw
 * bytes being the field as written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvrec.h"
#include "err.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

struct seen {
	struct tide_buf log;	/* every row, to compare two runs */
	uint64_t lastline;
	int nrec;
};

static int
on_row(void *ctx, const struct tide_csv_row *row)
{
	struct seen *s = ctx;
	enum tide_json_type type;

	must(row->line >= 1 && row->line >= s->lastline);
	s->lastline = row->line;
	/* The raw bytes, good row or bad: none past max, never a final
	 * line break, and the same however the input was chunked. */
	must(row->raw != NULL || row->rawlen == 0);
	if (row->raw == NULL)
		tide_buf_adds(&s->log, "raw -\n");
	else {
		must(row->rawlen == 0 || row->raw[row->rawlen - 1] != '\n');
		tide_buf_addf(&s->log, "raw %zu ", row->rawlen);
		tide_buf_add(&s->log, row->raw, row->rawlen);
		tide_buf_addc(&s->log, '\n');
	}
	if (row->err) {
		must(row->err < 0 && row->reason != NULL && row->rec == NULL);
		tide_buf_addf(&s->log, "%llu !%d %s\n",
		    (unsigned long long)row->line, row->err, row->reason);
		return 0;
	}
	must(tide_json_check(row->rec, row->len, 8, &type, NULL) == 0);
	must(type == TIDE_JSON_OBJECT);
	tide_buf_addf(&s->log, "%llu ", (unsigned long long)row->line);
	tide_buf_add(&s->log, row->rec, row->len);
	tide_buf_addc(&s->log, '\n');
	s->nrec++;
	return 0;
}

/* Parse p[0..n); chunk sizes come from seed (0: one piece).  The log ends
 * with the result. */
static void
run(const char *p, size_t n, unsigned flags, size_t max, uint32_t seed,
    struct seen *s)
{
	struct tide_csv c;
	size_t off = 0, k;
	int r = 0;

	memset(s, 0, sizeof(*s));
	tide_buf_init(&s->log, TIDE_BUF_NOMAX);
	tide_csv_init(&c, flags, max, on_row, s);
	while (off < n && r == 0) {
		if (seed == 0)
			k = n - off;
		else {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 64;
			if (k > n - off)
				k = n - off;
		}
		r = tide_csv_feed(&c, p + off, k);
		off += k;
	}
	if (r == 0)
		r = tide_csv_finish(&c);
	must(r <= 0);
	if (r)
		must(c.reason != NULL);
	tide_buf_addf(&s->log, "= %d %d", r, c.nhdr);
	tide_csv_release(&c);
}

/* A field written by the writer reads back as the same string. */
static void
write_read(const char *p, size_t n)
{
	struct tide_buf csv = TIDE_BUF_INIT, want = TIDE_BUF_INIT;
	struct seen s;

	if (n == 0 || !tide_utf8_valid(p, n))
		return;
	tide_buf_adds(&csv, "h\n");
	must(tide_csv_write_field(&csv, p, n) == 0);
	tide_buf_addc(&csv, '\n');
	run(csv.data, csv.len, TIDE_CSV_STRINGS, 0, 0, &s);
	/* The row's raw bytes are the field as written. */
	tide_buf_addf(&want, "raw %zu ", csv.len - 3);
	tide_buf_add(&want, csv.data + 2, csv.len - 3);
	tide_buf_adds(&want, "\n2 {\"h\":");
	tide_json_write_str(&want, p, n);
	tide_buf_adds(&want, "}\n= 0 1");
	must(s.log.len == want.len && memcmp(s.log.data, want.data,
	    want.len) == 0);
	tide_buf_release(&s.log);
	tide_buf_release(&csv);
	tide_buf_release(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen one, chunked;
	unsigned flags;
	size_t max;

	if (size < 2)
		return 0;
	flags = data[0] & (TIDE_CSV_STRINGS | TIDE_CSV_EMPTY_NULL);
	max = data[0] & 0x80 ? 16 + data[1] : 0;
	run((const char *)data + 2, size - 2, flags, max, 0, &one);
	run((const char *)data + 2, size - 2, flags, max,
	    1u + data[1], &chunked);
	must(one.log.len == chunked.log.len &&
	    memcmp(one.log.data, chunked.log.data, one.log.len) == 0);
	tide_buf_release(&one.log);
	tide_buf_release(&chunked.log);
	write_read((const char *)data + 2, size - 2);
	return 0;
}
