#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvrec.h"
#include "err.h"
#include "json.h"
#include "unit.h"

/* row->val[i] is exactly the value of the record's i-th member. */
static void
check_vals(const struct tide_csv_row *row)
{
	struct tide_json_val obj = { TIDE_JSON_OBJECT, row->rec, row->len };
	struct tide_json_val name, val;
	size_t pos = 0;
	int i = 0;

	ck_assert_ptr_nonnull(row->val);
	while (tide_json_obj_next(&obj, &pos, &name, &val)) {
		ck_assert_int_lt(i, row->nfield);
		ck_assert_int_eq(row->val[i].type, val.type);
		ck_assert_ptr_eq(row->val[i].p, val.p);
		ck_assert_uint_eq(row->val[i].len, val.len);
		i++;
	}
	ck_assert_int_eq(i, row->nfield);
}

/* Every row as one line of text: "LINE REC" for a record, "LINE !ERR
 * REASON (NFIELD)" for a bad row. */
static int
collect(void *ctx, const struct tide_csv_row *row)
{
	struct tide_buf *out = ctx;

	if (row->err) {
		tide_buf_addf(out, "%llu !%d %s (%d)\n",
		    (unsigned long long)row->line, row->err, row->reason,
		    row->nfield);
		return 0;
	}
	ck_assert_int_eq(tide_json_check(row->rec, row->len, 8, NULL, NULL),
	    0);
	check_vals(row);
	tide_buf_addf(out, "%llu %.*s\n", (unsigned long long)row->line,
	    (int)row->len, row->rec);
	return 0;
}

/*
 * Parse in in chunks of chunk bytes (0: all at once) and return what the
 * callback saw, followed by "= R" with the final status and, on a fatal
 * error, its line and reason.  Caller frees.
 */
static char *
parse_chunked(const char *in, size_t n, unsigned flags, size_t max,
    size_t chunk)
{
	struct tide_csv c;
	struct tide_buf out = TIDE_BUF_INIT;
	size_t off = 0, k;
	int r = 0;

	tide_csv_init(&c, flags, max, collect, &out);
	while (off < n && r == 0) {
		k = chunk == 0 || n - off < chunk ? n - off : chunk;
		r = tide_csv_feed(&c, in + off, k);
		off += k;
	}
	if (r == 0)
		r = tide_csv_finish(&c);
	if (r)
		tide_buf_addf(&out, "= %d line %llu: %s", r,
		    (unsigned long long)c.errline, c.reason);
	else
		tide_buf_addf(&out, "= 0 (%d columns)", c.nhdr);
	tide_csv_release(&c);
	return tide_buf_detach(&out, NULL);
}

/* Same result whether fed at once, byte by byte, or in 7-byte chunks. */
static char *
parse(const char *in, unsigned flags)
{
	size_t n = strlen(in);
	char *a = parse_chunked(in, n, flags, 0, 0);
	char *b = parse_chunked(in, n, flags, 0, 1);
	char *c = parse_chunked(in, n, flags, 0, 7);

	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	free(b);
	free(c);
	return a;
}

#define EXPECT(in, flags, want) do {				\
	char *got_ = parse(in, flags);				\
	ck_assert_str_eq(got_, want);				\
	free(got_);						\
} while (0)

START_TEST(test_csv_header_names_become_keys)
{
	EXPECT("name,city\nann,Oslo\nbob,Rome\n", 0,
	    "2 {\"name\":\"ann\",\"city\":\"Oslo\"}\n"
	    "3 {\"name\":\"bob\",\"city\":\"Rome\"}\n"
	    "= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_numbers_only_when_json_grammar_matches)
{
	EXPECT("a,b,c,d,e,f\n42,-1.5,1e3,0,-0.0e-2,1E+9\n", 0,
	    "2 {\"a\":42,\"b\":-1.5,\"c\":1e3,\"d\":0,\"e\":-0.0e-2,"
	    "\"f\":1E+9}\n= 0 (6 columns)");
	EXPECT("a,b,c,d,e,f,g,h,i,j\n007,+1,1., 1,0x10,NaN,1 ,-,.5,1e\n", 0,
	    "2 {\"a\":\"007\",\"b\":\"+1\",\"c\":\"1.\",\"d\":\" 1\","
	    "\"e\":\"0x10\",\"f\":\"NaN\",\"g\":\"1 \",\"h\":\"-\","
	    "\"i\":\".5\",\"j\":\"1e\"}\n= 0 (10 columns)");
	/* A quoted number is a number too: quoting is CSV syntax only. */
	EXPECT("a\n\"12\"\n", 0, "2 {\"a\":12}\n= 0 (1 columns)");
}
END_TEST

START_TEST(test_csv_strings_flag_keeps_every_value_a_string)
{
	EXPECT("a,b\n42,-1.5\n", TIDE_CSV_STRINGS,
	    "2 {\"a\":\"42\",\"b\":\"-1.5\"}\n= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_empty_fields_are_empty_strings_or_null)
{
	EXPECT("a,b,c\n,\"\",x\n", 0,
	    "2 {\"a\":\"\",\"b\":\"\",\"c\":\"x\"}\n= 0 (3 columns)");
	EXPECT("a,b,c\n,\"\",x\n", TIDE_CSV_EMPTY_NULL,
	    "2 {\"a\":null,\"b\":\"\",\"c\":\"x\"}\n= 0 (3 columns)");
	EXPECT("a,b\n1,\n", TIDE_CSV_EMPTY_NULL,
	    "2 {\"a\":1,\"b\":null}\n= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_rfc4180_quoting)
{
	EXPECT("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", 0,
	    "2 {\"a\":\"x,y\",\"b\":\"say \\\"hi\\\"\"}\n= 0 (2 columns)");
	/* A quoted field spans lines; the record keeps its first line. */
	EXPECT("a,b\n1,\"two\nlines\"\n3,x\n", 0,
	    "2 {\"a\":1,\"b\":\"two\\nlines\"}\n"
	    "4 {\"a\":3,\"b\":\"x\"}\n= 0 (2 columns)");
	/* Quoted header names, and names that need JSON escaping. */
	EXPECT("\"a,b\",\"q\"\"\",\"t\tab\"\n1,2,3\n", 0,
	    "2 {\"a,b\":1,\"q\\\"\":2,\"t\\tab\":3}\n= 0 (3 columns)");
}
END_TEST

START_TEST(test_csv_spaces_are_data)
{
	EXPECT("a,b\n x , y\t\n", 0,
	    "2 {\"a\":\" x \",\"b\":\" y\\t\"}\n= 0 (2 columns)");
	/* A line of spaces is a row, not an empty line. */
	EXPECT("a\n  \n", 0, "2 {\"a\":\"  \"}\n= 0 (1 columns)");
}
END_TEST

START_TEST(test_csv_crlf_empty_lines_and_no_final_newline)
{
	EXPECT("a,b\r\n1,2\r\n\r\n\n3,4", 0,
	    "2 {\"a\":1,\"b\":2}\n5 {\"a\":3,\"b\":4}\n= 0 (2 columns)");
	EXPECT("\n\na\n\n1\n", 0, "5 {\"a\":1}\n= 0 (1 columns)");
	/* A lone CR ends a row too; lines are counted by LF, so rows
	 * after a lone CR share its line. */
	EXPECT("a\r1\r\"x\ny\"\n2\n", 0,
	    "1 {\"a\":1}\n1 {\"a\":\"x\\ny\"}\n3 {\"a\":2}\n"
	    "= 0 (1 columns)");
	/* A quoted CRLF is kept as data. */
	EXPECT("a\r\n\"x\r\ny\"\r\n", 0,
	    "2 {\"a\":\"x\\r\\ny\"}\n= 0 (1 columns)");
}
END_TEST

START_TEST(test_csv_bom_is_dropped)
{
	EXPECT("\xef\xbb\xbf" "id\n1\n", 0, "2 {\"id\":1}\n= 0 (1 columns)");
	/* Not a BOM: an invalid UTF-8 name. */
	EXPECT("\xef\xbb" "id\n1\n", 0,
	    "= -14 line 1: column name is not UTF-8");
}
END_TEST

START_TEST(test_csv_empty_input_has_no_rows)
{
	EXPECT("", 0, "= 0 (0 columns)");
	EXPECT("\n\r\n", 0, "= 0 (0 columns)");
	EXPECT("a,b\n", 0, "= 0 (2 columns)");
	EXPECT("a,b", 0, "= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_utf8_and_nul_are_escaped_not_lost)
{
	char in[] = "a,b\n\xc3\xa9t\xc3\xa9,x\0y\n";
	char *got = parse_chunked(in, sizeof(in) - 1, 0, 0, 0);

	ck_assert_str_eq(got, "2 {\"a\":\"\xc3\xa9t\xc3\xa9\","
	    "\"b\":\"x\\u0000y\"}\n= 0 (2 columns)");
	free(got);
}
END_TEST

/*
 * Lines are scanned 8 bytes at a time: a byte that needs a JSON escape,
 * a byte past ASCII, a quote or a bad byte is seen wherever it falls in a
 * word (offsets 0..19 of a 20-byte field, then a second field).
 */
START_TEST(test_csv_special_bytes_at_every_offset)
{
	static const struct {
		const char *in, *json;
	} sp[] = {
		{ "\\", "\\\\" }, { "\t", "\\t" }, { "\x01", "\\u0001" },
		{ "\x1f", "\\u001f" }, { "\xc3\xa9", "\xc3\xa9" },
		{ "\xe2\x82\xac", "\xe2\x82\xac" }, { "\x7f", "\x7f" },
	};
	static const char xs[] = "xxxxxxxxxxxxxxxxxxxx", ys[] = "yyyyyyyyyyyyyyyyyyyy";
	char in[128], want[256];
	size_t j;
	int k;

	for (k = 0; k < 20; k++) {
		for (j = 0; j < sizeof(sp) / sizeof(sp[0]); j++) {
			snprintf(in, sizeof(in), "h,n\n%.*s%s%.*s,1\n", k, xs,
			    sp[j].in, 19 - k, ys);
			snprintf(want, sizeof(want), "2 {\"h\":\"%.*s%s%.*s\","
			    "\"n\":1}\n= 0 (2 columns)", k, xs, sp[j].json,
			    19 - k, ys);
			EXPECT(in, 0, want);
		}
		/* Not UTF-8: a lone continuation byte, a cut sequence. */
		snprintf(in, sizeof(in), "h,n\n%.*s\xff%.*s,1\n2,3\n", k, xs,
		    19 - k, ys);
		EXPECT(in, 0, "2 !-12 field is not UTF-8 (2)\n"
		    "3 {\"h\":2,\"n\":3}\n= 0 (2 columns)");
		snprintf(in, sizeof(in), "h,n\n1,%.*s\xc3\n2,3\n", k, xs);
		EXPECT(in, 0, "2 !-12 field is not UTF-8 (2)\n"
		    "3 {\"h\":2,\"n\":3}\n= 0 (2 columns)");
		/* A quote inside an unquoted field breaks the row. */
		if (k > 0) {
			snprintf(in, sizeof(in), "h,n\n%.*s\"%.*s,1\n2,3\n", k,
			    xs, 19 - k, ys);
			EXPECT(in, 0, "2 !-2 bad quoting (0)\n"
			    "3 {\"h\":2,\"n\":3}\n= 0 (2 columns)");
		}
		/* A CR at any offset ends the line there (and is the CR
		 * of a CRLF last); line numbers count LFs only. */
		snprintf(in, sizeof(in), "h\n%.*s\r%.*s\n", k, xs, 19 - k, ys);
		snprintf(want, sizeof(want), "2 {\"h\":\"%.*s\"}\n"
		    "2 {\"h\":\"%.*s\"}\n= 0 (1 columns)", k, xs, 19 - k, ys);
		if (k == 0)
			snprintf(want, sizeof(want), "2 {\"h\":\"%.*s\"}\n"
			    "= 0 (1 columns)", 19 - k, ys);
		if (k == 19)
			snprintf(want, sizeof(want), "2 {\"h\":\"%.*s\"}\n"
			    "= 0 (1 columns)", k, xs);
		EXPECT(in, 0, want);
	}
}
END_TEST

START_TEST(test_csv_wrong_field_count_is_a_row_error_and_parsing_goes_on)
{
	EXPECT("a,b\n1\n1,2,3\n4,5\n", 0,
	    "2 !-2 wrong number of fields: expected 2, got 1 (1)\n"
	    "3 !-2 wrong number of fields: expected 2, got 3 (3)\n"
	    "4 {\"a\":4,\"b\":5}\n= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_bad_quoting_is_a_row_error_resync_next_line)
{
	/* A quote inside an unquoted field, text after a closing quote. */
	EXPECT("a,b\n1,x\"y\n\"p\"q,2\n3,4\n", 0,
	    "2 !-2 bad quoting (1)\n"
	    "3 !-2 bad quoting (0)\n"
	    "4 {\"a\":3,\"b\":4}\n= 0 (2 columns)");
	/* A space after a closing quote is text after it, too. */
	EXPECT("a\n\"x\" \n5\n", 0,
	    "2 !-2 bad quoting (0)\n3 {\"a\":5}\n= 0 (1 columns)");
}
END_TEST

START_TEST(test_csv_invalid_utf8_field_is_a_row_error)
{
	EXPECT("a,b\n\xff,1\n2,3\n", 0,
	    "2 !-12 field is not UTF-8 (2)\n3 {\"a\":2,\"b\":3}\n"
	    "= 0 (2 columns)");
}
END_TEST

START_TEST(test_csv_unterminated_quote_at_eof_is_fatal)
{
	EXPECT("a,b\n1,2\n3,\"open\nmore\n", 0,
	    "2 {\"a\":1,\"b\":2}\n= -14 line 3: unterminated quoted field");
	EXPECT("a,\"b", 0, "= -14 line 1: unterminated quoted field");
}
END_TEST

START_TEST(test_csv_bad_header_is_fatal)
{
	EXPECT("a,,b\n1,2,3\n", 0, "= -14 line 1: empty column name in header");
	EXPECT("a,b,a\n1,2,3\n", 0,
	    "= -14 line 1: duplicate column name in header");
	EXPECT("\n\nx,y,z,y\n", 0,
	    "= -14 line 3: duplicate column name in header");
	EXPECT("a,\"\"\n", TIDE_CSV_EMPTY_NULL,
	    "= -14 line 1: empty column name in header");
	EXPECT("a,b\"c\n", 0, "= -14 line 1: bad quoting in header");
	EXPECT("a,\xc3\n", 0, "= -14 line 1: column name is not UTF-8");
}
END_TEST

START_TEST(test_csv_fatal_error_is_sticky)
{
	struct tide_csv c;
	struct tide_buf out = TIDE_BUF_INIT;

	tide_csv_init(&c, 0, 0, collect, &out);
	ck_assert_int_eq(tide_csv_feed(&c, "a,a\n", 4), TIDE_EFORMAT);
	ck_assert_int_eq(tide_csv_feed(&c, "1,2\n", 4), TIDE_EFORMAT);
	ck_assert_int_eq(tide_csv_finish(&c), TIDE_EFORMAT);
	ck_assert_uint_eq(out.len, 0);
	tide_csv_release(&c);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_csv_field_over_cap_is_etoobig_row_error)
{
	char *got;
	const char *in = "a,b\n123456789012345678901,1\n1234,5\n";

	got = parse_chunked(in, strlen(in), 0, 20, 0);
	ck_assert_str_eq(got, "2 !-4 field too long (2)\n"
	    "3 {\"a\":1234,\"b\":5}\n= 0 (2 columns)");
	free(got);
	/* The record as JSON is over the cap although each field is not. */
	in = "a,b\n1234,5678\n";
	got = parse_chunked(in, strlen(in), 0, 16, 0);
	ck_assert_str_eq(got, "2 !-4 record too long (2)\n= 0 (2 columns)");
	free(got);
	in = "abcdefghij\n1\n";
	got = parse_chunked(in, strlen(in), 0, 8, 0);
	ck_assert_str_eq(got, "= -4 line 1: column name too long");
	free(got);
}
END_TEST

START_TEST(test_csv_huge_open_field_is_cut_off_memory_bounded)
{
	size_t big = 1 << 20, n;
	char *in = malloc(big + 64), *got;

	/* A 1 MiB unquoted field with a cap of 1000: reported, skipped to
	 * the next line, and the rows after it are read. */
	n = (size_t)sprintf(in, "a\n");
	memset(in + n, 'x', big);
	n += big;
	n += (size_t)sprintf(in + n, "\n7\n");
	got = parse_chunked(in, n, 0, 1000, 4096);
	ck_assert_str_eq(got, "2 !-4 field too long (0)\n3 {\"a\":7}\n"
	    "= 0 (1 columns)");
	free(got);
	free(in);
}
END_TEST

static int
stop_at_second(void *ctx, const struct tide_csv_row *row)
{
	int *n = ctx;

	(void)row;
	return ++*n == 2 ? TIDE_EPIPE : 0;
}

START_TEST(test_csv_callback_can_stop_parsing)
{
	struct tide_csv c;
	int n = 0;

	tide_csv_init(&c, 0, 0, stop_at_second, &n);
	ck_assert_int_eq(tide_csv_feed(&c, "a\n1\n2\n3\n4\n", 10), TIDE_EPIPE);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(tide_csv_finish(&c), TIDE_EPIPE);
	ck_assert_int_eq(n, 2);
	tide_csv_release(&c);
}
END_TEST

START_TEST(test_csv_name_returns_header_names)
{
	struct tide_csv c;
	struct tide_buf out = TIDE_BUF_INIT;
	const char *p;
	size_t len;

	tide_csv_init(&c, 0, 0, collect, &out);
	ck_assert_int_eq(tide_csv_feed(&c, "id,\"a \"\"b\"\"\"\n", 13), 0);
	ck_assert_int_eq(c.nhdr, 2);
	p = tide_csv_name(&c, 0, &len);
	ck_assert_uint_eq(len, 2);
	ck_assert(memcmp(p, "id", 2) == 0);
	p = tide_csv_name(&c, 1, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(p, "a \"b\"", 5) == 0);
	tide_csv_release(&c);
	tide_buf_release(&out);
}
END_TEST

static char *
field(const char *s)
{
	struct tide_buf b = TIDE_BUF_INIT;

	ck_assert_int_eq(tide_csv_write_field(&b, s, strlen(s)), 0);
	return tide_buf_detach(&b, NULL);
}

#define FIELD(in, want) do {					\
	char *got_ = field(in);					\
	ck_assert_str_eq(got_, want);				\
	free(got_);						\
} while (0)

START_TEST(test_csv_write_field_quotes_only_when_needed)
{
	FIELD("plain", "plain");
	FIELD("", "");
	FIELD("42", "42");
	FIELD("in side", "in side");
	FIELD("a,b", "\"a,b\"");
	FIELD("say \"hi\"", "\"say \"\"hi\"\"\"");
	FIELD("\"", "\"\"\"\"");
	FIELD("two\nlines", "\"two\nlines\"");
	FIELD("cr\r", "\"cr\r\"");
	FIELD(" lead", "\" lead\"");
	FIELD("trail\t", "\"trail\t\"");
}
END_TEST

START_TEST(test_csv_write_field_round_trips_through_reader)
{
	static const char *vals[] = {
		"a,b", "say \"hi\"", "x\r\ny", " 1", "", "\"\"", "007",
	};
	struct tide_buf b = TIDE_BUF_INIT;
	char *got;
	size_t i;

	tide_buf_adds(&b, "h0,h1,h2,h3,h4,h5,h6\n");
	for (i = 0; i < 7; i++) {
		if (i)
			tide_buf_addc(&b, ',');
		tide_csv_write_field(&b, vals[i], strlen(vals[i]));
	}
	tide_buf_addc(&b, '\n');
	got = parse_chunked(b.data, b.len, TIDE_CSV_STRINGS, 0, 3);
	ck_assert_str_eq(got, "2 {\"h0\":\"a,b\",\"h1\":\"say \\\"hi\\\"\","
	    "\"h2\":\"x\\r\\ny\",\"h3\":\" 1\",\"h4\":\"\",\"h5\":\"\\\"\\\"\","
	    "\"h6\":\"007\"}\n= 0 (7 columns)");
	free(got);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_csv_write_field_respects_buffer_cap)
{
	struct tide_buf b;

	tide_buf_init(&b, 4);
	ck_assert_int_eq(tide_csv_write_field(&b, "abcd", 4), 0);
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_csv_write_field(&b, "a,b", 3), TIDE_ETOOBIG);
	tide_buf_release(&b);
}
END_TEST

Suite *suite_csvrec(void);

/* ---- raw bytes ---------------------------------------------------------- */

/* Every row as "LINE [RAW]" ("LINE ![RAW]" for a bad one, "LINE !-" for
 * a bad one without raw bytes). */
static int
collect_raw(void *ctx, const struct tide_csv_row *row)
{
	struct tide_buf *out = ctx;

	if (row->raw == NULL) {
		ck_assert_uint_eq(row->rawlen, 0);
		tide_buf_addf(out, "%llu %s-\n", (unsigned long long)row->line,
		    row->err ? "!" : "");
		return 0;
	}
	tide_buf_addf(out, "%llu %s[%.*s]\n", (unsigned long long)row->line,
	    row->err ? "!" : "", (int)row->rawlen, row->raw);
	return 0;
}

static char *
raw_chunked(const char *in, size_t n, size_t max, size_t chunk)
{
	struct tide_csv c;
	struct tide_buf out = TIDE_BUF_INIT;
	size_t off = 0, k;
	int r = 0;

	tide_csv_init(&c, 0, max, collect_raw, &out);
	while (off < n && r == 0) {
		k = chunk == 0 || n - off < chunk ? n - off : chunk;
		r = tide_csv_feed(&c, in + off, k);
		off += k;
	}
	if (r == 0)
		r = tide_csv_finish(&c);
	tide_buf_addf(&out, "= %d", r);
	tide_csv_release(&c);
	return tide_buf_detach(&out, NULL);
}

/* The same raw bytes whether fed at once, byte by byte or 5 at a time. */
#define EXPECT_RAW(in, max, want) do {					\
	char *a_ = raw_chunked(in, sizeof(in) - 1, max, 0);		\
	char *b_ = raw_chunked(in, sizeof(in) - 1, max, 1);		\
	char *c_ = raw_chunked(in, sizeof(in) - 1, max, 5);		\
	ck_assert_str_eq(a_, want);					\
	ck_assert_str_eq(b_, want);					\
	ck_assert_str_eq(c_, want);					\
	free(a_);							\
	free(b_);							\
	free(c_);							\
} while (0)

START_TEST(test_csv_raw_is_each_rows_bytes_without_line_break)
{
	EXPECT_RAW("k,x\na,1\nb,2,3\n\"q,\"\"x\"\"\",2\r\nc\n\nd,\n", 0,
	    "2 [a,1]\n3 ![b,2,3]\n4 [\"q,\"\"x\"\"\",2]\n5 ![c]\n7 [d,]\n= 0");
}
END_TEST

START_TEST(test_csv_raw_of_a_multiline_row_keeps_its_inner_breaks)
{
	EXPECT_RAW("k,x\n\"a\nb\",1\n\"c\r\nd\",2,3\r\n", 0,
	    "2 [\"a\nb\",1]\n4 ![\"c\r\nd\",2,3]\n= 0");
}
END_TEST

START_TEST(test_csv_raw_of_bad_quoting_is_the_whole_line)
{
	EXPECT_RAW("k,x\na\"b,1\nc,2\n\"d\"e,3\r\nf,4\n", 0,
	    "2 ![a\"b,1]\n3 [c,2]\n4 ![\"d\"e,3]\n5 [f,4]\n= 0");
	/* At the end of input, without a final newline. */
	EXPECT_RAW("k,x\na,1\nb\"x,2", 0, "2 [a,1]\n3 ![b\"x,2]\n= 0");
}
END_TEST

START_TEST(test_csv_raw_last_row_cr_endings_and_bom)
{
	EXPECT_RAW("k,x\na,1\nb,2", 0, "2 [a,1]\n3 [b,2]\n= 0");
	EXPECT_RAW("k,x\ra,1\rb,2,3\r", 0, "1 [a,1]\n1 ![b,2,3]\n= 0");
	EXPECT_RAW("\xef\xbb\xbfk,x\na,1\n", 0, "2 [a,1]\n= 0");
}
END_TEST

START_TEST(test_csv_raw_over_max_is_dropped_not_truncated)
{
	/* max 20: row 3's field is too long; row 4's record just fits;
	 * row 5 has short fields but is itself longer than max; row 6 fits
	 * but its record does not, so it is bad with its bytes kept; rows 7
	 * and 8 are exactly max bytes, with their line break (LF, CRLF)
	 * past it, fed whole or across chunks. */
	EXPECT_RAW("k,x\na,1\nb,1234567890123456789012\nc,123456\n"
	    "d,1234567,1234567,12345\ne,12345678901234\n"
	    "f,1234567,1234567,12\ng,1234567,1234567,12\r\n", 20,
	    "2 [a,1]\n3 !-\n4 [c,123456]\n5 !-\n6 ![e,12345678901234]\n"
	    "7 ![f,1234567,1234567,12]\n8 ![g,1234567,1234567,12]\n= 0");
}
END_TEST

/* A row inside one fed chunk is not copied: raw points into the chunk. */
static const char *zc_in;
static size_t zc_n;

static int
zero_copy(void *ctx, const struct tide_csv_row *row)
{
	(void)ctx;
	ck_assert_ptr_nonnull(row->raw);
	ck_assert(row->raw >= zc_in && row->raw + row->rawlen <= zc_in + zc_n);
	return 0;
}

START_TEST(test_csv_raw_points_into_the_callers_chunk)
{
	static const char in[] = "k,x\na,1\nb,2,3\n\"c\",3\nd\"e,4\n";
	struct tide_csv c;

	zc_in = in;
	zc_n = sizeof(in) - 1;
	tide_csv_init(&c, 0, 0, zero_copy, NULL);
	ck_assert_int_eq(tide_csv_feed(&c, in, sizeof(in) - 1), 0);
	ck_assert_int_eq(tide_csv_finish(&c), 0);
	tide_csv_release(&c);
}
END_TEST

Suite *
suite_csvrec(void)
{
	Suite *s = suite_create("csvrec");
	TCase *tc = tcase_create("csvrec");

	tcase_add_test(tc, test_csv_header_names_become_keys);
	tcase_add_test(tc, test_csv_numbers_only_when_json_grammar_matches);
	tcase_add_test(tc, test_csv_strings_flag_keeps_every_value_a_string);
	tcase_add_test(tc, test_csv_empty_fields_are_empty_strings_or_null);
	tcase_add_test(tc, test_csv_rfc4180_quoting);
	tcase_add_test(tc, test_csv_spaces_are_data);
	tcase_add_test(tc, test_csv_crlf_empty_lines_and_no_final_newline);
	tcase_add_test(tc, test_csv_bom_is_dropped);
	tcase_add_test(tc, test_csv_empty_input_has_no_rows);
	tcase_add_test(tc, test_csv_utf8_and_nul_are_escaped_not_lost);
	tcase_add_test(tc, test_csv_special_bytes_at_every_offset);
	tcase_add_test(tc,
	    test_csv_wrong_field_count_is_a_row_error_and_parsing_goes_on);
	tcase_add_test(tc, test_csv_bad_quoting_is_a_row_error_resync_next_line);
	tcase_add_test(tc, test_csv_invalid_utf8_field_is_a_row_error);
	tcase_add_test(tc, test_csv_unterminated_quote_at_eof_is_fatal);
	tcase_add_test(tc, test_csv_bad_header_is_fatal);
	tcase_add_test(tc, test_csv_fatal_error_is_sticky);
	tcase_add_test(tc, test_csv_field_over_cap_is_etoobig_row_error);
	tcase_add_test(tc, test_csv_huge_open_field_is_cut_off_memory_bounded);
	tcase_add_test(tc, test_csv_callback_can_stop_parsing);
	tcase_add_test(tc, test_csv_name_returns_header_names);
	tcase_add_test(tc, test_csv_write_field_quotes_only_when_needed);
	tcase_add_test(tc, test_csv_write_field_round_trips_through_reader);
	tcase_add_test(tc, test_csv_write_field_respects_buffer_cap);
	tcase_add_test(tc, test_csv_raw_is_each_rows_bytes_without_line_break);
	tcase_add_test(tc, test_csv_raw_of_a_multiline_row_keeps_its_inner_breaks);
	tcase_add_test(tc, test_csv_raw_of_bad_quoting_is_the_whole_line);
	tcase_add_test(tc, test_csv_raw_last_row_cr_endings_and_bom);
	tcase_add_test(tc, test_csv_raw_over_max_is_dropped_not_truncated);
	tcase_add_test(tc, test_csv_raw_points_into_the_callers_chunk);
	suite_add_tcase(s, tc);
	return s;
}
